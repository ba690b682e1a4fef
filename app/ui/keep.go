package ui

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/browser"
	"chunkscope/app/keep"
	"chunkscope/app/record"
	"chunkscope/app/runner"
	"chunkscope/app/scene"
)

// Operations of act for keeping runs (keepbar, replaybar, card).
const (
	opSaveView    = "save-view"
	opSaveRun     = "save-run" // Arg: a run id
	opExport      = "export"   // Arg: har, svg or png
	opScale       = "scale"    // Arg: "1" or "2"
	opReplay      = "replay"
	opReplayPause = "replay-pause" // pause, resume, or start again at the end
	opReplayStep  = "replay-step"
	opReplayBack  = "replay-back"
	opReplaySpeed = "replay-speed" // Arg: a speed of keep.Speeds
	opReplayGaps  = "replay-gaps"  // Arg: ms, "0" for none
	opReplayScrub = "replay-scrub" // Arg: 0…scrubSteps
	opReplayClose = "replay-close"
)

// scrubSteps is the scrubber's resolution.
const scrubSteps = 1000

// frameEvery is how often a playing replay redraws: a projector's frame
// rate is what matters, not the records' resolution.
const frameEvery = 33 * time.Millisecond

// replaying is a replay under way: the records it plays (the view's, as
// they were when it started) and what it shows now.
type replaying struct {
	tl      *keep.Replay
	src     []*record.Run
	shown   []*record.Run
	pos     float64 // replay time at 1×, ms
	step    int     // reads shown, when stepping; -1 when played by time
	playing bool
	last    time.Time // wall clock at the last frame
	gen     int       // the play loop allowed to advance it
	render  time.Time // when the page's text was last re-rendered
}

// shownRuns is what the chart, the table and the cards draw: the replay's
// records while one is under way, else the view's.
func (p *Page) shownRuns() []*record.Run {
	if p.replay != nil {
		return p.replay.shown
	}
	return p.runs.View
}

// replayNote is the speed and gaps the chart notes, or nil when live.
func (p *Page) replayNote() *note {
	if p.replay == nil {
		return nil
	}
	return &note{Speed: p.speed, Gaps: p.replay.tl.Gaps()}
}

// keepAction does the keeping operations; false for any other.
func (p *Page) keepAction(ctx app.Context, do act) bool {
	var err error
	switch do.Op {
	case opSaveView:
		err = p.save(p.runs.View, "chunkscope-view")
	case opSaveRun:
		err = errors.New("That run is no longer in this page.")
		for _, r := range p.runs.Store().Runs() {
			if r.ID == do.Arg {
				err = p.save([]*record.Run{r}, "chunkscope-"+r.Label())
			}
		}
	case opExport:
		var out string
		if out, err = p.exportNow(do.Arg, p.scale); err == nil {
			name := "chunkscope-" + time.Now().Format("20060102-150405")
			switch do.Arg {
			case "har":
				browser.Download(name+".har", "application/json", out)
			case "svg":
				browser.Download(name+".svg", "image/svg+xml", out)
			case "png":
				browser.Download(name+".png", "", out)
			}
		}
	case opScale:
		p.scale = 1
		if do.Arg == "2" {
			p.scale = 2
		}
	case opReplay:
		err = p.startReplay(ctx)
	case opReplayPause:
		p.pauseReplay(ctx)
	case opReplayStep, opReplayBack:
		p.stepReplay(do.Op == opReplayStep)
	case opReplaySpeed:
		if v, e := strconv.ParseFloat(do.Arg, 64); e == nil && slices.Contains(keep.Speeds, v) {
			p.speed = v
			p.paint()
		}
	case opReplayGaps:
		if v, e := strconv.ParseFloat(do.Arg, 64); e == nil && v >= 0 {
			p.gapMs = v
			if r := p.replay; r != nil {
				t := r.tl.RunTime(r.pos)
				r.tl = keep.NewReplay(r.src, v)
				r.pos = r.tl.ReplayTime(t)
				p.paint()
			}
		}
	case opReplayScrub:
		if v, e := strconv.Atoi(do.Arg); e == nil && p.replay != nil {
			r := p.replay
			r.pos = r.tl.Duration() * float64(max(0, min(v, scrubSteps))) / scrubSteps
			r.step = -1
			r.last = time.Now()
			p.showTime()
		}
	case opReplayClose:
		p.stopReplay()
	case opChoose:
		err = p.choose(do.Arg)
		p.writeURL(ctx)
	default:
		return false
	}
	p.keepErr = ""
	if err != nil {
		p.keepErr = err.Error()
	}
	return true
}

// save downloads runs as a session file.
func (p *Page) save(runs []*record.Run, name string) error {
	if len(runs) == 0 {
		return errors.New("There is nothing to save: the view is empty.")
	}
	b, err := keep.EncodeWith(runs, p.viewSettings(), time.Now(), p.keepOptions())
	if err != nil {
		return err
	}
	browser.Download(fileName(name)+"-"+time.Now().Format("20060102-150405")+".json", "application/json", string(b))
	return nil
}

// fileName keeps a lane's label to what every file system takes.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, s)
}

func (p *Page) viewSettings() keep.View {
	return keep.View{Align: cmpOr(p.align, scene.AlignStart), Link: p.current().query(false).Encode(), Chain: p.hop.chainShown()}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// exportNow writes the view in a format: the records (json, har) or the
// chart as painted now, with its replay notes (svg, png).
func (p *Page) exportNow(format string, scale float64) (string, error) {
	if scale != 1 && scale != 2 {
		return "", fmt.Errorf("export: scale %v is not 1 (the size on screen) or 2.", scale)
	}
	if len(p.runs.View) == 0 {
		return "", errors.New("There is nothing to export: the view is empty.")
	}
	switch format {
	case "json":
		b, err := keep.EncodeWith(p.runs.View, p.viewSettings(), time.Now(), p.keepOptions())
		return string(b), err
	case "har":
		b, err := keep.HARWith(p.runs.View, browser.Origin(), app.Getenv("GOAPP_VERSION"), p.keepOptions())
		return string(b), err
	case "svg", "png":
		s := painted.Load()
		if s == nil {
			return "", errors.New("The chart has not been drawn yet: try again in a moment.")
		}
		if format == "svg" {
			return keep.SVG(s.Scene, scale), nil
		}
		return browser.PNG(s.Scene, scale), nil
	}
	return "", fmt.Errorf("export: %q is not one of json, har, svg, png.", format)
}

// onUI runs f on the UI goroutine and waits for it: the keep API is called
// from goroutines of its own.
func onUI[T any](ctx app.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	ctx.Dispatch(func(app.Context) {
		v, err := f()
		done <- result{v, err}
	})
	r := <-done
	return r.v, r.err
}

// load decodes a file off the UI goroutine, then adds its runs to the view
// on it. A bad file is one sentence in the page, and nothing else changes.
// data is nil when the file was over keep.MaxBytes: size says how big it
// was (in bytes, or atLeast: a text's length, which its bytes are at
// least), and it was not read.
func (p *Page) load(ctx app.Context, data []byte, name string, size int, atLeast bool) (int, error) {
	var l keep.Loaded
	var err error
	switch {
	case size > keep.MaxBytes:
		err = keep.TooBig(size, atLeast)
	case size < 0:
		err = errors.New("The browser could not read this file.")
	default:
		l, err = keep.Decode(data)
	}
	var began time.Time // a page load's first request, for page time
	if err == nil && l.Kind == "har" {
		began, _ = keep.HARPageStart(data)
	}
	return onUI(ctx, func() (int, error) {
		if err == nil {
			err = p.addLoaded(l, name, began)
		}
		if err != nil {
			p.keepErr = err.Error()
			return 0, err
		}
		return p.keepAdded, nil
	})
}

// shownSkipped is how many of a HAR's entries that cannot be drawn are
// listed: a HAR of thousands of bodiless entries must not make thousands of
// list items.
const shownSkipped = 20

// addLoaded puts a decoded file's runs into the view, marked as loaded.
// began, when known, is when the file's page load began (its first
// request, which may be an entry that is not drawn).
func (p *Page) addLoaded(l keep.Loaded, name string, began time.Time) error {
	if p.runs.Running {
		return errors.New("Runs are still being read: wait for them, or press Stop, before loading a file.")
	}
	empty := len(p.runs.View) == 0
	now := time.Now().UTC().Format(time.RFC3339)
	for _, r := range l.Runs {
		tool := ""
		if r.Loaded != nil {
			tool = r.Loaded.Tool
		}
		r.Loaded = &record.Loaded{From: name, Format: l.Kind, At: now, Tool: tool}
	}
	n, err := p.runs.Load(l.Runs)
	if err != nil {
		return err
	}
	p.stopReplay()
	requestNote = ""
	if !began.IsZero() {
		pageBegan[name+"\x00"+now] = float64(began.UnixMicro()) / 1000
	}
	if empty && l.View != nil && (l.View.Align == scene.AlignStart || l.View.Align == scene.AlignFirstByte || l.View.Align == scene.AlignPage) {
		p.align = l.View.Align
	}
	p.restoreChain(l.View, empty)
	p.keepAdded, p.keepErr, p.skipped = n, "", l.Skipped[:min(len(l.Skipped), shownSkipped)]
	p.keepNote = fmt.Sprintf("Loaded %s from %s.", record.Plural(n, "run"), name)
	if rest := len(l.Runs) - n; rest > 0 {
		p.keepNote += fmt.Sprintf(" %s did not fit in the view (at most %d lanes are drawn): find them in the request list below, and tick one to draw it.", record.Plural(rest, "more run"), runner.MaxLanes)
	}
	switch n := len(l.Skipped); {
	case n > shownSkipped:
		p.keepNote += fmt.Sprintf(" %s of the HAR cannot be drawn; the first %d:", record.Plural(n, "entry"), shownSkipped)
	case n > 0:
		p.keepNote += fmt.Sprintf(" %s of the HAR cannot be drawn:", record.Plural(n, "entry"))
	}
	p.paint()
	return nil
}

// startReplay plays the view's runs again from their start.
func (p *Page) startReplay(ctx app.Context) error {
	switch {
	case p.runs.Running:
		return errors.New("Runs are still being read: wait for them before replaying.")
	case len(p.runs.View) == 0:
		return errors.New("There is nothing to replay: the view is empty. Run something, or load a file.")
	}
	src := slices.Clone(p.runs.View)
	p.replay = &replaying{tl: keep.NewReplay(src, p.gapMs), src: src, step: -1}
	p.replay.shown = p.replay.tl.At(0)
	p.play(ctx)
	return nil
}

// play starts the frame loop from the current position.
func (p *Page) play(ctx app.Context) {
	r := p.replay
	p.replayGen++
	r.gen, r.playing, r.last, r.step = p.replayGen, true, time.Now(), -1
	p.paint()
	gen := p.replayGen
	h := host{ctx}
	ctx.Async(func() {
		for {
			time.Sleep(frameEvery)
			more := make(chan bool, 1)
			h.Next(func() { more <- p.advance(gen) })
			if !<-more {
				return
			}
		}
	})
}

// advance moves a playing replay to now; false when this loop is done.
func (p *Page) advance(gen int) bool {
	r := p.replay
	if r == nil || r.gen != gen || !r.playing {
		return false
	}
	now := time.Now()
	r.pos += float64(now.Sub(r.last)) / float64(time.Millisecond) * p.speed
	r.last = now
	if r.pos >= r.tl.Duration() {
		r.pos, r.playing = r.tl.Duration(), false
	}
	p.showTime()
	if !r.playing || now.Sub(r.render) >= renderEvery {
		r.render = now
		p.Update()
	}
	return r.playing
}

// renderEvery is how often a playing replay re-renders the page's text
// (the table, the cards, the scrubber): as the runner does while reading.
const renderEvery = 250 * time.Millisecond

// showTime draws the replay at its position.
func (p *Page) showTime() {
	r := p.replay
	t := r.tl.RunTime(r.pos)
	if r.pos >= r.tl.Duration() {
		t = r.tl.End() // exactly the end: the records themselves
	}
	r.shown = r.tl.At(t)
	p.paint()
}

func (p *Page) pauseReplay(ctx app.Context) {
	r := p.replay
	switch {
	case r == nil:
	case r.playing:
		r.playing = false
	default:
		if r.pos >= r.tl.Duration() {
			r.pos = 0
		}
		p.play(ctx)
	}
}

// stepReplay shows one read more (or less), pausing the replay.
func (p *Page) stepReplay(forward bool) {
	r := p.replay
	if r == nil {
		return
	}
	r.playing = false
	k := r.step
	if k < 0 {
		k = r.tl.StepAt(r.tl.RunTime(r.pos))
		if !forward && r.pos > r.tl.ReplayTime(r.tl.StepTime(k)) {
			k++ // between reads: back goes to the last one shown
		}
	}
	if forward {
		k = min(k+1, r.tl.Reads())
	} else {
		k = max(k-1, 0)
	}
	var t float64
	r.shown, t = r.tl.AtStep(k)
	r.step, r.pos = k, r.tl.ReplayTime(t)
	p.paint()
}

func (p *Page) stopReplay() {
	if p.replay != nil {
		p.replay = nil
		p.replayGen++
		p.paint()
	}
}

// onKey: the replay's keys, when a replay is under way and no field has
// the focus.
func (p *Page) onKey(ctx app.Context, e app.Event) {
	if p.replay == nil {
		return
	}
	if tag := e.Get("target").Get("tagName"); tag.Truthy() {
		switch strings.ToUpper(tag.String()) {
		case "INPUT", "SELECT", "TEXTAREA", "BUTTON":
			return
		}
	}
	op := ""
	switch e.Get("key").String() {
	case " ", "k":
		op = opReplayPause
	case "ArrowRight", ".":
		op = opReplayStep
	case "ArrowLeft", ",":
		op = opReplayBack
	case "Escape":
		op = opReplayClose
	case "+", "=", "]":
		p.nudgeSpeed(1)
	case "-", "[":
		p.nudgeSpeed(-1)
	case "Home":
		if p.replay != nil {
			p.keepAction(ctx, act{Op: opReplayScrub, Arg: "0"})
		}
	default:
		return
	}
	e.PreventDefault()
	if op != "" {
		p.keepAction(ctx, act{Op: op})
	}
	p.Update()
}

func (p *Page) nudgeSpeed(d int) {
	i := slices.Index(keep.Speeds, p.speed)
	if i < 0 {
		i = slices.Index(keep.Speeds, 1)
	}
	p.speed = keep.Speeds[max(0, min(i+d, len(keep.Speeds)-1))]
	p.paint()
}

// exposeKeep installs window.chunkscope.load and export, and takes the
// files picked or dropped.
func (p *Page) exposeKeep(ctx app.Context) {
	defer p.exposeRequests(ctx)
	browser.ExposeKeep(browser.Keep{
		Load: func(data []byte, name string, size int, atLeast bool) (int, error) {
			return p.load(ctx, data, name, size, atLeast)
		},
		MaxBytes: keep.MaxBytes,
		Export: func(format string, scale float64) (string, error) {
			return onUI(ctx, func() (string, error) { return p.exportNow(format, scale) })
		},
	})
}
