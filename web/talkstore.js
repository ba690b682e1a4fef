// What keeps a talk going through a reload (the Go side is app/ui/talk.go
// and app/ui/talkoffline.go):
//  - the talk's service worker (web/talk-worker.js), registered on /talk
//    only, so a reload with the server gone opens the same step;
//  - a deck or recording opened from a file, kept in this browser (the
//    deck in localStorage, read synchronously before the first render;
//    the recording, up to 128 MiB, in IndexedDB);
//  - whether the server answers (probe): the page plays the step's
//    recording by itself when it does not.
// A static file: the CSP needs no eval.
"use strict";

(function () {
  const deckKey = "chunkscope-talk-deck";
  const send = (cmd, arg) => {
    const t = window.chunkscopeTalk;
    if (t && t.hooks.command) t.hooks.command(cmd, arg == null ? "" : String(arg));
  };
  const onTalkPath = () => location.pathname === "/talk" || location.pathname.startsWith("/talk/");

  // register installs the talk worker for /talk and the notes window. Its
  // URL carries the build's version (go-app's), so a new build replaces it
  // and its cache.
  function register() {
    if (!("serviceWorker" in navigator) || !onTalkPath()) return;
    const v = typeof goappGetenv === "function" ? goappGetenv("GOAPP_VERSION") || "dev" : "dev";
    const url = "/web/talk-worker.js?v=" + encodeURIComponent(v);
    for (const scope of ["/talk", "/web/notes.html"]) {
      navigator.serviceWorker.register(url, { scope }).catch(() => {}); // offline: the one installed goes on
    }
  }
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });

  // The deck kept from a file: {name, text}, or null.
  function storedDeck() {
    try {
      const s = localStorage.getItem(deckKey);
      return s ? s : "";
    } catch (err) {
      return "";
    }
  }

  function db() {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open("chunkscope-talk", 1);
      req.onupgradeneeded = () => req.result.createObjectStore("files");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  function tx(mode, f) {
    return db().then(
      (d) =>
        new Promise((resolve, reject) => {
          const t = d.transaction("files", mode);
          const req = f(t.objectStore("files"));
          t.oncomplete = () => {
            d.close();
            resolve(req && req.result);
          };
          t.onerror = t.onabort = () => {
            d.close();
            reject(t.error);
          };
        })
    );
  }

  // keep stores a file the speaker opened: kind "deck" or "recording"
  // (with the deck it was opened on, which it is restored for only).
  // What cannot be kept (no room) is said on the page.
  function keep(kind, name, text, deck) {
    const v = JSON.stringify({ name, text, deck });
    if (kind === "deck") {
      try {
        localStorage.setItem(deckKey, v);
      } catch (err) {
        send("problem", name + " is shown but not kept in this browser (" + err.message + "): a reload shows the built-in deck.");
      }
      // A new deck's recording is the one dropped after it.
      tx("readwrite", (s) => s.delete("recording")).catch(() => {});
      return;
    }
    tx("readwrite", (s) => s.put(v, "recording")).catch((err) =>
      send("problem", name + " is shown but not kept in this browser (" + err + ")."));
  }

  // forget drops what was kept: back to the built-in deck.
  function forget() {
    try {
      localStorage.removeItem(deckKey);
    } catch (err) {}
    tx("readwrite", (s) => s.delete("recording")).catch(() => {});
  }

  // restoreRecording hands the kept recording, if any, to the page.
  function restoreRecording() {
    tx("readonly", (s) => s.get("recording"))
      .then((v) => v && send("stored-recording", v))
      .catch(() => {});
  }

  // probe asks the server for a small file past the talk worker (its
  // routes send /robots.txt to the network): "offline" 1 when nothing
  // answers, 0 when it does.
  function probe() {
    fetch("/robots.txt", { method: "HEAD", cache: "no-store" })
      .then(() => send("offline", "0"))
      .catch(() => send("offline", "1"));
  }

  window.chunkscopeTalkStore = { storedDeck, keep, forget, restoreRecording, probe };
})();
