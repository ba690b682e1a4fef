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
