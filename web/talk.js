// Talk mode's browser side (the Go page is app/ui/talk.go): keys become
// commands, so does an embedding page's postMessage; full screen and the
// notes window need the key's user gesture, so they are opened here. The
// state Go posts goes to the notes window (BroadcastChannel, same origin)
// and, when framed, to the parent. A static file: the CSP needs no eval.
"use strict";

(function () {
  const hooks = { command: null };
  const channel = "BroadcastChannel" in self ? new BroadcastChannel("chunkscope-talk") : null;
  // Commands on the channel count only with this window's key, which only
  // the notes window it opened knows (in its URL's fragment): any other
  // script of this origin — there should be none, /upstream's content is
  // sandboxed — cannot drive the talk.
  const key = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  let state = null; // the last "state" posted, for a notes window opened later
  const framed = window.parent !== window;
  const send = (cmd, arg) => hooks.command && hooks.command(cmd, arg == null ? "" : String(arg));
  const onTalk = () => !!document.querySelector(".talk");

  let jump = null, jumpTimer = 0; // g + digits
  const endJump = () => {
    clearTimeout(jumpTimer);
    const n = jump;
    jump = null;
    send("typing", "");
    if (n) send("step", n);
  };

  document.addEventListener("keydown", (e) => {
    if (!onTalk() || e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = e.target && e.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    if (jump !== null) {
      if (/^[0-9]$/.test(e.key)) {
        e.preventDefault();
        jump += e.key;
        send("typing", "g " + jump);
        clearTimeout(jumpTimer);
        jumpTimer = setTimeout(endJump, 1500);
        return;
      }
      if (e.key === "Enter") {
        e.preventDefault();
        endJump();
        return;
      }
      jump = null;
      send("typing", "");
      if (e.key === "Escape") return;
    }
    let cmd = "", arg = "";
    switch (e.key) {
      // A clicker's PageDown: play the step if it has not played, else the
      // next step. ("next" — the notes window's, an embedding page's — is
      // the next step, always.)
      case "ArrowRight": case "PageDown": case "ArrowDown": cmd = "advance"; break;
      case "ArrowLeft": case "PageUp": case "ArrowUp": cmd = "prev"; break;
      case " ": cmd = "run"; break;
      case "r": cmd = "replay"; break;
      case "s": cmd = "slow"; break;
      case "b": case ".": cmd = "blank"; break;
      case "t": cmd = "theme"; break;
      case "?": cmd = "help"; break;
      case "Escape": cmd = "escape"; break;
      case "Home": cmd = "step"; arg = "1"; break;
      case "End": cmd = "step"; arg = "last"; break;
      case "f": e.preventDefault(); fullscreen(); return;
      case "n": e.preventDefault(); notes(); return;
      case "g": e.preventDefault(); jump = ""; send("typing", "g"); return;
      default: return;
    }
    e.preventDefault();
    send(cmd, arg);
  });

  function fullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen().catch(() => {});
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen().catch((err) => send("problem", "Full screen was refused: " + err.message));
    }
  }

  function notes() {
    const w = window.open("/web/notes.html#key=" + key, "chunkscope-notes", "popup,width=960,height=640");
    if (!w) send("problem", "The notes window was blocked: allow pop-ups for this page, then press n again.");
  }

  if (channel) {
    channel.onmessage = (e) => {
      if (e.data && e.data.type === "hello" && state) channel.postMessage(state);
      if (e.data && e.data.type === "command" && e.data.key === key) send(e.data.cmd, e.data.arg);
    };
  }

  // The embedding page's commands: "next", "prev", "run", "replay",
  // "step 4" — or {cmd: "step", step: 4}.
  window.addEventListener("message", (e) => {
    if (!framed || e.source !== window.parent) return;
    let d = e.data;
    if (typeof d === "string") {
      const [cmd, arg] = d.trim().split(/\s+/);
      d = { cmd, step: arg };
    }
    if (!d || typeof d.cmd !== "string") return;
    if (["next", "prev", "run", "replay", "step", "slow", "theme"].includes(d.cmd)) send(d.cmd, d.step);
  });

  function post(kind, json) {
    const msg = Object.assign({ source: "chunkscope", type: kind }, JSON.parse(json));
    if (kind === "state") {
      state = msg;
      if (channel) channel.postMessage(msg);
    }
    if (framed) window.parent.postMessage(msg, "*");
  }

  function fetchText(url) {
    return fetch(url, { cache: "no-store" }).then((r) => r.text().then((text) => ({ status: r.status, text })));
  }

  // Canvas text waits for the font: repaint once it is there.
  if (document.fonts) document.fonts.ready.then(() => send("fonts", ""));

  window.chunkscopeTalk = { hooks, post, fetchText };
})();
