package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/record"
	"chunkscope/app/scene"
)

// talkStage is what a clicker needs of talk mode: whether the step shown
// has played (the first PageDown plays it, the next goes on), what each
// step showed when it last finished (PageUp shows it again without
// replaying), when each live run began (the wait drawn growing to now),
// the title slide and the overview.
type talkStage struct {
	at       int // the step arrived at (0-based); -1 before any, and on the title slide
	title    bool
	overview bool
	played   bool                 // the step has played, or been tried
	kept     map[int]talkKept     // by step: what it showed when it finished
	still    *talkKept            // a kept result, shown on arrival
	started  map[string]time.Time // live runs of the step: when the page saw each begin
}

// talkKept is a step's finished runs and what they were: "live" or
// "recorded".
type talkKept struct {
	runs []*record.Run
	of   string
}

// waitEvery is how often the chart redraws while a live run is in flight
// and nothing arrives: the time axis and the wait move on screen.
const waitEvery = 100 * time.Millisecond

// next is PageDown (the "advance" command): the title slide goes to step 1; a step that has not
// played plays (live, or its recording when the live run fails); one that
// has goes on.
func (t *Talk) next(ctx app.Context) {
	switch {
	case t.stage.title:
		t.goTo(ctx, 0)
	case !t.hasPlayed():
		t.play(ctx)
	default:
		t.goTo(ctx, t.step+1)
	}
}

// prev is PageUp: the step before, showing what it showed, never replaying;
// from step 1 the title slide.
func (t *Talk) prev(ctx app.Context) {
	switch {
	case t.stage.title:
	case t.step == 0:
		t.problem = ""
		t.showTitle()
		ctx.Navigate(t.titleURL())
	default:
		t.goTo(ctx, t.step-1)
	}
}

// hasPlayed says whether the step shown played, is playing, or shows a
// kept result.
func (t *Talk) hasPlayed() bool {
	return t.stage.played || t.live || t.replay != nil || t.runs.Running || t.stage.still != nil
}

// play runs the step live; afterRun falls back to its recording.
func (t *Talk) play(ctx app.Context) {
	t.stage.played = true
	t.run(ctx)
}

// arrive shows step i (0-based) now, before the navigation's OnNav, so an
// embedding page's "step 5" then "run" runs step 5; OnNav arriving at the
// same step changes nothing. A step arrives with what it showed last, or
// empty; an auto step plays.
func (t *Talk) arrive(ctx app.Context, i int) {
	if i == t.stage.at && !t.stage.title {
		return
	}
	t.step = i // first: leaveStep draws the step shown, which may be of another deck
	t.leaveStep()
	t.stage.title, t.stage.at = false, i
	if k, ok := t.stage.kept[i]; ok {
		t.stage.still = &k
	}
	t.announce()
	if t.stage.still == nil && i < len(t.deck.Steps) && t.deck.Steps[i].Auto {
		t.play(ctx)
	}
}

// showTitle shows the title slide (/talk/0).
func (t *Talk) showTitle() {
	t.leaveStep()
	t.stage.title, t.stage.at = true, -1
	t.announce()
}

// titleURL is the title slide's address.
func (t *Talk) titleURL() string {
	u := t.stepURL(0)
	return "/talk/0" + u[len("/talk/1"):]
}

// resetStage forgets what the steps showed: another deck.
func (t *Talk) resetStage() {
	t.stage = talkStage{at: -1}
}

// keepShown keeps the step's finished runs, for PageUp.
func (t *Talk) keepShown(runs []*record.Run, of string) {
	if len(runs) == 0 {
		return
	}
	if t.stage.kept == nil {
		t.stage.kept = map[int]talkKept{}
	}
	t.stage.kept[t.step] = talkKept{runs: runs, of: of}
}

// watch redraws while the step's live runs are in flight, so a buffered
// run's wait is seconds of an advancing axis and a growing bar.
func (t *Talk) watch(ctx app.Context) {
	gen := t.gen
	t.stage.started = map[string]time.Time{}
	t.markStarted()
	ctx.Async(func() {
		for {
			time.Sleep(waitEvery)
			more := make(chan bool, 1)
			ctx.Dispatch(func(app.Context) {
				on := t.gen == gen && t.runs.Running && t.replay == nil
				if on {
					t.markStarted()
					t.paint()
					ctx.Defer(func(app.Context) { t.paint() })
				}
				more <- on
			})
			if !<-more {
				return
			}
		}
	})
}

// markStarted notes when the run in flight began: the runner reads the
// step's runs one after the other, so it is the first not done.
func (t *Talk) markStarted() {
	if t.stage.started == nil {
		return
	}
	for _, r := range t.runs.View {
		if r.Done {
			continue
		}
		if _, ok := t.stage.started[r.ID]; !ok {
			t.stage.started[r.ID] = time.Now()
		}
		return
	}
}

// lanes are the chart's lanes: a run in flight runs to now — live, or in
// a replay (a recording played runs its lanes to the replay's clock, so the
// wait shows as it did live).
func (t *Talk) lanes(runs []*record.Run) []scene.Lane {
	lanes := scene.Lanes(runs)
	if t.stage.still != nil {
		return lanes
	}
	if r := t.replay; r != nil {
		if r.pos >= r.tl.Duration() {
			return lanes
		}
		now := r.tl.RunTime(r.pos)
		for i, run := range runs {
			if !run.Done {
				lanes[i].NowMs = max(1, now)
			}
		}
		return lanes
	}
	for i, r := range runs {
		if at, ok := t.stage.started[r.ID]; ok && !r.Done {
			lanes[i].NowMs = max(1, float64(time.Since(at))/float64(time.Millisecond))
		}
	}
	return lanes
}

// claimLine is the step's claim as the page shows it, and whether it held
// ("true", "false", or "" before the runs are all in).
func (t *Talk) claimLine() (text, held string) {
	c := t.deck.Steps[t.step].Claim
	if c == nil {
		return "", ""
	}
	runs := t.shown()
	if len(runs) < t.deck.Steps[t.step].View.Lanes() || t.runs.Running && t.replay == nil && t.stage.still == nil {
		return "… " + c.Says, ""
	}
	for _, r := range runs {
		if !r.Done {
			return "… " + c.Says, ""
		}
	}
	ok, shown := c.Check(runs)
	if ok {
		return "✓ " + c.Says, "true"
	}
	return "Not shown this time: " + shown + ".", "false"
}

// renderTitle is the title slide: the deck's title and author.
func (t *Talk) renderTitle(class string) app.UI {
	return app.Div().ID("talk").Class(class+" talk-titleslide").DataSet("step", 0).DataSet("steps", len(t.deck.Steps)).DataSet("theme", t.theme).Body(
		app.H1().ID("talk-title").Class("talk-deck-title").Text(t.deck.Title),
		app.If(t.deck.Author != "", app.P().ID("talk-author").Class("talk-author").Text(t.deck.Author)),
		app.P().Class("talk-begin").Text(strconv.Itoa(len(t.deck.Steps))+" steps · PageDown to begin · Esc: the overview · ? keys"),
		app.If(t.problem != "", app.P().ID("talk-error").Class("talk-error").Text(t.problem)),
		app.Div().Class("talk-foot").Body(
			app.Label().For("keep-file").Text("open a deck or recording"),
			app.Input().ID("keep-file").Type("file").Accept(".json,application/json"),
		),
		app.If(t.stage.overview, t.renderOverview()),
		app.If(t.help, newTalkHelp()),
	)
}

// renderOverview is Esc's list of the steps, each a link; the step shown
// is marked.
func (t *Talk) renderOverview() app.UI {
	return app.Div().ID("talk-overview").Class("talk-overview").Body(
		app.H2().Text(t.deck.Title),
		app.Ol().Body(app.Range(t.deck.Steps).Slice(func(i int) app.UI {
			class := "talk-ov-step"
			if i == t.step && !t.stage.title {
				class += " current"
			}
			if _, ok := t.stage.kept[i]; ok {
				class += " played"
			}
			return app.Li().Class(class).Body(app.A().Href(t.stepURL(i)).Text(t.deck.Steps[i].Title))
		})),
	)
}
