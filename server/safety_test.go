package server

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"chunkscope/app/spec"
	"chunkscope/internal/testnet"
)

func testWeb() fstest.MapFS {
	return fstest.MapFS{
		"app.wasm":       {Data: []byte("\x00asm fake")},
		"chunkscope.js":  {Data: []byte("// js")},
		"chunkscope.css": {Data: []byte("/* css */")},
		"icon.png":       {Data: []byte("png")},
		"robots.txt":     {Data: []byte("User-agent: *\nDisallow: /\n")},
	}
}

func startServer(t *testing.T, cfg Config) *httptest.Server {
	t.Helper()
	if cfg.Web == nil {
		cfg.Web = testWeb()
	}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(h)
	ts.Config.Protocols = Protocols()
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// TestForgedHostFetchesNothing: go-app answers /robots.txt, /sitemap.xml
// and /ads.txt by fetching them from the request's Host. Here a forged Host
// must make no connection at all, and what is served afterwards is the
// binary's own file (or 404), never what the named host would have sent.
func TestForgedHostFetchesNothing(t *testing.T) {
	ts := startServer(t, Config{})
	other, conns := testnet.Listener(t)
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/robots.txt", 200, "User-agent: *\nDisallow: /\n"},
		{"/sitemap.xml", 404, "not found: /sitemap.xml\n"},
		{"/ads.txt", 404, "not found: /ads.txt\n"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			for _, host := range []string{other, ""} { // forged, then plain
				status, body, ct := testnet.GetAs(t, ts.URL+tc.path, host)
				if status != tc.status || body != tc.body {
					t.Errorf("Host %q: %d %q; want %d %q", host, status, body, tc.status, tc.body)
				}
				if strings.Contains(ct, "javascript") || strings.Contains(ct, "html") {
					t.Errorf("Host %q: Content-Type %q; want the file's own", host, ct)
				}
			}
			if n := conns.Load(); n != 0 {
				t.Errorf("%d connections to the forged host; want 0", n)
			}
		})
	}
	// Should the mux ever pass such a path on, the page handler refuses it.
	h := pageHandler("v", http.NotFoundHandler())
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", tc.path, nil)
		req.Host = other
		h.ServeHTTP(rec, req)
		if rec.Code != 404 {
			t.Errorf("page handler, %s: %d; want 404", tc.path, rec.Code)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("%d connections to the forged host; want 0", n)
	}
}

// bigWasm makes writes block when nobody reads: more than the socket
// buffers on both sides of a loopback connection hold.
var bigWasm = strings.Repeat("\x00asm", 4<<20)

// TestNonReadingClientsAreCut: every response that can last is bounded by
// the stream deadline. A client that sends its request and never reads is
// cut, and every goroutine of its handler is gone soon after.
func TestNonReadingClientsAreCut(t *testing.T) {
	web := testWeb()
	web["app.wasm"] = &fstest.MapFile{Data: []byte(bigWasm)}
	upstream := startServer(t, Config{Web: web})
	ts := startServer(t, Config{Web: web, MaxStream: time.Second, Upstreams: []string{upstream.URL}})
	const big = "rows=2000000&pad=200&per=100"
	tests := []struct {
		path  string
		setup func(t *testing.T)
		run   string // the run's tag, when the path has one: its logs are checked too
	}{
		{"/csv/streaming?" + big, nil, ""},
		// A tagged run: its send log and its memory samples end at the
		// deadline, its last write blocked until then, the body unsent.
		{"/csv/streaming?" + big + "&run=cut-1", nil, "cut-1"},
		{"/csv/buffered?rows=200000&pad=200&per=1000", nil, ""},
		{"/proxy/default/csv/streaming?" + big, nil, ""},
		{"/proxy/flush/csv/streaming?" + big, nil, ""},
		{"/upstream?url=" + upstream.URL + "/csv/streaming?" + strings.ReplaceAll(big, "&", "%26"), nil, ""},
		{"/wire?scenario=streaming&" + big, nil, ""},
		// Waiting for a run that never comes: 10 s without the deadline.
		{"/events?run=never-comes", nil, ""},
		{"/web/app.wasm", nil, ""},
		{"/app.wasm", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			settle(t, ts.URL)
			settle(t, upstream.URL)
			before := runtime.NumGoroutine()
			if tc.setup != nil {
				tc.setup(t)
			}
			d := net.Dialer{}
			conn, err := d.Dial("tcp", ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.(*net.TCPConn).SetReadBuffer(4096)
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: chunkscope\r\nAccept-Encoding: identity\r\n\r\n", tc.path)
			time.Sleep(300 * time.Millisecond)
			if runtime.NumGoroutine() <= before {
				t.Fatal("the request is not being served: nothing to cut")
			}
			// The deadline is 1 s; the handler, its producer and whatever
			// it started must be gone within a few seconds after, although
			// the client still holds its connection open, unread.
			waitGoroutines(t, before, 6*time.Second)
			if tc.run != "" {
				checkCut(t, ts, tc.run, time.Second, (spec.Spec{Rows: 2000000, Pad: 200, Per: 100}).BodySize())
			}
		})
	}
}

// checkCut checks the logs of a run whose client stopped reading: the
// server's last write returned at the deadline, blocked up to it, and its
// last memory sample (taken as the handler returned) came then too, with
// the body far from all sent.
func checkCut(t *testing.T, ts *httptest.Server, run string, deadline time.Duration, body int64) {
	t.Helper()
	samples, sends := readLogs(t, ts, run, "")
	dl := float64(deadline.Milliseconds())
	var sent int64
	for _, s := range sends {
		sent += s.N
	}
	last := lastSend(sends)
	end := samples[len(samples)-1].T
	t.Logf("the last write returned at %.0f ms after blocking %.0f ms; the last sample at %.0f ms; %d of %d bytes sent", last.T, last.BlockedMs, end, sent, body)
	if last.T < dl-50 || last.T > dl+500 || last.BlockedMs < dl/2 {
		t.Errorf("the last write returned at %.0f ms after blocking %.0f ms; want it held until the %s deadline", last.T, last.BlockedMs, deadline)
	}
	if end < dl-50 || end > dl+500 {
		t.Errorf("the last memory sample at %.0f ms; want the handler gone at the %s deadline", end, deadline)
	}
	if sent >= body/2 {
		t.Errorf("%d of %d bytes sent to a client that never read", sent, body)
	}
}

// waitGoroutines waits until no more than want goroutines run (plus the
// connection's own reader, which lives as long as the client's
// connection), or fails.
func waitGoroutines(t *testing.T, want int, within time.Duration) {
	t.Helper()
	start := time.Now()
	n := runtime.NumGoroutine()
	for ; n > want+1 && time.Since(start) < within; n = runtime.NumGoroutine() {
		time.Sleep(20 * time.Millisecond)
	}
	if n > want+1 {
		buf := make([]byte, 1<<16)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%d goroutines %s later; want ≤ %d + the connection's reader\n%s", n, within, want, buf)
	}
	t.Logf("back to %d goroutines after %s", n, time.Since(start).Round(10*time.Millisecond))
}

// TestCaps: the slots and the per-client share answer 503 with Retry-After
// and a sentence; the server's own hops take no second slot.
func TestCaps(t *testing.T) {
	slow := "/csv/streaming?rows=100&delay=20ms"
	tests := []struct {
		name string
		cfg  Config
		hold []string // requests held open first
		path string
		want int
		body string // the start of the answer
	}{
		{"a proxied run takes one slot", Config{MaxRuns: 1}, nil, "/proxy/flush/csv/streaming?rows=3", 200, "One,Two,Three"},
		{"a wire probe takes one slot", Config{MaxRuns: 1}, nil, "/wire?scenario=streaming&rows=3", 200, "event: wire"},
		{"the cap on measured responses", Config{MaxRuns: 1}, []string{slow}, "/csv/streaming?rows=3", 503, "busy: 1 responses are in flight"},
		{"the cap counts proxies", Config{MaxRuns: 1}, []string{"/proxy/default" + slow}, "/csv/streaming?rows=3", 503, "busy: 1 responses"},
		{"event streams have their own slots", Config{MaxRuns: 1}, []string{slow + "&run=caps-1", "/events?run=caps-1"}, "/web/icon.png", 503, "busy: 1 event streams and files are in flight"},
		{"the per-client share", Config{MaxPerClient: 2}, []string{slow, slow}, "/web/icon.png", 503, "busy: your address 127.0.0.1 has 2 responses in flight"},
		{"the share comes back", Config{MaxPerClient: 2}, []string{slow}, "/csv/streaming?rows=3", 200, "One,Two,Three"},
		{"a hop is not a client", Config{MaxPerClient: 1}, nil, "/proxy/flush/csv/streaming?rows=3", 200, "One,Two,Three"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.cfg)
			var held []net.Conn
			for _, p := range tc.hold {
				c, err := net.Dial("tcp", ts.Listener.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				held = append(held, c)
				fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: chunkscope\r\n\r\n", p)
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond)
			status, body, hdr := getFull(t, ts.URL+tc.path)
			for _, c := range held {
				c.Close()
			}
			if status != tc.want || !strings.HasPrefix(body, tc.body) {
				t.Fatalf("%d %q; want %d %q…", status, body, tc.want, tc.body)
			}
			if status == 503 && hdr.Get("Retry-After") != "1" {
				t.Errorf("Retry-After %q; want 1", hdr.Get("Retry-After"))
			}
			waitFreeSlot(t, ts.URL)
		})
	}
}

// TestHopSecretStaysHome: a client cannot claim to be a hop, and the
// secret is never sent to an upstream.
func TestHopSecretStaysHome(t *testing.T) {
	var seen atomic.Value
	seen.Store("")
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Header.Get(hopHeader))
		io.WriteString(w, "ok")
	}))
	defer up.Close()
	ts := startServer(t, Config{MaxRuns: 1, Upstreams: []string{up.URL}})
	c, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET /csv/streaming?rows=100&delay=20ms HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(100 * time.Millisecond)
	req, _ := http.NewRequest("GET", ts.URL+"/csv/streaming?rows=3", nil)
	req.Header.Set(hopHeader, "guess")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c.Close()
	if resp.StatusCode != 503 {
		t.Errorf("a client claiming a hop got %d; want 503 (it takes a slot like any other)", resp.StatusCode)
	}
	waitFreeSlot(t, ts.URL)
	req, _ = http.NewRequest("GET", ts.URL+"/upstream?url="+up.URL+"/x", nil)
	req.Header.Set(hopHeader, "mine")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if v := seen.Load().(string); v != "" {
		t.Errorf("the upstream saw %s: %q; want nothing", hopHeader, v)
	}
}

func TestIsSelf(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	any := &net.TCPAddr{IP: net.IPv4zero, Port: port}
	tests := []struct {
		listen net.Addr
		origin string
		want   bool
	}{
		{ln.Addr(), fmt.Sprintf("http://127.0.0.1:%d", port), true},
		{ln.Addr(), fmt.Sprintf("http://localhost:%d", port), true},
		{ln.Addr(), fmt.Sprintf("http://127.0.0.1:%d", port+1), false},
		{ln.Addr(), fmt.Sprintf("http://127.0.0.2:%d", port), false},
		{any, fmt.Sprintf("http://127.0.0.1:%d", port), true},
		{any, fmt.Sprintf("http://localhost:%d", port), true},
		{ln.Addr(), "http://127.0.0.1", false},
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}, "http://127.0.0.1", true},
		{ln.Addr(), "http://no-such-host.invalid:1", false},
	}
	for _, tc := range tests {
		if got := IsSelf(tc.listen, tc.origin); got != tc.want {
			t.Errorf("IsSelf(%s, %s) = %v; want %v", tc.listen, tc.origin, got, tc.want)
		}
	}
}
