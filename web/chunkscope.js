// chunkscope's two small JavaScript helpers, called from the Go wasm page
// through syscall/js. They exist for measured reasons (NOTES.md):
//  - Pump: a tight reader.read() loop. Awaiting each read() from Go costs
//    ~50 µs and keeps every chunk's JS value alive until Go's GC runs (the
//    JS heap then grows to the body size even when nothing is kept). Here
//    each read is stamped with performance.now() and its byte count into a
//    Float64Array that Go takes in batches, once per frame.
//  - paint: paints a scene that Go has laid out (app/scene: binned to pixel
//    columns, axes, labels, markers) from one typed array, in one pass.
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

  window.chunkscopeLib = { Pump, EventStream, UAMemory, memory, chartWidth, paint, csp };
})();
