package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEvictionSkipsRunsInProgress: one long run must not keep every
// finished run after it alive.
func TestEvictionSkipsRunsInProgress(t *testing.T) {
	g := newRuns()
	long, err := g.begin("long")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5*keepRuns; i++ {
		l, err := g.begin(fmt.Sprintf("short-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		g.end(l)
	}
	g.mu.Lock()
	kept, _, longKept := len(g.byID), len(g.order), g.byID["long"] != nil
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
