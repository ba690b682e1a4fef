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
