package ui

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/keep"
)

// keepbar saves, loads and exports the view: Save view (a session file),
// Load (a file picker; dropping a file anywhere on the page does the
// same, web/keep.js), and the HAR, SVG and PNG of the view, at the size on
// screen or at 2×. What a load did, or why a file was refused, is said
// under it.
type keepbar struct {
	app.Compo

	Ilanes   int
	Iscale   float64
	Ierr     string
	Inote    string
	Iskipped []keep.Skipped
}

func newKeepbar() *keepbar { return &keepbar{} }

func (k *keepbar) Lanes(n int) *keepbar                 { k.Ilanes = n; return k }
func (k *keepbar) Scale(s float64) *keepbar             { k.Iscale = s; return k }
func (k *keepbar) Err(s string) *keepbar                { k.Ierr = s; return k }
func (k *keepbar) Note(s string) *keepbar               { k.Inote = s; return k }
func (k *keepbar) Skipped(s []keep.Skipped) *keepbar    { k.Iskipped = s; return k }
func (k *keepbar) send(op, arg string) app.EventHandler { return sendAct(op, arg) }

func (k *keepbar) onScale(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionName, act{Op: opScale, Arg: ctx.JSSrc().Get("value").String()})
}

func (k *keepbar) Render() app.UI {
	empty := k.Ilanes == 0
	return app.Section().ID("keep").Class("keep").Body(
		app.Div().Class("buttons").Body(
			app.Button().ID("save-view").Text("Save view").Disabled(empty).
				Title("Download the view's runs and settings as one JSON file").OnClick(k.send(opSaveView, "")),
			// The input is read by web/keep.js (its change event): the
			// file's text goes to Go in one piece.
			app.Label().ID("load-label").Class("file").Title("Load a saved view, a HAR with _chunks, a Chrome NetLog or a curl trace (--trace-ascii with --trace-time); or drop the file anywhere on the page").Body(
				app.Span().Text("Load…"),
				app.Input().ID("keep-file").Type("file").Accept(".json,.har,.txt,.log,.trace,application/json,text/plain"),
			),
			app.Span().Class("sep").Text("export"),
			app.Button().ID("export-har").Text("HAR").Disabled(empty).Title("HAR 1.2 with _chunks, and each full record in _chunkscope").OnClick(k.send(opExport, "har")),
			app.Button().ID("export-svg").Text("SVG").Disabled(empty).Title("The chart as drawn, as SVG").OnClick(k.send(opExport, "svg")),
			app.Button().ID("export-png").Text("PNG").Disabled(empty).Title("The chart as drawn, as PNG").OnClick(k.send(opExport, "png")),
			app.Select().ID("export-scale").Body(
				app.Option().Value("1").Text("size on screen").Selected(k.Iscale != 2),
				app.Option().Value("2").Text("2×").Selected(k.Iscale == 2),
			).OnChange(k.onScale),
		),
		app.If(k.Ierr != "", app.P().ID("keep-error").Class("error").Text(k.Ierr)),
		app.If(k.Inote != "", app.Div().ID("keep-note").Class("note").Body(
			app.Span().Text(k.Inote),
			app.If(len(k.Iskipped) > 0, app.Ul().ID("keep-skipped").Body(
				app.Range(k.Iskipped).Slice(func(i int) app.UI {
					return app.Li().Body(app.Code().Class("clamp").Title(k.Iskipped[i].URL).Text(k.Iskipped[i].URL), app.Text(" — "+k.Iskipped[i].Reason))
				}),
			)),
		)),
	)
}

// sendAct is an event handler sending the page an action.
func sendAct(op, arg string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		ctx.NewActionWithValue(actionName, act{Op: op, Arg: arg})
	}
}
