package probe

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	pieces = 5
	piece  = "piece N of the stream\n" // 22 bytes, 0x16
	pause  = 20 * time.Millisecond
)

// gatedStream serves pieces pieces, each written and flushed pause after
// the client reported (on seen) that it has read the previous one, or the
// headers for the first. So each piece is in its own read, at least pause
// after the one before, however loaded the machine: no flaky timing.
func gatedStream(seen <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		rc := http.NewResponseController(w)
		w.WriteHeader(http.StatusOK)
		if err := rc.Flush(); err != nil {
			return
		}
		for range pieces {
			select {
			case <-seen:
			case <-time.After(10 * time.Second):
				return // the client is gone; end the response
			case <-r.Context().Done():
				return
			}
			time.Sleep(pause)
			io.WriteString(w, piece)
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}

// reporter returns an onEvent that signals on seen when headers end and
// when data arrives, and a channel to give the handler.
func reporter() (seen chan struct{}, onEvent func(Event)) {
	seen = make(chan struct{}, 100)
	return seen, func(e Event) {
		switch e.Kind {
		case KindHeadersEnd, KindChunkData, KindBody:
			seen <- struct{}{}
		}
	}
}

// fixed serves a short body with a Content-Length.
func fixed(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Length", "11")
	io.WriteString(w, "hello world")
}

func kinds(evs []Event, kind string) []Event {
	var out []Event
	for _, e := range evs {
		if e.Kind == kind {
			out = append(out, e)
		}
	}
	return out
}

func first(evs []Event, kind string) (Event, bool) {
	for _, e := range evs {
		if e.Kind == kind {
			return e, true
		}
	}
	return Event{}, false
}

func TestDoStreaming(t *testing.T) {
	seen, onEvent := reporter()
	ts := httptest.NewServer(gatedStream(seen))
	defer ts.Close()
	var live []Event
	res, err := Do(context.Background(), Request{URL: ts.URL + "/s?x=1"}, func(e Event) {
		live = append(live, e)
		onEvent(e)
	})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if res.Status != 200 || res.Proto != "HTTP/1.1" || res.Framing != FramingChunked || res.Chunks != pieces ||
		res.BodyBytes != pieces*int64(len(piece)) || !res.Complete || res.Err != "" {
		t.Errorf("got status %d %s, framing %q, %d chunks, %d body bytes, complete %v, err %q; want 200 HTTP/1.1, chunked, %d chunks, %d bytes, complete, no error",
			res.Status, res.Proto, res.Framing, res.Chunks, res.BodyBytes, res.Complete, res.Err, pieces, pieces*len(piece))
	}
	if got := len(live); got != len(res.Events) {
		t.Errorf("onEvent saw %d events; Result has %d", got, len(res.Events))
	}
	sizes := kinds(res.Events, KindChunkSize)
	for _, e := range sizes {
		if e.Size != int64(len(piece)) || e.Text != "16" {
			t.Errorf("chunk-size event %+v; want size %d, text 16", e, len(piece))
		}
	}
	headersEnd, _ := first(res.Events, KindHeadersEnd)
	data := kinds(res.Events, KindChunkData)
	if len(data) != pieces {
		t.Fatalf("%d chunk-data events; want %d, one per piece", len(data), pieces)
	}
	if data[0].T <= headersEnd.T {
		t.Errorf("first data at %.3f ms, headers at %.3f ms; want the data later", data[0].T, headersEnd.T)
	}
	for i := 1; i < len(data); i++ {
		if gap := data[i].T - data[i-1].T; gap < ms(pause) {
			t.Errorf("piece %d came %.3f ms after the one before; want ≥ %v", i, gap, pause)
		}
	}
	read, _ := first(res.Events, KindRead)
	if res.TTFBMs != read.T || res.TTFBMs <= 0 {
		t.Errorf("TTFBMs = %.3f; want the first read's time %.3f", res.TTFBMs, read.T)
	}
	if end := res.Events[len(res.Events)-1]; end.Kind != KindEnd || res.TotalMs < end.T || res.TotalMs < float64(pieces)*ms(pause) {
		t.Errorf("last event %+v, TotalMs %.3f; want end, and a total ≥ the end and ≥ %d pauses", end, res.TotalMs, pieces)
	}
}

func TestDo(t *testing.T) {
	tests := []struct {
		name    string
		handler func(seen <-chan struct{}) http.HandlerFunc
		req     Request
		framing string
		cl      int64
		body    int64
		noBody  bool // no chunk-data or body events
	}{
		{"content-length", func(<-chan struct{}) http.HandlerFunc { return fixed }, Request{}, FramingContentLength, 11, 11, false},
		// Go answers HTTP/1.0 without chunking: the body ends at the close.
		{"HTTP/1.0 stream", gatedStream, Request{HTTP10: true}, FramingClose, -1, pieces * int64(len(piece)), false},
		{"HEAD content-length", func(<-chan struct{}) http.HandlerFunc { return fixed }, Request{Head: true}, FramingNone, 11, 0, true},
		{"HEAD stream", gatedStream, Request{Head: true}, FramingNone, -1, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen, onEvent := reporter()
			ts := httptest.NewServer(tc.handler(seen))
			defer ts.Close()
			req := tc.req
			req.URL = ts.URL
			res, err := Do(context.Background(), req, onEvent)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if res.Status != 200 || res.Framing != tc.framing || res.ContentLength != tc.cl || res.BodyBytes != tc.body || !res.Complete || res.Err != "" {
				t.Errorf("got status %d, framing %q, content-length %d, body %d, complete %v, err %q; want 200, %q, %d, %d, complete",
					res.Status, res.Framing, res.ContentLength, res.BodyBytes, res.Complete, res.Err, tc.framing, tc.cl, tc.body)
			}
			if n := len(kinds(res.Events, KindChunkData)) + len(kinds(res.Events, KindBody)); tc.noBody && n != 0 {
				t.Errorf("%d body or chunk-data events; want none", n)
			}
			wantProto := "HTTP/1.1"
			if req.HTTP10 {
				wantProto = "HTTP/1.0"
			}
			if res.Proto != wantProto {
				t.Errorf("Proto = %q; want %q", res.Proto, wantProto)
			}
		})
	}
}

func TestDoRefuses(t *testing.T) {
	for _, url := range []string{"https://127.0.0.1:1/", "ftp://example.com/", "127.0.0.1:8000/x", "http:///nohost", "http://u:p@127.0.0.1/", "http://[::1/"} {
		t.Run(url, func(t *testing.T) {
			res, err := Do(context.Background(), Request{URL: url}, nil)
			if err == nil {
				t.Fatalf("Do(%q) = nil error; want one", url)
			}
			if res.Err != err.Error() || len(res.Events) != 0 {
				t.Errorf("Result.Err = %q, %d events; want the error %q and no events", res.Err, len(res.Events), err)
			}
		})
	}
}

// rawServer accepts one connection, records the request head, then writes
// each reply piece in turn, waiting for a value on next before each (nil
// next: no waiting), and closes. It returns the address and the request.
func rawServer(t *testing.T, next <-chan struct{}, reply ...string) (addr string, request <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		var head strings.Builder
		for {
			line, err := br.ReadString('\n')
			head.WriteString(line)
			if err != nil || line == "\r\n" {
				break
			}
		}
		got <- head.String()
		for _, r := range reply {
			if next != nil {
				if _, ok := <-next; !ok {
					return
				}
			}
			if _, err := io.WriteString(conn, r); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String(), got
}

func TestDoSendsRequest(t *testing.T) {
	tests := []struct {
		req  Request
		want string
	}{
		{Request{URL: "/a/b?c=d&e"}, "GET /a/b?c=d&e HTTP/1.1\r\nHost: ADDR\r\nUser-Agent: chunkscope-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"},
		{Request{URL: "", HTTP10: true, Head: true}, "HEAD / HTTP/1.0\r\nHost: ADDR\r\nUser-Agent: chunkscope-probe\r\nAccept: */*\r\n\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.want[:strings.Index(tc.want, "\r")], func(t *testing.T) {
			addr, request := rawServer(t, nil, "HTTP/1.1 204 No Content\r\n\r\n")
			req := tc.req
			req.URL = "http://" + addr + req.URL
			if _, err := Do(context.Background(), req, nil); err != nil {
				t.Fatalf("Do: %v", err)
			}
			if got, want := <-request, strings.ReplaceAll(tc.want, "ADDR", addr); got != want {
				t.Errorf("request = %q; want %q", got, want)
			}
		})
	}
}

// TestDoBrokenResponses: a malformed or truncated response is reported in
// the Result, not as an error of Do.
func TestDoBrokenResponses(t *testing.T) {
	tests := []struct {
		name     string
		reply    string
		complete bool
		err      string
	}{
		{"truncated", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", false, "connection closed in the body after 3 of 10 bytes"},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", false, `bad chunk size "xyz": 'x' is not a hex digit`},
		{"interim then final", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true, ""},
		{"nothing", "", false, "connection closed before any response"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr, _ := rawServer(t, nil, tc.reply)
			res, err := Do(context.Background(), Request{URL: "http://" + addr + "/"}, nil)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if res.Complete != tc.complete || res.Err != tc.err {
				t.Errorf("complete %v, err %q; want %v, %q", res.Complete, res.Err, tc.complete, tc.err)
			}
		})
	}
}

func TestDoTimeout(t *testing.T) {
	next := make(chan struct{}) // never sent: the server accepts, reads the request, and stays silent
	defer close(next)
	addr, _ := rawServer(t, next, "HTTP/1.1 200 OK\r\n\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res, err := Do(ctx, Request{URL: "http://" + addr + "/"}, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Do = %v; want a context.DeadlineExceeded", err)
	}
	if res.Complete || res.Err != err.Error() {
		t.Errorf("complete %v, err %q; want incomplete, %q", res.Complete, res.Err, err)
	}
}

func TestDoMaxEvents(t *testing.T) {
	next := make(chan struct{}, 10)
	reply := []string{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1\r\na\r\n", "1\r\nb\r\n", "0\r\n\r\n"}
	addr, _ := rawServer(t, next, reply...)
	next <- struct{}{}
	var all []Event
	res, err := Do(context.Background(), Request{URL: "http://" + addr + "/", MaxEvents: 3}, func(e Event) {
		all = append(all, e)
		if e.Kind == KindHeadersEnd || e.Kind == KindChunkData {
			next <- struct{}{}
		}
	})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if len(res.Events) != 3 || res.Dropped != len(all)-3 || !res.Complete {
		t.Errorf("kept %d events, dropped %d of %d, complete %v; want 3 kept, %d dropped, complete", len(res.Events), res.Dropped, len(all), res.Complete, len(all)-3)
	}
	if fmt.Sprint(res.Events) != fmt.Sprint(all[:3]) {
		t.Errorf("kept %v; want the first three %v", res.Events, all[:3])
	}
}
