package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
	"chunkscope/app/spec"
	"chunkscope/internal/harness"
)

// maxStream is the per-response deadline of the server these tests start:
// short, so that a client that stops reading is cut soon.
const maxStream = 5 * time.Second

// TestPace: the page's reader, paced (pace=), on the real binary started
// with a short -max-stream. A reader at a set rate makes the server's
// writes block (TCP backpressure, in the record's send log) and takes
// bytes/rate; a reader that stops is cut by the server's deadline, and the
// page says so.
func TestPace(t *testing.T) {
	bin := binaryAndBrowser(t)
	srv, err := harness.Start(bin, os.Stderr, "-max-stream", maxStream.String())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	const MiB = 1 << 20

	t.Run("rate", func(t *testing.T) {
		// 24 MiB streamed as fast as the server can, read at 8 MiB/s (3 s,
		// within the deadline): the browser's and the kernel's buffers take
		// the first several MiB at once (7.5–9 MiB here), then every write
		// waits for the reader.
		const rate = 8 * MiB
		ctx := tab(t)
		r := paceRun(t, ctx, srv.Base, "/?scenario=streaming&rows=24576&pad=1005&per=64&pace=8MiB/s&autorun=1")
		if r.Pace != "8MiB/s" || r.Error != "" || r.Status != 200 || r.Bytes != (spec.Spec{Rows: 24576, Pad: 1005, Per: 64}).BodySize() {
			t.Fatalf("pace %q, status %d, %d bytes, error %q; want 8MiB/s, 200, 24 MiB", r.Pace, r.Status, r.Bytes, r.Error)
		}
		want := float64(r.Bytes) / rate * 1000
		if got := r.TotalMs - r.TTFBMs; got < 0.85*want || got > 1.5*want {
			t.Errorf("read over %.0f ms; want about bytes/rate = %.0f ms", got, want)
		}
		var blocked, longest float64
		for _, s := range r.Sent {
			blocked += s.BlockedMs
			longest = max(longest, s.BlockedMs)
		}
		if len(r.Sent) < 100 || blocked < 0.25*want || longest < 50 {
			t.Errorf("%d sends blocked %.0f ms in all, the longest %.0f ms; want the server's writes held by the reader for ≥ %.0f ms, one ≥ 50 ms", len(r.Sent), blocked, longest, 0.25*want)
		}
		if r.ServerPeakGrowth >= 8*MiB {
			t.Errorf("server peak heap growth %.1f MiB; want < 8 (streaming holds only the group in flight)", float64(r.ServerPeakGrowth)/MiB)
		}
		t.Logf("%.1f MiB in %.0f ms (bytes/rate %.0f ms), %d reads; the server's %d writes blocked %.0f ms in all, the longest %.0f ms; server heap +%.2f MiB",
			float64(r.Bytes)/MiB, r.TotalMs-r.TTFBMs, want, len(r.Chunks), len(r.Sent), blocked, longest, float64(r.ServerPeakGrowth)/MiB)
	})

	t.Run("pause", func(t *testing.T) {
		// 24 MiB at full speed, but a 1 s pause once 1 MiB has been read: a
		// gap of a second between two reads, and the server's writes held
		// during it once the buffers are full.
		ctx := tab(t)
		r := paceRun(t, ctx, srv.Base, "/?scenario=streaming&rows=24576&pad=1005&per=64&pace=pause:1s@1MiB&autorun=1")
		if r.Pace != "pause:1s@1MiB" || r.Error != "" || r.Bytes != (spec.Spec{Rows: 24576, Pad: 1005, Per: 64}).BodySize() {
			t.Fatalf("pace %q, %d bytes, error %q; want pause:1s@1MiB, the whole body", r.Pace, r.Bytes, r.Error)
		}
		var gap, at float64
		var before int64
		for i := 1; i < len(r.Chunks); i++ {
			if g := r.Chunks[i].T - r.Chunks[i-1].T; g > gap {
				gap, at = g, r.Chunks[i-1].T
			}
		}
		for _, c := range r.Chunks {
			if c.T <= at {
				before += int64(c.N)
			}
		}
		var longest float64
		for _, s := range r.Sent {
			longest = max(longest, s.BlockedMs)
		}
		if gap < 990 || gap > 1300 || before < 1*MiB || before > 4*MiB {
			t.Errorf("the longest gap between reads: %.0f ms after %.1f MiB; want about 1 s after 1 MiB", gap, float64(before)/MiB)
		}
		if longest < 200 {
			t.Errorf("the longest write blocked %.0f ms; want the pause to hold the server (≥ 200 ms)", longest)
		}
		t.Logf("paused %.0f ms at %.0f ms after %.2f MiB; the longest write blocked %.0f ms; %d reads in %.0f ms", gap, at, float64(before)/MiB, longest, len(r.Chunks), r.TotalMs)
	})

	t.Run("dead", func(t *testing.T) {
		// 64 MiB streamed; the page reads 1 MiB, then never again.
		ctx := tab(t)
		r := paceRun(t, ctx, srv.Base, "/?scenario=streaming&rows=65536&pad=1005&per=64&pace=stop@1MiB&autorun=1")
		if r.Pace != "stop@1MiB" || r.Status != 200 {
			t.Fatalf("pace %q, status %d; want stop@1MiB, 200", r.Pace, r.Status)
		}
		if r.StoppedMs <= 0 || r.ResumedMs <= r.StoppedMs {
			t.Fatalf("stopped at %.0f ms, resumed at %.0f ms; want a stop, then a read once the server let go", r.StoppedMs, r.ResumedMs)
		}
		if r.Error == "" || r.Bytes >= 64*MiB {
			t.Errorf("error %q after %.1f MiB; want the body cut short, with an error", r.Error, float64(r.Bytes)/MiB)
		}
		if n := len(r.ServerMem); n == 0 || r.ServerMem[n-1].T < float64(maxStream.Milliseconds())-200 || r.ServerMem[n-1].T > float64(maxStream.Milliseconds())+1500 {
			t.Errorf("the server's last sample is not about the deadline (%s) after the request: %+v", maxStream, r.ServerMem[max(0, n-1):])
		}
		var sent int64
		for _, s := range r.Sent {
			sent += s.N
		}
		// The page received, in the end, what the buffers between them
		// held: more than it read before it stopped, no more than the
		// server wrote.
		if sent == 0 || r.Bytes <= 1*MiB || r.Bytes > sent {
			t.Errorf("the page received %d bytes; the server wrote %d", r.Bytes, sent)
		}
		note, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(".summary .pace-note") || {}).textContent || ""`))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"The page stopped reading at", "The server cut the stream at", "-max-stream", "ended with an error", "cut, not complete"} {
			if !strings.Contains(note, want) {
				t.Errorf("the card says %q; want it to say %q", note, want)
			}
		}
		t.Logf("stopped at %.0f ms; server let go at %.0f ms having written %.1f MiB; read again at %.0f ms: %q after %.1f MiB. The card: %s",
			r.StoppedMs, r.ServerMem[len(r.ServerMem)-1].T, float64(sent)/MiB, r.ResumedMs, r.Error, float64(r.Bytes)/MiB, note)
		// The controls say how the page read it.
		if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("pace").value`)); err != nil || v != "stop@1MiB" {
			t.Errorf("the pace control holds %q, %v; want stop@1MiB", v, err)
		}
		shot(t, ctx, "pace-dead.png")
	})

	t.Run("bad pace", func(t *testing.T) {
		ctx := tab(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.Base+"/?scenario=streaming&rows=5&pace=64KB/s&autorun=1")); err != nil {
			t.Fatal(err)
		}
		msg, err := chromedp.Run(ctx, chromedp.Poll[string](`(document.getElementById("form-error") || {}).textContent || ""`,
			chromedp.WithPollingInterval(100*time.Millisecond)))
		if err != nil || !strings.Contains(msg, `pace: "64KB/s" is not a rate`) {
			t.Errorf("message = %q, %v; want the parser's sentence naming pace", msg, err)
		}
		if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.chunkscope.runs().length`)); err != nil || n != 0 {
			t.Errorf("runs after a bad pace = %d, %v; want 0", n, err)
		}
	})
}

// paceRun opens path on base (not the shared server) and waits for its one
// run.
func paceRun(t *testing.T, ctx context.Context, base, path string) record.Run {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+path)); err != nil {
		t.Fatalf("navigate %s: %v", path, err)
	}
	runs, err := harness.WaitRuns(ctx, 1)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return runs[0]
}
