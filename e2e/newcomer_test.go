package e2e

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
	"chunkscope/internal/harness"
)

// laptop is the screen a newcomer opens the page on.
const laptopW, laptopH = 1280, 720

// openAt opens path in a fresh tab at an exact w×h viewport and waits for
// the page's API.
func openAt(t *testing.T, w, h int64, path string) context.Context {
	t.Helper()
	ctx := tab(t)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h), chromedp.Navigate(env.base+path)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.chunkscope && window.chunkscope.load && window.chunkscope.readyMs)`,
		chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// box is an element's place on the screen.
type box struct{ Top, Bottom, Left, Right float64 }

func rectOf(t *testing.T, ctx context.Context, selector string) box {
	t.Helper()
	r, err := chromedp.Run(ctx, chromedp.Evaluate[box](`(() => { const r = document.querySelector(`+jsString(selector)+`).getBoundingClientRect();
		return {Top: r.top, Bottom: r.bottom, Left: r.left, Right: r.right}; })()`))
	if err != nil {
		t.Fatalf("%s: %v", selector, err)
	}
	return r
}

// viewShot writes what the screen shows (the viewport, not the whole page)
// to path, and to env's name when that is set (make screenshot).
func viewShot(t *testing.T, ctx context.Context, envName, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if p := os.Getenv(envName); p != "" {
		path = p
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// fullShot writes the whole page, for a person to look at.
func fullShot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNewcomerFirstClick is issue 24's proof for the page: at 1280×720 a
// fresh page says what to press, over the chart; the obvious button,
// pressed with the page's own defaults, shows the seed's point — the
// buffered body waits for the whole production, the stream starts at once —
// with the chart on the first screen. CHUNKSCOPE_NEWCOMER_SCREENSHOT (make
// screenshot) names where the screen after the click is saved.
func TestNewcomerFirstClick(t *testing.T) {
	ctx := openAt(t, laptopW, laptopH, "/")
	hint, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("empty-state") || {}).textContent || ""`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hint, "Press Compare buffered vs streaming") || !strings.Contains(hint, "20 rows, one every 100ms (2.00 s of production") {
		t.Errorf("empty state = %q; want it to say what to press and what the body is", hint)
	}
	if b := rectOf(t, ctx, "#empty-state"); b.Top >= laptopH || b.Bottom > laptopH {
		t.Errorf("the empty state spans y %.0f–%.0f; want it on the first screen (720 px)", b.Top, b.Bottom)
	}
	viewShot(t, ctx, "", "out/newcomer-empty.png")

	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById("compare").click(), true)`)); err != nil {
		t.Fatal(err)
	}
	runs, err := harness.WaitRuns(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Scenario != "buffered" || runs[1].Scenario != "streaming" {
		t.Fatalf("runs = %d; want buffered then streaming", len(runs))
	}
	b, s := runs[0], runs[1]
	if b.TTFBMs < s.TTFBMs+1000 {
		t.Errorf("TTFB buffered %.0f ms, streaming %.0f ms; want the buffered one at least 1 s later", b.TTFBMs, s.TTFBMs)
	}
	if b.Verdict.Kind != record.KindOnePiece || s.Verdict.Kind != record.KindStreamed {
		t.Errorf("verdicts %q, %q; want %q, %q", b.Verdict.Kind, s.Verdict.Kind, record.KindOnePiece, record.KindStreamed)
	}
	// What a person reads says the same: the table's verdicts and the
	// cards' sentences.
	text, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[
		...Array.from(document.querySelectorAll("#comparison td.verdict-kind")).map(e => e.textContent),
		...Array.from(document.querySelectorAll(".summary .verdict")).map(e => e.textContent)]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(text) != 4 || text[0] != record.KindOnePiece || text[1] != record.KindStreamed ||
		!strings.HasPrefix(text[2], "Content-Length was set") || !strings.Contains(text[3], "streamed") {
		t.Errorf("verdicts on the page = %q; want one-piece, streamed, then the cards' sentences", text)
	}
	// The headline over the chart says it on the first screen.
	head, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#headline .run")).map(e => e.textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(head) != 2 || !strings.HasPrefix(head[0], "buffered one-piece · first byte ") || !strings.HasPrefix(head[1], "streaming streamed · first byte ") {
		t.Errorf("headline = %q; want buffered one-piece, then streaming streamed, each with its first byte", head)
	}
	if h := rectOf(t, ctx, "#headline"); h.Bottom > laptopH {
		t.Errorf("the headline ends at y %.0f; want it on the first screen", h.Bottom)
	}
	if gone, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById("empty-state")`)); err != nil || !gone {
		t.Errorf("the empty state is still shown over the runs (%v)", err)
	}
	time.Sleep(300 * time.Millisecond) // the last paint lands
	c := rectOf(t, ctx, "#chart")
	if c.Top >= 300 {
		t.Errorf("the chart's top is at y %.0f; want it under the controls, within the first 300 px of a 720 px screen", c.Top)
	}
	// The story's part of the chart — bytes received and the lanes, down
	// to the streaming lane's first byte — is on the first screen.
	lanes, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`(() => {
		const sc = window.chunkscope.scene().scene, top = document.getElementById("chart").getBoundingClientRect().top;
		const marks = sc.Prims.filter(p => p.Kind === 5 && (p.Text || "").startsWith("first byte"));
		return marks.length === 2 ? top + Math.max(...marks.map(p => p.Pts[1])) : -1; })()`))
	if err != nil {
		t.Fatal(err)
	}
	if lanes < 0 || lanes > laptopH {
		t.Errorf("the lanes' first-byte marks end at y %.0f; want them within the 720 px screen", lanes)
	}
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[document.documentElement.scrollWidth, innerWidth]`)); err != nil || w[0] > w[1] {
		t.Errorf("page width %v, %v; want it no wider than the window", w, err)
	}
	viewShot(t, ctx, "CHUNKSCOPE_NEWCOMER_SCREENSHOT", "out/newcomer.png")
	fullShot(t, ctx, "out/newcomer-full.png")
}

// longURL is a URL of n characters with no place a browser would break it.
func longURL(n int) string {
	const head = "http://example.test/export?q="
	return head + strings.Repeat("a", n-len(head))
}

// TestLongURLsWrap: one imported HAR made the page 40,454 px wide. A HAR
// whose entries have 4,000-character URLs — one drawn (it has _chunks), one
// skipped (it has a body but no _chunks) — and a run of a 4,000-character upstream URL leave
// the page no wider than the window: every long text wraps in its box.
func TestLongURLsWrap(t *testing.T) {
	u := longURL(4000)
	har := `{"log": {"version": "1.2", "creator": {"name": "WebPagetest", "version": "1"}, "pages": [], "entries": [
		{"startedDateTime": "2026-01-01T00:00:00.000Z", "request": {"method": "GET", "url": "` + u + `"},
		 "response": {"status": 200, "headers": []}, "_chunks": [{"ts": 100, "bytes": 1000}, {"ts": 300, "bytes": 2000}]},
		{"startedDateTime": "2026-01-01T00:00:00.000Z", "request": {"method": "GET", "url": "` + u + `b"},
		 "response": {"status": 200, "headers": [], "content": {"size": 500}}}]}}`
	wide := `(() => { const out = [document.documentElement.scrollWidth, innerWidth];
		for (const e of document.querySelectorAll("body *")) { const r = e.getBoundingClientRect(); if (r.right > innerWidth + 1 && getComputedStyle(e).position !== "fixed" && !e.closest(".table-box")) { out.push(e.tagName + "#" + e.id + "." + e.className + " " + Math.round(r.right)); if (out.length > 8) break; } }
		return out.map(String); })()`
	// check opens every card, as a person reading them would, then
	// measures the page and saves it as out/newcomer-long-NAME*.png.
	check := func(t *testing.T, ctx context.Context, what, name string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelectorAll("details").forEach(d => d.open = true), true)`)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		defer fullShot(t, ctx, "out/newcomer-long-"+name+"-full.png")
		defer viewShot(t, ctx, "", "out/newcomer-long-"+name+".png")
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](wide))
		if err != nil {
			t.Fatal(err)
		}
		if got[0] > got[1] || len(got) > 2 {
			t.Errorf("%s: page %s px wide in a %s px window; wider elements: %q", what, got[0], got[1], got[2:])
		}
	}

	t.Run("HAR", func(t *testing.T) {
		ctx := openAt(t, laptopW, laptopH, "/")
		if got := load(t, ctx, jsString(har)); got != "ok:1" {
			t.Fatalf("load = %s; want ok:1", got)
		}
		note, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("keep-skipped") || {}).textContent || ""`))
		if err != nil || !strings.Contains(note, u+"b") {
			t.Errorf("skipped list %.80q, %v; want the skipped entry's URL", note, err)
		}
		check(t, ctx, "a HAR with 4,000-character URLs", "har")
	})
	t.Run("upstream", func(t *testing.T) {
		// This server allows no upstream: the run is refused with a reason,
		// and the card, the table and the form all carry the URL.
		ctx := openAt(t, laptopW, laptopH, "/?autorun=1&url="+url.QueryEscape(u))
		runs, err := harness.WaitRuns(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if runs[0].Status == 200 {
			t.Fatalf("the upstream run got 200; want it refused (no -upstream)")
		}
		check(t, ctx, "a 4,000-character upstream URL", "upstream")
	})
}
