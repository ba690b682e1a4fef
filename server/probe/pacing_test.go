package probe

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPacingLine(t *testing.T) {
	chunks := func(times ...float64) []Event {
		var evs []Event
		for _, t := range times {
			evs = append(evs, Event{T: t, Kind: KindChunkSize, Size: 43})
		}
		return append(evs, Event{T: times[len(times)-1], Kind: KindChunkSize, Size: 0}) // the last chunk
	}
	steady := []float64{}
	for i := range 2001 {
		steady = append(steady, 1+2.1*float64(i))
	}
	tests := []struct {
		name   string
		events []Event
		want   string
	}{
		{"no body", []Event{{T: 1, Kind: KindHeadersEnd}}, "pacing: no body"},
		{"Gunicorn's steady stream: one every ~2.1 ms, the first byte at once",
			chunks(steady...), "pacing: 2,001 chunks over 4200.0 ms, one every ~2.1 ms (median); largest gap 2.1 ms, after 1.0 ms"},
		{"nginx holding: 4 KiB pieces ~200 ms apart, the first after 249 ms",
			chunks(249, 450, 651, 850), "pacing: 4 chunks over 601.0 ms, one every ~201 ms (median); largest gap 249 ms, after 0.0 ms"},
		{"a sized body in one read",
			[]Event{{T: 2003, Kind: KindBody, Bytes: 86481}}, "pacing: the whole body in one of reads, at 2003.0 ms"},
		{"HTTP/2 frames",
			[]Event{{T: 1, Kind: KindDataFrame, Size: 10}, {T: 101, Kind: KindDataFrame, Size: 10}, {T: 101, Kind: KindDataFrame, Size: 0}},
			"pacing: 2 DATA frames over 100.0 ms, one every ~100 ms (median); largest gap 100 ms, after 1.0 ms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p pacing
			for _, e := range tc.events {
				p.add(e)
			}
			if got := p.line(); got != tc.want {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestH2AgainstHTTP1Server: -http2 against a server that speaks only
// HTTP/1 says so, instead of the framer's "frame too large".
func TestH2AgainstHTTP1Server(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ts.Close()
	_, err := DoH2(context.Background(), Request{URL: ts.URL + "/"}, func(Event) {})
	if err == nil || !strings.Contains(err.Error(), "answered in HTTP/1") || !strings.Contains(err.Error(), "without -http2") {
		t.Errorf("got %v; want a sentence saying the server answered in HTTP/1", err)
	}
}
