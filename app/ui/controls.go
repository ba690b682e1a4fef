package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/runner"
	"chunkscope/app/scene"
	"chunkscope/app/spec"
)

// controls is the form and the buttons. What a person types goes straight
// into the page's form (Iform points at it; event handlers run on the UI
// goroutine); what they ask for goes to the page as an action.
type controls struct {
	app.Compo

	Iform    *form
	Irunning bool
	Ilanes   int
	Ialign   string
	Iproblem string
}

func newControls() *controls { return &controls{} }

func (c *controls) Form(f *form) *controls        { c.Iform = f; return c }
func (c *controls) Running(v bool) *controls      { c.Irunning = v; return c }
func (c *controls) Lanes(n int) *controls         { c.Ilanes = n; return c }
func (c *controls) Align(a string) *controls      { c.Ialign = a; return c }
func (c *controls) Problem(text string) *controls { c.Iproblem = text; return c }

func (c *controls) send(op string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		ctx.NewActionWithValue(actionName, act{Op: op})
	}
}

// setBody sets a body field and tells the page, whose empty state
// describes the body the fields hold.
func (c *controls) setBody(dst *string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		*dst = ctx.JSSrc().Get("value").String()
		ctx.NewActionWithValue(actionName, act{Op: opForm})
	}
}

func (c *controls) onWire(ctx app.Context, e app.Event) {
	c.Iform.Wire = ctx.JSSrc().Get("checked").Bool()
}

// onUpstream re-renders: with an upstream URL the scenario fields do not
// apply, and the controls say so.
func (c *controls) onUpstream(ctx app.Context, e app.Event) {
	c.Iform.Upstream = ctx.JSSrc().Get("value").String()
	c.Update()
}

func (c *controls) onAlign(ctx app.Context, e app.Event) {
	ctx.NewActionWithValue(actionName, act{Op: opAlign, Arg: ctx.JSSrc().Get("value").String()})
}

// fieldTitles say what each body field means, and how to write it.
var fieldTitles = map[string]string{
	"rows":  "data rows after the header line (empty: 1000)",
	"delay": "the pause before each group of rows, like a slow database: a Go duration such as 100ms or 1s (empty: none)",
	"per":   "rows per group: the streaming scenarios flush once per group (empty: 1)",
	"pad":   "extra bytes per row, for large bodies (empty: 0)",
}

func (c *controls) Render() app.UI {
	f := c.Iform
	if f == nil {
		f = &form{}
	}
	upstream := strings.TrimSpace(f.Upstream) != ""
	all := spec.Scenarios()
	opts := make([]app.UI, 0, len(all))
	for _, sc := range all {
		opts = append(opts, app.Option().Value(sc.Name).Text(sc.Title).Selected(sc.Name == f.Scenario))
	}
	full := c.Ilanes >= runner.MaxLanes
	addTitle := "Read this run too, after the ones in the view, and draw it beside them (up to 8)"
	if full {
		addTitle = "The view holds 8 runs: remove one first"
	}
	field := func(id, label string, dst *string, placeholder string, size int) app.UI {
		return app.Label().Body(
			app.Span().Text(label),
			app.Input().ID(id).Type("text").Value(*dst).Placeholder(placeholder).Title(fieldTitles[id]).
				Size(size).Disabled(upstream).OnChange(c.setBody(dst)),
		)
	}
	// Three short rows at 1280 px — what to read, how to read it, what to
	// do — so that the chart starts on the first screen.
	return app.Section().Class("controls").Body(
		app.Div().Class("fields").Body(
			app.Label().Body(app.Span().Text("scenario"),
				app.Select().ID("scenario").Body(opts...).Disabled(upstream).OnChange(c.ValueTo(&f.Scenario))),
			field("rows", "rows", &f.Rows, "1000", 5),
			field("delay", "delay", &f.Delay, "0", 6),
			field("per", "rows per flush", &f.Per, "1", 4),
			field("pad", "pad bytes/row", &f.Pad, "0", 4),
		),
		app.Div().Class("fields").Body(
			app.Label().Title("auto: buffer-read the buffered scenarios, stream-read the rest; stream-read counts each piece and drops it; buffer-read keeps the whole body").Body(
				app.Span().Text("read mode"),
				app.Select().ID("read").Body(
					app.Option().Value(runner.ReadAuto).Text("auto").Selected(f.Read == runner.ReadAuto),
					app.Option().Value(runner.ReadStream).Text("stream-read").Selected(f.Read == runner.ReadStream),
					app.Option().Value(runner.ReadBuffer).Text("buffer-read").Selected(f.Read == runner.ReadBuffer),
				).OnChange(c.ValueTo(&f.Read))),
			newPaceField().Form(f),
			app.Label().Class("check").Body(
				app.Input().ID("wire").Type("checkbox").Checked(f.Wire).OnChange(c.onWire),
				app.Span().Text("probe the wire too"),
			),
			app.Label().Class("upstream").Title("An upstream URL to read instead of a scenario; the server must allow it with -upstream").Body(
				app.Span().Text("or your app's URL"),
				app.Input().ID("upstream").Type("text").Value(f.Upstream).Placeholder("http://127.0.0.1:9000/download_csv_streaming").
					OnInput(c.onUpstream),
			),
		),
		app.Div().Class("buttons").Body(
			app.Button().ID("compare").Text("Compare buffered vs streaming").Disabled(upstream).
				Title("Read buffered, then streaming, with these parameters").OnClick(c.send(opCompare)),
			app.Button().ID("run").Text("Run").Title("Read this one run in a fresh view").OnClick(c.send(opRun)),
			app.Button().ID("add").Text("Add to comparison").Disabled(full || c.Irunning).Title(addTitle).OnClick(c.send(opAdd)),
			app.Button().ID("hops-run").Text("hop by hop").Disabled(upstream || c.Irunning).
				Title("Run this request through every hop the server offers — direct, Go's reverse proxy, gzip middleware, nginx, each -upstream — one after the other, one lane each").OnClick(c.send(opHops)),
			app.Button().ID("stop").Text("Stop").Disabled(!c.Irunning).OnClick(c.send(opStop)),
			app.Button().ID("clear").Text("Clear").Disabled(c.Ilanes == 0).Title("Empty the view (runs() keeps every run)").OnClick(c.send(opClear)),
			app.Label().Body(
				app.Span().Text("align lanes at"),
				app.Select().ID("align").Body(
					app.Option().Value(scene.AlignStart).Text("request start").Selected(c.Ialign != scene.AlignFirstByte && c.Ialign != scene.AlignPage),
					app.Option().Value(scene.AlignFirstByte).Text("first byte").Selected(c.Ialign == scene.AlignFirstByte),
					app.Option().Value(scene.AlignPage).Text("page time").Selected(c.Ialign == scene.AlignPage), // each lane where its request started on its page (requests.go)
				).OnChange(c.onAlign),
			),
		),
		app.If(upstream, app.P().ID("upstream-note").Class("note wide").Text(
			"An upstream URL is read as it is: scenario, rows, delay, per and pad shape this server's scenarios only, so they are off. Clear the URL to use them.")),
		app.If(c.Iproblem != "", app.P().ID("run-problem").Class("error wide").Text(c.Iproblem)),
	)
}
