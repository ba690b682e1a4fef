package keep

import (
	"math"
	"sort"
	"strconv"

	"chunkscope/app/record"
	"chunkscope/app/scene"
	"chunkscope/app/wire"
)

// Speeds are the replay speeds offered, slowest first.
var Speeds = []float64{0.1, 0.25, 0.5, 1, 2, 4, 10}

// Replay is finished runs played again: at a time of their own clock (At)
// or read by read (AtStep), each run is the record the live run had then —
// the same pieces, samples, headers and growing lane — so the scene drawn
// from them is the live drawing at that moment, and at the end the very
// records. Replay is the runner's job done again from a record instead of
// a body.
type Replay struct {
	runs  []*record.Run
	reads []read  // every piece of every run, in time order
	end   float64 // the latest lane end
	gaps  []Gap   // idle stretches shortened
	gapMs float64
}

type read struct {
	t    float64
	lane int
}

// Gap is an idle stretch of the runs' clock (no headers, no piece, no end)
// longer than the replay's threshold: replay spends only the threshold on
// it.
type Gap struct{ From, To float64 }

// NewReplay prepares runs for replay. gapMs > 0 shortens every idle
// stretch longer than it to gapMs of replay time; 0 plays time as it was.
func NewReplay(runs []*record.Run, gapMs float64) *Replay {
	p := &Replay{runs: runs, gapMs: gapMs}
	events := []float64{0}
	for i, r := range runs {
		for _, c := range r.Chunks {
			p.reads = append(p.reads, read{c.T, i})
			events = append(events, c.T)
		}
		if r.Status != 0 {
			events = append(events, r.HeadersMs)
		}
		events = append(events, r.EndMs)
		p.end = math.Max(p.end, r.EndMs)
	}
	sort.SliceStable(p.reads, func(a, b int) bool { return p.reads[a].t < p.reads[b].t })
	sort.Float64s(events)
	if gapMs > 0 {
		for i := 1; i < len(events); i++ {
			if events[i]-events[i-1] > gapMs {
				p.gaps = append(p.gaps, Gap{events[i-1], events[i]})
			}
		}
	}
	return p
}

// End is where the last lane ends, on the runs' clock (ms).
func (p *Replay) End() float64 { return p.end }

// Reads is how many pieces the runs hold together: the number of steps
// from the start to the last read.
func (p *Replay) Reads() int { return len(p.reads) }

// Gaps is the idle stretches replay shortens.
func (p *Replay) Gaps() []Gap { return p.gaps }

// Duration is how long the replay lasts at 1×, in ms: the runs' time with
// every gap shortened to the threshold.
func (p *Replay) Duration() float64 { return p.ReplayTime(p.end) }

// ReplayTime maps a time of the runs' clock to replay time (at 1×).
func (p *Replay) ReplayTime(t float64) float64 {
	out := t
	for _, g := range p.gaps {
		switch {
		case t >= g.To:
			out -= (g.To - g.From) - p.gapMs
		case t > g.From:
			out -= (t - g.From) - (t-g.From)*p.gapMs/(g.To-g.From)
		}
	}
	return out
}

// RunTime maps replay time (at 1×) back to the runs' clock: through a gap
// time runs faster, by the gap's length over the threshold.
func (p *Replay) RunTime(rt float64) float64 {
	t, at := 0.0, 0.0 // runs' time and replay time at the start of the current stretch
	for _, g := range p.gaps {
		plain := g.From - t // played as it was
		if rt <= at+plain {
			return t + (rt - at)
		}
		at += plain
		if rt <= at+p.gapMs {
			return g.From + (rt-at)*(g.To-g.From)/p.gapMs
		}
		at += p.gapMs
		t = g.To
	}
	return math.Min(t+(rt-at), p.end)
}

// StepAt is how many reads have arrived by time t: the step a scrubbed
// replay is at.
func (p *Replay) StepAt(t float64) int {
	return sort.Search(len(p.reads), func(i int) bool { return p.reads[i].t > t })
}

// StepTime is the time of the k-th read (1-based); 0 for k = 0.
func (p *Replay) StepTime(k int) float64 {
	if k <= 0 || len(p.reads) == 0 {
		return 0
	}
	return p.reads[min(k, len(p.reads))-1].t
}

// At is the runs as they were at time t of their clock.
func (p *Replay) At(t float64) []*record.Run {
	counts := make([]int, len(p.runs))
	for i, r := range p.runs {
		counts[i] = sort.Search(len(r.Chunks), func(j int) bool { return r.Chunks[j].T > t })
	}
	return p.build(t, counts)
}

// AtStep is the runs when their k-th read (counting every run's, in time
// order) had just arrived, and that read's time.
func (p *Replay) AtStep(k int) ([]*record.Run, float64) {
	k = max(0, min(k, len(p.reads)))
	counts := make([]int, len(p.runs))
	for _, rd := range p.reads[:k] {
		counts[rd.lane]++
	}
	t := p.StepTime(k)
	return p.build(t, counts), t
}

func (p *Replay) build(t float64, counts []int) []*record.Run {
	out := make([]*record.Run, len(p.runs))
	for i, r := range p.runs {
		out[i] = partial(r, t, counts[i])
	}
	return out
}

// partial is the record a live run had at time t with its first n pieces:
// what record.New, Respond and Progress had made of it by then. Past its
// end it is the record itself, so the last frame is the live run's last.
func partial(r *record.Run, t float64, n int) *record.Run {
	if t >= r.EndMs && n == len(r.Chunks) {
		return r
	}
	c := &record.Run{
		Version: r.Version, ID: r.ID, Scenario: r.Scenario, Method: r.Method, URL: r.URL, Params: r.Params,
		ReadMode: r.ReadMode, StartedAt: r.StartedAt, Headers: map[string]string{}, Chunks: r.Chunks[:n:n],
		ServerMem: upTo(r.ServerMem, t, sampleT), ClientMem: upTo(r.ClientMem, t, sampleT), Source: r.Source, Loaded: r.Loaded,
		Sent: upTo(r.Sent, t, sendT), EndMs: t, Hop: r.Hop, EncodedReads: upTo(r.EncodedReads, t, chunkT),
	}
	for _, ch := range c.Chunks {
		c.Bytes += int64(ch.N)
	}
	if n > 0 {
		c.TTFBMs = r.Chunks[0].T
		c.EndMs = math.Max(c.EndMs, r.Chunks[n-1].T)
	}
	if r.Status != 0 && (t >= r.HeadersMs || n > 0) {
		c.Status, c.Headers, c.HeadersMs = r.Status, r.Headers, r.HeadersMs
	}
	if r.Wire != nil {
		w := *r.Wire
		w.Events = nil
		for _, e := range r.Wire.Events {
			if e.T <= t {
				w.Events = append(w.Events, e)
			}
		}
		if w.Events == nil {
			w.Events = []wire.Event{}
		}
		c.Wire = &w
	}
	c.Verdict = record.Explain(c)
	return c
}

// upTo is the samples taken, or the writes made, by time t: the sent lane
// grows during a replay as it did live.
func upTo[E any](log []E, t float64, at func(E) float64) []E {
	n := sort.Search(len(log), func(i int) bool { return at(log[i]) > t })
	return log[:n:n]
}

func sampleT(s wire.Sample) float64 { return s.T }
func sendT(s wire.Send) float64     { return s.T }
func chunkT(c record.Chunk) float64 { return c.T }

// Notes are what a replay adds to the chart: its speed, always (a talk's
// audience must know it is not seeing real time), and a break mark on the
// time axis at each shortened gap.
func Notes(sc *scene.Scene, speed float64, gaps []Gap) {
	const ink, muted = "#24292f", "#57606a"
	label := "×" + FormatSpeed(speed) + " replay"
	sc.Prims = append(sc.Prims, scene.Prim{Kind: scene.Text, Color: ink, Font: scene.Bold, Align: scene.Right,
		Text: label, Pts: []float64{sc.W - 24, 14}})
	a := sc.Axis
	if a.TMax <= a.TMin {
		return
	}
	for _, g := range gaps {
		x := a.X((g.From + g.To) / 2)
		// Two slanted strokes across the axis: the usual mark of an axis
		// that skips.
		for _, dx := range []float64{-3, 3} {
			sc.Prims = append(sc.Prims, scene.Prim{Kind: scene.Line, Color: muted, Width: 1.5,
				Pts: []float64{x + dx - 3, a.Y + 6, x + dx + 3, a.Y - 6}})
		}
		sc.Prims = append(sc.Prims, scene.Prim{Kind: scene.Text, Color: muted, Font: scene.Small, Align: scene.Center,
			Text: "gap " + scene.FormatTime(g.To-g.From, 10) + " shortened", Pts: []float64{x, a.Y - 14}})
	}
}

// FormatSpeed writes a speed as the controls and the chart show it: 0.1,
// 0.25, 2.
func FormatSpeed(s float64) string { return strconv.FormatFloat(s, 'f', -1, 64) }
