package chart

import (
	"math"
	"testing"

	"chunkscope/app/record"
	"chunkscope/app/wire"
)

func TestBuildBinsOnASharedAxis(t *testing.T) {
	streamed := &record.Run{Done: true, TotalMs: 1000, EndMs: 1000}
	streamed.Append(record.Chunk{T: 5, N: 10}, record.Chunk{T: 6, N: 10}, record.Chunk{T: 505, N: 30}, record.Chunk{T: 1000, N: 50})
	onePiece := &record.Run{Done: true, TotalMs: 2000, EndMs: 2000}
	onePiece.Append(record.Chunk{T: 1990, N: 100})

	// 10 columns of 206 ms.
	sc := Build([]Lane{{Run: streamed}, {Run: onePiece}}, 10)

	if sc.TMax != 2000*(1+headroom) {
		t.Errorf("TMax = %v; want 2000 (the longest lane) plus headroom", sc.TMax)
	}
	if sc.YMax != 100 {
		t.Errorf("YMax = %v; want 100", sc.YMax)
	}
	s := sc.Lanes[0]
	// Pieces at 5 and 6 ms land in column 0, 505 in column 2, 1000 in
	// column 4; the lane ends in column 4.
	wantTicks := []float64{2, 0, 1, 0, 1, 0, 0, 0, 0, 0}
	for c, want := range wantTicks {
		if s.Ticks[c] != want {
			t.Errorf("streamed ticks[%d] = %v; want %v", c, s.Ticks[c], want)
		}
	}
	wantCum := []float64{20, 20, 50, 50, 100}
	for c, want := range wantCum {
		if s.Cum[c] != want {
			t.Errorf("streamed cum[%d] = %v; want %v", c, s.Cum[c], want)
		}
	}
	for c := 5; c < 10; c++ {
		if !math.IsNaN(s.Cum[c]) {
			t.Errorf("streamed cum[%d] = %v; want NaN past the lane's end", c, s.Cum[c])
		}
	}
	if s.TTFB != 5 {
		t.Errorf("streamed TTFB = %v; want 5", s.TTFB)
	}
	b := sc.Lanes[1]
	if b.Ticks[9] != 1 || b.Cum[8] != 0 || b.Cum[9] != 100 {
		t.Errorf("one-piece lane: ticks[9]=%v cum[8]=%v cum[9]=%v; want 1, 0, 100", b.Ticks[9], b.Cum[8], b.Cum[9])
	}
}

func TestBuildScalesARunningRunToItsContentLength(t *testing.T) {
	r := &record.Run{Headers: map[string]string{"content-length": "5000"}, EndMs: 50}
	r.Append(record.Chunk{T: 10, N: 100})
	sc := Build([]Lane{{Run: r}}, 4)
	if sc.YMax != 5000 {
		t.Errorf("YMax = %v; want 5000 from Content-Length", sc.YMax)
	}
	if !math.IsNaN(Build([]Lane{{Run: &record.Run{}}}, 4).Lanes[0].TTFB) {
		t.Error("TTFB of a run with no piece yet is not NaN")
	}
}

func TestBuildBinsMemoryKeepingPeaks(t *testing.T) {
	r := &record.Run{Done: true, TotalMs: 100, EndMs: 100,
		ServerMem: []wire.Sample{{T: 0, Heap: 10, RSS: 50}, {T: 12, Heap: 90, RSS: 60}, {T: 14, Heap: 20, RSS: 60}, {T: 75, Heap: 30, RSS: 70}},
		ClientMem: []wire.Sample{{T: 30, Heap: 5}},
	}
	// 10 columns of 10.3 ms; the lane ends in column 9.
	sc := Build([]Lane{{Run: r}}, 10)
	l := sc.Lanes[0]
	if sc.ServerMax != 90 || sc.ClientMax != 5 {
		t.Errorf("ServerMax, ClientMax = %v, %v; want 90, 5", sc.ServerMax, sc.ClientMax)
	}
	want := []float64{10, 90, 20, 20, 20, 20, 20, 30, 30, 30}
	for c, w := range want {
		if l.ServerHeap[c] != w {
			t.Errorf("server heap[%d] = %v; want %v (peaks kept, last value carried)", c, l.ServerHeap[c], w)
		}
	}
	if !math.IsNaN(l.ClientHeap[1]) || l.ClientHeap[2] != 5 || l.ClientHeap[9] != 5 {
		t.Errorf("client heap = %v; want NaN before its first sample at 30 ms, then 5", l.ClientHeap)
	}
	if l.ClientJS != nil {
		t.Errorf("client JS heap = %v; want nil: no sample had one", l.ClientJS)
	}
}

func TestBuildAddsAWireLane(t *testing.T) {
	r := &record.Run{Done: true, TotalMs: 100, EndMs: 100, Wire: &record.Wire{Events: []wire.Event{
		{T: 1, Kind: "read"}, {T: 1, Kind: "headers-end"}, {T: 1, Kind: "chunk-size", Text: "1c", Size: 28}, {T: 1, Kind: "chunk-data", Bytes: 28},
		{T: 2, Kind: "read"}, {T: 2, Kind: "chunk-size", Text: "e", Size: 14}, {T: 2, Kind: "chunk-data", Bytes: 14},
		{T: 90, Kind: "read"}, {T: 90, Kind: "last-chunk", Text: "0"}, {T: 90, Kind: "end"},
	}}}
	sc := Build([]Lane{{Run: r, Color: "#000"}}, 100)
	if len(sc.Lanes) != 2 || !sc.Lanes[1].Wire || sc.Lanes[1].Cum != nil {
		t.Fatalf("lanes = %d (wire %v); want the run's lane and a wire lane without a curve", len(sc.Lanes), len(sc.Lanes) > 1 && sc.Lanes[1].Wire)
	}
	w := sc.Lanes[1]
	var ticks float64
	for _, n := range w.Ticks {
		ticks += n
	}
	// Three chunk-size lines (1c, e, 0); labels only where there is room:
	// 1c at column 0, then 0 at column 87 (e at column 1 is too close).
	if ticks != 3 || len(w.Labels) != 2 || w.Labels[0].Text != "1c" || w.Labels[1].Text != "0" || w.Headers != 1 {
		t.Errorf("ticks %v, labels %+v, ttfb %v; want 3 ticks, labels 1c and 0, headers at 1", ticks, w.Labels, w.Headers)
	}
}

func TestBuildAlignsAtFirstByte(t *testing.T) {
	late := &record.Run{Done: true, TotalMs: 1000, EndMs: 1000, Status: 200, HeadersMs: 900}
	late.Append(record.Chunk{T: 950, N: 10}, record.Chunk{T: 1000, N: 10})
	early := &record.Run{Done: true, TotalMs: 500, EndMs: 500, Status: 200, HeadersMs: 40}
	early.Append(record.Chunk{T: 50, N: 10}, record.Chunk{T: 500, N: 10})
	sc := Build([]Lane{{Run: late, ShiftMs: late.TTFBMs}, {Run: early, ShiftMs: early.TTFBMs}}, 100)
	if sc.TMin != -950 {
		t.Errorf("TMin = %v; want -950: the late lane's request start, shifted left of its first byte", sc.TMin)
	}
	if sc.Lanes[0].TTFB != 0 || sc.Lanes[1].TTFB != 0 {
		t.Errorf("TTFBs = %v, %v; want both at 0", sc.Lanes[0].TTFB, sc.Lanes[1].TTFB)
	}
	zero := int((0 - sc.TMin) / ((sc.TMax - sc.TMin) / 100))
	if sc.Lanes[0].Ticks[zero] != 1 || sc.Lanes[1].Ticks[zero] != 1 {
		t.Errorf("first ticks not in the column of 0 (%d): %v / %v", zero, sc.Lanes[0].Ticks[zero], sc.Lanes[1].Ticks[zero])
	}
}

// firstTick is the first column with a tick, -1 when none has.
func firstTick(b Binned) int {
	for c, n := range b.Ticks {
		if n > 0 {
			return c
		}
	}
	return -1
}

// TestWireLaneSitsWhereItsRunDoes: at the request's start and on page time
// a wire lane sits where its run does (page time moves both by the run's
// start on the page); aligned at first byte, at its own first byte (the
// probe's request has its own clock).
func TestWireLaneSitsWhereItsRunDoes(t *testing.T) {
	mk := func() *record.Run {
		r := &record.Run{Done: true, TotalMs: 300, EndMs: 300, Status: 200, HeadersMs: 100, Wire: &record.Wire{TTFBMs: 100, Events: []wire.Event{
			{T: 100, Kind: "read"}, {T: 100, Kind: "headers-end"}, {T: 100, Kind: "body", Bytes: 10},
			{T: 300, Kind: "read"}, {T: 300, Kind: "body", Bytes: 10},
		}}}
		r.Append(record.Chunk{T: 100, N: 10}, record.Chunk{T: 300, N: 10})
		return r
	}
	for _, tc := range []struct {
		name string
		lane Lane
	}{
		{"request start", Lane{Run: mk()}},
		{"page time, 2 s into the page", Lane{Run: mk(), ShiftMs: -2000, Page: true}},
		{"page time, the page's first request", Lane{Run: mk(), ShiftMs: 0, Page: true}},
		{"first byte", Lane{Run: mk(), ShiftMs: 100}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := Build([]Lane{tc.lane}, 1000)
			if len(sc.Lanes) != 2 || !sc.Lanes[1].Wire {
				t.Fatalf("%d lanes; want the run's and its wire lane", len(sc.Lanes))
			}
			run, w := sc.Lanes[0], sc.Lanes[1]
			if got, want := firstTick(w), firstTick(run); got != want {
				t.Errorf("wire lane's first tick in column %d; want %d, its run's first byte (%.0f ms on the axis)", got, want, run.TTFB)
			}
			if got, want := w.Headers, run.Headers; got != want {
				t.Errorf("wire headers at %v ms; want %v, where its run's are", got, want)
			}
		})
	}
}

// TestEncodedReadsAreALaneUnderTheRun: a run with encoded reads (a
// compressed body read before decoding) gets a lane of them right under
// its own, a tick per read, on the run's clock, with a note that counts
// them; a run without gets none.
func TestEncodedReadsAreALaneUnderTheRun(t *testing.T) {
	r := &record.Run{Done: true, TotalMs: 1000, EndMs: 1000, Status: 200, HeadersMs: 10}
	r.Append(record.Chunk{T: 20, N: 300}, record.Chunk{T: 990, N: 5})
	r.EncodedReads = []record.Chunk{{T: 15, N: 100}, {T: 500, N: 50}, {T: 990, N: 10}}
	plain := &record.Run{Done: true, TotalMs: 100, EndMs: 100}
	plain.Append(record.Chunk{T: 50, N: 10})
	for _, tc := range []struct {
		name  string
		shift float64
		page  bool
	}{
		{"request start", 0, false},
		{"page time", -1000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := Build([]Lane{{Run: r, ShiftMs: tc.shift, Page: tc.page}, {Run: plain}}, 100)
			if len(sc.Lanes) != 3 {
				t.Fatalf("%d lanes; want the run's, its encoded reads', the plain run's", len(sc.Lanes))
			}
			e := sc.Lanes[1]
			if !e.Encoded || !e.Wire || e.Cum != nil || e.Label != "encoded reads" {
				t.Fatalf("lane 1: encoded %v, wire %v, label %q; want the encoded reads' lane, ticks only", e.Encoded, e.Wire, e.Label)
			}
			var ticks float64
			for _, n := range e.Ticks {
				ticks += n
			}
			if ticks != 3 || e.Note != "3 reads, 160 B before decoding" {
				t.Errorf("%v ticks, note %q; want 3 and \"3 reads, 160 B before decoding\"", ticks, e.Note)
			}
			colMs := (sc.TMax - sc.TMin) / 100
			if got, want := firstTick(e), int((15-tc.shift-sc.TMin)/colMs); got != want {
				t.Errorf("first encoded read in column %d; want %d (15 ms after the run's start)", got, want)
			}
			if sc.Lanes[2].Encoded || sc.Lanes[2].Wire {
				t.Errorf("the plain run's lane is marked encoded or wire")
			}
		})
	}
}
