package ui

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/browser"
	"chunkscope/app/keep"
	"chunkscope/app/record"
	"chunkscope/app/runner"
	"chunkscope/app/scene"
	"chunkscope/app/talk"
)

// Talk is talk mode (/talk, /talk/N, /talk?step=N): one step of a deck on a
// projector — its title, lines, the view's chart and its key figures. Keys
// and an embedding page's messages arrive as commands (web/talk.js); every
// change of state happens in ctx.Dispatch. Moving between steps navigates,
// so the browser's back and forward walk the steps.
type Talk struct {
	app.Compo

	deck     talk.Deck
	deckName string
	fileName string // the file the deck came from (deckName "file")
	recName  string // the file the recording came from, "" for the shipped one
	offline  bool   // the server did not answer (web/talkstore.js's probe)
	print    bool   // ?print=1: every step as a page (talkprint.go)
	loading  string // the deck being fetched
	step     int    // 0-based
	theme    string
	embed    bool
	problem  string // one sentence: a refused file, a failed run, a missing recording
	typing   string // "g 1" while a jump is typed
	blank    bool
	help     bool
	speed    float64
	runs     runner.Runner
	live     bool // the runner's view is this step's live run
	reported bool // its summary was posted

	rec      *talk.Recording // the deck's recording: each step's runs
	recAt    string
	recFrom  string // the deck the recording is for
	replay   *talkReplay
	replayOf string // "recorded" or "live"
	gen      int

	stage talkStage // the clicker's state: what each step played, the title slide, the overview
}

// talkReplay is a replay under way: keep's timeline, its position.
type talkReplay struct {
	tl    *keep.Replay
	shown []*record.Run
	pos   float64
	last  time.Time
}

// noIsolation says which memory figure a page that is not cross-origin
// isolated (embedded in another site's page) cannot show.
const noIsolation = "the browser's whole-page memory (measureUserAgentSpecificMemory) is unavailable"

// talkChartBox holds the chart: its height is what the scene must fit.
const talkChartBox = "talk-chartbox"

// OnMount hooks the page to web/talk.js and window.chunkscope.
func (t *Talk) OnMount(ctx app.Context) {
	t.speed = 1
	t.resetStage()
	t.runs.Draw = t.paint
	t.runs.Render = t.Update
	if !app.IsClient {
		return
	}
	browser.Expose(browser.API{RunsJSON: t.runs.Store().JSON, Count: t.runs.Store().Len, SceneJSON: sceneJSON,
		BenchFrame: func(int, int) string { return "null" }})
	browser.ExposeTalk(browser.Talk{
		Command: func(cmd, arg string) { ctx.Dispatch(func(ctx app.Context) { t.command(ctx, cmd, arg) }) },
		File: func(text, name string, size int) {
			ctx.Dispatch(func(ctx app.Context) { t.loadFile(ctx, text, name, size) })
		},
	})
	// An embedding page learns whether the whole-page memory figure can be
	// offered: inside another site's frame the page is not cross-origin
	// isolated.
	ready := `{"isolated":true}`
	if !browser.Isolated() {
		ready = `{"isolated":false,"unavailable":` + strconv.Quote(noIsolation) + `}`
	}
	browser.TalkPost("ready", ready)
	t.restoreKept(ctx)
}

var talkPath = regexp.MustCompile(`^/talk/([0-9]+)$`)

// OnNav reads the step, the deck, the theme and embed from the URL.
func (t *Talk) OnNav(ctx app.Context) {
	u := ctx.Page().URL()
	q := u.Query()
	n := 1
	if m := talkPath.FindStringSubmatch(u.Path); m != nil {
		n, _ = strconv.Atoi(m[1])
	} else if s := q.Get("step"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	t.theme = talk.ThemeNamed(q.Get("t")).Name
	t.embed = q.Get("embed") == "1"
	t.print = q.Get("print") == "1"
	name := q.Get("deck")
	if name == "" {
		name = "streaming"
	}
	if name != t.deckName && name != t.loading && t.deckName != "file" {
		t.loadDeck(ctx, name)
	}
	if len(t.deck.Steps) > 0 {
		n = max(0, min(n, len(t.deck.Steps)))
	}
	if n == 0 {
		t.showTitle()
	} else {
		t.arrive(ctx, n-1)
	}
	t.paint()
	// On the first load the canvas is rendered only after this: paint it
	// then too.
	ctx.Defer(func(app.Context) { t.paint() })
}

// loadDeck shows the shipped deck: Streaming, or web/decks/NAME.json.
func (t *Talk) loadDeck(ctx app.Context, name string) {
	if !regexp.MustCompile(`^[a-z0-9-]{1,40}$`).MatchString(name) {
		t.problem = "deck=" + strconv.Quote(name) + " is not a deck name (letters, digits and - only)."
		name = "streaming"
	}
	t.loadRecording(ctx, name)
	if name == "streaming" {
		t.deck, t.deckName = talk.Streaming(), name
		return
	}
	if !app.IsClient {
		return
	}
	t.loading = name
	ctx.Async(func() {
		status, text, err := browser.FetchText("/web/decks/" + name + ".json")
		ctx.Dispatch(func(ctx app.Context) {
			t.loading = ""
			var d talk.Deck
			switch {
			case err != nil:
				t.problem = "The deck " + name + " could not be fetched: " + err.Error()
			case status == 404:
				t.problem = "There is no deck named " + name + " in this chunkscope (web/decks/" + name + ".json)."
			default:
				if d, err = talk.Decode([]byte(text)); err != nil {
					t.problem = err.Error()
				}
			}
			if err != nil || status == 404 {
				if len(t.deck.Steps) == 0 {
					t.deck, t.deckName = talk.Streaming(), "streaming"
				}
				return
			}
			t.deck, t.deckName = d, name
			step, title := min(t.step, len(d.Steps)-1), t.stage.title
			t.resetStage()
			if title {
				t.showTitle()
			} else {
				t.arrive(ctx, step)
			}
			t.announce()
			t.paint()
		})
	})
}

// loadRecording fetches web/decks/NAME.recorded.json (make talk-record): a
// session file of keep's schema, decoded by keep's decoder.
func (t *Talk) loadRecording(ctx app.Context, name string) {
	if !app.IsClient || t.recFrom == name {
		return
	}
	t.recFrom = name
	ctx.Async(func() {
		status, text, err := browser.FetchText("/web/decks/" + name + ".recorded.json")
		if err != nil || status != 200 {
			return // r says so when pressed
		}
		rec, err := talk.DecodeRecording([]byte(text))
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				t.problem = "The deck's recording is refused: " + err.Error()
				return
			}
			if t.recName == "" && t.deckName != "file" { // a file's deck or recording stays
				t.setRecording(rec)
				t.playIfOffline(ctx)
			}
		})
	})
}

// setRecording takes a recording (talk.Recording finds a step's runs).
func (t *Talk) setRecording(rec *talk.Recording) {
	t.rec, t.recAt = rec, rec.At
}

// loadFile takes a file picked or dropped: a deck, or a recording. A file
// over keep.MaxBytes reaches it unread (size, text empty): refused by its
// size, not as an empty deck.
func (t *Talk) loadFile(ctx app.Context, text, name string, size int) {
	if size > keep.MaxBytes {
		t.problem = name + ": " + keep.TooBig(size, false).Error()
		return
	}
	if strings.Contains(text, `"chunkscope-session"`) {
		rec, err := talk.DecodeRecording([]byte(text))
		if err != nil {
			t.problem = name + ": " + err.Error()
			return
		}
		t.setRecording(rec)
		t.recName = name
		keepFile("recording", name, text, t.deckKey())
		t.problem = ""
		t.announce()
		return
	}
	d, err := talk.Decode([]byte(text))
	if err != nil {
		t.problem = name + ": " + err.Error()
		return
	}
	t.problem, t.deck, t.deckName, t.rec = "", d, "file", nil
	t.fileName, t.recName = name, ""
	keepFile("deck", name, text, "")
	t.resetStage()
	t.arrive(ctx, 0)
	ctx.Navigate(t.stepURL(0))
}

// leaveStep stops what the step was showing.
func (t *Talk) leaveStep() {
	t.runs.Clear()
	t.live, t.reported, t.replay = false, false, nil
	t.stage.played, t.stage.still, t.stage.started, t.stage.overview = false, nil, nil, false
	t.gen++
}

// command does what a key, the notes window or the embedding page asked.
func (t *Talk) command(ctx app.Context, cmd, arg string) {
	if len(t.deck.Steps) == 0 {
		return
	}
	switch cmd {
	case "advance":
		t.next(ctx)
	case "next":
		if t.stage.title {
			t.goTo(ctx, 0)
		} else {
			t.goTo(ctx, t.step+1)
		}
	case "prev":
		t.prev(ctx)
	case "step":
		n, err := strconv.Atoi(arg)
		if arg == "last" {
			n, err = len(t.deck.Steps), nil
		}
		if err != nil || n < 1 || n > len(t.deck.Steps) {
			t.problem = "There is no step " + arg + ": this deck has steps 1 to " + strconv.Itoa(len(t.deck.Steps)) + "."
			return
		}
		t.goTo(ctx, n-1)
	case "run":
		t.run(ctx)
	case "replay":
		t.playRecorded(ctx)
	case "slow":
		t.slow(ctx)
	case "blank":
		t.blank = !t.blank
	case "theme":
		for i, th := range talk.Themes {
			if th.Name == t.theme {
				t.theme = talk.Themes[(i+1)%len(talk.Themes)].Name
				break
			}
		}
		u, _ := url.Parse(t.stepURL(t.step))
		ctx.Page().ReplaceURL(u)
		t.paint()
	case "help":
		t.help = !t.help
	case "escape":
		if !t.help && !t.blank {
			t.stage.overview = !t.stage.overview
		}
		t.help, t.blank = false, false
	case "typing":
		t.typing = arg
	case "problem":
		t.problem = arg
	case "fonts":
		t.paint()
	default:
		t.keptCommand(ctx, cmd, arg)
	}
	// What the command changed may move the chart's box: draw it again
	// once the page is laid out.
	ctx.Defer(func(app.Context) { t.paint() })
}

// goTo navigates to step i (0-based): a new history entry.
func (t *Talk) goTo(ctx app.Context, i int) {
	if i < 0 || i >= len(t.deck.Steps) || i == t.step && !t.stage.title {
		return
	}
	t.problem = ""
	t.arrive(ctx, i)
	ctx.Navigate(t.stepURL(i))
}

// stepURL is step i's address, with the deck, theme and embed kept.
func (t *Talk) stepURL(i int) string {
	q := url.Values{}
	if t.deckName != "streaming" && t.deckName != "file" && t.deckName != "" {
		q.Set("deck", t.deckName)
	}
	if t.theme != "" && t.theme != "light" {
		q.Set("t", t.theme)
	}
	if t.embed {
		q.Set("embed", "1")
	}
	u := "/talk/" + strconv.Itoa(i+1)
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

// plans are the step's runs.
func (t *Talk) plans() ([]runner.Plan, error) {
	v := t.deck.Steps[t.step].View
	s, err := v.Spec()
	if err != nil {
		return nil, err
	}
	read := v.Read
	if read == "" {
		read = runner.ReadAuto
	}
	out := make([]runner.Plan, 0, v.Lanes())
	for _, name := range v.Scenarios {
		out = append(out, runner.Plan{Scenario: name, Spec: s, Read: read, Wire: v.Wire})
	}
	for _, u := range v.Upstreams { // through /upstream: the server's allowlist decides
		out = append(out, runner.Plan{Upstream: u.URL, Hop: u.Label, Spec: s, Read: read, Wire: v.Wire})
	}
	return out, nil
}

// run reads the step's view live (again).
func (t *Talk) run(ctx app.Context) {
	plans, err := t.plans()
	if err == nil {
		t.replay, t.stage.still = nil, nil
		t.gen++
		err = t.runs.Start(talkHost{ctx, t}, plans)
	}
	if err != nil {
		t.problem = err.Error()
		return
	}
	t.problem, t.live, t.reported = "", true, false
	t.watch(ctx)
	t.announce()
}

// talkHost is the runner's host: after each change it looks whether the
// live run ended, to post its summary or fall back to the recording.
type talkHost struct {
	ctx app.Context
	t   *Talk
}

func (h talkHost) Async(f func()) { h.ctx.Async(f) }
func (h talkHost) Dispatch(f func()) {
	h.ctx.Dispatch(func(ctx app.Context) { f(); h.t.afterRun(ctx); ctx.Defer(func(app.Context) { h.t.paint() }) })
}
func (h talkHost) Next(f func()) {
	h.ctx.Dispatcher().Dispatch(app.Dispatch{Mode: app.Next, Source: h.ctx.Src(), Function: func(app.Context) { f() }})
}

// afterRun posts a finished live run's summary, and replays the recording
// when the live run failed.
func (t *Talk) afterRun(ctx app.Context) {
	t.markStarted()
	if !t.live || t.reported || t.runs.Running {
		return
	}
	t.reported = true
	failed := ""
	for _, r := range t.runs.View {
		b, _ := json.Marshal(map[string]any{"step": t.step + 1, "scenario": r.Scenario, "status": r.Status, "ttfbMs": r.TTFBMs,
			"totalMs": r.TotalMs, "bytes": r.Bytes, "verdict": r.Verdict.Kind, "serverPeakGrowth": r.ServerPeakGrowth,
			"clientPeakGrowth": r.ClientPeakGrowth, "error": r.Error})
		browser.TalkPost("run", string(b))
		if r.Error != "" && failed == "" {
			// The cause, not the request's address: one line on a projector.
			e := r.Error
			if i := strings.LastIndex(e, ": "); i >= 0 {
				e = e[i+2:]
			}
			failed = r.Scenario + ": " + e
		}
		if r.Status >= 400 && failed == "" {
			failed = r.Scenario + ": the server answered " + strconv.Itoa(r.Status)
		}
	}
	if failed != "" {
		t.problem = "The live run failed (" + failed + ")."
		if t.recorded() != nil {
			t.playRecorded(ctx)
			t.problem = "The live run failed (" + failed + "): showing the recording."
		}
	} else {
		t.keepShown(t.runs.View, "live")
	}
	t.announce()
}

// recorded is the step's runs in the recording, nil when one is missing.
func (t *Talk) recorded() []*record.Run {
	return t.rec.For(t.step, t.deck.Steps[t.step].View)
}

// playRecorded replays the step's recorded runs at the slow-motion speed.
func (t *Talk) playRecorded(ctx app.Context) {
	runs := t.recorded()
	if runs == nil {
		t.problem = "This step has no recorded run: record the deck with make talk-record, or drop its recording here."
		return
	}
	t.runs.Stop()
	t.live = false
	t.problem = ""
	t.startReplay(ctx, runs, "recorded")
	t.announce()
}

// slow cycles the slow motion (1×, 0.25×, 0.1×) and replays what the step
// shows at that speed.
func (t *Talk) slow(ctx app.Context) {
	switch t.speed {
	case 1:
		t.speed = 0.25
	case 0.25:
		t.speed = 0.1
	default:
		t.speed = 1
	}
	switch {
	case t.replay != nil && t.replayOf == "recorded":
		t.startReplay(ctx, t.recorded(), "recorded")
	case len(t.runs.View) > 0 && !t.runs.Running:
		t.startReplay(ctx, t.runs.View, "live")
	}
	t.announce()
}

// startReplay plays runs from their start (keep's replay timeline).
func (t *Talk) startReplay(ctx app.Context, runs []*record.Run, of string) {
	tl := keep.NewReplay(runs, 0)
	t.replay, t.replayOf, t.stage.still = &talkReplay{tl: tl, shown: tl.At(0), last: time.Now()}, of, nil
	t.gen++
	gen := t.gen
	t.paint()
	ctx.Async(func() {
		for {
			time.Sleep(frameEvery)
			more := make(chan bool, 1)
			ctx.Dispatch(func(ctx app.Context) {
				more <- t.advance(gen)
				ctx.Defer(func(app.Context) { t.paint() })
			})
			if !<-more {
				return
			}
		}
	})
}

// advance moves the replay to now; false when it is over.
func (t *Talk) advance(gen int) bool {
	r := t.replay
	if r == nil || t.gen != gen {
		return false
	}
	now := time.Now()
	r.pos += float64(now.Sub(r.last)) / float64(time.Millisecond) * t.speed
	r.last = now
	done := r.pos >= r.tl.Duration()
	if done {
		r.shown = r.tl.At(r.tl.End())
		t.keepShown(r.shown, t.replayOf)
	} else {
		r.shown = r.tl.At(r.tl.RunTime(r.pos))
	}
	t.paint()
	return !done
}

// shown is what the chart and the figures draw.
func (t *Talk) shown() []*record.Run {
	if t.replay != nil {
		return t.replay.shown
	}
	if t.stage.still != nil {
		return t.stage.still.runs
	}
	return t.runs.View
}

// status is the line under the chart: live or recorded, the speed.
func (t *Talk) status() string {
	var parts []string
	switch {
	case t.replay != nil && t.replayOf == "recorded", t.stage.still != nil && t.stage.still.of == "recorded":
		parts = append(parts, "recorded "+t.recAt)
	case t.stage.still != nil:
		parts = append(parts, "live, played before")
	case t.replay != nil:
		parts = append(parts, "replay of the live run")
	case t.runs.Running:
		parts = append(parts, "live: reading…")
	case t.live:
		parts = append(parts, "live")
	default:
		parts = append(parts, "PageDown: play · r: recorded")
	}
	if t.speed != 1 {
		parts = append(parts, "×"+keep.FormatSpeed(t.speed)+" slow motion")
	}
	if t.offline {
		parts = append(parts, "server down")
	}
	return strings.Join(parts, " · ")
}

// announce posts the step to the notes window (and the embedding page).
func (t *Talk) announce() {
	if len(t.deck.Steps) == 0 {
		return
	}
	s, n, next, nextLines := t.deck.Steps[t.step], t.step+1, "", []string{}
	if t.stage.title {
		s, n = talk.Step{Title: t.deck.Title, Notes: t.deck.Author}, 0
	}
	if n < len(t.deck.Steps) {
		next, nextLines = t.deck.Steps[n].Title, t.deck.Steps[n].Lines
	}
	b, _ := json.Marshal(map[string]any{"step": n, "steps": len(t.deck.Steps), "title": s.Title, "notes": s.Notes,
		"next": next, "nextLines": nextLines, "status": t.status(), "theme": t.theme})
	browser.TalkPost("state", string(b))
}

// talkLabel is the chart's type size at 1280 px wide, in CSS pixels: the
// body text's.
const talkLabel = 28

// talkZoom is the chart's scale: every chart text is 13 layout units (the
// painter's talk fonts), painted talkLabel px large at 1280 px wide and
// growing with the screen as the body text does (2.2vw).
func talkZoom() float64 { return talkLabel / 13.0 * max(1, browser.ViewportWidth()/1280) }

// paint draws the step's chart for the canvas's size and the theme.
func (t *Talk) paint() {
	if !app.IsClient || len(t.deck.Steps) == 0 || t.print || t.stage.title {
		return
	}
	v := t.deck.Steps[t.step].View
	runs := t.shown()
	canvas := browser.Canvas{ID: chartID}
	o := scene.Options{Width: canvas.Width(), Align: v.Align, Zoom: talkZoom(), Fit: browser.Height(talkChartBox) - 4, NoMemory: !v.Memory, Compact: true}
	// The replay's speed is on the status line: no note on the chart.
	lanes := t.lanes(runs)
	sc := scene.Build(lanes, o)
	for i := 0; i < 4 && sc.H*o.Zoom > o.Fit+1 && o.Zoom > 1; i++ {
		// Too many lanes for the screen at the talk's type size (8 lanes
		// on 720 px): the chart's type shrinks until it fits.
		o.Zoom = max(1, o.Zoom*o.Fit/(sc.H*o.Zoom))
		sc = scene.Build(lanes, o)
	}
	scene.Recolor(&sc, talk.ThemeNamed(t.theme).Chart())
	canvas.Paint(sc)
	painted.Store(&shown{Options: o, Scene: sc})
}

// OnResize lays the chart out again for the new size.
func (t *Talk) OnResize(ctx app.Context) { t.paint() }

// OnUpdate repaints after a render (the chart box may have changed size).
func (t *Talk) OnUpdate(ctx app.Context) { t.paint() }

// Render draws the step.
func (t *Talk) Render() app.UI {
	class := "talk theme-" + t.theme
	if t.embed {
		class += " embed"
	}
	if len(t.deck.Steps) == 0 {
		return app.Div().Class(class).Body(app.H1().Class("talk-title").Text("Loading the deck…"),
			app.If(t.problem != "", app.P().ID("talk-error").Class("talk-error").Text(t.problem)))
	}
	if t.print {
		return t.printView()
	}
	if t.stage.title {
		return t.renderTitle(class)
	}
	s := t.deck.Steps[t.step]
	runs := t.shown()
	statusClass := "talk-status"
	if t.replay != nil && t.replayOf == "recorded" || t.stage.still != nil && t.stage.still.of == "recorded" {
		statusClass += " recorded"
	}
	claim, held := t.claimLine()
	played := t.replay != nil && t.replay.pos >= t.replay.tl.Duration() || t.stage.still != nil
	return app.Div().ID("talk").Class(class).DataSet("step", t.step+1).DataSet("steps", len(t.deck.Steps)).
		DataSet("theme", t.theme).DataSet("recorded", t.recAt).DataSet("played", played).DataSet("blank", t.blank).DataSet("speed", keep.FormatSpeed(t.speed)).Body(
		app.Div().Class("talk-head").Body(
			app.H1().ID("talk-title").Class("talk-title").Text(s.Title),
			app.Span().ID("talk-count").Class("talk-count").Text(strconv.Itoa(t.step+1)+" / "+strconv.Itoa(len(t.deck.Steps))),
		),
		app.Ul().Class("talk-lines").Body(app.Range(s.Lines).Slice(func(i int) app.UI {
			return app.Li().Class("talk-line").Text(s.Lines[i])
		})),
		// The chart takes what the other rows leave; it clips rather than
		// paint over them.
		app.Div().ID(talkChartBox).Class("talk-chartbox").Body(
			app.Canvas().ID(chartID).Class("talk-chart").DataSet("font", `"Talk Sans", "DejaVu Sans", sans-serif`),
		),
		newTalkFigures().Runs(runs).Memory(s.View.Memory).Version(t.runs.Version).Frame(t.replay),
		// Sentences below the figures, never on the chart: a problem, the
		// isolation note, the claim and the state.
		app.If(t.problem != "", app.P().ID("talk-error").Class("talk-error").Text(t.problem)),
		app.If(t.embed && !browser.Isolated() && s.View.Memory,
			app.P().ID("talk-isolation").Class("talk-hint").Text("Embedded without cross-origin isolation: "+noIsolation+"; the page's own heap is shown.")),
		app.Div().Class("talk-bar").Body(
			app.If(claim != "", app.P().ID("talk-claim").Class("talk-claim").DataSet("held", held).Text(claim)),
			app.P().ID("talk-status").Class(statusClass).Text(t.status()),
			app.Div().Class("talk-foot").Body(
				app.Span().ID("talk-typing").Text(t.typing),
				// A deck or recording from a file: its name, and the way
				// back to the built-in deck (talkoffline.go).
				app.If(t.deckLabel() != "", t.talkOpenLabel()),
				app.Input().ID("keep-file").Type("file").Accept(".json,application/json"),
			),
		),
		app.If(t.blank, app.Div().ID("talk-blank").Class("talk-blank")),
		app.If(t.stage.overview, t.renderOverview()),
		app.If(t.help, newTalkHelp()),
	)
}
