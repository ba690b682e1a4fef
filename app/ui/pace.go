package ui

import (
	"fmt"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/record"
	"chunkscope/app/spec"
)

// paceField is the control of the page reader's pace (pace=): full speed,
// a rate, one pause, or a reader that stops (spec.ParsePace). What is typed
// goes into the page's form; a bad value is refused when Run is pressed,
// with the parser's sentence.
type paceField struct {
	app.Compo

	Iform  *form
	Ivalue string // the form's pace: a change go-app sees (Iform is the same pointer)
}

func newPaceField() *paceField { return &paceField{} }

func (c *paceField) Form(f *form) *paceField { c.Iform, c.Ivalue = f, f.Pace; return c }

func (c *paceField) Render() app.UI {
	f := c.Iform
	if f == nil {
		f = &form{}
	}
	return app.Label().Body(
		app.Span().Text("reader pace"),
		app.Input().ID("pace").Type("text").Value(f.Pace).Placeholder("full").Size(9).
			Title("How fast the page reads the body: full (the default), a rate such as 64KiB/s, "+
				"pause:2s@1MiB (one pause), stop@1MiB or dead (a client that stops reading)").
			OnChange(c.ValueTo(&f.Pace)),
	)
}

// paceRows are a paced run's card rows: its pace, with what was measured
// of it, and how long the server's writes blocked (its send log).
func paceRows(r *record.Run) [][2]string {
	if r.Pace == "" {
		return nil
	}
	p, err := spec.ParsePace(r.Pace)
	if err != nil {
		return [][2]string{{"reader pace", r.Pace}}
	}
	what := p.Describe()
	if p.Kind == spec.PaceRate && r.Done && r.TotalMs > r.TTFBMs && r.Bytes > 0 {
		what += fmt.Sprintf(" (measured: %s/s from the first byte to the end)", record.Size(int64(float64(r.Bytes)/(r.TotalMs-r.TTFBMs)*1000)))
	}
	rows := [][2]string{{"reader pace", what}}
	if len(r.Sent) > 0 {
		t := record.Sends(r.Sent) // the sent lane's note counts the same
		rows = append(rows, [2]string{"server writes blocked (send log)",
			fmt.Sprintf("%s in all over %d writes, the longest %s", record.Sec(t.BlockedMs), t.Writes, record.Sec(t.LongestMs))})
	}
	return rows
}

// stopNote says, from the record alone, what happened to a reader that
// stopped reading: when it stopped, what the server wrote, when the server
// let go of the response and how the body ended when the page read again.
// "" for any other run.
func stopNote(r *record.Run) string {
	p, err := spec.ParsePace(r.Pace)
	if err != nil || p.Kind != spec.PaceStop || !r.Done || r.Status == 0 {
		return ""
	}
	var s string
	switch {
	case p.Never():
		s = "The page never read the body."
	case r.StoppedMs > 0:
		var before int64
		for _, c := range r.Chunks {
			if c.T <= r.StoppedMs {
				before += int64(c.N)
			}
		}
		s = fmt.Sprintf("The page stopped reading at %s, with %s read.", record.Sec(r.StoppedMs), record.Size(before))
	default:
		return "The body ended before the point where the page was to stop reading."
	}
	if n := len(r.Sent); n > 0 {
		var sent int64
		for _, x := range r.Sent {
			sent += x.N
		}
		last := r.Sent[n-1]
		s += fmt.Sprintf(" The server wrote %s (its send log); its last write returned at %s, after blocking %s.",
			record.Size(sent), record.Sec(last.T), record.Sec(last.BlockedMs))
	}
	end := ""
	if n := len(r.ServerMem); n > 0 {
		end = " at " + record.Sec(r.ServerMem[n-1].T)
	}
	switch {
	case r.ResumedMs > 0 && r.Error != "":
		s += fmt.Sprintf(" The server cut the stream%s — its per-response deadline (-max-stream) ends a response whose client does not read — "+
			"and let go of everything it held for it. Reading again at %s, the page found the body ended with an error (%s) after %s: cut, not complete.",
			end, record.Sec(r.ResumedMs), strings.TrimPrefix(r.Error, "reading the body: "), record.Size(r.Bytes))
	case r.ResumedMs > 0:
		s += fmt.Sprintf(" The server finished the response%s: the whole body fit in the buffers between them. Reading again at %s, the page found it complete: %s.",
			end, record.Sec(r.ResumedMs), record.Size(r.Bytes))
	default:
		s += " The run was stopped while the page held the response open, before the server let go of it."
	}
	return s
}
