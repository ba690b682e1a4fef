package server

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"chunkscope/internal/sse"
	"chunkscope/internal/testnet"
)

// TestOneClientCannotExhaustAnothersIDs: a client that tags far more runs
// than its cap keeps working (its own oldest ids are forgotten), and
// another client's ids are neither taken nor forgotten by it.
func TestOneClientCannotExhaustAnothersIDs(t *testing.T) {
	const perClient, all = 8, 64
	s := newIDSet(perClient, all, time.Hour)
	now := time.Now()
	for i := range 3 {
		if !s.take("b", fmt.Sprintf("b-%d", i), now) {
			t.Fatalf("b's id %d refused on first use", i)
		}
	}
	for i := range 1000 {
		if !s.take("a", fmt.Sprintf("a-%d", i), now) {
			t.Fatalf("a's id %d refused on first use; want its oldest forgotten instead", i)
		}
		if s.len() > all || len(s.stamps) != s.len() {
			t.Fatalf("after a's id %d: %d remembered, %d stamps; want at most %d, one stamp each", i, s.len(), len(s.stamps), all)
		}
	}
	tests := []struct {
		owner, id string
		want      bool // taken (not remembered)
	}{
		{"a", "a-999", false}, // a's newest are remembered
		{"a", fmt.Sprintf("a-%d", 1000-perClient), false},
		{"a", "a-0", true},  // a's oldest were forgotten: its own cap
		{"b", "b-0", false}, // b's are all remembered
		{"b", "b-2", false},
		{"b", "b-3", true},
		{"b", "a-999", true}, // another client's id is not b's
	}
	for _, tc := range tests {
		if got := s.take(tc.owner, tc.id, now); got != tc.want {
			t.Errorf("%s takes %s: %v; want %v", tc.owner, tc.id, got, tc.want)
		}
	}
}

// TestIDsAreForgottenAfterTheirLife: an id is refused until its life is
// over, then taken again.
func TestIDsAreForgottenAfterTheirLife(t *testing.T) {
	s := newIDSet(8, 64, time.Hour)
	t0 := time.Now()
	s.take("a", "x", t0)
	for _, tc := range []struct {
		after time.Duration
		want  bool
	}{
		{time.Minute, false},
		{time.Hour - time.Nanosecond, false},
		{time.Hour, true},
	} {
		if got := s.take("a", "x", t0.Add(tc.after)); got != tc.want {
			t.Errorf("x again %v later: taken %v; want %v", tc.after, got, tc.want)
		}
	}
	if s.len() != 1 {
		t.Errorf("%d ids remembered; want 1, the expired one gone", s.len())
	}
}

// TestIDsAreBoundedInAll: many clients never make the set exceed its bound;
// when it is full the clients holding the most lose their oldest first, so
// a client with one id keeps it while the others hold several.
func TestIDsAreBoundedInAll(t *testing.T) {
	const perClient, all = 8, 64
	s := newIDSet(perClient, all, time.Hour)
	now := time.Now()
	s.take("few", "mine", now)
	for c := range 20 {
		for i := range perClient {
			s.take(fmt.Sprintf("client-%d", c), fmt.Sprint(i), now)
			if s.len() > all {
				t.Fatalf("%d ids remembered; want at most %d", s.len(), all)
			}
		}
	}
	if s.take("few", "mine", now) {
		t.Errorf("the one id of a client with one was forgotten while 20 others held up to %d", perClient)
	}
	for c := range 1000 {
		s.take(fmt.Sprintf("many-%d", c), "x", now)
	}
	if s.len() > all || len(s.clients) > all {
		t.Errorf("after 1000 clients: %d ids of %d clients; want at most %d", s.len(), len(s.clients), all)
	}
}

func TestFillLevel(t *testing.T) {
	tests := []struct {
		counts []int
		total  int
		want   int
	}{
		{nil, 10, 0},
		{[]int{1, 2, 3}, 10, 3}, // all fit
		{[]int{1, 8, 8}, 9, 4},  // 1 + 4 + 4
		{[]int{8, 8, 8}, 9, 3},
		{[]int{1, 1, 1}, 2, 0},
		{[]int{1, 100}, 50, 49},
	}
	for _, tc := range tests {
		if got := fillLevel(append([]int(nil), tc.counts...), tc.total); got != tc.want {
			t.Errorf("fillLevel(%v, %d) = %d; want %d", tc.counts, tc.total, got, tc.want)
		}
	}
}

// TestIDSetMemory measures the set full: maxIDs ids of one client each
// (the costliest shape), against the bound the constants' comment states.
func TestIDSetMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("fills the set")
	}
	before := heapInUse()
	s := newIDSet(maxIDsPerClient, maxIDs, idLife)
	now := time.Now()
	for c := range maxIDs {
		s.take(fmt.Sprintf("2001:db8:%x:%x::/64", c>>16, c&0xffff), "r"+strings.Repeat("x", 26), now)
	}
	held := heapInUse() - before
	if s.len() > maxIDs {
		t.Errorf("%d ids; want at most %d", s.len(), maxIDs)
	}
	t.Logf("%d ids of %d clients: %.1f MiB", s.len(), len(s.clients), float64(held)/(1<<20))
	if held > 12<<20 {
		t.Errorf("%d bytes held; want under 12 MiB", held)
	}
	s.take("x", "y", now) // keep s alive to here
}

// TestFinishedRunsOfTheBusiestClientGoFirst: a client that tags run after
// run forgets its own finished runs, not the one another client is still
// to read.
func TestFinishedRunsOfTheBusiestClientGoFirst(t *testing.T) {
	g := newRuns()
	theirs, err := g.begin("127.0.0.2", "theirs")
	if err != nil {
		t.Fatal(err)
	}
	g.end(theirs)
	for i := range 5 * keepRuns {
		l, err := g.begin("127.0.0.1", fmt.Sprintf("busy-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		g.end(l)
	}
	g.mu.Lock()
	kept, theirsKept := len(g.byKey), g.byKey[runKey{"127.0.0.2", "theirs"}] != nil
	g.mu.Unlock()
	if kept > keepRuns || !theirsKept {
		t.Errorf("%d runs kept, the other client's among them: %v; want at most %d, and it kept", kept, theirsKept, keepRuns)
	}
	time.Sleep(3 * sampleEvery) // let the sampler see it is idle and stop
}

// getFrom sends GET url from c, with header (name, value, …), and returns
// the status and body.
func getFrom(t *testing.T, c *http.Client, url string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, body := testnet.Fetch(t, c, req)
	return resp.StatusCode, body
}

// TestRunIDsPerClientOnLoopback: on a real listener, one address tags
// runs far past its cap of ids; another address still tags runs, and its
// ids are still refused when reused. Each address has its own namespace:
// the same id from both is two runs.
func TestRunIDsPerClientOnLoopback(t *testing.T) {
	ts := startServer(t, Config{})
	const perClient, all = 16, 64
	ts.Config.Handler.(*Server).runs.ids = newIDSet(perClient, all, time.Hour) // before any request
	a, b := testnet.ClientFrom(t, "127.0.0.1"), testnet.ClientFrom(t, "127.0.0.2")
	tag := func(c *http.Client, id string) (int, string) {
		return getFrom(t, c, ts.URL+"/csv/buffered?rows=1&run="+id)
	}
	for i := range 10 * all {
		if status, body := tag(a, fmt.Sprintf("a-%d", i)); status != 200 {
			t.Fatalf("127.0.0.1's run %d: %d %s; want 200 (its oldest ids forgotten, not refused)", i, status, body)
		}
	}
	testnet.CheckTaggings(t, ts.URL+"/csv/buffered?rows=1&run=", []testnet.Tagging{
		{Who: "127.0.0.2", From: b, ID: "b-1", Status: 200, Body: "One,Two,Three"},
		{Who: "127.0.0.2", From: b, ID: "b-1", Status: 400, Body: `run: "b-1" was already used; every run needs a new id`},
		{Who: "127.0.0.2", From: b, ID: "a-639", Status: 200, Body: "One,Two,Three"}, // 127.0.0.1's latest, but not 127.0.0.2's
		{Who: "127.0.0.1", From: a, ID: "a-639", Status: 400, Body: `run: "a-639" was already used`},
		{Who: "127.0.0.1", From: a, ID: "b-1", Status: 200, Body: "One,Two,Three"},
		{Who: "127.0.0.1", From: a, ID: "a-0", Status: 200, Body: "One,Two,Three"}, // forgotten: past its own cap
	})
}

// eventsFrom reads /events?run=id as c until its end event, and returns
// the number of samples and the end event's data.
func eventsFrom(t *testing.T, c *http.Client, base, id string) (samples int, end string) {
	t.Helper()
	resp, err := c.Get(base + "/events?run=" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("events of %s: %d; want 200", id, resp.StatusCode)
	}
	err = sse.Read(resp.Body, func(event, data string) (bool, error) {
		switch event {
		case "sample":
			samples++
		case "end":
			end = data
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return samples, end
}

// TestEventsAnswerOnlyTheRunsClient: /events?run=ID gives the samples to
// the address that tagged the run, through /proxy/ hops too (whose inner
// request comes from the server's own address), and to any other address
// exactly what it gives for an id nobody tagged. A client cannot claim
// another's run by sending the owner header itself.
func TestEventsAnswerOnlyTheRunsClient(t *testing.T) {
	defer func(w time.Duration) { waitForRun = w }(waitForRun)
	waitForRun = 300 * time.Millisecond
	ts := startServer(t, Config{})
	a, b := testnet.ClientFrom(t, "127.0.0.1"), testnet.ClientFrom(t, "127.0.0.2")
	nobodys := func(id string) string {
		return fmt.Sprintf(`{"samples":0,"sent":0,"problem":"run: no request tagged \"%s\" arrived within 300ms"}`, id)
	}
	tests := []struct {
		name   string
		tagger *http.Client
		path   string // tagged with run=ID
		header []string
		owner  *http.Client // the one that reads it
		other  *http.Client // the one told no such run came
	}{
		{"direct", a, "/csv/streaming?rows=3&delay=20ms", nil, a, b},
		{"direct from the second address", b, "/csv/streaming?rows=3&delay=20ms", nil, b, a},
		{"through /proxy/", b, "/proxy/default/csv/streaming?rows=3&delay=20ms", nil, b, a},
		{"a forged client header", a, "/csv/buffered?rows=3", []string{forwardHeader, "guess 127.0.0.2"}, a, b},
		{"a forged client header through /proxy/", b, "/proxy/flush/csv/streaming?rows=3", []string{forwardHeader, "guess 127.0.0.1"}, b, a},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("run-%d", i)
			if status, body := getFrom(t, tc.tagger, ts.URL+tc.path+"&run="+id, tc.header...); status != 200 {
				t.Fatalf("tagging: %d %s", status, body)
			}
			if n, end := eventsFrom(t, tc.owner, ts.URL, id); n == 0 || strings.Contains(end, "problem") {
				t.Errorf("its own client: %d samples, end %s; want samples and an end with no problem", n, end)
			}
			if n, end := eventsFrom(t, tc.other, ts.URL, id); n != 0 || end != nobodys(id) {
				t.Errorf("the other client: %d samples, end %s; want none and %s, as for an id nobody tagged", n, end, nobodys(id))
			}
		})
	}
	if n, end := eventsFrom(t, b, ts.URL, "nobody"); n != 0 || end != nobodys("nobody") {
		t.Errorf("an id nobody tagged: %d samples, end %s; want %s", n, end, nobodys("nobody"))
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
