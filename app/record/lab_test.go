package record

import (
	"math"
	"slices"
	"strings"
	"testing"

	"chunkscope/app/wire"
)

// The figures here are the lab's (issue 21; NOTES.md, "Real stacks on these
// machines"): a Django CSV export of 2,000 rows × 2 ms (86,481 B, ~43 B a
// row) served by Gunicorn, uWSGI, daphne, behind nginx, HAProxy, Varnish,
// each checked with curl --raw --trace-time.

const labBody = 86481 // the export's bytes, uncompressed

// upstreamRun is a finished run of an -upstream URL as the page read it:
// its headers at headersMs, its reads.
func upstreamRun(headers map[string]string, headersMs float64, chunks []Chunk) *Run {
	r := &Run{Scenario: Upstream, Source: SourceBrowser, Method: "GET", Status: 200, Headers: headers, HeadersMs: headersMs, Done: true}
	r.Append(chunks...)
	r.TotalMs = chunks[len(chunks)-1].T + 1
	return r
}

// jittered makes n reads of size bytes from at, every gap ms give or take
// 20% (a fixed, uneven pattern: a loaded machine's stamps).
func jittered(n, size int, at, gap float64) []Chunk {
	out := make([]Chunk, n)
	t := at
	for i := range out {
		out[i] = Chunk{T: t, N: size}
		t += gap * (1 + 0.2*math.Sin(float64(i)*1.7))
	}
	return out
}

// export is the lab's export as 2,001 rows from at, every gap ms give or
// take 20%: 86,481 B in rows of 43 or 44 B.
func export(at, gap float64) []Chunk {
	out := jittered(2001, 43, at, gap)
	for i := 0; i < labBody-2001*43; i++ {
		out[i*4].N++
	}
	return out
}

// batches makes reads of the given sizes, the first at first, then every
// gap ms give or take 5%; split cuts each batch into that many reads 0.1 ms
// apart (a batch the kernel handed over in pieces).
func batches(sizes []int, first, gap float64, split int) []Chunk {
	var out []Chunk
	t := first
	for i, n := range sizes {
		for k := 0; k < split; k++ {
			part := n / split
			if k == split-1 {
				part = n - part*(split-1)
			}
			out = append(out, Chunk{T: t + 0.1*float64(k), N: part})
		}
		t += gap * (1 + 0.05*math.Sin(float64(i)))
	}
	return out
}

// nginxPieces is the export through nginx on its stock settings: 21 pieces
// of 4 KiB and what is left.
func nginxPieces() []int {
	s := make([]int, 22)
	for i := range s {
		s[i] = 4096
	}
	s[21] = labBody - 21*4096
	return s
}

// haproxyPieces is the export through HAProxy: what ~200 ms of rows makes,
// 4.1 to 4.6 KB a batch, after a first row sent at once.
func haproxyPieces() []int {
	s := []int{43}
	left := labBody - 43
	for i := 0; left > 0; i++ {
		n := min(left, 4200+int(200*math.Sin(float64(i)*2.3)))
		s = append(s, n)
		left -= n
	}
	return s
}

// wireBody is a wire section of the probe's response: framing, the
// response headers, and body pieces (time, bytes).
func wireBody(framing string, headers map[string]string, pieces ...Chunk) *Wire {
	w := &Wire{Status: 200, Proto: wire.ProtoHTTP11, Framing: framing, Complete: true, ContentLength: -1, Headers: headers}
	for _, p := range pieces {
		w.Events = append(w.Events, wire.Event{T: p.T, Kind: wire.KindChunkData, Bytes: p.N})
		w.BodyBytes += int64(p.N)
		w.Chunks++
	}
	return w
}

// shift moves reads later by ms.
func shift(c []Chunk, ms float64) []Chunk {
	out := slices.Clone(c)
	for i := range out {
		out[i].T += ms
	}
	return out
}

func withWire(r *Run, w *Wire) *Run { r.Wire = w; r.Wire.Differs = WireDiffers(r); return r }

func withTiming(r *Run, encoded int64) *Run {
	r.Timing = &ResourceTiming{EncodedBodySize: encoded}
	return r
}

// TestVerdictsOnRealStacks: each rule of the verdict against the lab's
// figures — the kind, the layer it names, what its sentence must say and
// must never say.
func TestVerdictsOnRealStacks(t *testing.T) {
	gunicorn := map[string]string{"transfer-encoding": "chunked", "server": "gunicorn/20.1.0", "content-type": "text/csv"}
	nginx := map[string]string{"transfer-encoding": "chunked", "server": "nginx/1.22.1", "content-type": "text/csv"}
	gz := func(server string) map[string]string {
		return map[string]string{"transfer-encoding": "chunked", "content-encoding": "gzip", "server": server, "vary": "Accept-Encoding"}
	}
	daphne := map[string]string{"transfer-encoding": "chunked", "server": "daphne"}
	varnishHit := map[string]string{"content-type": "text/csv", "server": "gunicorn/20.1.0", "age": "3", "x-varnish": "32770 3",
		"via": "1.1 varnish (Varnish/7.1)", "content-length": "86481"}
	varnishMiss := map[string]string{"transfer-encoding": "chunked", "server": "gunicorn/20.1.0", "age": "0", "x-varnish": "32768",
		"via": "1.1 varnish (Varnish/7.1)"}
	// The export's 2,001 chunks as Gunicorn sends them, on the wire: a
	// chunk every ~2 ms from 1.2 ms.
	gunicornWire := func(headers map[string]string) *Wire {
		return wireBody(wire.FramingChunked, headers, export(1.2, 2)...)
	}
	tests := []struct {
		name   string
		run    *Run
		kind   string
		layer  string   // a part of the layer; "" for none
		says   []string // parts of the sentence
		never  []string // never in the sentence or the layer
		differ bool     // the wire probe's response is another one
	}{
		{"Gunicorn's smooth 2 ms stream of 2,001 chunks: streamed, nothing named",
			upstreamRun(gunicorn, 4, export(5, 2)), KindStreamed, "",
			[]string{"the body streamed", "one every ~2.0 ms", "the largest 44 B"}, []string{"batch"}, false},
		{"the same with one 249 ms pause: still a stream, not two bursts of half the body",
			upstreamRun(gunicorn, 4, append(export(5, 2)[:1000], shift(export(5, 2)[1000:], 249)...)), KindStreamed, "",
			[]string{"the body streamed", "the largest 44 B"}, nil, false},
		{"Gunicorn's stream with the wire probe of the same response: streamed",
			withWire(upstreamRun(gunicorn, 4, export(5, 2)), gunicornWire(gunicorn)), KindStreamed, "",
			[]string{"the body streamed"}, []string{"another response"}, false},

		{"nginx stock settings: 4 KiB pieces ~200 ms apart, first byte 211 ms",
			upstreamRun(nginx, 2, batches(nginxPieces(), 211, 200, 1)), KindBatched, "Server: nginx/1.22.1): it let the body go 4.0 KiB at a time",
			[]string{"released in ~4.0 KiB pieces every ~0.20 s", "22 of them", "the first after 0.21 s"}, []string{"nobody", "the handler"}, false},
		{"nginx stock settings, first byte 255 ms", upstreamRun(nginx, 2, batches(nginxPieces(), 255, 200, 1)), KindBatched, "4.0 KiB at a time",
			[]string{"the first after 0.26 s"}, nil, false},
		{"nginx stock settings, first byte 300 ms, each piece in two reads",
			upstreamRun(nginx, 2, batches(nginxPieces(), 300, 200, 2)), KindBatched, "4.0 KiB at a time",
			[]string{"released in ~4.0 KiB pieces every ~0.20 s", "the first after 0.30 s"}, nil, false},
		{"HAProxy without http-no-delay: ~200 ms batches of 4.1–4.6 KB after a first row",
			upstreamRun(gunicorn, 2, batches(haproxyPieces(), 3, 200, 1)), KindBatched, "Server: gunicorn/20.1.0): it let the body go every ~0.20 s",
			[]string{"every ~0.20 s", "the first after 3.0 ms"}, []string{"nobody", "the handler"}, false},
		{"HAProxy, each batch in three reads 0.1 ms apart",
			upstreamRun(gunicorn, 2, batches(haproxyPieces(), 3, 200, 3)), KindBatched, "every ~0.20 s", nil, nil, false},

		{"Django's GZipMiddleware: headers and 10 B at once, the body at the end; no wire",
			withTiming(upstreamRun(gz("gunicorn/20.1.0"), 3, []Chunk{{4021, labBody}}), 18224), KindOnePiece,
			"most likely its compressor (Content-Encoding: gzip)",
			[]string{"arrived all at once after 4.02 s", "the headers had come after 3.0 ms"}, []string{"nobody", "not a server problem", "the handler"}, false},
		{"GZipMiddleware with the old probe: no Accept-Encoding, so another response (86,481 B in 2,001 chunks)",
			withWire(withTiming(upstreamRun(gz("gunicorn/20.1.0"), 3, []Chunk{{4021, labBody}}), 18224), gunicornWire(gunicorn)), KindOnePiece,
			"compressor", []string{"The wire probe got another response", "Content-Encoding: the page's gzip, the probe's none", "length: the page's 18224 B as sent, the probe's 86481 B"},
			[]string{"nobody", "not a server problem", "2001 pieces"}, true},
		{"GZipMiddleware with the probe sending the page's Accept-Encoding: 10 B at once, 18,214 B at the end",
			withWire(withTiming(upstreamRun(gz("gunicorn/20.1.0"), 3, []Chunk{{4021, labBody}}), 18224),
				wireBody(wire.FramingChunked, gz("gunicorn/20.1.0"), Chunk{1.1, 10}, Chunk{4019, 18214})), KindOnePiece,
			"compressor", []string{"half of its bytes only after 4.02 s", "held before it left the upstream"}, []string{"nobody", "not a server problem"}, false},
		{"nginx gzip on: the whole body held, the headers with it",
			withWire(withTiming(upstreamRun(gz("nginx/1.22.1"), 4020, []Chunk{{4021, labBody}}), 18224),
				wireBody(wire.FramingChunked, gz("nginx/1.22.1"), Chunk{4019, 18224})), KindOnePiece,
			"Server: nginx/1.22.1): it sent nothing, not even the headers, for 4.02 s", []string{"nothing came before it, not even the headers"},
			[]string{"nobody", "the handler"}, false},

		{"daphne serving a sync generator: nothing for 4.5 s, then all; the wire shows 2,001 chunks within 60 ms after it",
			withWire(upstreamRun(daphne, 4480, []Chunk{{4481, 60000}, {4484, labBody - 60000}}),
				wireBody(wire.FramingChunked, daphne, export(4470, 0.03)...)), KindOnePiece,
			"Server: daphne): it sent nothing, not even the headers, for 4.48 s",
			[]string{"arrived all at once after 4.48 s", "nothing came before it, not even the headers", "half of its bytes only after"},
			[]string{"nobody", "not a server problem", "the handler"}, false},
		{"daphne, nothing for 4.0 s", withWire(upstreamRun(daphne, 4000, []Chunk{{4001, labBody}}),
			wireBody(wire.FramingChunked, daphne, export(3990, 0.03)...)), KindOnePiece, "not even the headers", nil, []string{"nobody"}, false},
		{"daphne, nothing for 5.0 s", withWire(upstreamRun(daphne, 5000, []Chunk{{5001, labBody}}),
			wireBody(wire.FramingChunked, daphne, export(4990, 0.03)...)), KindOnePiece, "not even the headers", nil, []string{"nobody"}, false},

		{"a Varnish cache hit: Age, X-Varnish with two ids, Via",
			withWire(upstreamRun(varnishHit, 1.5, []Chunk{{2, labBody}}), wireBody(wire.FramingContentLength, varnishHit, Chunk{0.9, labBody})), KindOnePiece,
			"the cache: Varnish (Age: 3, X-Varnish: 32770 3) served a stored copy, whole", []string{"arrived all at once after 2.0 ms"},
			[]string{"the handler", "the upstream"}, false},
		{"a Varnish miss (Age: 0, one id) streams as the app does",
			upstreamRun(varnishMiss, 4, export(5, 2)), KindStreamed, "", []string{"the body streamed"}, []string{"cache"}, false},

		{"uWSGI's close-delimited body, read through /upstream (chunked there) with the wire",
			withWire(upstreamRun(map[string]string{"transfer-encoding": "chunked"}, 3, export(4, 2)),
				wireBody(wire.FramingClose, map[string]string{}, export(1.2, 2)...)), KindStreamed, "",
			[]string{"ended when it closed the connection", "the body streamed"}, []string{"another response"}, false},

		{"nginx holding a stream whose handler flushed 20 times, seen from outside: the upstream, never the handler",
			withWire(upstreamRun(nginx, 2, []Chunk{{1003, 305}}), wireBody(wire.FramingChunked, nginx, Chunk{1001, 305})), KindOnePiece,
			"the upstream (its server or a proxy in front of it; Server: nginx/1.22.1): it sent the headers at once and held the body for 1.00 s",
			[]string{"arrived all at once after 1.00 s"}, []string{"the handler", "nobody"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Explain(tc.run)
			t.Logf("%s | %s | %s", v.Kind, v.Layer, v.Detail)
			if v.Kind != tc.kind {
				t.Errorf("kind %s; want %s", v.Kind, tc.kind)
			}
			if (tc.layer == "") != (v.Layer == "") || !strings.Contains(v.Layer, tc.layer) {
				t.Errorf("layer %q; want %q", v.Layer, tc.layer)
			}
			for _, s := range tc.says {
				if !strings.Contains(v.Detail, s) {
					t.Errorf("detail %q; want it to say %q", v.Detail, s)
				}
			}
			for _, s := range tc.never {
				if strings.Contains(v.Detail, s) || strings.Contains(v.Layer, s) {
					t.Errorf("detail %q, layer %q; want no %q", v.Detail, v.Layer, s)
				}
			}
			if w := tc.run.Wire; w != nil && (len(w.Differs) > 0) != tc.differ {
				t.Errorf("wire differs %q; want a difference: %v", w.Differs, tc.differ)
			}
		})
	}
}

// TestSameRequestSameKind: the lab's setups read three times, with the
// spread their figures had, get one kind each — no threshold sits where a
// real stack's figures fall (nginx's first byte once flipped a run between
// streamed and delayed-first-byte at "half the run").
func TestSameRequestSameKind(t *testing.T) {
	nginx := map[string]string{"transfer-encoding": "chunked", "server": "nginx/1.22.1"}
	gunicorn := map[string]string{"transfer-encoding": "chunked", "server": "gunicorn/20.1.0"}
	setups := []struct {
		name string
		runs [3]*Run
	}{
		{"nginx stock, first byte 211, 255, 300 ms", [3]*Run{
			upstreamRun(nginx, 2, batches(nginxPieces(), 211, 200, 1)),
			upstreamRun(nginx, 2, batches(nginxPieces(), 255, 190, 2)),
			upstreamRun(nginx, 2, batches(nginxPieces(), 300, 210, 1))}},
		{"nginx stock, a short body: 3 pieces, first byte ~half the run", [3]*Run{
			upstreamRun(nginx, 2, batches([]int{4096, 4096, 2000}, 210, 200, 1)),
			upstreamRun(nginx, 2, batches([]int{4096, 4096, 2000}, 300, 200, 1)),
			upstreamRun(nginx, 2, batches([]int{4096, 4096, 2000}, 420, 200, 1))}},
		{"HAProxy, first batch at 3, 40, 200 ms", [3]*Run{
			upstreamRun(gunicorn, 2, batches(haproxyPieces(), 3, 200, 1)),
			upstreamRun(gunicorn, 2, batches(haproxyPieces(), 40, 195, 2)),
			upstreamRun(gunicorn, 2, batches(haproxyPieces(), 200, 205, 1))}},
		{"Gunicorn, first read at 2, 80, 180 ms (the page's own lag)", [3]*Run{
			upstreamRun(gunicorn, 1, export(2, 2)),
			upstreamRun(gunicorn, 1, export(80, 2.1)),
			upstreamRun(gunicorn, 1, export(180, 1.9))}},
	}
	for _, s := range setups {
		var kinds []string
		for _, r := range s.runs {
			kinds = append(kinds, Explain(r).Kind)
		}
		if len(slices.Compact(slices.Clone(kinds))) != 1 {
			t.Errorf("%s: kinds %v; want one kind", s.name, kinds)
		}
	}
}

// TestBurstsAgainstCadence: a burst is measured against the body's own
// cadence, so "largest burst" reads the right way round: small for a
// smooth stream, a buffer's size for a proxy that holds, the whole body for
// one sent whole.
func TestBurstsAgainstCadence(t *testing.T) {
	tests := []struct {
		name          string
		reads         []Chunk
		bursts        int
		largest, size int64 // size: the median burst; 0 not checked
	}{
		{"Gunicorn's 2,001 rows every ~2 ms: a burst a read", export(5, 2), 2001, 44, 43},
		{"the same read two rows at a time, 4 ms apart", jittered(1000, 86, 5, 4), 1000, 86, 86},
		{"nginx's 22 pieces of 4 KiB, each in two reads 0.1 ms apart", batches(nginxPieces(), 211, 200, 2), 22, 4096, 4096},
		{"HAProxy's batches in three reads 0.1 ms apart", batches(haproxyPieces(), 3, 200, 3), len(haproxyPieces()), 4400, 0},
		{"batches whose reads are 2–3 ms apart inside, 200 ms apart between", func() []Chunk {
			var out []Chunk
			for i := 0; i < 10; i++ {
				for k := 0; k < 4; k++ {
					out = append(out, Chunk{T: 200*float64(i) + 2.5*float64(k), N: 1024})
				}
			}
			return out
		}(), 10, 4096, 4096},
		{"a buffered 64 MiB body read in 2 MiB pieces 4.4 ms apart: one burst", reads(32, 2<<20, 300, 4.4), 1, 64 << 20, 64 << 20},
		{"a stream with three 249 ms pauses: still a burst a read", append(append(jittered(500, 43, 5, 2), jittered(500, 43, 1300, 2)...), jittered(500, 43, 2600, 2)...), 1500, 43, 43},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := BurstsOf(tc.reads)
			c := CadenceOf(b)
			if len(b) != tc.bursts || c.Largest > tc.largest || (tc.size > 0 && c.Size != tc.size) {
				t.Errorf("%d bursts, largest %d B, median %d B; want %d, at most %d B, median %d B", len(b), c.Largest, c.Size, tc.bursts, tc.largest, tc.size)
			}
			// The table's Bursts, asked twice (the second from its memo),
			// agrees with BurstsOf.
			for range 2 {
				sizes := Bursts(tc.reads)
				if len(sizes) != len(b) || (len(b) > 0 && (sizes[0] != b[0].N || sizes[len(b)-1] != b[len(b)-1].N)) {
					t.Fatalf("Bursts: %d bursts; BurstsOf %d", len(sizes), len(b))
				}
			}
		})
	}
}
