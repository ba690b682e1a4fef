// Package harness starts what the browser tests and the benchmark drive:
// the real chunkscope binary on a free loopback port, and Debian's headless
// Chromium with the flags that work as root on a closed network.
package harness

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sync"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
)

// StartServer runs bin on 127.0.0.1 with a free port and returns its base
// URL (read from the line it prints) and a stop func (SIGINT, then kill).
func StartServer(bin string, stderr io.Writer, args ...string) (base string, stop func(), err error) {
	srv, err := Start(bin, stderr, args...)
	if err != nil {
		return "", nil, err
	}
	return srv.Base, srv.Stop, nil
}

// Server is a running chunkscope binary.
type Server struct {
	Base string    // http://127.0.0.1:PORT
	Cmd  *exec.Cmd // to signal it
	Stop func()    // SIGINT, then kill after 10 s; waits for the exit
	done chan struct{}
	err  error
}

// Done is closed when the process has exited; Err then tells how.
func (s *Server) Done() <-chan struct{} { return s.done }

// Err is the process's exit error (nil for exit 0), once Done is closed.
func (s *Server) Err() error { return s.err }

// Start is StartServer for callers that need the process itself.
func Start(bin string, stderr io.Writer, args ...string) (*Server, error) {
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	srv := &Server{Cmd: cmd, done: make(chan struct{})}
	go func() { srv.err = cmd.Wait(); close(srv.done) }()
	var once sync.Once
	srv.Stop = func() {
		once.Do(func() {
			cmd.Process.Signal(os.Interrupt)
			select {
			case <-srv.done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-srv.done
			}
		})
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
	case srv.Base = <-found:
		return srv, nil
	case <-time.After(30 * time.Second):
		srv.Stop()
		return nil, fmt.Errorf("%s printed no 'listening on' line in 30 s", bin)
	}
}

// StartBrowser starts headless Chromium with a fresh profile and returns a
// browser context; cancel stops it and removes the profile.
func StartBrowser(chrome string) (browser context.Context, cancel func(), err error) {
	return StartBrowserWith(chrome)
}

// StartBrowserWith is StartBrowser with more options after the e2e ones
// (a flag given again replaces the e2e one): e.g.
// chromedp.Flag("log-net-log", file) to record a NetLog. cancel closes
// Chromium, which ends such a file.
func StartBrowserWith(chrome string, extra ...chromedp.ExecAllocatorOption) (browser context.Context, cancel func(), err error) {
	profile, err := os.MkdirTemp("", "chunkscope-chromium-")
	if err != nil {
		return nil, nil, err
	}
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
		// performance.memory is bucketed and stale without it.
		chromedp.Flag("enable-precise-memory-info", true),
		// chromedp's own two, and the omnibox popup's WebUI: Chromium 156
		// opens it in a renderer of its own for every new browser context
		// (every cold run), where it kept both cores busy for about a
		// second after the page had loaded, under a run that a link had
		// started. A person's browser opens it once per window.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup"),
	)
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	cancel = func() {
		cancelBrowser()
		cancelAlloc()
		os.RemoveAll(profile)
	}
	// Start it now, so a broken Chromium fails once, clearly.
	if err := chromedp.Do(browser, chromedp.Navigate("about:blank")); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("starting %s: %w", chrome, err)
	}
	return browser, cancel, nil
}

// WaitRuns waits until window.chunkscope.runs() holds at least n finished
// runs on the current page and returns them all. It polls count(), which
// costs the page nothing: runs() would build every record on the main
// thread the run being read shares.
func WaitRuns(ctx context.Context, n int) ([]record.Run, error) {
	cond := fmt.Sprintf(`window.chunkscope && typeof window.chunkscope.count === "function" && window.chunkscope.count() >= %d`, n)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		return nil, fmt.Errorf("waiting for %d runs: %w", n, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.chunkscope.runs())`))
	if err != nil {
		return nil, fmt.Errorf("reading runs: %w", err)
	}
	var runs []record.Run
	if err := json.Unmarshal([]byte(raw), &runs); err != nil {
		return nil, fmt.Errorf("decoding runs %.200s: %w", raw, err)
	}
	return runs, nil
}
