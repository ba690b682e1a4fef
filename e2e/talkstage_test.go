package e2e

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"testing"
	"time"

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
	ctx, cancelTab := chromedp.NewContext(env.browser)
	defer cancelTab()
	ctx, cancel := context.WithTimeout(ctx, 4*time.Minute)
	defer cancel()
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
			window.chunkscope.scene().scene.Prims.length > 20`, len(s.View.Scenarios))

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
