// Package talk is talk mode's deck: an ordered list of steps (a title, at
// most three short lines, a view of chunkscope runs, the speaker's notes)
// that the /talk page renders and the tests iterate, as the scenario table
// is for scenarios. The deck chunkscope ships is Streaming (streaming.go); a
// speaker's own deck is a JSON file of the same schema, read by Decode. It
// is plain Go with no browser code.
package talk

import (
	"net/url"

	"chunkscope/app/record"
	"chunkscope/app/spec"
)

// Format is a deck file's "format": what tells a deck from a session file.
const Format = "chunkscope-deck"

// Version is the deck schema's version.
const Version = 1

// Limits of a deck.
const (
	MaxSteps    = 40
	MaxLines    = 3
	MaxLineLen  = 80 // runes: a line longer than this wraps at 28 px on 1280 px
	MaxTitleLen = 60
	MaxAuthor   = 80
	MaxNotes    = 4000
	MaxLanes    = 8 // runner.MaxLanes
	MaxBytes    = 1 << 20
)

// Deck is a talk: its steps in order.
type Deck struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Title   string `json:"title"`
	// Author is the title slide's second line (/talk/0), optional.
	Author string `json:"author,omitempty"`
	Steps  []Step `json:"steps"`
}

// Step is one screen of the talk.
type Step struct {
	Title string   `json:"title"`
	Lines []string `json:"lines,omitempty"` // at most MaxLines
	View  View     `json:"view"`
	Notes string   `json:"notes,omitempty"` // the speaker's, in the notes window only
	// Auto plays the step's view as soon as the step is shown; otherwise
	// the first PageDown (or Space) plays it and the next goes on.
	Auto bool `json:"auto,omitempty"`
	// Claim is what the step's runs must show, checked on the page.
	Claim *Claim `json:"claim,omitempty"`
}

// View is what a step shows: one run, or several side by side.
type View struct {
	// Scenarios are the scenario table's names, one lane each, in order.
	Scenarios []string `json:"scenarios"`
	// Upstreams are a real app's URLs (the lab's Django under Gunicorn,
	// behind nginx), one lane each after the scenarios', read through the
	// server's /upstream: only origins its -upstream flags allow, as the
	// explorer's. The body parameters do not apply to them: the URL says
	// what to ask (e.g. ?rows=20&delay=100).
	Upstreams []Upstream `json:"upstreams,omitempty"`
	// Body is the body's query parameters, as the explorer's links and
	// the server read them (spec.Parse): "rows=20&delay=100ms".
	Body string `json:"body,omitempty"`
	// Read is the read mode: auto (default), stream or buffer.
	Read string `json:"read,omitempty"`
	// Wire also probes the wire after each body (the HTTP chunks).
	Wire bool `json:"wire,omitempty"`
	// Align is start (default) or first-byte.
	Align string `json:"align,omitempty"`
	// Memory draws the memory panels and shows the memory figures instead
	// of the total time; on a projector the panels take the place of the
	// bytes-received panel (scene.Options.Compact).
	Memory bool `json:"memory,omitempty"`
}

// Upstream is one lane of a real app: its URL, and the lane's label on a
// projector ("gunicorn", "nginx, stock"); without one the lane is
// labelled by the URL's host and path.
type Upstream struct {
	Label string `json:"label,omitempty"`
	URL   string `json:"url"`
}

// Spec is the view's body parameters, parsed by the one parser.
func (v View) Spec() (spec.Spec, error) {
	q, err := url.ParseQuery(v.Body)
	if err != nil {
		return spec.Spec{}, err
	}
	return spec.Parse(q)
}

// Key names the runs a view makes, for finding them in a recording: the
// scenario and the body parameters as a run record holds them.
func Key(scenario string, params map[string]string) string {
	q := url.Values{}
	for k, v := range params {
		if k != "run" {
			q.Set(k, v)
		}
	}
	return scenario + "?" + q.Encode()
}

// Keys are the keys of the view's runs, in lane order.
func (v View) Keys() []string {
	s, err := v.Spec()
	if err != nil {
		return nil
	}
	params := map[string]string{}
	for k, vals := range s.Values() {
		params[k] = vals[0]
	}
	out := make([]string, 0, v.Lanes())
	for _, name := range v.Scenarios {
		out = append(out, Key(name, params))
	}
	for _, u := range v.Upstreams {
		out = append(out, Key(record.Upstream, map[string]string{"url": u.URL}))
	}
	return out
}

// Lanes is how many runs the view makes: its scenarios and upstreams.
func (v View) Lanes() int { return len(v.Scenarios) + len(v.Upstreams) }
