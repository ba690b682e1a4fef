package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"chunkscope/app/keep"
	"chunkscope/app/record"
	"chunkscope/app/talk"
)

// press sends keys to the page.
func press(t *testing.T, ctx context.Context, keys string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(keys)); err != nil {
		t.Fatalf("key %q: %v", keys, err)
	}
}

// waitJS polls a boolean expression.
func waitJS(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, cond, err)
	}
}

// talkSizes are the computed font sizes that must hold on every step:
// the smallest body text and the smallest key figure, in CSS pixels.
const talkSizes = `(() => {
  const px = (sel) => [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null && e.textContent.trim())
    .map(e => parseFloat(getComputedStyle(e).fontSize));
  const body = px(".talk-title, .talk-line, .talk-count, .talk-status, .talk-claim, .talk-lane-name, .talk-fig .label, .talk-fig .value, .talk-foot span, .talk-error");
  const figs = px(".talk-fig:not(.minor) .value");
  const f = document.querySelector("#talk-figures");
  return JSON.stringify({body: Math.min(...body), figs: figs.length ? Math.min(...figs) : 0, nfigs: figs.length,
    overflow: document.querySelector(".talk").scrollHeight > innerHeight + 1 || f.getBoundingClientRect().bottom > innerHeight + 1});
})()`

// talkChart measures the chart as painted: its text size in CSS pixels
// (the painter's font times its transform), every label's box measured
// with the canvas's own measureText — any label outside the chart, any two
// labels on top of each other — and whether the chart fits its box.
const talkChart = `(() => {
  const c = document.querySelector("#chart"), ctx = c.getContext("2d");
  const sc = window.chunkscope.scene().scene;
  const fam = c.dataset.font;
  const fonts = ["13px F", "bold 13px F", "italic 13px F", "13px ui-monospace, monospace", "13px F"].map((s) => s.replace("F", fam));
  const label = parseFloat(ctx.font.match(/([0-9.]+)px/)[1]) * ctx.getTransform().a / devicePixelRatio;
  const boxes = [];
  const was = ctx.font;
  for (const p of sc.Prims) {
    if (p.Kind !== 5) continue;
    ctx.font = fonts[p.Font || 0];
    const w = ctx.measureText(p.Text).width, x = p.Pts[0] - [0, w / 2, w][p.Align || 0];
    boxes.push({t: p.Text, x0: x, x1: x + w, y0: p.Pts[1] - 5, y1: p.Pts[1] + 5});
  }
  ctx.font = was;
  const out = boxes.filter((b) => b.x0 < -1 || b.x1 > sc.W + 1 || b.y0 < -1 || b.y1 > sc.H + 1).map((b) => b.t);
  const overlaps = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
    if (a.x0 < b.x1 - 1 && b.x0 < a.x1 - 1 && a.y0 < b.y1 - 1 && b.y0 < a.y1 - 1) overlaps.push(a.t + " / " + b.t);
  }));
  const box = document.querySelector("#talk-chartbox").getBoundingClientRect(), r = c.getBoundingClientRect();
  return JSON.stringify({label, out, overlaps, fits: r.bottom <= box.bottom + 1 && r.right <= box.right + 1,
    rects: [r.right, r.bottom, box.right, box.bottom].map(Math.round).join(" ")});
})()`

// chartCheck is talkChart's answer.
type chartCheck struct {
	Label         float64
	Out, Overlaps []string
	Fits          bool
	Rects         string
}

// checkChart fails when the step's chart labels are smaller than min px,
// leave the chart, sit on each other, or the chart leaves its box.
func checkChart(t *testing.T, ctx context.Context, where string, min float64) {
	t.Helper()
	waitJS(t, ctx, where+": the chart painted in talk fonts", `document.querySelector("#chart").getContext("2d").font.includes("13px")`)
	var c chartCheck
	if err := json.Unmarshal([]byte(eval[string](t, ctx, talkChart)), &c); err != nil {
		t.Fatal(err)
	}
	if c.Label < min-0.1 || len(c.Out) > 0 || len(c.Overlaps) > 0 || !c.Fits {
		t.Errorf("%s: chart labels %.1f px (want ≥ %.0f), outside the chart %q, on top of each other %q, chart within its box %v (%s)",
			where, c.Label, min, c.Out, c.Overlaps, c.Fits, c.Rects)
	}
}

type sizes struct {
	Body, Figs float64
	NFigs      int
	Overflow   bool
}

// TestTalk is talk mode's proof: at 1280×720 every step of the shipped deck
// is reached with PageDown, run live with Space, screenshotted and its type
// measured; the runs become the recording, and at 1920×1080 r replays every
// step's recording, marked "recorded"; the other keys do what they say; no
// console error, no failed request, no request to another host.
func TestTalk(t *testing.T) {
	ctx := tabFor(t, 5*time.Minute)
	consoleEv := chromedp.Events(ctx, runtime.ConsoleAPICalled)
	exceptions := chromedp.Events(ctx, runtime.ExceptionThrown)
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	failures := chromedp.Events(ctx, network.LoadingFailed)
	var problems []string
	hosts := map[string]int{}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for ev, err := range consoleEv {
			if err != nil {
				return
			}
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				b, _ := json.Marshal(ev.Args)
				problems = append(problems, "console error: "+string(b))
			}
		}
	}()
	go func() {
		for ev, err := range exceptions {
			if err != nil {
				return
			}
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
		}
	}()
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			if u, err := url.Parse(ev.Request.URL); err == nil && u.Host != "" {
				hosts[u.Host]++
			}
		}
	}()
	go func() {
		for ev, err := range failures {
			if err != nil {
				return
			}
			if !ev.Canceled {
				problems = append(problems, "failed request: "+ev.ErrorText)
			}
		}
	}()

	deck := talk.Streaming()
	os.MkdirAll("out", 0o755)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(env.base+"/talk")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "the first step", `document.querySelector("#talk-title") && document.querySelector("#talk").dataset.step === "1"`)
	for i, s := range deck.Steps {
		if i > 0 {
			press(t, ctx, kb.PageDown)
		}
		waitJS(t, ctx, fmt.Sprintf("step %d", i+1), fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d" && (%d === 1 || location.pathname === "/talk/%d")`, i+1, i+1, i+1))
		if got := eval[string](t, ctx, `document.querySelector("#talk-title").textContent`); got != s.Title {
			t.Errorf("step %d title %q; want %q", i+1, got, s.Title)
		}
		if i == 0 {
			checkChart(t, ctx, "step 1 before its run (an empty chart)", 28)
		}
		press(t, ctx, " ")
		want := s.View.Lanes()
		if len(s.View.Upstreams) > 0 {
			// The suite's server allows no upstream (TestTalkClicker runs
			// these steps live, with the lab): the refused run falls back to
			// the step's recording, as on a laptop without the lab.
			waitJS(t, ctx, fmt.Sprintf("step %d (Django) falling back to its recording", i+1), `document.querySelector("#talk-status").textContent.startsWith("recorded ") && document.querySelector("#talk").dataset.played === "true" &&
				!!document.querySelector("#talk-error") && document.querySelector("#talk-error").textContent.includes("showing the recording")`)
		} else {
			waitJS(t, ctx, fmt.Sprintf("step %d's live run", i+1), `document.querySelector("#talk-status").textContent.startsWith("live") && !document.querySelector("#talk-status").textContent.includes("reading")`)
		}
		time.Sleep(300 * time.Millisecond)
		tshot(t, ctx, fmt.Sprintf("out/talk-1280-%02d.png", i+1))
		var sz sizes
		json.Unmarshal([]byte(eval[string](t, ctx, talkSizes)), &sz)
		if sz.Body < 28 || sz.Figs < 48 || sz.NFigs < want || sz.Overflow {
			t.Errorf("step %d at 1280×720: smallest text %.1f px (want ≥ 28), smallest key figure %.1f px (want ≥ 48), %d key figures (want %d), overflow %v",
				i+1, sz.Body, sz.Figs, sz.NFigs, want, sz.Overflow)
		}
		checkChart(t, ctx, fmt.Sprintf("step %d at 1280×720", i+1), 28)
	}

	// The runs of the deck become its recording, loaded as a speaker would
	// drop it on the page: a session file of keep's schema.
	// The Django steps' runs were refused here: theirs come from the
	// shipped recording (made with the lab).
	var all, runs []*record.Run
	if err := json.Unmarshal([]byte(eval[string](t, ctx, `JSON.stringify(window.chunkscope.runs())`)), &all); err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		if r.Error == "" && r.Status < 400 {
			runs = append(runs, r)
		}
	}
	shipped, err := os.ReadFile("../web/decks/streaming.recorded.json")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := talk.DecodeRecording(shipped)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range deck.Steps {
		if len(s.View.Upstreams) > 0 {
			own := rec.For(i, s.View)
			if own == nil {
				t.Fatalf("step %d (Django): not in the shipped recording (make talk-record)", i+1)
			}
			runs = append(runs, own...)
		}
	}
	file, err := keep.Encode(runs, keep.View{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile("out/talk-recorded.json", file, 0o644)
	eval[any](t, ctx, `window.chunkscopeKeep.hooks.file(`+jsString(string(file))+`, "recorded.json"), null`)

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1920, 1080)); err != nil {
		t.Fatal(err)
	}
	press(t, ctx, "g1\r")
	waitJS(t, ctx, "g 1 Enter", `document.querySelector("#talk").dataset.step === "1"`)
	for i := range deck.Steps {
		if i > 0 {
			press(t, ctx, kb.PageDown)
			waitJS(t, ctx, fmt.Sprintf("step %d", i+1), fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d"`, i+1))
		}
		press(t, ctx, "r")
		waitJS(t, ctx, fmt.Sprintf("step %d's recording", i+1), `document.querySelector("#talk-status").textContent.startsWith("recorded ")`)
		waitJS(t, ctx, "the recording drawn", fmt.Sprintf(`document.querySelector("#talk").dataset.played === "true" && document.querySelectorAll("#talk-figures .talk-lane").length === %d && window.chunkscope.scene().scene.Prims.length > 12`, deck.Steps[i].View.Lanes()))
		time.Sleep(200 * time.Millisecond)
		tshot(t, ctx, fmt.Sprintf("out/talk-1920-%02d.png", i+1))
		var sz sizes
		json.Unmarshal([]byte(eval[string](t, ctx, talkSizes)), &sz)
		if sz.Body < 28 || sz.Figs < 48 || sz.Overflow {
			t.Errorf("step %d at 1920×1080: smallest text %.1f px, smallest figure %.1f px, overflow %v", i+1, sz.Body, sz.Figs, sz.Overflow)
		}
		checkChart(t, ctx, fmt.Sprintf("step %d at 1920×1080", i+1), 42)
	}

	t.Run("keys", func(t *testing.T) {
		at := func(n int) string { return fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d"`, n) }
		last := len(deck.Steps)
		press(t, ctx, kb.PageUp)
		waitJS(t, ctx, "PageUp", at(last-1))
		press(t, ctx, kb.ArrowLeft)
		waitJS(t, ctx, "←", at(last-2))
		press(t, ctx, kb.ArrowRight)
		waitJS(t, ctx, "→", at(last-1))
		eval[any](t, ctx, `history.back(), null`)
		waitJS(t, ctx, "back", at(last-2))
		eval[any](t, ctx, `history.forward(), null`)
		waitJS(t, ctx, "forward", at(last-1))
		press(t, ctx, "g4\r")
		waitJS(t, ctx, "g 4", `location.pathname === "/talk/4"`)
		press(t, ctx, "s")
		waitJS(t, ctx, "s", `document.querySelector("#talk").dataset.speed === "0.25" && document.querySelector("#talk-status").textContent.includes("0.25 slow motion")`)
		press(t, ctx, "s")
		waitJS(t, ctx, "s again", `document.querySelector("#talk").dataset.speed === "0.1"`)
		press(t, ctx, "s")
		waitJS(t, ctx, "s back to 1", `document.querySelector("#talk").dataset.speed === "1"`)
		press(t, ctx, "b")
		waitJS(t, ctx, "b", `!!document.querySelector("#talk-blank")`)
		press(t, ctx, "b")
		waitJS(t, ctx, "b again", `!document.querySelector("#talk-blank")`)
		press(t, ctx, "?")
		waitJS(t, ctx, "? with the print entry", `!!document.querySelector("#talk-help") && !!document.querySelector('#talk-help-print a[href="/talk?print=1"]')`)
		press(t, ctx, kb.Escape)
		waitJS(t, ctx, "Esc", `!document.querySelector("#talk-help")`)
		press(t, ctx, "t")
		waitJS(t, ctx, "t", `document.querySelector("#talk").classList.contains("theme-dark") && location.search.includes("t=dark")`)
		tshot(t, ctx, "out/talk-dark.png")
		press(t, ctx, "t")
		waitJS(t, ctx, "t again", `document.querySelector("#talk").classList.contains("theme-contrast")`)
		tshot(t, ctx, "out/talk-contrast.png")
		press(t, ctx, "t")
		press(t, ctx, "f")
		waitJS(t, ctx, "f", `!!document.fullscreenElement`)
		press(t, ctx, "f")
		waitJS(t, ctx, "f again", `!document.fullscreenElement`)
		press(t, ctx, "n")
		waitJS(t, ctx, "n", `true`)
	})

	t.Run("deep links", func(t *testing.T) {
		for _, path := range []string{"/talk?step=4", "/talk/4"} {
			if err := chromedp.Do(ctx, chromedp.Navigate(env.base+path)); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, path, `!!document.querySelector("#talk") && document.querySelector("#talk").dataset.step === "4"`)
		}
	})

	t.Run("bad decks", func(t *testing.T) {
		for _, tc := range []struct{ name, text, want string }{
			{"wrong field", `{"format":"chunkscope-deck","version":1,"title":"T","bullets":[]}`, `the field "bullets"`},
			{"unknown scenario", `{"format":"chunkscope-deck","version":1,"title":"T","steps":[{"title":"S","view":{"scenarios":["nope"]}}]}`, "names the scenario nope"},
			{"broken JSON", `{"format":`, "This deck is not valid JSON"},
		} {
			eval[any](t, ctx, `window.chunkscopeKeep.hooks.file(`+jsString(tc.text)+`, "bad.json"), null`)
			waitJS(t, ctx, tc.name, `!!document.querySelector("#talk-error") && document.querySelector("#talk-error").textContent.includes(`+jsString(tc.want)+`)`)
			if got := eval[string](t, ctx, `document.querySelector("#talk-title").textContent`); got != deck.Steps[3].Title {
				t.Errorf("%s: the step shown changed to %q", tc.name, got)
			}
		}
	})

	time.Sleep(300 * time.Millisecond)
	own := strings.TrimPrefix(env.base, "http://")
	for h, n := range hosts {
		if h != own {
			t.Errorf("%d requests to %s; want none to any host but %s", n, h, own)
		}
	}
	if hosts[own] == 0 {
		t.Error("no request seen at all: the network log is not being read")
	}
	for _, p := range problems {
		if !strings.Contains(p, "notes") {
			t.Error(p)
		}
	}
}

// tshot saves a PNG of the viewport.
func tshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(name, png, 0o644)
}
