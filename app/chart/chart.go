// Package chart bins run records to pixel columns: the heavy part of
// drawing thousands of pieces, done in Go so that the scene (app/scene)
// hands the painter one polyline or one batch of rects per curve instead of
// one call per piece (2.5 ms against 166 ms for 100,000 pieces, NOTES.md).
package chart

import (
	"math"
	"strconv"

	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// Lane is one run to draw. ShiftMs is subtracted from all its times: 0
// aligns lanes at the request's start, the run's first byte aligns them
// there.
type Lane struct {
	Run     *record.Run
	Label   string
	Color   string
	ShiftMs float64
	// Sent draws the run's send log as a lane above it, and its
	// send→arrival delays in the delay plot (when it has a send log).
	Sent bool
	// Page says ShiftMs puts the lane on its page's time (the scene's
	// page alignment): its wire lane then sits where the run does, not at
	// its own first byte.
	Page bool
	// Talk mode only (zero values change nothing):
	// BodyEnd ends a finished lane, and the axis, with its response (the
	// body's end, its wire probe's end) rather than its last memory sample:
	// for a view that draws no memory, where a HEAD's lane would otherwise
	// run on while the server throws its rows away.
	BodyEnd bool
	// NowMs, on a run still in flight, is the time now on its clock: the
	// axis reaches it and the lane shows the wait since its last read.
	NowMs float64
}

// Binned is a lane binned to pixel columns.
type Binned struct {
	Label string
	Color string
	// Cum holds the bytes received by the end of each column; NaN before
	// the lane's start and past its end, so the curve stops where the run is.
	Cum []float64
	// Ticks holds how many pieces arrived in each column.
	Ticks []float64
	TTFB  float64 // ms on the axis; NaN before the first byte
	// Headers is when the status line and headers arrived, on the axis;
	// NaN before they did.
	Headers float64
	// Stopped and Resumed are when a paced reader stopped reading and
	// read again (record.Run.StoppedMs, ResumedMs), on the axis; NaN when
	// it never did.
	Stopped, Resumed float64
	// Memory curves, one value per column (NaN before the first sample and
	// past the lane's end); nil when the run has no such figure at all.
	ServerHeap, ServerRSS []float64
	ClientHeap, ClientJS  []float64
	// Wire lanes (a run's raw probe) have ticks and labels only: Cum and
	// the memory curves are nil.
	Wire   bool
	Labels []Label
	// Encoded marks the lane of a run's encoded reads (record.Run's
	// EncodedReads: the compressed body read by read, before decoding),
	// drawn under the run's own like a wire lane (Wire is set too: ticks
	// and a note, no curve), on the run's own clock.
	Encoded bool
	// Sent lanes (a run's send log) have ticks, the spans where a write
	// was blocked, and a note; Cum and the memory curves are nil.
	Sent    bool
	Blocked []Span
	Note    string
	// Delay holds, per column of the delay plot's byte axis, the longest
	// send→arrival delay (ms) of the bytes in it; NaN where no byte falls,
	// nil when the run has no send log to compare with.
	Delay []float64
	// Wait is, on a lane still in flight with Lane.NowMs, the columns from
	// its last read (or its start) to now: what it is waiting through.
	Wait *Span
}

// Span is a stretch of pixel columns, both ends included.
type Span struct{ From, To int }

// Label is a text drawn at a pixel column of a lane: a chunk's hex size.
type Label struct {
	Col  int
	Text string
}

// labelGap is the fewest pixel columns between two labels of a lane, so
// hex sizes stay readable where chunks crowd.
const labelGap = 34

// Binning is every lane binned on one shared time axis.
type Binning struct {
	TMin      float64 // ms at the left edge: 0, or below when lanes are aligned at first byte
	TMax      float64 // ms at the right edge
	YMax      float64 // bytes at the top of the cumulative plot
	ServerMax float64 // bytes at the top of the server memory plot
	ClientMax float64 // bytes at the top of the client memory plot
	// The heap curves' own ranges (server heap, page's Go heap), for a
	// plot scaled to its growth (talk mode); 0, 0 without samples.
	ServerHeapMin, ServerHeapMax float64
	ClientHeapMin, ClientHeapMax float64
	// The delay plot's axes: bytes 0 to DelayBytes across, DelayMin to
	// DelayMax ms up. DelayBytes is 0 when no lane has a delay to draw.
	DelayBytes         float64
	DelayMin, DelayMax float64
	Lanes              []Binned
}

// headroom is the share of the time axis left free after the longest lane.
const headroom = 0.03

// minTMax keeps a fresh run from being drawn on a 0 ms axis.
const minTMax = 100

// Build bins every lane to cols columns over a time axis shared by all of
// them, so a buffered and a streaming run of the same body compare at a
// glance.
func Build(lanes []Lane, cols int) Binning {
	if cols < 1 {
		cols = 1
	}
	sc := Binning{TMax: minTMax, YMax: 1, ServerMax: 1, ClientMax: 1}
	for _, l := range lanes {
		sc.TMin = math.Min(sc.TMin, -l.ShiftMs)
		sc.TMax = math.Max(sc.TMax, l.end()-l.ShiftMs)
		for _, m := range l.Run.ServerMem {
			sc.ServerMax = math.Max(sc.ServerMax, float64(max(m.Heap, m.RSS)))
			sc.ServerHeapMin, sc.ServerHeapMax = heapRange(sc.ServerHeapMin, sc.ServerHeapMax, m.Heap)
		}
		for _, m := range l.Run.ClientMem {
			sc.ClientMax = math.Max(sc.ClientMax, float64(max(m.Heap, m.JSHeap)))
			sc.ClientHeapMin, sc.ClientHeapMax = heapRange(sc.ClientHeapMin, sc.ClientHeapMax, m.Heap)
		}
		sc.YMax = math.Max(sc.YMax, float64(l.Run.Bytes))
		if l.Sent && len(l.Run.Sent) > 0 {
			sc.DelayBytes = math.Max(sc.DelayBytes, float64(l.Run.Bytes))
		}
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
	sc.TMax += (sc.TMax - sc.TMin) * headroom
	ax := axis{tMin: sc.TMin, colMs: (sc.TMax - sc.TMin) / float64(cols), cols: cols}
	for _, l := range lanes {
		r := l.Run
		b := Binned{
			Label: l.Label, Color: l.Color,
			Cum:     make([]float64, cols),
			Ticks:   make([]float64, cols),
			TTFB:    math.NaN(),
			Headers: math.NaN(),
		}
		if len(r.Chunks) > 0 {
			b.TTFB = r.TTFBMs - l.ShiftMs
		}
		if r.Status != 0 {
			b.Headers = r.HeadersMs - l.ShiftMs
		}
		b.Stopped, b.Resumed = math.NaN(), math.NaN()
		if r.StoppedMs > 0 {
			b.Stopped = r.StoppedMs - l.ShiftMs
		}
		if r.ResumedMs > 0 {
			b.Resumed = r.ResumedMs - l.ShiftMs
		}
		startCol := ax.column(-l.ShiftMs)
		endCol := ax.column(l.end() - l.ShiftMs)
		if l.NowMs > 0 && !r.Done {
			from := -l.ShiftMs
			if n := len(r.Chunks); n > 0 {
				from = r.Chunks[n-1].T - l.ShiftMs
			}
			b.Wait = &Span{ax.column(from), ax.column(l.NowMs - l.ShiftMs)}
		}
		var sum float64
		i := 0
		chunks := r.Chunks
		for c := 0; c < cols; c++ {
			if c > endCol || c < startCol {
				b.Cum[c] = math.NaN()
				continue
			}
			limit := ax.tMin + float64(c+1)*ax.colMs + l.ShiftMs
			for i < len(chunks) && (chunks[i].T < limit || c == cols-1) {
				sum += float64(chunks[i].N)
				b.Ticks[c]++
				i++
			}
			b.Cum[c] = sum
		}
		b.ServerHeap, b.ServerRSS = ax.binSamples(r.ServerMem, false, l.ShiftMs, endCol)
		b.ClientHeap, b.ClientJS = ax.binSamples(r.ClientMem, true, l.ShiftMs, endCol)
		if l.Sent && len(r.Sent) > 0 {
			// Above its run: what left the handler, then what arrived.
			sc.Lanes = append(sc.Lanes, sentLane(l, ax))
			if sc.DelayBytes > 0 {
				b.Delay = binDelays(record.Delays(r), sc.DelayBytes, cols, &sc)
			}
		}
		sc.Lanes = append(sc.Lanes, b)
		if len(r.EncodedReads) > 0 {
			sc.Lanes = append(sc.Lanes, encodedLane(l, ax))
		}
		if r.Wire != nil {
			shift := 0.0
			switch {
			case l.Page:
				shift = l.ShiftMs // on page time: where its run sits
			case l.ShiftMs != 0:
				shift = r.Wire.TTFBMs // its own request: aligned at its own first byte
			}
			sc.Lanes = append(sc.Lanes, wireLane(l, shift, ax))
		}
	}
	return sc
}

// end is where the lane ends on the time axis (ms on its run's clock).
func (l Lane) end() float64 {
	r := l.Run
	switch {
	case l.NowMs > 0 && !r.Done:
		return math.Max(r.EndMs, l.NowMs)
	case l.BodyEnd && r.Done:
		end := math.Max(r.TotalMs, r.HeadersMs)
		if r.Wire != nil {
			end = math.Max(end, r.Wire.TotalMs)
		}
		return end
	}
	return r.EndMs
}

// heapRange widens lo..hi to hold a heap sample (0: no figure).
func heapRange(lo, hi float64, heap uint64) (float64, float64) {
	if heap == 0 {
		return lo, hi
	}
	v := float64(heap)
	if hi == 0 {
		return v, v
	}
	return math.Min(lo, v), math.Max(hi, v)
}

// axis maps times to columns.
type axis struct {
	tMin, colMs float64
	cols        int
}

// column is the column holding time t.
func (a axis) column(t float64) int {
	c := int(math.Floor((t - a.tMin) / a.colMs))
	return max(0, min(c, a.cols-1))
}

// wireLane bins a run's raw probe: a tick per HTTP chunk, labelled with its
// hex size where there is room; without chunked framing, a tick per socket
// read that carried body bytes.
func wireLane(l Lane, shift float64, ax axis) Binned {
	b := Binned{Label: "wire", Color: l.Color, Ticks: make([]float64, ax.cols), TTFB: math.NaN(), Headers: math.NaN(), Wire: true}
	chunked := false
	for _, e := range l.Run.Wire.Events {
		if wire.IsUnit(e.Kind) {
			chunked = true
			break
		}
	}
	lastLabel := -labelGap
	counted := false // a body read already ticked
	for _, e := range l.Run.Wire.Events {
		c := ax.column(e.T - shift)
		switch {
		case e.Kind == wire.KindRead:
			counted = false
		case e.Kind == wire.KindHeadersEnd && math.IsNaN(b.Headers):
			b.Headers = e.T - shift
		case chunked && wire.IsUnit(e.Kind):
			b.Ticks[c]++
			if c-lastLabel >= labelGap {
				b.Labels = append(b.Labels, Label{Col: c, Text: e.Text})
				lastLabel = c
			}
		case !chunked && e.Kind == wire.KindBody && e.Bytes > 0 && !counted:
			b.Ticks[c]++
			counted = true
		case e.Kind == wire.KindClose || e.Kind == wire.KindError:
			b.Labels = append(b.Labels, Label{Col: c, Text: e.Kind})
		}
	}
	return b
}

// encodedLane bins a run's encoded reads: a tick per read, on the run's
// own clock (the same request, read before decoding), and a note that
// counts them.
func encodedLane(l Lane, ax axis) Binned {
	b := Binned{Label: "encoded reads", Color: l.Color, Ticks: make([]float64, ax.cols), TTFB: math.NaN(), Headers: math.NaN(), Wire: true, Encoded: true}
	var n int64
	reads := 0
	for _, c := range l.Run.EncodedReads {
		if c.N <= 0 || math.IsNaN(c.T) || math.IsInf(c.T, 0) {
			continue
		}
		b.Ticks[ax.column(c.T-l.ShiftMs)]++
		n += int64(c.N)
		reads++
	}
	b.Note = record.Plural(reads, "read") + ", " + strconv.FormatInt(n, 10) + " B before decoding"
	return b
}

// sentLane bins a run's send log: a tick per write where it returned, a
// span under the ticks where writes were blocked, and a note that counts
// them.
func sentLane(l Lane, ax axis) Binned {
	b := Binned{Label: "sent", Color: l.Color, Ticks: make([]float64, ax.cols), TTFB: math.NaN(), Headers: math.NaN(), Sent: true}
	for _, s := range l.Run.Sent {
		b.Ticks[ax.column(s.T-l.ShiftMs)] += float64(max(1, s.Writes))
		if s.BlockedMs < record.BlockedMs {
			continue
		}
		sp := Span{ax.column(s.T - s.BlockedMs - l.ShiftMs), ax.column(s.T - l.ShiftMs)}
		if k := len(b.Blocked) - 1; k >= 0 && sp.From <= b.Blocked[k].To+1 {
			b.Blocked[k].To = max(b.Blocked[k].To, sp.To)
			continue
		}
		b.Blocked = append(b.Blocked, sp)
	}
	t := record.Sends(l.Run.Sent)
	b.Note = record.Plural(t.Writes, "write") + ", " + record.FlushedWords(t.Writes, t.Flushed)
	if t.Blocked {
		b.Note += "; blocked " + strconv.FormatFloat(t.BlockedMs/1000, 'f', 2, 64) + " s in all waiting for the client"
	}
	return b
}

// binDelays bins a run's send→arrival delays by byte offset, bytes 0 to
// total over cols columns: per column the longest delay of the bytes in it
// (a held burst must not vanish between pixels); it widens sc's delay
// range to fit.
func binDelays(d []record.Delay, total float64, cols int, sc *Binning) []float64 {
	if len(d) == 0 {
		return nil
	}
	out := make([]float64, cols)
	for i := range out {
		out[i] = math.NaN()
	}
	col := func(off int64) int { return max(0, min(cols-1, int(float64(off)/total*float64(cols)))) }
	for _, s := range d {
		for c := col(s.Off); c <= col(s.Off+s.N-1); c++ {
			if !(s.Ms <= out[c]) {
				out[c] = s.Ms
			}
		}
		sc.DelayMin = math.Min(sc.DelayMin, s.Ms)
		sc.DelayMax = math.Max(sc.DelayMax, s.Ms)
	}
	return out
}

// binSamples bins a source's two memory curves to columns in one pass:
// the heap, and the RSS (server) or the JS heap (client, js). Per column the
// largest value sampled (a peak must not vanish between pixels), the last
// value carried across columns with no sample, NaN before the first sample
// and past the lane's end. A zero value means "no such figure" and is
// skipped; a curve with no figure at all is nil.
func (a axis) binSamples(samples []wire.Sample, js bool, shift float64, endCol int) (heap, other []float64) {
	heap, other = make([]float64, a.cols), make([]float64, a.cols)
	lastH, lastO := math.NaN(), math.NaN()
	anyH, anyO := false, false
	i := 0
	for c := 0; c < a.cols; c++ {
		if c > endCol {
			heap[c], other[c] = math.NaN(), math.NaN()
			continue
		}
		limit := a.tMin + float64(c+1)*a.colMs + shift
		peakH, peakO := math.NaN(), math.NaN()
		for ; i < len(samples) && (samples[i].T < limit || c == endCol); i++ {
			s := &samples[i]
			if v := float64(s.Heap); s.Heap != 0 {
				anyH = true
				if !(v <= peakH) {
					peakH = v
				}
				lastH = v
			}
			o := s.RSS
			if js {
				o = s.JSHeap
			}
			if v := float64(o); o != 0 {
				anyO = true
				if !(v <= peakO) {
					peakO = v
				}
				lastO = v
			}
		}
		heap[c], other[c] = lastH, lastO
		if !math.IsNaN(peakH) {
			heap[c] = peakH
		}
		if !math.IsNaN(peakO) {
			other[c] = peakO
		}
	}
	if !anyH {
		heap = nil
	}
	if !anyO {
		other = nil
	}
	return heap, other
}
