// Talk mode's service worker (registered by web/talkstore.js with scope
// /talk, and /web/notes.html for the notes window): a reload of /talk with
// the server gone opens the same step, from the files kept here.
//
// It must not move the needle. go-app's worker (server/page.go) has no
// fetch handler, because a fetch handler is handed every request of the
// pages it controls, the measured ones included (7–50 ms before they
// leave). This one has a fetch handler, but:
//  - its scope is /talk: the explorer (/) is not controlled by it;
//  - the pump's dedicated worker (web/chunkscope.js, where the measured
//    fetch() runs) is a client of its own script URL, /web/chunkscope.js,
//    outside this scope: go-app's worker controls it, without a fetch
//    handler;
//  - on /talk itself, the Static Routing API (InstallEvent.addRoutes,
//    Chromium 123+) sends every request but the page's own files straight
//    to the network without starting this script: the event streams, the
//    wire probe, /clock and any measured request made from the page.
// A browser without addRoutes gets no talk worker at all (it unregisters
// itself): there a fetch handler would see the measured requests.
"use strict";

const version = new URL(self.location.href).searchParams.get("v") || "dev";
const cacheName = "talk-" + version;

// The files a talk needs with no server: the page (go-app's shell), the
// wasm, styles, scripts, fonts, the shipped decks and their recordings.
const files = [
  "/app.js",
  "/app.css",
  "/wasm_exec.js",
  "/manifest.webmanifest",
  "/web/app.wasm",
  "/web/chunkscope.css",
  "/web/talk.css",
  "/web/talkprint.css",
  "/web/chunkscope.js",
  "/web/keep.js",
  "/web/talk.js",
  "/web/talkstore.js",
  "/web/notes.html",
  "/web/notes.js",
  "/web/notes.css",
  "/web/icon.png",
  "/web/icon.svg",
  "/web/fonts/DejaVuSans.ttf",
  "/web/fonts/DejaVuSans-Bold.ttf",
  "/web/decks/streaming.recorded.json",
  "/web/decks/lightning.json",
  "/web/decks/django.json",
  "/web/decks/django.recorded.json",
];
const kept = new Set(files);

// shellKey is where a talk page's HTML is kept: one for /talk (any step),
// one for embed=1, whose headers allow framing.
function shellKey(url) {
  return url.searchParams.get("embed") === "1" ? "/talk?embed=1" : "/talk";
}

function isTalkPage(url) {
  return url.pathname === "/talk" || url.pathname.startsWith("/talk/");
}

self.addEventListener("install", (event) => {
  if (!event.addRoutes) {
    event.waitUntil(self.registration.unregister());
    return;
  }
  event.waitUntil(
    Promise.all([
      // First match wins: the page's files and pages through the fetch
      // event, everything else to the network.
      event.addRoutes([
        { condition: { requestMode: "navigate" }, source: "fetch-event" },
        { condition: { or: files.map((f) => ({ urlPattern: new URLPattern({ pathname: f }) })) }, source: "fetch-event" },
        { condition: { urlPattern: new URLPattern({ pathname: "/web/decks/*" }) }, source: "fetch-event" },
        { condition: { urlPattern: new URLPattern({}) }, source: "network" },
      ]),
      caches.open(cacheName).then((cache) =>
        Promise.all([
          ...files.map((f) => cache.add(f).catch(() => {})),
          cache.add("/talk").catch(() => {}),
        ])
      ),
    ]).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("talk-") && k !== cacheName).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  let key = "";
  if (req.mode === "navigate") {
    if (isTalkPage(url)) key = shellKey(url);
    else if (url.pathname === "/web/notes.html") key = url.pathname;
    else return;
  } else if (kept.has(url.pathname) || url.pathname.startsWith("/web/decks/")) {
    key = url.pathname;
  } else {
    return;
  }
  event.respondWith(networkFirst(req, key));
});

// networkFirst answers from the server when it answers, keeping a copy
// (unless the kept one has the same ETag); from the copy when it does not,
// marked X-Chunkscope-Kept: 1.
async function networkFirst(req, key) {
  const cache = await caches.open(cacheName);
  try {
    const res = await fetch(req);
    if (res.ok) {
      const had = await cache.match(key);
      const etag = res.headers.get("ETag");
      if (!had || !etag || had.headers.get("ETag") !== etag) await cache.put(key, res.clone());
    }
    return res;
  } catch (err) {
    const had = await cache.match(key);
    if (!had) throw err;
    const headers = new Headers(had.headers);
    headers.set("X-Chunkscope-Kept", "1");
    return new Response(had.body, { status: had.status, statusText: had.statusText, headers });
  }
}
