// Package e2e tests chunkscope as a person uses it: the real binary (built by
// make) serving on loopback, and a real headless Chromium (Debian's package)
// driven with chromedp loading the real page.
//
// make test sets CHUNKSCOPE_BIN and CHUNKSCOPE_CHROME; without them these
// tests are skipped, so a plain `go test ./...` stays quick.
package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
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
	base, stop, err := startServer(bin)
	if err != nil {
		return 0, err
	}
	defer stop()
	env.base = base

	profile, err := os.MkdirTemp("", "chunkscope-chromium-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(profile)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chrome),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1400, 1000),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("enable-precise-memory-info", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	// Start the browser now, so a broken Chromium fails once, clearly.
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		return 0, fmt.Errorf("starting %s: %w", chrome, err)
	}
	env.browser = browser
	return m.Run(), nil
}

// startServer runs the binary on a free loopback port and reads the port
// from the line it prints.
func startServer(bin string) (base string, stop func(), err error) {
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	stop = func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		re := regexp.MustCompile(`listening on (http://\S+)/`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case base = <-found:
		return base, stop, nil
	case <-time.After(30 * time.Second):
		stop()
		return "", nil, fmt.Errorf("%s printed no 'listening on' line in 30 s", bin)
	}
}

// tab opens a new tab in the shared browser.
func tab(t *testing.T) context.Context {
	t.Helper()
	if env.browser == nil {
		t.Skip("no browser: run make test")
	}
	ctx, cancel := chromedp.NewContext(env.browser)
	t.Cleanup(cancel)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
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
	cond := fmt.Sprintf(`window.chunkscope && typeof window.chunkscope.runs === "function" && window.chunkscope.runs().length >= %d`, n)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Fatalf("waiting for %d runs on %s: %v", n, path, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.chunkscope.runs())`))
	if err != nil {
		t.Fatalf("reading runs: %v", err)
	}
	var runs []record.Run
	if err := json.Unmarshal([]byte(raw), &runs); err != nil {
		t.Fatalf("decoding runs %.200s: %v", raw, err)
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
		runs := runsAfter(t, tab(t), "/?scenario=streaming&rows=20&delay=100ms&autorun=1", 1)
		checkStreaming(t, runs[0])
		if runs[0].URL != "/csv/streaming?delay=100ms&rows=20" {
			t.Errorf("url = %q; want /csv/streaming?delay=100ms&rows=20", runs[0].URL)
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
		saveScreenshot(t, ctx)
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
