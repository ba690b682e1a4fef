package record

import (
	"slices"
	"strings"
	"testing"

	"chunkscope/app/wire"
)

// hopRun is a finished run of one hop of a chain: its URL, the Server its
// response names, its verdict, its reads.
func hopRun(rawURL, server, kind string, chunks []Chunk) *Run {
	headers := map[string]string{"transfer-encoding": "chunked", "content-type": "text/csv"}
	if server != "" {
		headers["server"] = server
	}
	r := upstreamRun(headers, chunks[0].T-1, chunks)
	r.Params = map[string]string{"url": rawURL}
	for _, c := range chunks {
		r.Bytes += int64(c.N)
	}
	r.TTFBMs = chunks[0].T
	r.Verdict = Verdict{Kind: kind}
	return r
}

// probed adds the wire probe of the same response: one socket read per
// piece (time, bytes), each a chunk, as the probe reports them.
func probed(r *Run, pieces []Chunk) *Run {
	w := &Wire{Status: 200, Proto: wire.ProtoHTTP11, Framing: wire.FramingChunked, Complete: true, ContentLength: -1}
	for _, p := range pieces {
		w.Events = append(w.Events,
			wire.Event{T: p.T, Kind: wire.KindRead, Bytes: p.N + 8},
			wire.Event{T: p.T, Kind: wire.KindChunkSize, Bytes: 4},
			wire.Event{T: p.T, Kind: wire.KindChunkData, Bytes: p.N})
		w.BodyBytes += int64(p.N)
		w.Chunks++
	}
	w.TTFBMs = pieces[0].T
	r.Wire = w
	return r
}

// TestChainNamesTheHopThatChangedThePacing: the chain's comparison on the
// lab's figures (lab/truth.md: 2,000 rows × 2 ms; nginx stock releases
// 4 KiB pieces from ~0.2–0.5 s, Apache and nginx with buffering off stream,
// a Varnish hit is one piece) — where it says the pacing changed, and the
// figures its sentence gives.
func TestChainNamesTheHopThatChangedThePacing(t *testing.T) {
	const (
		nginxURL   = "http://127.0.0.1:8080/download_csv_streaming?rows=2000&delay=2"
		apacheURL  = "http://127.0.0.1:8081/download_csv_streaming?rows=2000&delay=2"
		gunicornU  = "http://127.0.0.1:8000/download_csv_streaming?rows=2000&delay=2"
		cdnURL     = "http://cdn.example/download_csv_streaming?rows=2000&delay=2"
		varnishURL = "http://127.0.0.1:6081/download_csv_streaming?rows=2000&delay=2"
	)
	gunicornWire := func() *Run {
		return probed(hopRun(gunicornU, "gunicorn/20.1.0", KindMerged, export(5, 2)), export(1.2, 2))
	}
	nginxStockWire := func(url string) *Run {
		return probed(hopRun(url, "nginx/1.22.1", KindBatched, batches(nginxPieces(), 215, 200, 1)), batches(nginxPieces(), 211, 200, 1))
	}
	apacheWire := probed(hopRun(apacheURL, "Apache/2.4.71 (Debian)", KindMerged, export(9, 2)), export(4.0, 2))
	tests := []struct {
		name      string
		hops      []*Run
		changedAt int
		changes   []int
		says      []string
		never     []string
	}{
		{"nginx stock → Gunicorn, with the wire: nginx holds it in 4 KiB pieces",
			[]*Run{nginxStockWire(nginxURL), gunicornWire()}, 0, []int{0},
			[]string{"The pacing changed between nginx (:8080) and Gunicorn (:8000)", "first byte on the wire 1.2 ms → 211 ms",
				"2,001 pieces of ~43 B → 22 pieces of ~4.0 KiB on the wire", "merged → batched"},
			[]string{"No hop", "bodies differ"}},
		{"Apache → Gunicorn, with the wire: Apache streams it, no hop changed it",
			[]*Run{apacheWire, gunicornWire()}, -1, []int{},
			[]string{"No hop changed the pacing (on the wire)", "Apache (:8081) merged, first byte 4.0 ms, 2,001 pieces of ~43 B", "Gunicorn (:8000) merged, first byte 1.2 ms"},
			[]string{"changed between"}},
		{"Apache passing Gunicorn's Server header on → Gunicorn: the proxy at its port, not a second Gunicorn",
			[]*Run{probed(hopRun(apacheURL, "gunicorn/20.1.0", KindMerged, export(9, 2)), export(4.0, 2)), gunicornWire()}, -1, []int{},
			[]string{"No hop changed the pacing (on the wire): the proxy at :8081 merged", "; Gunicorn (:8000) merged"}, nil},
		{"nginx stock → Gunicorn, the page's reads alone: the same finding, from the reads",
			[]*Run{hopRun(nginxURL, "nginx/1.22.1", KindBatched, batches(nginxPieces(), 230, 200, 2)), hopRun(gunicornU, "gunicorn/20.1.0", KindStreamed, export(5, 2))}, 0, []int{0},
			[]string{"between nginx (:8080) and Gunicorn (:8000)", "first byte 5.0 ms → 230 ms", "→ 22 pieces of ~4.0 KiB;", "streamed → batched"},
			[]string{"on the wire"}},
		{"a CDN that streams → nginx stock → Gunicorn: the CDN passes nginx's pieces on, nginx is the hop",
			[]*Run{nginxStockWire(cdnURL), nginxStockWire(nginxURL), gunicornWire()}, 1, []int{1},
			[]string{"between nginx (:8080) and Gunicorn (:8000)"}, []string{"cdn.example"}},
		{"a Varnish hit → Apache → Gunicorn: the cache hands it over whole, Apache streams",
			[]*Run{probed(hopRun(varnishURL, "gunicorn/20.1.0", KindOnePiece, []Chunk{{3, labBody}}), []Chunk{{1, labBody}}), apacheWire, gunicornWire()}, 0, []int{0},
			[]string{"between the proxy at :6081 and Apache (:8081)", "2,001 pieces of ~43 B → 1 piece of 84.5 KiB on the wire", "merged → one-piece"},
			[]string{"first byte"}},
		{"nginx stock → HAProxy → Gunicorn: HAProxy changed it; nginx passes its ~200 ms batches of ~4 KiB on alike",
			[]*Run{nginxStockWire(nginxURL),
				probed(hopRun("http://127.0.0.1:8090/x", "gunicorn/20.1.0", KindBatched, batches(haproxyPieces(), 208, 200, 1)), batches(haproxyPieces(), 205, 200, 1)),
				gunicornWire()}, 1, []int{1},
			[]string{"between the proxy at :8090 and Gunicorn (:8000): first byte on the wire 1.2 ms → 205 ms"}, nil},
		{"a hop that failed: no comparison, and it says which",
			[]*Run{func() *Run {
				r := hopRun(nginxURL, "nginx/1.22.1", KindError, []Chunk{{3, 150}})
				r.Status, r.Verdict.Detail = 404, "The server answered 404 Not Found."
				return r
			}(), gunicornWire()}, -1, []int{},
			[]string{"cannot be compared: nginx (:8080) (hop 1) failed — The server answered 404 Not Found."}, []string{"No hop"}},
		{"one hop: nothing to compare", []*Run{gunicornWire()}, -1, []int{}, []string{"One hop only"}, nil},
		{"a hop still read", []*Run{func() *Run { r := nginxStockWire(nginxURL); r.Done = false; return r }(), gunicornWire()}, -1, []int{},
			[]string{"Reading the chain: nginx (:8080) is not read yet."}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := CompareChain(tc.hops)
			if c.ChangedAt != tc.changedAt {
				t.Errorf("changedAt = %d; want %d (%s)", c.ChangedAt, tc.changedAt, c.Sentence)
			}
			if !slices.Equal(c.Changes, tc.changes) {
				t.Errorf("changes = %v; want %v", c.Changes, tc.changes)
			}
			for _, s := range tc.says {
				if !strings.Contains(c.Sentence, s) {
					t.Errorf("sentence %q\nlacks %q", c.Sentence, s)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(c.Sentence, s) {
					t.Errorf("sentence %q\nsays %q", c.Sentence, s)
				}
			}
			if len(c.Hops) != len(tc.hops) {
				t.Fatalf("%d hops; want %d", len(c.Hops), len(tc.hops))
			}
			for i, h := range c.Hops {
				r := tc.hops[i]
				if h.URL != r.Params["url"] || h.TTFBMs != r.TTFBMs || h.Reads != len(r.Chunks) || h.Bytes != r.Bytes || h.Verdict != r.Verdict.Kind {
					t.Errorf("hop %d = %+v; want the record's url, ttfbMs %v, reads %d, bytes %d, verdict %s", i, h, r.TTFBMs, len(r.Chunks), r.Bytes, r.Verdict.Kind)
				}
			}
		})
	}
}

// TestChainPageLagIsNoHops: the page's reader stamps the first read
// 80–250 ms late on a loaded machine; counted from when the request left
// (Resource Timing), that lag is not taken for a hop's.
func TestChainPageLagIsNoHops(t *testing.T) {
	outer := hopRun("http://127.0.0.1:8081/x", "Apache/2.4.71", KindStreamed, export(260, 2))
	outer.Timing = &ResourceTiming{RequestStartMs: 250}
	inner := hopRun("http://127.0.0.1:8000/x", "gunicorn/20.1.0", KindStreamed, export(30, 2))
	inner.Timing = &ResourceTiming{RequestStartMs: 20}
	if c := CompareChain([]*Run{outer, inner}); c.ChangedAt != -1 {
		t.Errorf("changedAt = %d (%s); want -1: the 230 ms were the page's, before the request left", c.ChangedAt, c.Sentence)
	}
	outer.Timing = nil
	if c := CompareChain([]*Run{outer, inner}); c.ChangedAt != 0 {
		t.Errorf("without Resource Timing, changedAt = %d (%s); want 0: 260 ms against 10 ms", c.ChangedAt, c.Sentence)
	}
	// A first byte held 650 ms past the request: the sentence gives the
	// table's TTFBs (the first reads), the figures on screen.
	held := hopRun("http://127.0.0.1:8080/x", "nginx/1.22.1", KindStreamed, export(900, 2))
	held.Timing = &ResourceTiming{RequestStartMs: 250}
	if c := CompareChain([]*Run{held, inner}); c.ChangedAt != 0 || !strings.Contains(c.Sentence, "first byte 30 ms → 900 ms") {
		t.Errorf("changedAt %d, %q; want 0 and the TTFBs on screen, 30 ms → 900 ms", c.ChangedAt, c.Sentence)
	}
}

func TestHopName(t *testing.T) {
	tests := []struct{ url, server, want string }{
		{"http://127.0.0.1:8080/x", "nginx/1.22.1", "nginx (:8080)"},
		{"http://127.0.0.1:8000/x", "gunicorn/20.1.0", "Gunicorn (:8000)"},
		{"http://localhost:80/x", "Apache/2.4.71 (Debian)", "Apache (:80)"},
		{"http://shop.example/x", "cloudflare", "Cloudflare (shop.example)"},
		{"http://127.0.0.1:9000/x", "", ":9000"},
		{"http://[::1]:9000/x", "daphne", "daphne (:9000)"},
	}
	for _, tc := range tests {
		r := &Run{Params: map[string]string{"url": tc.url}, Headers: map[string]string{}}
		if tc.server != "" {
			r.Headers["server"] = tc.server
		}
		if got := HopName(r); got != tc.want {
			t.Errorf("HopName(%s, Server %q) = %q; want %q", tc.url, tc.server, got, tc.want)
		}
	}
}
