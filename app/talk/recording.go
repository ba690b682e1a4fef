package talk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"chunkscope/app/keep"
	"chunkscope/app/record"
)

// RecordingVersion is the talk recording's version (make talk-record). A
// recording is a session file of app/keep's schema, so the explorer opens
// it too; version 2 adds a "talk" object that says which runs each step
// of the deck made:
//
//	{"format": "chunkscope-session", "version": 1, …, "runs": [ … ],
//	 "talk": {"version": 2, "deck": "Streaming, chunk by chunk",
//	          "steps": [{"step": 4, "title": "…", "view": { … }, "runs": [3]}]}}
//
// A step's replay is then the step's own runs, its wire lane included,
// found by the step's number and its view. Version 1 (a session file
// without "talk", as make talk-record wrote before) still reads: a step's
// runs are then found by scenario and body, the latest of each.
const RecordingVersion = 2

// RecordingIndex is a recording's "talk" object.
type RecordingIndex struct {
	Version int            `json:"version"`
	Deck    string         `json:"deck"` // the deck's title
	Steps   []RecordedStep `json:"steps"`
}

// RecordedStep is one step's runs in a recording.
type RecordedStep struct {
	Step  int    `json:"step"` // 1-based, as the page counts
	Title string `json:"title"`
	View  View   `json:"view"`
	Runs  []int  `json:"runs"` // indexes into the session's runs, in lane order
}

// Recording is a decoded recording: its runs and how to find a step's.
type Recording struct {
	Runs    []*record.Run
	Index   *RecordingIndex // nil for version 1
	At      string          // the day it was recorded: YYYY-MM-DD
	byKey   map[string]*record.Run
	version int
}

// Version is 1 (runs found by scenario and body) or RecordingVersion.
func (r *Recording) Version() int { return r.version }

// EncodeRecording writes a recording of a deck: every step's runs in one
// session file, with the index that gives each step its own.
func EncodeRecording(d Deck, steps [][]*record.Run, link string, now time.Time) ([]byte, error) {
	if len(steps) != len(d.Steps) {
		return nil, fmt.Errorf("%d steps of runs for a deck of %d steps", len(steps), len(d.Steps))
	}
	idx := RecordingIndex{Version: RecordingVersion, Deck: d.Title}
	var all []*record.Run
	for i, runs := range steps {
		s := RecordedStep{Step: i + 1, Title: d.Steps[i].Title, View: d.Steps[i].View, Runs: []int{}}
		for _, r := range runs {
			s.Runs = append(s.Runs, len(all))
			all = append(all, r)
		}
		idx.Steps = append(idx.Steps, s)
	}
	f := recordingFile{File: keep.File{Format: keep.Format, Version: keep.Version, SavedAt: now.UTC().Format(time.RFC3339Nano),
		View: keep.View{Link: link}, Runs: all}, Talk: idx}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return nil, fmt.Errorf("the runs cannot be written as JSON: %w", err)
	}
	return b, nil
}

// recordingFile is a session file with its "talk" object.
type recordingFile struct {
	keep.File
	Talk RecordingIndex `json:"talk"`
}

// DecodeRecording reads a recording: a session file (keep.Decode, with
// its limits and sentences), version 1 or 2. What is wrong with it is one
// sentence.
func DecodeRecording(data []byte) (*Recording, error) {
	l, err := keep.Decode(data)
	if err != nil {
		return nil, err
	}
	rec := &Recording{Runs: l.Runs, byKey: map[string]*record.Run{}, version: 1}
	for _, r := range l.Runs {
		rec.byKey[Key(r.Scenario, r.Params)] = r
		if d := r.StartedAt; len(d) >= 10 {
			rec.At = d[:10]
		}
	}
	if l.Kind != "json" || bytes.HasPrefix(bytes.TrimSpace(data), []byte("[")) {
		return rec, nil
	}
	var head struct {
		Talk *RecordingIndex `json:"talk"`
	}
	if err := json.Unmarshal(bytes.TrimPrefix(data, []byte("\ufeff")), &head); err != nil {
		return nil, fmt.Errorf("This recording's \"talk\" cannot be read: %v.", err)
	}
	if head.Talk == nil {
		return rec, nil
	}
	t := head.Talk
	if t.Version != RecordingVersion {
		return nil, fmt.Errorf("This recording's \"talk\" has version %d; this chunkscope reads talk recordings of version 1 (no \"talk\") and %d.", t.Version, RecordingVersion)
	}
	if len(t.Steps) > MaxSteps {
		return nil, fmt.Errorf("This recording has %d steps; a deck holds at most %d.", len(t.Steps), MaxSteps)
	}
	for _, s := range t.Steps {
		if s.Step < 1 || s.Step > MaxSteps {
			return nil, fmt.Errorf("This recording has a step %d; steps are 1 to %d.", s.Step, MaxSteps)
		}
		if len(s.Runs) == 0 || len(s.Runs) > MaxLanes {
			return nil, fmt.Errorf("This recording's step %d has %d runs; a step has 1 to %d.", s.Step, len(s.Runs), MaxLanes)
		}
		for _, i := range s.Runs {
			if i < 0 || i >= len(l.Runs) {
				return nil, fmt.Errorf("This recording's step %d names run %d; the file holds runs 0 to %d.", s.Step, i, len(l.Runs)-1)
			}
		}
	}
	rec.Index, rec.version = t, RecordingVersion
	return rec, nil
}

// For is step i's (0-based) runs for view v, in lane order, or nil. In a
// version 2 recording they are the runs recorded for that very step and
// view — or, if the deck's steps moved, for a step with the same view;
// never another view's runs. In version 1 they are the latest runs of
// each lane's scenario and body.
func (r *Recording) For(i int, v View) []*record.Run {
	if r == nil {
		return nil
	}
	if r.Index == nil {
		var out []*record.Run
		for _, k := range v.Keys() {
			run := r.byKey[k]
			if run == nil {
				return nil
			}
			out = append(out, run)
		}
		return out
	}
	want, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var same *RecordedStep
	for j := range r.Index.Steps {
		s := &r.Index.Steps[j]
		if got, _ := json.Marshal(s.View); !bytes.Equal(got, want) {
			continue
		}
		if s.Step == i+1 {
			same = s
			break
		}
		if same == nil {
			same = s
		}
	}
	if same == nil || len(same.Runs) != v.Lanes() {
		return nil
	}
	out := make([]*record.Run, len(same.Runs))
	for j, k := range same.Runs {
		out[j] = r.Runs[k]
	}
	return out
}
