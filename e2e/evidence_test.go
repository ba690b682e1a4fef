package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/wire"
	"chunkscope/internal/harness"
)

// TestEvidenceFromProductionLoadsInThePage: files other tools wrote of
// chunkscope's own streams load in the page as lanes — a Chrome NetLog
// through the file picker, a curl trace through window.chunkscope.load —
// each read where the tool saw it and the wire lane's chunks parsed; a
// DevTools-protocol log is refused in one sentence that names it.
func TestEvidenceFromProductionLoadsInThePage(t *testing.T) {
	ctx := tab(t)
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	netlog := read("../app/keep/testdata/netlog/streaming.json")
	gzipped := read("../app/keep/testdata/netlog/gzip-streaming.json")
	trace := read("../app/keep/testdata/curl/streaming.trace-ascii.txt")
	freshPage(t, ctx)
	// The file picker, as a person loads a file.
	for _, f := range []struct{ name, text string }{{"streaming.netlog.json", netlog}, {"gzip.netlog.json", gzipped}} {
		eval[bool](t, ctx, `(() => { const dt = new DataTransfer(); dt.items.add(new File([`+jsString(f.text)+`], `+jsString(f.name)+`));
			const in_ = document.getElementById("keep-file"); in_.files = dt.files; in_.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const e = document.getElementById("keep-note"); return !!e && e.textContent.includes(`+jsString(f.name)+`); })()`,
			chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("loading %s: no note: %v (error shown: %q)", f.name, err, eval[string](t, ctx, `(document.getElementById("keep-error") || {}).textContent || ""`))
		}
	}
	if got := load(t, ctx, jsString(trace)); got != "ok:1" {
		t.Fatalf("load(curl trace): %s; want ok:1", got)
	}
	runs, err := harness.WaitRuns(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		format, label string
		reads         int
	}{
		{"netlog", "/csv/streaming", 20},
		{"netlog", "/csv/gzip-streaming", 19},
		{"curl", "/csv/streaming", 20},
	} {
		r := runs[i]
		if r.Loaded == nil || r.Loaded.Format != want.format || !strings.Contains(r.Label(), want.label) || len(r.Chunks) != want.reads || r.Bytes != bodySize20 {
			t.Errorf("lane %d: %s %q, %d reads, %d bytes; want %s %q, %d reads, %d bytes", i+1, r.Loaded.Format, r.Label(), len(r.Chunks), r.Bytes, want.format, want.label, want.reads, bodySize20)
		}
		if r.Wire == nil || r.Wire.Framing != wire.FramingChunked || r.Wire.Chunks < 20 {
			t.Errorf("lane %d: wire %+v; want the chunk framing parsed (20 chunks or more)", i+1, r.Wire)
		}
		if r.Verdict.Kind != "streamed" {
			t.Errorf("lane %d: verdict %s; want streamed", i+1, r.Verdict.Kind)
		}
	}
	labels, _ := laneLabels(liveScene(t, ctx).Scene)
	if len(labels) != 3 {
		t.Errorf("lanes drawn %v; want 3", labels)
	}
	shot(t, ctx, "evidence-netlog-curl.png")

	got := load(t, ctx, jsString(`[{"method": "Network.requestWillBeSent", "params": {"requestId": "1"}}]`))
	if !strings.HasPrefix(got, "err:This file is a DevTools-protocol log") || !strings.Contains(got, "chrome-har") {
		t.Errorf("load(DevTools log) = %q; want it named, and chrome-har", got)
	}
}
