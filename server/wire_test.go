package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"chunkscope/internal/sse"
	"chunkscope/server/probe"
)

// readWire reads a /wire stream to its end.
func readWire(t *testing.T, url string) (events []probe.Event, sum probe.Result) {
	t.Helper()
	events, s := readWireAs(t, url, nil)
	return events, s.Result
}

// readWireAs reads a /wire stream to its end, its request sent with the
// given headers (and no Accept-Encoding of Go's own), and returns its
// summary whole, the request headers the probe sent included.
func readWireAs(t *testing.T, url string, header map[string]string) (events []probe.Event, sum wireSummary) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: %d %s", url, resp.StatusCode, b)
	}
	ended := false
	err = sse.Read(resp.Body, func(event, data string) (bool, error) {
		switch event {
		case "wire":
			var e probe.Event
			events = append(events, e)
			return true, json.Unmarshal([]byte(data), &events[len(events)-1])
		case "summary":
			return true, json.Unmarshal([]byte(data), &sum)
		case "end":
			ended = true
			return false, nil
		}
		return true, nil
	})
	if err != nil || !ended {
		t.Fatalf("%s: no end event (%v)", url, err)
	}
	return events, sum
}

func TestWire(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 3; i++ {
			io.WriteString(w, "piece\n")
			w.(http.Flusher).Flush()
		}
	}))
	ts := withUpstream(t, upstream)

	events, sum := readWire(t, ts.URL+"/wire?scenario=streaming&rows=5&delay=20ms")
	var sizes []string
	for _, e := range events {
		if e.Kind == probe.KindChunkSize {
			sizes = append(sizes, e.Text)
		}
	}
	if strings.Join(sizes, " ") != "1c e e e e" || sum.Framing != probe.FramingChunked || !sum.Complete || sum.BodyBytes != 84 {
		t.Errorf("chunk sizes %v, summary %+v; want 1c e e e e, chunked, complete, 84 bytes", sizes, sum.Summary)
	}
	_, sum = readWire(t, ts.URL+"/wire?scenario=http10&rows=5&delay=20ms")
	if sum.Proto != "HTTP/1.0" || sum.Framing != probe.FramingClose || sum.BodyBytes != 84 {
		t.Errorf("http10: %+v; want HTTP/1.0, framing close, 84 bytes", sum.Summary)
	}
	_, sum = readWire(t, ts.URL+"/wire?url="+upstream.URL+"/any/path%3Fx%3D1")
	if sum.Framing != probe.FramingChunked || sum.BodyBytes != 18 {
		t.Errorf("allowed upstream: %+v; want chunked, 18 bytes", sum.Summary)
	}
	resp, err := http.Get(ts.URL + "/upstream?url=" + upstream.URL + "/x")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "piece\npiece\npiece\n" {
		t.Errorf("/upstream: %d %q; want the upstream's body", resp.StatusCode, b)
	}
	// Through our own proxy, our headers are sent once, not twice.
	resp, err = http.Get(ts.URL + "/proxy/default/csv/streaming?rows=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Values("Content-Security-Policy"); len(got) != 1 {
		t.Errorf("proxied response has %d Content-Security-Policy headers; want 1", len(got))
	}

	for _, tc := range []struct{ path, want string }{
		{"/wire?scenario=nope", `scenario: "nope" is not one of`},
		{"/wire?scenario=streaming&rows=x", `rows: "x" is not a whole number`},
		{"/wire?scenario=streaming&run=r1", "run: the probe's request is not tagged"},
		{"/wire?url=http://127.0.0.1:1/", "url: http://127.0.0.1:1 is not one of the allowed upstreams"},
		{"/wire?url=https://example.com/", `url: https://example.com is not one of the allowed upstreams`},
		{"/wire?url=ftp://example.com/", `url: "ftp://example.com/" is not an http:// or https://host:port/path URL`},
		{"/wire?url=" + upstream.URL + "&rows=1", "url: give it alone"},
		{"/upstream?url=http://10.0.0.1:8000/", "url: http://10.0.0.1:8000 is not one of the allowed upstreams"},
		{"/upstream?url=" + upstream.URL + "&x=1", "url: want exactly one url parameter"},
		{"/upstream", "url: want exactly one url parameter"},
	} {
		status, body, _ := getFull(t, ts.URL+tc.path)
		if status != 400 || !strings.HasPrefix(body, tc.want) {
			t.Errorf("%s: %d %q; want 400 starting %q", tc.path, status, body, tc.want)
		}
	}
	// Without -upstream, the reason says how to allow one.
	status, body, _ := getFull(t, newTestServer(t).URL+"/wire?url="+upstream.URL+"/")
	if status != 400 || !strings.Contains(body, "start chunkscope with -upstream "+upstream.URL) {
		t.Errorf("no upstreams: %d %q; want 400 saying how to allow it", status, body)
	}
}

func TestParseUpstream(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:9000":  "http://127.0.0.1:9000",
		"http://localhost:9000/": "http://localhost:9000",
		"https://x:1":            "https://x:1",
		"https://x:1/":           "https://x:1",
		"ftp://x:1":              "",
		"http://x:1/path":        "",
		"127.0.0.1:9000":         "",
		"http://u@x:1":           "",
	} {
		got, err := ParseUpstream(raw)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ParseUpstream(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
}
