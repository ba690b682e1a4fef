package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"chunkscope/app/record"
	"chunkscope/app/talk"
	"chunkscope/internal/harness"
)

// talkServer starts a server of the test's own (a fresh origin: its own
// service workers and storage) and a 1280×720 tab on its /talk.
func talkServer(t *testing.T, path string) (*harness.Server, context.Context) {
	t.Helper()
	bin := binaryAndBrowser(t)
	srv, err := harness.Start(bin, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	ctx := tabFor(t, 3*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(srv.Base+path)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the talk page", `!!document.querySelector("#talk") || !!document.querySelector("#talk-print")`)
	return srv, ctx
}

// talkWorkerControls is true once web/talk-worker.js controls the page.
const talkWorkerControls = `!!navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL.includes("/web/talk-worker.js")`

// stopServer stops a test's server and waits for it to be gone.
func stopServer(t *testing.T, srv *harness.Server) {
	t.Helper()
	srv.Stop()
	select {
	case <-srv.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not stop")
	}
}

// reload reloads the tab and waits for the talk page at step n.
func reload(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	waitJS(t, ctx, fmt.Sprintf("step %d after the reload", n), fmt.Sprintf(`!!document.querySelector("#talk") && document.querySelector("#talk").dataset.step === "%d"`, n))
}

// TestTalkReloadWithTheServerGone: on /talk, go to the first step whose
// view has a wire lane (step 5), stop the server, reload: the talk worker opens the same step
// and the page plays the step's own recording by itself, wire lane
// included, marked as recorded and saying the server is down.
func TestTalkReloadWithTheServerGone(t *testing.T) {
	srv, ctx := talkServer(t, "/talk")
	waitJS(t, ctx, "the talk worker controlling /talk", talkWorkerControls)
	n := 0
	for i, s := range talk.Streaming().Steps {
		if s.View.Wire && n == 0 {
			n = i + 1
		}
	}
	// g N Enter: PageDown would play each step first.
	press(t, ctx, fmt.Sprintf("g%d\r", n))
	waitJS(t, ctx, fmt.Sprintf("step %d", n), fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d"`, n))
	stopServer(t, srv)
	reload(t, ctx, n)
	s := talk.Streaming().Steps[n-1]
	title, _ := json.Marshal(s.Title)
	waitJS(t, ctx, "the step's title", `document.querySelector("#talk-title").textContent === `+string(title))
	waitJS(t, ctx, "its recording played to the end, marked", `document.querySelector("#talk").dataset.played === "true" &&
		document.querySelector("#talk-status").classList.contains("recorded") &&
		/^recorded \d{4}-\d{2}-\d{2}/.test(document.querySelector("#talk-status").textContent) &&
		document.querySelector("#talk-status").textContent.includes("server down")`)
	lanes := eval[string](t, ctx, `JSON.stringify(window.chunkscope.scene().scene.Prims.filter(p => p.Kind === 5 && p.Font === 2).map(p => p.Text))`)
	var italic []string
	json.Unmarshal([]byte(lanes), &italic)
	wire := false
	for _, l := range italic {
		wire = wire || l == "wire"
	}
	if !wire {
		t.Errorf("step %d replayed without its wire lane (italic lane labels %v); want a lane \"wire\"", n, italic)
	}
	if got := eval[int](t, ctx, `document.querySelectorAll("#talk-figures .talk-lane").length`); got != s.View.Lanes() {
		t.Errorf("%d lanes of figures; want %d", got, s.View.Lanes())
	}
	tshot(t, ctx, "out/talk-offline-reload.png")
}

// TestTalkWorkerLeavesMeasuredRequests: the talk worker has a fetch
// handler, but no measured request meets it. A live run on /talk (talk
// worker in control) and one in the explorer (/, go-app's worker) each
// hold the browser's Resource Timing entry of their request: workerStart
// 0, no worker on the way.
func TestTalkWorkerLeavesMeasuredRequests(t *testing.T) {
	srv, ctx := talkServer(t, "/talk/2")
	waitJS(t, ctx, "the talk worker controlling /talk", talkWorkerControls)
	// A second load: the page starts under the worker, as on stage.
	reload(t, ctx, 2)
	waitJS(t, ctx, "the talk worker controlling /talk", talkWorkerControls)
	time.Sleep(500 * time.Millisecond)
	press(t, ctx, " ")
	runs, err := harness.WaitRuns(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	check := func(where string, r record.Run) {
		t.Helper()
		tm := r.Timing
		if tm == nil {
			t.Fatalf("%s: no Resource Timing entry in the record", where)
		}
		t.Logf("%s: %s workerStart %.2f ms, worker %v, source %q, first byte (network) %.1f ms, first read %.1f ms",
			where, r.Scenario, tm.WorkerStartMs, tm.Worker, tm.WorkerSource, tm.ResponseStartMs, r.TTFBMs)
		if tm.Worker || tm.WorkerStartMs != 0 || tm.WorkerSource == "fetch-event" {
			t.Errorf("%s: workerStart %.2f ms (worker %v, source %q); want 0: no service worker on a measured request", where, tm.WorkerStartMs, tm.Worker, tm.WorkerSource)
		}
	}
	check("/talk", runs[0])
	// The page's own requests to the server (event streams, the clock, the
	// probe): the static router's "network", never a fetch event, and what
	// the router cost them (workerStart to fetchStart).
	page := eval[string](t, ctx, requestsJS)
	t.Logf("/talk page's requests [path, source, fetchStart − workerStart ms, requestStart − startTime ms]: %s", page)
	var entries [][]any
	json.Unmarshal([]byte(page), &entries)
	if len(entries) == 0 {
		t.Errorf("no request of the page to the server in its Resource Timing; want /events, /clock")
	}
	for _, e := range entries {
		if len(e) == 4 && e[1] != "network" {
			t.Errorf("/talk: %v did not go straight to the network (source %v)", e[0], e[1])
		}
	}

	// The explorer: not under the talk worker.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.Base+"/?scenario=streaming&rows=20&delay=100ms")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the explorer", `!!(window.chunkscope && window.chunkscope.readyMs)`)
	if got := eval[string](t, ctx, `navigator.serviceWorker.controller ? navigator.serviceWorker.controller.scriptURL : ""`); got != "" && !strings.Contains(got, "/app-worker.js") {
		t.Errorf("the explorer is controlled by %s; want go-app's /app-worker.js or none", got)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById("run").click(), true)`)); err != nil {
		t.Fatal(err)
	}
	runs, err = harness.WaitRuns(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	check("/ (explorer)", runs[len(runs)-1])
	t.Logf("explorer's requests [path, source, fetchStart − workerStart ms, requestStart − startTime ms]: %s", eval[string](t, ctx, requestsJS))
}

// requestsJS lists the page's own requests to the server: path, the
// worker's source, fetchStart − workerStart and requestStart − startTime.
const requestsJS = `JSON.stringify(performance.getEntriesByType("resource").filter(e => /^\/(events|clock|wire|robots\.txt|csv)/.test(new URL(e.name).pathname)).map(e => [new URL(e.name).pathname, e.workerMatchedSourceType || "", +(e.workerStart ? e.fetchStart - e.workerStart : 0).toFixed(2), +(e.requestStart - e.startTime).toFixed(2)]))`

// shippedDeck is web/decks/NAME.json: its text and the deck.
func shippedDeck(t *testing.T, name string) ([]byte, talk.Deck) {
	t.Helper()
	text, err := os.ReadFile("../web/decks/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := talk.Decode(text)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return text, d
}

// TestTalkFileDeckSurvivesReload: a deck opened from a file, then its
// recording: a reload shows the same deck at the same step, names both
// files, and plays the kept recording; "built-in deck" goes back to the
// shipped deck, for good.
func TestTalkFileDeckSurvivesReload(t *testing.T) {
	_, ctx := talkServer(t, "/talk")
	deckText, deck := shippedDeck(t, "lightning")
	recText, err := os.ReadFile("../web/decks/streaming.recorded.json")
	if err != nil {
		t.Fatal(err)
	}
	eval[any](t, ctx, `window.chunkscopeKeep.hooks.file(`+jsString(string(deckText))+`, "my-talk.json"), null`)
	title := func(i int) string { b, _ := json.Marshal(deck.Steps[i].Title); return string(b) }
	waitJS(t, ctx, "the file deck's first step", `document.querySelector("#talk-title").textContent === `+title(0))
	press(t, ctx, kb.PageDown)
	waitJS(t, ctx, "its step 2", `document.querySelector("#talk").dataset.step === "2" && document.querySelector("#talk-title").textContent === `+title(1))
	eval[any](t, ctx, `window.chunkscopeKeep.hooks.file(`+jsString(string(recText))+`, "my-talk.recorded.json"), null`)
	waitJS(t, ctx, "the recording named", `(document.querySelector("#talk-deck") || {}).textContent === "my-talk.json + recording"`)
	time.Sleep(300 * time.Millisecond) // IndexedDB's write

	reload(t, ctx, 2)
	waitJS(t, ctx, "the same deck and step after the reload", `document.querySelector("#talk-title").textContent === `+title(1))
	waitJS(t, ctx, "both files named", `(document.querySelector("#talk-deck") || {}).textContent === "my-talk.json + recording"`)
	press(t, ctx, "r")
	waitJS(t, ctx, "the kept recording played", `document.querySelector("#talk-status").textContent.startsWith("recorded ") && document.querySelector("#talk").dataset.played === "true"`)
	tshot(t, ctx, "out/talk-file-deck-reload.png")

	eval[any](t, ctx, `document.querySelector("#talk-builtin").click(), null`)
	first, _ := json.Marshal(talk.Streaming().Steps[0].Title)
	waitJS(t, ctx, "the built-in deck", `document.querySelector("#talk").dataset.step === "1" && document.querySelector("#talk-title").textContent === `+string(first)+` && !document.querySelector("#talk-deck")`)
	time.Sleep(300 * time.Millisecond)
	reload(t, ctx, 1)
	waitJS(t, ctx, "still the built-in deck after a reload", `document.querySelector("#talk-title").textContent === `+string(first)+` && !document.querySelector("#talk-deck")`)
}

// openNotes presses n on the talk page and returns the notes window's
// context. Headless, the window not in front is throttled as hidden: on a
// stage both are shown (two screens), so both act as focused.
func openNotes(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	opened := chromedp.WaitNewTarget(ctx, func(info *target.Info) bool { return strings.Contains(info.URL, "/web/notes.html#key=") })
	press(t, ctx, "n")
	var id target.ID
	select {
	case id = <-opened:
	case <-time.After(20 * time.Second):
		t.Fatal("n opened no notes window")
	}
	notes, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	for _, c := range []context.Context{ctx, notes} {
		if _, err := chromedp.Call(c, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
			t.Fatal(err)
		}
	}
	return notes
}

// talkAndNotes opens /talk on the suite's server at 1280×720, waits for
// step 1 and opens the notes window: the talk's tab and the notes'.
func talkAndNotes(t *testing.T) (talkTab, notes context.Context) {
	t.Helper()
	ctx := tabFor(t, 2*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(env.base+"/talk")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the first step", `!!document.querySelector("#talk") && document.querySelector("#talk").dataset.step === "1"`)
	return ctx, openNotes(t, ctx)
}

// TestTalkNotesTimerClockPreview: the notes window shows how long the talk
// has run (resettable with its button), the time of day, and a preview of
// the next step (its title and lines); its keys still move the talk.
func TestTalkNotesTimerClockPreview(t *testing.T) {
	ctx, notes := talkAndNotes(t)
	deck := talk.Streaming()
	preview := func(i int) {
		t.Helper()
		lines, _ := json.Marshal(deck.Steps[i+1].Lines)
		waitJS(t, notes, fmt.Sprintf("the preview of step %d", i+2), fmt.Sprintf(
			`document.querySelector("#notes-title").textContent === %s && document.querySelector("#notes-next").textContent === %s &&
			 JSON.stringify([...document.querySelectorAll("#notes-next-lines li")].map(e => e.textContent)) === %s`,
			jsString(deck.Steps[i].Title), jsString("Next: "+deck.Steps[i+1].Title), jsString(string(lines))))
	}
	preview(0)
	waitJS(t, notes, "the timer past 0:01 and the clock", `/^0:0[1-9]$/.test(document.querySelector("#notes-timer").textContent) &&
		/^\d\d:\d\d:\d\d$/.test(document.querySelector("#notes-clock").textContent)`)
	press(t, notes, kb.PageDown)
	waitJS(t, ctx, "PageDown in the notes window moving the talk", `document.querySelector("#talk").dataset.step === "2"`)
	preview(1)
	time.Sleep(1200 * time.Millisecond)
	eval[any](t, notes, `document.querySelector("#notes-reset").click(), null`)
	if got := eval[string](t, notes, `document.querySelector("#notes-timer").textContent`); got != "0:00" {
		t.Errorf("the timer after reset reads %q; want 0:00", got)
	}
	png, err := chromedp.Run(notes, chromedp.CaptureScreenshot())
	if err == nil {
		os.WriteFile("out/talk-notes.png", png, 0o644)
	}
}

// TestTalkPrint: /talk?print=1 is the deck as slides: a cover, then one
// page-sized section per step (720 px high, a page break after it) with
// its title and the chart of its recorded run drawn; Chromium's print to
// PDF makes one page of each.
func TestTalkPrint(t *testing.T) {
	// A server of its own: no deck or recording kept by another test.
	_, ctx := talkServer(t, "/talk?print=1")
	deck := talk.Streaming()
	waitJS(t, ctx, "the print view with its recording", `!!document.querySelector("#talk-print") && !!document.querySelector("#talk-print").dataset.recorded`)
	raw := eval[string](t, ctx, `JSON.stringify([...document.querySelectorAll(".talk-print-page[data-step]")].map(s => ({
		step: +s.dataset.step, title: s.querySelector(".talk-print-title").textContent,
		h: Math.round(s.getBoundingClientRect().height), brk: getComputedStyle(s).breakAfter,
		shapes: s.querySelectorAll(".talk-print-chart svg path, .talk-print-chart svg polyline").length,
		texts: s.querySelectorAll(".talk-print-chart svg text").length})))`)
	var pages []struct {
		Step          int
		Title, Brk    string
		H             float64
		Shapes, Texts int
	}
	if err := json.Unmarshal([]byte(raw), &pages); err != nil {
		t.Fatal(err)
	}
	if len(pages) != len(deck.Steps) {
		t.Fatalf("%d step pages; want %d", len(pages), len(deck.Steps))
	}
	for i, p := range pages {
		if p.Step != i+1 || p.Title != deck.Steps[i].Title {
			t.Errorf("page %d: step %d %q; want step %d %q", i+1, p.Step, p.Title, i+1, deck.Steps[i].Title)
		}
		if p.H != 720 || p.Brk != "page" {
			t.Errorf("step %d: %v px high, break-after %q; want 720 and page", i+1, p.H, p.Brk)
		}
		if p.Shapes < 3 || p.Texts < 5 {
			t.Errorf("step %d: the chart has %d shapes and %d texts; want a drawn chart (≥ 3, ≥ 5)", i+1, p.Shapes, p.Texts)
		}
	}
	tshot(t, ctx, "out/talk-print.png")
	pdf, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("out/talk-print.pdf", pdf.Data, 0o644)
	if n := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf.Data, -1)); n != len(deck.Steps)+1 {
		t.Errorf("the PDF has %d pages; want %d (a cover and one per step)", n, len(deck.Steps)+1)
	}
}

// TestTalkFramedByAFile: a slide deck opened as a file (file://, an opaque
// origin) frames /talk?embed=1 and hears it ready, then drives it.
func TestTalkFramedByAFile(t *testing.T) {
	ctx := tabFor(t, time.Minute)
	deck := t.TempDir() + "/deck.html"
	page := fmt.Sprintf(`<!doctype html><title>a deck on disk</title>
<iframe id="f" src="%s/talk?embed=1" width="1280" height="720"></iframe>
<script>window.got = []; addEventListener("message", (e) => { if (e.data && e.data.source === "chunkscope") got.push(e.data); });</script>`, env.base)
	if err := os.WriteFile(deck, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 800), chromedp.Navigate("file://"+deck)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the framed talk ready", `window.got.some((m) => m.type === "ready") && window.got.some((m) => m.type === "state" && m.step === 1)`)
	eval[any](t, ctx, `document.getElementById("f").contentWindow.postMessage("step 3", "*"), null`)
	waitJS(t, ctx, "step 3 by postMessage", `window.got.some((m) => m.type === "state" && m.step === 3)`)
}

// TestTalkDjangoDeckWithoutPython: the django deck's steps read the lab's
// Django (Gunicorn, nginx) through /upstream. On a server that does not
// allow them (no lab, no Python) the live run is refused with a sentence
// and the page plays the step's recording instead, the Django lanes with
// it; step 3's two nginx lanes replay from the shipped recording.
func TestTalkDjangoDeckWithoutPython(t *testing.T) {
	ctx := tabFor(t, 2*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(env.base+"/talk?deck=django")); err != nil {
		t.Fatal(err)
	}
	_, deck := shippedDeck(t, "django")
	title := func(i int) string { b, _ := json.Marshal(deck.Steps[i].Title); return string(b) }
	waitJS(t, ctx, "the django deck with its recording", `!!document.querySelector("#talk-title") && document.querySelector("#talk-title").textContent === `+title(0)+` && !!document.querySelector("#talk").dataset.recorded`)
	press(t, ctx, " ")
	waitJS(t, ctx, "the refused live run falling back to the recording", `!!document.querySelector("#talk-error") &&
		document.querySelector("#talk-error").textContent.includes("showing the recording") &&
		document.querySelector("#talk-status").textContent.startsWith("recorded ")`)
	t.Logf("step 1 says: %s", eval[string](t, ctx, `document.querySelector("#talk-error").textContent`))
	press(t, ctx, "g3\r")
	waitJS(t, ctx, "step 3", `document.querySelector("#talk").dataset.step === "3" && document.querySelector("#talk-title").textContent === `+title(2))
	press(t, ctx, "r")
	waitJS(t, ctx, "step 3's two nginx lanes from the recording", `document.querySelector("#talk").dataset.played === "true" &&
		document.querySelectorAll("#talk-figures .talk-lane").length === 2 &&
		window.chunkscope.scene().scene.Prims.some(p => p.Kind === 5 && p.Text === "nginx stock") &&
		window.chunkscope.scene().scene.Prims.some(p => p.Kind === 5 && p.Text === "nginx buf off")`)
	tshot(t, ctx, "out/talk-django-3.png")
}
