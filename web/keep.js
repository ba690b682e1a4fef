// chunkscope's helpers for keeping runs (app/browser/keep_wasm.go calls
// them): files picked or dropped on the page are read here and handed to
// Go as text; downloads; the PNG, painted by chunkscopeLib.paint (the same
// painter as the chart) on a canvas of its own. A static file, so the CSP
// needs no eval.
"use strict";

(function () {
  // Over this size a file is not read at all: Go says why (app/keep,
  // MaxBytes, which the page sets here too; a test keeps the two equal for
  // pages that do not: /talk).
  const lib = { maxBytes: 128 * 1024 * 1024 };
  const hooks = { file: null };

  function readFile(file) {
    if (!hooks.file) {
      return;
    }
    // The explorer's hook takes the file's bytes (one copy into Go, no
    // UTF-8 step); /talk's, its text.
    const bytes = !!hooks.file.bytes;
    const none = bytes ? new Uint8Array(0) : "";
    if (file.size > lib.maxBytes) {
      hooks.file(none, file.name, file.size);
      return;
    }
    (bytes ? file.arrayBuffer().then((b) => new Uint8Array(b)) : file.text()).then(
      (data) => hooks.file(data, file.name, file.size),
      (err) => hooks.file(none, file.name, -1)
    );
  }

  const hasFiles = (e) => e.dataTransfer && Array.from(e.dataTransfer.types || []).includes("Files");
  document.addEventListener("dragover", (e) => {
    if (hasFiles(e)) {
      e.preventDefault();
      document.documentElement.classList.add("dropping");
    }
  });
  document.addEventListener("dragleave", (e) => {
    if (e.target === document.documentElement || e.clientX <= 0 || e.clientY <= 0) {
      document.documentElement.classList.remove("dropping");
    }
  });
  document.addEventListener("drop", (e) => {
    if (!hasFiles(e)) {
      return;
    }
    e.preventDefault();
    document.documentElement.classList.remove("dropping");
    const f = e.dataTransfer.files[0];
    if (f) {
      readFile(f);
    }
  });
  // The file picker (#keep-file), wherever go-app renders it.
  document.addEventListener("change", (e) => {
    if (e.target && e.target.id === "keep-file" && e.target.files && e.target.files[0]) {
      readFile(e.target.files[0]);
      e.target.value = "";
    }
  });

  // download saves text as a file; with no mime, text is already a URL
  // (a PNG's data: URL).
  function download(name, mime, text) {
    const url = mime ? URL.createObjectURL(new Blob([text], { type: mime })) : text;
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    if (mime) {
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    }
  }

  function png(cssW, cssH, u8, strs, scale) {
    const canvas = document.createElement("canvas");
    chunkscopeLib.paint(canvas, cssW, cssH, u8, strs, scale);
    const ctx = canvas.getContext("2d");
    // The chart is transparent over the page's white: the file gets it.
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalCompositeOperation = "destination-over";
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    return canvas.toDataURL("image/png");
  }

  // length is a string's length (Go's syscall/js reads no property of a
  // string): window.chunkscope.load(text) measures a text before it copies
  // it, then takes it as UTF-8.
  const length = (s) => s.length;
  // encodeInto a buffer of the text's length takes all of a text of ASCII
  // (JSON is, mostly) in one pass, twice as fast as encode (which measures,
  // then copies); anything else is encoded whole.
  const encoder = new TextEncoder();
  const encode = (s) => {
    const b = new Uint8Array(s.length);
    return encoder.encodeInto(s, b).read === s.length ? b : encoder.encode(s);
  };

  window.chunkscopeKeep = Object.assign(lib, { hooks, download, png, length, encode });
})();
