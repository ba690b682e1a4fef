package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"chunkscope/app/spec"
	appwire "chunkscope/app/wire"
	"chunkscope/internal/sse"
)

// TestSendLog: every write of a tagged run is logged with its time, bytes,
// blocking and flush, and streamed on /events beside the memory samples.
// What was sent adds up to the body, whatever the scenario.
func TestSendLog(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		path      string
		minSends  int
		flushed   bool    // every send was flushed
		firstAtMs float64 // the first send returned no earlier
		spreadMs  float64 // first to last send at least
	}{
		{"/csv/streaming?rows=5&delay=30ms", 5, true, 25, 100},
		{"/csv/buffered?rows=5&delay=30ms", 1, false, 140, 0},
		{"/csv/single-write?rows=5&delay=30ms", 1, false, 140, 0},
		{"/csv/no-flush?rows=5&delay=30ms", 5, false, 25, 100},
		{"/proxy/flush/csv/streaming?rows=5&delay=30ms", 5, true, 25, 100}, // the origin's sends, behind the proxy
	}
	for i, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			id := fmt.Sprintf("sent-%d", i)
			body := get(t, ts.URL+tc.path+"&run="+id)
			_, sends := readLogs(t, ts, id, "")
			if len(sends) < tc.minSends {
				t.Fatalf("%d sends; want ≥ %d", len(sends), tc.minSends)
			}
			var n int64
			for j, s := range sends {
				n += s.N
				if j > 0 && s.T < sends[j-1].T {
					t.Errorf("send %d at %.1f ms is before send %d at %.1f ms", j, s.T, j-1, sends[j-1].T)
				}
				if s.BlockedMs < 0 || s.BlockedMs > s.T {
					t.Errorf("send %d blocked %.3f ms, returned at %.3f ms", j, s.BlockedMs, s.T)
				}
				if tc.flushed && s.FlushMs < s.T {
					t.Errorf("send %d at %.1f ms: flushed at %.1f ms; want flushed after it", j, s.T, s.FlushMs)
				}
				if !tc.flushed && s.FlushMs != 0 {
					t.Errorf("send %d flushed at %.1f ms; this scenario never flushes", j, s.FlushMs)
				}
			}
			if want := (spec.Spec{Rows: 5, Per: 1}).BodySize(); n != int64(len(body)) || n != want {
				t.Errorf("sends add up to %d bytes; the body has %d", n, len(body))
			}
			if first := sends[0].T; first < tc.firstAtMs {
				t.Errorf("first send at %.1f ms; want ≥ %.0f ms", first, tc.firstAtMs)
			}
			if spread := sends[len(sends)-1].T - sends[0].T; spread < tc.spreadMs {
				t.Errorf("sends spread over %.1f ms; want ≥ %.0f ms", spread, tc.spreadMs)
			}
		})
	}
	// A reader that saw some sends resumes after them.
	_, all := readLogs(t, ts, "sent-0", "")
	_, rest := readLogs(t, ts, "sent-0", "0.1")
	if len(rest) != len(all)-2 || rest[0] != all[2] {
		t.Errorf("after Last-Event-ID 0.1: %d sends starting %+v; want %d starting %+v", len(rest), rest[0], len(all)-2, all[2])
	}
}

// TestSendLogIsBounded: a run writing far more than maxSends times keeps at
// most maxSends entries, in order, adding up to every byte written.
func TestSendLogIsBounded(t *testing.T) {
	g := newRuns()
	l, err := g.begin("127.0.0.1", "many-writes")
	if err != nil {
		t.Fatal(err)
	}
	defer g.end(l)
	const writes = 10*maxSends + 7
	start := l.start
	for i := 0; i < writes; i++ {
		at := start.Add(time.Duration(i) * time.Microsecond)
		g.sent(l, at, at, 10)
		if i%3 == 0 {
			g.flushed(l, at)
		}
	}
	g.end(l)
	got, _, _ := g.snapshot(l, cursor{})
	if len(got.sends) > maxSends {
		t.Fatalf("%d sends kept; want ≤ %d", len(got.sends), maxSends)
	}
	var n int64
	merged := 0
	for j, s := range got.sends {
		n += s.N
		merged += max(s.Writes, 1)
		if j > 0 && (s.T < got.sends[j-1].T || got.sends[j].n <= got.sends[j-1].n) {
			t.Fatalf("send %d (number %d, %.3f ms) does not follow number %d", j, s.n, s.T, got.sends[j-1].n)
		}
	}
	if n != 10*writes || merged != writes {
		t.Errorf("kept sends add up to %d bytes in %d writes; want %d in %d", n, merged, 10*writes, writes)
	}
	if last := got.sends[len(got.sends)-1].n; last != writes-1 {
		t.Errorf("last send is number %d; want %d", last, writes-1)
	}
}

// TestASendIsFinalWhenHandedOut: a reader never gets a write before its
// flush could be logged — the page would count a flushed write as never
// flushed (it did: "18 of 20 flushed" for a stream that flushes each).
func TestASendIsFinalWhenHandedOut(t *testing.T) {
	g := newRuns()
	l, err := g.begin("127.0.0.1", "flush-after-write")
	if err != nil {
		t.Fatal(err)
	}
	defer g.end(l)
	at := l.start.Add(time.Millisecond)
	steps := []struct {
		do    func()
		sends []float64 // FlushMs of each send handed out
	}{
		{func() { g.sent(l, at, at, 10) }, nil},
		{func() { g.flushed(l, at.Add(time.Millisecond)) }, []float64{2}},
		{func() { g.sent(l, at, at.Add(2*time.Millisecond), 10) }, []float64{2}},
		{func() { g.sent(l, at, at.Add(3*time.Millisecond), 10) }, []float64{2, 0}}, // the second was never flushed
		{func() { g.end(l) }, []float64{2, 0, 0}},
	}
	for i, st := range steps {
		st.do()
		got, _, _ := g.snapshot(l, cursor{})
		var flushes []float64
		for _, s := range got.sends {
			flushes = append(flushes, s.FlushMs)
		}
		if !slices.Equal(flushes, st.sends) {
			t.Errorf("step %d: sends handed out flushed at %v; want %v", i, flushes, st.sends)
		}
	}
}

// TestCompressedSendsNotePlainBytes: a gzip scenario's logged writes say
// how much of the body before compression each flush completes, so the page
// can match its decoded reads to them; the last note is the whole body.
func TestCompressedSendsNotePlainBytes(t *testing.T) {
	ts := newTestServer(t)
	want := (spec.Spec{Rows: 5, Per: 1}).BodySize()
	for i, path := range []string{"/csv/gzip-streaming?rows=5&delay=30ms", "/csv/gzip-buffered?rows=5&delay=30ms"} {
		t.Run(path, func(t *testing.T) {
			id := fmt.Sprintf("plain-%d", i)
			req, _ := http.NewRequest("GET", ts.URL+path+"&run="+id, nil)
			req.Header.Set("Accept-Encoding", "gzip") // set by hand: the client leaves the body compressed
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			_, sends := readLogs(t, ts, id, "")
			var notes []int64
			for _, s := range sends {
				if s.Plain > 0 {
					notes = append(notes, s.Plain)
				}
			}
			if len(notes) == 0 || notes[len(notes)-1] != want || !slices.IsSorted(notes) {
				t.Errorf("plain notes %v over %d sends; want rising to the body's %d bytes", notes, len(sends), want)
			}
			if strings.Contains(path, "streaming") && len(notes) < 5 {
				t.Errorf("%d plain notes; want one per flushed group (5)", len(notes))
			}
		})
	}
}

// TestBatchedSends: with batch=1 the send log comes as "sends" arrays, the
// very entries the "sent" events give one by one, in fewer events; a bad
// batch value is refused with its reason.
func TestBatchedSends(t *testing.T) {
	ts := newTestServer(t)
	get(t, ts.URL+"/csv/streaming?rows=40&delay=5ms&run=batch-1")
	_, one := readLogs(t, ts, "batch-1", "")
	resp, err := http.Get(ts.URL + "/events?run=batch-1&batch=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var batched []appwire.Send
	events := 0
	err = sse.Read(resp.Body, func(event, data string) (bool, error) {
		switch event {
		case "sent":
			t.Errorf("a single sent event with batch=1")
		case "sends":
			var s []appwire.Send
			if err := json.Unmarshal([]byte(data), &s); err != nil {
				return false, err
			}
			batched = append(batched, s...)
			events++
		case "end":
			return false, nil
		}
		return true, nil
	})
	if err != nil || !slices.Equal(batched, one) || events >= len(one) {
		t.Errorf("batched: %d sends in %d events (%v); want the %d sends one by one gave, in fewer events", len(batched), events, err, len(one))
	}
	for _, q := range []string{"batch=2", "batch=1&batch=1"} {
		if status, body, _ := getFull(t, ts.URL+"/events?run=batch-1&"+q); status != 400 || !strings.HasPrefix(body, "batch: ") {
			t.Errorf("%s: %d %q; want 400 naming batch", q, status, body)
		}
	}
}

// TestThinningNeverRepeatsBytes: a reader that took part of the log before
// it was thinned gets, from its cursor on, every byte written once — no
// merged entry carries bytes it already had.
func TestThinningNeverRepeatsBytes(t *testing.T) {
	g := newRuns()
	l, err := g.begin("127.0.0.1", "thin-while-read")
	if err != nil {
		t.Fatal(err)
	}
	write := func(n int) {
		for i := 0; i < n; i++ {
			at := l.start.Add(time.Duration(l.sendsTaken) * time.Microsecond)
			g.sent(l, at, at, 1)
			g.flushed(l, at)
		}
	}
	var got int64
	c := cursor{}
	take := func() {
		logs, _, _ := g.snapshot(l, c)
		for _, s := range logs.sends {
			got += s.N
			c.send = s.n + 1
		}
	}
	write(maxSends - 1)
	take()                // a reader has all but none of what follows
	write(3*maxSends + 7) // thinned, twice
	take()
	write(5)
	g.end(l)
	take()
	if want := int64(4*maxSends + 11); got != want {
		t.Errorf("the reader got %d bytes; %d were written, one per write", got, want)
	}
}

// TestEventsEvery: with every=100ms a run's stream sends nothing in the
// first 100 ms after the tagged request arrived, and its deliveries (each
// flush: one task on the page's main thread) come at least 100 ms apart;
// what it delivers is what the stream without every= gives. Bad values
// are refused with their reason.
func TestEventsEvery(t *testing.T) {
	ts := newTestServer(t)
	const every = 100 * time.Millisecond
	var sent time.Time
	body := make(chan error, 1)
	start := func() {
		sent = time.Now()
		go func() {
			r, err := http.Get(ts.URL + "/csv/streaming?rows=40&delay=10ms&run=every-1")
			if err == nil {
				_, err = io.Copy(io.Discard, r.Body)
				r.Body.Close()
			}
			body <- err
		}()
	}
	// Deliveries are told apart by time: the events of one flush arrive
	// together, those of two flushes at least every apart.
	var arrivals []time.Duration
	arrived := func() {
		at := time.Since(sent)
		if n := len(arrivals); n == 0 || at-arrivals[n-1] > every/2 {
			arrivals = append(arrivals, at)
		}
	}
	samples, sends := readStream(t, ts, "/events?run=every-1&batch=1&every=100ms", "", start, arrived)
	if err := <-body; err != nil {
		t.Fatal(err)
	}
	if len(arrivals) < 3 || arrivals[0] < every {
		t.Errorf("deliveries at %v; want the first after %s, and several over a 400 ms run", arrivals, every)
	}
	for i := 1; i < len(arrivals); i++ {
		if d := arrivals[i] - arrivals[i-1]; d < every*9/10 {
			t.Errorf("deliveries %d and %d %s apart; want at least %s", i-1, i, d, every)
		}
	}
	all, one := readLogs(t, ts, "every-1", "")
	if len(samples) != len(all) || !slices.Equal(sends, one) {
		t.Errorf("every=100ms gave %d samples and %d sends; without it %d and %d", len(samples), len(sends), len(all), len(one))
	}
	for _, q := range []string{"every=soon", "every=-1ms", "every=2s", "every=1ms&every=2ms"} {
		if status, body, _ := getFull(t, ts.URL+"/events?run=every-1&"+q); status != 400 || !strings.HasPrefix(body, "every: ") {
			t.Errorf("%s: %d %q; want 400 naming every", q, status, body)
		}
	}
}
