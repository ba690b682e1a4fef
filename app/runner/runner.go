// Package runner starts, reads, stops and finishes runs, and owns their
// records: every run of this page load (window.chunkscope.runs()) and the
// ones in the current view. Components render from it; none of them reads a
// body. It changes records only on the UI goroutine (Host.Dispatch and
// Host.Next), and reads bodies on goroutines (Host.Async).
package runner

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"chunkscope/app/browser"
	"chunkscope/app/record"
	"chunkscope/app/spec"
	"chunkscope/app/wire"
)

// MaxLanes is how many runs one view compares: beyond eight, lanes and
// colors stop being told apart on a projector.
const MaxLanes = 8

// MaxHopLanes is how many runs a hop-by-hop comparison holds (StartHops):
// every hop of one request, one lane each, up to the palette's twelve
// colors, so no two lanes share one. Its lanes are short (one request's
// hops finish close together) and the table names each.
const MaxHopLanes = 12

// Host is how the runner reaches go-app: blocking work off the UI
// goroutine, and changes on it.
type Host interface {
	Async(func())
	Dispatch(func()) // on the UI goroutine, then re-render
	Next(func())     // on the UI goroutine, without re-rendering
}

// Read modes: how the page reads a body.
const (
	ReadAuto   = "auto"   // buffer-read for buffered, stream-read for the others
	ReadStream = "stream" // count each piece and drop it
	ReadBuffer = "buffer" // keep every piece until the end, as response.arrayBuffer() would
)

// Plan is one run to read: a scenario of this server, or an upstream URL.
type Plan struct {
	Scenario string // a scenario's name; "" with Upstream
	Upstream string // an -upstream URL, read through /upstream
	// Hop names the hop a hop-by-hop comparison runs the request through
	// (record.Run.Hop): the lane's label. "" outside such a comparison.
	Hop string
	// Tagged says the Upstream forwards to this very server (the nginx it
	// started in front of itself): the request is tagged with the run's id
	// (run=ID added to the URL), so the server's memory and send log are
	// followed as for a scenario.
	Tagged bool
	Spec   spec.Spec
	Read   string // one of the Read* modes
	Wire   bool   // also probe the wire, after the body
	Pace   spec.Pace
	// Header is the page's own request headers (a Cookie, an
	// Accept-Encoding, an If-None-Match…), sent with an Upstream's read
	// (through /upstream, wire.SendHeader) and its wire probe (header=);
	// Secret names the headers, beyond wire.Secrets, whose values are never
	// kept.
	Header map[string]string
	Secret []string
}

// Label is what the plan reads, as a lane names it.
func (p Plan) Label() string {
	if p.Upstream != "" {
		return p.Upstream
	}
	return p.Scenario
}

// readMode is the read mode the plan's run uses.
func (p Plan) readMode() string {
	switch {
	case p.Read != ReadAuto && p.Read != "":
		return p.Read
	case p.Scenario == "buffered":
		return ReadBuffer
	}
	return ReadStream
}

// drawEvery is how often a run in progress redraws the chart: 10 frames a
// second. Drawing costs the main thread (canvas raster in software mode),
// which the reader shares: redrawing at every 16 ms batch cut a 256 MiB
// stream-read to ~0.55 of a plain JS loop's throughput, every 100 ms keeps it
// near 0.8 (make bench; runs in progress only, a finished run is drawn once).
const drawEvery = 100 * time.Millisecond

// renderEvery is how often a run in progress re-renders the page's text.
const renderEvery = 250 * time.Millisecond

// Runner owns the runs. Its fields change only on the UI goroutine.
type Runner struct {
	// View holds the runs drawn together, in lane order.
	View []*record.Run
	// Running is true while runs of the view are being read.
	Running bool
	// Version changes with every change to a record of the view: the
	// components hold the same *record.Run pointers, so go-app's
	// comparison of their fields needs it to see a change.
	Version int

	// Draw repaints the chart; Render re-renders the page. Both are
	// called on the UI goroutine, throttled while a run is read.
	Draw   func()
	Render func()

	store    Store
	cancel   context.CancelFunc
	drawn    time.Time
	rendered time.Time
	wireURLs map[string]string // run id → the /wire URL to follow after the body
	sends    map[string]string // run id → the page's own headers (wire.SendHeader's value)
	tagged   map[string]bool   // run ids of upstream runs that reach this server, tagged
}

// Store is the finished runs of this page load, for window.chunkscope.runs().
func (rn *Runner) Store() *Store { return &rn.store }

// Earlier is the finished runs of this page load that are not in the view,
// newest first: they can be put back beside the current ones.
func (rn *Runner) Earlier() []*record.Run {
	var out []*record.Run
	for i := len(rn.store.all) - 1; i >= 0; i-- {
		r := rn.store.all[i]
		if !rn.inView(r.ID) {
			out = append(out, r)
		}
	}
	return out
}

func (rn *Runner) inView(id string) bool {
	for _, r := range rn.View {
		if r.ID == id {
			return true
		}
	}
	return false
}

// Start replaces the view with the planned runs and reads them.
func (rn *Runner) Start(h Host, plans []Plan) error {
	if len(plans) > MaxLanes {
		return fmt.Errorf("compare: %d runs; a view holds at most %d", len(plans), MaxLanes)
	}
	return rn.replace(h, plans, MaxLanes)
}

// StartHops replaces the view with a hop-by-hop comparison: up to
// MaxHopLanes runs, read one after the other like any view's.
func (rn *Runner) StartHops(h Host, plans []Plan) error {
	if len(plans) > MaxHopLanes {
		return fmt.Errorf("hops: %d runs; a hop comparison holds at most %d", len(plans), MaxHopLanes)
	}
	return rn.replace(h, plans, MaxHopLanes)
}

// replace clears the view and reads the plans in it — checked first, so a
// refused plan loses nothing shown.
func (rn *Runner) replace(h Host, plans []Plan, limit int) error {
	if err := check(plans); err != nil {
		return err
	}
	rn.Stop()
	rn.View = nil
	return rn.add(h, plans, limit)
}

// check refuses a plan the page cannot read as asked: a stopped reader
// learns that the server let go of the response from the run's event
// stream, and an upstream read untagged has none — it would hold the
// response until Stop, and the lanes after it would never run.
func check(plans []Plan) error {
	for _, p := range plans {
		if p.Pace.Kind == spec.PaceStop && p.Upstream != "" && !p.Tagged {
			return fmt.Errorf("pace: a reader that stops learns when the server lets go from the run's event stream, and the upstream %s has none: read it at a rate or with a pause", p.Upstream)
		}
	}
	return nil
}

// Add puts the planned runs into the view beside those already there and
// reads them, one after the other, after any still being read. Runs are
// never read side by side: each has the server and the browser to itself,
// or their memory and timings would mix.
func (rn *Runner) Add(h Host, plans []Plan) error {
	if err := check(plans); err != nil {
		return err
	}
	return rn.add(h, plans, MaxLanes)
}

func (rn *Runner) add(h Host, plans []Plan, limit int) error {
	if rn.Running {
		return fmt.Errorf("runs are still being read: wait for them, or press Stop, before adding another")
	}
	if n := len(rn.View) + len(plans); n > limit {
		return fmt.Errorf("this view holds %d runs; at most %d fit (remove one, or Clear)", len(rn.View), limit)
	}
	runs := make([]*record.Run, len(plans))
	for i, p := range plans {
		runs[i] = rn.newRun(p)
	}
	rn.View = append(rn.View, runs...)
	runCtx, cancel := context.WithCancel(context.Background())
	rn.cancel, rn.Running = cancel, true
	rn.Version++
	h.Async(func() {
		for _, r := range runs {
			rn.read(h, runCtx, r)
		}
		h.Dispatch(func() {
			if rn.cancel != nil && runCtx.Err() == nil {
				rn.Running = false
			}
			cancel()
		})
	})
	rn.draw()
	return nil
}

// PutBack adds an earlier run of this page load to the view.
func (rn *Runner) PutBack(id string) error {
	if rn.inView(id) {
		return nil
	}
	if len(rn.View) >= MaxLanes {
		return fmt.Errorf("this view holds %d runs; at most %d fit (remove one, or Clear)", len(rn.View), MaxLanes)
	}
	for _, r := range rn.store.all {
		if r.ID == id {
			rn.View = append(rn.View, r)
			rn.Version++
			rn.draw()
			return nil
		}
	}
	return fmt.Errorf("no earlier run %q in this page load", id)
}

// Remove takes a finished run out of the view (it stays in runs()).
func (rn *Runner) Remove(id string) {
	for i, r := range rn.View {
		if r.ID == id && r.Done {
			rn.View = append(rn.View[:i:i], rn.View[i+1:]...)
			rn.Version++
			rn.draw()
			return
		}
	}
}

// Clear stops what is read and empties the view.
func (rn *Runner) Clear() {
	rn.Stop()
	rn.View = nil
	rn.Version++
	rn.draw()
}

// Stop cancels the runs being read; the one in flight ends as stopped, the
// ones not begun are shown as stopped and not recorded.
func (rn *Runner) Stop() {
	if rn.cancel != nil {
		rn.cancel()
		rn.cancel = nil
	}
	rn.Running = false
}

// newRun builds a plan's record: the one constructor, record.New.
func (rn *Runner) newRun(p Plan) *record.Run {
	id := newRunID()
	if rn.wireURLs == nil {
		rn.wireURLs = map[string]string{}
	}
	if p.Upstream != "" {
		// An origin allowed by the server's -upstream, read through the
		// server (the page is cross-origin isolated: it cannot fetch another
		// origin itself). The server's memory is not the upstream's, so none
		// is sampled; the wire probe reads the upstream directly.
		if p.Wire {
			q := url.Values{"url": {p.Upstream}, "secret": p.Secret}
			for name, v := range p.Header {
				q.Add("header", name+": "+v)
			}
			rn.wireURLs[id] = "/wire?" + q.Encode()
		}
		if len(p.Header) > 0 {
			if rn.sends == nil {
				rn.sends = map[string]string{}
			}
			rn.sends[id] = wire.EncodeHeaders(p.Header)
		}
		target := p.Upstream
		if p.Tagged {
			// It reaches this server: tag it, so its memory and sends are ours.
			if rn.tagged == nil {
				rn.tagged = map[string]bool{}
			}
			rn.tagged[id] = true
			sep := "?"
			if strings.Contains(target, "?") {
				sep = "&"
			}
			target += sep + "run=" + id
		}
		r := record.New(record.Plan{
			ID: id, Scenario: record.Upstream, Hop: p.Hop,
			URL:      "/upstream?" + url.Values{"url": {target}}.Encode(),
			Params:   map[string]string{"url": p.Upstream},
			ReadMode: p.readMode(), Started: time.Now(), Pace: p.Pace.String(),
		})
		r.RequestHeaders = wire.Redact(p.Header, p.Secret)
		return r
	}
	sc, _ := spec.Lookup(p.Scenario)
	params := map[string]string{}
	for k, vals := range p.Spec.Values() {
		params[k] = vals[0]
	}
	tagged := p.Spec
	tagged.Run = id
	source := record.SourceBrowser
	if sc.Proto != "" {
		source = record.SourceWire // the browser cannot send it: the probe reads it
	}
	if p.Wire || sc.Proto != "" {
		rn.wireURLs[id] = "/wire?scenario=" + url.QueryEscape(p.Scenario) + "&" + p.Spec.Values().Encode()
	}
	return record.New(record.Plan{
		ID: id, Scenario: p.Scenario, Method: sc.Method, Hop: p.Hop,
		URL:    sc.Path + "?" + tagged.Values().Encode(),
		Params: params, ReadMode: p.readMode(), Source: source, Started: time.Now(), Pace: p.Pace.String(),
	})
}

// read runs on a goroutine (Host.Async); every change to the record
// happens on the UI goroutine. The page reads the body first; the wire
// probe, when asked for or needed (HTTP/1.0, HTTP/2), comes after it, so the
// two requests never share the server.
func (rn *Runner) read(h Host, runCtx context.Context, r *record.Run) {
	if runCtx.Err() != nil {
		// Shown as stopped, but not recorded: no request was ever sent.
		h.Dispatch(func() { r.Abandon("stopped before it started"); rn.changed() })
		return
	}
	var res browser.Result
	var err error
	if r.Source == record.SourceBrowser {
		res, err = rn.readBody(h, runCtx, r)
	}
	// A refused request (400, 413, 503) is not probed again.
	if u := rn.wireURLs[r.ID]; u != "" && err == nil && res.ErrorBody == "" {
		rn.readWire(h, runCtx, r, u)
	}
	h.Dispatch(func() {
		r.Finish(record.End{TotalMs: res.TotalMs, T0EpochMs: res.T0EpochMs, ErrorBody: res.ErrorBody, ClockOffsetMs: res.ClockOffsetMs,
			ClockErrorMs: res.ClockErrorMs, ServerProblem: res.ServerProblem, Err: err, Timing: res.Timing,
			StoppedMs: res.StoppedMs, ResumedMs: res.ResumedMs})
		rn.store.Add(r)
		rn.changed()
		rn.draw()
		if res.UA != nil {
			// Its figure comes seconds later: add it to the record then.
			h.Async(func() {
				m, err := res.UA.Wait(context.Background())
				if err != nil {
					return
				}
				h.Dispatch(func() {
					r.UAMemory = &m
					rn.store.Add(r)
					rn.changed()
				})
			})
		}
	})
}

// readBody reads the body in the browser: fetch, the pump, the memory.
func (rn *Runner) readBody(h Host, runCtx context.Context, r *record.Run) (browser.Result, error) {
	sc, _ := spec.Lookup(r.Scenario)
	runTag := r.ID
	if r.Scenario == record.Upstream && !rn.tagged[r.ID] {
		runTag = "" // not ours to sample
	}
	pace, _ := spec.ParsePace(r.Pace) // written by Pace.String: it parses
	req := browser.Request{URL: r.URL, Method: r.Method, Header: sc.Header, RunID: runTag, Keep: r.ReadMode == ReadBuffer, Pace: pace}
	if v := rn.sends[r.ID]; v != "" {
		req.Header = map[string]string{wire.SendHeader: v} // /upstream sets them on the upstream request
	}
	return browser.Read(runCtx, req, browser.Progress{
		// Nothing of the page's own lands at the start of the measured
		// interval: the first redraw comes drawEvery after the request was
		// sent, the first re-render renderEvery after, and the response
		// waits for them like any batch. Drawing and rendering at once (a
		// full re-render is 10–20 ms of main thread here) took a core from
		// the request on a 2-core machine: a 16 MiB stream read in 59 ms
		// against 30 ms for a bare worker (make bench, fidelity).
		OnStart: func() { h.Next(rn.requestSent) },
		OnResponse: func(resp browser.Response) {
			rn.batch(h, func() { r.Respond(resp.Status, resp.Headers, resp.HeadersMs) })
		},
		OnBatch: func(b browser.Batch) {
			rn.batch(h, func() { r.AddSent(b.Sent...); r.Progress(b.Chunks, b.Client, b.Server, b.ElapsedMs) })
		},
	})
}

// readWire follows the server's raw probe of the same request. Where the
// page sent the request too, the probe sends what the page's carried: the
// headers the browser adds by itself (Accept-Encoding, Cookie…), which
// /wire copies from its own request, made by the same browser to the same
// origin (browser=1). A probe-only run (HTTP/1.0, HTTP/2) sends none.
func (rn *Runner) readWire(h Host, runCtx context.Context, r *record.Run, u string) {
	if r.Source == record.SourceBrowser {
		u += "&browser=1"
	}
	h.Dispatch(func() { r.StartWire() })
	sum, err := browser.ReadWire(runCtx, u, func(events []wire.Event) {
		rn.batch(h, func() { r.AddWire(events) })
	})
	h.Dispatch(func() { r.FinishWire(sum, err); rn.changed() })
}

// batch applies a batch on the UI goroutine without re-rendering (a Next
// dispatch: ctx.Dispatch always re-renders). Re-rendering at every batch
// took main-thread time the reader needs: the chart is redrawn every
// drawEvery, the text re-rendered every renderEvery (see make bench).
func (rn *Runner) batch(h Host, apply func()) {
	h.Next(func() {
		apply()
		rn.Version++
		if time.Since(rn.drawn) >= drawEvery {
			rn.draw()
		}
		if time.Since(rn.rendered) >= renderEvery && rn.Render != nil {
			rn.rendered = time.Now()
			rn.Render()
		}
	})
}

// requestSent starts the wait before the next redraw and re-render from
// now: a request was just sent.
func (rn *Runner) requestSent() { rn.drawn, rn.rendered = time.Now(), time.Now() }

func (rn *Runner) changed() { rn.Version++ }

func (rn *Runner) draw() {
	rn.drawn = time.Now()
	if rn.Draw != nil {
		rn.Draw()
	}
}
