package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/keep"
	"chunkscope/app/scene"
	"chunkscope/app/talk"
)

// The print view (/talk?print=1): the deck as slides for the conference's
// upload, one page per step — its title, its lines and the chart of its
// recorded run, drawn as SVG by keep's painter from the same scene the
// talk paints — laid out for Chromium's print to PDF (web/talkprint.css:
// a named 16:9 page, a page break after each step).

// printChartWidth is the chart's layout width on a page, in CSS pixels.
const printChartWidth = 1180

// printView renders every step of the deck.
func (t *Talk) printView() app.UI {
	n := len(t.deck.Steps)
	pages := make([]app.UI, 0, n+1)
	pages = append(pages, app.Section().Class("talk-print-page talk-print-cover").Body(
		app.H1().Class("talk-print-deck").Text(t.deck.Title),
		app.P().Class("talk-print-count").Text(strconv.Itoa(n)+" steps · chunkscope"),
	))
	for i, s := range t.deck.Steps {
		pages = append(pages, app.Section().Class("talk-print-page").DataSet("step", i+1).Body(
			app.Div().Class("talk-print-head").Body(
				app.H1().Class("talk-print-title").Text(s.Title),
				app.Span().Class("talk-print-count").Text(strconv.Itoa(i+1)+" / "+strconv.Itoa(n)),
			),
			app.Ul().Class("talk-print-lines").Body(app.Range(s.Lines).Slice(func(j int) app.UI {
				return app.Li().Text(s.Lines[j])
			})),
			app.Div().Class("talk-print-chart").Body(t.printChart(i, s)),
		))
	}
	status := "Print this page to PDF (Ctrl+P, or the button): one page per step, each chart from the recording"
	if t.recAt != "" {
		status += " of " + t.recAt
	}
	if t.rec == nil {
		status = "Loading the deck's recording…"
	}
	return app.Div().ID("talk-print").Class("talk-print").DataSet("recorded", t.recAt).Body(
		app.Div().Class("talk-print-bar").Body(
			app.P().ID("talk-print-status").Text(status+"."),
			app.Button().ID("talk-print-button").Text("Print").OnClick(func(app.Context, app.Event) { app.Window().Call("print") }),
		),
		app.Div().Body(pages...),
	)
}

// printChart is step i's recorded run drawn as SVG, or why there is none.
func (t *Talk) printChart(i int, s talk.Step) app.UI {
	runs := t.rec.For(i, s.View)
	if runs == nil {
		return app.P().Class("talk-print-none").Text("No recorded run for this step (make talk-record).")
	}
	sc := scene.Build(scene.Lanes(runs), scene.Options{Width: printChartWidth, Align: s.View.Align, NoMemory: !s.View.Memory, Compact: true, Fit: 440})
	scene.Recolor(&sc, talk.ThemeNamed("light").Chart())
	svg := keep.SVG(sc, 1)
	if k := strings.Index(svg, "<svg"); k > 0 {
		svg = svg[k:]
	}
	return app.Raw(svg)
}
