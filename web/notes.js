// The speaker's notes window (opened by n on /talk): it follows the talk
// window's steps over a BroadcastChannel, same origin, and can move them.
"use strict";

(function () {
  const ch = new BroadcastChannel("chunkscope-talk");
  // The talk window's key (talk.js), without which it ignores commands.
  const key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
  const $ = (id) => document.getElementById(id);
  ch.onmessage = (e) => {
    const s = e.data;
    if (!s || s.type !== "state") return;
    $("notes-title").textContent = s.title;
    $("notes-count").textContent = "Step " + s.step + " of " + s.steps + (s.status ? " · " + s.status : "");
    $("notes-text").textContent = s.notes || "(no notes for this step)";
    $("notes-next").textContent = s.next ? "Next: " + s.next : "Last step.";
    document.title = "Notes " + s.step + "/" + s.steps + " — " + s.title;
  };
  ch.postMessage({ type: "hello" });
  document.addEventListener("keydown", (e) => {
    const cmd = { ArrowRight: "next", PageDown: "next", ArrowLeft: "prev", PageUp: "prev", " ": "run", r: "replay" }[e.key];
    if (cmd) {
      e.preventDefault();
      ch.postMessage({ type: "command", cmd, arg: "", key });
    }
  });
})();
