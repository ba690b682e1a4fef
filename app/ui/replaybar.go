package ui

import (
	"strconv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/keep"
	"chunkscope/app/record"
)

// replaybar plays the view's runs again as they arrived: at a speed (the
// chart always says which), paused, scrubbed, or read by read, with idle
// gaps longer than a threshold shortened. Keys while a replay is under way
// (and no field has the focus): Space pause/resume, → and ← a read forward
// or back, + and − the speed, Home the start, Esc back to the live view.
type replaybar struct {
	app.Compo

	Iactive  bool
	Iplaying bool
	Idisable bool
	Ispeed   float64
	IgapMs   float64
	Ipos     int // 0…scrubSteps
	Istep    int
	Ireads   int
	Iat      float64 // ms on the runs' clock
	Iend     float64
}

func newReplaybar() *replaybar { return &replaybar{} }

func (b *replaybar) Active(v bool) *replaybar     { b.Iactive = v; return b }
func (b *replaybar) Playing(v bool) *replaybar    { b.Iplaying = v; return b }
func (b *replaybar) Disabled(v bool) *replaybar   { b.Idisable = v; return b }
func (b *replaybar) Speed(v float64) *replaybar   { b.Ispeed = v; return b }
func (b *replaybar) GapMs(v float64) *replaybar   { b.IgapMs = v; return b }
func (b *replaybar) Pos(v int) *replaybar         { b.Ipos = v; return b }
func (b *replaybar) Step(k, n int) *replaybar     { b.Istep, b.Ireads = k, n; return b }
func (b *replaybar) At(t, end float64) *replaybar { b.Iat, b.Iend = t, end; return b }

func (b *replaybar) onValue(op string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		ctx.NewActionWithValue(actionName, act{Op: op, Arg: ctx.JSSrc().Get("value").String()})
	}
}

func (b *replaybar) Render() app.UI {
	state := "off"
	switch {
	case b.Iactive && b.Iplaying:
		state = "playing"
	case b.Iactive && b.Ipos >= scrubSteps:
		state = "ended"
	case b.Iactive:
		state = "paused"
	}
	pause := "Pause"
	if !b.Iplaying {
		pause = "Resume"
		if state == "ended" {
			pause = "Again"
		}
	}
	gaps := []float64{0, 250, 500, 1000, 2000}
	return app.Section().ID("replay").Class("replay").DataSet("state", state).DataSet("step", b.Istep).DataSet("reads", b.Ireads).Body(
		app.Button().ID("replay-start").Text("Replay").Disabled(b.Idisable).
			Title("Play the view's runs again as they arrived, at the speed chosen").OnClick(sendAct(opReplay, "")),
		app.Label().Class("inline").Body(app.Span().Text("speed"),
			app.Select().ID("replay-speed").Body(
				app.Range(keep.Speeds).Slice(func(i int) app.UI {
					s := keep.Speeds[i]
					return app.Option().Value(keep.FormatSpeed(s)).Text("×" + keep.FormatSpeed(s)).Selected(s == b.Ispeed)
				}),
			).OnChange(b.onValue(opReplaySpeed))),
		app.Label().Class("inline").Body(app.Span().Text("shorten gaps over"),
			app.Select().ID("replay-gaps").Body(
				app.Range(gaps).Slice(func(i int) app.UI {
					text := "never"
					if gaps[i] > 0 {
						text = record.Sec(gaps[i])
					}
					return app.Option().Value(strconv.FormatFloat(gaps[i], 'f', -1, 64)).Text(text).Selected(gaps[i] == b.IgapMs)
				}),
			).OnChange(b.onValue(opReplayGaps))),
		app.If(b.Iactive,
			app.Button().ID("replay-pause").Text(pause).Title("Space").OnClick(sendAct(opReplayPause, "")),
			app.Button().ID("replay-back").Text("◀ read").Title("← : one read back").OnClick(sendAct(opReplayBack, "")),
			app.Button().ID("replay-step").Text("read ▶").Title("→ : one read forward").OnClick(sendAct(opReplayStep, "")),
			app.Input().ID("replay-scrub").Type("range").Min(0).Max(scrubSteps).Value(b.Ipos).OnInput(b.onValue(opReplayScrub)),
			app.Span().ID("replay-pos").Class("pos").Text(
				"read "+strconv.Itoa(b.Istep)+" of "+strconv.Itoa(b.Ireads)+" · "+record.Sec(b.Iat)+" of "+record.Sec(b.Iend)),
			app.Button().ID("replay-close").Text("Back to live").Title("Esc").OnClick(sendAct(opReplayClose, "")),
		),
	)
}
