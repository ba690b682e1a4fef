package ui

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/browser"
	"chunkscope/app/chart"
	"chunkscope/app/record"
	"chunkscope/app/spec"
)

// chartID is the canvas the runs are drawn on.
const chartID = "chart"

// palette gives each scenario the same color everywhere: by its place in
// the scenario table, on the canvas and, as the class lane-N, in
// web/chunkscope.css (which has the same colors: the CSP allows no inline
// style). Buffered is orange and streaming blue, the first two.
var palette = []string{"#d4580b", "#0969da", "#1a7f37", "#8250df", "#bf3989", "#9a6700", "#0a7480", "#cf222e",
	"#6639ba", "#116329", "#953800", "#57606a"}

// laneClass and laneColor are a scenario's color class and color.
func laneClass(name string) string { return "lane-" + strconv.Itoa(scenarioIndex(name)%len(palette)) }
func laneColor(name string) string { return palette[scenarioIndex(name)%len(palette)] }

func scenarioIndex(name string) int {
	for i, sc := range spec.Scenarios() {
		if sc.Name == name {
			return i
		}
	}
	return len(palette) - 1
}

// Page is chunkscope's one page: controls, the live chart, one summary per
// run, and the scenario explanations.
type Page struct {
	app.Compo

	form    form
	formErr string
	view    view
	lanes   []*lane // the runs of the current view, drawn together
	running bool
	cancel  context.CancelFunc
	runs    *runStore
	seq     int
	// memSources says which client memory figures this browser offers.
	memSources string
	ctx        app.Context // the page's context, from OnMount
	rendered   time.Time   // when a batch last re-rendered the page
	drawn      time.Time   // when a batch last redrew the chart
}

// drawEvery is how often a run in progress redraws the chart: 10 frames a
// second. Drawing costs the main thread (canvas raster in software mode),
// which the reader shares: redrawing at every 16 ms batch cut a 256 MiB
// stream-read to ~0.55 of a plain JS loop's throughput, every 100 ms keeps it
// near 0.8 (make bench; runs in progress only, a finished run is drawn once).
const drawEvery = 100 * time.Millisecond

// renderEvery is how often a run in progress re-renders the summaries.
const renderEvery = 250 * time.Millisecond

// lane is one run being (or having been) read, with what the chart needs.
type lane struct {
	run       *record.Run
	title     string
	color     string
	elapsedMs float64 // how far the lane reaches: the time read so far, then the last sample
	// serverProblem says why the server's samples are missing, if they are.
	serverProblem string
	// wireURL is the /wire stream to follow after the body; "" for none.
	wireURL string
	// runTag is the request's run=ID tag, "" when the request is not
	// ours to sample (an upstream's).
	runTag string
}

// newUpstreamLane reads an origin allowed by the server's -upstream, through
// the server (the page is cross-origin isolated: it cannot fetch another
// origin itself). The server's memory is not the upstream's, so none is
// sampled; the wire probe, when asked for, reads the upstream directly.
func (p *Page) newUpstreamLane(v view) *lane {
	p.seq++
	id := "r" + strconv.FormatInt(time.Now().UnixMilli(), 36) + "-" + strconv.Itoa(p.seq)
	l := &lane{
		title: "Upstream " + v.Upstream,
		color: palette[len(palette)-1],
		run: &record.Run{
			Version:   record.Version,
			ID:        id,
			Scenario:  "upstream",
			Method:    "GET",
			URL:       "/upstream?" + url.Values{"url": {v.Upstream}}.Encode(),
			Params:    map[string]string{"url": v.Upstream},
			ReadMode:  v.readMode("upstream"),
			StartedAt: time.Now().UTC().Format(time.RFC3339Nano),
			Headers:   map[string]string{},
			Chunks:    []record.Chunk{},
			ServerMem: []record.MemSample{},
			ClientMem: []record.MemSample{},
			Source:    "browser",
		},
	}
	if v.Wire {
		l.wireURL = "/wire?" + url.Values{"url": {v.Upstream}}.Encode()
	}
	return l
}

// OnMount installs window.chunkscope.runs().
func (p *Page) OnMount(ctx app.Context) {
	p.ctx = ctx
	if !app.IsClient {
		return
	}
	browser.Expose(browser.API{RunsJSON: p.store().JSON, BenchFrame: p.benchFrame})
	p.memSources = browser.MemorySources()
}

func (p *Page) store() *runStore {
	if p.runs == nil {
		p.runs = &runStore{}
	}
	return p.runs
}

// OnNav reads the state from the URL and, with autorun=1, starts the run.
func (p *Page) OnNav(ctx app.Context) {
	v, autorun, f, err := parseURL(ctx.Page().URL().Query())
	p.form = f
	if err != nil {
		p.formErr = "This link's parameters are wrong: " + err.Error()
		return
	}
	p.view = v
	if autorun && app.IsClient {
		p.start(ctx, v)
	}
}

// OnResize redraws the chart at the new width (a projector, a split
// screen): otherwise the browser would stretch the old drawing.
func (p *Page) OnResize(ctx app.Context) {
	p.draw()
}

// OnAppUpdate reloads into a freshly built page, unless a run would be cut.
func (p *Page) OnAppUpdate(ctx app.Context) {
	if !p.running {
		ctx.Reload()
	}
}

func (p *Page) onRun(ctx app.Context, e app.Event)     { p.submit(ctx, false) }
func (p *Page) onCompare(ctx app.Context, e app.Event) { p.submit(ctx, true) }

func (p *Page) onWire(ctx app.Context, e app.Event) {
	p.form.Wire = ctx.JSSrc().Get("checked").Bool()
}

func (p *Page) onStop(ctx app.Context, e app.Event) {
	if p.cancel != nil {
		p.cancel()
	}
}

func (p *Page) submit(ctx app.Context, compare bool) {
	v, err := p.form.parse()
	if err != nil {
		p.formErr = err.Error()
		return
	}
	v.Compare = compare
	p.view = v
	u := *ctx.Page().URL()
	u.RawQuery = v.query(false).Encode()
	ctx.Page().ReplaceURL(&u)
	p.start(ctx, v)
}

// start reads the view's runs one after the other (a comparison reads
// buffered, then streaming) so that each has the server and the browser to
// itself: run side by side, their memory and timings would mix.
func (p *Page) start(ctx app.Context, v view) {
	p.formErr = ""
	if p.cancel != nil {
		p.cancel()
	}
	names := []string{v.Scenario}
	if v.Compare {
		names = []string{"buffered", "streaming"}
	}
	p.lanes = nil
	for _, name := range names {
		p.lanes = append(p.lanes, p.newLane(name, v))
	}
	if v.Upstream != "" {
		p.lanes = []*lane{p.newUpstreamLane(v)}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	p.cancel, p.running = cancel, true
	lanes := p.lanes
	ctx.Async(func() {
		for _, l := range lanes {
			p.read(ctx, runCtx, l)
		}
		ctx.Dispatch(func(ctx app.Context) {
			if len(p.lanes) > 0 && p.lanes[0] == lanes[0] {
				p.running = false
			}
		})
	})
	p.draw()
}

func (p *Page) newLane(name string, v view) *lane {
	sc, _ := spec.Lookup(name)
	p.seq++
	params := map[string]string{}
	for k, vals := range v.Spec.Values() {
		params[k] = vals[0]
	}
	tagged := v.Spec
	tagged.Run = "r" + strconv.FormatInt(time.Now().UnixMilli(), 36) + "-" + strconv.Itoa(p.seq)
	source, wireURL := "browser", ""
	if sc.Proto != "" {
		source = "wire" // the browser cannot send it: the probe reads it
	}
	if v.Wire || sc.Proto != "" {
		wireURL = "/wire?scenario=" + url.QueryEscape(name) + "&" + v.Spec.Values().Encode()
	}
	return &lane{
		title:   sc.Title,
		color:   laneColor(name),
		wireURL: wireURL,
		runTag:  tagged.Run,
		run: &record.Run{
			Version:   record.Version,
			ID:        tagged.Run,
			Scenario:  name,
			Method:    cmp.Or(sc.Method, "GET"),
			URL:       sc.Path + "?" + tagged.Values().Encode(),
			Params:    params,
			ReadMode:  v.readMode(name),
			StartedAt: time.Now().UTC().Format(time.RFC3339Nano),
			Headers:   map[string]string{},
			Chunks:    []record.Chunk{},
			ServerMem: []record.MemSample{},
			ClientMem: []record.MemSample{},
			Source:    source,
		},
	}
}

// read runs on a goroutine (ctx.Async); every change to the record happens
// on the UI goroutine through ctx.Dispatch. The page reads the body first;
// the wire probe, when asked for or needed (HTTP/1.0), comes after it, so
// the two requests never share the server.
func (p *Page) read(ctx app.Context, runCtx context.Context, l *lane) {
	if runCtx.Err() != nil {
		// Shown as stopped, but not recorded: no request was ever sent.
		ctx.Dispatch(func(ctx app.Context) {
			l.run.Done, l.run.Error = true, "stopped before it started"
			l.run.Verdict = record.Explain(l.run)
		})
		return
	}
	sc, _ := spec.Lookup(l.run.Scenario)
	var res browser.Result
	var err error
	if sc.Proto == "" {
		res, err = p.readBody(ctx, runCtx, l, sc)
	}
	// A refused request (400, 413, 503) is not probed again.
	if l.wireURL != "" && err == nil && res.ErrorBody == "" {
		p.readWire(ctx, runCtx, l)
	}
	ctx.Dispatch(func(ctx app.Context) { p.complete(l, res, err) })
}

// readBody reads the body in the browser: fetch, the pump, the memory.
func (p *Page) readBody(ctx app.Context, runCtx context.Context, l *lane, sc spec.Scenario) (browser.Result, error) {
	req := browser.Request{URL: l.run.URL, Method: l.run.Method, Header: sc.Header, RunID: l.runTag, Keep: l.run.ReadMode == readBuffer}
	return browser.Read(runCtx, req, browser.Progress{
		OnResponse: func(r browser.Response) {
			ctx.Dispatch(func(ctx app.Context) {
				l.run.Status, l.run.Headers, l.run.HeadersMs = r.Status, r.Headers, r.HeadersMs
				l.elapsedMs = r.HeadersMs
				p.draw()
			})
		},
		OnBatch: func(b browser.Batch) {
			p.onUI(ctx, func() {
				r := l.run
				r.Append(b.Chunks...)
				r.ClientMem = append(r.ClientMem, b.Client...)
				r.ServerMem = append(r.ServerMem, b.Server...)
				l.elapsedMs = max(l.elapsedMs, b.ElapsedMs)
			})
		},
	})
}

// readWire follows the server's raw probe of the same request into
// run.Wire.
func (p *Page) readWire(ctx app.Context, runCtx context.Context, l *lane) {
	ctx.Dispatch(func(ctx app.Context) { l.run.Wire = &record.Wire{Events: []record.WireEvent{}, ContentLength: -1} })
	sum, err := browser.ReadWire(runCtx, l.wireURL, func(events []record.WireEvent) {
		p.onUI(ctx, func() {
			l.run.Wire.Events = append(l.run.Wire.Events, events...)
			l.elapsedMs = max(l.elapsedMs, events[len(events)-1].T)
		})
	})
	ctx.Dispatch(func(ctx app.Context) {
		w := l.run.Wire
		if err != nil {
			w.Error = err.Error()
			if l.run.Source == "wire" {
				l.run.Error = "wire: " + err.Error() // the probe was the whole run
			}
			return
		}
		w.Status, w.Proto, w.Framing, w.Chunks = sum.Status, sum.Proto, sum.Framing, sum.Chunks
		w.ContentLength, w.BodyBytes, w.Complete = sum.ContentLength, sum.BodyBytes, sum.Complete
		w.TTFBMs, w.TotalMs, w.Error = sum.TTFBMs, sum.TotalMs, sum.Err
		l.elapsedMs = max(l.elapsedMs, w.TotalMs)
		if l.run.Source == "wire" {
			l.run.FillFromWire(sum.Headers)
		}
	})
}

// onUI applies a batch on the UI goroutine without re-rendering the page: a
// Next dispatch (ctx.Dispatch always re-renders; PreventUpdate inside it is
// overridden). Re-rendering at every batch took main-thread time the reader
// needs: the chart is redrawn every drawEvery, the summaries' text
// refreshed every renderEvery (see make bench).
func (p *Page) onUI(ctx app.Context, apply func()) {
	ctx.Dispatcher().Dispatch(app.Dispatch{Mode: app.Next, Source: p, Function: func(ctx app.Context) {
		apply()
		if time.Since(p.drawn) >= drawEvery {
			p.drawn = time.Now()
			p.draw()
		}
		if time.Since(p.rendered) >= renderEvery {
			p.rendered = time.Now()
			for _, l := range p.lanes {
				if !l.run.Done {
					l.run.Verdict = record.Explain(l.run)
				}
			}
			p.Update()
		}
	}})
}

// complete finishes a run: its totals, its verdict, the record.
func (p *Page) complete(l *lane, res browser.Result, err error) {
	r := l.run
	if r.Source == "browser" {
		r.TotalMs, r.ErrorBody = res.TotalMs, res.ErrorBody
		r.ClockOffsetMs, r.ClockErrorMs = res.ClockOffsetMs, res.ClockErrorMs
		if len(r.Chunks) == 0 {
			r.TTFBMs = r.HeadersMs
		}
		l.elapsedMs = max(l.elapsedMs, r.TotalMs)
	}
	r.Done = true
	if err != nil {
		r.Error = err.Error()
	}
	if len(r.ServerMem) > 0 {
		r.ServerPeakGrowth = record.PeakGrowth(r.ServerMem)
	}
	if len(r.ClientMem) > 0 {
		r.ClientPeakGrowth = record.PeakGrowth(r.ClientMem)
	}
	l.serverProblem = res.ServerProblem
	r.Verdict = record.Explain(r)
	p.save(r)
	p.draw()
	if res.UA != nil {
		// Its figure comes seconds later: add it to the record then.
		p.ctx.Async(func() {
			m, err := res.UA.Wait(p.ctx)
			if err != nil {
				return // the page went away
			}
			p.ctx.Dispatch(func(ctx app.Context) {
				r.UAMemory = &m
				p.save(r)
			})
		})
	}
}

func (p *Page) save(r *record.Run) {
	if err := p.store().add(r); err != nil {
		p.formErr = "Could not record the run: " + err.Error()
	}
}

func (p *Page) draw() {
	if !app.IsClient {
		return
	}
	canvas := browser.Canvas{ID: chartID}
	lanes := make([]chart.Lane, len(p.lanes))
	for i, l := range p.lanes {
		lanes[i] = chart.Lane{Run: l.run, EndMs: l.elapsedMs, Label: l.run.Scenario, Color: l.color}
	}
	canvas.Draw(chart.Build(lanes, canvas.Columns()))
}

// Render draws the controls, the chart, the summaries and the explanations.
func (p *Page) Render() app.UI {
	return app.Div().Class("page").Body(
		app.Header().Body(
			app.H1().Text("chunkscope"),
			app.P().Class("tagline").Text("See an HTTP response arrive, piece by piece: buffered versus streaming."),
		),
		p.renderControls(),
		app.If(p.formErr != "", app.P().ID("form-error").Class("error").Text(p.formErr)),
		app.Canvas().ID(chartID).Class("chart"),
		app.P().ID("mem-sources").Class("note").Text(p.memSources),
		app.Div().Class("summaries").Body(
			app.Range(p.lanes).Slice(func(i int) app.UI { return renderSummary(p.lanes[i]) }),
		),
		p.renderExplanations(),
	)
}

func (p *Page) renderControls() app.UI {
	opts := make([]app.UI, 0, len(spec.Scenarios()))
	for _, sc := range spec.Scenarios() {
		opts = append(opts, app.Option().Value(sc.Name).Text(sc.Title).Selected(sc.Name == p.form.Scenario))
	}
	link := url.URL{Path: "/", RawQuery: p.view.query(true).Encode()}
	return app.Section().Class("controls").Body(
		app.Label().Body(app.Span().Text("scenario"),
			app.Select().ID("scenario").Body(opts...).OnChange(p.ValueTo(&p.form.Scenario))),
		app.Label().Body(app.Span().Text("read mode"),
			app.Select().ID("read").Body(
				app.Option().Value(readAuto).Text("auto: buffer buffered, stream streaming").Selected(p.form.Read == readAuto),
				app.Option().Value(readStream).Text("stream-read: count and drop").Selected(p.form.Read == readStream),
				app.Option().Value(readBuffer).Text("buffer-read: keep it all").Selected(p.form.Read == readBuffer),
			).OnChange(p.ValueTo(&p.form.Read))),
		app.Label().Class("check").Body(
			app.Input().ID("wire").Type("checkbox").Checked(p.form.Wire).OnChange(p.onWire),
			app.Span().Text("probe the wire too"),
		),
		field("rows", "rows", &p.form.Rows, p, "1000"),
		field("delay", "delay (e.g. 100ms)", &p.form.Delay, p, "0"),
		field("per", "rows per flush", &p.form.Per, p, "1"),
		field("pad", "pad bytes per row", &p.form.Pad, p, "0"),
		app.Label().Class("wide").Body(
			app.Span().Text("or an upstream URL (allowed with -upstream)"),
			app.Input().ID("upstream").Type("text").Value(p.form.Upstream).Placeholder("http://127.0.0.1:9000/download_csv_streaming").
				Size(40).OnChange(p.ValueTo(&p.form.Upstream)),
		),
		app.Div().Class("buttons").Body(
			app.Button().ID("run").Text("Run").OnClick(p.onRun),
			app.Button().ID("compare").Text("Compare buffered vs streaming").OnClick(p.onCompare),
			app.Button().ID("stop").Text("Stop").Disabled(!p.running).OnClick(p.onStop),
			app.A().ID("permalink").Href(link.String()).Text("link to this view"),
		),
	)
}

func field(id, label string, dst *string, p *Page, placeholder string) app.UI {
	return app.Label().Body(
		app.Span().Text(label),
		app.Input().ID(id).Type("text").Value(*dst).Placeholder(placeholder).
			Size(10).OnChange(p.ValueTo(dst)),
	)
}

func renderSummary(l *lane) app.UI {
	r := l.run
	status := "waiting"
	if r.Status != 0 {
		status = strconv.Itoa(r.Status)
	}
	if r.Error != "" && r.Status == 0 {
		status = "failed"
	}
	header := func(name string) string {
		if v := r.Header(name); v != "" {
			return v
		}
		return "—"
	}
	ms := func(v float64, ok bool) string {
		if !ok {
			return "—"
		}
		return record.Ms(v)
	}
	rows := [][2]string{
		{"status", status},
		{"Transfer-Encoding", header("transfer-encoding")},
		{"Content-Length", header("content-length")},
		{"Content-Type", header("content-type")},
		{"Content-Encoding", header("content-encoding")},
		{"headers after", ms(r.HeadersMs, r.Status != 0)},
		{"first byte (TTFB)", ms(r.TTFBMs, len(r.Chunks) > 0 || r.Done)},
		{"total", ms(r.TotalMs, r.Done)},
		{"reads", strconv.Itoa(len(r.Chunks))},
		{"bytes", record.Size(r.Bytes) + " (" + strconv.FormatInt(r.Bytes, 10) + ")"},
		{"read mode", r.ReadMode + "-read"},
		{"server peak heap growth", growth(r.ServerPeakGrowth, r.Done && len(r.ServerMem) > 0)},
		{"client peak heap growth", growth(r.ClientPeakGrowth, r.Done && len(r.ClientMem) > 0)},
		{"server clock offset", clock(r)},
		{"page memory (browser's estimate)", uaMemory(r)},
	}
	if w := r.Wire; w != nil {
		rows = append(rows,
			[2]string{"wire (raw probe)", fmt.Sprintf("%s %d, framing %s, %d HTTP chunks, %s", w.Proto, w.Status, w.Framing, w.Chunks, record.Size(w.BodyBytes))},
			[2]string{"wire first byte / end", fmt.Sprintf("%s / %s", record.Ms(w.TTFBMs), record.Ms(w.TotalMs))},
		)
		if w.Error != "" {
			rows = append(rows, [2]string{"wire error", w.Error})
		}
	}
	// Colors come from classes, not style attributes: the page's CSP allows
	// no inline style.
	return app.Div().Class("summary", laneClass(r.Scenario)).DataSet("scenario", r.Scenario).Body(
		app.H3().Text(l.title),
		app.Code().Class("url").Text(r.Method+" "+r.URL+sourceNote(r)),
		app.Table().Body(
			app.Range(rows).Slice(func(i int) app.UI {
				return app.Tr().Body(app.Th().Text(rows[i][0]), app.Td().Text(rows[i][1]))
			}),
		),
		app.P().Class("verdict").DataSet("kind", r.Verdict.Kind).Text(r.Verdict.Detail),
		app.If(l.serverProblem != "", app.P().Class("warning").Text("Server memory: "+l.serverProblem)),
	)
}

func uaMemory(r *record.Run) string {
	switch {
	case r.UAMemory == nil:
		return "—"
	case r.UAMemory.Error != "":
		return "failed: " + r.UAMemory.Error
	}
	return fmt.Sprintf("%s (resolved at %s)", record.Size(int64(r.UAMemory.Bytes)), record.Sec(r.UAMemory.T))
}

// method prefixes a path with its method when it is not GET.
func method(sc spec.Scenario) string {
	if sc.Method == "" {
		return ""
	}
	return sc.Method + " "
}

func sourceNote(r *record.Run) string {
	if r.Source == "wire" && r.Wire != nil {
		return " — read by the server's raw probe in " + r.Wire.Proto + ": the browser cannot speak it here"
	}
	return ""
}

func growth(n int64, ok bool) string {
	if !ok {
		return "—"
	}
	return record.Size(n)
}

// clock states the clock estimate and its error: the two clocks are never
// pretended to be one.
func clock(r *record.Run) string {
	if !r.Done || len(r.ServerMem) == 0 {
		return "—"
	}
	return fmt.Sprintf("+%.2f ms ± %.2f ms (half a /clock round trip)", r.ClockOffsetMs, r.ClockErrorMs)
}

// renderExplanations explains what the current view runs, right under
// its summaries, then keeps the whole scenario table one click away.
func (p *Page) renderExplanations() app.UI {
	var current []spec.Scenario
	for _, l := range p.lanes {
		if sc, ok := spec.Lookup(l.run.Scenario); ok {
			current = append(current, sc)
		}
	}
	all := spec.Scenarios()
	paragraph := func(sc spec.Scenario) app.UI {
		return app.Div().Class("scenario").Body(
			app.H4().Class(laneClass(sc.Name)).Text(sc.Title+" — "+method(sc)+sc.Path),
			app.P().Text(sc.Explain),
		)
	}
	return app.Section().Class("explain").Body(
		app.Range(current).Slice(func(i int) app.UI { return paragraph(current[i]) }),
		app.P().Class("note").Text("What the chart shows: each tick is one reader.read() that returned bytes in the browser, "+
			"stamped with performance.now() from the moment the request was sent. Browser read() pieces are not HTTP chunks: "+
			"the network stack merges what arrives close together and splits large chunks, so a fast stream of many small "+
			"chunks shows as a few large reads. The wire itself is what shows the chunks: tick \"probe the wire too\"."),
		app.Details().ID("all-scenarios").Body(
			app.Summary().Text(fmt.Sprintf("Every scenario (%d)", len(all))),
			app.Range(all).Slice(func(i int) app.UI { return paragraph(all[i]) }),
		),
	)
}
