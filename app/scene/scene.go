// Package scene lays out the chart: from run records and a width it
// computes every line, curve, rect and text the chart is made of, with its
// position, size, color and anchor. A painter only paints the list: the
// canvas painter (web/chunkscope.js, fed by app/browser) today, an SVG
// writer later — one layout, two painters. Binning to pixel columns is
// app/chart's; the margins, ticks, labels, number formats and markers are
// here, in Go, so that they are tested and the same for every painter.
package scene

import (
	"math"
	"strconv"
	"strings"
	"time"

	"chunkscope/app/chart"
	"chunkscope/app/record"
)

// Kind is what a primitive is.
type Kind uint8

// Primitive kinds. Pts holds, by kind:
const (
	Line  Kind = 1 // x1, y1, x2, y2: stroked
	Poly  Kind = 2 // x, y pairs: one stroked polyline
	Rect  Kind = 3 // x, y, w, h: filled
	Rects Kind = 4 // x, y, w, h per rect: filled, all the same color (a lane's ticks)
	Text  Kind = 5 // x, y: the anchor point; vertically centred on y
	Fill  Kind = 6 // x, y pairs: a filled polygon (a marker)
)

// Dash is a stroke's dash pattern.
type Dash uint8

// Dash patterns.
const (
	Solid Dash = 0
	Short Dash = 1 // 4 on, 4 off: first-byte lines
	Long  Dash = 2 // 5 on, 4 off: the second curve of a memory panel
)

// Font is a text's face and size.
type Font uint8

// Fonts, by index in the painters' tables.
const (
	Normal Font = 0 // 13 px sans-serif
	Bold   Font = 1 // bold 13 px
	Italic Font = 2 // italic 13 px
	Mono   Font = 3 // 11 px monospace: hex chunk sizes
	Small  Font = 4 // 12 px sans-serif: markers' labels
)

// Align is where a text's anchor is: its left end, centre or right end.
type Align uint8

// Anchors.
const (
	Left   Align = 0
	Center Align = 1
	Right  Align = 2
)

// Prim is one primitive of the scene.
type Prim struct {
	Kind  Kind
	Color string    // CSS color: stroke for Line and Poly, fill otherwise
	Width float64   // stroke width (Line, Poly)
	Dash  Dash      // Line, Poly
	Font  Font      // Text
	Align Align     // Text
	Text  string    // Text
	Pts   []float64 // see Kind
}

// Scene is the whole chart: its size in CSS pixels and what to paint, in
// painting order.
type Scene struct {
	W, H  float64
	Prims []Prim
	// Axis maps times to x: a painter's notes on the time axis (replay's
	// break marks) go where the layout put the times.
	Axis Axis
	// Zoom is how many CSS pixels a unit of the layout takes when painted:
	// 0 or 1 for the explorer; talk mode lays out for a narrower width and
	// paints it larger, so text, strokes and lanes grow together.
	Zoom float64 `json:",omitempty"`
}

// Axis is the time axis of a scene: time TMin (ms) at x X0, TMax at
// X0+Cols; the axis line is at Y.
type Axis struct {
	X0, Cols, TMin, TMax, Y float64
}

// X is where time t (ms, on the axis) is drawn.
func (a Axis) X(t float64) float64 { return a.X0 + (t-a.TMin)/(a.TMax-a.TMin)*a.Cols }

// Lane is one run to draw.
type Lane struct {
	Run   *record.Run
	Label string
	Color string
	// NowMs, on a run still in flight, is the time now on its clock (talk
	// mode): its lane runs to now and shows the wait (chart.Lane.NowMs).
	NowMs float64 `json:",omitempty"`
}

// Align modes of a view.
const (
	AlignStart     = "start"      // every lane from its request's start
	AlignFirstByte = "first-byte" // every lane from its own first byte
	// AlignPage puts every lane where its request started on its page's
	// time: from the page's first request (Options.PageStartMs), as a
	// waterfall does, rather than each from its own start.
	AlignPage = "page"
)

// Options shape a scene.
type Options struct {
	Width float64 // CSS pixels available
	Align string  // AlignStart (default), AlignFirstByte or AlignPage
	// PageStartMs is, with AlignPage, each lane's page's first request
	// (ms since the Unix epoch, in lane order): a lane starts at its own
	// request's start (StartEpochMs) after it. A lane without one, or
	// whose run has no start, is drawn from its own start.
	PageStartMs []float64 `json:"pageStartMs,omitempty"`
	// Zoom, above 1, scales the whole drawing for a projector (Scene.Zoom);
	// 0 keeps today's scene.
	Zoom float64 `json:",omitempty"`
	// Fit, when set, is the height in CSS pixels the scene must fit: the
	// cumulative and memory panels shrink (not below a fifth); 0 keeps
	// their natural heights.
	Fit float64 `json:",omitempty"`
	// NoMemory leaves the two memory panels out.
	NoMemory bool `json:",omitempty"`
	// Compact is talk mode's layout, for a chart painted with every text
	// the same size (the painter's talk fonts) at Zoom: tighter margins
	// and lanes, fewer time ticks, two labels to a value axis, short
	// memory legends; with the memory panels, the bytes-received panel is
	// left out (the lanes still show when the bytes came). The explorer
	// never sets it, so its scenes stay as they are.
	Compact bool `json:",omitempty"`
}

// metrics are a layout's sizes, in layout units (CSS pixels at Zoom 1).
type metrics struct {
	left, right, top, bottom  float64
	cum, lane, band, mem, gap float64
	empty, axisText, runes    float64
	tickWidth                 float64 // room one time label needs
	char, charBold            float64 // a character's estimated width
	twoLabels, noCum          bool
	sideCaption               bool // "bytes received" left of its panel, not above it
	bandLabels                bool // lane names in the lane's band, not the left margin: the plot gets the width
	serverLegend, clientLeg   string
	serverTitle, clientTitle  string
}

// explorer is today's layout; talk is Compact's, for 13-unit text
// everywhere.
var (
	explorer = metrics{left: marginLeft, right: marginRight, top: marginTop, bottom: marginBottom, cum: cumHeight, lane: laneHeight,
		band: laneBand, mem: memHeight, gap: memGap, empty: emptyMem, axisText: 36, runes: labelRunes, char: 7, charBold: 7.6,
		serverLegend: "heap (solid), RSS (dashed)", clientLeg: "Go wasm heap (solid), JS heap (dashed)",
		serverTitle: "server memory", clientTitle: "browser memory"}
	talkMetrics = metrics{left: 80, right: 14, bandLabels: true, top: 24, bottom: 40, cum: cumHeight, lane: 36, band: 17, mem: memHeight, gap: 24,
		empty: emptyMem, axisText: 31, runes: 14, tickWidth: 64, char: 8.4, charBold: 9, twoLabels: true,
		serverLegend: "heap", clientLeg: "Go wasm heap", serverTitle: "server", clientTitle: "browser"}
)

// metrics is o's layout.
func (o Options) metrics() metrics {
	if o.Compact {
		m := talkMetrics
		if o.NoMemory {
			// "bytes received" goes in the left margin, beside its panel:
			// the top margin only holds half the top label. The axis has
			// no caption (its ticks say ms or s) unless the lanes are
			// aligned at their first bytes, which it must say.
			m.top, m.sideCaption = 10, true
			if o.Align != AlignFirstByte {
				m.bottom, m.axisText = 24, 0
			}
		}
		if !o.NoMemory {
			// The memory panels need the height: no bytes-received panel,
			// shorter lanes, no axis caption (the ticks say ms or s).
			m.noCum = true
			m.lane, m.band, m.bottom, m.axisText, m.top = 30, 15, 24, 0, 10
		}
		return m
	}
	return explorer
}

// columns is how many pixel columns o's scene bins to.
func (o Options) columns() int {
	m := o.metrics()
	return max(minCols, int(math.Floor(o.Width/o.zoom()-m.left-m.right)))
}

// zoom is o's zoom, 1 when unset.
func (o Options) zoom() float64 {
	if o.Zoom > 1 {
		return o.Zoom
	}
	return 1
}

// Layout constants, in CSS pixels.
const (
	marginLeft   = 150
	marginRight  = 24
	marginTop    = 30
	marginBottom = 50
	cumHeight    = 220
	laneHeight   = 46
	laneBand     = 15 // the top of a lane, kept for its labels: never over ticks
	memHeight    = 120
	memGap       = 34
	emptyMem     = 8 // an empty memory panel: its title line only
	minCols      = 50
	labelRunes   = 17 // a lane label longer than this loses its middle: it must fit the left margin
)

// Colors of the frame.
const (
	grid  = "#e3e6ea"
	muted = "#57606a"
	ink   = "#24292f"
	band0 = "#f6f8fa"
	band1 = "#ffffff"
)

// Columns is how many pixel columns a scene of this width bins to.
func Columns(width float64) int {
	return max(minCols, int(math.Floor(width))-marginLeft-marginRight)
}

// Shift is how far a run's times move left in an align mode: to its first
// byte (its headers, when no body came), or not at all.
func Shift(r *record.Run, align string) float64 {
	if align != AlignFirstByte {
		return 0
	}
	switch {
	case len(r.Chunks) > 0:
		return r.TTFBMs
	case r.Status != 0:
		return r.HeadersMs
	}
	return 0
}

// StartEpochMs is when r's request left, in ms since the Unix epoch: its
// t = 0 (t0EpochMs), or, without it (a loaded HAR entry, a wire-only
// run), its startedAt; false when neither says.
func StartEpochMs(r *record.Run) (float64, bool) {
	if r.T0EpochMs > 0 {
		return r.T0EpochMs, true
	}
	t, err := time.Parse(time.RFC3339Nano, r.StartedAt)
	if err != nil {
		return 0, false
	}
	return float64(t.UnixMicro()) / 1000, true
}

// laneShift is lane i's shift in o's align mode: Shift's, or with
// AlignPage minus its start on its page's time.
func (o Options) laneShift(i int, r *record.Run) float64 {
	if o.Align != AlignPage {
		return Shift(r, o.Align)
	}
	if i >= len(o.PageStartMs) || o.PageStartMs[i] <= 0 {
		return 0
	}
	t, ok := StartEpochMs(r)
	if !ok || t < o.PageStartMs[i] {
		return 0
	}
	return -(t - o.PageStartMs[i])
}

// Build lays out the lanes.
func Build(lanes []Lane, o Options) Scene {
	cols := o.columns()
	cl := make([]chart.Lane, len(lanes))
	for i, l := range lanes {
		// Talk mode's compact chart has no room for the send log's lane
		// and plot: a speaker shows them in the explorer.
		cl[i] = chart.Lane{Run: l.Run, Label: l.Label, Color: l.Color, ShiftMs: o.laneShift(i, l.Run), Sent: !o.Compact, Page: o.Align == AlignPage,
			BodyEnd: o.Compact && o.NoMemory, NowMs: l.NowMs}
	}
	return Lay(chart.Build(cl, cols), lanes, o)
}

// Lay lays out lanes already binned (Build does both; the bench times them
// together).
func Lay(b chart.Binning, lanes []Lane, o Options) Scene {
	cols := float64(o.columns())
	m := o.metrics()
	s := builder{m: m}
	if o.Zoom > 1 {
		s.Zoom = o.Zoom
	}
	x0 := m.left
	xOf := func(ms float64) float64 { return x0 + (ms-b.TMin)/(b.TMax-b.TMin)*cols }

	serverEmpty, clientEmpty := true, true
	for _, l := range b.Lanes {
		if l.ServerHeap != nil || l.ServerRSS != nil {
			serverEmpty = false
		}
		if l.ClientHeap != nil || l.ClientJS != nil {
			clientEmpty = false
		}
	}
	cumH, memH := m.cum, m.mem
	if m.noCum {
		cumH = 0
	}
	if o.NoMemory {
		serverEmpty, clientEmpty = true, true
	}
	panel := func(empty bool) float64 {
		if empty {
			return m.empty
		}
		return memH
	}
	if o.Fit > 0 && o.Compact {
		// Too tall even with the panels at a fifth: the axis caption goes,
		// then the lanes get shorter (not below 28 units: a label band and
		// ticks).
		need := func() float64 {
			h := m.top + 16 + m.bottom + float64(len(b.Lanes))*m.lane + 0.2*cumH
			if o.NoMemory {
				h += 8
			}
			if m.noCum {
				h -= 16
			}
			if !o.NoMemory {
				h += 2*m.gap + 2*0.2*memH
			}
			return h
		}
		fit := o.Fit / o.zoom()
		if need() > fit {
			m.bottom, m.axisText = 24, 0
		}
		if over := need() - fit; over > 0 && len(b.Lanes) > 0 {
			m.lane = math.Max(28, m.lane-over/float64(len(b.Lanes)))
			m.band = math.Min(m.band, m.lane/2)
		}
		s.m = m
	}
	if o.Fit > 0 {
		fixed := m.top + 16 + m.bottom + float64(len(b.Lanes))*m.lane
		if o.NoMemory {
			fixed += 8 // below the lanes, as axisY is
		}
		flexible := cumH
		if m.noCum {
			fixed -= 16
		}
		if !o.NoMemory {
			fixed += 2 * m.gap
			for _, e := range []bool{serverEmpty, clientEmpty} {
				if e {
					fixed += m.empty
				} else {
					flexible += memH
				}
			}
		}
		most := 1.0
		if o.Compact {
			most = 3 // a projector: the panels grow to fill the screen
		}
		k := math.Max(0.2, math.Min(most, (o.Fit/o.zoom()-fixed)/flexible))
		cumH, memH = cumH*k, memH*k
	}
	cumTop := m.top
	cumBottom := cumTop + cumH
	lanesTop := cumBottom + 16
	if m.noCum {
		lanesTop = m.top // room for a replay's note above the lanes
	}
	serverTop := lanesTop + float64(len(b.Lanes))*m.lane + m.gap
	clientTop := serverTop + panel(serverEmpty) + m.gap
	axisY := clientTop + panel(clientEmpty)
	if o.NoMemory {
		axisY = lanesTop + float64(len(b.Lanes))*m.lane + 8
	}
	s.W, s.H = cols+m.left+m.right, axisY+m.bottom
	s.Axis = Axis{X0: x0, Cols: cols, TMin: b.TMin, TMax: b.TMax, Y: axisY}

	// Grid and time axis.
	span := b.TMax - b.TMin
	ticks := 8.0
	if m.tickWidth > 0 {
		ticks = math.Max(2, math.Min(8, cols/m.tickWidth))
	}
	step := niceStep(span, ticks)
	for t := math.Ceil(b.TMin/step-1e-9) * step; t <= b.TMax+1e-9; t += step {
		x := math.Round(xOf(t)) + 0.5
		s.line(grid, 1, Solid, x, cumTop, x, axisY)
		label := FormatTime(t, step)
		if o.Compact && x+s.textWidth(label, Normal)/2 > s.W {
			s.text(muted, Normal, Right, s.W-1, axisY+16, label) // the last tick's label stays on the chart
			continue
		}
		s.text(muted, Normal, Center, x, axisY+16, label)
	}
	axisText := "time since the request was sent →"
	switch o.Align {
	case AlignFirstByte:
		axisText = "time since each run's first byte (its headers when it has no body) →"
	case AlignPage:
		axisText = "page time: since the page's first request; each lane starts where its request did →"
	}
	if o.Compact {
		axisText = "time since the request →"
		switch o.Align {
		case AlignFirstByte:
			axisText = "time from each first byte →"
		case AlignPage:
			axisText = "page time →"
		}
	}
	if m.axisText > 0 {
		s.text(muted, Normal, Left, x0, axisY+m.axisText, axisText)
	}

	// Cumulative bytes.
	yMax := b.YMax
	switch {
	case m.noCum:
	case m.sideCaption:
		s.text(ink, Normal, Right, x0-10, cumTop+cumH/2, "bytes")
	default:
		s.text(ink, Normal, Right, x0-10, cumTop-14, "bytes received")
	}
	switch {
	case m.noCum:
	case yMax <= 1:
		// No byte at all (a refused request, HEAD, 204): one honest 0 B, no
		// made-up scale.
		y := math.Round(cumBottom) + 0.5
		s.text(muted, Normal, Right, x0-10, cumBottom, "0 B")
		s.line(grid, 1, Solid, x0, y, x0+cols, y)
		if len(b.Lanes) > 0 {
			note := "no body bytes in these runs"
			for _, l := range lanes {
				if !l.Run.Done {
					note = "no body bytes yet"
				}
			}
			s.text(muted, Normal, Left, x0+10, cumTop+cumH/2, note)
		}
	default:
		if yMax < 1024 {
			yMax = math.Ceil(yMax/2) * 2 // the middle label is a whole number of bytes
		}
		for _, frac := range s.fracs() {
			y := cumBottom - frac*cumH
			s.text(muted, Normal, Right, x0-10, y, FormatBytes(frac*yMax))
			s.line(grid, 1, Solid, x0, math.Round(y)+0.5, x0+cols, math.Round(y)+0.5)
		}
	}
	for _, l := range b.Lanes {
		if l.Cum == nil || m.noCum {
			continue // a wire lane: its own request, no curve
		}
		for _, seg := range segments(l.Cum, x0, func(v float64) float64 { return cumBottom - v/yMax*cumH }, cumBottom) {
			s.poly(l.Color, 2.5, Solid, seg)
		}
		if !math.IsNaN(l.TTFB) {
			x := math.Round(xOf(l.TTFB)) + 0.5
			s.line(l.Color, 1.5, Short, x, cumTop, x, cumBottom)
		}
	}

	// One lane per run: a tick per column that received pieces.
	for i, l := range b.Lanes {
		top := lanesTop + float64(i)*m.lane
		band := band0
		if i%2 == 1 {
			band = band1
		}
		s.rect(band, x0, top, cols, m.lane)
		font := Bold
		if l.Wire || l.Sent {
			font = Italic
		}
		tickTop, tickH := top+m.band, m.lane-m.band-3
		labelY := top + m.band/2 + 1
		s.nameEnd, s.nameFrom = x0, math.Inf(1)
		if m.bandLabels {
			// In the band, left: markers' and chunks' labels keep to its
			// right. When the lane's marker is where the name would be (an
			// early first byte), the name goes to the band's right end.
			name := shortenTo(l.Label, int(m.runes))
			w := s.textWidth(name, font)
			mark := math.NaN()
			if !l.Wire && !l.Sent {
				mark = l.TTFB
				if math.IsNaN(mark) {
					mark = l.Headers
				}
			}
			if !math.IsNaN(mark) && xOf(mark)-8 < x0+4+w+10 && x0+cols-4-w > xOf(mark)+8 {
				s.text(l.Color, font, Right, x0+cols-4, labelY, name)
				s.nameFrom = x0 + cols - 4 - w - 10
			} else {
				s.text(l.Color, font, Left, x0+4, labelY, name)
				s.nameEnd = x0 + 4 + w + 10
			}
		} else {
			s.text(l.Color, font, Right, x0-10, top+m.lane/2+m.band/2, shortenTo(l.Label, int(m.runes)))
		}
		mid := tickTop + tickH/2
		maxTicks := 1.0
		for _, n := range l.Ticks {
			maxTicks = math.Max(maxTicks, n)
		}
		ticked := 0
		for _, n := range l.Ticks {
			if n != 0 {
				ticked++
			}
		}
		rects := make([]float64, 0, 4*ticked)
		for c, n := range l.Ticks {
			if n == 0 {
				continue
			}
			// Taller where more pieces landed in the same pixel column.
			h := 8 + (tickH-8)*(math.Log1p(n)/math.Log1p(maxTicks))
			rects = append(rects, x0+float64(c), mid-h/2, 1.5, h)
		}
		if ticked > 0 {
			s.Prims = append(s.Prims, Prim{Kind: Rects, Color: l.Color, Pts: rects})
		}
		if w := l.Wait; w != nil {
			s.wait(l, w, x0, cols, top, mid)
		}
		for _, lb := range l.Labels {
			// A wire lane: each HTTP chunk's hex size, in the lane's band.
			x := x0 + float64(lb.Col) + 3
			if o.Compact {
				x = math.Min(x, x0+cols-s.textWidth(lb.Text, Mono))
			}
			if x < s.nameEnd {
				continue // under the lane's name
			}
			s.text(ink, Mono, Left, x, labelY, lb.Text)
		}
		if l.Sent {
			// Where writes waited for the client to read: a bar under the
			// ticks. The note counts writes, flushes and the wait.
			if len(l.Blocked) > 0 {
				bars := make([]float64, 0, 4*len(l.Blocked))
				for _, sp := range l.Blocked {
					bars = append(bars, x0+float64(sp.From), top+m.lane-6, float64(sp.To-sp.From+1), 4)
				}
				s.Prims = append(s.Prims, Prim{Kind: Rects, Color: l.Color, Pts: bars})
			}
			s.text(muted, Small, Left, x0+4, labelY, l.Note)
		} else if l.Note != "" {
			s.text(muted, Small, Left, x0+4, labelY, l.Note) // an encoded-reads lane's count
		}
		if l.Wire || l.Sent {
			continue
		}
		li := laneRun(b.Lanes, i)
		run := lanes[li].Run
		shift := o.laneShift(li, run)
		// A paced reader's stop and its read again: a dashed line across
		// the lane and a word beside it, where no tick is (it read nothing).
		for _, ev := range []struct {
			t    float64
			what string
		}{{l.Stopped, "stopped reading"}, {l.Resumed, "read again"}} {
			if math.IsNaN(ev.t) {
				continue
			}
			x := math.Round(xOf(ev.t)) + 0.5
			s.line(l.Color, 1.5, Short, x, tickTop, x, tickTop+tickH)
			if x+4+s.textWidth(ev.what, Small) <= x0+cols {
				s.text(ink, Small, Left, x+4, mid, ev.what)
			} else {
				s.text(ink, Small, Right, x-4, mid, ev.what)
			}
		}
		switch {
		case !math.IsNaN(l.TTFB):
			s.marker(l.Color, xOf(l.TTFB), top, x0, x0+cols, labelY, "first byte "+FormatTime(l.TTFB+shift, 10))
		case !math.IsNaN(l.Headers):
			// No body (HEAD, 204, 304, a refusal): the headers' arrival is
			// all there is to mark.
			what := "headers after " + FormatTime(l.Headers+shift, 10)
			noBody := " — no body"
			if o.Compact {
				what, noBody = "headers "+FormatTime(l.Headers+shift, 10), ", no body"
			}
			switch {
			case run.Status < 200 || run.Status > 299:
				what = strconv.Itoa(run.Status) + " after " + FormatTime(l.Headers+shift, 10)
			case run.Done:
				what += noBody
			}
			s.marker(l.Color, xOf(l.Headers), top, x0, x0+cols, labelY, what)
			x := math.Round(xOf(l.Headers)) + 0.5
			s.line(l.Color, 2, Solid, x, tickTop+2, x, tickTop+tickH-2)
		}
	}

	if !o.NoMemory {
		server, client := [2]float64{0, b.ServerMax}, [2]float64{0, b.ClientMax}
		serverCurves := func(l chart.Binned) ([]float64, []float64) { return l.ServerHeap, l.ServerRSS }
		clientCurves := func(l chart.Binned) ([]float64, []float64) { return l.ClientHeap, l.ClientJS }
		if o.Compact {
			// The heaps alone, each panel from its lowest sample to its
			// highest: the growth fills the panel, as the figures say it.
			server, client = growth(b.ServerHeapMin, b.ServerHeapMax), growth(b.ClientHeapMin, b.ClientHeapMax)
			serverCurves = func(l chart.Binned) ([]float64, []float64) { return l.ServerHeap, nil }
			clientCurves = func(l chart.Binned) ([]float64, []float64) { return l.ClientHeap, nil }
		}
		s.memPanel(serverTop, serverEmpty, memH, x0, cols, m.serverTitle, m.serverLegend, server, b.Lanes, serverCurves, serverWhy(lanes))
		s.memPanel(clientTop, clientEmpty, memH, x0, cols, m.clientTitle, m.clientLeg, client, b.Lanes, clientCurves, "")
	}
	if b.DelayBytes > 0 {
		s.delayPanel(b, axisY+m.bottom+24, x0, cols)
	}
	return s.Scene
}

// Sizes of the delay plot, in CSS pixels.
const (
	delayHeight = 120
	delayFloor  = 10 // ms: the least the value axis spans, so a flat line near 0 stays near the bottom
)

// delayPanel draws the send→arrival delay by byte offset under the time
// axis, on its own axes: bytes of the body across, ms up. One curve per
// run with a send log; the scene grows to hold it.
func (s *builder) delayPanel(b chart.Binning, top, x0, cols float64) {
	title := "send → arrival delay"
	s.text(ink, Bold, Left, x0, top-12, title)
	legend := "of each byte, by its offset in the body: flat near 0 when nothing held bytes back"
	if x0+s.textWidth(title, Bold)+24+s.textWidth(legend, Normal) > x0+cols {
		legend = "by byte offset; flat near 0: nothing held bytes back"
	}
	s.text(muted, Normal, Left, x0+s.textWidth(title, Bold)+24, top-12, legend)
	// A label at each round step from 0 up; below 0 only as far as the
	// lowest delay (the clock offset's error can put a send a little after
	// its arrival), so 0 is a grid line and a dip below it shows as such.
	step := niceStep(math.Max(b.DelayMax-math.Min(0, b.DelayMin), delayFloor), 3)
	yMin, yMax := math.Min(0, b.DelayMin), math.Ceil(math.Max(b.DelayMax, delayFloor)/step)*step
	for v := math.Ceil(yMin/step) * step; v <= yMax+step/2; v += step {
		y := math.Round(top+delayHeight-(v-yMin)/(yMax-yMin)*delayHeight) + 0.5
		s.text(muted, Normal, Right, x0-10, y, FormatTime(v, step))
		s.line(grid, 1, Solid, x0, y, x0+cols, y)
	}
	yOf := func(v float64) float64 { return top + delayHeight - (v-yMin)/(yMax-yMin)*delayHeight }
	for _, l := range b.Lanes {
		for _, seg := range segments(l.Delay, x0, yOf, math.NaN()) {
			s.poly(l.Color, 2, Solid, seg)
		}
	}
	bottom := top + delayHeight
	s.text(muted, Normal, Left, x0, bottom+16, "0 B")
	s.text(muted, Normal, Center, x0+cols/2, bottom+16, FormatBytes(b.DelayBytes/2))
	s.text(muted, Normal, Right, x0+cols, bottom+16, FormatBytes(b.DelayBytes))
	s.text(muted, Normal, Left, x0, bottom+36, "byte offset in the body →")
	s.H = bottom + 50
}

// wait draws a lane in flight waiting: a bar from its last read (or its
// start) to now, growing with the clock, and the word beside it while no
// byte has come.
func (s *builder) wait(l chart.Binned, w *chart.Span, x0, cols, top, mid float64) {
	from, to := x0+float64(w.From), x0+float64(w.To+1)
	s.rect(l.Color, from, mid-3, math.Max(2, to-from), 6)
	if !math.IsNaN(l.TTFB) || !math.IsNaN(l.Headers) {
		return
	}
	const what = "waiting…"
	at := math.Max(to+8, s.nameEnd)
	if at+s.textWidth(what, Small) <= math.Min(x0+cols, s.nameFrom) {
		s.text(ink, Small, Left, at, top+s.m.band/2+1, what)
	} else {
		s.text(ink, Small, Right, to-8, top+s.m.band/2+1, what)
	}
}

// laneRun is the index of the run a binned lane belongs to: wire lanes
// follow their run's lane (a sent lane comes before it, and is never asked).
func laneRun(binned []chart.Binned, i int) int {
	run := -1
	for j := 0; j <= i; j++ {
		if !binned[j].Wire && !binned[j].Sent {
			run++
		}
	}
	return run
}

// serverWhy says why no server memory is drawn, from the records.
func serverWhy(lanes []Lane) string {
	for _, l := range lanes {
		if l.Run.ServerProblem != "" {
			return l.Run.ServerProblem
		}
	}
	for _, l := range lanes {
		if l.Run.Scenario == record.Upstream {
			return "an upstream's memory is not ours to sample"
		}
	}
	return ""
}

// memPanel draws one memory plot: per lane, a solid curve and a dashed one
// (either may be missing). With no curve at all it is one line of text.
func (s *builder) memPanel(top float64, empty bool, memHeight, x0, cols float64, title, legend string, yRange [2]float64, lanes []chart.Binned,
	curves func(chart.Binned) ([]float64, []float64), why string) {
	s.text(ink, Bold, Left, x0, top-12, title)
	if empty {
		note := "no samples for these runs"
		if why != "" {
			note += ": " + why
		}
		if len(lanes) == 0 {
			note = legend
		}
		s.text(muted, Normal, Left, x0+s.textWidth(title, Bold)+24, top-12, note)
		return
	}
	if x0+s.textWidth(title, Bold)+24+s.textWidth(legend, Normal) <= x0+cols || s.m.tickWidth == 0 {
		s.text(muted, Normal, Left, x0+s.textWidth(title, Bold)+24, top-12, legend)
	}
	yMin, yMax := yRange[0], yRange[1]
	for _, frac := range s.fracs() {
		y := math.Round(top+memHeight-frac*memHeight) + 0.5
		s.text(muted, Normal, Right, x0-10, y, FormatBytes(yMin+frac*(yMax-yMin)))
		s.line(grid, 1, Solid, x0, y, x0+cols, y)
	}
	yOf := func(v float64) float64 { return top + memHeight - (v-yMin)/(yMax-yMin)*memHeight }
	for _, l := range lanes {
		solid, dashed := curves(l)
		for _, seg := range segments(solid, x0, yOf, math.NaN()) {
			s.poly(l.Color, 2.5, Solid, seg)
		}
		for _, seg := range segments(dashed, x0, yOf, math.NaN()) {
			s.poly(l.Color, 1.5, Long, seg)
		}
	}
}

// growth is a heap panel's value range: its lowest to its highest sample,
// widened to 64 KiB at least so a flat heap stays a flat line.
func growth(lo, hi float64) [2]float64 {
	if hi-lo < 64<<10 {
		hi = lo + 64<<10
	}
	return [2]float64{lo, hi}
}

// segments turns a binned curve into polylines, one per run of columns
// that have a value: column c spans x0+c to x0+c+1. When base is a number,
// each polyline starts from it (the cumulative curve rises from 0). Points
// in the middle of a horizontal stretch are left out: they change nothing
// drawn, and a flat memory curve or a stream's pause costs the painter two
// points instead of one per column.
func segments(vals []float64, x0 float64, yOf func(float64) float64, base float64) [][]float64 {
	var out [][]float64
	var cur []float64
	for c, v := range vals {
		if math.IsNaN(v) {
			if cur != nil {
				out = append(out, cur)
				cur = nil
			}
			continue
		}
		y := yOf(v)
		if cur == nil {
			start := y
			if !math.IsNaN(base) {
				start = base
			}
			cur = append(make([]float64, 0, 2*(len(vals)-c)+2), x0+float64(c), start)
		}
		if n := len(cur); n >= 4 && cur[n-1] == y && cur[n-3] == y {
			cur[n-2] = x0 + float64(c+1) // extend the flat stretch
			continue
		}
		cur = append(cur, x0+float64(c+1), y)
	}
	if cur != nil {
		out = append(out, cur)
	}
	return out
}

// Recolor gives the scene's colors another palette (a talk's dark or
// high-contrast theme): every color found in m is replaced; the scene's
// layout stays the same.
func Recolor(sc *Scene, m map[string]string) {
	for i := range sc.Prims {
		if c, ok := m[sc.Prims[i].Color]; ok {
			sc.Prims[i].Color = c
		}
	}
}

// Frame is the chart's own colors (grid, text, lane bands), for a theme's
// map to Recolor.
var Frame = []string{grid, muted, ink, band0, band1}

// builder appends primitives.
type builder struct {
	Scene
	m       metrics
	nameEnd float64 // where the lane being laid out has its band free: after its name, when it is in the band
	// nameFrom is where its name starts when the name is at the band's
	// right end (+Inf otherwise): labels keep left of it.
	nameFrom float64
}

// fracs are where a value axis is labelled: 0, half and full, or only 0
// and full in a compact layout, whose panels are too short for three
// labels at its type size.
func (s *builder) fracs() []float64 {
	if s.m.twoLabels {
		return []float64{0, 1}
	}
	return []float64{0, 0.5, 1}
}

func (s *builder) line(color string, width float64, dash Dash, x1, y1, x2, y2 float64) {
	s.Prims = append(s.Prims, Prim{Kind: Line, Color: color, Width: width, Dash: dash, Pts: []float64{x1, y1, x2, y2}})
}

func (s *builder) poly(color string, width float64, dash Dash, pts []float64) {
	s.Prims = append(s.Prims, Prim{Kind: Poly, Color: color, Width: width, Dash: dash, Pts: pts})
}

func (s *builder) rect(color string, x, y, w, h float64) {
	s.Prims = append(s.Prims, Prim{Kind: Rect, Color: color, Pts: []float64{x, y, w, h}})
}

func (s *builder) text(color string, font Font, align Align, x, y float64, text string) {
	s.Prims = append(s.Prims, Prim{Kind: Text, Color: color, Font: font, Align: align, Text: text, Pts: []float64{x, y}})
}

// marker draws a small triangle at x in a lane's band and its label beside
// it, in the band above the ticks; near the right edge the label goes to
// the marker's left.
func (s *builder) marker(color string, x, top, left, right, labelY float64, label string) {
	s.Prims = append(s.Prims, Prim{Kind: Fill, Color: color, Pts: []float64{x, top + s.m.band - 1, x - 5, top + 3, x + 5, top + 3}})
	w := s.textWidth(label, Small)
	right = math.Min(right, s.nameFrom)
	if s.nameEnd > left || s.nameFrom < math.Inf(1) {
		// The lane's name is in the band: the label goes right of the
		// marker, or left of it, but never on the name.
		switch {
		case x+8 >= s.nameEnd && x+8+w <= right:
			s.text(ink, Small, Left, x+8, labelY, label)
		case x-8-w >= s.nameEnd:
			s.text(ink, Small, Right, x-8, labelY, label)
		default:
			s.text(ink, Small, Left, math.Max(x+8, s.nameEnd), labelY, label)
		}
		return
	}
	if s.m.tickWidth > 0 && x+8+w > right && x-8-w < left {
		// A compact layout where neither side has room by the estimate:
		// the side with more.
		if right-x >= x-left {
			s.text(ink, Small, Left, x+8, labelY, label)
		} else {
			s.text(ink, Small, Right, x-8, labelY, label)
		}
		return
	}
	if x+8+w > right {
		s.text(ink, Small, Right, x-8, labelY, label)
		return
	}
	s.text(ink, Small, Left, x+8, labelY, label)
}

// textWidth estimates a text's width: the scene does not measure text (a
// painter would have to answer), so labels keep clear of the edges by this
// generous estimate.
func textWidth(text string, f Font) float64 {
	per := 7.0
	switch f {
	case Bold:
		per = 7.6
	case Mono:
		per = 6.7
	case Small:
		per = 6.6
	}
	return per * float64(len([]rune(text)))
}

// textWidth is the estimate for the builder's layout: a compact one paints
// every font at 13 units.
func (s *builder) textWidth(text string, f Font) float64 {
	if s.m.tickWidth == 0 {
		return textWidth(text, f)
	}
	per := s.m.char
	if f == Bold {
		per = s.m.charBold
	}
	return per * float64(len([]rune(text)))
}

// shorten cuts the middle out of a long lane label: an upstream's host
// and the end of its path are what tell lanes apart.
func shorten(label string) string { return shortenTo(label, labelRunes) }

// shortenTo is shorten to n runes.
func shortenTo(label string, n int) string {
	rs := []rune(label)
	if len(rs) <= n {
		return label
	}
	head := (n - 1) / 2
	return string(rs[:head]) + "…" + string(rs[len(rs)-(n-1-head):])
}

// niceStep is a round step that cuts span into about target pieces.
func niceStep(span, target float64) float64 {
	raw := span / target
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*pow {
			return m * pow
		}
	}
	return 10 * pow
}

// FormatTime formats an axis time: in seconds once the step or the time
// reaches a second, with as many decimals as the step needs.
func FormatTime(ms, step float64) string {
	if step >= 1000 || math.Abs(ms) >= 1000 {
		digits := 2
		switch {
		case step >= 1000:
			digits = 0
		case step >= 100:
			digits = 1
		}
		return fixed(ms/1000, digits) + " s"
	}
	digits := 1
	if step >= 1 {
		digits = 0
	}
	return fixed(ms, digits) + " ms"
}

// fixed formats v with digits decimals, never as "-0".
func fixed(v float64, digits int) string {
	s := strconv.FormatFloat(v, 'f', digits, 64)
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-")
	}
	return s
}

// FormatBytes formats an axis byte count in binary units: whole bytes, one
// decimal below 10 of a larger unit.
func FormatBytes(n float64) string {
	units := []string{"B", "KiB", "MiB", "GiB"}
	u := 0
	for n >= 1024 && u < len(units)-1 {
		n /= 1024
		u++
	}
	digits := 0
	if u > 0 && n < 10 {
		digits = 1
	}
	return strconv.FormatFloat(n, 'f', digits, 64) + " " + units[u]
}
