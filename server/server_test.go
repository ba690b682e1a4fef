package server

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"chunkscope/app/spec"
	"chunkscope/internal/testnet"
)

func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	web := testWeb()
	web["sub/file.txt"] = &fstest.MapFile{Data: []byte("in a folder")}
	return startServer(t, Config{Web: web})
}

func TestNewNeedsTheWasm(t *testing.T) {
	if _, err := New(Config{Web: fstest.MapFS{}}); err == nil || !strings.Contains(err.Error(), "app.wasm") {
		t.Errorf("error = %v; want one naming app.wasm", err)
	}
}

func TestEndpoints(t *testing.T) {
	ts := newTestServer(t)
	tests := []struct {
		method, path  string
		status        int
		contentType   string
		contentLength bool   // a Content-Length header is present
		chunked       bool   // Transfer-Encoding: chunked
		body          string // the start of the body
	}{
		{"GET", "/csv/buffered?rows=3", 200, "text/csv; charset=utf-8", true, false, "One,Two,Three\nHello,world,1\n"},
		{"GET", "/csv/streaming?rows=3", 200, "text/csv; charset=utf-8", false, true, "One,Two,Three\nHello,world,1\n"},
		{"GET", "/csv/buffered", 200, "text/csv; charset=utf-8", true, false, "One,Two,Three\nHello,world,1\n"},
		{"HEAD", "/csv/buffered?rows=3", 200, "text/csv; charset=utf-8", true, false, ""},
		{"POST", "/csv/streaming", 405, "text/plain; charset=utf-8", true, false, "method POST not allowed"},
		{"POST", "/clock", 405, "text/plain; charset=utf-8", true, false, "method POST not allowed"},
		{"HEAD", "/clock", 204, "", false, false, ""},
		{"GET", "/csv/streaming?rows=x", 400, "text/plain; charset=utf-8", true, false, `rows: "x" is not a whole number`},
		{"GET", "/csv/buffered?rows=-1", 400, "text/plain; charset=utf-8", true, false, `rows: "-1" is not`},
		{"GET", "/csv/buffered?per=0", 400, "text/plain; charset=utf-8", true, false, `per: "0" is not`},
		{"GET", "/csv/buffered?pad=big", 400, "text/plain; charset=utf-8", true, false, `pad: "big" is not`},
		{"GET", "/csv/buffered?delay=soon", 400, "text/plain; charset=utf-8", true, false, `delay: "soon" is not a Go duration`},
		{"GET", "/csv/streaming?delay=1s&rows=1000", 400, "text/plain; charset=utf-8", true, false, "delay: 1000 groups × 1s is over"},
		{"GET", "/csv/streaming?rows=50000000&pad=1000", 400, "text/plain; charset=utf-8", true, false, "rows: the body would be"},
		{"GET", "/csv/streaming?rows=1&rows=2", 400, "text/plain; charset=utf-8", true, false, "rows: given 2 times"},
		{"GET", "/csv/streaming?bogus=1", 400, "text/plain; charset=utf-8", true, false, "bogus: unknown parameter"},
		{"GET", "/csv/streaming?rows=%zz", 400, "text/plain; charset=utf-8", true, false, "query: "},
		{"GET", "/web/chunkscope.js", 200, "text/javascript; charset=utf-8", true, false, "// js"},
		{"GET", "/web/", 404, "text/plain; charset=utf-8", true, false, "not found"},
		{"GET", "/web/sub", 404, "text/plain; charset=utf-8", true, false, "not found"},
		{"GET", "/web/../main.go", 404, "text/plain; charset=utf-8", true, false, "404 page not found"}, // the client cleans the path: go-app answers
		{"GET", "/web/nope.js", 404, "text/plain; charset=utf-8", true, false, "not found"},
		{"GET", "/", 200, "text/html", true, false, "<!DOCTYPE html>"},
		{"GET", "/app-worker.js", 200, "application/javascript", true, false, `const cacheName = "app-`},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, ts.URL+tc.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := ts.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Errorf("status = %d; want %d (body %q)", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type = %q; want %q", got, tc.contentType)
			}
			if got := resp.Header.Get("Content-Length") != ""; got != tc.contentLength {
				t.Errorf("Content-Length present = %v (%q); want %v", got, resp.Header.Get("Content-Length"), tc.contentLength)
			}
			if got := len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked"; got != tc.chunked {
				t.Errorf("chunked = %v; want %v", got, tc.chunked)
			}
			if !bytes.HasPrefix(body, []byte(tc.body)) {
				t.Errorf("body = %.80q; want it to start with %q", body, tc.body)
			}
			if resp.StatusCode == 400 && bytes.Count(body, []byte("\n")) != 1 {
				t.Errorf("400 body %q is not one line", body)
			}
			if strings.HasPrefix(tc.path, "/csv/") && resp.StatusCode == 200 {
				if got := resp.Header.Get("Content-Disposition"); got != "attachment; filename=big.csv" {
					t.Errorf("Content-Disposition = %q; want attachment; filename=big.csv", got)
				}
			}
		})
	}
}

// TestBodiesAreIdentical: one producer feeds both handlers, so for the same
// parameters the bodies are the same bytes, and they are the seed's CSV.
func TestBodiesAreIdentical(t *testing.T) {
	ts := newTestServer(t)
	for _, q := range []string{"rows=0", "rows=1", "rows=20&per=3", "rows=1000&pad=7", "rows=5000&per=250&pad=100", "rows=3&pad=200000"} {
		t.Run(q, func(t *testing.T) {
			buffered := get(t, ts.URL+"/csv/buffered?"+q)
			streamed := get(t, ts.URL+"/csv/streaming?"+q)
			if !bytes.Equal(buffered, streamed) {
				t.Fatalf("bodies differ: buffered %d bytes, streaming %d bytes", len(buffered), len(streamed))
			}
			vals := parseQ(t, q)
			rows, _ := strconv.Atoi(vals["rows"])
			pad, _ := strconv.Atoi(vals["pad"])
			var want bytes.Buffer
			want.WriteString("One,Two,Three\n")
			for i := 1; i <= rows; i++ {
				fmt.Fprintf(&want, "Hello,world%s,%d\n", strings.Repeat(".", pad), i)
			}
			if !bytes.Equal(buffered, want.Bytes()) {
				t.Errorf("body (%d bytes) is not the seed's CSV (%d bytes)", len(buffered), want.Len())
			}
		})
	}
}

func parseQ(t *testing.T, q string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		out[k] = v
	}
	return out
}

func get(t *testing.T, url string) []byte {
	t.Helper()
	status, body, _ := getFull(t, url)
	if status != 200 {
		t.Fatalf("GET %s: status %d: %s", url, status, body)
	}
	return []byte(body)
}

// wireRead is one read from the raw connection.
type wireRead struct {
	at time.Duration
	n  int
}

// rawGET sends a request over a plain TCP connection and records every read
// with the time since the request was written, as a person with nc would.
func rawGET(t *testing.T, ts *httptest.Server, path string) (resp []byte, reads []wireRead) {
	t.Helper()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	start := time.Now()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: chunkscope\r\nConnection: close\r\n\r\n", path)
	buf := make([]byte, 64<<10)
	for {
		n, err := conn.Read(buf)
		if n > 0 {
			reads = append(reads, wireRead{time.Since(start), n})
			resp = append(resp, buf[:n]...)
		}
		if err == io.EOF {
			return resp, reads
		}
		if err != nil {
			t.Fatalf("reading %s: %v", path, err)
		}
	}
}

// splitResponse separates the header block from the body.
func splitResponse(t *testing.T, resp []byte) (head string, body []byte) {
	t.Helper()
	i := bytes.Index(resp, []byte("\r\n\r\n"))
	if i < 0 {
		t.Fatalf("no end of headers in %.200q", resp)
	}
	return string(resp[:i]), resp[i+4:]
}

// chunkSizes parses chunked framing and returns each chunk's size, the
// final zero-size chunk included.
func chunkSizes(t *testing.T, body []byte) []int64 {
	t.Helper()
	r := bufio.NewReader(bytes.NewReader(body))
	var sizes []int64
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("chunk-size line: %v (sizes so far %v)", err, sizes)
		}
		n, err := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
		if err != nil {
			t.Fatalf("chunk-size line %q: %v", line, err)
		}
		sizes = append(sizes, n)
		if _, err := io.CopyN(io.Discard, r, n); err != nil {
			t.Fatalf("chunk data: %v", err)
		}
		if crlf, _ := r.ReadString('\n'); crlf != "\r\n" {
			t.Fatalf("chunk of %d not followed by CRLF: %q", n, crlf)
		}
		if n == 0 {
			return sizes
		}
	}
}

func TestStreamingOnTheWire(t *testing.T) {
	ts := newTestServer(t)
	resp, reads := rawGET(t, ts, "/csv/streaming?rows=10&delay=50ms")
	head, body := splitResponse(t, resp)
	if !strings.Contains(head, "\r\nTransfer-Encoding: chunked") {
		t.Errorf("headers lack Transfer-Encoding: chunked:\n%s", head)
	}
	if strings.Contains(head, "Content-Length") {
		t.Errorf("headers have a Content-Length:\n%s", head)
	}
	sizes := chunkSizes(t, body)
	// One chunk per group (10 groups of one row), then the final 0.
	if len(sizes) != 11 || sizes[10] != 0 {
		t.Errorf("chunk sizes = %v; want 10 data chunks and the final 0", sizes)
	}
	if sizes[0] != int64(len("One,Two,Three\nHello,world,1\n")) {
		t.Errorf("first chunk = %d bytes; want the header line and row 1", sizes[0])
	}
	if spread := reads[len(reads)-1].at - reads[0].at; spread < 400*time.Millisecond {
		t.Errorf("reads spread over %s (%d reads); want ≥ 400ms", spread, len(reads))
	}
	if reads[0].at > 300*time.Millisecond {
		t.Errorf("first byte after %s; want it after the first 50ms group", reads[0].at)
	}
}

func TestBufferedOnTheWire(t *testing.T) {
	ts := newTestServer(t)
	resp, reads := rawGET(t, ts, "/csv/buffered?rows=10&delay=50ms")
	head, body := splitResponse(t, resp)
	if strings.Contains(head, "Transfer-Encoding") {
		t.Errorf("headers have a Transfer-Encoding:\n%s", head)
	}
	want := "Content-Length: " + strconv.Itoa(len(body))
	if !strings.Contains(head, "\r\n"+want) {
		t.Errorf("headers lack %q:\n%s", want, head)
	}
	if reads[0].at < 450*time.Millisecond {
		t.Errorf("first byte after %s; want ≥ 450ms (the whole production time)", reads[0].at)
	}
	if !bytes.HasPrefix(body, []byte("One,Two,Three\nHello,world,1\n")) || !bytes.HasSuffix(body, []byte("Hello,world,10\n")) {
		t.Errorf("body = %q; want the CSV unframed", body)
	}
}

// TestClientGoneStopsTheProducer: a client that leaves mid-stream must not
// leave a goroutine producing rows nobody reads, and the producer must stop
// within 100 ms of the connection closing.
func TestClientGoneStopsTheProducer(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{
		"/csv/streaming?rows=100000&delay=10ms&per=10",
		"/csv/buffered?rows=100000&delay=10ms&per=10",
		"/csv/streaming?rows=50000000&pad=1000&per=1000", // no delay: stopped between pieces, or by a failed write
		"/csv/buffered?rows=2000000&pad=1000&per=1000",   // no delay: stopped between pieces
	} {
		t.Run(path, func(t *testing.T) {
			settle(t, ts.URL)
			before := runtime.NumGoroutine()
			conn, err := net.Dial("tcp", ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: chunkscope\r\n\r\n", path)
			time.Sleep(150 * time.Millisecond)
			if runtime.NumGoroutine() <= before {
				t.Fatal("the request is not being served: nothing to stop")
			}
			conn.Close()
			closed := time.Now()
			for runtime.NumGoroutine() > before && time.Since(closed) < 2*time.Second {
				time.Sleep(2 * time.Millisecond)
			}
			if n := runtime.NumGoroutine(); n > before {
				t.Fatalf("%d goroutines 2 s after the client left; want ≤ %d", n, before)
			}
			if took := time.Since(closed); took > 100*time.Millisecond {
				t.Errorf("the handler stopped %s after the client left; want ≤ 100ms", took)
			} else {
				t.Logf("stopped %s after the client left", took.Round(time.Millisecond))
			}
		})
	}
}

func TestLimitsFromConfig(t *testing.T) {
	h, err := New(Config{
		Web:          fstest.MapFS{"app.wasm": {Data: []byte("wasm")}},
		Limits:       spec.Limits{Rows: 100, BodyBytes: 1 << 20, TotalDelay: time.Minute},
		MaxRuns:      1,
		BufferBudget: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()

	// One slot: hold it with a slow stream, then the next request is 503.
	resp, err := http.Get(ts.URL + "/csv/streaming?rows=3&delay=300ms")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	status, body, hdr := getFull(t, ts.URL+"/csv/streaming?rows=1")
	if status != 503 || hdr.Get("Retry-After") != "1" || !strings.HasPrefix(body, "busy: 1 responses are in flight") {
		t.Errorf("second request: %d Retry-After %q %q; want 503, Retry-After 1 and a reason", status, hdr.Get("Retry-After"), body)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	for _, tc := range []struct {
		path   string
		status int
		reason string
	}{
		{"/csv/buffered?rows=100", 413, "rows: a buffered body of 1506 bytes does not fit"}, // 14 + 9×14 + 90×15 + 16
		{"/csv/streaming?rows=100", 200, "One,Two,Three"},                                   // streaming needs no budget
		{"/csv/buffered?rows=10", 200, "One,Two,Three"},
		{"/csv/buffered?rows=101", 400, `rows: "101" is not a whole number in 0..100`},
	} {
		waitFreeSlot(t, ts.URL)
		status, body, _ := getFull(t, ts.URL+tc.path)
		if status != tc.status || !strings.HasPrefix(body, tc.reason) {
			t.Errorf("%s: %d %q; want %d starting %q", tc.path, status, body, tc.status, tc.reason)
		}
	}
	if _, err := New(Config{Web: fstest.MapFS{"app.wasm": {}}, Limits: spec.Limits{Rows: spec.MaxRows + 1, BodyBytes: 100}}); err == nil {
		t.Error("New accepted limits above the hard caps")
	}
}

// settle waits until the server has collected what earlier responses left
// (GET /clock waits for it): its collection runs on a goroutine of its own,
// which a test counting goroutines must not mistake for a handler's.
func settle(t *testing.T, base string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/clock", nil)
	req.Close = true
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("/clock: %s", resp.Status)
	}
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	// Then until the count holds still: the connections just closed take
	// a moment to end their goroutines.
	for n, still := runtime.NumGoroutine(), 0; still < 5; still++ {
		time.Sleep(10 * time.Millisecond)
		if m := runtime.NumGoroutine(); m != n {
			n, still = m, 0
		}
	}
}

// waitFreeSlot waits until the earlier request's handler has returned its
// slot (the client can finish reading before the handler returns).
func waitFreeSlot(t *testing.T, base string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if status, _, _ := getFull(t, base+"/csv/streaming?rows=0"); status != 503 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the slot was never freed")
}

func getFull(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, b := testnet.Fetch(t, http.DefaultClient, req)
	return resp.StatusCode, b, resp.Header
}
