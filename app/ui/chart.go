package ui

import (
	"encoding/json"
	"sync/atomic"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/browser"
	"chunkscope/app/keep"
	"chunkscope/app/record"
	"chunkscope/app/scene"
)

// chartID is the canvas the runs are drawn on.
const chartID = "chart"

// chart is the canvas. It paints when it is mounted, when the page hands it
// other runs or another alignment, and on resize. A change inside a record
// is not its cue: the runner repaints (paintChart) as records change, every
// 100 ms at most while a body is read — painting again at every re-render
// as well cost the reader a tenth of its throughput (make bench).
type chart struct {
	app.Compo

	Iruns  []*record.Run
	Ialign string
	Inote  *note // a replay's speed and gaps; nil when live
}

// note is what a replay adds to the chart (keep.Notes).
type note struct {
	Speed float64
	Gaps  []keep.Gap
}

func newChart() *chart { return &chart{} }

func (c *chart) Runs(r []*record.Run) *chart { c.Iruns = r; return c }
func (c *chart) Align(a string) *chart       { c.Ialign = a; return c }
func (c *chart) Note(n *note) *chart         { c.Inote = n; return c }
func (c *chart) OnMount(ctx app.Context)     { c.paint() }
func (c *chart) OnUpdate(ctx app.Context)    { c.paint() }
func (c *chart) OnResize(ctx app.Context)    { c.paint() }

func (c *chart) paint() {
	if app.IsClient {
		paintChart(c.Iruns, c.Ialign, c.Inote)
	}
}

func (c *chart) Render() app.UI {
	return app.Canvas().ID(chartID).Class("chart")
}

// paintChart lays the runs out (app/scene: from the records alone) for the
// canvas's width and paints them. The last scene painted is kept for
// window.chunkscope.scene(). A replay's notes (its speed, its shortened
// gaps) are drawn over the scene, after every primitive of the live one.
func paintChart(runs []*record.Run, align string, n *note) {
	canvas := browser.Canvas{ID: chartID}
	o := scene.Options{Width: canvas.Width(), Align: align}
	if align == scene.AlignPage {
		o.PageStartMs = pageStarts(runs) // requests.go
	}
	sc := scene.Build(scene.Lanes(runs), o)
	if n != nil {
		keep.Notes(&sc, n.Speed, n.Gaps)
	}
	canvas.Paint(sc)
	painted.Store(&shown{Options: o, Scene: sc})
}

// shown is a painted scene and what it was laid out for.
type shown struct {
	Options scene.Options `json:"options"`
	Scene   scene.Scene   `json:"scene"`
}

// painted is the last scene painted. window.chunkscope.scene() reads it on
// the browser's event loop, not on go-app's UI goroutine.
var painted atomic.Pointer[shown]

// sceneJSON is the last painted scene and its options, as JSON: what a
// test rebuilds from runs() alone, and compares.
func sceneJSON() string {
	s := painted.Load()
	if s == nil {
		return "null"
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "null"
	}
	return string(b)
}
