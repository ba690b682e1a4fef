package probe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// h2cServer starts a server that speaks cleartext HTTP/2 (and HTTP/1).
func h2cServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	ts.Config.Protocols = &p
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

func TestDoH2(t *testing.T) {
	ts := h2cServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			http.Error(w, "want HTTP/2", http.StatusHTTPVersionNotSupported)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; i < 4; i++ {
			io.WriteString(w, "piece\n")
			w.(http.Flusher).Flush()
			time.Sleep(10 * time.Millisecond)
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := DoH2(ctx, Request{URL: ts.URL + "/x?y=1", Header: map[string]string{"X-Test": "1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.Proto != "HTTP/2.0" || res.Framing != FramingH2 || res.Chunks != 4 || res.BodyBytes != 24 || !res.Complete {
		t.Fatalf("got %+v; want 200 HTTP/2.0, 4 DATA frames, 24 bytes, complete", res.Summary)
	}
	if res.Headers.Get("Content-Type") != "text/plain" || res.TTFBMs <= 0 || res.TotalMs < res.TTFBMs+20 {
		t.Errorf("content-type %q, ttfb %.1f, total %.1f; want text/plain and the frames 10 ms apart", res.Headers.Get("Content-Type"), res.TTFBMs, res.TotalMs)
	}
	if got := len(BodyReadTimes(res.Events)); got != 4 {
		t.Errorf("%d body reads; want 4", got)
	}

	var out, errb bytes.Buffer
	if code := Main([]string{"-http2", ts.URL + "/"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "framing h2-frames, 4 DATA frames") {
		t.Errorf("probe -http2: exit %d, %q %q", code, out.String(), errb.String())
	}
	if code := Main([]string{"-http2", "-http1.0", ts.URL + "/"}, &out, &errb); code != 2 {
		t.Errorf("-http2 -http1.0: exit %d; want 2", code)
	}
}

// TestDoH2MaxEvents: DoH2 keeps events as Do does, MaxEvents below the
// default included, and counts those it drops.
func TestDoH2MaxEvents(t *testing.T) {
	ts := h2cServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "one")
		w.(http.Flusher).Flush()
		io.WriteString(w, "two")
	})
	tests := []struct {
		name      string
		maxEvents int
		keepAll   bool // else keep MaxEvents, or none if negative
	}{
		{"zero keeps them all (up to DefaultMaxEvents)", 0, true},
		{"three keeps the first three, counts the rest dropped", 3, false},
		{"negative keeps none, counts none dropped", -1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var all []Event
			res, err := DoH2(ctx, Request{URL: ts.URL + "/", MaxEvents: tc.maxEvents}, func(e Event) { all = append(all, e) })
			if err != nil {
				t.Fatalf("DoH2: %v", err)
			}
			wantKept, wantDropped := len(all), 0
			switch {
			case tc.maxEvents < 0:
				wantKept = 0
			case !tc.keepAll:
				wantKept, wantDropped = tc.maxEvents, len(all)-tc.maxEvents
			}
			if len(all) <= 3 {
				t.Fatalf("onEvent saw %d events; want more than 3 for this test to mean anything", len(all))
			}
			if len(res.Events) != wantKept || res.Dropped != wantDropped {
				t.Errorf("kept %d, dropped %d of %d events; want %d kept, %d dropped", len(res.Events), res.Dropped, len(all), wantKept, wantDropped)
			}
			if got, want := fmt.Sprint(res.Events), fmt.Sprint(all[:wantKept]); got != want {
				t.Errorf("kept %s; want the first %d seen, %s", got, wantKept, want)
			}
		})
	}
}
