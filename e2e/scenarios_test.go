package e2e

import (
	"testing"

	"chunkscope/app/record"
	"chunkscope/app/spec"
)

// TestScenariosInTheBrowser opens every scenario of the table from a deep
// link, as a speaker would, and checks the verdict its explanation claims;
// for the Go pitfalls (Content-Length yet flushed, no Flush, proxies) it
// checks the reads and the time to first byte that make the difference,
// and that the verdict's sentence and the scenario's text agree with the
// headers (TestVerdictsAtSizesAndPaces reads them at other sizes and paces).
func TestScenariosInTheBrowser(t *testing.T) {
	const q = "rows=20&delay=50ms" // 305 bytes in 20 groups over 1 s
	streamed := func(t *testing.T, r record.Run) {
		if len(r.Chunks) < 15 || r.TTFBMs >= 500 {
			t.Errorf("%d reads, TTFB %.0f ms; want ≥ 15 reads from < 500 ms on", len(r.Chunks), r.TTFBMs)
		}
	}
	onePiece := func(t *testing.T, r record.Run) {
		if len(r.Chunks) != 1 || r.TTFBMs < 900 {
			t.Errorf("%d reads, TTFB %.0f ms; want 1 read after the whole production (≥ 900 ms)", len(r.Chunks), r.TTFBMs)
		}
	}
	extra := map[string]func(*testing.T, record.Run){
		"content-length": func(t *testing.T, r record.Run) {
			streamed(t, r)
			if r.Header("content-length") != "305" || r.Header("transfer-encoding") != "" {
				t.Errorf("content-length %q, transfer-encoding %q; want 305 and none", r.Header("content-length"), r.Header("transfer-encoding"))
			}
		},
		"no-flush":        onePiece,
		"single-write":    onePiece,
		"proxy-chunked":   streamed,
		"proxy-length":    onePiece,
		"proxy-flush":     streamed,
		"gzip-buffered":   onePiece,
		"hidden-flush":    onePiece,
		"fixed-flush":     streamed,
		"timeout-handler": onePiece,
		"write-deadline":  streamed,
		"write-timeout": func(t *testing.T, r record.Run) {
			// Cut at 500 ms of a 1 s stream: what came before the cut was read.
			if r.Error == "" || len(r.Chunks) < 5 || r.Bytes >= 305 {
				t.Errorf("error %q, %d reads, %d bytes; want an error after ≥ 5 reads, short of 305 bytes", r.Error, len(r.Chunks), r.Bytes)
			}
		},
		"gzip-streaming": func(t *testing.T, r record.Run) {
			streamed(t, r)
			if r.Header("content-encoding") != "gzip" || r.Bytes != 305 {
				t.Errorf("content-encoding %q, %d bytes read; want gzip, inflated to 305", r.Header("content-encoding"), r.Bytes)
			}
		},
	}
	for _, sc := range spec.Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := runsAfter(t, tab(t), "/?autorun=1&"+q+"&scenario="+sc.Name, 1)[0]
			if r.Error != "" && sc.Verdict != record.KindError {
				t.Fatalf("run failed: %s", r.Error)
			}
			if r.Verdict.Kind != sc.Verdict {
				t.Errorf("verdict %s (%s); the scenario claims %s", r.Verdict.Kind, r.Verdict.Detail, sc.Verdict)
			}
			if check := extra[sc.Name]; check != nil {
				check(t, r)
			}
			if want, ok := verdictTable[sc.Name]; ok {
				// What the sentence and the scenario's text say of the
				// framing is what the headers say (verdicts_test.go).
				checkShownFraming(t, r, want.cl, bodySize20)
			}
		})
	}
}

// TestWireLane: with wire=1 the page follows the server's raw probe of the
// same request after its own read, and the record holds the HTTP chunks the
// browser cannot see, hex sizes included.
func TestWireLane(t *testing.T) {
	r := runsAfter(t, tab(t), "/?autorun=1&scenario=streaming&rows=20&delay=50ms&wire=1", 1)[0]
	w := r.Wire
	if w == nil {
		t.Fatal("no wire in the record")
	}
	var sizes []string
	for _, e := range w.Events {
		if e.Kind == "chunk-size" {
			sizes = append(sizes, e.Text)
		}
	}
	if w.Proto != "HTTP/1.1" || w.Framing != "chunked" || w.Chunks != 20 || !w.Complete || w.BodyBytes != 305 {
		t.Errorf("wire %s %s, %d chunks, complete %v, %d bytes; want HTTP/1.1 chunked, 20, complete, 305", w.Proto, w.Framing, w.Chunks, w.Complete, w.BodyBytes)
	}
	if len(sizes) != 20 || sizes[0] != "1c" || sizes[1] != "e" {
		t.Errorf("chunk sizes %v; want 20, starting 1c e", sizes)
	}
	if r.Source != "browser" || len(r.Chunks) < 15 {
		t.Errorf("source %s, %d reads; want the browser's own read first", r.Source, len(r.Chunks))
	}
	// HTTP/1.0: only the probe can send it; the record is the probe's.
	r = runsAfter(t, tab(t), "/?autorun=1&scenario=http10&rows=20&delay=50ms", 1)[0]
	if r.Source != "wire" || r.Wire == nil || r.Wire.Proto != "HTTP/1.0" || r.Wire.Framing != "close" || r.Bytes != 305 || len(r.Chunks) < 15 {
		t.Errorf("http10: source %s, wire %+v, %d bytes in %d reads; want wire, HTTP/1.0 close, 305 bytes in ≥ 15 reads", r.Source, r.Wire, r.Bytes, len(r.Chunks))
	}
}
