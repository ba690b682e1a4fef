package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	appwire "chunkscope/app/wire"
	"chunkscope/internal/sse"
)

// readEvents reads /events?run=id to its end and returns the samples.
func readEvents(t *testing.T, ts *httptest.Server, id, lastEventID string) []Sample {
	t.Helper()
	samples, _ := readLogs(t, ts, id, lastEventID)
	return samples
}

// readLogs reads /events?run=id to its end and returns the samples and the
// sends.
func readLogs(t *testing.T, ts *httptest.Server, id, lastEventID string) ([]Sample, []appwire.Send) {
	t.Helper()
	return readStream(t, ts, "/events?run="+id, lastEventID, nil, nil)
}

// readStream reads an /events stream (path and query) to its end and
// returns its samples and sends (one by one or batched). opened, if not
// nil, is called once the stream is up; each before every event.
func readStream(t *testing.T, ts *httptest.Server, path, lastEventID string, opened, each func()) ([]Sample, []appwire.Send) {
	t.Helper()
	req, err := http.NewRequest("GET", ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("events: status %d, %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	if opened != nil {
		opened()
	}
	var samples []Sample
	var sends []appwire.Send
	ended := false
	err = sse.Read(resp.Body, func(event, data string) (bool, error) {
		if each != nil {
			each()
		}
		switch event {
		case "sample":
			var s Sample
			if err := json.Unmarshal([]byte(data), &s); err != nil {
				return false, err
			}
			samples = append(samples, s)
		case "sent", "sends":
			if event == "sent" {
				data = "[" + data + "]"
			}
			var s []appwire.Send
			if err := json.Unmarshal([]byte(data), &s); err != nil {
				return false, err
			}
			sends = append(sends, s...)
		case "end":
			ended = true
			return false, nil
		}
		return true, nil
	})
	if err != nil || !ended {
		t.Fatalf("events ended without an end event after %d samples (%v)", len(samples), err)
	}
	return samples, sends
}

func peakGrowth(samples []Sample) int64 {
	var peak int64
	for _, s := range samples {
		peak = max(peak, int64(s.Heap)-int64(samples[0].Heap))
	}
	return peak
}

// TestServerMemory is the seed's central claim, measured: a buffered
// response holds the whole body, a streamed one only the piece in flight.
func TestServerMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 512 MiB")
	}
	ts := newTestServer(t)
	// 262,144 rows of 1,024 bytes (pad 1005 + "Hello,world,", a 6-digit
	// number and a newline, for most rows): about 256 MiB.
	const body = "rows=262144&pad=1005&per=64"
	tests := []struct {
		scenario string
		check    func(growth int64) bool
		want     string
	}{
		{"streaming", func(g int64) bool { return g < 4<<20 }, "< 4 MiB"},
		{"buffered", func(g int64) bool { return g >= 200<<20 }, "≥ 200 MiB"},
	}
	for i, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			runtime.GC() // start both from a swept heap
			id := fmt.Sprintf("mem-%d", i)
			resp, err := http.Get(ts.URL + "/csv/" + tc.scenario + "?" + body + "&run=" + id)
			if err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil || n < 256<<20-4<<20 {
				t.Fatalf("read %d bytes, %v; want about 256 MiB", n, err)
			}
			samples := readEvents(t, ts, id, "")
			if len(samples) < 2 {
				t.Fatalf("%d samples; want a baseline, samples while sending, and a last one", len(samples))
			}
			for j := 1; j < len(samples); j++ {
				if samples[j].T < samples[j-1].T {
					t.Fatalf("sample %d at %.1f ms is before sample %d at %.1f ms", j, samples[j].T, j-1, samples[j-1].T)
				}
			}
			if samples[0].RSS == 0 || samples[0].Goroutines == 0 || samples[0].HeapTotal < samples[0].Heap {
				t.Errorf("baseline sample %+v lacks RSS, goroutines or a consistent heap total", samples[0])
			}
			if g := peakGrowth(samples); !tc.check(g) {
				t.Errorf("peak heap growth %.1f MiB over %d samples; want %s", float64(g)/(1<<20), len(samples), tc.want)
			} else {
				t.Logf("peak heap growth %.2f MiB over %d samples", float64(g)/(1<<20), len(samples))
			}
		})
	}
}

func TestEvents(t *testing.T) {
	ts := newTestServer(t)
	get(t, ts.URL+"/csv/streaming?rows=5&delay=30ms&run=ev-1")
	all := readEvents(t, ts, "ev-1", "")
	// 5 groups of 30 ms sampled every 10 ms, plus the first and last samples.
	if len(all) < 8 {
		t.Fatalf("%d samples over a 150 ms run; want ≥ 8", len(all))
	}
	// A reconnecting EventSource resumes after the last id it saw.
	rest := readEvents(t, ts, "ev-1", "2")
	if len(rest) != len(all)-3 || rest[0] != all[3] {
		t.Errorf("after Last-Event-ID 2: %d samples starting %+v; want %d starting %+v", len(rest), rest[0], len(all)-3, all[3])
	}

	// An id is used once: samples of two runs must never mix.
	resp, err := http.Get(ts.URL + "/csv/buffered?rows=1&run=ev-1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.HasPrefix(string(b), `run: "ev-1" was already used`) {
		t.Errorf("reused id: %d %q; want 400 saying it was already used", resp.StatusCode, b)
	}

	for _, tc := range []struct{ query, lastID, want string }{
		{"", "", "run: want exactly one run id"},
		{"run=a&run=b", "", "run: want exactly one run id"},
		{"run=a%20b", "", "run: "},
		{"run=x&rows=1", "", "rows: unknown parameter (known: run, batch, every)"},
		{"run=ev-1", "soon", `Last-Event-ID: "soon" is not an event id of this stream`},
		{"run=ev-1", "-1", `Last-Event-ID: "-1" is not`},
		{"run=ev-1", "1.-1", `Last-Event-ID: "1.-1" is not`},
		{"run=ev-1", "1.2.3", `Last-Event-ID: "1.2.3" is not`},
	} {
		req, _ := http.NewRequest("GET", ts.URL+"/events?"+tc.query, nil)
		if tc.lastID != "" {
			req.Header.Set("Last-Event-ID", tc.lastID)
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.HasPrefix(string(b), tc.want) {
			t.Errorf("/events?%s: %d %q; want 400 starting %q", tc.query, resp.StatusCode, b, tc.want)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	ts := newTestServer(t)
	for _, path := range []string{"/", "/app.js", "/web/chunkscope.js", "/web/nope", "/csv/streaming?rows=1", "/csv/buffered?rows=x", "/events?run=a&x=1", "/clock"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		for name, want := range map[string]string{
			"Cross-Origin-Opener-Policy":   "same-origin",
			"Cross-Origin-Embedder-Policy": "require-corp",
			"Cross-Origin-Resource-Policy": "same-origin",
			"X-Content-Type-Options":       "nosniff",
			"Referrer-Policy":              "no-referrer",
			"Content-Security-Policy":      contentSecurityPolicy,
		} {
			if got := resp.Header.Get(name); got != want {
				t.Errorf("%s: %s = %q; want %q", path, name, got, want)
			}
		}
	}
}
