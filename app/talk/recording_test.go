package talk

import (
	"os"
	"strings"
	"testing"
	"time"

	"chunkscope/app/keep"
	"chunkscope/app/record"
)

// keptRun is a minimal record keep's decoder accepts.
func keptRun(id, scenario string, wire bool) *record.Run {
	r := &record.Run{Version: record.Version, ID: id, Scenario: scenario, Method: "GET", URL: "/csv/" + scenario + "?rows=20",
		Params: map[string]string{"rows": "20"}, StartedAt: "2026-12-06T10:00:00Z", Status: 200, Done: true}
	if wire {
		r.Wire = &record.Wire{}
	}
	return r
}

// TestRecordingFindsTheStepsOwnRuns: two steps with the same scenario and
// body, one with a wire lane: each replays its own run (version 2), where
// version 1 gave both the latest (the wire lane lost on one of them).
func TestRecordingFindsTheStepsOwnRuns(t *testing.T) {
	plain := View{Scenarios: []string{"streaming"}, Body: "rows=20"}
	wired := View{Scenarios: []string{"streaming"}, Body: "rows=20", Wire: true}
	d := Deck{Format: Format, Version: Version, Title: "T", Steps: []Step{{Title: "a", View: wired}, {Title: "b", View: plain}}}
	steps := [][]*record.Run{{keptRun("w", "streaming", true)}, {keptRun("p", "streaming", false)}}
	b, err := EncodeRecording(d, steps, "/talk", time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keep.Decode(b); err != nil {
		t.Fatalf("a recording is not a session file any more: %v", err)
	}
	rec, err := DecodeRecording(b)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Version() != 2 {
		t.Errorf("version %d; want 2", rec.Version())
	}
	for _, tc := range []struct {
		name string
		i    int
		v    View
		want string
	}{
		{"step 1, its wire view", 0, wired, "w"},
		{"step 2, its plain view", 1, plain, "p"},
		{"a moved step: found by its view", 5, wired, "w"},
		{"a view nobody recorded", 0, View{Scenarios: []string{"buffered"}, Body: "rows=20"}, ""},
		{"step 1 asked with the other view", 0, plain, "p"},
	} {
		got := rec.For(tc.i, tc.v)
		id := ""
		if len(got) == 1 {
			id = got[0].ID
		}
		if id != tc.want {
			t.Errorf("%s: got run %q; want %q", tc.name, id, tc.want)
		}
	}
}

// TestRecordingVersion1StillReads: a plain session file (how recordings
// were written before version 2) finds a step's runs by scenario and body.
func TestRecordingVersion1StillReads(t *testing.T) {
	b, err := keep.Encode([]*record.Run{keptRun("a", "streaming", false), keptRun("b", "buffered", false)}, keep.View{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	rec, err := DecodeRecording(b)
	if err != nil {
		t.Fatal(err)
	}
	got := rec.For(3, View{Scenarios: []string{"buffered", "streaming"}, Body: "rows=20"})
	if rec.Version() != 1 || len(got) != 2 || got[0].ID != "b" || got[1].ID != "a" {
		t.Errorf("version %d, runs %v; want version 1 and runs b, a", rec.Version(), got)
	}
}

// TestRecordingRefuses: a recording's talk index that points nowhere is one
// sentence, not a panic at replay.
func TestRecordingRefuses(t *testing.T) {
	d := Deck{Format: Format, Version: Version, Title: "T", Steps: []Step{{Title: "a", View: View{Scenarios: []string{"streaming"}, Body: "rows=20"}}}}
	good, err := EncodeRecording(d, [][]*record.Run{{keptRun("a", "streaming", false)}}, "/talk", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"newer version", `"version": 2`, `"version": 3`, `"talk" has version 3`},
		{"run out of range", "\"runs\": [\n     0\n    ]", "\"runs\": [\n     7\n    ]", "names run 7"},
		{"step 0", `"step": 1`, `"step": 0`, "has a step 0"},
	} {
		in := strings.Replace(string(good), tc.from, tc.to, 1)
		if in == string(good) {
			t.Fatalf("%s: %q not in the file", tc.name, tc.from)
		}
		if _, err := DecodeRecording([]byte(in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v; want a sentence with %q", tc.name, err, tc.want)
		}
	}
}

// TestShippedRecordingCoversTheDeck: the recording shipped with the binary
// has every step of the Streaming deck, each with its own runs, wire
// lanes where the view has them (make talk-record after a deck change).
func TestShippedRecordingCoversTheDeck(t *testing.T) {
	b, err := os.ReadFile("../../web/decks/streaming.recorded.json")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := DecodeRecording(b)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Version() != RecordingVersion {
		t.Skipf("the shipped recording is version %d: make talk-record writes version %d", rec.Version(), RecordingVersion)
	}
	for i, s := range Streaming().Steps {
		runs := rec.For(i, s.View)
		if runs == nil {
			t.Errorf("step %d %q: no recorded runs (make talk-record)", i+1, s.Title)
			continue
		}
		for j, r := range runs {
			if s.View.Wire && r.Wire == nil {
				t.Errorf("step %d lane %d: no wire lane in the recording; the view has one", i+1, j+1)
			}
		}
	}
}
