package probe

import (
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chunkscope/app/keep"
	"chunkscope/internal/nginx"
)

// tlsServer serves csvStream over TLS, offering h2 and http/1.1, with the
// given certificate (nil: httptest's own, self-signed, for 127.0.0.1, ::1
// and example.com). It returns the server and a PEM file of its
// certificate.
func tlsServer(t *testing.T, cert *tls.Certificate) (*httptest.Server, string) {
	t.Helper()
	ts := httptest.NewUnstartedServer(http.HandlerFunc(csvStream))
	ts.EnableHTTP2 = true
	ts.TLS = &tls.Config{NextProtos: []string{"h2", "http/1.1"}} // as nginx and Caddy offer them
	if cert != nil {
		ts.TLS.Certificates = []tls.Certificate{*cert}
	}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	file := filepath.Join(t.TempDir(), "server.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return ts, file
}

// lastResult runs the probe with -json and decodes its summary line.
func lastResult(t *testing.T, args ...string) (int, Result, string) {
	t.Helper()
	code, out, errOut := runMain(append([]string{"-json"}, args...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var res Result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("summary line %q: %v", lines[len(lines)-1], err)
	}
	return code, res, errOut
}

// TestProbeOverTLS: an https:// URL is read over TLS, with the protocol
// the handshake agreed on (h2 when the server offers it) or the one
// forced; the certificate is checked unless told not to; the handshake's
// time is given apart from ttfb.
func TestProbeOverTLS(t *testing.T) {
	ts, pemFile := tlsServer(t, nil)
	for _, tc := range []struct {
		name                  string
		args                  []string
		proto, framing, alpn  string
		chunks                int
		certificate, tlsMatch string
	}{
		{"default offers h2 and takes it", []string{"-insecure"}, "HTTP/2.0", "h2-frames", "h2", 3, "not checked", "TLS 1.3"},
		{"-http1.1 offers only http/1.1", []string{"-insecure", "-http1.1"}, "HTTP/1.1", "chunked", "http/1.1", 3, "not checked", "TLS 1.3"},
		{"-http2 offers only h2", []string{"-insecure", "-http2"}, "HTTP/2.0", "h2-frames", "h2", 3, "not checked", "TLS 1.3"},
		{"-cacert checks it against the file", []string{"-cacert", pemFile}, "HTTP/2.0", "h2-frames", "h2", 3, "checked", "TLS 1.3"},
		{"-http1.0 offers nothing and sends 1.0", []string{"-insecure", "-http1.0"}, "HTTP/1.0", "close", "", 0, "not checked", "TLS 1.3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, res, errOut := lastResult(t, append(tc.args, ts.URL+"/csv")...)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q; want 0 and nothing", code, errOut)
			}
			if res.Proto != tc.proto || res.Framing != tc.framing || res.Chunks != tc.chunks || res.BodyBytes != 57 || !res.Complete {
				t.Errorf("got %s %s, %d chunks, %d bytes, complete %v; want %s %s, %d chunks, 57 bytes, complete",
					res.Proto, res.Framing, res.Chunks, res.BodyBytes, res.Complete, tc.proto, tc.framing, tc.chunks)
			}
			d := res.Dial
			if d == nil || d.ALPN != tc.alpn || d.Certificate != tc.certificate || d.TLSVersion != tc.tlsMatch || d.TLSMs <= 0 || d.ConnectMs <= 0 || d.T0EpochMs <= 0 {
				t.Errorf("dial %+v; want ALPN %q, certificate %q, %s, a handshake and a connect time, t0", d, tc.alpn, tc.certificate, tc.tlsMatch)
			}
			if res.TTFBMs <= 0 {
				t.Errorf("ttfb %v; want it measured from t = 0, after the handshake", res.TTFBMs)
			}
		})
	}
}

// TestProbeTextSaysHowItConnected: the text output ends with the connect
// and the handshake, apart from ttfb.
func TestProbeTextSaysHowItConnected(t *testing.T) {
	ts, _ := tlsServer(t, nil)
	code, out, _ := runMain("-insecure", ts.URL+"/csv")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"status 200 HTTP/2.0, ttfb ", "framing h2-frames, 3 DATA frames", "\nconnection: connect ", " ms, then TLS 1.3 handshake ", " ms (ALPN h2, certificate not checked), both before t = 0 ("} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestProbeRefusesCertificates: a certificate that cannot be checked is
// refused, in one sentence naming the problem and the flag that would
// accept it.
func TestProbeRefusesCertificates(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	certFile, keyFile, err := nginx.WriteCert(dir, []string{"127.0.0.1"}, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	expired, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	own, ownPEM := tlsServer(t, nil)
	old, oldPEM := tlsServer(t, &expired)
	localhost := strings.Replace(own.URL, "127.0.0.1", "localhost", 1)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"self-signed", []string{own.URL}, "probe: 127.0.0.1:" + port(own.URL) + " has a self-signed TLS certificate: give -cacert FILE (it, or its CA, as PEM) or -insecure to skip the check (for example.com, *.example.com, 127.0.0.1, ::1)\n"},
		{"expired", []string{"-cacert", oldPEM, old.URL}, " has an expired TLS certificate: renew it, or give -insecure to skip the check (it expired on " + now.Add(-24*time.Hour).UTC().Format(time.RFC3339) + "; CN=chunkscope dev certificate)\n"},
		{"another name", []string{"-cacert", ownPEM, localhost + "/csv"}, "probe: localhost:" + port(own.URL) + " has a TLS certificate for example.com, *.example.com, 127.0.0.1, ::1, not localhost: use one of its names, or give -insecure to skip the check\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runMain(tc.args...)
			if code != 1 || !strings.Contains(errOut, tc.want) || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Errorf("exit %d, stderr %q (stdout %q); want 1 and one line with %q", code, errOut, out, tc.want)
			}
		})
	}
}

func port(u string) string { return u[strings.LastIndex(u, ":")+1:] }

// TestProbeRunFile: -o writes a session file the page's decoder loads:
// one probe-only run whose pieces are the reads that carried the body.
func TestProbeRunFile(t *testing.T) {
	ts, _ := tlsServer(t, nil)
	file := filepath.Join(t.TempDir(), "run.json")
	code, _, errOut := runMain("-insecure", "-http1.1", "-o", file, "-H", "Cookie: session=secret", ts.URL+"/csv")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "secret") {
		t.Errorf("the file holds the cookie's value:\n%s", data)
	}
	l, err := keep.Decode(data)
	if err != nil {
		t.Fatalf("keep.Decode: %v", err)
	}
	if len(l.Runs) != 1 {
		t.Fatalf("%d runs; want 1", len(l.Runs))
	}
	r := l.Runs[0]
	reads := len(BodyReadTimes(r.Wire.Events))
	if r.Source != "wire" || r.Scenario != "upstream" || r.Status != 200 || r.Bytes != 57 || len(r.Chunks) != reads || r.Wire.Framing != "chunked" || r.Wire.Chunks != 3 || !r.Done {
		t.Errorf("run: %s %s %d, %d bytes in %d pieces (%d body reads), wire %s %d chunks, done %v; want a wire run of upstream, 200, 57 bytes, a piece per body read, chunked in 3",
			r.Source, r.Scenario, r.Status, r.Bytes, len(r.Chunks), reads, r.Wire.Framing, r.Wire.Chunks, r.Done)
	}
	if d := r.Wire.Dial; d == nil || d.TLSMs <= 0 || d.ALPN != "http/1.1" {
		t.Errorf("the file's wire dial %+v; want the handshake kept, ALPN http/1.1", d)
	}
	if r.Wire.Request["Cookie"] != LeftOut || r.T0EpochMs <= 0 {
		t.Errorf("request %v, t0 %v; want the cookie left out and t0 on the wall clock", r.Wire.Request, r.T0EpochMs)
	}
}

// TestProbeH2RefusedByServer: -http2 to an https server that speaks only
// HTTP/1.1 says so in one sentence, whether the server refuses the
// handshake (Go, and OpenSSL servers that insist) or picks no protocol.
func TestProbeH2RefusedByServer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		protos []string
		why    string
	}{
		{"refuses the handshake", []string{"http/1.1"}, "it refused ALPN h2"},
		{"picks no protocol", []string{}, "in the handshake it chose no protocol, not h2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewUnstartedServer(http.HandlerFunc(csvStream))
			ts.TLS = &tls.Config{NextProtos: tc.protos}
			ts.StartTLS()
			defer ts.Close()
			code, _, errOut := runMain("-insecure", "-http2", ts.URL+"/csv")
			want := "probe: " + strings.TrimPrefix(ts.URL, "https://") + " does not speak HTTP/2 over TLS (" + tc.why + "): probe it over HTTP/1.1 (-http1.1, or no flag)\n"
			if code != 1 || !strings.HasSuffix(errOut, want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, want)
			}
		})
	}
}
