package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/systeminfo"
	"github.com/chromedp/chromedp"
)

// The files of issue 20's item 8, built in the page itself (a quarter of a
// gigabyte is not sent over the DevTools protocol): JavaScript expressions
// that make the text.
const (
	// 1 chunk and 85 million empty serverMem samples: 243.2 MiB, which the
	// old limits (256 MiB, 10 million chunks) let through to the decoder,
	// and the page's Go program died.
	sessionHead  = `'{"format":"chunkscope-session","version":1,"runs":[{"version":1,"id":"x","startedAt":"2026-11-25T13:17:25Z","bytes":1,"chunks":[{"t":1,"n":1}],"serverMem":['`
	sessionTail  = `'{}]}]}'`
	hugeSession  = sessionHead + ` + '{},'.repeat(85e6 - 1) + ` + sessionTail
	largeSession = sessionHead + ` + '{},'.repeat(44e6 - 1) + ` + sessionTail // 125.9 MiB: within MaxBytes, over the samples' count
	// A million empty entries: 3 MB, which froze the page 85 s at 8.6 GB
	// (each skipped entry was a list item).
	millionEntries = `'{"log":{"version":"1.2","entries":[' + '{},'.repeat(1e6 - 1) + '{}]}}'`
)

// har is a HAR of n entries with _chunks and, after them, entries with a
// body but no _chunks (which cannot be drawn), as a JavaScript expression.
func har(drawable, undrawable int) string {
	return `(() => { const e = [];
		for (let i = 0; i < ` + strconv.Itoa(drawable) + `; i++) e.push({startedDateTime: "2026-11-25T13:17:25.000Z", time: 10, request: {method: "GET", url: "http://example.test/" + i},
			response: {status: 200, headers: []}, timings: {wait: 5, receive: 5}, _chunks: [{ts: 6, bytes: 100}, {ts: 10, bytes: 50}]});
		for (let i = 0; i < ` + strconv.Itoa(undrawable) + `; i++) e.push({startedDateTime: "2026-11-25T13:17:25.000Z", request: {method: "GET", url: "http://example.test/unread/" + i}, response: {status: 200, content: {size: 100}}});
		return JSON.stringify({log: {version: "1.2", creator: {name: "test"}, entries: e}}); })()`
}

// pageMemory is the page's JS heap (precise: the harness starts Chromium
// with --enable-precise-memory-info) after a garbage collection, and the
// largest resident set of the browser's renderers (the page's wasm memory
// lives there, outside the JS heap).
func pageMemory(t *testing.T, ctx context.Context) (jsHeap, rss int64) {
	t.Helper()
	if _, err := chromedp.Call(ctx, heapprofiler.CollectGarbage, cdp.Empty{}); err != nil {
		t.Logf("collecting garbage: %v", err)
	}
	jsHeap = int64(eval[float64](t, ctx, `performance.memory.usedJSHeapSize`))
	return jsHeap, rendererRSS(ctx)
}

// rendererRSS is the largest VmRSS of Chromium's renderer processes (all
// on this machine), or -1.
func rendererRSS(ctx context.Context) int64 {
	info, err := chromedp.CallBrowser(ctx, systeminfo.GetProcessInfo, cdp.Empty{})
	if err != nil {
		return -1
	}
	var most int64 = -1
	for _, p := range info.ProcessInfo {
		if p.Type != "renderer" {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", int(p.ID)))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				most = max(most, kb<<10)
			}
		}
	}
	return most
}

func mibText(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// loadTimed builds a text in the page (expr), then hands it to
// window.chunkscope.load and times the promise in the page.
func loadTimed(t *testing.T, ctx context.Context, expr string) (result string, ms float64) {
	t.Helper()
	n := eval[float64](t, ctx, `(globalThis.__text = `+expr+`).length`)
	// A text made by concatenation is a rope, which V8 flattens the first
	// time it is used as a key (wasm_exec.js keeps the values it hands Go
	// in a Map): 9.6 s for 243 MiB on a loaded machine. A file's text, or
	// a fetched one, is flat already; so is this one, before it is timed.
	flat := eval[float64](t, ctx, `(() => { const t0 = performance.now(); new Map().set(globalThis.__text, 1); return performance.now() - t0; })()`)
	t.Logf("built a text of %s (%.0f UTF-16 units), flattened in %.0f ms", mibText(int64(n)), n, flat)
	var r struct {
		R  string
		Ms float64
	}
	raw := eval[string](t, ctx, `(async () => { const t0 = performance.now(); let r;
		try { r = "ok:" + await window.chunkscope.load(globalThis.__text); } catch (e) { r = "err:" + e.message; }
		globalThis.__text = null; return JSON.stringify({r, ms: performance.now() - t0}); })()`)
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatal(err)
	}
	return r.R, r.Ms
}

// pickTimed puts a file made of expr's text into the explorer's file
// picker, as a person picking it does, and waits for the page to say
// what became of it (#keep-error or #keep-note holding want: a sentence
// other than the one shown before).
func pickTimed(t *testing.T, ctx context.Context, input, expr, name, where, want string) (shown string, took time.Duration) {
	t.Helper()
	eval[bool](t, ctx, `(() => { const dt = new DataTransfer(); dt.items.add(new File([`+expr+`], `+jsString(name)+`));
		const in_ = document.getElementById(`+jsString(input)+`); in_.files = dt.files; globalThis.__picked = performance.now();
		in_.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
	start := time.Now()
	shown, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const e = document.getElementById(`+jsString(where)+`);
		return e && e.textContent.includes(`+jsString(want)+`) ? e.textContent : ""; })()`,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("%s: the page did not say %q within 30 s: %v", name, want, err)
	}
	return shown, time.Since(start)
}

// TestHostileFilesLeaveThePageAlive is issue 20's item 8: the 243 MiB
// session of empty samples and the HAR of a million empty entries are
// refused within seconds, by load(text) and by the file picker, with a
// sentence naming the limit; the runs already shown stay; the page still
// loads a good file and still runs.
func TestHostileFilesLeaveThePageAlive(t *testing.T) {
	ctx := tabFor(t, 5*time.Minute)
	go func() { // what the page's Go program says if it dies
		for ev := range chromedp.Events(ctx, cdpruntime.ConsoleAPICalled) {
			for _, a := range ev.Args {
				t.Logf("console %s: %.500s", ev.Type, cmpOr(string(a.Value), a.Description))
			}
		}
	}()
	runsAfter(t, ctx, "/?scenario=streaming&rows=5&delay=50ms&autorun=1", 1)
	good := export(t, ctx, "json", 1)
	view := func() string {
		return eval[string](t, ctx, `JSON.stringify([window.chunkscope.runs().map(r => { const c = {...r}; delete c.uaMemory; return c; }),
			window.chunkscope.scene(), document.getElementById("comparison").textContent])`)
	}
	before := view()
	heap0, rss0 := pageMemory(t, ctx)
	t.Logf("page before: JS heap %s, renderer RSS %s", mibText(heap0), mibText(rss0))

	for _, tc := range []struct {
		name, text, want string
		within           time.Duration
	}{
		{"the 243 MiB session of 85 million empty samples", hugeSession, "This file is at least 243.2 MiB; chunkscope loads files of at most 128 MiB.", 2 * time.Second},
		{"a 126 MiB session of 44 million empty samples", largeSession, "This file holds 44,000,000 memory samples (serverMem, clientMem); chunkscope loads at most 1,000,000.", 10 * time.Second},
		{"a HAR of a million empty entries", millionEntries, "This file holds 1,000,000 HAR entries; chunkscope loads at most 10,000.", 2 * time.Second},
	} {
		t.Run("load() "+tc.name, func(t *testing.T) {
			got, ms := loadTimed(t, ctx, tc.text)
			if got != "err:"+tc.want {
				t.Fatalf("load: %.300s; want refused with %q", got, tc.want)
			}
			shown, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const e = document.getElementById("keep-error"); return e && e.textContent === `+jsString(tc.want)+` ? e.textContent : ""; })()`,
				chromedp.WithPollingTimeout(3*time.Second)))
			if err != nil || shown != tc.want {
				t.Errorf("the page says %q (%v); want %q", shown, err, tc.want)
			}
			heap, rss := pageMemory(t, ctx)
			t.Logf("refused in %.0f ms; then JS heap %s, renderer RSS %s", ms, mibText(heap), mibText(rss))
			if time.Duration(ms*float64(time.Millisecond)) > tc.within {
				t.Errorf("refused after %.0f ms; want within %v", ms, tc.within)
			}
			if after := view(); after != before {
				t.Errorf("the view changed: %s", firstDifference(before, after))
			}
		})
	}
	for _, tc := range []struct {
		name, text, file, want string
		within                 time.Duration
	}{
		{"the 243 MiB session of 85 million empty samples", hugeSession, "huge.json", "This file is 243.2 MiB; chunkscope loads files of at most 128 MiB.", 2 * time.Second},
		{"a HAR of a million empty entries", millionEntries, "million.har", "This file holds 1,000,000 HAR entries; chunkscope loads at most 10,000.", 3 * time.Second},
	} {
		t.Run("picked: "+tc.name, func(t *testing.T) {
			shown, took := pickTimed(t, ctx, "keep-file", tc.text, tc.file, "keep-error", tc.want)
			if shown != tc.want {
				t.Errorf("the page says %q; want %q", shown, tc.want)
			}
			heap, rss := pageMemory(t, ctx)
			t.Logf("refused in %v; then JS heap %s, renderer RSS %s", took.Round(time.Millisecond), mibText(heap), mibText(rss))
			if took > tc.within {
				t.Errorf("refused after %v; want within %v", took, tc.within)
			}
			if after := view(); after != before {
				t.Errorf("the view changed: %s", firstDifference(before, after))
			}
		})
	}
	shot(t, ctx, "hostile-refused.png")

	t.Run("still loads a good file", func(t *testing.T) {
		if got := load(t, ctx, jsString(good)); got != "ok:1" {
			t.Fatalf("load: %s; want ok:1", got)
		}
		if n := eval[float64](t, ctx, `window.chunkscope.count()`); n != 2 {
			t.Errorf("%v runs; want the live one and the one loaded", n)
		}
	})
	t.Run("still runs", func(t *testing.T) {
		eval[bool](t, ctx, `(document.getElementById("run").click(), true)`)
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.chunkscope.count() >= 3`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Fatalf("no run after the refusals: %v", err)
		}
	})
}

// TestHARListsItsFirstUndrawableEntries: a HAR of thousands of entries
// without _chunks (each with a body: a bodiless one is a lane) loads its drawable one and lists the first 20 of the others, not
// thousands of list items.
func TestHARListsItsFirstUndrawableEntries(t *testing.T) {
	ctx := tabFor(t, 2*time.Minute)
	freshPage(t, ctx)
	start := time.Now()
	if got := load(t, ctx, har(1, 4999)); got != "ok:1" {
		t.Fatalf("load: %s; want ok:1", got)
	}
	want := "Loaded 1 run from load(). 4999 entries of the HAR cannot be drawn; the first 20:"
	note, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const e = document.getElementById("keep-note"); return e && e.firstChild ? e.firstChild.textContent : ""; })()`,
		chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil || !strings.HasPrefix(note, want) {
		t.Errorf("note %q (%v); want %q", note, err, want)
	}
	items := eval[float64](t, ctx, `document.querySelectorAll("#keep-skipped li").length`)
	t.Logf("loaded in %v; %v items listed", time.Since(start).Round(time.Millisecond), items)
	if items != 20 {
		t.Errorf("%v entries listed; want the first 20", items)
	}
	shot(t, ctx, "hostile-skipped.png")
}

// TestHAROfTenThousandEntriesLoads: a HAR at the entries' limit, each entry
// with _chunks, loads: 8 lanes, the rest among the earlier runs.
func TestHAROfTenThousandEntriesLoads(t *testing.T) {
	ctx := tabFor(t, 3*time.Minute)
	freshPage(t, ctx)
	got, ms := loadTimed(t, ctx, har(10_000, 0))
	if got != "ok:8" {
		t.Fatalf("load: %s; want ok:8", got)
	}
	heap, rss := pageMemory(t, ctx)
	t.Logf("10,000 entries loaded in %.0f ms; JS heap %s, renderer RSS %s", ms, mibText(heap), mibText(rss))
	if n := eval[float64](t, ctx, `window.chunkscope.count()`); n != 10_000 {
		t.Errorf("%v runs; want 10,000", n)
	}
	if ms > 30_000 {
		t.Errorf("loading took %.0f ms; want well under 30 s", ms)
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestTalkSurvivesTheHugeSession: /talk reads files with the same script;
// the 243 MiB session that exited its Go program is not read at all, and
// the talk goes on.
func TestTalkSurvivesTheHugeSession(t *testing.T) {
	ctx := tabFor(t, 2*time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate(env.base+"/talk/1")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.getElementById("keep-file") && !!(window.chunkscopeKeep && window.chunkscopeKeep.hooks.file)`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatal(err)
	}
	shown, took := pickTimed(t, ctx, "keep-file", hugeSession, "huge.json", "talk-error", "huge.json")
	t.Logf("/talk says %q after %v", shown, took.Round(time.Millisecond))
	if !strings.Contains(shown, "chunkscope loads files of at most 128 MiB") {
		t.Errorf("/talk says %q; want the file refused by its size", shown)
	}
	// The clicker's key still drives the talk: the first press plays step
	// 1, a press once it has played goes on to step 2.
	press := `location.pathname === "/talk/2" || (document.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true})), false)`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](press, chromedp.WithPollingInterval(700*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Errorf("the talk does not go on to step 2 after the file: %v", err)
	}
}

// TestFileAtTheLimitsLoads: a run that holds as much as the limits let
// through (a million chunks, a million memory samples, two million writes
// in its send log, a million wire events: 1 chunk and 1 element short of
// each) loads and draws; what it costs the page is logged.
func TestFileAtTheLimitsLoads(t *testing.T) {
	ctx := tabFor(t, 4*time.Minute)
	freshPage(t, ctx)
	heap0, rss0 := pageMemory(t, ctx)
	text := `'{"format":"chunkscope-session","version":1,"runs":[{"version":1,"id":"x","startedAt":"2026-11-25T13:17:25Z","bytes":0,` +
		`"chunks":[' + '{},'.repeat(1e6 - 1) + '{}],"serverMem":[' + '{},'.repeat(5e5 - 1) + '{}],"clientMem":[' + '{},'.repeat(5e5 - 1) + '{}],` +
		`"sent":[' + '{},'.repeat(2e6 - 1) + '{}],"wire":{"events":[' + '{},'.repeat(1e6 - 1) + '{}]}}]}'`
	got, ms := loadTimed(t, ctx, text)
	if got != "ok:1" {
		t.Fatalf("load: %.300s; want ok:1", got)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const s = window.chunkscope.scene(); return !!s && s.scene.Prims.length > 0 })()`,
		chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("not drawn: %v", err)
	}
	heap, rss := pageMemory(t, ctx)
	t.Logf("loaded in %.0f ms; JS heap %s → %s, renderer RSS %s → %s", ms, mibText(heap0), mibText(heap), mibText(rss0), mibText(rss))
}
