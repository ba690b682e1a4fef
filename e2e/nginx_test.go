package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"chunkscope/internal/nginx"
	"chunkscope/server/probe"
)

// TestNginx puts a real nginx (Debian's; make test installs it) in front of
// the server, as the seed's deployment did, and reads a slow stream through
// each of its locations with the raw probe. What it shows, measured: nginx
// 1.22 passes a stream on to a client that keeps up, whether proxy_buffering
// is on or off, and re-frames it with its own chunks; gzip in nginx too
// flushes per upstream piece. (What buffering changes shows with a client
// that stops reading: TestNginxSlowClient.) Only because those locations
// set proxy_http_version 1.1: with nginx's stock 1.0 (/stock/), the same
// 305 bytes arrive in one piece once the last row is produced.
func TestNginx(t *testing.T) {
	listen := startNginx(t)
	for _, tc := range []struct {
		location string
		header   map[string]string
	}{
		{"/buffering-on", nil},
		{"/buffering-off", nil},
		{"/gzip", map[string]string{"Accept-Encoding": "gzip"}},
		{"/stock", nil},
	} {
		t.Run(tc.location, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := probe.Do(ctx, probe.Request{URL: "http://" + listen + tc.location + "/csv/streaming?rows=20&delay=50ms", Header: tc.header}, nil)
			if err != nil {
				t.Fatal(err)
			}
			reads := probe.BodyReadTimes(res.Events)
			if res.Status != 200 || res.Framing != probe.FramingChunked || !res.Complete {
				t.Fatalf("status %d, framing %s, complete %v; want 200, chunked (nginx's own chunks), complete", res.Status, res.Framing, res.Complete)
			}
			if tc.location == "/stock" {
				// 20 rows × 50 ms: the last row is produced at ~950 ms.
				if len(reads) > 2 || reads[0] < 800 {
					t.Errorf("body in %d reads, the first at %.0f ms; want it held: ≤ 2 reads, the first ≥ 800 ms (HTTP/1.0 to Go: no chunks, nginx buffers)", len(reads), reads[0])
				}
				return
			}
			if len(reads) < 15 || reads[len(reads)-1]-reads[0] < 700 {
				t.Errorf("body in %d reads over %.0f ms; want ≥ 15 reads over ≥ 700 ms: nginx passed the stream on", len(reads), reads[len(reads)-1]-reads[0])
			}
			if got := res.Headers.Get("Content-Encoding"); (tc.header != nil) != (got == "gzip") {
				t.Errorf("Content-Encoding %q", got)
			}
		})
	}
}

// startNginx starts nginx in front of the test server for the test's
// duration and returns its address; it skips (fails, in CI) without nginx.
func startNginx(t *testing.T) string {
	t.Helper()
	if env.base == "" {
		t.Skip("no server: run make test")
	}
	if _, err := os.Stat(nginx.Binary); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("nginx is missing in CI: make test installs it as root")
		}
		t.Skip("nginx is not installed (apt-get install -y nginx; make test does it as root)")
	}
	listen := freeLoopbackAddr(t)
	stop, err := nginx.Start(nginx.Config{Listen: listen, Upstream: strings.TrimPrefix(env.base, "http://"), Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return listen
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestNginxSlowClient: a client that stops reading 32 MiB. With
// proxy_buffering off, or with the response's X-Accel-Buffering: no, nginx
// passes on only what the client takes, so the server stays tied to the
// client's pace and its handler waits. With buffering on, stock nginx
// would take the whole body off the server's hands by writing it to a
// temp file on disk (up to 1 GiB per request); ours never spools
// (proxy_max_temp_file_size 0, TestNginxSpoolsNothing), so it holds what
// its memory buffers take and then waits too.
func TestNginxSlowClient(t *testing.T) {
	listen := startNginx(t)
	for i, tc := range []struct {
		path       string
		serverDone bool // the server's handler ended while the client was not reading
	}{
		{"/buffering-on/csv/streaming", false},
		{"/buffering-off/csv/streaming", false},
		{"/buffering-on/csv/accel-no", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			id := fmt.Sprintf("slow-%d-%d", time.Now().UnixNano(), i)
			conn, err := net.Dial("tcp", listen)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "GET %s?rows=32768&pad=1005&per=64&run=%s HTTP/1.1\r\nHost: localhost\r\n\r\n", tc.path, id)
			if _, err := io.ReadFull(conn, make([]byte, 1024)); err != nil {
				t.Fatalf("first bytes: %v", err)
			}
			// Now the client reads nothing; does the server's run end?
			done := runEnds(t, env.base+"/events?run="+id, 3*time.Second)
			if done != tc.serverDone {
				t.Errorf("server handler ended while the client was not reading: %v; want %v", done, tc.serverDone)
			}
		})
	}
}

// runEnds follows a run's /events and reports whether it ended within d.
func runEnds(t *testing.T, url string, d time.Duration) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body) // ends with the run, or with ctx
	return strings.Contains(string(body), "event: end")
}
