package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"chunkscope/app/spec"
)

const kib, mib = 1 << 10, 1 << 20

// TestBudgetHolds: a budget counts what its holds hold now, refuses a grow
// that would cross the whole budget or the client's share (counting
// nothing then), and gives everything back on release.
func TestBudgetHolds(t *testing.T) {
	type step struct {
		hold   int    // which hold (0..2)
		op     string // grow, shrink, release
		n      int64
		refuse string // "" ok, "budget" or "share": the limit a grow hits
	}
	clients := []string{"a", "a", "b"} // holds 0 and 1 are one client's
	tests := []struct {
		name           string
		max, perClient int64
		steps          []step
		held           int64            // all holds at the end
		by             map[string]int64 // each client's at the end
	}{
		{"grows and shrinks as it holds", 100, 0, []step{
			{0, "grow", 60, ""}, {0, "grow", 40, ""}, {0, "shrink", 30, ""},
		}, 70, map[string]int64{"a": 70}},
		{"a grow over the budget counts nothing", 100, 0, []step{
			{0, "grow", 60, ""}, {2, "grow", 41, "budget"}, {2, "grow", 40, ""},
		}, 100, map[string]int64{"a": 60, "b": 40}},
		{"one client's holds share its part", 100, 50, []step{
			{0, "grow", 30, ""}, {1, "grow", 21, "share"}, {1, "grow", 20, ""}, {2, "grow", 50, ""},
		}, 100, map[string]int64{"a": 50, "b": 50}},
		{"the share is reached before the budget", 100, 50, []step{
			{2, "grow", 40, ""}, {0, "grow", 50, ""}, {1, "grow", 1, "share"}, {2, "grow", 11, "share"},
		}, 90, map[string]int64{"a": 50, "b": 40}},
		{"the budget is reached before the share", 100, 60, []step{
			{0, "grow", 60, ""}, {2, "grow", 30, ""}, {2, "grow", 11, "budget"}, {2, "grow", 10, ""},
		}, 100, map[string]int64{"a": 60, "b": 40}},
		{"release gives everything back and ends the hold", 100, 0, []step{
			{0, "grow", 90, ""}, {0, "release", 0, ""}, {0, "grow", 1, "released"}, {2, "grow", 100, ""},
		}, 100, map[string]int64{"b": 100}},
		{"a share over the budget is the budget", 100, 500, []step{
			{0, "grow", 100, ""}, {1, "grow", 1, "budget"},
		}, 100, map[string]int64{"a": 100}},
		{"release twice, shrink more than held", 100, 0, []step{
			{0, "grow", 10, ""}, {0, "shrink", 50, ""}, {0, "release", 0, ""}, {0, "release", 0, ""}, {1, "grow", 5, ""},
		}, 5, map[string]int64{"a": 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBudget(tc.max, tc.perClient)
			holds := []*hold{b.open(clients[0]), b.open(clients[1]), b.open(clients[2])}
			for i, st := range tc.steps {
				h := holds[st.hold]
				switch st.op {
				case "grow":
					err := h.grow(st.n)
					var over *overBudget
					got := ""
					switch {
					case errors.Is(err, errReleased):
						got = "released"
					case errors.As(err, &over) && over.perClient:
						got = "share"
					case err != nil:
						got = "budget"
					}
					if got != st.refuse {
						t.Errorf("step %d: grow(%d) on hold %d: refused %q (%v); want %q", i, st.n, st.hold, got, err, st.refuse)
					}
				case "shrink":
					h.shrink(st.n)
				case "release":
					h.release()
				}
			}
			if got := b.held(); got != tc.held {
				t.Errorf("held %d; want %d", got, tc.held)
			}
			for _, c := range []string{"a", "b"} {
				if got := b.heldBy(c); got != tc.by[c] {
					t.Errorf("client %s holds %d; want %d", c, got, tc.by[c])
				}
			}
			var sum int64
			for _, h := range holds {
				sum += h.bytes()
			}
			if sum != tc.held {
				t.Errorf("the holds hold %d together; the budget says %d", sum, tc.held)
			}
			for _, h := range holds {
				h.release()
			}
			if got := b.held(); got != 0 || len(b.clients) != 0 {
				t.Errorf("after every release: held %d, clients %v; want 0 and none", got, b.clients)
			}
		})
	}
}

// TestBudgetFits: the capacity check refuses only what could never be
// held, and says which limit, with its figures.
func TestBudgetFits(t *testing.T) {
	tests := []struct {
		max, perClient, need int64
		want                 string // "" fits
	}{
		{100, 0, 100, ""},
		{100, 0, 101, "the server's buffer budget is 100 bytes (-buffer-budget)"},
		{100, 25, 25, ""},
		{100, 25, 26, "one client's share of the buffer budget is 25 bytes (-buffer-per-client; the whole budget is 100)"},
		{100, 25, 101, "one client's share of the buffer budget is 25 bytes"},
		{100, 200, 101, "the server's buffer budget is 100 bytes"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d of %d, share %d", tc.need, tc.max, tc.perClient), func(t *testing.T) {
			b := newBudget(tc.max, tc.perClient)
			h := b.open("x") // what others hold does not matter
			h.grow(tc.max)
			err := b.fits("x", tc.need)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
				t.Errorf("fits: %q; want %q", got, tc.want)
			}
		})
	}
}

// TestBufferGrowthModelsBytesBuffer: bufferGrowth, which counts
// http.TimeoutHandler's buffer before it grows, follows a real
// bytes.Buffer written the same way, to within the allocator's rounding.
func TestBufferGrowthModelsBytesBuffer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []int
	}{
		{"small rows", []int{14, 15, 15, 15, 16, 16, 16}},
		{"64 KiB pieces", []int{64 * kib, 64 * kib, 64 * kib, 64 * kib, 64 * kib, 1000}},
		{"one big write", []int{3*mib + 7}},
		{"mixed", []int{10, 100 * kib, 3, 70, 300 * kib, 64 * kib, 1}},
		{"odd sizes past a page", []int{40*kib + 3, 5, 41 * kib, 1, 200*kib + 11, 77}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var real bytes.Buffer
			var size, capacity int64
			for i, n := range tc.writes {
				capacity = bufferGrowth(size, capacity, int64(n))
				size += int64(n)
				real.Write(make([]byte, n))
				// size classes round a small array up by up to an eighth; a
				// large one is modelled to the page
				if got := int64(real.Cap()); got < capacity || got > capacity+capacity/8 || capacity > 32*kib && got != capacity {
					t.Errorf("after write %d (%d bytes): bytes.Buffer holds %d; the model says %d", i, n, got, capacity)
				}
			}
		})
	}
}

// budgetServer is a server with the given budget on loopback, and the
// Server itself, to read its budget.
func budgetServer(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	cfg.Web = testWeb()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts.URL
}

// clientFrom is an HTTP client whose connections come from ip (another
// address of 127.0.0.0/8: another client to the server).
func clientFrom(t *testing.T, ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

type answer struct {
	status int
	body   string
	err    error
}

// fetchAll sends GET url with c and reads the whole answer, on its own
// goroutine.
func fetchAll(c *http.Client, url string, header ...string) <-chan answer {
	out := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("GET", url, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := c.Do(req)
		if err != nil {
			out <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		out <- answer{resp.StatusCode, string(b), err}
	}()
	return out
}

// waitHeld waits until the budget holds at least n bytes (by client, if
// given).
func waitHeld(t *testing.T, s *Server, n int64, client string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if held := s.budget.held(); client == "" && held >= n || client != "" && s.budget.heldBy(client) >= n {
			return
		}
	}
	t.Fatalf("the budget never held %d bytes (holds %d, %q %d)", n, s.budget.held(), client, s.budget.heldBy(client))
}

// waitFreed waits until the budget holds nothing: every response let go.
func waitFreed(t *testing.T, s *Server) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if s.budget.held() == 0 {
			return
		}
	}
	t.Fatalf("the budget still holds %d bytes after every response ended", s.budget.held())
}

// sizeOf is the size of the body of rows rows of pad dots.
func sizeOf(rows, pad int) int64 { return spec.Spec{Rows: rows, Pad: pad, Per: 1}.BodySize() }

// slowBody is ~1 MiB of rows (1000 rows of 1 KiB) in two groups with a
// pause before each: it holds half, waits, then the rest.
const slowBody = "rows=1000&pad=1000&per=500&delay=1500ms"

// TestHoldDoesNotReserve: a slow buffered body holds what it has produced,
// not what it will: while it waits, others' bodies fit in the rest; one that
// does not is stopped, let go, and refused with the limit and figures;
// once it is done, the same body fits.
func TestHoldDoesNotReserve(t *testing.T) {
	s, base := budgetServer(t, Config{BufferBudget: 2 * mib})
	c := clientFrom(t, "127.0.0.1")
	slow := fetchAll(c, base+"/csv/buffered?"+slowBody)
	waitHeld(t, s, 400*kib, "")
	for _, tc := range []struct {
		path, status, reason string
	}{
		{"/csv/buffered?rows=500&pad=1000", "200", "One,Two,Three"},
		{"/csv/single-write?rows=200&pad=1000", "200", "One,Two,Three"},
		{"/csv/timeout-handler?rows=300&pad=1000", "200", "One,Two,Three"},
		{"/csv/buffered?rows=1700&pad=1000", "413", fmt.Sprintf("rows: a buffered body of %d bytes ran out of room once ", sizeOf(1700, 1000))},
		{"/csv/timeout-handler?rows=1000&pad=1000", "413", fmt.Sprintf("rows: a buffered body of %d bytes ran out of room once ", sizeOf(1000, 1000))},
		{"/csv/buffered?rows=3000&pad=1000", "413", fmt.Sprintf("rows: a buffered body of %d bytes does not fit: the server's buffer budget is 2097152 bytes (-buffer-budget); stream it, or ask for less", sizeOf(3000, 1000))},
	} {
		a := <-fetchAll(c, base+tc.path)
		if a.err != nil {
			t.Fatalf("%s: %v", tc.path, a.err)
		}
		if got := fmt.Sprint(a.status); got != tc.status || !strings.HasPrefix(a.body, tc.reason) {
			t.Errorf("%s while a slow body holds %d bytes: %s %.200q; want %s starting %q", tc.path, s.budget.held(), got, a.body, tc.status, tc.reason)
		}
		if tc.status == "413" && !strings.Contains(a.body, "of the server's 2097152 bytes (-buffer-budget)") && !strings.Contains(a.body, "does not fit") {
			t.Errorf("%s: %q; want the budget's figures", tc.path, a.body)
		}
	}
	if a := <-slow; a.err != nil || a.status != 200 || int64(len(a.body)) != sizeOf(1000, 1000) {
		t.Errorf("the slow body: %d, %d bytes, %v; want 200 and %d bytes", a.status, len(a.body), a.err, sizeOf(1000, 1000))
	}
	waitFreed(t, s)
	if a := <-fetchAll(c, base+"/csv/buffered?rows=1700&pad=1000"); a.status != 200 {
		t.Errorf("the refused body once the slow one is done: %d %.100q; want 200", a.status, a.body)
	}
	waitFreed(t, s)
}

// TestClientShare: with clients capped, one client's buffered bodies
// together hold at most its share; another client's run is not stopped by
// it; and through a /proxy/ hop the inner body is the outer client's.
func TestClientShare(t *testing.T) {
	s, base := budgetServer(t, Config{BufferBudget: 6 * mib, MaxPerClient: 16})
	if s.budget.perClient != 6*mib/DefaultBufferShares {
		t.Fatalf("share %d; want a quarter of the budget, %d", s.budget.perClient, 6*mib/DefaultBufferShares)
	}
	greedy, other := clientFrom(t, "127.0.0.2"), clientFrom(t, "127.0.0.3")
	slow := fetchAll(greedy, base+"/proxy/default/csv/buffered?"+slowBody) // through the hop: still 127.0.0.2's
	waitHeld(t, s, 400*kib, "127.0.0.2")
	if held := s.budget.heldBy("127.0.0.1"); held != 0 {
		t.Errorf("the hop's inner body counted %d bytes against 127.0.0.1, the server's own address; want 0", held)
	}
	for _, tc := range []struct {
		c                    *http.Client
		path, status, reason string
	}{
		{greedy, "/csv/buffered?rows=1100&pad=1000", "413", fmt.Sprintf("rows: a buffered body of %d bytes ran out of room once ", sizeOf(1100, 1000))},
		{greedy, "/csv/buffered?rows=2000&pad=1000", "413", fmt.Sprintf("rows: a buffered body of %d bytes does not fit: one client's share of the buffer budget is 1572864 bytes (-buffer-per-client; the whole budget is 6291456)", sizeOf(2000, 1000))},
		{other, "/csv/buffered?rows=1500&pad=1000", "200", "One,Two,Three"},
		{other, "/csv/gzip-buffered?rows=1400&pad=1000", "200", "\x1f\x8b"},
	} {
		var a answer
		if strings.Contains(tc.path, "gzip") {
			a = <-fetchAll(tc.c, base+tc.path, "Accept-Encoding", "gzip")
		} else {
			a = <-fetchAll(tc.c, base+tc.path)
		}
		if a.err != nil {
			t.Fatalf("%s: %v", tc.path, a.err)
		}
		if got := fmt.Sprint(a.status); got != tc.status || !strings.HasPrefix(a.body, tc.reason) {
			t.Errorf("%s: %s %.300q; want %s starting %q", tc.path, got, a.body, tc.status, tc.reason)
		}
		if tc.status == "413" && strings.Contains(tc.reason, "ran out") && !strings.Contains(a.body, "your address 127.0.0.2 already holds ") {
			t.Errorf("%s: %q; want the client's share named with its figures", tc.path, a.body)
		}
	}
	if a := <-slow; a.status != 200 || int64(len(a.body)) != sizeOf(1000, 1000) {
		t.Errorf("the slow proxied body: %d, %d bytes, %v; want 200 and %d bytes", a.status, len(a.body), a.err, sizeOf(1000, 1000))
	}
	waitFreed(t, s)
}

// TestTimeoutHandlerCounted: http.TimeoutHandler's buffer is counted as it
// grows; a body whose buffer cannot fit is refused (413, nothing of the
// body sent, not a partial 200), and the budget is free afterwards.
func TestTimeoutHandlerCounted(t *testing.T) {
	s, base := budgetServer(t, Config{BufferBudget: 4 * mib})
	c := clientFrom(t, "127.0.0.1")
	for _, tc := range []struct {
		rows           int
		status, reason string
	}{
		{1000, "200", "One,Two,Three"},         // 1 MB: old and new array together while it doubles, under 2 MiB
		{3000, "413", "ran out of room once "}, // its buffer would double past 4 MiB
		{5000, "413", "does not fit: the server's buffer budget is 4194304 bytes"},
	} {
		if tc.status == "413" {
			tc.reason = fmt.Sprintf("rows: a buffered body of %d bytes %s", sizeOf(tc.rows, 1000), tc.reason)
		}
		path := fmt.Sprintf("/csv/timeout-handler?rows=%d&pad=1000", tc.rows)
		a := <-fetchAll(c, base+path)
		if got := fmt.Sprint(a.status); a.err != nil || got != tc.status || !strings.HasPrefix(a.body, tc.reason) {
			t.Errorf("%s: %s %.200q %v; want %s starting %q", path, got, a.body, a.err, tc.status, tc.reason)
		}
		waitFreed(t, s)
	}
}

// TestHeldAnswersAndFrees: every holder answers its whole body when it
// fits, and gives back every byte when it is done, refused or left.
func TestHeldAnswersAndFrees(t *testing.T) {
	s, base := budgetServer(t, Config{BufferBudget: 8 * mib})
	c := clientFrom(t, "127.0.0.1")
	for _, path := range []string{
		"/csv/buffered?rows=2000&pad=100",
		"/csv/single-write?rows=2000&pad=100",
		"/csv/gzip-buffered?rows=2000&pad=100",
		"/csv/timeout-handler?rows=2000&pad=100",
		"/csv/buffered?rows=1",
		"/csv/timeout-handler?rows=0",
	} {
		a := <-fetchAll(c, base+path, "Accept-Encoding", "gzip")
		if a.err != nil || a.status != 200 {
			t.Errorf("%s: %d %.100q %v; want 200", path, a.status, a.body, a.err)
		}
		waitFreed(t, s)
	}
	// A client that leaves while its body is produced: let go too.
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/csv/buffered?"+slowBody, nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitHeld(t, s, 400*kib, "")
	cancel()
	<-done
	waitFreed(t, s)
}
