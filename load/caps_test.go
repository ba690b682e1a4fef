package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"chunkscope/server"
)

// The caps mode's default cap is the one the binary starts with.
func TestDefaultMaxRunsIsTheServers(t *testing.T) {
	if defaultMaxRuns != server.DefaultMaxRuns {
		t.Fatalf("defaultMaxRuns = %d; want server.DefaultMaxRuns, %d", defaultMaxRuns, server.DefaultMaxRuns)
	}
}

func TestModeDefaults(t *testing.T) {
	c := config{bin: "bin/chunkscope", mode: bothModes, maxRuns: defaultMaxRuns, duration: 10 * time.Second, query: defaultQuery, timeout: 30 * time.Second}
	plans, err := c.check()
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		mode      string
		clients   int
		heapBound int64
	}
	var got []want
	for _, p := range plans {
		got = append(got, want{p.mode, p.clients, p.heapBound})
	}
	wants := []want{{streamMode, streamClients, maxHeapGrowth}, {capsMode, capsClients, maxHeapGrowthCaps}}
	if fmt.Sprint(got) != fmt.Sprint(wants) {
		t.Fatalf("got plans %v; want %v (stream first, then caps)", got, wants)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, v string
		want    time.Duration
		wantErr string // "" means accepted
	}{
		{"one second", "1", time.Second, ""},
		{"zero", "0", 0, ""},
		{"spaces around", " 5 ", 5 * time.Second, ""},
		{"a day, the most", "86400", 24 * time.Hour, ""},
		{"over a day", "86401", 0, "at most 86400"},
		{"huge", "99999999999999999999999", 0, "at most 86400"},
		{"HTTP date ahead", "Thu, 26 Nov 2026 12:00:03 GMT", 3 * time.Second, ""},
		{"HTTP date past: no wait", "Thu, 26 Nov 2026 11:59:00 GMT", 0, ""},
		{"empty", "", 0, "empty Retry-After"},
		{"negative", "-1", 0, "neither seconds nor an HTTP date"},
		{"plus sign", "+1", 0, "neither seconds nor an HTTP date"},
		{"fraction", "1.5", 0, "neither seconds nor an HTTP date"},
		{"a word", "soon", 0, "neither seconds nor an HTTP date"},
		{"a unit", "1s", 0, "neither seconds nor an HTTP date"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseRetryAfter(tc.v, now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %s, %v; want error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

// A refused client waits at least what the server asked, at most half of it
// again; when the server asks for no wait, still up to minJitter.
func TestBackoff(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter time.Duration
		r          float64
		want       time.Duration
	}{
		{"no jitter drawn: exactly Retry-After", time.Second, 0, time.Second},
		{"mid jitter", time.Second, 0.5, 1250 * time.Millisecond},
		{"most jitter stays under 1.5x", time.Second, 0.998, 1499 * time.Millisecond},
		{"Retry-After 2", 2 * time.Second, 0.5, 2500 * time.Millisecond},
		{"Retry-After 0: jitter only", 0, 0.5, minJitter / 2},
		{"Retry-After 0, no jitter drawn", 0, 0, 0},
		{"short Retry-After gets minJitter", 100 * time.Millisecond, 0.5, 150 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := backoff(tc.retryAfter, tc.r); got != tc.want {
				t.Fatalf("got %s; want %s", got, tc.want)
			}
		})
	}
}

// What one request to a server answering 503 counts as: in caps mode a
// well-formed refusal is refused (with the wait it asked for), anything
// else is an error; in stream mode every 503 is an error.
func TestStreamRefusal(t *testing.T) {
	answer := func(status int, retryAfter []string, body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, v := range retryAfter {
				w.Header().Add("Retry-After", v)
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		})
	}
	one := []string{"1"}
	const reason = "busy: 256 responses are in flight, the server's cap; retry in a second\n"
	tests := []struct {
		name        string
		mode        string
		handler     http.Handler
		wantRefused bool
		wantWait    time.Duration
		wantErr     string // "" unless an error
	}{
		{"the server's refusal", capsMode, answer(503, one, reason), true, time.Second, ""},
		{"Retry-After 0", capsMode, answer(503, []string{"0"}, reason), true, 0, ""},
		{"Retry-After as a date", capsMode, answer(503, []string{time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}, reason), true, 0, ""},
		{"no Retry-After", capsMode, answer(503, nil, reason), false, 0, "503 without Retry-After"},
		{"two Retry-After", capsMode, answer(503, []string{"1", "2"}, reason), false, 0, "2 Retry-After headers"},
		{"Retry-After not a number", capsMode, answer(503, []string{"soon"}, reason), false, 0, `Retry-After "soon"`},
		{"no reason", capsMode, answer(503, one, ""), false, 0, "503 without a reason"},
		{"blank reason", capsMode, answer(503, one, " \n"), false, 0, "503 without a reason"},
		{"reason without its newline", capsMode, answer(503, one, "busy"), false, 0, "not one line"},
		{"two lines", capsMode, answer(503, one, "busy\nreally\n"), false, 0, "not one line"},
		{"a page, not a line", capsMode, answer(503, one, strings.Repeat("x", 600)+"\n"), false, 0, "over 512 bytes"},
		{"500 is not a refusal", capsMode, answer(500, one, reason), false, 0, "status 500"},
		{"502 is not a refusal", capsMode, answer(502, one, reason), false, 0, "status 502"},
		{"429 is not a refusal", capsMode, answer(429, one, reason), false, 0, "status 429"},
		{"stream mode: the server's refusal is an error", streamMode, answer(503, one, reason), false, 0, "status 503 Service Unavailable: busy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			client := newClient(&net.Dialer{Control: loopbackOnly}, 1, 5*time.Second)
			defer client.CloseIdleConnections()
			p := plan{config: config{mode: tc.mode, timeout: 5 * time.Second}}
			r := stream(context.Background(), client, srv.URL, p, make([]byte, 1024))
			if r.refused != tc.wantRefused {
				t.Fatalf("got refused %v (err %v); want %v", r.refused, r.err, tc.wantRefused)
			}
			if tc.wantErr == "" && r.err != nil || tc.wantErr != "" && (r.err == nil || !strings.Contains(r.err.Error(), tc.wantErr)) {
				t.Fatalf("got error %v; want one containing %q", r.err, tc.wantErr)
			}
			if tc.name == "Retry-After as a date" {
				if r.retryAfter < 59*time.Minute || r.retryAfter > time.Hour {
					t.Fatalf("got a wait of %s; want about an hour", r.retryAfter)
				}
				return
			}
			if r.retryAfter != tc.wantWait {
				t.Fatalf("got a wait of %s; want %s", r.retryAfter, tc.wantWait)
			}
		})
	}
}

// A refusal counts as refused, never as an error or a completed stream.
func TestTallyRefusedIsNotAnError(t *testing.T) {
	var tl tally
	tl.add(result{refused: true, retryAfter: time.Second, total: 2 * time.Millisecond})
	tl.add(result{refused: true, retryAfter: time.Second, total: 3 * time.Millisecond})
	tl.add(result{err: errors.New("503 without Retry-After")})
	tl.add(result{ttfb: time.Millisecond, total: 5 * time.Millisecond, bytes: 10})
	got := fmt.Sprintf("completed %d, refused %d, errors %d, bytes %d, refusal times %v, reasons %q",
		tl.completed, tl.refused, tl.errors, tl.bytes, tl.refusals, tl.reasons)
	want := `completed 1, refused 2, errors 1, bytes 10, refusal times [2ms 3ms], reasons ["503 without Retry-After"]`
	if got != want {
		t.Fatalf("got %s; want %s", got, want)
	}
}

// drive in caps mode against the real handler with a cap of 2 and 8
// clients: some refused, some completed, no error; a server that always
// refuses properly gives only refusals, and the clients back off (a few
// requests each, not thousands); one that refuses without Retry-After,
// only errors.
func TestDriveCaps(t *testing.T) {
	web := fstest.MapFS{"app.wasm": {Data: []byte("not really wasm")}}
	real, err := server.New(server.Config{Web: web, MaxRuns: 2})
	if err != nil {
		t.Fatal(err)
	}
	refuse := func(retryAfter string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			http.Error(w, "busy", http.StatusServiceUnavailable)
		})
	}
	const clients = 8
	tests := []struct {
		name          string
		handler       http.Handler
		wantCompleted bool // some streams complete
		wantRefused   bool // some requests refused
		maxRefused    int  // 0: no limit
		wantErr       string
	}{
		{"real server, cap 2", real, true, true, 0, ""},
		{"always refused, Retry-After 1: each client asks at most twice in 1.2 s", refuse("1"), false, true, 2 * clients, ""},
		{"refused without Retry-After", refuse(""), false, false, 0, "503 without Retry-After"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			const query = "rows=50&delay=20ms&per=10&pad=3"
			plans, err := config{url: srv.URL, mode: capsMode, clients: clients, maxRuns: 2, duration: time.Second, query: query, timeout: 5 * time.Second}.check()
			if err != nil {
				t.Fatal(err)
			}
			p := plans[0]
			p.duration = 1200 * time.Millisecond // long enough for a refused client to come back once
			client := newClient(&net.Dialer{Control: loopbackOnly}, p.clients, 5*time.Second)
			defer client.CloseIdleConnections()
			got, _ := drive(context.Background(), client, srv.URL+"/csv/streaming?"+query, p)
			if (got.completed > 0) != tc.wantCompleted || (got.refused > 0) != tc.wantRefused {
				t.Fatalf("got %d completed, %d refused, %d errors %q; want completed %v, refused %v",
					got.completed, got.refused, got.errors, got.reasons, tc.wantCompleted, tc.wantRefused)
			}
			if tc.maxRefused > 0 && got.refused > tc.maxRefused {
				t.Errorf("got %d refusals; want at most %d: the clients did not wait Retry-After", got.refused, tc.maxRefused)
			}
			if tc.wantErr == "" {
				if got.errors != 0 {
					t.Fatalf("got %d errors %q; want none", got.errors, got.reasons)
				}
				return
			}
			if got.errors == 0 || !strings.Contains(got.reasons[0], tc.wantErr) {
				t.Fatalf("got %d errors %q; want errors containing %q", got.errors, got.reasons, tc.wantErr)
			}
		})
	}
}

func TestNoFileSoft(t *testing.T) {
	tests := []struct {
		name            string
		cur, hard, need uint64
		want            uint64
		wantErr         string
	}{
		{"enough already: left alone", 20000, 20000, 1064, 20000, ""},
		{"exactly enough", 1064, 4096, 1064, 1064, ""},
		{"the usual 1024 soft limit: raised to the hard one", 1024, 524288, 1064, 524288, ""},
		{"hard limit too low: say how to fix it", 1024, 1024, 1064, 0, "need 1064, the hard limit is 1024"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := noFileSoft(tc.cur, tc.hard, tc.need)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %d, %v; want error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

// What each mode asserts: the caps mode also wants refusals, at least the
// cap's worth of completed streams, and the RSS under its bound.
func TestGoals(t *testing.T) {
	stream := plan{config: config{mode: streamMode, clients: 200, maxRuns: 256}, heapBound: maxHeapGrowth}
	caps := plan{config: config{mode: capsMode, clients: 1000, maxRuns: 256}, heapBound: maxHeapGrowthCaps, rssBound: maxRSSGrowthCaps}
	calm := memSummary{samples: 9, baseHeap: 1 * MiB, peakHeap: 20 * MiB, baseRSS: 20 * MiB, peakRSS: 60 * MiB}
	tests := []struct {
		name    string
		p       plan
		t       tally
		mem     memSummary
		wantErr string // "" means every goal met
	}{
		{"stream: all completed", stream, tally{completed: 3000}, calm, ""},
		{"stream: one error", stream, tally{completed: 3000, errors: 1}, calm, "1 errors (goal: 0)"},
		{"stream: heap at the bound", stream, tally{completed: 3000}, memSummary{baseHeap: MiB, peakHeap: MiB + maxHeapGrowth}, "server heap growth 32.00 MiB (goal: < 32.00 MiB)"},
		{"stream: no RSS goal", stream, tally{completed: 3000}, memSummary{peakRSS: 1 << 40}, ""},
		{"caps: refused and completed", caps, tally{completed: 2800, refused: 6000}, calm, ""},
		{"caps: refusals are not errors, errors are", caps, tally{completed: 2800, refused: 6000, errors: 2}, calm, "2 errors (goal: 0)"},
		{"caps: the cap never hit", caps, tally{completed: 2800}, calm, "no client was refused at the cap"},
		{"caps: fewer streams than the cap", caps, tally{completed: 255, refused: 10}, calm, "255 streams completed (goal: at least the cap, 256)"},
		{"caps: only refusals", caps, tally{refused: 10}, calm, "no stream completed"},
		{"caps: heap over its bound", caps, tally{completed: 2800, refused: 6000}, memSummary{peakHeap: maxHeapGrowthCaps}, "server heap growth 64.00 MiB"},
		{"caps: RSS over its bound", caps, tally{completed: 2800, refused: 6000}, memSummary{baseRSS: MiB, peakRSS: MiB + maxRSSGrowthCaps}, "server RSS growth 128.00 MiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := goals(tc.p, tc.t, tc.mem)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("got %v; want error containing %q", err, tc.wantErr)
			}
		})
	}
}
