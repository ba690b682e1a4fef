package ui

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/record"
)

// earlier lists the finished runs of this page load that are not in the
// view, so this morning's run can be put back beside this afternoon's.
type earlier struct {
	app.Compo

	Iruns    []*record.Run
	Ifull    bool
	Irunning bool
	chosen   string
}

func newEarlier() *earlier { return &earlier{} }

func (e *earlier) Runs(r []*record.Run) *earlier { e.Iruns = r; return e }
func (e *earlier) Full(f bool) *earlier          { e.Ifull = f; return e }
func (e *earlier) Running(v bool) *earlier       { e.Irunning = v; return e }

func (e *earlier) onPutBack(ctx app.Context, ev app.Event) {
	id := e.chosen
	if id == "" && len(e.Iruns) > 0 {
		id = e.Iruns[0].ID
	}
	e.chosen = ""
	ctx.NewActionWithValue(actionName, act{Op: opPutBack, Arg: id})
}

func (e *earlier) Render() app.UI {
	if len(e.Iruns) == 0 {
		return app.Div().ID("earlier").Class("empty")
	}
	return app.Div().ID("earlier").Class("earlier").Body(
		app.Label().Class("inline").Body(
			app.Span().Text("earlier runs of this page"),
			app.Select().ID("earlier-run").Body(
				app.Range(e.Iruns).Slice(func(i int) app.UI {
					r := e.Iruns[i]
					return app.Option().Value(r.ID).Text(r.Label() + " — " + r.Verdict.Kind + " — " + timeOfDay(r) + " (" + r.ID + ")")
				}),
			).OnChange(e.ValueTo(&e.chosen)),
		),
		app.Button().ID("put-back").Text("Put back into the view").Disabled(e.Ifull || e.Irunning).OnClick(e.onPutBack),
	)
}
