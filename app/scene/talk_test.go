package scene

import (
	"testing"

	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// talkOptions is talk mode's layout at 1280 px (Zoom 28/13).
func talkOptions(memory bool) Options {
	return Options{Width: 1204, Zoom: 28.0 / 13, Fit: 480, NoMemory: !memory, Compact: true}
}

// talkTexts are the scene's texts.
func talkTexts(sc Scene) map[string]bool {
	out := map[string]bool{}
	for _, p := range sc.Prims {
		if p.Kind == Text {
			out[p.Text] = true
		}
	}
	return out
}

// TestTalkDrawsTheWait: a run in flight with NowMs runs the axis to now
// and draws its wait, "waiting…" before its first byte; the same run
// without NowMs (the explorer) stays on its 100 ms axis.
func TestTalkDrawsTheWait(t *testing.T) {
	r := record.New(record.Plan{ID: "w", Scenario: "buffered", URL: "/csv/buffered?rows=20&delay=100ms"})
	for _, tc := range []struct {
		name    string
		now     float64
		minTMax float64
		waiting bool
	}{
		{"in flight, 1.2 s in", 1200, 1200, true},
		{"no clock (the explorer)", 0, 100, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := Build([]Lane{{Run: r, Label: "buffered", Color: Palette[0], NowMs: tc.now}}, talkOptions(false))
			if sc.Axis.TMax < tc.minTMax || (tc.now == 0 && sc.Axis.TMax > 200) {
				t.Errorf("axis to %.0f ms; want ≥ %.0f", sc.Axis.TMax, tc.minTMax)
			}
			if got := talkTexts(sc)["waiting…"]; got != tc.waiting {
				t.Errorf("waiting… drawn %v; want %v", got, tc.waiting)
			}
			if got := talkTexts(sc)["no body bytes yet"]; !got {
				t.Errorf("the empty panel does not say no body bytes yet: %v", talkTexts(sc))
			}
		})
	}
}

// TestTalkLaneEndsWithItsResponse: in a view without memory a HEAD's lane
// (and the axis) ends with its headers, not with the server's samples of
// the handler it still runs.
func TestTalkLaneEndsWithItsResponse(t *testing.T) {
	h := record.New(record.Plan{ID: "h", Scenario: "head-streaming", Method: "HEAD", URL: "/csv/streaming?rows=20&delay=100ms"})
	h.Respond(200, map[string]string{}, 106)
	h.Progress(nil, nil, []wire.Sample{{T: 1, Heap: 1 << 20}, {T: 2000, Heap: 1 << 20}}, 2000)
	h.Finish(record.End{TotalMs: 110})
	lanes := []Lane{{Run: h, Label: "head-streaming", Color: Palette[0]}}
	if got := Build(lanes, talkOptions(false)).Axis.TMax; got > 200 {
		t.Errorf("talk, no memory: axis to %.0f ms; want the response's 110 ms and headroom", got)
	}
	if got := Build(lanes, Options{Width: 1204}).Axis.TMax; got < 2000 {
		t.Errorf("explorer: axis to %.0f ms; want the samples' 2 s", got)
	}
}

// TestTalkMemoryFillsThePanel: a compact memory panel runs from the
// heap's lowest sample to its highest, so 4 MiB of growth on a 1 MiB heap
// is labelled 1.0 MiB to 5.0 MiB, not 0 B to the RSS.
func TestTalkMemoryFillsThePanel(t *testing.T) {
	r := record.New(record.Plan{ID: "m", Scenario: "buffered", URL: "/csv/buffered?rows=20"})
	r.Respond(200, map[string]string{}, 10)
	r.Progress([]record.Chunk{{T: 900, N: 100}}, []wire.Sample{{T: 0, Heap: 1 << 20}},
		[]wire.Sample{{T: 0, Heap: 1 << 20, RSS: 35 << 20}, {T: 900, Heap: 5 << 20, RSS: 35 << 20}}, 900)
	r.Finish(record.End{TotalMs: 900})
	got := talkTexts(Build([]Lane{{Run: r, Label: "buffered", Color: Palette[0]}}, talkOptions(true)))
	if !got["1.0 MiB"] || !got["5.0 MiB"] || got["35.0 MiB"] {
		t.Errorf("labels %v; want the server panel from 1.0 MiB to 5.0 MiB", got)
	}
}
