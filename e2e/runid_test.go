package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
	"chunkscope/internal/harness"
	"chunkscope/internal/sse"
	"chunkscope/internal/testnet"
)

// floodRuns is how many tagged runs the flood sends: past the server's
// 4,096 remembered ids per client, twice over.
const floodRuns = 10000

// TestRunIDsPerClient, with the real binary on loopback: the page tags its
// runs with unguessable ids and reads their memory; one address that tags
// runs far past its cap of remembered ids (pipelined on one connection, as
// in the finding) is never refused and takes nothing from another address
// (127.0.0.2), whose runs are still tagged and whose ids are still refused
// when reused; and /events of a run is read only by the address that
// tagged it.
func TestRunIDsPerClient(t *testing.T) {
	bin := binaryAndBrowser(t)
	base, stop, err := harness.StartServer(bin, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()

	t.Run("the page's ids", func(t *testing.T) {
		r := runOn(t, base, "/?scenario=streaming&rows=20&delay=50ms&autorun=1")
		if !regexp.MustCompile(`^r[a-z2-7]{26}$`).MatchString(r.ID) {
			t.Errorf("run id %q; want r and 26 base32 characters (130 random bits)", r.ID)
		}
		if len(r.ServerMem) == 0 {
			t.Errorf("no server memory for the page's run: its /events did not answer it")
		}
	})

	a, b := testnet.ClientFrom(t, "127.0.0.1"), testnet.ClientFrom(t, "127.0.0.2")
	start := time.Now()
	ok := flood(t, base, floodRuns)
	took := time.Since(start)
	t.Logf("127.0.0.1 tagged %d runs pipelined on one connection in %v (%.0f/s)", floodRuns, took.Round(time.Millisecond), floodRuns/took.Seconds())
	if ok != floodRuns {
		t.Errorf("%d of %d flooded runs answered 200; want all (a client past its cap forgets its own oldest ids)", ok, floodRuns)
	}
	last, before := fmt.Sprintf("flood-%d", floodRuns-1), fmt.Sprintf("flood-%d", floodRuns-2)

	// The other address asks for one of the flood's runs while the rest
	// goes on: it waits the server's 10 s for a run of its own under that
	// id and is told none came.
	other := make(chan string, 1)
	go func() { other <- endOf(t, b, base, before) }()

	testnet.CheckTaggings(t, base+"/csv/buffered?rows=1&run=", []testnet.Tagging{
		{Who: "127.0.0.2", From: b, ID: "b-1", Status: 200, Body: "One,Two,Three"},
		{Who: "127.0.0.2", From: b, ID: "b-1", Status: 400, Body: `run: "b-1" was already used; every run needs a new id`},
		{Who: "127.0.0.2", From: b, ID: last, Status: 200, Body: "One,Two,Three"}, // 127.0.0.1's id, not 127.0.0.2's
		{Who: "127.0.0.1", From: a, ID: last, Status: 400, Body: fmt.Sprintf(`run: %q was already used`, last)},
		{Who: "127.0.0.1", From: a, ID: "after-the-flood", Status: 200, Body: "One,Two,Three"},
	})
	for _, id := range []string{"after-the-flood", before} {
		if end := endOf(t, a, base, id); end == "" || strings.Contains(end, "problem") {
			t.Errorf("127.0.0.1 reading its own run %s: end %q; want one with no problem", id, end)
		}
	}
	want := fmt.Sprintf(`{"samples":0,"sent":0,"problem":"run: no request tagged \"%s\" arrived within 10s"}`, before)
	if end := <-other; end != want {
		t.Errorf("127.0.0.2 reading 127.0.0.1's run: end %s; want %s, as for an id nobody tagged", end, want)
	}
}

// runOn opens path on base in a new tab and returns its one run.
func runOn(t *testing.T, base, path string) record.Run {
	t.Helper()
	ctx := tab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+path)); err != nil {
		t.Fatalf("navigate %s: %v", path, err)
	}
	runs, err := harness.WaitRuns(ctx, 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("%s: %d runs (%v); want 1", path, len(runs), err)
	}
	return runs[0]
}

// flood sends n tagged requests pipelined on one connection from
// 127.0.0.1, and returns how many were answered 200.
func flood(t *testing.T, base string, n int) int {
	t.Helper()
	host := strings.TrimPrefix(base, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Minute))
	go func() {
		w := bufio.NewWriter(conn)
		for i := range n {
			fmt.Fprintf(w, "GET /csv/buffered?rows=1&run=flood-%d HTTP/1.1\r\nHost: %s\r\n\r\n", i, host)
		}
		w.Flush()
	}()
	rd, ok := bufio.NewReader(conn), 0
	for range n {
		resp, err := http.ReadResponse(rd, nil)
		if err != nil {
			t.Fatalf("after %d responses: %v", ok, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			ok++
		}
	}
	return ok
}

// endOf reads /events?run=id as c to its end event and returns its data.
func endOf(t *testing.T, c *http.Client, base, id string) string {
	resp, err := c.Get(base + "/events?run=" + id)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer resp.Body.Close()
	var end string
	sse.Read(resp.Body, func(event, data string) (bool, error) {
		if event == "end" {
			end = data
			return false, nil
		}
		return true, nil
	})
	return end
}
