package e2e

import (
	"context"
	"net"
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
// flushes per upstream piece.
func TestNginx(t *testing.T) {
	if env.base == "" {
		t.Skip("no server: run make test")
	}
	if _, err := os.Stat(nginx.Binary); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("nginx is missing in CI: .ci/run must install it")
		}
		t.Skip("nginx is not installed (apt-get install -y nginx; make test does it as root)")
	}
	listen := freeLoopbackAddr(t)
	stop, err := nginx.Start(nginx.Config{Listen: listen, Upstream: strings.TrimPrefix(env.base, "http://"), Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for _, tc := range []struct {
		location string
		header   map[string]string
	}{
		{"/buffering-on", nil},
		{"/buffering-off", nil},
		{"/gzip", map[string]string{"Accept-Encoding": "gzip"}},
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
			if len(reads) < 15 || reads[len(reads)-1]-reads[0] < 700 {
				t.Errorf("body in %d reads over %.0f ms; want ≥ 15 reads over ≥ 700 ms: nginx passed the stream on", len(reads), reads[len(reads)-1]-reads[0])
			}
			if got := res.Headers.Get("Content-Encoding"); (tc.header != nil) != (got == "gzip") {
				t.Errorf("Content-Encoding %q", got)
			}
		})
	}
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
