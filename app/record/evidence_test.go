package record

import (
	"strings"
	"testing"

	"chunkscope/app/wire"
)

// sends makes a send log of n writes of size bytes, every gap ms from at,
// flushed or not.
func sends(n int, size int64, at, gap float64, flushed bool) []wire.Send {
	out := make([]wire.Send, n)
	for i := range out {
		t := at + float64(i)*gap
		out[i] = wire.Send{T: t, N: size}
		if flushed {
			out[i].FlushMs = t + 0.01
		}
	}
	return out
}

// reads makes n reads of size bytes, every gap ms from at.
func reads(n int, size int, at, gap float64) []Chunk {
	out := make([]Chunk, n)
	for i := range out {
		out[i] = Chunk{T: at + float64(i)*gap, N: size}
	}
	return out
}

// wireOf makes a wire section with n body pieces every gap ms from at.
func wireOf(framing string, n int, at, gap float64) *Wire {
	w := &Wire{Framing: framing, Chunks: n, Complete: true}
	for i := 0; i < n; i++ {
		w.Events = append(w.Events, wire.Event{T: at + float64(i)*gap, Kind: wire.KindChunkData, Bytes: 15})
	}
	return w
}

func paced(pace string, r *Run) *Run { r.Pace = pace; return r }

func withEvidence(headers map[string]string, chunks []Chunk, sent []wire.Send, w *Wire) *Run {
	r := run(headers, 200, chunks...)
	r.Sent, r.Wire = sent, w
	return r
}

// TestVerdictsFromEvidence: the verdict agrees with everything measured, at
// several sizes and paces — the cases where the arrivals alone mislead.
func TestVerdictsFromEvidence(t *testing.T) {
	chunked := map[string]string{"transfer-encoding": "chunked"}
	length := func(n string) map[string]string { return map[string]string{"content-length": n} }
	tests := []struct {
		name     string
		run      *Run
		kind     string
		contains []string
		layer    string // a part of the layer ("" : none expected)
	}{
		{"streaming, 20 groups every 100 ms", withEvidence(chunked, reads(20, 15, 101, 100), sends(20, 15, 100, 100, true), nil),
			KindStreamed, []string{"the body streamed"}, ""},
		{"streaming, 200 groups every 5 ms", withEvidence(chunked, reads(200, 1500, 6, 5), sends(200, 1500, 5, 5, true), nil),
			KindStreamed, []string{"the body streamed"}, ""},
		{"streaming at full speed: 1000 writes in 5 ms, 2 reads", withEvidence(chunked, reads(2, 7000, 3, 2), sends(1000, 14, 0.5, 0.005, true), nil),
			KindMerged, []string{"1000 pieces", "not a server problem"}, "nobody"},
		{"Gunicorn: 2000 chunks over 100 ms on the wire, one read", withEvidence(chunked, reads(1, 30000, 101, 0), nil, wireOf("chunked", 2000, 1, 0.05)),
			KindMerged, []string{"2000 pieces", "not a server problem"}, "nobody"},
		{"Gunicorn with the wire: 2000 chunks within 20 ms, one read", withEvidence(chunked, reads(1, 30000, 21, 0), nil, wireOf("chunked", 2000, 1, 0.01)),
			KindMerged, []string{"2000 pieces", "not a server problem"}, "nobody"},
		{"streaming at once: written within 10 ms, two reads 77 ms apart", withEvidence(chunked, []Chunk{{12, 100000}, {89, 248908}}, sends(313, 1115, 2, 0.03, true), nil),
			KindMerged, []string{"313 pieces", "not a server problem"}, "nobody"},
		{"streaming at once, the page's first read 180 ms late but the network's at 3 ms: merged, not held", func() *Run {
			r := withEvidence(chunked, reads(1, 305, 180, 0), sends(20, 15, 1.5, 0.015, true), nil)
			r.Timing = &ResourceTiming{RequestStartMs: 1, ResponseStartMs: 3, ResponseEndMs: 3.2}
			return r
		}(), KindMerged, []string{"20 pieces", "not a server problem"}, "nobody"},
		{"the same without the browser's timing: the 180 ms wait is all there is to go by", withEvidence(chunked, reads(1, 305, 180, 0), sends(20, 15, 1.5, 0.015, true), nil),
			KindOnePiece, []string{"arrived all at once after 0.18 s"}, "the handler"},
		{"streaming at once, the request sent 80 ms late by the page: merged, not held", func() *Run {
			r := withEvidence(chunked, reads(1, 305, 82, 0), sends(20, 15, 1.5, 0.015, true), nil)
			r.ClockOffsetMs = 0.5 // the sends' mapping assumed the request left at once
			r.Timing = &ResourceTiming{RequestStartMs: 80, ResponseStartMs: 81.5, ResponseEndMs: 81.6}
			return r
		}(), KindMerged, []string{"20 pieces", "not a server problem"}, "nobody"},
		{"349 KB in one write, read in 6 reads over 63 ms from 52 ms: one piece, the spread is the transfer's", withEvidence(chunked,
			[]Chunk{{51.8, 60000}, {52, 60000}, {60, 60000}, {70, 60000}, {100, 60000}, {114.8, 57000}}, sends(1, 357000, 50, 0, false), nil),
			KindOnePiece, []string{"the handler wrote it in one write"}, "produced the body whole"},
		{"no-flush, 20 rows at once: held whole by the 2 KB buffer", withEvidence(length("305"), reads(1, 305, 3, 0), sends(20, 15, 1, 0.01, false), nil),
			KindOnePiece, []string{"20 pieces", "never flushed", "2 KB response buffer held them all", "in one piece"}, "never flushed"},
		{"no-flush, 20000 rows at once: let go back to back", withEvidence(chunked, reads(3, 116303, 4, 3), sends(313, 1115, 1, 0.02, false), nil),
			KindOnePiece, []string{"313 pieces", "never flushed", "back to back"}, "never flushed"},
		{"buffered 349 KB at once: six 64 KiB writes, never flushed", withEvidence(length("348908"), reads(1, 348908, 5, 0), sends(6, 58151, 4, 0.05, false), nil),
			KindOnePiece, []string{"6 pieces", "never flushed"}, "never flushed"},
		{"no-flush, 300 rows every 10 ms: two bursts at the end", withEvidence(chunked, []Chunk{{2880, 2048}, {3005, 610}}, sends(300, 9, 10, 10, false), nil),
			KindBurst, []string{"300 pieces", "never flushed", "2 bursts"}, "never flushed"},
		{"no-flush, 1000 rows every 2 ms: bursts of 4 KiB", withEvidence(chunked, reads(4, 4096, 500, 500), sends(1000, 16, 2, 2, false), nil),
			KindBurst, []string{"4 bursts of about 4.0 KiB", "net/http's response buffer"}, "never flushed"},
		{"no-flush, 300 rows every 10 ms, arrivals alone", run(chunked, 200, Chunk{2880, 2048}, Chunk{3005, 610}),
			KindDelayed, []string{"first byte came only after 2.88 s"}, "the upstream (its server or a proxy in front of it): it sent nothing for 2.88 s"},
		{"no-flush, 20 rows: one piece, never flushed", withEvidence(length("305"), reads(1, 305, 2001, 0), sends(20, 15, 100, 100, false), nil),
			KindOnePiece, []string{"wrote 20 pieces", "never flushed", "net/http's response buffer"}, "never flushed"},
		{"a buffering proxy: flushed sends, one read at the end", withEvidence(length("305"), reads(1, 305, 1040, 0), sends(20, 15, 50, 50, true), nil),
			KindOnePiece, []string{"each flushed", "a layer between"}, "proxy or middleware"},
		{"a proxy with a 32 KiB buffer: bursts", withEvidence(chunked, reads(8, 32768, 400, 400), sends(256, 1024, 12, 12, true), nil),
			KindBurst, []string{"8 bursts of about 32.0 KiB", "a layer between"}, "proxy or middleware"},
		{"buffered 305 B: one write after the production", withEvidence(length("305"), reads(1, 305, 2003, 0), sends(1, 305, 2002, 0, false), nil),
			KindOnePiece, []string{"arrived all at once after 2.00 s", "one write"}, "produced the body whole"},
		{"buffered 256 MiB: written after the production, read over 250 ms", withEvidence(length("268435456"), reads(512, 524288, 282, 0.5), sends(4096, 65536, 281, 0.06, false), nil),
			KindOnePiece, []string{"Nothing arrived for 0.28 s"}, "produced the body whole"},
		{"a slow start, then a stream", withEvidence(chunked, reads(10, 15, 3000, 100), sends(10, 15, 2999, 100, true), nil),
			KindDelayed, []string{"the handler wrote nothing before 3.00 s"}, "the handler"},
		{"gzip streaming: compressed sends, inflated reads", withEvidence(map[string]string{"transfer-encoding": "chunked", "content-encoding": "gzip"},
			reads(20, 15, 101, 100), sends(20, 9, 100, 100, true), nil),
			KindStreamed, []string{"the body streamed"}, ""},
		{"no-flush 352 KiB written in 8 ms, read at 64 KiB/s: the spread is the reader's", paced("64KiB/s", withEvidence(chunked, reads(55, 6554, 12, 100), sends(20, 18022, 4, 0.4, false), nil)),
			KindOnePiece, []string{"never flushed", "over 5.40 s", "at the reader's pace (64KiB/s)"}, "never flushed"},
		{"the same flushed, read at 64 KiB/s: merged, spread by the reader", paced("64KiB/s", withEvidence(chunked, reads(55, 6554, 12, 100), sends(20, 18022, 4, 0.4, true), nil)),
			KindMerged, []string{"at the reader's pace (64KiB/s)", "nothing held the bytes back"}, "had sent it all at once"},
		{"gzip buffering: one compressed write at the end; the log cannot tell handler from compressor", withEvidence(map[string]string{"content-length": "703", "content-encoding": "gzip"},
			reads(1, 4706, 3240, 0), sends(1, 703, 3239, 0, false), nil),
			KindOnePiece, []string{"left the server compressed (Content-Encoding: gzip) in one write"}, "compression middleware"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Explain(tc.run)
			if v.Kind != tc.kind {
				t.Fatalf("kind %s (%s); want %s", v.Kind, v.Detail, tc.kind)
			}
			for _, c := range tc.contains {
				if !strings.Contains(v.Detail, c) {
					t.Errorf("detail %q; want it to say %q", v.Detail, c)
				}
			}
			if !strings.Contains(v.Layer, tc.layer) || (tc.layer == "" && v.Layer != "") {
				t.Errorf("layer %q; want %q", v.Layer, tc.layer)
			}
			if len(v.Evidence) == 0 || !strings.HasPrefix(v.Evidence[0], "arrived: ") {
				t.Errorf("evidence %q; want it to start with the arrivals", v.Evidence)
			}
		})
	}
}

// TestSendDelays: each read's delay behind the send that completed its
// share of the body.
func TestSendDelays(t *testing.T) {
	r := withEvidence(nil, reads(4, 10, 12, 10), sends(4, 10, 10, 10, true), nil)
	got := SendDelays(r)
	for i, d := range got {
		if d < 1.99 || d > 2.01 {
			t.Errorf("delay %d = %.3f ms; want 2", i, d)
		}
	}
	// One read of everything: its first byte waited since the first send.
	r = withEvidence(nil, reads(1, 40, 100, 0), sends(4, 10, 10, 10, true), nil)
	if got := SendDelays(r); len(got) != 1 || got[0] != 90 {
		t.Errorf("delays %v; want [90] (read at 100, its first byte sent at 10)", got)
	}
	if got := SendDelays(run(nil, 200, Chunk{1, 1})); got != nil {
		t.Errorf("delays without a send log: %v; want none", got)
	}
}
