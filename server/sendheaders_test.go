package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	appwire "chunkscope/app/wire"
)

// TestPagesHeadersReachTheUpstream: the headers the page sets — a Cookie and
// an Accept-Encoding a fetch may not set itself, an If-None-Match, any by
// name — reach the upstream through /upstream (SendHeader, taken off on the
// way) and through the wire probe (header=); the probe's summary, which the
// record keeps, leaves the secrets' values out (Cookie, Authorization, the
// names marked secret=).
func TestPagesHeadersReachTheUpstream(t *testing.T) {
	saw := make(chan http.Header, 4)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		saw <- r.Header.Clone()
		io.WriteString(w, "cookie: "+r.Header.Get("Cookie"))
	}))
	ts := withUpstream(t, upstream)
	page := map[string]string{"Cookie": "sessionid=s3cret", "accept-encoding": "identity", "If-None-Match": `"v1"`, "X-Api-Key": "k3y"}

	req, _ := http.NewRequest("GET", ts.URL+"/upstream?url="+url.QueryEscape(upstream.URL+"/export"), nil)
	req.Header.Set(appwire.SendHeader, appwire.EncodeHeaders(page))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	got := <-saw
	if resp.StatusCode != 200 || string(body) != "cookie: sessionid=s3cret" {
		t.Errorf("/upstream: %d %q; want the upstream's answer to the page's cookie", resp.StatusCode, body)
	}
	for name, want := range map[string]string{"Cookie": "sessionid=s3cret", "Accept-Encoding": "identity", "If-None-Match": `"v1"`, "X-Api-Key": "k3y", appwire.SendHeader: ""} {
		if got.Get(name) != want {
			t.Errorf("/upstream: the upstream saw %s %q; want %q", name, got.Get(name), want)
		}
	}

	wireURL := ts.URL + "/wire?url=" + url.QueryEscape(upstream.URL+"/export") + "&secret=x-api-key"
	for name, v := range page {
		wireURL += "&header=" + url.QueryEscape(name+": "+v)
	}
	sum := wireSummaryOf(t, wireURL, nil)
	got = <-saw
	for name, want := range map[string][2]string{
		"Cookie":          {"sessionid=s3cret", appwire.LeftOut},
		"X-Api-Key":       {"k3y", appwire.LeftOut},
		"Accept-Encoding": {"identity", "identity"},
		"If-None-Match":   {`"v1"`, `"v1"`},
	} {
		if got.Get(name) != want[0] || sum.Request[name] != want[1] {
			t.Errorf("/wire: %s: the upstream saw %q, the summary says %q; want %q and %q", name, got.Get(name), sum.Request[name], want[0], want[1])
		}
	}

	for _, tc := range []struct{ value, want string }{
		{"not base64!", "X-Chunkscope-Send: not base64"},
		{appwire.EncodeHeaders(map[string]string{"Host": "evil"}), "header: Host is the connection's or the probe's own to send"},
		{appwire.EncodeHeaders(map[string]string{"X-Chunkscope-Hop": "guess"}), "header: X-Chunkscope-Hop is the connection's or the probe's own"},
		{appwire.EncodeHeaders(map[string]string{"Cookie": "a\r\nHost: evil"}), "header: Cookie: a value is one line"},
	} {
		req, _ := http.NewRequest("GET", ts.URL+"/upstream?url="+url.QueryEscape(upstream.URL+"/export"), nil)
		req.Header.Set(appwire.SendHeader, tc.value)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.HasPrefix(string(b), tc.want) || strings.Contains(string(b), "evil") && !strings.Contains(tc.want, "Host") {
			t.Errorf("%s %q: %d %q; want 400 starting %q", appwire.SendHeader, tc.value, resp.StatusCode, b, tc.want)
		}
	}
	select {
	case h := <-saw:
		t.Errorf("a refused request reached the upstream: %v", h)
	default:
	}
}
