package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/record"
	"chunkscope/app/scene"
)

// talkFigures is a step's key figures, one block per lane in the lane's
// color: its verdict, then TTFB and total — or, in a memory view, the
// server's and the page's heap growth. Large enough for the back row.
type talkFigures struct {
	app.Compo

	Iruns    []*record.Run
	Imemory  bool
	Iversion int
	Iframe   any // a replay's frame: a change of it is a change of figures
}

func newTalkFigures() *talkFigures { return &talkFigures{} }

func (f *talkFigures) Runs(r []*record.Run) *talkFigures { f.Iruns = r; return f }
func (f *talkFigures) Memory(m bool) *talkFigures        { f.Imemory = m; return f }
func (f *talkFigures) Version(v int) *talkFigures        { f.Iversion = v; return f }
func (f *talkFigures) Frame(v any) *talkFigures          { f.Iframe = v; return f }

// verdictWords are the verdicts as a few words at 48 px.
var verdictWords = map[string]string{
	record.KindStreamed: "streamed", record.KindOnePiece: "one piece", record.KindBurst: "in bursts",
	record.KindMerged: "merged", record.KindDelayed: "late start", record.KindNoBody: "no body",
	record.KindError: "error", record.KindRunning: "reading…",
}

func (f *talkFigures) Render() app.UI {
	colors := scene.Colors(f.Iruns)
	// One row under the chart, a block per lane: its name, the key figure
	// at 48 px (TTFB, or the server's heap growth), and beside it, smaller,
	// the total time or the page's growth — left out from three lanes on
	// (two in a memory step), so every lane fits the row.
	class := "talk-figures"
	if len(f.Iruns) >= 3 {
		class += " many"
	}
	return app.Div().ID("talk-figures").Class(class).Body(
		app.Range(f.Iruns).Slice(func(i int) app.UI {
			r := f.Iruns[i]
			ttfb, total := "—", "—"
			if len(r.Chunks) > 0 {
				ttfb = scene.FormatTime(r.TTFBMs, 10)
			} else if r.Status != 0 {
				ttfb = scene.FormatTime(r.HeadersMs, 10)
			}
			if r.Done {
				total = scene.FormatTime(r.TotalMs, 10)
			}
			verdict := verdictWords[r.Verdict.Kind]
			if verdict == "" {
				verdict = r.Verdict.Kind
			}
			key, minor := fig("TTFB", ttfb), minorFig("total", total)
			if w := r.Wire; w != nil && r.Done && (w.Framing == "chunked" || w.Framing == "h2-frames") {
				// A wire lane's evidence: the page's reads beside the wire's units.
				unit := " chunks"
				if w.Framing == "h2-frames" {
					unit = " frames"
				}
				minor = minorFig("", strconv.Itoa(len(r.Chunks))+" reads · "+strconv.Itoa(w.Chunks)+unit)
			}
			if f.Imemory {
				key, minor = fig("server", memFig(r.ServerPeakGrowth, len(r.ServerMem))), minorFig("page", memFig(r.ClientPeakGrowth, len(r.ClientMem)))
			}
			return app.Div().Class("talk-lane lane-"+itoa(colors[i])).Title(verdict).DataSet("verdict", r.Verdict.Kind).Body(
				app.Span().Class("talk-lane-name").Text(r.Label()), key, app.If(f.roomy(), minor))
		}),
	)
}

// roomy says whether the row has room for each lane's second figure: one
// lane, or two of short names (about 20 characters together) and no memory.
func (f *talkFigures) roomy() bool {
	switch len(f.Iruns) {
	case 1:
		return true
	case 2:
		return !f.Imemory && len([]rune(f.Iruns[0].Label()+f.Iruns[1].Label())) <= 20
	}
	return false
}

// fig is a key figure: its number at 48 px, its unit ("ms", "MiB") at the
// body's size, so three lanes' figures fit one row.
func fig(label, value string) app.UI {
	num, unit, _ := strings.Cut(value, " ")
	return app.Span().Class("talk-fig").Body(app.Span().Class("label").Text(label),
		app.Span().Class("value").Body(app.Text(num), app.If(unit != "", app.Span().Class("unit").Text(" "+unit))))
}

func minorFig(label, value string) app.UI {
	return app.Span().Class("talk-fig minor").Body(app.Span().Class("label").Text(label), app.Span().Class("value").Text(value))
}

func memFig(n int64, samples int) string {
	if samples == 0 {
		return "—"
	}
	return "+" + record.Size(n)
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return "1" + string(rune('0'+n-10))
}
