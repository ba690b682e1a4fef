// The speaker's notes window (opened by n on /talk): it follows the talk
// window's steps over a BroadcastChannel, same origin, and can move them.
// On top, how long the talk has run (from when this window opened, or its
// last reset; kept across a reload of this window) and the time of day;
// below the step's notes, a preview of the next step.
"use strict";

(function () {
  const ch = new BroadcastChannel("chunkscope-talk");
  // The talk window's key (talk.js), without which it ignores commands.
  const key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
  const $ = (id) => document.getElementById(id);

  const startKey = "chunkscope-notes-start";
  let start = Number(sessionStorage.getItem(startKey)) || Date.now();
  const reset = () => {
    start = Date.now();
    sessionStorage.setItem(startKey, String(start));
    tick();
  };
  sessionStorage.setItem(startKey, String(start));
  const two = (n) => String(n).padStart(2, "0");
  function tick() {
    const s = Math.floor((Date.now() - start) / 1000);
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    $("notes-timer").textContent = (h ? h + ":" + two(m) : String(m)) + ":" + two(s % 60);
    const d = new Date();
    $("notes-clock").textContent = two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
  }
  tick();
  setInterval(tick, 250);
  $("notes-reset").addEventListener("click", reset);

  ch.onmessage = (e) => {
    const s = e.data;
    if (!s || s.type !== "state") return;
    $("notes-title").textContent = s.title;
    $("notes-count").textContent = "Step " + s.step + " of " + s.steps + (s.status ? " · " + s.status : "");
    $("notes-text").textContent = s.notes || "(no notes for this step)";
    $("notes-next").textContent = s.next ? "Next: " + s.next : "Last step.";
    const ul = $("notes-next-lines");
    ul.replaceChildren(...(s.nextLines || []).map((l) => Object.assign(document.createElement("li"), { textContent: l })));
    document.title = "Notes " + s.step + "/" + s.steps + " — " + s.title;
  };
  ch.postMessage({ type: "hello" });
  document.addEventListener("keydown", (e) => {
    if (e.key === "0") {
      e.preventDefault();
      reset();
      return;
    }
    const cmd = { ArrowRight: "next", PageDown: "next", ArrowLeft: "prev", PageUp: "prev", " ": "run", r: "replay" }[e.key];
    if (cmd) {
      e.preventDefault();
      ch.postMessage({ type: "command", cmd, arg: "", key });
    }
  });
})();
