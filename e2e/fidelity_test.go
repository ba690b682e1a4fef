package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
)

// TestFidelity: the instrument does not move the needle. On a page that
// go-app's service worker controls (a second visit), three warm runs of a
// 100 ms stream: the page's first read() minus the wire probe's first byte
// of the same request, median of the three, is under 15 ms (make bench's
// fidelity table has the precise figures; this bound only catches a
// regression of the size issue 13 found: 40–86 ms). Each record holds the
// browser's own Resource Timing entry for its request, which no service
// worker saw (workerStart 0), and whose first byte precedes the page's.
func TestFidelity(t *testing.T) {
	ctx := tab(t)
	const path = "/?scenario=streaming&rows=20&delay=100ms&wire=1"
	for visit := 0; visit < 2; visit++ {
		if err := chromedp.Do(ctx, chromedp.Navigate(env.base+path)); err != nil {
			t.Fatalf("navigate %s: %v", path, err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.chunkscope && window.chunkscope.readyMs)`)); err != nil {
			t.Fatalf("waiting for the page: %v", err)
		}
	}
	controlled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		`(async () => { await chunkscopeLib.settle(3000); return !!navigator.serviceWorker.controller; })()`, chromedp.EvalAwaitPromise))
	if err != nil || !controlled {
		t.Errorf("second visit controlled by a service worker = %v, %v; want true (or workerStart 0 below proves nothing)", controlled, err)
	}
	time.Sleep(time.Second) // warm: the page has finished starting
	var diffs, sendMedians []float64
	for i := 0; i < 3; i++ {
		r := pressRun(t, ctx, i+1)
		tm := r.Timing
		if tm == nil {
			t.Fatalf("run %d: no Resource Timing entry in the record", i+1)
		}
		if tm.Worker || tm.WorkerStartMs != 0 {
			t.Errorf("run %d: workerStart %.2f ms (source %q); want 0: no service worker on a measured request", i+1, tm.WorkerStartMs, tm.WorkerSource)
		}
		if tm.ResponseStartMs <= 0 || tm.ResponseStartMs > r.HeadersMs || r.HeadersMs > r.TTFBMs {
			t.Errorf("run %d: network first byte %.2f, headers %.2f, first read %.2f ms; want 0 < network ≤ headers ≤ first read", i+1, tm.ResponseStartMs, r.HeadersMs, r.TTFBMs)
		}
		if tm.StartMs < 0 || tm.StartMs > 5 {
			t.Errorf("run %d: Resource Timing startTime %.2f ms after t = 0; want within 5 ms (t = 0 is just before fetch())", i+1, tm.StartMs)
		}
		diffs = append(diffs, r.TTFBMs-r.Wire.TTFBMs)
		d := record.SendDelays(&r)
		if len(d) == 0 {
			t.Fatalf("run %d: no send→arrival delays (%d sends)", i+1, len(r.Sent))
		}
		slices.Sort(d)
		sendMedians = append(sendMedians, d[len(d)/2])
	}
	// Each byte from the server's write to the page's read, on loopback
	// with nothing between: the median of each run's median, within 10 ms
	// (issue 11; a page's first run after its load lags more, as the
	// fidelity table's cold rows show).
	slices.Sort(sendMedians)
	if sendMedians[1] > 10 {
		t.Errorf("send→arrival median %.1f ms, of the runs' medians %.1f; want ≤ 10 ms on loopback", sendMedians[1], sendMedians)
	} else {
		t.Logf("send→arrival: median %.1f ms of the runs' medians %.1f", sendMedians[1], sendMedians)
	}
	slices.Sort(diffs)
	if diffs[1] >= 15 {
		t.Errorf("page TTFB − wire TTFB = %.1f ms, median of %.1f; want < 15", diffs[1], diffs)
	} else {
		t.Logf("page TTFB − wire TTFB: median %.1f ms of %.1f", diffs[1], diffs)
	}
}

// pressRun presses Run and returns the page's n-th run once it and its wire
// probe are finished.
func pressRun(t *testing.T, ctx context.Context, n int) record.Run {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById("run").click(), true)`)); err != nil {
		t.Fatal(err)
	}
	// count(), not runs(), while the run is read: runs() builds every
	// record on the main thread the run shares. A run is counted once its
	// wire probe is over too.
	cond := fmt.Sprintf(`window.chunkscope.count() >= %d`, n)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Fatalf("waiting for run %d: %v", n, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`JSON.stringify(window.chunkscope.runs()[%d])`, n-1)))
	if err != nil {
		t.Fatal(err)
	}
	var r record.Run
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatal(err)
	}
	if r.Status != 200 || r.Error != "" || r.Wire == nil || r.Wire.Error != "" {
		t.Fatalf("run %d: status %d, error %q, wire %+v; want 200, a probe and no error", n, r.Status, r.Error, r.Wire)
	}
	return r
}
