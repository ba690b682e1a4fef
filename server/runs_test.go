package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"chunkscope/internal/sse"
)

// TestEvictionSkipsRunsInProgress: one long run must not keep every
// finished run after it alive.
func TestEvictionSkipsRunsInProgress(t *testing.T) {
	g := newRuns()
	long, err := g.begin("127.0.0.1", "long")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5*keepRuns; i++ {
		l, err := g.begin("127.0.0.1", fmt.Sprintf("short-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		g.end(l)
	}
	g.mu.Lock()
	kept, longKept := len(g.byKey), g.byKey[runKey{"127.0.0.1", "long"}] != nil
	g.mu.Unlock()
	if kept > keepRuns+1 || !longKept {
		t.Errorf("%d runs kept (the long one: %v); want at most %d, the long one among them", kept, longKept, keepRuns+1)
	}
	g.end(long)
	g.end(long)                 // ending twice is harmless
	time.Sleep(3 * sampleEvery) // let the sampler see it is idle and stop
}

// TestHugeLastEventID: a Last-Event-ID past any run's samples is refused,
// and nothing is left locked behind it.
func TestHugeLastEventID(t *testing.T) {
	ts := newTestServer(t)
	resp, err := http.Get(ts.URL + "/csv/streaming?rows=3&delay=100ms&run=huge-1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, last := range []string{"9223372036854775807", "1073741824", "-1"} {
		req, _ := http.NewRequest("GET", ts.URL+"/events?run=huge-1", nil)
		req.Header.Set("Last-Event-ID", last)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 400 {
			t.Errorf("Last-Event-ID %s: %d; want 400", last, r.StatusCode)
		}
	}
	// A far but valid index: an empty stream that still ends with the run.
	req, _ := http.NewRequest("GET", ts.URL+"/events?run=huge-1", nil)
	req.Header.Set("Last-Event-ID", "100000")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.WriteString(string(buf[:n]))
		if err != nil {
			break
		}
	}
	r.Body.Close()
	if !strings.Contains(b.String(), "event: end") || strings.Contains(b.String(), "event: sample") {
		t.Errorf("past the last sample: %q; want just the end", b.String())
	}
	// The registry still works.
	status, _, _ := getFull(t, ts.URL+"/csv/buffered?rows=1&run=huge-2")
	if status != 200 {
		t.Errorf("a tagged request after: %d; want 200", status)
	}
}

// TestRunIDsAreUsedOnce: within its life, an id cannot come back once its
// run has been evicted, so a late reader never gets another run's samples
// under it.
func TestRunIDsAreUsedOnce(t *testing.T) {
	g := newRuns()
	first, err := g.begin("127.0.0.1", "first")
	if err != nil {
		t.Fatal(err)
	}
	g.end(first)
	for i := 0; i < 2*keepRuns; i++ {
		l, err := g.begin("127.0.0.1", fmt.Sprintf("later-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		g.end(l)
	}
	if g.byKey[runKey{"127.0.0.1", "first"}] != nil {
		t.Fatal("the first run was not evicted: the test proves nothing")
	}
	if _, err := g.begin("127.0.0.1", "first"); err == nil || !strings.Contains(err.Error(), "already used") {
		t.Errorf("reusing an evicted id: %v; want an error saying it was already used", err)
	}
}

// TestSamplesAreBounded: a run sampled far longer than maxSamples keeps at
// most maxSamples, its baseline first, in order, with numbers that keep
// meaning the same sample for readers resuming by Last-Event-ID.
func TestSamplesAreBounded(t *testing.T) {
	g := newRuns()
	g.every = 5 * time.Millisecond // the test holds the lock while it samples
	l, err := g.begin("127.0.0.1", "long")
	if err != nil {
		t.Fatal(err)
	}
	const taken = 10 * maxSamples
	g.mu.Lock()
	for i := 1; i < taken; i++ {
		if l.ticks++; l.ticks%l.stride == 0 {
			g.sampleLocked(l, Sample{Heap: uint64(i)})
		}
	}
	g.mu.Unlock()
	// Ended before it is read: the sampler, which runs beside the test,
	// would otherwise add a sample between the two snapshots below.
	g.end(l)
	got, _, _ := g.snapshot(l, cursor{})
	all := got.samples
	if len(all) > maxSamples || len(all) < maxSamples/2 {
		t.Fatalf("%d samples kept; want between %d and %d", len(all), maxSamples/2, maxSamples)
	}
	if all[0].n != 0 {
		t.Errorf("first kept sample is number %d; want the baseline, 0", all[0].n)
	}
	for i := 1; i < len(all); i++ {
		if all[i].n <= all[i-1].n || all[i].T < all[i-1].T {
			t.Fatalf("sample %d (number %d, %.3f ms) does not follow number %d (%.3f ms)", i, all[i].n, all[i].T, all[i-1].n, all[i-1].T)
		}
	}
	last := all[len(all)-1].n
	mid := all[len(all)/2].n
	got, _, _ = g.snapshot(l, cursor{sample: mid})
	rest := got.samples
	if rest[0].n != mid || rest[len(rest)-1].n != last {
		t.Errorf("resuming from number %d gave %d…%d; want %d…%d", mid, rest[0].n, rest[len(rest)-1].n, mid, last)
	}
	if l.stride < 8 {
		t.Errorf("stride %d after %d ticks; want the rate halved at each thinning", l.stride, taken)
	}
	t.Logf("%d ticks: %d samples kept, every %d ticks now", taken, len(all), l.stride)
}

// TestEventsOpenBeforeTheRun: the page opens a run's event stream, waits
// for it to be up, then sends the tagged request — so the stream's headers
// come at once, not when the request arrives (which waited out the page's
// 2 s each run). A run that never comes ends the stream with the reason.
func TestEventsOpenBeforeTheRun(t *testing.T) {
	defer func(w time.Duration) { waitForRun = w }(waitForRun)
	waitForRun = 300 * time.Millisecond
	ts := newTestServer(t)
	for _, tc := range []struct {
		run, problem string
	}{
		{"opens-1", ""},
		{"never-comes", `"problem":"run: no request tagged \"never-comes\" arrived within 300ms"`},
	} {
		start := time.Now()
		resp, err := http.Get(ts.URL + "/events?run=" + tc.run)
		if err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); resp.StatusCode != 200 || took > 200*time.Millisecond {
			t.Errorf("%s: status %d after %v; want 200 at once", tc.run, resp.StatusCode, took)
		}
		if tc.problem == "" {
			body, err := http.Get(ts.URL + "/csv/streaming?rows=2&delay=20ms&run=" + tc.run)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, body.Body)
			body.Body.Close()
		}
		var end string
		err = sse.Read(resp.Body, func(event, data string) (bool, error) {
			if event == "end" {
				end = data
				return false, nil
			}
			return true, nil
		})
		resp.Body.Close()
		if err != nil || !strings.Contains(end, tc.problem) || (tc.problem == "" && strings.Contains(end, "problem")) {
			t.Errorf("%s: end %q (%v); want it to say %q", tc.run, end, err, tc.problem)
		}
	}
}

// TestCollectionWaitsForTheResponseToLeave: a handler's return does not
// start the collection of what its response left — a body the handler
// never flushed has not left yet, and the collection would delay it — the
// connection finishing the response does, unless a run is active.
func TestCollectionWaitsForTheResponseToLeave(t *testing.T) {
	g := newRuns()
	pending := func() bool { g.mu.Lock(); defer g.mu.Unlock(); return g.dirty }
	l, err := g.begin("127.0.0.1", "a")
	if err != nil {
		t.Fatal(err)
	}
	g.end(l)
	g.responseDone()
	if !pending() {
		t.Errorf("the collection started when the handler returned; want it to wait for the response to leave")
	}
	b, err := g.begin("127.0.0.1", "b")
	if err != nil {
		t.Fatal(err)
	}
	g.responseLeft()
	if !pending() {
		t.Errorf("the collection started while a run was active")
	}
	g.end(b)
	g.responseLeft()
	if pending() {
		t.Errorf("the collection did not start once the response had left and no run was active")
	}
	g.settle(context.Background())
	time.Sleep(3 * sampleEvery) // let the sampler see it is idle and stop
}
