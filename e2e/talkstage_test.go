package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"chunkscope/app/keep"
	"chunkscope/app/talk"
	"chunkscope/internal/harness"
)

// shippedRecording is the Streaming deck's recording (make talk-record)
// and the date the page must show it under.
func shippedRecording(t *testing.T) (keep.Loaded, string) {
	t.Helper()
	data, err := os.ReadFile("../web/decks/streaming.recorded.json")
	if err != nil {
		t.Fatalf("the shipped recording: %v (make talk-record writes it)", err)
	}
	l, err := keep.Decode(data)
	if err != nil {
		t.Fatalf("the shipped recording is refused: %v", err)
	}
	return l, l.Runs[len(l.Runs)-1].StartedAt[:10]
}

// TestTalkFallback is the recorded fallback when the server is gone: the
// talk page is loaded from a second server, which is then stopped, so every
// live run fails. On each step of the Streaming deck, r draws the step's
// recording (the one shipped with the binary), marked "recorded <date>";
// then Space tries the live run, which fails, and the page falls back to
// the recording by itself, saying so.
func TestTalkFallback(t *testing.T) {
	if env.browser == nil {
		t.Skip("no browser: run make test")
	}
	_, date := shippedRecording(t)
	srv, err := harness.Start(os.Getenv("CHUNKSCOPE_BIN"), os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ctx := tabFor(t, 4*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(srv.Base+"/talk")); err != nil {
		t.Fatal(err)
	}
	// The recording is fetched when the page mounts: r works once it is in.
	waitJS(t, ctx, "the first step and the shipped recording", `!!document.querySelector("#talk") && document.querySelector("#talk").dataset.step === "1" && !!document.querySelector("#talk").dataset.recorded`)
	press(t, ctx, "r")
	waitJS(t, ctx, "the shipped recording", `document.querySelector("#talk-status").textContent.startsWith("recorded ")`)
	srv.Stop()
	select {
	case <-srv.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("the second server did not stop")
	}

	marked := regexp.MustCompile(`^recorded (\d{4}-\d{2}-\d{2})\b`)
	deck := talk.Streaming()
	for i, s := range deck.Steps {
		n := i + 1
		if i > 0 {
			press(t, ctx, kb.PageDown)
			waitJS(t, ctx, fmt.Sprintf("step %d", n), fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d"`, n))
		}
		// Drawn: the replay played to its end, every lane's figures are the
		// recorded ones (no "reading…"), and the chart is there.
		drawn := fmt.Sprintf(`document.querySelector("#talk").dataset.played === "true" &&
			document.querySelectorAll("#talk-figures .talk-lane").length === %d &&
			![...document.querySelectorAll("#talk-figures .value")].some(e => e.textContent === "reading…") &&
			window.chunkscope.scene().scene.Prims.length > 12`, s.View.Lanes())

		press(t, ctx, "r")
		waitJS(t, ctx, fmt.Sprintf("step %d: r", n), `document.querySelector("#talk-status").textContent.startsWith("recorded ") && document.querySelector("#talk-status").classList.contains("recorded")`)
		waitJS(t, ctx, fmt.Sprintf("step %d: its recording drawn", n), drawn)
		if m := marked.FindStringSubmatch(eval[string](t, ctx, `document.querySelector("#talk-status").textContent`)); m == nil || m[1] != date {
			t.Errorf("step %d: r shows %v; want it marked \"recorded %s\"", n, m, date)
		}

		press(t, ctx, " ")
		waitJS(t, ctx, fmt.Sprintf("step %d: the live run failing over to the recording", n),
			`!!document.querySelector("#talk-error") && document.querySelector("#talk-error").textContent.includes("The live run failed") &&
			 document.querySelector("#talk-error").textContent.includes("showing the recording") &&
			 document.querySelector("#talk-status").textContent.startsWith("recorded ")`)
		waitJS(t, ctx, fmt.Sprintf("step %d: the recording drawn after the failure", n), drawn)
		if i == 9 {
			tshot(t, ctx, "out/talk-fallback-10.png")
		}
	}
}

// TestTalkNotes: n opens the speaker's notes window (a second target), and
// it follows the talk window's steps over the BroadcastChannel when the
// talk window moves with PageDown; its own PageDown moves the talk.
func TestTalkNotes(t *testing.T) {
	ctx, notes := talkAndNotes(t)
	deck := talk.Streaming()
	follows := func(i int) {
		t.Helper()
		s := deck.Steps[i]
		next := "Last step."
		if i+1 < len(deck.Steps) {
			next = "Next: " + deck.Steps[i+1].Title
		}
		waitJS(t, notes, fmt.Sprintf("the notes at step %d", i+1), fmt.Sprintf(
			`document.querySelector("#notes-title").textContent === %s && document.querySelector("#notes-text").textContent === %s &&
			 document.querySelector("#notes-next").textContent === %s && document.querySelector("#notes-count").textContent.startsWith("Step %d of %d")`,
			jsString(s.Title), jsString(s.Notes), jsString(next), i+1, len(deck.Steps)))
	}
	follows(0) // the state it asked for with "hello"
	defer func() {
		if t.Failed() {
			c, cc := context.WithTimeout(notes, 3*time.Second)
			v, err := chromedp.Run(c, chromedp.Evaluate[string](`document.body.innerText`))
			cc()
			t.Log("the notes window shows:", v, err)
			t.Log("the talk window:", eval[string](t, ctx, `location.href + " " + document.querySelector("#talk-title").textContent`))
		}
	}()
	for i := 1; i < 4; i++ {
		// The first PageDown plays the step, the second goes on.
		press(t, ctx, kb.PageDown)
		press(t, ctx, kb.PageDown)
		waitJS(t, ctx, fmt.Sprintf("step %d", i+1), fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d"`, i+1))
		follows(i)
	}
	// A same-origin script without the talk window's key cannot move it.
	eval[bool](t, notes, `(new BroadcastChannel("chunkscope-talk").postMessage({type: "command", cmd: "next", arg: ""}), true)`)
	time.Sleep(500 * time.Millisecond)
	if step := eval[string](t, ctx, `document.querySelector("#talk").dataset.step`); step != "4" {
		t.Errorf("a command without the key moved the talk to step %s; want it on step 4", step)
	}
	press(t, notes, kb.PageDown)
	waitJS(t, ctx, "PageDown in the notes window moving the talk", `document.querySelector("#talk").dataset.step === "5"`)
	follows(4)
}

// TestTalkEmbed: a page of another origin (another loopback port, and
// another site: localhost against 127.0.0.1) frames /talk?embed=1 and
// drives it with postMessage — next, prev, step N, run, replay — and hears
// back ready, each step's state and the run's summary. Framed by a page
// that is not cross-origin isolated, the page works and says which memory
// figure it then cannot show.
func TestTalkEmbed(t *testing.T) {
	if env.browser == nil {
		t.Skip("no browser: run make test")
	}
	talkURL := env.base + "/talk?embed=1"
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!doctype html><title>a slide deck</title>
<iframe id="f" src="%s" width="1280" height="720"></iframe>
<script src="/deck.js"></script>`, talkURL)
		case "/deck.js":
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprintf(w, `window.got = [];
addEventListener("message", (e) => { if (e.origin === %q && e.data && e.data.source === "chunkscope") got.push(e.data); });
window.send = (m) => document.getElementById("f").contentWindow.postMessage(m, %q);`, env.base, env.base)
		default:
			http.NotFound(w, r)
		}
	}))
	defer host.Close()
	deckURL := strings.Replace(host.URL, "127.0.0.1", "localhost", 1)

	ctx := tabFor(t, 2*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1400, 800), chromedp.Navigate(deckURL+"/")); err != nil {
		t.Fatal(err)
	}
	has := func(what, cond string) {
		t.Helper()
		waitJS(t, ctx, what, `window.got.some((m) => `+cond+`)`)
	}
	memory := 0 // the memory step, 1-based
	for i, s := range talk.Streaming().Steps {
		if s.View.Memory && memory == 0 {
			memory = i + 1
		}
	}
	has("ready", `m.type === "ready" && m.isolated === false && m.unavailable.includes("measureUserAgentSpecificMemory")`)
	has("step 1's state", `m.type === "state" && m.step === 1`)
	for _, tc := range []struct{ msg, want string }{
		{`"next"`, `m.type === "state" && m.step === 2`},
		{`"prev"`, `m.type === "state" && m.step === 1 && window.got.indexOf(m) > window.got.findIndex((x) => x.type === "state" && x.step === 2)`},
		{`"step 4"`, `m.type === "state" && m.step === 4 && m.title === ` + jsString(talk.Streaming().Steps[3].Title)},
		{`{cmd: "step", step: 2}`, `m.type === "state" && m.step === 2 && window.got.indexOf(m) > window.got.findIndex((x) => x.type === "state" && x.step === 4)`},
		{`"run"`, `m.type === "run" && m.step === 2 && m.scenario === "streaming" && m.status === 200 && m.ttfbMs > 0 && m.totalMs >= m.ttfbMs && m.bytes > 0 && m.verdict === "streamed" && !m.error`},
		{`"replay"`, `m.type === "state" && m.step === 2 && m.status.startsWith("recorded ")`},
		{fmt.Sprintf(`"step %d"`, memory), fmt.Sprintf(`m.type === "state" && m.step === %d`, memory)},
	} {
		eval[any](t, ctx, `window.send(`+tc.msg+`), null`)
		has(tc.msg, tc.want)
	}

	// The framed page itself: another site's frame is a target of its own.
	var frame target.ID
	waitFor := time.Now().Add(10 * time.Second)
	for frame == "" && time.Now().Before(waitFor) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, env.base+"/talk") {
				frame = info.TargetID
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if frame == "" {
		t.Fatal("no target for the framed talk page")
	}
	fctx, cancelFrame := chromedp.NewContext(ctx, chromedp.WithTargetID(frame))
	defer cancelFrame()
	waitJS(t, fctx, fmt.Sprintf("the framed page at step %d (memory), without controls, saying what is unavailable", memory),
		fmt.Sprintf(`document.querySelector("#talk").dataset.step === "%d" && document.querySelector("#talk").classList.contains("embed") &&
		 getComputedStyle(document.querySelector(".talk-foot")).display === "none" && !crossOriginIsolated &&
		 document.querySelector("#talk-isolation").textContent.includes("measureUserAgentSpecificMemory) is unavailable")`, memory))
	tshot(t, ctx, "out/talk-embed.png")
}
