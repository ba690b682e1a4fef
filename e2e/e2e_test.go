// Package e2e tests chunkscope as a person uses it: the real binary (built by
// make) serving on loopback, and a real headless Chromium (Debian's package)
// driven with chromedp loading the real page.
//
// make test sets CHUNKSCOPE_BIN and CHUNKSCOPE_CHROME; without them these
// tests are skipped, so a plain `go test ./...` stays quick.
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

	"chunkscope/app/record"
	"chunkscope/internal/harness"
)

// env is what TestMain set up: the server's base URL and a browser.
var env struct {
	base    string
	browser context.Context
}

func TestMain(m *testing.M) {
	bin, chrome := os.Getenv("CHUNKSCOPE_BIN"), os.Getenv("CHUNKSCOPE_CHROME")
	if bin == "" || chrome == "" {
		fmt.Println("e2e: CHUNKSCOPE_BIN and CHUNKSCOPE_CHROME unset: skipping the browser tests (make test sets them)")
		os.Exit(m.Run())
	}
	code, err := runWithServerAndBrowser(m, bin, chrome)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runWithServerAndBrowser(m *testing.M, bin, chrome string) (int, error) {
	base, stop, err := harness.StartServer(bin, os.Stderr)
	if err != nil {
		return 0, err
	}
	defer stop()
	browser, cancel, err := harness.StartBrowser(chrome)
	if err != nil {
		return 0, err
	}
	defer cancel()
	env.base, env.browser = base, browser
	return m.Run(), nil
}

// binaryAndBrowser is the binary, for a test that starts servers of its own
// and reads them in the shared browser; without either it is skipped.
func binaryAndBrowser(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("CHUNKSCOPE_BIN")
	if bin == "" || env.browser == nil {
		t.Skip("no binary or browser: run make test")
	}
	return bin
}

// tab opens a new tab in the shared browser, for a minute.
func tab(t *testing.T) context.Context { return tabFor(t, 60*time.Second) }

// tabFor opens a new tab in the shared browser, closed when the test ends
// or after d.
func tabFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	if env.browser == nil {
		t.Skip("no browser: run make test")
	}
	ctx, cancel := chromedp.NewContext(env.browser)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, d)
	t.Cleanup(cancelT)
	return ctx
}

// runsAfter opens path and waits until window.chunkscope.runs() holds n
// finished runs, then returns them.
func runsAfter(t *testing.T, ctx context.Context, path string, n int) []record.Run {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(env.base+path)); err != nil {
		t.Fatalf("navigate %s: %v", path, err)
	}
	runs, err := harness.WaitRuns(ctx, n)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(runs) != n {
		t.Fatalf("got %d runs; want %d", len(runs), n)
	}
	return runs
}

// bodySize of rows=20 (pad 0): the header line and "Hello,world,N\n" rows.
const bodySize20 = 14 + 9*14 + 11*15

func checkStreaming(t *testing.T, r record.Run) {
	t.Helper()
	if r.Scenario != "streaming" || r.Status != 200 || r.Error != "" {
		t.Fatalf("run = %s status %d error %q; want streaming 200 and no error", r.Scenario, r.Status, r.Error)
	}
	if r.Bytes != bodySize20 {
		t.Errorf("bytes = %d; want %d", r.Bytes, bodySize20)
	}
	if len(r.Chunks) < 15 {
		t.Errorf("chunks = %d; want ≥ 15 (one per 100 ms group)", len(r.Chunks))
	}
	if s := r.Spread(); s < 1500 {
		t.Errorf("arrivals spread over %.0f ms; want ≥ 1500", s)
	}
	if r.TTFBMs >= 500 {
		t.Errorf("TTFB = %.0f ms; want < 500", r.TTFBMs)
	}
	if r.Header("content-length") != "" {
		t.Errorf("content-length = %q; want none", r.Header("content-length"))
	}
	if r.Verdict.Kind != record.KindStreamed {
		t.Errorf("verdict = %q (%s); want %q", r.Verdict.Kind, r.Verdict.Detail, record.KindStreamed)
	}
}

func checkBuffered(t *testing.T, r record.Run) {
	t.Helper()
	if r.Scenario != "buffered" || r.Status != 200 || r.Error != "" {
		t.Fatalf("run = %s status %d error %q; want buffered 200 and no error", r.Scenario, r.Status, r.Error)
	}
	if r.Bytes != bodySize20 {
		t.Errorf("bytes = %d; want %d", r.Bytes, bodySize20)
	}
	if r.TTFBMs < 1800 {
		t.Errorf("TTFB = %.0f ms; want ≥ 1800 (the whole production time)", r.TTFBMs)
	}
	if s := r.Spread(); s > 200 {
		t.Errorf("bytes arrived over %.0f ms after the first; want all within 200", s)
	}
	if got, want := r.Header("content-length"), fmt.Sprint(bodySize20); got != want {
		t.Errorf("content-length = %q; want %q", got, want)
	}
	if r.Header("transfer-encoding") != "" {
		t.Errorf("transfer-encoding = %q; want none", r.Header("transfer-encoding"))
	}
	if r.Verdict.Kind != record.KindOnePiece || !strings.Contains(r.Verdict.Detail, "Content-Length was set") {
		t.Errorf("verdict = %q (%s); want %q naming Content-Length", r.Verdict.Kind, r.Verdict.Detail, record.KindOnePiece)
	}
}

func TestBrowser(t *testing.T) {
	t.Run("streaming", func(t *testing.T) {
		ctx := tab(t)
		runs := runsAfter(t, ctx, "/?scenario=streaming&rows=20&delay=100ms&autorun=1", 1)
		checkStreaming(t, runs[0])
		if want := "/csv/streaming?delay=100ms&rows=20&run=" + runs[0].ID; runs[0].URL != want {
			t.Errorf("url = %q; want %q", runs[0].URL, want)
		}
		// The page is cross-origin isolated, so the browser's own estimate
		// of its memory arrives too, after a GC, into the same record.
		ua, err := chromedp.Run(ctx, chromedp.Poll[float64](
			`(window.chunkscope.runs()[0].uaMemory || {}).bytes || 0`,
			chromedp.WithPollingInterval(250*time.Millisecond), chromedp.WithPollingTimeout(45*time.Second)))
		if err != nil || ua < 1<<20 {
			t.Errorf("uaMemory.bytes = %.0f, %v; want the browser's estimate, over 1 MiB", ua, err)
		}
	})
	t.Run("buffered", func(t *testing.T) {
		runs := runsAfter(t, tab(t), "/?scenario=buffered&rows=20&delay=100ms&autorun=1", 1)
		checkBuffered(t, runs[0])
	})
	t.Run("compare", func(t *testing.T) {
		ctx := tab(t)
		runs := runsAfter(t, ctx, "/?compare=1&rows=20&delay=100ms&autorun=1", 2)
		checkBuffered(t, runs[0])
		checkStreaming(t, runs[1])
		// What a person reads: two summaries, each with its verdict.
		text, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll(".summary .verdict")).map(e => e.textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		if len(text) != 2 || !strings.HasPrefix(text[0], "Content-Length was set") || !strings.Contains(text[1], "streamed") {
			t.Errorf("verdicts on the page = %q; want the buffered one naming Content-Length, then the streamed one", text)
		}
	})
	t.Run("compare memory", func(t *testing.T) {
		// 128 MiB produced over about 2.5 s: the buffered server's heap
		// climbs to the body, the streaming one stays flat; the page
		// buffer-reads the buffered body and stream-reads the streamed one.
		const MiB = 1 << 20
		ctx := tab(t)
		runs := runsAfter(t, ctx, "/?compare=1&rows=131072&pad=1005&per=512&delay=10ms&autorun=1", 2)
		b, s := runs[0], runs[1]
		if b.ReadMode != "buffer" || s.ReadMode != "stream" {
			t.Errorf("read modes = %s, %s; want buffer, stream", b.ReadMode, s.ReadMode)
		}
		if b.ServerPeakGrowth < 100*MiB || s.ServerPeakGrowth >= 4*MiB {
			t.Errorf("server peak growth buffered %.1f MiB, streaming %.1f MiB; want ≥ 100 and < 4", float64(b.ServerPeakGrowth)/MiB, float64(s.ServerPeakGrowth)/MiB)
		}
		if b.ClientPeakGrowth < 100*MiB || s.ClientPeakGrowth >= 16*MiB {
			t.Errorf("client peak growth buffer-read %.1f MiB, stream-read %.1f MiB; want ≥ 100 and < 16", float64(b.ClientPeakGrowth)/MiB, float64(s.ClientPeakGrowth)/MiB)
		}
		saveScreenshot(t, ctx)
	})
	t.Run("memory", testMemory)
	t.Run("csp", func(t *testing.T) {
		// The page runs under its strict policy, and checks it itself (an
		// Evaluate from here would bypass it): eval refused, nothing else.
		ctx := tab(t)
		runsAfter(t, ctx, "/?scenario=buffered&rows=5&autorun=1", 1)
		var csp struct {
			EvalBlocked bool
			Violations  []struct{ Directive, Blocked, Source string }
		}
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(chunkscopeLib.csp)`))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(raw), &csp); err != nil {
			t.Fatal(err)
		}
		if !csp.EvalBlocked {
			t.Error("eval ran: the Content-Security-Policy did not reach the page")
		}
		for _, v := range csp.Violations {
			if v.Blocked != "eval" {
				t.Errorf("CSP violation: %+v", v)
			}
		}
	})
	t.Run("delivery", func(t *testing.T) {
		// A first visit in a fresh browser context gets app.wasm
		// compressed; a reload revalidates instead of downloading it again.
		ctx, cancel := chromedp.NewContext(tab(t), chromedp.WithNewBrowserContext())
		defer cancel()
		wasm := `(() => { const e = performance.getEntriesByType("resource").find(r => r.name.endsWith("/web/app.wasm"));
			return e ? [e.transferSize, e.decodedBodySize] : [0, 0]; })()`
		if err := chromedp.Do(ctx, chromedp.Navigate(env.base+"/")); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.chunkscope && window.chunkscope.readyMs)`)); err != nil {
			t.Fatal(err)
		}
		sizes, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](wasm))
		if err != nil {
			t.Fatal(err)
		}
		if sizes[1] < 5e6 || sizes[0] > sizes[1]/3 {
			t.Errorf("app.wasm: %.0f bytes over the wire for %.0f decoded; want it compressed to under a third", sizes[0], sizes[1])
		}
	})
	t.Run("bad link", func(t *testing.T) {
		ctx := tab(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(env.base+"/?scenario=streaming&rows=-5&autorun=1")); err != nil {
			t.Fatal(err)
		}
		msg, err := chromedp.Run(ctx, chromedp.Poll[string](
			`(document.getElementById("form-error") || {}).textContent || ""`,
			chromedp.WithPollingInterval(100*time.Millisecond)))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg, "rows:") {
			t.Errorf("message = %q; want one naming rows", msg)
		}
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.chunkscope.runs().length`))
		if err != nil || n != 0 {
			t.Errorf("runs after a bad link = %d, %v; want 0 (nothing may run)", n, err)
		}
	})
}

// saveScreenshot writes the page as a PNG: to CHUNKSCOPE_SCREENSHOT when set
// (make screenshot), otherwise into e2e/out/ for a person to look at.
func saveScreenshot(t *testing.T, ctx context.Context) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Fatalf("screenshot is not a PNG (%d bytes)", len(png))
	}
	path := os.Getenv("CHUNKSCOPE_SCREENSHOT")
	if path == "" {
		path = filepath.Join("out", "compare.png")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// mib64 is a streamed body of about 64 MiB: 65,536 rows of 1,023 bytes,
// flushed 64 rows at a time.
const mib64 = "rows=65536&pad=1005&per=64"

func testMemory(t *testing.T) {
	type want struct {
		clientMax, clientMin int64 // bounds on clientPeakGrowth
		serverMax, serverMin int64 // bounds on serverPeakGrowth
	}
	const MiB = 1 << 20
	tests := []struct {
		name, query string
		want        want
	}{
		// Counting and dropping each piece keeps the Go heap flat...
		{"stream-read", "scenario=streaming&read=stream&" + mib64, want{clientMax: 16 * MiB, serverMax: 4 * MiB}},
		// ...keeping them all costs the body.
		{"buffer-read", "scenario=streaming&read=buffer&" + mib64, want{clientMin: 48 * MiB, serverMax: 4 * MiB}},
		// The buffered server holds the whole body before sending it.
		{"buffered", "scenario=buffered&read=stream&" + mib64, want{clientMax: 16 * MiB, serverMin: 60 * MiB}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runsAfter(t, tab(t), "/?autorun=1&"+tc.query, 1)[0]
			if r.Error != "" || r.Status != 200 || r.Bytes < 63*MiB {
				t.Fatalf("run: status %d, %d bytes, error %q; want 200, about 64 MiB", r.Status, r.Bytes, r.Error)
			}
			if len(r.ClientMem) < 2 || len(r.ServerMem) < 2 {
				t.Fatalf("%d client and %d server samples; want ≥ 2 of each", len(r.ClientMem), len(r.ServerMem))
			}
			if got := record.PeakGrowth(r.ClientMem); got != r.ClientPeakGrowth {
				t.Errorf("clientPeakGrowth = %d; the samples say %d", r.ClientPeakGrowth, got)
			}
			if got := record.PeakGrowth(r.ServerMem); got != r.ServerPeakGrowth {
				t.Errorf("serverPeakGrowth = %d; the samples say %d", r.ServerPeakGrowth, got)
			}
			// Server samples are on the page's clock: within the run, give
			// or take the stated clock error and a sampling period.
			slack := r.ClockErrorMs + 20
			for _, m := range r.ServerMem {
				if m.T < -slack || m.T > r.TotalMs+slack+50 || m.RSS == 0 {
					t.Errorf("server sample %+v is outside the run (0..%.1f ms ± %.1f) or lacks RSS", m, r.TotalMs, slack)
					break
				}
			}
			if r.ClockErrorMs <= 0 || r.ClockErrorMs > 50 {
				t.Errorf("clock error = %.3f ms; want a measured half round trip on loopback (0, 50]", r.ClockErrorMs)
			}
			check := func(what string, got, lo, hi int64) {
				if (lo > 0 && got < lo) || (hi > 0 && got >= hi) {
					t.Errorf("%s peak heap growth = %.1f MiB; want ≥ %.0f and < %.0f MiB (0 = no bound)", what, float64(got)/MiB, float64(lo)/MiB, float64(hi)/MiB)
				} else {
					t.Logf("%s peak heap growth = %.2f MiB", what, float64(got)/MiB)
				}
			}
			check("client", r.ClientPeakGrowth, tc.want.clientMin, tc.want.clientMax)
			check("server", r.ServerPeakGrowth, tc.want.serverMin, tc.want.serverMax)
		})
	}
}
