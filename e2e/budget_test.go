package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"chunkscope/app/spec"
	"chunkscope/internal/harness"
)

const mib = 1 << 20

// procBytes reads one "Name:   N kB" field of /proc/PID/status, in bytes
// (-1 once the process is gone).
func procBytes(t *testing.T, pid int, field string) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1 // the process is gone
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("/proc/%d/status %s: %v", pid, field, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}

// startBudgeted starts the binary with args, and a watchdog that kills it
// as soon as its resident memory passes limit: a server that does not
// bound what it holds must fail the test, not take the machine down.
// killed reports the RSS that made it kill (0: never).
func startBudgeted(t *testing.T, limit int64, args ...string) (srv *harness.Server, killed func() int64) {
	t.Helper()
	bin := os.Getenv("CHUNKSCOPE_BIN")
	if bin == "" {
		t.Skip("no binary: run make test")
	}
	srv, err := harness.Start(bin, os.Stderr, args...)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var at int64
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-srv.Done():
				return
			case <-tick.C:
			}
			if rss := procBytes(t, srv.Cmd.Process.Pid, "VmRSS"); rss > limit {
				mu.Lock()
				at = rss
				mu.Unlock()
				srv.Cmd.Process.Kill()
				return
			}
		}
	}()
	t.Cleanup(func() { close(stop); srv.Stop() })
	return srv, func() int64 { mu.Lock(); defer mu.Unlock(); return at }
}

// clientAt is an HTTP client whose connections come from ip, an address
// of 127.0.0.0/8: another client to the server.
func clientAt(t *testing.T, ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr := &http.Transport{DialContext: d.DialContext, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}
}

type reply struct {
	status int
	body   string // the first 300 bytes
	n      int64  // bytes in all
	err    error
}

// getReply sends GET url with c and reads the whole answer.
func getReply(c *http.Client, url string) reply {
	resp, err := c.Get(url)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	head := make([]byte, 300)
	k, _ := io.ReadFull(resp.Body, head)
	n, err := io.Copy(io.Discard, resp.Body)
	return reply{resp.StatusCode, string(head[:k]), int64(k) + n, err}
}

// biggestBody is the query of the largest body the default caps allow:
// rows of the largest padding, as many as fit the body cap.
func biggestBody() (string, int64) {
	sp := spec.Spec{Rows: 1, Pad: spec.MaxPad, Per: 1}
	for (spec.Spec{Rows: sp.Rows + 1, Pad: sp.Pad, Per: 1}).BodySize() <= spec.MaxBodyBytes {
		sp.Rows++
	}
	return fmt.Sprintf("rows=%d&pad=%d", sp.Rows, sp.Pad), sp.BodySize()
}

// TestTimeoutHandlerBounded: /csv/timeout-handler, whose
// http.TimeoutHandler buffers the whole body, is held to the buffer
// budget. With -buffer-budget 64 MiB the largest body the caps allow (4
// GiB, which took a server to 10.3 GiB and killed it under a 6 GiB limit)
// is refused at once with 413; a body whose buffer would outgrow the
// budget on the way is stopped there with 413 (not a partial 200); one
// that fits is served whole. The process's peak resident memory (VmHWM)
// stays near the budget over its baseline throughout.
func TestTimeoutHandlerBounded(t *testing.T) {
	const budget = 64 * mib
	srv, killed := startBudgeted(t, 1024*mib, "-buffer-budget", strconv.Itoa(budget))
	pid := srv.Cmd.Process.Pid
	c := clientAt(t, "127.0.0.1")
	if r := getReply(c, srv.Base+"/csv/timeout-handler?rows=10"); r.status != 200 {
		t.Fatalf("a small body: %d %q %v; want 200", r.status, r.body, r.err)
	}
	base := procBytes(t, pid, "VmHWM")
	biggest, size := biggestBody()
	for _, tc := range []struct {
		name, query string
		size        int64
		status      int
		reason      string
	}{
		{"the largest body the caps allow", biggest, size, 413, "does not fit: the server's buffer budget is 67108864 bytes (-buffer-budget)"},
		{"a body whose buffer outgrows the budget", "rows=60000&pad=1000", 0, 413, "ran out of room once "},
		{"a body that fits", "rows=20000&pad=1000", 0, 200, "One,Two,Three\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.size == 0 {
				q, _ := (spec.DefaultLimits()).Parse(mustQuery(tc.query))
				tc.size = q.BodySize()
			}
			start := time.Now()
			r := getReply(c, srv.Base+"/csv/timeout-handler?"+tc.query)
			took := time.Since(start)
			if at := killed(); at > 0 {
				t.Fatalf("the server's resident memory reached %d MiB for a %d-byte body under a %d MiB budget: killed", at/mib, tc.size, budget/mib)
			}
			hwm := procBytes(t, pid, "VmHWM")
			t.Logf("%s (%d bytes): %d in %s, %d bytes; peak RSS %.1f MiB (baseline %.1f MiB)", tc.query, tc.size, r.status, took.Round(time.Millisecond), r.n, float64(hwm)/mib, float64(base)/mib)
			want := tc.reason
			if tc.status == 413 {
				want = fmt.Sprintf("rows: a buffered body of %d bytes %s", tc.size, tc.reason)
			}
			if r.err != nil || r.status != tc.status || !strings.HasPrefix(r.body, want) {
				t.Errorf("got %d %q (%v); want %d starting %q", r.status, r.body, r.err, tc.status, want)
			}
			if tc.status == 200 && r.n != tc.size {
				t.Errorf("got %d bytes; want the whole body, %d", r.n, tc.size)
			}
			// The budget bounds what is live; Go's collector lets the heap
			// reach about twice that before it runs.
			if bound := base + 2*budget + 16*mib; hwm > bound {
				t.Errorf("peak RSS %.1f MiB; want ≤ %.1f MiB (baseline + twice the budget + 16 MiB)", float64(hwm)/mib, float64(bound)/mib)
			}
		})
	}
}

func mustQuery(q string) map[string][]string {
	v := map[string][]string{}
	for _, kv := range strings.Split(q, "&") {
		k, val, _ := strings.Cut(kv, "=")
		v[k] = append(v[k], val)
	}
	return v
}

// TestHoldWithoutReserving: a delayed buffered body that will be 61.2 MiB
// holds, while it is produced, only the rows it has: under a 64 MiB budget
// a 4 MiB buffered run, from another client or the same, still gets 200
// (both were refused with 413 while the big one had merely reserved its
// size, and the server's RSS was a fraction of it).
func TestHoldWithoutReserving(t *testing.T) {
	srv, killed := startBudgeted(t, 1024*mib, "-buffer-budget", strconv.Itoa(64*mib))
	big := make(chan reply, 1)
	go func() {
		// 63,000 rows of 1 KiB (64.1 MB) in 30 groups, 100 ms apart: 3 s
		big <- getReply(clientAt(t, "127.0.0.2"), srv.Base+"/csv/buffered?rows=63000&pad=1000&per=2100&delay=100ms")
	}()
	time.Sleep(700 * time.Millisecond) // about 7 groups: 14 MiB held
	rss := procBytes(t, srv.Cmd.Process.Pid, "VmRSS")
	for _, ip := range []string{"127.0.0.3", "127.0.0.2"} {
		r := getReply(clientAt(t, ip), srv.Base+"/csv/buffered?rows=4000&pad=1000")
		t.Logf("a 4 MiB buffered run from %s while the big one was under way (server RSS %.1f MiB): %d %.100q", ip, float64(rss)/mib, r.status, r.body)
		if r.err != nil || r.status != 200 {
			t.Errorf("a 4 MiB buffered run from %s while the big one was under way (RSS %.0f MiB): %d %q (%v); want 200", ip, float64(rss)/mib, r.status, r.body, r.err)
		}
	}
	if r := <-big; r.err != nil || r.status != 200 {
		t.Errorf("the big run: %d %q (%v); want 200", r.status, r.body, r.err)
	}
	if at := killed(); at > 0 {
		t.Fatalf("the server's resident memory reached %d MiB: killed", at/mib)
	}
}

// TestClientShareBounded: with clients capped (-max-per-client, as when
// the server listens beyond loopback), one client's buffered bodies hold
// at most a quarter of the budget together: four delayed 15 MiB bodies
// from one address do not keep another client's 15 MiB run from 200,
// and the ones past its share are refused with 413 naming it.
func TestClientShareBounded(t *testing.T) {
	srv, killed := startBudgeted(t, 1024*mib, "-buffer-budget", strconv.Itoa(64*mib), "-max-per-client", "16")
	greedy := clientAt(t, "127.0.0.2")
	replies := make(chan reply, 4)
	for range 4 {
		go func() {
			replies <- getReply(greedy, srv.Base+"/csv/buffered?rows=15000&pad=1000&per=500&delay=100ms")
		}()
	}
	time.Sleep(time.Second)
	r := getReply(clientAt(t, "127.0.0.3"), srv.Base+"/csv/buffered?rows=15000&pad=1000")
	if r.err != nil || r.status != 200 {
		t.Errorf("another client's 15 MiB run while one address sent four: %d %q (%v); want 200", r.status, r.body, r.err)
	}
	refused := 0
	for range 4 {
		r := <-replies
		switch {
		case r.status == 413 && strings.Contains(r.body, "your address 127.0.0.2 already holds ") && strings.Contains(r.body, "its share of 16777216 (-buffer-per-client)"):
			refused++
		case r.status != 200:
			t.Errorf("a greedy run: %d %q (%v); want 200, or 413 naming its address's share", r.status, r.body, r.err)
		}
	}
	if refused == 0 {
		t.Errorf("none of the four 15 MiB runs of one address was refused; want those past its 16 MiB share refused")
	}
	if at := killed(); at > 0 {
		t.Fatalf("the server's resident memory reached %d MiB: killed", at/mib)
	}
}
