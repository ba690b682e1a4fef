package scene

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// runs are a streamed run with memory and a wire probe, and a HEAD.
func runs() []*record.Run {
	s := record.New(record.Plan{ID: "a", Scenario: "streaming", URL: "/csv/streaming?rows=3"})
	s.Respond(200, map[string]string{"transfer-encoding": "chunked"}, 40)
	s.Progress([]record.Chunk{{T: 50, N: 28}, {T: 150, N: 14}, {T: 250, N: 14}},
		[]wire.Sample{{T: 0, Heap: 4 << 20, JSHeap: 9 << 20}, {T: 250, Heap: 5 << 20}},
		[]wire.Sample{{T: 1, Heap: 2 << 20, RSS: 30 << 20}, {T: 260, Heap: 3 << 20, RSS: 31 << 20}}, 250)
	s.AddWire([]wire.Event{{T: 49, Kind: wire.KindRead}, {T: 49, Kind: wire.KindHeadersEnd, Text: "chunked"},
		{T: 49, Kind: wire.KindChunkSize, Text: "1c", Size: 28}, {T: 249, Kind: wire.KindLastChunk, Text: "0"}})
	s.FinishWire(wire.Summary{Status: 200, Proto: wire.ProtoHTTP11, Framing: wire.FramingChunked, Chunks: 3, TTFBMs: 49, TotalMs: 250}, nil)
	s.Finish(record.End{TotalMs: 255})
	h := record.New(record.Plan{ID: "b", Scenario: "head-buffered", Method: "HEAD", URL: "/csv/buffered?rows=3"})
	h.Respond(200, map[string]string{"content-length": "56"}, 300)
	h.Finish(record.End{TotalMs: 300, ServerProblem: "the server's event stream closed"})
	return []*record.Run{s, h}
}

// TestARecordAloneDrawsTheSameScene: records written to JSON and read back
// (a file, runs()) lay out to the very primitives of the live view.
func TestARecordAloneDrawsTheSameScene(t *testing.T) {
	live := runs()
	b, err := json.Marshal(live)
	if err != nil {
		t.Fatal(err)
	}
	var loaded []*record.Run
	if err := json.Unmarshal(b, &loaded); err != nil {
		t.Fatal(err)
	}
	for _, align := range []string{AlignStart, AlignFirstByte} {
		o := Options{Width: 900, Align: align}
		a, b := Build(Lanes(live), o), Build(Lanes(loaded), o)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("align %s: the scene from JSON differs from the live one", align)
		}
		// And it survives its own JSON (window.chunkscope.scene()).
		raw, _ := json.Marshal(a)
		var again Scene
		if err := json.Unmarshal(raw, &again); err != nil || !reflect.DeepEqual(a, again) {
			t.Errorf("align %s: the scene does not survive JSON: %v", align, err)
		}
	}
}

func texts(s Scene) []Prim {
	var out []Prim
	for _, p := range s.Prims {
		if p.Kind == Text {
			out = append(out, p)
		}
	}
	return out
}

func find(s Scene, prefix string) (Prim, bool) {
	for _, p := range texts(s) {
		if strings.HasPrefix(p.Text, prefix) {
			return p, true
		}
	}
	return Prim{}, false
}

func TestLayout(t *testing.T) {
	rs := runs()
	s := Build(Lanes(rs), Options{Width: 900})
	if s.W != 900 {
		t.Errorf("width %v; want 900", s.W)
	}
	// The first-byte label sits in the lane's band, above every tick.
	fb, ok := find(s, "first byte 50 ms")
	if !ok {
		t.Fatalf("no first-byte label in %v", texts(s))
	}
	for _, p := range s.Prims {
		if p.Kind == Rects && p.Color == Palette[Blue] {
			for i := 1; i < len(p.Pts); i += 4 {
				if p.Pts[i] < fb.Pts[1]+6 {
					t.Errorf("a tick starts at y %v, under the first-byte label at %v", p.Pts[i], fb.Pts[1])
				}
			}
		}
	}
	// A HEAD has no body: its headers' arrival is marked.
	if _, ok := find(s, "headers after 300 ms — no body"); !ok {
		t.Errorf("no headers marker for the HEAD run: %v", texts(s))
	}
	// Colors: streaming blue, and the other not.
	if c := Colors(rs); c[0] != Blue || c[1] == Blue || c[1] == Orange {
		t.Errorf("colors %v", c)
	}
}

func TestEmptyPanelsAreCompact(t *testing.T) {
	r := record.New(record.Plan{ID: "u", Scenario: record.Upstream, Params: map[string]string{"url": "http://127.0.0.1:9000/missing"}})
	r.Respond(400, nil, 3)
	r.Finish(record.End{TotalMs: 3, ErrorBody: "url: origin not allowed"})
	s := Build(Lanes([]*record.Run{r}), Options{Width: 900})
	full := Build(Lanes(runs()[:1]), Options{Width: 900})
	if s.H > full.H-2*memHeight+2*emptyMem+laneHeight {
		t.Errorf("height %v with no samples; want the two memory panels compact (full: %v)", s.H, full.H)
	}
	for _, p := range texts(s) {
		if p.Text == "1 B" {
			t.Errorf("a byte axis reading 1 B for runs with no body byte")
		}
	}
	if _, ok := find(s, "no body bytes in these runs"); !ok {
		t.Errorf("no note that no body byte came")
	}
	if _, ok := find(s, "400 after 3 ms"); !ok {
		t.Errorf("no marker for the refusal: %v", texts(s))
	}
	if _, ok := find(s, "no samples for these runs: an upstream's memory is not ours to sample"); !ok {
		t.Errorf("the empty server panel does not say why: %v", texts(s))
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		ms, step float64
		want     string
	}{{0, 100, "0 ms"}, {-0.0000001, 100, "0 ms"}, {250, 50, "250 ms"}, {1500, 500, "1.5 s"}, {2000, 1000, "2 s"}, {-200, 100, "-200 ms"}} {
		if got := FormatTime(tc.ms, tc.step); got != tc.want {
			t.Errorf("FormatTime(%v, %v) = %q; want %q", tc.ms, tc.step, got, tc.want)
		}
	}
	for n, want := range map[float64]string{0: "0 B", 512: "512 B", 1536: "1.5 KiB", 128 << 20: "128 MiB"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%v) = %q; want %q", n, got, want)
		}
	}
}

func TestSegmentsDropFlatPoints(t *testing.T) {
	nan := math.NaN()
	got := segments([]float64{nan, 5, 5, 5, 7, 7, nan, 2}, 10, func(v float64) float64 { return v }, nan)
	want := [][]float64{{11, 5, 14, 5, 15, 7, 16, 7}, {17, 2, 18, 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("segments = %v; want %v", got, want)
	}
	var e Encoder
	s := Scene{Prims: []Prim{{Kind: Text, Color: "#000", Text: "a", Pts: []float64{1, 2}}, {Kind: Line, Color: "#000", Width: 1, Pts: []float64{0, 0, 1, 1}}}}
	n1, s1 := e.Encode(s)
	if len(n1) != 8+2+8+4 || len(s1) != 2 || n1[1] != n1[11] {
		t.Errorf("encoded %v %v", n1, s1)
	}
}

func TestShorten(t *testing.T) {
	r := &record.Run{Scenario: record.Upstream, Params: map[string]string{"url": "http://127.0.0.1:40177/csv/streaming?rows=20"}}
	if got := shorten(r.Label()); got != "127.0.0.…treaming" || len([]rune(got)) != labelRunes {
		t.Errorf("shorten(%q) = %q", r.Label(), got)
	}
	if got := shorten("gzip-streaming"); got != "gzip-streaming" {
		t.Errorf("shorten(gzip-streaming) = %q", got)
	}
}

// sentRun is a run of n writes every gap ms from at, flushed or not, each
// blocked blockedMs, read as the reads given.
func sentRun(id string, n int, at, gap float64, flushed bool, blockedMs float64, reads []record.Chunk) *record.Run {
	r := record.New(record.Plan{ID: id, Scenario: "streaming", URL: "/csv/streaming"})
	r.Respond(200, map[string]string{"transfer-encoding": "chunked"}, reads[0].T)
	var total int
	for _, c := range reads {
		total += c.N
	}
	for i := 0; i < n; i++ {
		s := wire.Send{T: at + float64(i)*gap, N: int64(total / n), BlockedMs: blockedMs}
		if flushed {
			s.FlushMs = s.T + 0.01
		}
		r.AddSent(s)
	}
	r.Progress(reads, nil, nil, reads[len(reads)-1].T)
	r.Finish(record.End{TotalMs: reads[len(reads)-1].T + 1})
	return r
}

// TestSentLaneAndDelayPlot: a run with a send log gets a "sent" lane above
// its own, noting its writes, flushes and waits, and a curve in the delay
// plot under the time axis — flat near 0 for a stream read as written, up
// to the hold for a body held to the end; talk mode's compact chart has
// neither.
func TestSentLaneAndDelayPlot(t *testing.T) {
	var streamed, held []record.Chunk
	for i := 0; i < 20; i++ {
		streamed = append(streamed, record.Chunk{T: 101 + float64(i)*100, N: 100})
	}
	held = []record.Chunk{{T: 2001, N: 2000}}
	stream := sentRun("s", 20, 100, 100, true, 0, streamed)
	hold := sentRun("h", 20, 100, 100, false, 0, held)
	slow := sentRun("w", 20, 100, 100, true, 100, streamed)

	s := Build(Lanes([]*record.Run{stream, hold, slow}), Options{Width: 900})
	var labels []Prim
	for _, p := range texts(s) {
		if p.Pts[0] < marginLeft && (p.Text == "sent" || p.Text == "streaming") {
			labels = append(labels, p)
		}
	}
	if len(labels) != 6 || labels[0].Text != "sent" || labels[1].Text != "streaming" || labels[0].Font != Italic || labels[0].Pts[1] >= labels[1].Pts[1] {
		t.Fatalf("lane labels %v: want sent (italic) above each run's lane", labels)
	}
	for _, note := range []string{"20 writes, each flushed", "20 writes, never flushed", "20 writes, each flushed; blocked 2.00 s in all waiting for the client"} {
		if _, ok := find(s, note); !ok {
			t.Errorf("no note %q in %v", note, texts(s))
		}
	}
	title, ok := find(s, "send → arrival delay")
	if !ok || title.Pts[1] < s.Axis.Y {
		t.Fatalf("no delay plot under the time axis: %v", texts(s))
	}
	// Per run, its delay curve: the stream's within a pixel of its bottom
	// (1 ms of a 2-s axis), the held body's rising to 1.9 s at offset 0.
	var curves [][]float64
	for _, p := range s.Prims {
		if p.Kind == Poly && p.Pts[1] > title.Pts[1] {
			curves = append(curves, p.Pts)
		}
	}
	if len(curves) != 3 {
		t.Fatalf("%d delay curves; want 3", len(curves))
	}
	bottom := title.Pts[1] + 12 + delayHeight
	top := title.Pts[1] + 12
	for i := 1; i < len(curves[0]); i += 2 {
		if bottom-curves[0][i] > 2 {
			t.Errorf("the streamed run's delay at y %v, %v above the bottom: want flat near 0", curves[0][i], bottom-curves[0][i])
		}
	}
	if y := curves[1][1]; math.Abs(y-(top+delayHeight*(1-1900.0/2000))) > 2 {
		t.Errorf("the held run's first byte drawn at y %v; want 1,900 ms on a 0–2 s axis", y)
	}
	// Blocked writes: a bar in the slow run's sent lane, from the first
	// write's start (0 ms) to the last's end (2 s), back to back.
	var bars [][]float64
	for _, p := range s.Prims {
		if p.Kind == Rects && len(p.Pts)%4 == 0 && p.Pts[3] == 4 {
			bars = append(bars, p.Pts)
		}
	}
	if len(bars) != 1 || len(bars[0]) != 4 || math.Abs(bars[0][0]-s.Axis.X(0)) > 1.5 || math.Abs(bars[0][0]+bars[0][2]-s.Axis.X(2000)) > 1.5 {
		t.Errorf("blocked bars %v; want one from x %.0f to %.0f", bars, s.Axis.X(0), s.Axis.X(2000))
	}

	c := Build(Lanes([]*record.Run{stream}), Options{Width: 900, Compact: true, Zoom: 1.4})
	if _, ok := find(c, "sent"); ok {
		t.Errorf("a compact scene has a sent lane")
	}
	if _, ok := find(c, "send → arrival"); ok {
		t.Errorf("a compact scene has a delay plot")
	}
}

// TestDelayAxisKeepsToTheDelays: a delay a little below 0 (the clock
// offset's error) does not stretch the axis a whole step down; 0 and the
// round steps above it are labelled.
func TestDelayAxisKeepsToTheDelays(t *testing.T) {
	early := sentRun("e", 1, 100.7, 0, true, 0, []record.Chunk{{T: 100, N: 10}})
	held := sentRun("h", 1, 0, 0, false, 0, []record.Chunk{{T: 2900, N: 10}})
	s := Build(Lanes([]*record.Run{early, held}), Options{Width: 900})
	title, _ := find(s, "send → arrival delay")
	var labels []string
	for _, p := range texts(s) {
		if p.Align == Right && p.Pts[1] > title.Pts[1] {
			labels = append(labels, p.Text)
		}
	}
	if want := []string{"0 s", "1 s", "2 s", "3 s", "10 B"}; !reflect.DeepEqual(labels, want) {
		t.Errorf("delay plot labels %q; want %q", labels, want)
	}
}

// TestAStoppedReaderIsMarked: where a paced reader stopped and read again
// is drawn on its lane, with the words.
func TestAStoppedReaderIsMarked(t *testing.T) {
	r := sentRun("d", 10, 100, 100, true, 0, []record.Chunk{{T: 101, N: 100}, {T: 201, N: 100}, {T: 5200, N: 50}})
	r.StoppedMs, r.ResumedMs = 210, 5150
	s := Build(Lanes([]*record.Run{r}), Options{Width: 900})
	for _, want := range []struct {
		text string
		at   float64
	}{{"stopped reading", 210}, {"read again", 5150}} {
		p, ok := find(s, want.text)
		if !ok {
			t.Errorf("no %q on the lane: %v", want.text, texts(s))
			continue
		}
		if x := s.Axis.X(want.at); math.Abs(p.Pts[0]-x) > 6 {
			t.Errorf("%q at x %.0f; want beside %.0f", want.text, p.Pts[0], x)
		}
	}
}
