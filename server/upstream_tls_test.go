package server

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// TestHTTPSUpstream: an https:// upstream is read over TLS by the hop
// (/upstream) and by the wire probe (/wire) alike, each with the protocol
// its TLS handshake agreed on (h2 here, as a browser would get), the
// certificate checked as -upstream-cacert or -upstream-insecure say; the
// hop reports the upstream's framing as HTTP/2 DATA frames, not as a close.
// Without either, a self-signed certificate is refused in one sentence
// naming both flags.
func TestHTTPSUpstream(t *testing.T) {
	upstream := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 3; i++ {
			io.WriteString(w, "piece\n")
			w.(http.Flusher).Flush()
		}
	}))
	upstream.EnableHTTP2 = true
	upstream.TLS = &tls.Config{NextProtos: []string{"h2", "http/1.1"}}
	upstream.StartTLS()
	t.Cleanup(upstream.Close)
	roots := x509.NewCertPool()
	roots.AddCert(upstream.Certificate())
	addr := strings.TrimPrefix(upstream.URL, "https://")

	for _, tc := range []struct {
		name        string
		tls         UpstreamTLS
		certificate string // the probe's Dial.Certificate; "" when refused
	}{
		{"-upstream-cacert", UpstreamTLS{Roots: roots}, "checked"},
		{"-upstream-insecure", UpstreamTLS{Insecure: true}, "not checked"},
		{"neither", UpstreamTLS{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := New(Config{Web: fstest.MapFS{"app.wasm": {Data: []byte("wasm")}}, Upstreams: []string{upstream.URL}, UpstreamTLS: tc.tls})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(h)
			t.Cleanup(ts.Close)

			status, body, header := getFull(t, ts.URL+"/upstream?url="+upstream.URL+"/x")
			_, sum := readWire(t, ts.URL+"/wire?url="+upstream.URL+"/x")
			if tc.certificate == "" {
				// The flags come first: the page's verdict clips a reason at 160 characters.
				want := "upstream: " + addr + " has a self-signed TLS certificate: start chunkscope with -upstream-cacert FILE (it, or its CA, as PEM) or -upstream-insecure to skip the check (for example.com, *.example.com, 127.0.0.1, ::1)"
				if status != http.StatusBadGateway || strings.TrimSpace(body) != want {
					t.Errorf("/upstream: %d %q; want 502 %q", status, body, want)
				}
				if !strings.Contains(sum.Err, strings.TrimPrefix(want, "upstream: ")) || sum.Status != 0 {
					t.Errorf("/wire: status %d, err %q; want no response and the same sentence", sum.Status, sum.Err)
				}
				return
			}
			head, _ := base64.StdEncoding.DecodeString(header.Get(upstreamHeadHeader))
			if status != 200 || body != "piece\npiece\npiece\n" || header.Get(upstreamFramingHeader) != "h2-frames" || !strings.HasPrefix(string(head), "HTTP/2.0 200 OK\r\n") {
				t.Errorf("/upstream: %d %q, framing %q, head %q; want 200, the body, h2-frames, HTTP/2.0 200 OK", status, body, header.Get(upstreamFramingHeader), head)
			}
			if sum.Proto != "HTTP/2.0" || sum.Framing != "h2-frames" || sum.Chunks != 3 || sum.BodyBytes != 18 || !sum.Complete {
				t.Errorf("/wire: %+v; want HTTP/2.0, 3 DATA frames, 18 bytes, complete", sum.Summary)
			}
			if d := sum.Dial; d == nil || d.ALPN != "h2" || d.Certificate != tc.certificate || d.TLSMs <= 0 {
				t.Errorf("/wire dial: %+v; want ALPN h2, certificate %s, a handshake time", d, tc.certificate)
			}
		})
	}
}
