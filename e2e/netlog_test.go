package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/keep"
	"chunkscope/app/record"
	"chunkscope/app/scene"
	"chunkscope/internal/harness"
)

// TestNetLogOfLiveRunsReadsTheSameBody records a NetLog of chunkscope's
// own streamed and gzip-streamed runs with Chromium's own recorder
// (--log-net-log, capture mode Everything), in the very browser that reads
// them live, and loads it: each run's request is a run of the NetLog whose
// decoded bytes are the live run's, whose reads are as many as the live
// reader's or fewer (the network layer's reads; the page's reader may split
// one across two read() calls, never merge two into less), and whose wire
// lane — the socket's bytes, parsed by the probe's parser — has the chunks
// the wire probe saw of the same request. CHUNKSCOPE_NETLOG_KEEP=DIR keeps
// the NetLog there (how app/keep/testdata/netlog's fixtures were made).
func TestNetLogOfLiveRunsReadsTheSameBody(t *testing.T) {
	binaryAndBrowser(t)
	dir := t.TempDir()
	if keepDir := os.Getenv("CHUNKSCOPE_NETLOG_KEEP"); keepDir != "" {
		dir = keepDir
	}
	file := filepath.Join(dir, "live.json")
	browser, cancelBrowser, err := harness.StartBrowserWith(os.Getenv("CHUNKSCOPE_CHROME"),
		chromedp.Flag("log-net-log", file),
		chromedp.Flag("net-log-capture-mode", "Everything"),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cancelBrowser()
	ctx, cancelT := context.WithTimeout(browser, 90*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx, chromedp.Navigate(env.base+"/?compare=streaming,gzip-streaming&rows=20&delay=50ms&wire=1&autorun=1")); err != nil {
		t.Fatal(err)
	}
	live, err := harness.WaitRuns(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	cancelT()
	cancelBrowser() // closes Chromium, which ends the NetLog
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	l, err := keep.DecodeNetLog(data)
	if err != nil {
		t.Fatalf("DecodeNetLog: %v", err)
	}
	for _, r := range live {
		t.Run(r.Scenario, func(t *testing.T) {
			var got *record.Run
			for _, n := range l.Runs {
				if strings.HasSuffix(n.URL, r.URL) {
					got = n
				}
			}
			if got == nil {
				t.Fatalf("no run of the NetLog has the URL %s", r.URL)
			}
			if got.Bytes != r.Bytes || got.Status != r.Status {
				t.Errorf("NetLog: %d bytes, status %d; live: %d bytes, status %d", got.Bytes, got.Status, r.Bytes, r.Status)
			}
			// The page's reader takes what the network's reads have put in
			// its pipe: it may merge two of them (19 reads of 20 rows under
			// load), never split one.
			if len(got.Chunks) == 0 || len(r.Chunks) > len(got.Chunks) {
				t.Errorf("NetLog: %d reads; live: %d reads (want at least 1, and at least as many as the page's)", len(got.Chunks), len(r.Chunks))
			}
			t.Logf("%s: NetLog %d reads over %.0f ms, live %d reads over %.0f ms", r.Scenario, len(got.Chunks), got.Spread(), len(r.Chunks), r.Spread())
			if got.Wire == nil || r.Wire == nil {
				t.Fatalf("wire lanes: NetLog %v, live probe %v; want both", got.Wire != nil, r.Wire != nil)
			}
			if got.Wire.Framing != r.Wire.Framing || got.Wire.Chunks != r.Wire.Chunks || got.Wire.BodyBytes != r.Wire.BodyBytes || !got.Wire.Complete {
				t.Errorf("NetLog wire: %s, %d chunks, %d bytes, complete %v; probe: %s, %d chunks, %d bytes",
					got.Wire.Framing, got.Wire.Chunks, got.Wire.BodyBytes, got.Wire.Complete, r.Wire.Framing, r.Wire.Chunks, r.Wire.BodyBytes)
			}
		})
	}
}

// TestNetLogEncodedReadsAreALaneInThePage: the gzip-streamed NetLog loaded
// in the page draws its encoded reads as a lane of their own under the
// decoded one ("encoded reads", its note counting them), and its record in
// runs() keeps them read by read: 20 reads of 248 bytes, the file's
// URL_REQUEST_JOB_BYTES_READ, under 19 decoded reads of 305 bytes.
func TestNetLogEncodedReadsAreALaneInThePage(t *testing.T) {
	ctx := tab(t)
	data, err := os.ReadFile("../app/keep/testdata/netlog/gzip-streaming.json")
	if err != nil {
		t.Fatal(err)
	}
	r := loadOne(t, ctx, data)
	var enc int
	for _, c := range r.EncodedReads {
		enc += c.N
	}
	if len(r.EncodedReads) != 20 || enc != 248 || len(r.Chunks) != 19 || r.Bytes != bodySize20 {
		t.Errorf("%d encoded reads of %d B, %d decoded of %d B; want 20 of 248 B, 19 of %d B", len(r.EncodedReads), enc, len(r.Chunks), r.Bytes, bodySize20)
	}
	s := liveScene(t, ctx).Scene
	var names []string
	note := ""
	for _, p := range s.Prims {
		if p.Kind == scene.Text && p.Align == scene.Right && (p.Font == scene.Bold || p.Font == scene.Italic) && p.Pts[0] < 200 {
			names = append(names, p.Text)
		}
		if p.Kind == scene.Text && strings.Contains(p.Text, "before decoding") {
			note = p.Text
		}
	}
	if len(names) < 3 || names[1] != "encoded reads" || names[2] != "wire" {
		t.Errorf("lanes drawn %q; want the run's, then \"encoded reads\", then \"wire\"", names)
	}
	if note != "20 reads, 248 B before decoding" {
		t.Errorf("encoded lane's note %q; want \"20 reads, 248 B before decoding\"", note)
	}
	shot(t, ctx, "netlog-encoded-reads.png")
}
