package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"chunkscope/app/talk"
	"chunkscope/internal/harness"
	"chunkscope/internal/lab"
)

// talkStepState is what the clicker test reads of a step once it has
// played: the claim line and whether it held, every lane's name drawn on
// the chart, the plotted area in CSS pixels, and the layout's health.
const talkStepState = `(() => {
  const sc = window.chunkscope.scene().scene, z = sc.Zoom || 1, a = sc.Axis;
  // The plot's top is where the time grid's vertical lines start.
  let top = a.Y;
  for (const p of sc.Prims) if (p.Kind === 1 && p.Pts[0] === p.Pts[2] && Math.abs(p.Pts[3] - a.Y) < 0.01) top = Math.min(top, p.Pts[1]);
  const texts = sc.Prims.filter((p) => p.Kind === 5).map((p) => p.Text);
  const claim = document.querySelector("#talk-claim");
  const box = document.querySelector("#talk-chartbox").getBoundingClientRect(), c = document.querySelector("#chart").getBoundingClientRect();
  const figs = document.querySelector("#talk-figures").getBoundingClientRect();
  const bar = document.querySelector(".talk-bar").getBoundingClientRect();
  return JSON.stringify({claim: claim ? claim.textContent : "", held: claim ? claim.dataset.held : "", texts,
    area: a.Cols * z * (a.Y - top) * z, chartInBox: c.bottom <= box.bottom + 1 && c.right <= box.right + 1,
    onScreen: figs.bottom <= innerHeight + 1 && bar.bottom <= innerHeight + 1 && figs.top >= box.bottom - 1 &&
      [...document.querySelectorAll("#talk-error, #talk-isolation")].every((e) => e.getBoundingClientRect().top >= box.bottom - 1 && e.getBoundingClientRect().bottom <= innerHeight + 1),
    overflow: document.querySelector(".talk").scrollHeight > innerHeight + 1,
    status: document.querySelector("#talk-status").textContent, tmax: a.TMax, fileDeck: !!document.querySelector("#talk-deck")});
})()`

type stepState struct {
	Claim, Held, Status string
	Texts               []string
	Area                float64
	ChartInBox          bool
	OnScreen            bool
	Overflow            bool
	TMax                float64
	FileDeck            bool // the page names a deck opened from a file
}

func readStep(t *testing.T, ctx context.Context) stepState {
	t.Helper()
	var st stepState
	if err := json.Unmarshal([]byte(eval[string](t, ctx, talkStepState)), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// minPlotArea is the least plotted area of a chart step: 40 % of 1280×720.
const minPlotArea = 0.40 * 1280 * 720

// minFallbackArea is the least with the fallback's sentence on screen.
const minFallbackArea = 0.35 * 1280 * 720

// minFileDeckFallbackArea is the least with the fallback's sentence and,
// on a row of its own below the claim, the name of the deck opened from a
// file (two rows of sentences the chart gives up; 33.9 % measured on the
// steps of three lines).
const minFileDeckFallbackArea = 0.32 * 1280 * 720

// checkPlayed fails unless step n's claim held, every lane's name is on
// the chart, the plot takes ≥ 40 % of the screen, and nothing overflows.
func checkPlayed(t *testing.T, ctx context.Context, where string, s talk.Step) stepState {
	t.Helper()
	st := readStep(t, ctx)
	if st.Held != "true" || !strings.HasPrefix(st.Claim, "✓ "+s.Claim.Says) {
		t.Errorf("%s: claim %q held=%q; want ✓ %q", where, st.Claim, st.Held, s.Claim.Says)
	}
	for _, name := range laneNames(s.View) {
		found := false
		for _, tx := range st.Texts {
			found = found || tx == name || strings.HasPrefix(tx, name[:min(len(name), 6)])
		}
		if !found {
			t.Errorf("%s: no lane named %s on the chart (texts %q)", where, name, st.Texts)
		}
	}
	least := minPlotArea
	if strings.HasSuffix(where, "recorded") {
		// The fallback says in one line why it shows a recording: the
		// chart gives up that line.
		least = minFallbackArea
		if st.FileDeck {
			least = minFileDeckFallbackArea
		}
	}
	t.Logf("%s: plotted area %.1f %% of 1280×720; %s", where, 100*st.Area/(1280*720), st.Claim)
	if st.Area < least {
		t.Errorf("%s: plotted area %.0f px² = %.1f %% of 1280×720; want ≥ %.0f %%", where, st.Area, 100*st.Area/(1280*720), 100*least/(1280*720))
	}
	if !st.ChartInBox || !st.OnScreen || st.Overflow {
		t.Errorf("%s: chart in its box %v, figures, sentences and bar on screen below it %v, page overflows %v", where, st.ChartInBox, st.OnScreen, st.Overflow)
	}
	return st
}

// laneNames are the names a view's lanes are drawn with: its scenarios,
// then its upstreams' labels.
func laneNames(v talk.View) []string {
	names := append([]string{}, v.Scenarios...)
	for _, u := range v.Upstreams {
		names = append(names, u.Label)
	}
	return names
}

// readsUpstreams says whether a step of the deck reads the lab.
func readsUpstreams(d talk.Deck) bool {
	for _, s := range d.Steps {
		if len(s.View.Upstreams) > 0 {
			return true
		}
	}
	return false
}

// startDeckLab starts the lab (internal/lab) for a deck whose steps read
// the seed's Django: at the deck's own ports (Gunicorn 9100, nginx 9104
// and 9105, as make lab LAB_PORT=9100), since the deck names them — the
// test plays the deck a speaker plays, URLs unchanged. It fails in one
// sentence when the lab's packages are missing (make test installs them)
// or a port is taken.
func startDeckLab(t *testing.T) *lab.Lab {
	t.Helper()
	if m := lab.Missing(); len(m) > 0 {
		t.Fatalf("the deck's Django steps need the lab, and its Debian packages are missing: %s", lab.HowToInstall())
	}
	start := time.Now()
	l, err := lab.Start(lab.Options{BasePort: 9100})
	if err != nil {
		t.Fatalf("the deck's Django steps need the lab on ports 9100 to 9114 (as make lab LAB_PORT=9100), and it does not start: %v", err)
	}
	t.Logf("the lab started in %s", time.Since(start).Round(100*time.Millisecond))
	return l
}

// checkWaitDrawn: while step 1's buffered run waits (it sends nothing for
// 2 s), the axis runs on with the clock and the lane says it waits — live,
// or in a recording's replay. Call it right after the PageDown that plays.
func checkWaitDrawn(t *testing.T, ctx context.Context, where, status string) {
	t.Helper()
	time.Sleep(700 * time.Millisecond)
	a := readStep(t, ctx)
	time.Sleep(600 * time.Millisecond)
	b := readStep(t, ctx)
	waiting := false
	for _, tx := range b.Texts {
		waiting = waiting || tx == "waiting…"
	}
	if !(b.TMax >= a.TMax+400) || a.TMax < 500 || !waiting || !strings.HasPrefix(b.Status, status) {
		t.Errorf("%s while its run waits: the axis reached %.0f ms, then %.0f ms 600 ms later (want it to advance with the clock), \"waiting…\" drawn %v, status %q (want %q…)",
			where, a.TMax, b.TMax, waiting, b.Status, status)
	}
	t.Logf("%s while its run waits: the axis at %.0f ms, then %.0f ms 600 ms later", where, a.TMax, b.TMax)
}

// TestTalkClicker is a speaker with a clicker that sends only PageDown, at
// 1280×720: on every step of the shipped deck the first PageDown plays the
// step live, and once played its claim holds (checked by the page, shown as
// "✓ …"), its lanes are drawn, the plot takes ≥ 40 % of the screen; the
// next PageDown goes on. While step 1's buffered run waits, the time axis
// advances and the lane says it waits. PageUp goes back without replaying;
// from step 1 it shows the title slide; Esc the overview. An 8-lane step
// fits the screen. The deck's Django steps run the seed's real views: the
// lab runs at the deck's ports and the server allows them (-upstream
// 'http://127.0.0.1:*'). Then the server and the lab are stopped and the
// same deck, opened again, is walked with PageDown alone: each step plays
// its recording, its claim holding.
func TestTalkClicker(t *testing.T) {
	if env.browser == nil {
		t.Skip("no browser: run make test")
	}
	deck := talk.Streaming()
	var lb *lab.Lab
	if readsUpstreams(deck) {
		lb = startDeckLab(t)
		defer lb.Stop()
	}
	srv, err := harness.Start(os.Getenv("CHUNKSCOPE_BIN"), os.Stderr, "-upstream", "http://127.0.0.1:*")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	shots := os.Getenv("CHUNKSCOPE_TALK_SHOTS") // docs/talk: make the screenshots of the docs
	os.MkdirAll("out", 0o755)
	ctx := tabFor(t, 8*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(srv.Base+"/talk")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, "step 1 and the shipped recording", `!!document.querySelector("#talk") && document.querySelector("#talk").dataset.step === "1" && !!document.querySelector("#talk").dataset.recorded`)

	// PageUp from step 1: the title slide, from the deck's title.
	press(t, ctx, kb.PageUp)
	waitJS(t, ctx, "the title slide", `document.querySelector("#talk").dataset.step === "0" && location.pathname === "/talk/0" && document.querySelector("#talk-title").textContent === `+jsString(deck.Title))
	if shots != "" {
		tshot(t, ctx, filepath.Join(shots, "title.png"))
	}
	press(t, ctx, kb.Escape)
	waitJS(t, ctx, "Esc: the overview", fmt.Sprintf(`document.querySelectorAll("#talk-overview li").length === %d`, len(deck.Steps)))
	press(t, ctx, kb.Escape)
	waitJS(t, ctx, "Esc again", `!document.querySelector("#talk-overview")`)
	press(t, ctx, kb.PageDown)
	waitJS(t, ctx, "step 1 from the title slide", `document.querySelector("#talk").dataset.step === "1" && document.querySelector("#talk-claim").dataset.held === ""`)

	for i, s := range deck.Steps {
		n := i + 1
		if i > 0 {
			press(t, ctx, kb.PageDown)
			waitJS(t, ctx, fmt.Sprintf("step %d arrives, not played", n), fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d" && document.querySelector("#talk-claim").dataset.held === "" && window.chunkscope.scene().scene.Axis.TMax < 200`, n))
		}
		press(t, ctx, kb.PageDown)
		if i == 0 {
			checkWaitDrawn(t, ctx, "step 1 live", "live: reading")
			tshot(t, ctx, "out/talk-waiting.png")
		}
		waitJS(t, ctx, fmt.Sprintf("step %d played live", n), fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d" && document.querySelector("#talk-claim").dataset.held !== "" && document.querySelector("#talk-status").textContent === "live"`, n))
		time.Sleep(150 * time.Millisecond)
		checkPlayed(t, ctx, fmt.Sprintf("step %d live", n), s)
		tshot(t, ctx, fmt.Sprintf("out/talk-clicker-%02d.png", n))
		if shots != "" {
			tshot(t, ctx, filepath.Join(shots, fmt.Sprintf("step-%02d.png", n)))
		}
	}

	// PageUp: the step before, as it was, not replayed; PageDown goes on.
	last := len(deck.Steps)
	press(t, ctx, kb.PageUp)
	waitJS(t, ctx, fmt.Sprintf("PageUp shows step %d as played", last-1), fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d" && document.querySelector("#talk").dataset.played === "true" && document.querySelector("#talk-claim").dataset.held === "true" && document.querySelector("#talk-status").textContent.startsWith("live, played before")`, last-1))
	press(t, ctx, kb.PageDown)
	waitJS(t, ctx, "PageDown goes on from a played step", fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d"`, last))

	t.Run("eight lanes fit", func(t *testing.T) {
		d := talk.Deck{Format: talk.Format, Version: talk.Version, Title: "Eight lanes", Steps: []talk.Step{{Title: "Eight lanes at once",
			Lines: []string{"A valid step of eight lanes.", "It fits a 720 px screen."},
			View:  talk.View{Scenarios: []string{"buffered", "streaming", "no-flush", "single-write", "content-length", "gzip-streaming", "hidden-flush", "fixed-flush"}, Body: "rows=3&delay=10ms"},
			Claim: &talk.Claim{Kind: talk.ClaimEarlier, Lane: 2, Than: 1, Times: 1.5, Says: "Streaming starts earlier."}}}}
		b, _ := talk.Encode(d)
		eval[any](t, ctx, `window.chunkscopeKeep.hooks.file(`+jsString(string(b))+`, "eight.json"), null`)
		waitJS(t, ctx, "the eight-lane deck", `document.querySelector("#talk-title").textContent === "Eight lanes at once"`)
		press(t, ctx, kb.PageDown)
		waitJS(t, ctx, "eight lanes played", `document.querySelector("#talk-status").textContent === "live" && document.querySelectorAll("#talk-figures .talk-lane").length === 8`)
		time.Sleep(150 * time.Millisecond)
		st := readStep(t, ctx)
		if !st.ChartInBox || !st.OnScreen || st.Overflow {
			t.Errorf("eight lanes: chart in its box %v, figures and bar on screen %v, overflow %v", st.ChartInBox, st.OnScreen, st.Overflow)
		}
		// Eight lanes do not fit 720 px at 28 px type: the chart's type
		// shrinks to fit (15 px measured).
		checkChart(t, ctx, "eight lanes at 1280×720", 15)
		tshot(t, ctx, "out/talk-eight.png")
	})

	// The server dies, and the lab with it (the recording needs no
	// Python). The deck is opened again (as a file: the page forgets what
	// was played) with its recording, and PageDown alone walks it: every
	// live run fails and the step plays its own recording.
	srv.Stop()
	select {
	case <-srv.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not stop")
	}
	if lb != nil {
		lb.Stop()
	}
	rec, err := os.ReadFile("../web/decks/streaming.recorded.json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := talk.Encode(deck)
	eval[any](t, ctx, `window.chunkscopeKeep.hooks.file(`+jsString(string(b))+`, "streaming.json"), null`)
	waitJS(t, ctx, "the deck again at step 1", `document.querySelector("#talk").dataset.step === "1" && document.querySelector("#talk-title").textContent === `+jsString(deck.Steps[0].Title))
	eval[any](t, ctx, `window.chunkscopeKeep.hooks.file(`+jsString(string(rec))+`, "streaming.recorded.json"), null`)
	waitJS(t, ctx, "its recording", `!!document.querySelector("#talk").dataset.recorded`)
	for i, s := range deck.Steps {
		n := i + 1
		if i > 0 {
			press(t, ctx, kb.PageDown)
			waitJS(t, ctx, fmt.Sprintf("step %d arrives", n), fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d" && document.querySelector("#talk-claim").dataset.held === ""`, n))
		}
		press(t, ctx, kb.PageDown)
		if i == 0 {
			// The recording draws the wait as the live run did.
			checkWaitDrawn(t, ctx, "step 1 recorded", "recorded ")
			tshot(t, ctx, "out/talk-waiting-recorded.png")
		}
		waitJS(t, ctx, fmt.Sprintf("step %d: its recording played", n), fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d" && document.querySelector("#talk").dataset.played === "true" && document.querySelector("#talk-status").textContent.startsWith("recorded ") && document.querySelector("#talk-claim").dataset.held !== ""`, n))
		time.Sleep(150 * time.Millisecond)
		checkPlayed(t, ctx, fmt.Sprintf("step %d recorded", n), s)
		if n == 10 {
			tshot(t, ctx, "out/talk-clicker-recorded-10.png")
		}
	}
}
