package ui

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// talkKeys are talk mode's keys, as ? shows them (web/talk.js reads them).
var talkKeys = [][2]string{
	{"→ ↓ PageDown", "play the step (live; its recording if the server is gone), then the next step"},
	{"← ↑ PageUp", "previous step, as it was shown (no replay); from step 1 the title slide"}, {"Space", "run the step's view live (again)"},
	{"r", "replay the step's recorded run"}, {"s", "slow motion: 1×, 0.25×, 0.1×"}, {"b  .", "blank the screen"},
	{"f", "full screen"}, {"n", "speaker notes window"}, {"g 12 Enter", "jump to step 12"}, {"t", "theme: light, dark, high contrast"},
	{"?", "these keys"}, {"Esc", "close; else the overview of the steps"},
}

// talkHelp is the keys' overlay.
type talkHelp struct{ app.Compo }

func newTalkHelp() *talkHelp { return &talkHelp{} }

func (h *talkHelp) Render() app.UI {
	return app.Div().ID("talk-help").Class("talk-help").Body(
		app.H2().Text("Keys"),
		app.Dl().Body(app.Range(talkKeys).Slice(func(i int) app.UI {
			return app.Div().Body(app.Dt().Text(talkKeys[i][0]), app.Dd().Text(talkKeys[i][1]))
		})),
		// For the conference's slide upload: one page per step, to print
		// to PDF.
		app.P().ID("talk-help-print").Body(app.A().Href("/talk?print=1").Target("_blank").Text("print"),
			app.Text(": one page per step (title, lines, its recorded run), to print to PDF")),
		app.P().Class("talk-foot").Body(app.Label().For("keep-file").Text("open a deck or recording")),
	)
}
