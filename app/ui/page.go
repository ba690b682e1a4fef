package ui

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/browser"
	"chunkscope/app/keep"
	"chunkscope/app/record"
	"chunkscope/app/runner"
	"chunkscope/app/scene"
	"chunkscope/app/spec"
)

// actionName is the action the page's components send it: what a person
// asked for (see act).
const actionName = "chunkscope"

// act is an action's value: an operation and, for remove and put-back, a
// run id; for align, the mode.
type act struct {
	Op  string
	Arg string
}

// Operations of act.
const (
	opRun     = "run"     // read the form's run alone
	opCompare = "compare" // read buffered then streaming
	opAdd     = "add"     // add the form's run to the view
	opStop    = "stop"
	opClear   = "clear"
	opRemove  = "remove"  // Arg: a run id
	opPutBack = "putback" // Arg: a run id
	opAlign   = "align"   // Arg: scene.AlignStart or scene.AlignFirstByte
	opHops    = "hops"    // run the form's request through every hop (hops.go)
	opForm    = "form"    // a body field changed: render again (the empty state names the body)
	opChain   = "chain"   // read the chain the form names (chain.go)
)

// Page is chunkscope's one page. It holds the form and the view's
// settings; the runs are the runner's; its children render from both:
// controls, chart, comparison table, run cards, scenario explanations.
type Page struct {
	app.Compo

	form    form
	formErr string
	align   string
	runs    runner.Runner
	hop     hopView // the hop-by-hop comparison, when the view is one
	chain   chainJSON
	// memSources says which client memory figures this browser offers.
	memSources string

	// Keeping runs (keep.go): what the last load did or why it was
	// refused, the export scale, and the replay.
	keepErr   string
	keepNote  string
	keepAdded int
	skipped   []keep.Skipped
	scale     float64
	speed     float64
	gapMs     float64
	replay    *replaying
	replayGen int
}

// host adapts go-app's context to the runner's Host.
type host struct{ ctx app.Context }

func (h host) Async(f func())    { h.ctx.Async(f) }
func (h host) Dispatch(f func()) { h.ctx.Dispatch(func(app.Context) { f() }) }
func (h host) Next(f func()) {
	h.ctx.Dispatcher().Dispatch(app.Dispatch{Mode: app.Next, Source: h.ctx.Src(), Function: func(app.Context) { f() }})
}

// OnMount installs window.chunkscope and the page's action handler.
func (p *Page) OnMount(ctx app.Context) {
	p.runs.Draw = p.paint
	p.runs.Render = p.Update
	p.scale, p.speed = 1, 1
	ctx.Handle(actionName, p.onAction)
	if !app.IsClient {
		return
	}
	browser.Expose(browser.API{RunsJSON: p.runs.Store().JSON, Count: p.runs.Store().Len, SceneJSON: sceneJSON, BenchFrame: p.benchFrame, ChainJSON: p.chain.get})
	p.exposeKeep(ctx)
	app.Window().AddEventListener("keydown", p.onKey)
	p.memSources = browser.MemorySources()
}

// OnNav reads the state from the URL and, with autorun=1, starts the runs.
func (p *Page) OnNav(ctx app.Context) {
	q, err := linkQuery(ctx.Page().URL().RawQuery)
	v, autorun, f, perr := parseURL(q)
	p.form = f
	if err == nil {
		err = perr
	}
	if err != nil {
		p.formErr = "This link's parameters are wrong: " + err.Error()
		return
	}
	p.align = v.Align
	if autorun && app.IsClient && len(v.Chain) > 0 {
		if err := p.startChain(ctx, v.Chain); err != nil {
			p.formErr = err.Error()
		}
		return
	}
	if autorun && app.IsClient && v.Hops {
		if err := p.startHops(ctx); err != nil {
			p.formErr = err.Error()
		}
		return
	}
	if autorun && app.IsClient {
		if err := p.runs.Start(host{ctx}, v.plans()); err != nil {
			p.formErr = err.Error()
		}
	}
}

// OnResize redraws the chart at the new width (a projector, a split
// screen): otherwise the browser would stretch the old drawing.
func (p *Page) OnResize(ctx app.Context) { p.paint() }

// OnAppUpdate reloads into a freshly built page, unless a run would be cut.
func (p *Page) OnAppUpdate(ctx app.Context) {
	if !p.runs.Running {
		ctx.Reload()
	}
}

// onAction does what a component asked for, on the UI goroutine. A
// refusal is one sentence in #form-error; nothing already shown is lost.
func (p *Page) onAction(ctx app.Context, a app.Action) {
	do, _ := a.Value.(act)
	if do.Op == opForm {
		return
	}
	if p.keepAction(ctx, do) {
		return
	}
	p.formErr = ""
	if do.Op != opAlign {
		p.stopReplay() // the view changes under it
	}
	switch do.Op {
	case opAlign, opStop, opRemove:
	default:
		p.hop.Active = false // another view replaces the hops'
	}
	var err error
	switch do.Op {
	case opHops:
		err = p.startHops(ctx)
	case opChain:
		var urls []string
		if urls, err = parseChain(p.form.Chain); err == nil {
			err = p.startChain(ctx, urls)
		}
	case opRun:
		var plan runner.Plan
		if plan, err = p.form.plan(); err == nil {
			err = p.runs.Start(host{ctx}, []runner.Plan{plan})
		}
	case opCompare:
		var plans []runner.Plan
		s, e := p.form.body()
		if err = e; err == nil {
			var reader runner.Plan
			if reader, err = p.form.reader(); err == nil {
				for _, name := range legacyPair {
					plan := reader
					plan.Scenario, plan.Spec = name, s
					plans = append(plans, plan)
				}
				err = p.runs.Start(host{ctx}, plans)
			}
		}
	case opAdd:
		var plan runner.Plan
		if plan, err = p.form.plan(); err == nil {
			err = p.runs.Add(host{ctx}, []runner.Plan{plan})
		}
	case opStop:
		p.runs.Stop()
	case opClear:
		p.runs.Clear()
	case opRemove:
		p.runs.Remove(do.Arg)
	case opPutBack:
		err = p.runs.PutBack(do.Arg)
	case opAlign:
		p.align = do.Arg
		p.paint()
	}
	if err != nil {
		p.formErr = err.Error()
		return
	}
	p.writeURL(ctx)
}

// current is the view as a link would name it: its runs' scenarios and
// upstream, with the form's body, read mode and wire probe.
func (p *Page) current() view {
	v := view{Read: p.form.Read, Wire: p.form.Wire, Align: p.align, Hops: p.hop.Active}
	if s, err := p.form.body(); err == nil {
		v.Spec = s
	}
	v.Pace, _ = spec.ParsePace(p.form.Pace) // a bad pace ran nothing: full speed
	v.Headers, v.Secrets = p.linkHeaders()
	if v.Hops && len(p.hop.Chain) > 0 {
		v.Hops, v.Chain = false, p.hop.Chain
		return v
	}
	if v.Hops {
		return v
	}
	for _, r := range p.runs.View {
		if r.Hop != "" && r.Scenario == record.Upstream {
			continue // a hop's URL is the hop's, not one a link names
		}
		switch {
		case r.Scenario == record.Upstream && v.Upstream == "":
			v.Upstream = r.Params["url"]
		case r.Scenario == record.Upstream:
			v.MoreUpstreams = append(v.MoreUpstreams, r.Params["url"])
		case r.Scenario != record.Upstream && !contains(v.Scenarios, r.Scenario):
			v.Scenarios = append(v.Scenarios, r.Scenario)
		}
	}
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// writeURL keeps the address bar equal to the view, so a reload or a
// copied address shows the same.
func (p *Page) writeURL(ctx app.Context) {
	if len(p.runs.View) == 0 {
		return
	}
	u := *ctx.Page().URL()
	u.RawQuery = p.current().rawQuery(false)
	ctx.Page().ReplaceURL(&u)
}

// lanes is the view's runs with their colors.
func (p *Page) lanes() []lane { return colorLanes(p.shownRuns()) }

// paint draws the chart of the view now.
func (p *Page) paint() {
	if app.IsClient {
		paintChart(p.shownRuns(), p.align, p.replayNote())
	}
}

// Render draws the controls, the chart, the table, the run cards and the
// explanations.
func (p *Page) Render() app.UI {
	lanes := p.lanes()
	link := url.URL{Path: "/"}
	if len(lanes) > 0 {
		link.RawQuery = p.current().rawQuery(true)
	}
	found, isChain := p.chainOf()
	p.chain.set(found, isChain)
	p.hop.Found = found
	if p.hop.Active && !isChain {
		p.hop.Against = hopFindings(p.runs.View)
	}
	var names, classes []string
	for _, l := range lanes {
		names, classes = append(names, l.Run.Scenario), append(classes, l.class())
	}
	return app.Div().Class("page").Body(
		app.Header().Body(
			app.H1().Text("chunkscope"),
			app.P().Class("tagline").Text("See an HTTP response arrive, piece by piece: buffered versus streaming — or any runs side by side."),
		),
		newControls().Form(&p.form).Running(p.runs.Running).Lanes(len(lanes)).Align(p.align).Problem(serverGone(p.runs.View)),
		newChainForm().Form(&p.form).Running(p.runs.Running),
		app.If(p.formErr != "", app.P().ID("form-error").Class("error").Text(p.formErr)),
		app.Div().Class("chart-box").Body(
			app.If(len(lanes) == 0 && !p.runs.Running, app.Div().ID("empty-state").Class("empty-state").Body(emptyState(p.form)...)),
			app.If(isChain && len(lanes) > 0, app.P().ID("chain-sentence").Class("headline").DataSet("changed-at", found.ChangedAt).Text(found.Sentence)),
			app.If(!isChain && len(lanes) > 0 && len(lanes) <= headlineLanes, headline(lanes)),
			newChart().Runs(p.shownRuns()).Align(p.align).Note(p.replayNote()),
		),
		// A page load's requests, when more runs than fit as lanes were
		// loaded: right under the lanes they choose (requests.go).
		p.requestList(),
		// Keeping and replaying act on the view: under the chart, so they
		// never push it down.
		app.Div().Class("tools").Body(
			app.If(len(lanes) > 0, app.A().ID("permalink").Href(link.String()).Text("link to this view")),
			app.If(len(lanes) > 0 && p.leftOut() != "", app.Span().ID("link-left-out").Class("note").Text(p.leftOut())),
			p.replaybar(),
			newKeepbar().Lanes(len(p.runs.View)).Scale(p.scale).Err(p.keepErr).Note(p.keepNote).Skipped(p.skipped),
		),
		app.P().ID("mem-sources").Class("note").Text(p.memSources),
		newHopList().View(p.hop),
		newTable().Lanes(lanes).Version(p.runs.Version),
		newEarlier().Runs(p.runs.Earlier()).Full(len(lanes) >= runner.MaxLanes).Running(p.runs.Running),
		app.Div().Class("summaries").Body(
			app.Range(lanes).Slice(func(i int) app.UI {
				return newCard().Lane(lanes[i]).Folded(len(lanes) > 2).Version(p.runs.Version)
			}),
		),
		newExplanations().Current(names, classes),
	)
}

// emptyState is what the page says before anything is read: what to
// press, and what it will show with the body in the controls.
func emptyState(f form) []app.UI {
	what := "the same body"
	if s, err := f.body(); err == nil {
		what = "the same " + plural(s.Rows, "row")
		if s.Delay > 0 && s.Rows > 0 {
			groups := (s.Rows + s.Per - 1) / s.Per
			every := "one every "
			if s.Per > 1 {
				every = "in groups of " + strconv.Itoa(s.Per) + ", a group every "
			}
			what += ", " + every + s.Delay.String() + " (" + record.Sec(float64(groups)*float64(s.Delay)/1e6) + " of production, like a slow export),"
		}
	}
	return []app.UI{
		app.P().Body(
			app.Text("Press "), app.B().Text("Compare buffered vs streaming"),
			app.Text(": the server produces "+what+" twice — once held until the last row and sent whole, once streamed as each row is made. "+
				"The chart shows when each byte arrived."),
		),
		app.P().Class("note").Text("Run reads the scenario alone; change rows and delay to make the production longer or shorter. " +
			"To read your own app, give its URL (the server must allow it with -upstream)."),
	}
}

// headlineLanes is the most runs the headline names: more would take
// lines from the chart (a hop-by-hop view has up to 12; its table says it).
const headlineLanes = 4

// headline is the view's runs in one line over the chart, each with its
// verdict and first byte as the table and the lanes say them: the first
// screen carries the finding, not only the drawing.
func headline(lanes []lane) app.UI {
	return app.P().ID("headline").Class("headline").Body(
		app.Range(lanes).Slice(func(i int) app.UI {
			r := lanes[i].Run
			verdict := "reading…"
			switch {
			case r.Verdict.Kind != "":
				verdict = r.Verdict.Kind
			case r.Done:
				verdict = "—"
			}
			if len(r.Chunks) > 0 {
				verdict += " · first byte " + scene.FormatTime(r.TTFBMs, 10)
			}
			return app.Span().Class("run "+lanes[i].class()).DataSet("kind", r.Verdict.Kind).Body(
				app.B().Title(name(r)).Text(name(r)), app.Text(" "+verdict))
		}))
}

// clampLong is the class that shows a long title (a 4,000-character URL)
// in its first lines only; its element's title holds it whole.
func clampLong(text string) string {
	if len(text) > 160 {
		return "clamp"
	}
	return ""
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// replaybar is the replay's controls, as the replay stands.
func (p *Page) replaybar() app.UI {
	b := newReplaybar().Speed(p.speed).GapMs(p.gapMs).Disabled(p.runs.Running || len(p.runs.View) == 0)
	if r := p.replay; r != nil {
		t := r.tl.RunTime(r.pos)
		k := r.step
		if k < 0 {
			k = r.tl.StepAt(t)
		}
		pos := scrubSteps
		if d := r.tl.Duration(); d > 0 && r.pos < d {
			pos = int(r.pos / d * scrubSteps)
		}
		b = b.Active(true).Playing(r.playing).Pos(pos).Step(k, r.tl.Reads()).At(t, r.tl.End())
	}
	return b
}

// serverGone is the sentence to show beside Run when the server stopped
// answering: the browser's own words ("Failed to fetch") say nothing of
// where to look.
func serverGone(runs []*record.Run) string {
	for _, r := range runs {
		if r.Status == 0 && r.Done && (strings.Contains(r.Error, "Failed to fetch") || strings.Contains(r.Error, "NetworkError")) {
			return "The server did not answer: is chunkscope still running? Start it again (make run) and press Run. (" + r.Error + ")"
		}
	}
	return ""
}
