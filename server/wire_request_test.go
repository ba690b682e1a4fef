package server

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	appwire "chunkscope/app/wire"
)

// wireSummaryOf reads a /wire stream sent with the given request headers and
// returns its summary, the request headers included.
func wireSummaryOf(t *testing.T, u string, header map[string]string) wireSummary {
	t.Helper()
	_, sum := readWireAs(t, u, header)
	return sum
}

// withUpstream starts a server that allows upstream as its -upstream; both
// close when the test ends.
func withUpstream(t *testing.T, upstream *httptest.Server) *httptest.Server {
	t.Helper()
	t.Cleanup(upstream.Close)
	h, err := New(Config{Web: fstest.MapFS{"app.wasm": {Data: []byte("wasm")}}, Upstreams: []string{upstream.URL}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts
}

// TestWireSendsThePagesRequest: with browser=1 the probe sends the headers
// the browser sent (as /wire's own request carries them: the same browser,
// the same origin), with header= the ones the page set; so a server that
// compresses for the page compresses for the probe too — one request, one
// response. Without them, the probe asks for no encoding and gets another
// response (the bug of issue 21: 86,481 B in 2,001 chunks against the
// page's 18,224 gzip bytes).
func TestWireSendsThePagesRequest(t *testing.T) {
	saw := make(chan http.Header, 8)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		saw <- r.Header.Clone()
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			io.WriteString(zw, strings.Repeat("One,Two,Three\n", 100))
			zw.Close()
			return
		}
		io.WriteString(w, strings.Repeat("One,Two,Three\n", 100))
	}))
	ts := withUpstream(t, upstream)
	chromium := map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd", "Cookie": "sessionid=abc", "Accept-Language": "en-GB",
		"Accept": "text/event-stream", "Cache-Control": "no-cache"}
	base := ts.URL + "/wire?url=" + url.QueryEscape(upstream.URL+"/export")

	tests := []struct {
		name     string
		path     string
		header   map[string]string
		sent     map[string]string // what the upstream must have seen (and the summary says was sent)
		encoding string            // the probe's response's Content-Encoding
	}{
		{"browser=1: the browser's own headers, as it sent them", base + "&browser=1", chromium,
			map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd", "Cookie": "sessionid=abc", "Accept-Language": "en-GB", "Cache-Control": "no-cache"}, "gzip"},
		{"header=: what the page set itself", base + "&header=" + url.QueryEscape(`If-None-Match: "v1"`) + "&header=" + url.QueryEscape("accept-encoding: gzip"), nil,
			map[string]string{"If-None-Match": `"v1"`, "Accept-Encoding": "gzip"}, "gzip"},
		{"neither: the probe's bare request, another response", base, chromium, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sum := wireSummaryOf(t, tc.path, tc.header)
			got := <-saw
			for name, want := range tc.sent {
				said := want
				if name == "Cookie" {
					said = appwire.LeftOut // sent, but a secret: never kept in the record
				}
				if got.Get(name) != want || sum.Request[name] != said {
					t.Errorf("%s: the upstream saw %q, the summary says %q; want %q and %q", name, got.Get(name), sum.Request[name], want, said)
				}
			}
			if tc.sent == nil && (got.Get("Accept-Encoding") != "" || got.Get("Cookie") != "" || sum.Request != nil) {
				t.Errorf("the upstream saw %v, the summary says %v; want no page headers", got, sum.Request)
			}
			if got.Get("Accept") != "*/*" || got.Get("User-Agent") != "chunkscope-probe" {
				t.Errorf("Accept %q, User-Agent %q; want the probe's own (*/*, chunkscope-probe)", got.Get("Accept"), got.Get("User-Agent"))
			}
			if ce := strings.Join(sum.Headers["Content-Encoding"], ", "); ce != tc.encoding {
				t.Errorf("the probe's response has Content-Encoding %q; want %q", ce, tc.encoding)
			}
		})
	}

	// A scenario: the hop secret and the forwarded client are sent, never
	// reported (both carry the server's secrets).
	sum := wireSummaryOf(t, ts.URL+"/wire?scenario=gzip-streaming&rows=2&browser=1", chromium)
	_, fwd := sum.Request[forwardHeader]
	if _, ok := sum.Request[hopHeader]; ok || fwd || sum.Request["Accept-Encoding"] != "gzip, deflate, br, zstd" || sum.Headers.Get("Content-Encoding") != "gzip" {
		t.Errorf("scenario: sent %v, Content-Encoding %q; want the browser's Accept-Encoding, no hop secret, gzip", sum.Request, sum.Headers.Get("Content-Encoding"))
	}

	for _, tc := range []struct{ path, want string }{
		{base + "&header=" + url.QueryEscape("Host: evil"), "header: Host is the probe's own to send"},
		{base + "&header=" + url.QueryEscape("X-Chunkscope-Hop: guess"), "header: X-Chunkscope-Hop is the probe's own to send"},
		{base + "&header=nocolon", `header: "nocolon" is not Name: value`},
		{base + "&browser=yes", `browser: "yes": want 1`},
		{base + "&browser=1&browser=1", "browser: given 2 times"},
		{base + "&rows=1", "url: give it alone, or with header= and browser="},
		{ts.URL + "/wire?scenario=streaming&header=" + url.QueryEscape("Connection: keep-alive"), "header: Connection is the probe's own to send"},
	} {
		status, body, _ := getFull(t, tc.path)
		if status != 400 || !strings.HasPrefix(body, tc.want) {
			t.Errorf("%s: %d %q; want 400 starting %q", tc.path, status, body, tc.want)
		}
	}
}
