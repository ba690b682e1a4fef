// chunkscope's two small JavaScript helpers, called from the Go wasm page
// through syscall/js. They exist for measured reasons (NOTES.md):
//  - Pump: fetch() and a tight reader.read() loop, the measured request's
//    whole hot path, run in a dedicated worker (this same file) so that
//    nothing on the page's main thread delays a stamp (README, "t = 0" and
//    "How it reads a body"). Awaiting each read() from Go costs
//    ~50 µs and keeps every chunk's JS value alive until Go's GC runs (the
//    JS heap then grows to the body size even when nothing is kept). Here
//    each read is stamped with performance.now() and its byte count into a
//    Float64Array that Go takes in batches, once per frame.
//  - paint: paints a scene that Go has laid out (app/scene: binned to pixel
//    columns, axes, labels, markers) from one typed array, in one pass.
// It is a static file served by the binary, so a strict CSP needs no eval.
"use strict";

(function () {
  // This file also runs as the pump's worker (see Pump), where there is no
  // document: there it only reads (pumpWorker, at the end).
  const inWorker = typeof document === "undefined";
  const scriptURL = inWorker || !document.currentScript ? "/web/chunkscope.js" : document.currentScript.src;

  // The page checks its own Content-Security-Policy: every violation is
  // recorded, and eval must be refused (the policy allows wasm, not eval).
  const csp = { violations: [], evalBlocked: false };
  if (!inWorker) {
    document.addEventListener("securitypolicyviolation", (e) => {
      csp.violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile || "" });
    });
    try {
      new Function("return 1")();
    } catch (err) {
      csp.evalBlocked = true;
    }
  }

  // The measured request's hot path runs in a dedicated worker, this same
  // file (pumpWorker): fetch(), its resolution, and a tight read() loop
  // that stamps every piece with the worker's performance.now(). Nothing
  // the page does on its main thread (Go's batches, rendering, drawing,
  // memory sampling) can delay a stamp or a read; the page hears of the
  // response and takes the stamps afterwards, in batches. t = 0 is the
  // worker's performance.now() taken just before it called fetch(): every
  // stamp, the Resource Timing entry's included, is ms since then.
  function pumpWorker() {
    if (performance.setResourceTimingBufferSize) {
      performance.setResourceTimingBufferSize(10000);
      performance.addEventListener("resourcetimingbufferfull", () => performance.clearResourceTimings());
    }
    // One worker serves the page's runs, one at a time; every message
    // carries its run's id, so nothing of an aborted run mixes in.
    const readers = new Map();
    self.onmessage = (e) => {
      const m = e.data;
      if (m.type === "start" && !readers.has(m.id)) {
        readers.set(m.id, new Reader(m.id, m.url, m.init, m.keep, m.pace, m.quietMs, () => readers.delete(m.id)));
      } else if (m.type === "abort" && readers.has(m.id)) {
        readers.get(m.id).abort.abort();
      } else if (m.type === "resume" && readers.has(m.id)) {
        readers.get(m.id).wake();
      }
    };
    self.postMessage({ type: "ready" });
  }

  // flushEvery is how long stamps wait in the worker before they are
  // posted to the page, in ms.
  const flushEvery = 8;

  // Reader is the worker's side of a Pump: it reads the body to the end.
  class Reader {
    constructor(id, url, init, keep, pace, quietMs, finished) {
      this.id = id;
      this.quietMs = quietMs || 0; // no batch posted before (Pump.start)
      this.pace = pace || null; // null: full speed, the hot path below
      this.wake = () => {};
      this.finished = finished;
      this.url = new URL(url, self.location.href).href;
      this.keep = !!keep;
      this.kept = [];
      this.stamps = [];
      this.timer = 0;
      this.responded = false;
      this.abort = new AbortController();
      init.signal = this.abort.signal;
      this.t0 = performance.now();
      const pending = fetch(url, init);
      self.postMessage({ type: "started", id, t0Abs: performance.timeOrigin + this.t0 });
      this.run(pending);
    }

    async run(pending) {
      const msg = { type: "done", id: this.id, doneAt: 0, error: "", fetchFailed: false, errorBody: "" };
      try {
        const resp = await pending;
        const headersAt = performance.now() - this.t0;
        const response = {
          type: "response",
          id: this.id,
          status: resp.status,
          headers: JSON.stringify(Array.from(resp.headers.entries())),
          headersAt,
        };
        if (resp.status < 200 || resp.status > 299) {
          self.postMessage(response);
          this.responded = true;
          msg.errorBody = (await resp.text()).slice(0, 2048);
          msg.doneAt = performance.now() - this.t0;
        } else if (!resp.body) {
          self.postMessage(response);
          this.responded = true;
          msg.doneAt = headersAt;
        } else if (this.pace) {
          // A paced reader (app/spec Pace) has its own loop, so that the
          // full-speed one below stays as it was.
          self.postMessage(response);
          this.responded = true;
          msg.doneAt = await this.paced(resp.body);
        } else {
          const body = resp.body.getReader();
          let read = body.read();
          self.postMessage(response); // the first read() already in flight
          this.responded = true;
          for (;;) {
            const { done, value } = await read;
            const t = performance.now() - this.t0;
            if (done) {
              msg.doneAt = t;
              break;
            }
            read = body.read(); // the next one in flight before anything else
            this.stamp(t, value);
          }
        }
      } catch (err) {
        msg.doneAt = performance.now() - this.t0;
        msg.error = String((err && err.message) || err);
        msg.fetchFailed = !this.responded;
      }
      this.flush();
      self.postMessage(msg);
      this.postTiming(performance.now());
    }

    // paced reads the body at the pace the page asked for (app/spec
    // Pace, given here as {rate, pauseMs, atBytes, atMs, byTime, stop,
    // never}) and returns when it ended, in ms since t0. The waits are
    // between read() calls, with no read() in flight: what the reader does
    // not take stays in the browser's buffers, which fill, and TCP's flow
    // control then holds the server's writes — the backpressure the server's
    // send log shows. A rate is kept on average from the first byte: each
    // read of n bytes is followed by a wait until first + bytes/rate; reads
    // are BYOB reads of a tenth of a second's bytes where the browser has
    // them, so the pace is smooth rather than a few big reads. A pause or a
    // stop begins at the first read past its point (bytes, or ms since t0);
    // a stopped reader holds the response open, reading nothing, until the
    // page wakes it (the server has let go of the response: then it reads
    // what is left, to see how the body ends) or the run is stopped.
    async paced(stream) {
      const p = this.pace;
      let body = null;
      let size = 0;
      if (p.rate > 0) {
        size = Math.min(1 << 20, Math.max(1024, Math.round(p.rate / 10)));
        try {
          body = stream.getReader({ mode: "byob" });
        } catch (err) {
          body = null; // no byte stream here: whole pieces, the same average
        }
      }
      const byob = !!body;
      body = body || stream.getReader();
      let buf = byob ? new ArrayBuffer(size) : null;
      let got = 0;
      let first = -1;
      let held = false;
      if (p.never) {
        held = true;
        await this.hold(performance.now() - this.t0);
      }
      for (;;) {
        const { done, value } = await (byob ? body.read(new Uint8Array(buf, 0, size)) : body.read());
        const t = performance.now() - this.t0;
        if (done) {
          return t;
        }
        if (value.byteLength > 0) {
          this.stamp(t, value);
        }
        if (byob) {
          buf = this.keep ? new ArrayBuffer(size) : value.buffer;
        }
        got += value.byteLength;
        if (first < 0) {
          first = t;
        }
        if (p.rate > 0) {
          await this.sleep(first + (got / p.rate) * 1000 - t);
        } else if (!held && (p.byTime ? t >= p.atMs : got >= p.atBytes)) {
          held = true;
          if (p.stop) {
            await this.hold(t);
          } else {
            await this.sleep(p.pauseMs);
          }
        }
      }
    }

    // stamp notes one piece read at t (and keeps it, buffer-reading).
    stamp(t, value) {
      this.stamps.push(t, value.byteLength);
      if (this.keep) {
        this.kept.push(value);
      }
      if (!this.timer) {
        const quiet = this.quietMs - (performance.now() - this.t0);
        this.timer = setTimeout(() => this.flush(), Math.max(flushEvery, quiet));
      }
    }

    // sleep waits ms, or less if the run is stopped.
    sleep(ms) {
      if (!(ms > 0)) {
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const signal = this.abort.signal;
        const end = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", end);
          resolve();
        };
        const timer = setTimeout(end, ms);
        signal.addEventListener("abort", end);
      });
    }

    // hold is a stopped reader: it tells the page when it stopped, then
    // waits until the page wakes it ("resume") or the run is stopped.
    hold(t) {
      this.flush();
      self.postMessage({ type: "held", id: this.id, at: t });
      return new Promise((resolve) => {
        const signal = this.abort.signal;
        const end = () => {
          signal.removeEventListener("abort", end);
          this.wake = () => {};
          resolve();
        };
        this.wake = () => {
          self.postMessage({ type: "resumed", id: this.id, at: performance.now() - this.t0 });
          end();
        };
        signal.addEventListener("abort", end);
      });
    }

    // flush posts the stamps (and, buffer-reading, the pieces) gathered
    // since the last flush; the pieces are transferred, not copied.
    flush() {
      clearTimeout(this.timer);
      this.timer = 0;
      if (this.stamps.length === 0) {
        return;
      }
      const stamps = new Float64Array(this.stamps);
      const pieces = this.kept.map((v) =>
        v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v.buffer : v.slice().buffer
      );
      this.stamps = [];
      this.kept = [];
      self.postMessage({ type: "batch", id: this.id, stamps, pieces }, [stamps.buffer, ...pieces]);
    }

    // postTiming posts the browser's own PerformanceResourceTiming entry for
    // this very request, its times in ms since t0, as JSON, once the
    // browser has added it (about when the body has arrived; given up after
    // a second). The entry is the first of this URL that started at or
    // after t0: the worker sends one request, so no other can match.
    postTiming(since) {
      const e = performance
        .getEntriesByName(this.url, "resource")
        .find((e) => e.startTime >= this.t0 - 1);
      if (!e) {
        if (performance.now() - since < 1000) {
          setTimeout(() => this.postTiming(since), 10);
        } else {
          this.finished();
        }
        return;
      }
      const rel = (v) => (v > 0 ? v - this.t0 : 0);
      const timing = JSON.stringify({
        startMs: e.startTime - this.t0,
        worker: e.workerStart > 0,
        workerSource: e.workerMatchedSourceType || "",
        workerStartMs: rel(e.workerStart),
        fetchStartMs: rel(e.fetchStart),
        connectStartMs: rel(e.connectStart),
        connectEndMs: rel(e.connectEnd),
        requestStartMs: rel(e.requestStart),
        responseStartMs: rel(e.responseStart),
        responseEndMs: rel(e.responseEnd),
        protocol: e.nextHopProtocol || "",
        transferSize: e.transferSize,
        encodedBodySize: e.encodedBodySize,
      });
      self.postMessage({ type: "timing", id: this.id, timing });
      this.finished();
    }
  }

  // Pump is the page's side of one measured request: Pump.open() starts
  // the page's pump worker once (before the first request, outside any
  // measured interval; later runs find it ready, and a run after the server
  // went away fails on its own fetch) and resolves once it is ready;
  // start() sends the request; Go polls the fields and takes the stamps
  // about once per frame.
  let shared = null; // the worker, once it said it is ready
  let runs = 0;
  class Pump {
    static open() {
      if (!shared) {
        shared = new Promise((resolve, reject) => {
          const worker = new Worker(scriptURL);
          const fail = (why) => {
            worker.terminate();
            shared = null;
            reject(new Error("the pump's worker did not start: " + why));
          };
          const timer = setTimeout(() => fail("no answer in 10 s"), 10000);
          worker.onerror = (e) => {
            clearTimeout(timer);
            fail(e.message || "error");
          };
          worker.onmessage = (e) => {
            if (e.data.type === "ready") {
              clearTimeout(timer);
              worker.onerror = null;
              worker.onmessage = null;
              resolve(worker);
            }
          };
        });
      }
      return shared.then((worker) => new Pump(worker, ++runs));
    }

    constructor(worker, id) {
      this.worker = worker;
      this.id = id;
      this.t0 = 0; // t = 0 on the page's clock (performance.now())
      this.started = false;
      this.responded = false; // the headers arrived; the first read() was in flight before this was posted
      this.status = 0;
      this.headers = "[]"; // JSON [[name, value], …], lower-case names
      this.headersAt = 0;
      this.errorBody = "";
      this.fetchFailed = false;
      this.done = false;
      this.doneAt = 0;
      this.error = "";
      this.timingJSON = "";
      this.quietMs = 0; // see start
      this.quieted = null; // resolves quiet() early, once the body is read
      this.heldAt = -1; // a stopped reader: when it stopped, in ms since t0
      this.resumedAt = -1; // and when it read again
      this.buf = new Float64Array(2 * 1024);
      this.len = 0;
      this.kept = [];
      this.keptBytes = 0;
      this.listener = (e) => {
        if (e.data.id === this.id) {
          this.receive(e.data);
        }
      };
      worker.addEventListener("message", this.listener);
    }

    // start sends the request; init is fetch()'s, without a signal.
    // pace is null for full speed, or a paced reader's plan (Reader.paced).
    // For quietMs after t = 0 the worker posts no stamps, and quiet() lets
    // Go wait that long (app/browser quietFor).
    start(url, init, keep, pace, quietMs) {
      this.quietMs = quietMs || 0;
      this.worker.postMessage({ type: "start", id: this.id, url, init, keep: !!keep, pace: pace || null, quietMs: this.quietMs });
    }

    // quiet resolves once the body has been read, or quietMs after the
    // request was sent, whichever comes first: what Go waits on before it
    // takes its first batch.
    quiet() {
      return new Promise((resolve) => {
        if (this.done) {
          resolve();
          return;
        }
        this.quieted = resolve;
        setTimeout(resolve, this.quietMs);
      });
    }

    // resume wakes a stopped reader (see Reader.hold).
    resume() {
      this.worker.postMessage({ type: "resume", id: this.id });
    }

    abort() {
      this.worker.postMessage({ type: "abort", id: this.id });
    }

    // close lets go of the run: what the worker still sends of it is
    // dropped, and a read still under way is aborted.
    close() {
      if (!this.done) {
        this.abort();
      }
      this.worker.removeEventListener("message", this.listener);
    }

    receive(m) {
      switch (m.type) {
        case "started":
          this.t0 = m.t0Abs - performance.timeOrigin;
          this.started = true;
          break;
        case "response":
          this.status = m.status;
          this.headers = m.headers;
          this.headersAt = m.headersAt;
          this.responded = true;
          break;
        case "batch":
          for (let i = 0; i < m.stamps.length; i += 2) {
            this.push(m.stamps[i], m.stamps[i + 1]);
          }
          for (const b of m.pieces) {
            this.kept.push(new Uint8Array(b));
            this.keptBytes += b.byteLength;
          }
          break;
        case "done":
          this.doneAt = m.doneAt;
          this.error = m.error;
          this.fetchFailed = m.fetchFailed;
          this.errorBody = m.errorBody;
          this.done = true;
          if (this.quieted) {
            this.quieted();
          }
          break;
        case "timing":
          this.timingJSON = m.timing;
          break;
        case "held":
          this.heldAt = m.at;
          break;
        case "resumed":
          this.resumedAt = m.at;
          break;
      }
    }

    // timing is the request's Resource Timing entry as JSON (see
    // Reader.postTiming), or "" until the worker has sent it.
    timing() {
      return this.timingJSON;
    }

    push(t, n) {
      if (this.len + 2 > this.buf.length) {
        const bigger = new Float64Array(this.buf.length * 2);
        bigger.set(this.buf);
        this.buf = bigger;
      }
      this.buf[this.len++] = t;
      this.buf[this.len++] = n;
    }

    // take returns the (t, n) pairs stamped since the last call as the bytes
    // of a Float64Array (little-endian, as wasm is), for js.CopyBytesToGo.
    take() {
      const out = new Uint8Array(this.buf.buffer.slice(0, this.len * 8));
      this.len = 0;
      return out;
    }

    // takeBytes hands over the pieces kept since the last call as one
    // Uint8Array and forgets them, so they live in Go's heap only.
    takeBytes() {
      const out = new Uint8Array(this.keptBytes);
      let at = 0;
      for (const piece of this.kept) {
        out.set(piece, at);
        at += piece.byteLength;
      }
      this.kept = [];
      this.keptBytes = 0;
      return out;
    }
  }

  // The Resource Timing buffer holds 250 entries by default: a long session
  // would lose entries. Raise it, and should it fill anyway, empty it so
  // that new entries still land. (The pump's worker does the same for its
  // own, where the measured requests' entries are.)
  if (performance.setResourceTimingBufferSize) {
    performance.setResourceTimingBufferSize(10000);
    performance.addEventListener("resourcetimingbufferfull", () => performance.clearResourceTimings());
  }

  // settle resolves once the page's own start-up is over, so that none of
  // it lands inside a measured request (a run autostarted by a link comes
  // right after the page loads): the document loaded, go-app's service
  // worker installed and active (server/page.go), then two painted frames
  // (go-app's first render) and a task. It waits at
  // most maxMs for the worker, which may never come (an http origin that is
  // not localhost has none).
  function settle(maxMs) {
    const timeout = new Promise((r) => setTimeout(r, maxMs));
    const loaded =
      document.readyState === "complete"
        ? Promise.resolve()
        : new Promise((r) => window.addEventListener("load", r, { once: true }));
    const worker = navigator.serviceWorker ? navigator.serviceWorker.ready : Promise.resolve();
    // A hidden tab paints no frames: then a tenth of a second stands for one.
    const frame = () =>
      new Promise((r) => {
        requestAnimationFrame(() => r());
        setTimeout(r, 100);
      });
    return Promise.race([Promise.all([loaded, worker]), timeout])
      .then(frame)
      .then(frame)
      .then(() => new Promise((r) => setTimeout(r, 0)));
  }

  // EventStream follows one of the server's event streams, keeping the
  // events of one kind until Go takes them: "sample" for /events?run=ID
  // (the server's memory), "wire" for /wire?… (the raw probe, which also
  // sends a "summary"). Both end with an "end" event. With retry, a dropped
  // connection is left to EventSource, which resumes after the last id; a
  // probe is not retried, since a retried probe is another request.
  class EventStream {
    constructor(url, kind, retry, failure) {
      this.items = [];
      this.summary = "";
      this.ended = false;
      this.error = "";
      this.source = new EventSource(url);
      // opened settles when the stream's connection is up (or failed), so a
      // measured request sent after it has no connection set up beside it.
      this.opened = new Promise((r) => {
        this.source.addEventListener("open", r, { once: true });
        this.source.addEventListener("error", r, { once: true });
      });
      this.source.addEventListener(kind, (e) => this.items.push(JSON.parse(e.data)));
      // The server's send log comes on the memory stream, asked for with
      // batch=1 (the page always does): many writes in one "sends" event,
      // one dispatch per wake-up of the stream (10 ms) rather than one
      // "sent" event per write, while a body is read.
      this.sent = [];
      this.source.addEventListener("sends", (e) => {
        for (const s of JSON.parse(e.data)) {
          this.sent.push(s);
        }
      });
      this.source.addEventListener("summary", (e) => (this.summary = e.data));
      this.source.addEventListener("end", (e) => {
        // An end that says why no events came (no such run arrived).
        try {
          const end = JSON.parse(e.data);
          if (end && end.problem) {
            this.error = end.problem;
          }
        } catch (_) {}
        this.ended = true;
        this.source.close();
      });
      this.source.onerror = () => {
        if (this.ended || (retry && this.source.readyState !== EventSource.CLOSED)) {
          return;
        }
        this.error = failure;
        if (!retry) {
          this.ended = true;
          this.source.close();
        }
      };
    }

    // take returns the events received since the last call, as JSON.
    take() {
      const out = JSON.stringify(this.items);
      this.items = [];
      return out;
    }

    // takePacked returns the events of one list ("items" or "sent")
    // received since the last call as little-endian float64s: for each
    // event the fields named (comma-separated), in that order, one it lacks
    // as 0, one that is not a number as NaN. Go copies them in one call:
    // decoding them as JSON in Go cost the main thread 5–20 ms a run,
    // inside the measured interval (app/wire SendFields).
    takePacked(list, names) {
      const fields = names.split(",");
      const events = this[list];
      this[list] = [];
      const out = new Float64Array(events.length * fields.length);
      let i = 0;
      for (const e of events) {
        for (const f of fields) {
          const v = e[f];
          out[i++] = v === undefined ? 0 : typeof v === "number" ? v : NaN;
        }
      }
      return new Uint8Array(out.buffer);
    }

    close() {
      this.source.close();
    }
  }

  // UAMemory runs performance.measureUserAgentSpecificMemory() once. It
  // needs a cross-origin isolated page and resolves after a garbage
  // collection, seconds later: t is when it resolved, in ms since t0.
  class UAMemory {
    static available() {
      return !!(self.crossOriginIsolated && performance.measureUserAgentSpecificMemory);
    }

    constructor(t0) {
      this.bytes = 0;
      this.t = 0;
      this.error = "";
      // settled resolves once the measurement is over, kept or not
      // (measure never rejects).
      this.settled = this.measure(t0, 3);
    }

    // measure keeps a measurement whose breakdown has the page's window in
    // it. Now and then Chromium's leaves the window out — workers, the DOM
    // and shared memory only, ~0.5 MB against ~7 — so that one is taken
    // again, up to tries times, and then named for what it is, not kept.
    async measure(t0, tries) {
      try {
        let r;
        for (let i = 0; i < tries; i++) {
          r = await performance.measureUserAgentSpecificMemory();
          if (r.breakdown.some((b) => b.attribution.some((a) => a.scope === "Window"))) {
            this.bytes = r.bytes;
            this.t = performance.now() - t0;
            return;
          }
        }
        this.error = `the browser measured the page's workers only (${r.bytes} bytes), not its window, ${tries} times`;
      } catch (err) {
        this.error = String((err && err.message) || err);
      }
    }
  }

  // memory reads what the browser tells about its memory, where it does.
  function memory() {
    const out = {};
    if (performance.memory) {
      out.jsHeap = performance.memory.usedJSHeapSize;
    }
    return out;
  }

  // chartWidth is the width, in CSS pixels, Go lays the chart out for.
  function chartWidth(canvas) {
    return canvas.clientWidth || 800;
  }

  // The painter's tables, indexed by app/scene's Font, Align and Dash.
  const fonts = [
    "13px system-ui, sans-serif",
    "bold 13px system-ui, sans-serif",
    "italic 13px system-ui, sans-serif",
    "11px ui-monospace, monospace",
    "12px system-ui, sans-serif",
  ];
  const aligns = ["left", "center", "right"];
  const dashes = [[], [4, 4], [5, 4]];

  // paint draws a scene that Go laid out (app/scene) and packed
  // (scene.Encode): u8 holds the bytes of a Float64Array, per primitive
  // [kind, color, width, dash, font, align, text, n, n numbers], and strs
  // the strings they index, joined by U+0001. It knows nothing of lanes or
  // axes: the layout is Go's, so another painter (SVG) draws the same list.
  // scale, when given, is the device pixels per CSS pixel (an export at
  // 2×); otherwise the screen's.
  // zoom (a scene's Zoom, talk mode) paints every unit of the layout that
  // many CSS pixels large; a canvas with data-font uses that family (talk
  // mode's embedded font) instead of system-ui.
  function paint(canvas, cssW, cssH, u8, strs, scale, zoom) {
    const f = new Float64Array(u8.buffer, u8.byteOffset, u8.byteLength / 8);
    const S = strs.split("\u0001");
    const z = zoom || 1;
    const dpr = (scale || window.devicePixelRatio || 1) * z;
    const fam = canvas.dataset && canvas.dataset.font;
    // Talk mode's fonts: every text of the chart one size (13 units, so
    // the zoom makes it the page's body size) in the talk's family.
    const F = fam ? fonts.map((s) => s.replace(/[0-9]+px/, "13px").replace("system-ui, sans-serif", fam)) : fonts;
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
      canvas.style.height = cssH * z + "px";
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.textBaseline = "middle";
    // Canvas state is set only when it changes: assigning ctx.font parses
    // the font each time, and a scene has dozens of texts.
    let font = -1, align = -1, dash = -1, width = -1, stroke = "", fill = "";
    const setFill = (c) => { if (c !== fill) { ctx.fillStyle = fill = c; } };
    for (let i = 0; i < f.length; ) {
      const kind = f[i], color = S[f[i + 1]], n = f[i + 7], p = i + 8;
      switch (kind) {
        case 1: // line
        case 2: // polyline
          if (color !== stroke) ctx.strokeStyle = stroke = color;
          if (f[i + 2] !== width) ctx.lineWidth = width = f[i + 2];
          if (f[i + 3] !== dash) ctx.setLineDash(dashes[(dash = f[i + 3])]);
          ctx.beginPath();
          ctx.moveTo(f[p], f[p + 1]);
          for (let j = p + 2; j < p + n; j += 2) ctx.lineTo(f[j], f[j + 1]);
          ctx.stroke();
          break;
        case 3: // rect
        case 4: // rects
          setFill(color);
          for (let j = p; j < p + n; j += 4) ctx.fillRect(f[j], f[j + 1], f[j + 2], f[j + 3]);
          break;
        case 5: // text
          setFill(color);
          if (f[i + 4] !== font) ctx.font = F[(font = f[i + 4])];
          if (f[i + 5] !== align) ctx.textAlign = aligns[(align = f[i + 5])];
          ctx.fillText(S[f[i + 6]], f[p], f[p + 1]);
          break;
        case 6: // filled polygon
          setFill(color);
          ctx.beginPath();
          ctx.moveTo(f[p], f[p + 1]);
          for (let j = p + 2; j < p + n; j += 2) ctx.lineTo(f[j], f[j + 1]);
          ctx.closePath();
          ctx.fill();
          break;
      }
      i = p + n;
    }
    ctx.setLineDash([]);
  }

  if (inWorker) {
    pumpWorker();
    return;
  }
  // The pump's worker starts with the page, once it has loaded: the first
  // run finds it ready, even one pressed after the server went away (whose
  // own fetch then says so).
  const startPump = () => Pump.open().catch(() => {});
  if (document.readyState === "complete") {
    startPump();
  } else {
    window.addEventListener("load", startPump, { once: true });
  }
  window.chunkscopeLib = { Pump, EventStream, UAMemory, settle, memory, chartWidth, paint, csp };
})();
