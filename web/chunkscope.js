// chunkscope's two small JavaScript helpers, called from the Go wasm page
// through syscall/js. They exist for measured reasons (NOTES.md):
//  - Pump: a tight reader.read() loop. Awaiting each read() from Go costs
//    ~50 µs and keeps every chunk's JS value alive until Go's GC runs (the
//    JS heap then grows to the body size even when nothing is kept). Here
//    each read is stamped with performance.now() and its byte count into a
//    Float64Array that Go takes in batches, once per frame.
//  - draw: paints a scene that Go has already binned to pixel columns, from
//    typed arrays, in one pass.
// It is a static file served by the binary, so a strict CSP needs no eval.
"use strict";

(function () {
  // The page checks its own Content-Security-Policy: every violation is
  // recorded, and eval must be refused (the policy allows wasm, not eval).
  const csp = { violations: [], evalBlocked: false };
  document.addEventListener("securitypolicyviolation", (e) => {
    csp.violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile || "" });
  });
  try {
    new Function("return 1")();
  } catch (err) {
    csp.evalBlocked = true;
  }

  // Pump reads `reader` until the end. t0 is the performance.now() taken
  // just before fetch() was called, so every stamp is "ms since the request
  // was sent".
  class Pump {
    // keep: buffer-read mode; each piece is also kept until Go takes it
    // (takeBytes) into its own heap, as response.arrayBuffer() would hold it.
    constructor(reader, t0, keep) {
      this.reader = reader;
      this.t0 = t0;
      this.keep = !!keep;
      this.kept = [];
      this.keptBytes = 0;
      this.buf = new Float64Array(2 * 1024);
      this.len = 0;
      this.done = false;
      this.doneAt = 0;
      this.error = "";
      this.run();
    }

    async run() {
      try {
        for (;;) {
          const { done, value } = await this.reader.read();
          const t = performance.now() - this.t0;
          if (done) {
            this.doneAt = t;
            break;
          }
          this.push(t, value.byteLength);
          if (this.keep) {
            this.kept.push(value);
            this.keptBytes += value.byteLength;
          }
        }
      } catch (err) {
        this.doneAt = performance.now() - this.t0;
        this.error = String((err && err.message) || err);
      }
      this.done = true;
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

    cancel() {
      this.reader.cancel().catch(() => {});
    }
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
      this.source.addEventListener(kind, (e) => this.items.push(JSON.parse(e.data)));
      this.source.addEventListener("summary", (e) => (this.summary = e.data));
      this.source.addEventListener("end", () => {
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
      this.done = false;
      this.bytes = 0;
      this.t = 0;
      this.error = "";
      performance
        .measureUserAgentSpecificMemory()
        .then((r) => {
          this.bytes = r.bytes;
          this.t = performance.now() - t0;
        })
        .catch((err) => {
          this.error = String((err && err.message) || err);
        })
        .finally(() => {
          this.done = true;
        });
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

  const margin = { left: 150, right: 24, top: 30, bottom: 50 };
  const laneHeight = 46;

  // plotColumns is how many pixel columns Go should bin to.
  function plotColumns(canvas) {
    const w = canvas.clientWidth || 800;
    return Math.max(50, Math.floor(w - margin.left - margin.right));
  }

  // fromBytes turns the bytes Go handed over back into a Float64Array.
  function floats(u8) {
    return new Float64Array(u8.buffer, u8.byteOffset, u8.byteLength / 8);
  }

  function niceStep(span, target) {
    const raw = span / target;
    const pow = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 2.5, 5, 10]) {
      if (raw <= m * pow) return m * pow;
    }
    return 10 * pow;
  }

  function fmtTime(ms, step) {
    if (step >= 1000 || ms >= 1000) {
      const digits = step >= 1000 ? 0 : step >= 100 ? 1 : 2;
      return (ms / 1000).toFixed(digits) + " s";
    }
    return ms.toFixed(step >= 1 ? 0 : 1) + " ms";
  }

  function fmtBytes(n) {
    const units = ["B", "KiB", "MiB", "GiB"];
    let u = 0;
    while (n >= 1024 && u < units.length - 1) {
      n /= 1024;
      u++;
    }
    return (u === 0 ? n.toFixed(0) : n.toFixed(n >= 10 ? 0 : 1)) + " " + units[u];
  }

  // draw paints scene = {tMax, yMax, lanes: [{label, color, cum, ticks,
  // ttfb, done}]} where cum and ticks are the Uint8Array bytes of
  // Float64Arrays with one value per pixel column.
  function draw(canvas, scene) {
    const lanes = scene.lanes;
    const cols = lanes.length ? floats(lanes[0].cum).length : plotColumns(canvas);
    const cumHeight = 220;
    const memHeight = 120;
    const memGap = 34;
    const cssW = cols + margin.left + margin.right;
    const cssH = margin.top + cumHeight + 16 + lanes.length * laneHeight + 2 * (memGap + memHeight) + margin.bottom;
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
      canvas.style.height = cssH + "px";
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.font = "13px system-ui, sans-serif";
    ctx.textBaseline = "middle";

    const x0 = margin.left;
    const xOf = (ms) => x0 + (ms / scene.tMax) * cols;
    const cumTop = margin.top;
    const cumBottom = cumTop + cumHeight;
    const lanesTop = cumBottom + 16;
    const serverTop = lanesTop + lanes.length * laneHeight + memGap;
    const clientTop = serverTop + memHeight + memGap;
    const axisY = clientTop + memHeight;

    // Grid and time axis.
    const step = niceStep(scene.tMax, 8);
    ctx.strokeStyle = "#e3e6ea";
    ctx.fillStyle = "#57606a";
    ctx.lineWidth = 1;
    ctx.textAlign = "center";
    for (let t = 0; t <= scene.tMax + 1e-9; t += step) {
      const x = Math.round(xOf(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, cumTop);
      ctx.lineTo(x, axisY);
      ctx.stroke();
      ctx.fillText(fmtTime(t, step), x, axisY + 16);
    }
    ctx.textAlign = "left";
    ctx.fillText("time since the request was sent →", x0, axisY + 36);

    // Cumulative bytes.
    ctx.textAlign = "right";
    ctx.fillStyle = "#24292f";
    ctx.fillText("bytes received", x0 - 10, cumTop - 14);
    ctx.fillStyle = "#57606a";
    for (const frac of [0, 0.5, 1]) {
      const y = cumBottom - frac * cumHeight;
      ctx.fillText(fmtBytes(frac * scene.yMax), x0 - 10, y);
      ctx.beginPath();
      ctx.moveTo(x0, Math.round(y) + 0.5);
      ctx.lineTo(x0 + cols, Math.round(y) + 0.5);
      ctx.stroke();
    }
    for (const lane of lanes) {
      if (!lane.cum) continue; // a wire lane: its own request, no curve
      const cum = floats(lane.cum);
      ctx.strokeStyle = lane.color;
      ctx.lineWidth = 2.5;
      ctx.beginPath();
      let started = false;
      for (let c = 0; c < cum.length; c++) {
        const v = cum[c];
        if (Number.isNaN(v)) break;
        const y = cumBottom - (v / scene.yMax) * cumHeight;
        if (!started) {
          ctx.moveTo(x0 + c, cumBottom);
          started = true;
        }
        ctx.lineTo(x0 + c + 1, y);
      }
      ctx.stroke();
      if (!Number.isNaN(lane.ttfb)) {
        const x = Math.round(xOf(lane.ttfb)) + 0.5;
        ctx.setLineDash([4, 4]);
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(x, cumTop);
        ctx.lineTo(x, cumBottom);
        ctx.stroke();
        ctx.setLineDash([]);
      }
    }

    // One lane per run: a tick per column that received pieces.
    lanes.forEach((lane, i) => {
      const top = lanesTop + i * laneHeight;
      const mid = top + laneHeight / 2;
      ctx.fillStyle = i % 2 ? "#ffffff" : "#f6f8fa";
      ctx.fillRect(x0, top, cols, laneHeight);
      ctx.fillStyle = lane.color;
      ctx.textAlign = "right";
      ctx.font = lane.wire ? "italic 13px system-ui, sans-serif" : "bold 13px system-ui, sans-serif";
      ctx.fillText(lane.label, x0 - 10, mid);
      ctx.font = "13px system-ui, sans-serif";
      const ticks = floats(lane.ticks);
      let max = 1;
      for (let c = 0; c < ticks.length; c++) max = Math.max(max, ticks[c]);
      for (let c = 0; c < ticks.length; c++) {
        if (ticks[c] === 0) continue;
        // Taller where more pieces landed in the same pixel column.
        const h = 12 + (laneHeight - 20) * (Math.log(1 + ticks[c]) / Math.log(1 + max));
        ctx.fillRect(x0 + c, mid - h / 2, 1.5, h);
      }
      if (lane.labels) {
        // A wire lane: each HTTP chunk's hex size, where there is room.
        ctx.font = "11px ui-monospace, monospace";
        ctx.textAlign = "left";
        ctx.fillStyle = "#24292f";
        for (const [col, text] of lane.labels) {
          ctx.fillText(text, x0 + col + 3, top + 9);
        }
        ctx.font = "13px system-ui, sans-serif";
      }
      if (!lane.wire && !Number.isNaN(lane.ttfb)) {
        const x = xOf(lane.ttfb);
        ctx.beginPath();
        ctx.moveTo(x, top + 2);
        ctx.lineTo(x - 5, top - 5);
        ctx.lineTo(x + 5, top - 5);
        ctx.closePath();
        ctx.fill();
        ctx.textAlign = x > x0 + cols - 160 ? "right" : "left";
        ctx.fillStyle = "#24292f";
        ctx.fillText("first byte " + fmtTime(lane.ttfb, 10), x + (ctx.textAlign === "left" ? 8 : -8), top + 9);
      }
    });

    memPanel(ctx, x0, cols, serverTop, memHeight, "server memory", "heap (solid), RSS (dashed)",
      scene.serverMax, lanes, "serverHeap", "serverRSS");
    memPanel(ctx, x0, cols, clientTop, memHeight, "browser memory", "Go wasm heap (solid), JS heap (dashed)",
      scene.clientMax, lanes, "clientHeap", "clientJS");
  }

  // memPanel draws one memory plot: per lane, a solid curve and a dashed
  // one (either may be missing).
  function memPanel(ctx, x0, cols, top, height, title, legend, yMax, lanes, solid, dashed) {
    ctx.fillStyle = "#24292f";
    ctx.textAlign = "left";
    ctx.font = "bold 13px system-ui, sans-serif";
    ctx.fillText(title, x0, top - 12);
    ctx.font = "13px system-ui, sans-serif";
    ctx.fillStyle = "#57606a";
    ctx.fillText(legend, x0 + ctx.measureText(title).width + 24, top - 12);
    ctx.textAlign = "right";
    ctx.strokeStyle = "#e3e6ea";
    ctx.lineWidth = 1;
    for (const frac of [0, 0.5, 1]) {
      const y = Math.round(top + height - frac * height) + 0.5;
      ctx.fillText(fmtBytes(frac * yMax), x0 - 10, y);
      ctx.beginPath();
      ctx.moveTo(x0, y);
      ctx.lineTo(x0 + cols, y);
      ctx.stroke();
    }
    let drawn = 0;
    for (const lane of lanes) {
      for (const [key, dash] of [[solid, []], [dashed, [5, 4]]]) {
        if (!lane[key]) continue;
        const vals = floats(lane[key]);
        ctx.strokeStyle = lane.color;
        ctx.lineWidth = dash.length ? 1.5 : 2.5;
        ctx.setLineDash(dash);
        ctx.beginPath();
        let pen = false;
        for (let c = 0; c < vals.length; c++) {
          const v = vals[c];
          if (Number.isNaN(v)) {
            pen = false;
            continue;
          }
          const y = top + height - (v / yMax) * height;
          if (!pen) {
            ctx.moveTo(x0 + c, y);
            pen = true;
          }
          ctx.lineTo(x0 + c + 1, y);
        }
        ctx.stroke();
        drawn++;
      }
    }
    ctx.setLineDash([]);
    if (!drawn && lanes.length) {
      ctx.textAlign = "left";
      ctx.fillText("no samples for these runs", x0 + 10, top + height / 2);
    }
  }

  window.chunkscopeLib = { Pump, EventStream, UAMemory, memory, plotColumns, draw, csp };
})();
