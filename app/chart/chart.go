// Package chart turns run records into a scene the page's small JavaScript
// draw function paints on a canvas. The heavy part, binning thousands of
// pieces to pixel columns, happens here in Go; JavaScript then gets one typed
// array per curve instead of one call per piece (2.5 ms against 166 ms for
// 100,000 pieces, see NOTES.md).
package chart

import (
	"math"
	"strconv"

	"chunkscope/app/record"
)

// Lane is one run to draw, with the time its lane ends: the run's total when
// it is done, the time elapsed so far while it is read.
type Lane struct {
	Run   *record.Run
	EndMs float64
	Label string
	Color string
}

// Binned is a lane binned to pixel columns.
type Binned struct {
	Label string
	Color string
	// Cum holds the bytes received by the end of each column; NaN past the
	// lane's end, so the curve stops where the run is.
	Cum []float64
	// Ticks holds how many pieces arrived in each column.
	Ticks []float64
	TTFB  float64 // ms; NaN before the first byte
	Done  bool
	// Memory curves, one value per column (NaN before the first sample and
	// past the lane's end); nil when the run has no such figure at all.
	ServerHeap, ServerRSS []float64
	ClientHeap, ClientJS  []float64
	// Wire lanes (a run's raw probe) have ticks and labels only: Cum and
	// the memory curves are nil.
	Wire   bool
	Labels []Label
}

// Label is a text drawn at a pixel column of a lane: a chunk's hex size.
type Label struct {
	Col  int
	Text string
}

// labelGap is the fewest pixel columns between two labels of a lane, so
// hex sizes stay readable where chunks crowd.
const labelGap = 34

// Scene is what the draw function paints: lanes on one shared time axis.
type Scene struct {
	TMax      float64 // ms at the right edge
	YMax      float64 // bytes at the top of the cumulative plot
	ServerMax float64 // bytes at the top of the server memory plot
	ClientMax float64 // bytes at the top of the client memory plot
	Lanes     []Binned
}

// headroom is the share of the time axis left free after the longest lane.
const headroom = 0.03

// minTMax keeps a fresh run from being drawn on a 0 ms axis.
const minTMax = 100

// Build bins every lane to cols columns over a time axis shared by all of
// them, so a buffered and a streaming run of the same body compare at a
// glance.
func Build(lanes []Lane, cols int) Scene {
	if cols < 1 {
		cols = 1
	}
	sc := Scene{TMax: minTMax, YMax: 1, ServerMax: 1, ClientMax: 1}
	for _, l := range lanes {
		sc.TMax = math.Max(sc.TMax, l.EndMs)
		for _, m := range l.Run.ServerMem {
			sc.ServerMax = math.Max(sc.ServerMax, float64(max(m.Heap, m.RSS)))
		}
		for _, m := range l.Run.ClientMem {
			sc.ClientMax = math.Max(sc.ClientMax, float64(max(m.Heap, m.JSHeap)))
		}
		sc.YMax = math.Max(sc.YMax, float64(l.Run.Bytes))
		if cl := l.Run.Header("content-length"); cl != "" && !l.Run.Done {
			// While a run is read, scale to the size it announced, so the
			// curve does not rescale under the audience's eyes.
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil {
				sc.YMax = math.Max(sc.YMax, float64(n))
			}
		}
	}
	// Headroom, so a piece that lands at the very end is not drawn on the
	// edge of the plot.
	sc.TMax *= 1 + headroom
	colMs := sc.TMax / float64(cols)
	for _, l := range lanes {
		b := Binned{
			Label: l.Label, Color: l.Color,
			Cum:   make([]float64, cols),
			Ticks: make([]float64, cols),
			TTFB:  math.NaN(),
			Done:  l.Run.Done,
		}
		if len(l.Run.Chunks) > 0 {
			b.TTFB = l.Run.TTFBMs
		}
		endCol := column(l.EndMs, colMs, cols)
		var sum float64
		i := 0
		chunks := l.Run.Chunks
		for c := 0; c < cols; c++ {
			if c > endCol {
				b.Cum[c] = math.NaN()
				continue
			}
			limit := float64(c+1) * colMs
			for i < len(chunks) && (chunks[i].T < limit || c == cols-1) {
				sum += float64(chunks[i].N)
				b.Ticks[c]++
				i++
			}
			b.Cum[c] = sum
		}
		b.ServerHeap = binSamples(l.Run.ServerMem, heap, colMs, cols, endCol)
		b.ServerRSS = binSamples(l.Run.ServerMem, rss, colMs, cols, endCol)
		b.ClientHeap = binSamples(l.Run.ClientMem, heap, colMs, cols, endCol)
		b.ClientJS = binSamples(l.Run.ClientMem, jsHeap, colMs, cols, endCol)
		sc.Lanes = append(sc.Lanes, b)
		if l.Run.Wire != nil {
			sc.Lanes = append(sc.Lanes, wireLane(l, colMs, cols))
		}
	}
	return sc
}

// wireLane bins a run's raw probe: a tick per HTTP chunk, labelled with its
// hex size where there is room; without chunked framing, a tick per socket
// read that carried body bytes.
func wireLane(l Lane, colMs float64, cols int) Binned {
	b := Binned{Label: "wire", Color: l.Color, Ticks: make([]float64, cols), TTFB: math.NaN(), Done: l.Run.Done, Wire: true}
	// HTTP/1.1 chunks and HTTP/2 DATA frames are the units the wire shows.
	isUnit := func(kind string) bool { return kind == "chunk-size" || kind == "last-chunk" || kind == "data-frame" }
	chunked := false
	for _, e := range l.Run.Wire.Events {
		if isUnit(e.Kind) {
			chunked = true
			break
		}
	}
	lastLabel := -labelGap
	counted := false // a body read already ticked
	for _, e := range l.Run.Wire.Events {
		c := column(e.T, colMs, cols)
		switch {
		case e.Kind == "read":
			counted = false
		case e.Kind == "headers-end" && math.IsNaN(b.TTFB):
			b.TTFB = e.T
		case chunked && isUnit(e.Kind):
			b.Ticks[c]++
			if c-lastLabel >= labelGap {
				b.Labels = append(b.Labels, Label{Col: c, Text: e.Text})
				lastLabel = c
			}
		case !chunked && e.Kind == "body" && e.Bytes > 0 && !counted:
			b.Ticks[c]++
			counted = true
		case e.Kind == "close" || e.Kind == "error":
			b.Labels = append(b.Labels, Label{Col: c, Text: e.Kind})
		}
	}
	return b
}

// column is the column holding time t.
func column(t, colMs float64, cols int) int {
	c := int(t / colMs)
	return max(0, min(c, cols-1))
}

func heap(m record.MemSample) uint64   { return m.Heap }
func rss(m record.MemSample) uint64    { return m.RSS }
func jsHeap(m record.MemSample) uint64 { return m.JSHeap }

// binSamples bins a memory curve to columns: the largest value sampled in
// each column (a peak must not vanish between pixels), the last value
// carried across columns with no sample, NaN before the first sample and
// past the lane's end. A zero value means "no such figure" and is skipped;
// a curve with no figure at all is nil.
func binSamples(samples []record.MemSample, value func(record.MemSample) uint64, colMs float64, cols, endCol int) []float64 {
	out := make([]float64, cols)
	last, any := math.NaN(), false
	i := 0
	for c := 0; c < cols; c++ {
		if c > endCol {
			out[c] = math.NaN()
			continue
		}
		limit := float64(c+1) * colMs
		peak := math.NaN()
		for ; i < len(samples) && (samples[i].T < limit || c == endCol); i++ {
			v := value(samples[i])
			if v == 0 {
				continue
			}
			any = true
			if math.IsNaN(peak) || float64(v) > peak {
				peak = float64(v)
			}
			last = float64(v)
		}
		if !math.IsNaN(peak) {
			out[c] = peak
		} else {
			out[c] = last
		}
	}
	if !any {
		return nil
	}
	return out
}
