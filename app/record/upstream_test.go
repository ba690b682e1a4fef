package record

import (
	"strings"
	"testing"
)

// TestLabelKeepsTheHost: an upstream's lane is labelled by its host and
// path, whatever the scheme: two https lanes of different hosts must not
// both read "https://…".
func TestLabelKeepsTheHost(t *testing.T) {
	tests := []struct{ url, want string }{
		{"http://127.0.0.1:9000/download_csv_streaming?rows=20", "127.0.0.1:9000/download_csv_streaming"},
		{"https://www.google.com/gen_204?ee,d,csi", "www.google.com/gen_204"},
		{"https://shop.example/export.csv#x", "shop.example/export.csv"},
	}
	for _, tc := range tests {
		r := &Run{Scenario: Upstream, Params: map[string]string{"url": tc.url}}
		if got := r.Label(); got != tc.want {
			t.Errorf("Label(%s) = %q; want %q", tc.url, got, tc.want)
		}
	}
}

// TestRespondTakesTheUpstreamsHead: a response from chunkscope's /upstream
// hop is recorded with the upstream's own status, headers and framing, the
// hop's headers apart; a malformed head leaves the response as it came.
func TestRespondTakesTheUpstreamsHead(t *testing.T) {
	const head = "SFRUUC8xLjEgMjAxIE1hZGUNClJlZmVycmVyLVBvbGljeTogc3RyaWN0LW9yaWdpbg0KWC1BOiAxDQpYLUE6IDINCg==" // "HTTP/1.1 201 Made", Referrer-Policy: strict-origin, X-A: 1, X-A: 2
	var r Run
	r.Respond(200, map[string]string{"Referrer-Policy": "no-referrer", UpstreamHeadHeader: head, UpstreamFramingHeader: "close"}, 3)
	if r.Status != 201 || r.Upstream == nil || r.Upstream.Framing != "close" || r.Upstream.StatusText != "Made" {
		t.Fatalf("status %d, upstream %+v; want 201 Made, framing close", r.Status, r.Upstream)
	}
	if r.Headers["referrer-policy"] != "strict-origin" || r.Headers["x-a"] != "1, 2" || r.HopHeaders["referrer-policy"] != "no-referrer" {
		t.Errorf("headers %v, hop's %v; want the upstream's (repeats joined as fetch joins them), the hop's apart", r.Headers, r.HopHeaders)
	}
	var bad Run
	bad.Respond(200, map[string]string{UpstreamHeadHeader: "not base64!", UpstreamFramingHeader: "close"}, 3)
	if bad.Upstream != nil || bad.Status != 200 {
		t.Errorf("a malformed head: status %d, upstream %+v; want the response as it came", bad.Status, bad.Upstream)
	}
}

// TestRespondTakesAnH2UpstreamsHead: an https:// upstream that agreed to
// h2 with the hop is recorded as HTTP/2.0 framed in DATA frames, not taken
// as the hop's own response.
func TestRespondTakesAnH2UpstreamsHead(t *testing.T) {
	const head = "SFRUUC8yLjAgMjAwIE9LDQpDb250ZW50LVR5cGU6IHRleHQvY3N2DQo=" // "HTTP/2.0 200 OK", Content-Type: text/csv
	var r Run
	r.Respond(200, map[string]string{UpstreamHeadHeader: head, UpstreamFramingHeader: "h2-frames"}, 3)
	if r.Upstream == nil || r.Upstream.Proto != "HTTP/2.0" || r.Upstream.Framing != "h2-frames" || r.Headers["content-type"] != "text/csv" {
		t.Errorf("upstream %+v, headers %v; want HTTP/2.0, h2-frames, the upstream's headers", r.Upstream, r.Headers)
	}
}

// TestVerdictNamesAnH2Upstream: a body an upstream sent the hop in HTTP/2
// DATA frames is not said to lack framing.
func TestVerdictNamesAnH2Upstream(t *testing.T) {
	r := New(Plan{ID: "r", Scenario: Upstream, Params: map[string]string{"url": "https://127.0.0.1:8443/x"}})
	r.Respond(200, map[string]string{UpstreamHeadHeader: "SFRUUC8yLjAgMjAwIE9LDQpDb250ZW50LVR5cGU6IHRleHQvY3N2DQo=", UpstreamFramingHeader: "h2-frames"}, 3)
	r.Progress([]Chunk{{T: 5, N: 10}, {T: 300, N: 10}, {T: 600, N: 10}}, nil, nil, 600)
	r.Finish(End{TotalMs: 601})
	if d := r.Verdict.Detail; !strings.Contains(d, "the upstream answered the hop in HTTP/2, which has no chunked encoding: its body came in DATA frames") {
		t.Errorf("verdict %q; want it to say the upstream's HTTP/2 DATA frames", d)
	}
}
