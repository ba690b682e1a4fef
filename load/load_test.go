package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"chunkscope/app/spec"
	"chunkscope/server"
)

// csvBody builds the body the endpoints must send, independently of the
// checker, for the tests to feed it.
func csvBody(rows, pad int) string {
	var b strings.Builder
	b.WriteString("One,Two,Three\n")
	for n := 1; n <= rows; n++ {
		fmt.Fprintf(&b, "Hello,world%s,%d\n", strings.Repeat(".", pad), n)
	}
	return b.String()
}

func TestBodyChecker(t *testing.T) {
	good := csvBody(12, 2) // rows 10 … 12 have two digits
	flip := []byte(good)
	flip[40] ^= 1
	tests := []struct {
		name    string
		rows    int
		body    string
		piece   int    // bytes per Write; 0: all at once
		wantErr string // "" means the body passes
	}{
		{name: "correct body", rows: 12, body: good},
		{name: "correct body, one byte per write", rows: 12, body: good, piece: 1},
		{name: "correct body, 7 bytes per write", rows: 12, body: good, piece: 7},
		{name: "header only", rows: 0, body: "One,Two,Three\n"},
		{name: "flipped byte", rows: 12, body: string(flip), piece: 5, wantErr: "byte 40, row 2 column 10"},
		{name: "wrong header", rows: 12, body: "One,Two,Four\n", wantErr: "byte 8, header line column 8"},
		{name: "short body", rows: 12, body: good[:len(good)-1], wantErr: "short body: ended after " + fmt.Sprint(len(good)-1) + " bytes, row 12"},
		{name: "empty body", rows: 12, body: "", wantErr: "short body: ended after 0 bytes, header line"},
		{name: "extra byte", rows: 12, body: good + "x", wantErr: "extra bytes after the end of the body (" + fmt.Sprint(len(good)) + " bytes)"},
		{name: "extra byte in a later write", rows: 12, body: good + "x", piece: 1, wantErr: "extra bytes"},
		{name: "one row too many", rows: 11, body: good, wantErr: "extra bytes"},
		{name: "row numbers skip", rows: 2, body: "One,Two,Three\nHello,world..,2\nHello,world..,3\n", wantErr: "row 1 column 14: got \"2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newBodyChecker(tc.rows, 2)
			var err error
			for rest := tc.body; len(rest) > 0 && err == nil; {
				k := len(rest)
				if tc.piece > 0 {
					k = min(tc.piece, k)
				}
				_, err = c.Write([]byte(rest[:k]))
				rest = rest[k:]
			}
			if err == nil {
				err = c.Finish()
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("got error %q; want none", err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("got no error; want %q", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("got error %q; want it to contain %q", err, tc.wantErr)
			}
		})
	}
}

// The checker's idea of the body's length is the server's (spec.BodySize).
func TestBodyCheckerLength(t *testing.T) {
	for _, s := range []spec.Spec{{Rows: 0}, {Rows: 9}, {Rows: 10}, {Rows: 1234, Pad: 7}} {
		c := newBodyChecker(s.Rows, s.Pad)
		if _, err := c.Write([]byte(csvBody(s.Rows, s.Pad))); err != nil {
			t.Fatalf("rows=%d pad=%d: %v", s.Rows, s.Pad, err)
		}
		if err := c.Finish(); err != nil {
			t.Fatalf("rows=%d pad=%d: %v", s.Rows, s.Pad, err)
		}
		if got, want := c.Bytes(), s.BodySize(); got != want {
			t.Errorf("rows=%d pad=%d: checked %d bytes; want %d", s.Rows, s.Pad, got, want)
		}
	}
}

func TestLoopbackBase(t *testing.T) {
	tests := []struct {
		raw, want string // want "" means refused
	}{
		{"http://127.0.0.1:8000", "http://127.0.0.1:8000"},
		{"http://127.0.0.1:8000/", "http://127.0.0.1:8000"},
		{"http://127.45.6.7:9000", "http://127.45.6.7:9000"},
		{"http://localhost:8000", "http://localhost:8000"},
		{"http://LocalHost:8000", "http://LocalHost:8000"},
		{"http://[::1]:8000", "http://[::1]:8000"},
		{"http://10.0.0.1:8000", ""},
		{"http://192.168.1.2:8000", ""},
		{"http://0.0.0.0:8000", ""},
		{"http://[::]:8000", ""},
		{"http://example.com", ""},
		{"http://localhost.example.com:8000", ""},
		{"http://2130706433:8000", ""}, // 127.0.0.1 as a number: not a literal we accept
		{"https://127.0.0.1:8000", ""},
		{"127.0.0.1:8000", ""},
		{"http://127.0.0.1:8000/csv/streaming", ""},
		{"http://127.0.0.1:8000/?rows=1", ""},
		{"http://user@127.0.0.1:8000", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.raw, func(t *testing.T) {
			got, err := loopbackBase(tc.raw)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("got %q; want it refused", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestLoopbackOnlyDial(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:80": true, "127.9.9.9:80": true, "[::1]:80": true,
		"10.0.0.1:80": false, "[2001:db8::1]:80": false, "0.0.0.0:80": false,
	} {
		if err := loopbackOnly("tcp", addr, nil); (err == nil) != ok {
			t.Errorf("loopbackOnly(%s) = %v; want allowed %v", addr, err, ok)
		}
	}
}

func TestPercentile(t *testing.T) {
	upTo := func(n int) []time.Duration {
		v := make([]time.Duration, n)
		for i := range v {
			v[i] = time.Duration(i + 1)
		}
		return v
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"none", nil, 50, 0},
		{"one value, p50", upTo(1), 50, 1},
		{"one value, p99", upTo(1), 99, 1},
		{"1…100, p50", upTo(100), 50, 50},
		{"1…100, p99", upTo(100), 99, 99},
		{"1…100, p100", upTo(100), 100, 100},
		{"1…10, p99 is the largest", upTo(10), 99, 10},
		{"1…10, p50", upTo(10), 50, 5},
		{"1…1000, p99", upTo(1000), 99, 990},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Fatalf("got %d; want %d", got, tc.want)
			}
		})
	}
}

func TestConfigCheck(t *testing.T) {
	ok := config{bin: "bin/chunkscope", mode: streamMode, maxRuns: defaultMaxRuns, duration: 10 * time.Second, query: defaultQuery, timeout: 30 * time.Second}
	tests := []struct {
		name    string
		change  func(*config)
		wantErr string
	}{
		{"defaults", func(*config) {}, ""},
		{"caps mode", func(c *config) { c.mode = capsMode }, ""},
		{"both modes", func(c *config) { c.mode = bothModes }, ""},
		{"unknown mode", func(c *config) { c.mode = "flood" }, `-mode "flood"`},
		{"stream mode at the cap", func(c *config) { c.clients = 256 }, "every client must fit under the cap"},
		{"stream mode under a lowered cap", func(c *config) { c.maxRuns = 64 }, "-clients 200 with -max-runs 64"},
		{"caps mode under the cap", func(c *config) { c.mode = capsMode; c.clients = 256 }, "needs more clients than the cap"},
		{"caps mode, lowered cap", func(c *config) { c.mode = capsMode; c.maxRuns = 64; c.clients = 300 }, ""},
		{"both modes, clients for one only", func(c *config) { c.mode = bothModes; c.clients = 300 }, "every client must fit"},
		{"no cap", func(c *config) { c.maxRuns = 0 }, "-max-runs 0"},
		{"-url alone", func(c *config) { c.url = "http://127.0.0.1:1" }, ""},
		{"-bin and -url", func(c *config) { c.url = "http://127.0.0.1:1"; c.binSet = true }, "give one"},
		{"negative clients", func(c *config) { c.clients = -1 }, "-clients -1"},
		{"too many clients", func(c *config) { c.clients = 5000 }, "-clients 5000"},
		{"too long", func(c *config) { c.duration = time.Hour }, "-duration 1h0m0s"},
		{"run in query", func(c *config) { c.query = "rows=10&run=x" }, "run is set by the load test"},
		{"bad query", func(c *config) { c.query = "rows=lots" }, "rows"},
		{"stream longer than the timeout", func(c *config) { c.query = "rows=100&delay=1s" }, "not under -timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.change(&c)
			_, err := c.check()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("got %v; want error containing %q", err, tc.wantErr)
			}
		})
	}
}

// drive against the real handler (in process, on loopback) and against
// handlers that break the contract: the first must tally no error, the
// others an error each with its reason.
func TestDrive(t *testing.T) {
	web := fstest.MapFS{"app.wasm": {Data: []byte("not really wasm")}}
	real, err := server.New(server.Config{Web: web})
	if err != nil {
		t.Fatal(err)
	}
	const query = "rows=50&delay=2ms&per=10&pad=3"
	good := csvBody(50, 3)
	tests := []struct {
		name    string
		handler http.Handler
		wantErr string // "" means every stream must pass
	}{
		{"real server", real, ""},
		{"one wrong byte", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(good[:100]))
			w.(http.Flusher).Flush()
			w.Write([]byte("X" + good[101:]))
		}), "body: byte 100"},
		{"cut short", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(good[:100]))
			w.(http.Flusher).Flush()
		}), "short body"},
		{"not chunked", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(good)))
			w.Write([]byte(good))
		}), "not streamed"},
		{"400", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "rows: no", http.StatusBadRequest)
		}), "status 400 Bad Request: rows: no"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			plans, err := config{url: srv.URL, mode: streamMode, clients: 3, maxRuns: defaultMaxRuns, duration: time.Second, query: query, timeout: 5 * time.Second}.check()
			if err != nil {
				t.Fatal(err)
			}
			p := plans[0]
			p.duration = 200 * time.Millisecond // under the flag's floor, to keep the test short
			client := newClient(&net.Dialer{Control: loopbackOnly}, p.clients, 5*time.Second)
			defer client.CloseIdleConnections()
			got, _ := drive(context.Background(), client, srv.URL+"/csv/streaming?"+query, p)
			if tc.wantErr == "" {
				if got.errors != 0 || got.completed == 0 {
					t.Fatalf("got %d completed, %d errors %q; want some completed, no error", got.completed, got.errors, got.reasons)
				}
				if want := int64(got.completed) * int64(len(good)); got.bytes != want {
					t.Errorf("got %d bytes verified; want %d", got.bytes, want)
				}
				return
			}
			if got.errors == 0 || got.completed != 0 {
				t.Fatalf("got %d completed, %d errors; want only errors", got.completed, got.errors)
			}
			if !strings.Contains(got.reasons[0], tc.wantErr) {
				t.Fatalf("got reason %q; want it to contain %q", got.reasons[0], tc.wantErr)
			}
		})
	}
}
