package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chunkscope/app/keep"
	"chunkscope/internal/harness"
	"chunkscope/internal/nginx"
	"chunkscope/server/probe"
)

// tlsNginx starts a real nginx with TLS (ssl http2: it offers h2 and
// http/1.1) in front of the shared server, with a self-signed certificate
// made here for 127.0.0.1, and returns its host:port and the certificate's
// PEM file.
func tlsNginx(t *testing.T) (listen, certFile string) {
	t.Helper()
	if env.base == "" {
		t.Skip("no server: run make test")
	}
	if !nginx.Installed() {
		t.Skip("nginx is not installed (apt-get install -y nginx; make test does it as root)")
	}
	certDir := t.TempDir()
	now := time.Now()
	certFile, keyFile, err := nginx.WriteCert(certDir, []string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	listen = freeLoopbackAddr(t)
	stop, err := nginx.Start(nginx.Config{Listen: listen, Upstream: strings.TrimPrefix(env.base, "http://"), Dir: t.TempDir(),
		TLS: &nginx.TLS{CertFile: certFile, KeyFile: keyFile}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return listen, certFile
}

// useFront starts another chunkscope with args and points the page (tab,
// runsAfter) at it until the test ends.
func useFront(t *testing.T, bin string, args ...string) {
	t.Helper()
	front, err := harness.Start(bin, os.Stderr, args...)
	if err != nil {
		t.Fatal(err)
	}
	saved := env.base
	env.base = front.Base
	t.Cleanup(func() { env.base = saved; front.Stop() })
}

// probeCmd runs `chunkscope probe args…` (the real binary) and returns its
// exit code and output.
func probeCmd(t *testing.T, bin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, append([]string{"probe"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running the probe: %v", err)
	}
	return code, out.String(), errOut.String()
}

// TestProbeTLS reads a stream through a real nginx over TLS with the
// chunkscope probe command: over HTTP/1.1 as nginx's chunks, over h2 as its
// DATA frames, as they came (20 rows 50 ms apart, spread over ~1 s); the
// self-signed certificate accepted with -insecure or -cacert, and refused
// without either in one sentence that names the problem and both flags.
func TestProbeTLS(t *testing.T) {
	bin := binaryAndBrowser(t)
	listen, certFile := tlsNginx(t)
	target := "https://" + listen + "/buffering-off/csv/streaming?rows=20&delay=50ms"
	for _, tc := range []struct {
		name                         string
		args                         []string
		proto, framing, alpn, certOK string
	}{
		{"-insecure -http1.1: chunks", []string{"-insecure", "-http1.1"}, "HTTP/1.1", "chunked", "http/1.1", "not checked"},
		{"-insecure: h2 by ALPN, DATA frames", []string{"-insecure"}, "HTTP/2.0", "h2-frames", "h2", "not checked"},
		{"-cacert: checked and accepted", []string{"-cacert", certFile}, "HTTP/2.0", "h2-frames", "h2", "checked"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := probeCmd(t, bin, append(append([]string{"-json"}, tc.args...), target)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			var res probe.Result
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
				t.Fatal(err)
			}
			for _, l := range lines[:len(lines)-1] {
				var e probe.Event
				if json.Unmarshal([]byte(l), &e) == nil {
					res.Events = append(res.Events, e)
				}
			}
			units := 0
			for _, e := range res.Events {
				if (e.Kind == probe.KindChunkSize && e.Size > 0) || (e.Kind == probe.KindDataFrame && e.Size > 0) {
					units++
				}
			}
			reads := probe.BodyReadTimes(res.Events)
			if res.Status != 200 || res.Proto != tc.proto || res.Framing != tc.framing || !res.Complete || res.BodyBytes != bodySize20 {
				t.Errorf("%d %s, framing %s, complete %v, %d bytes; want 200 %s, %s, complete, %d bytes", res.Status, res.Proto, res.Framing, res.Complete, res.BodyBytes, tc.proto, tc.framing, bodySize20)
			}
			if units != res.Chunks || res.Chunks < 15 || len(reads) < 15 || reads[len(reads)-1]-reads[0] < 700 {
				t.Errorf("%d units (summary %d), %d body reads over %.0f ms; want ≥ 15, spread over ≥ 700 ms: the stream as it came", units, res.Chunks, len(reads), reads[len(reads)-1]-reads[0])
			}
			if d := res.Dial; d == nil || d.ALPN != tc.alpn || d.Certificate != tc.certOK || d.TLSMs <= 0 || !strings.HasPrefix(d.TLSVersion, "TLS 1.") {
				t.Errorf("dial %+v; want ALPN %s, certificate %s, a TLS handshake timed", d, tc.alpn, tc.certOK)
			}
		})
	}
	t.Run("neither: refused in one sentence", func(t *testing.T) {
		code, _, errOut := probeCmd(t, bin, target)
		want := "chunkscope probe: probe: " + listen + " has a self-signed TLS certificate: give -cacert FILE (it, or its CA, as PEM) or -insecure to skip the check (CN=chunkscope dev certificate)\n"
		if code != 1 || errOut != want {
			t.Errorf("exit %d, stderr %q; want 1, %q", code, errOut, want)
		}
	})
}

// TestProbeFileLoads: `chunkscope probe -o run.json` of a real server's
// stream (nginx over TLS, HTTP/1.1) writes a session file that the page
// loads like a saved run: one lane whose reads are the probe's body reads,
// its wire lane nginx's chunks.
func TestProbeFileLoads(t *testing.T) {
	bin := binaryAndBrowser(t)
	listen, certFile := tlsNginx(t)
	file := filepath.Join(t.TempDir(), "run.json")
	target := "https://" + listen + "/buffering-off/csv/streaming?rows=20&delay=50ms"
	if code, _, errOut := probeCmd(t, bin, "-cacert", certFile, "-http1.1", "-o", file, target); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := keep.Decode(data)
	if err != nil || len(saved.Runs) != 1 {
		t.Fatalf("the file: %v, %d runs; want one run", err, len(saved.Runs))
	}
	want := saved.Runs[0]
	reads := len(probe.BodyReadTimes(want.Wire.Events))
	if len(want.Chunks) != reads || reads < 15 {
		t.Fatalf("the file's run has %d pieces for %d body reads; want one per read, ≥ 15", len(want.Chunks), reads)
	}

	ctx := tab(t)
	r := loadOne(t, ctx, data)
	if len(r.Chunks) != reads || r.Bytes != bodySize20 || r.Status != 200 || r.Source != "wire" || r.Wire == nil || r.Wire.Chunks != want.Wire.Chunks || r.Verdict.Kind != want.Verdict.Kind {
		t.Errorf("loaded: %d reads, %d bytes, status %d, source %s, verdict %s; want %d reads, %d bytes, 200, wire, %s", len(r.Chunks), r.Bytes, r.Status, r.Source, r.Verdict.Kind, reads, bodySize20, want.Verdict.Kind)
	}
	lanes := svgLanes(t, export(t, ctx, "svg", 1))
	if len(lanes) != 1 {
		t.Errorf("%d lanes drawn; want 1", len(lanes))
	}
	cell := eval[string](t, ctx, `(document.querySelector("#comparison") || {}).textContent || ""`)
	if !strings.Contains(cell, listen+"/buffering-off/csv/streaming") {
		t.Errorf("comparison table %q; want the lane named by the URL probed", cell)
	}
	shot(t, ctx, "probe-file-loaded.png")
}

// TestPageReadsHTTPSUpstream: the page reads an https:// upstream (nginx
// over TLS, its self-signed certificate given with -upstream-cacert)
// through the server's hop, and the wire probe reads it over TLS too: the
// lane streams, the wire lane shows nginx's h2 DATA frames as they came.
// Without -upstream-cacert the page shows the refusal's sentence.
func TestPageReadsHTTPSUpstream(t *testing.T) {
	bin := binaryAndBrowser(t)
	listen, certFile := tlsNginx(t)
	origin := "https://" + listen
	target := origin + "/buffering-off/csv/streaming?rows=20&delay=50ms"
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"-upstream-cacert", []string{"-upstream", origin, "-upstream-cacert", certFile}},
		{"neither", []string{"-upstream", origin}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			useFront(t, bin, tc.args...)
			ctx := tab(t)
			r := runsAfter(t, ctx, "/?autorun=1&wire=1&url="+url.QueryEscape(target), 1)[0]
			if tc.name == "neither" {
				shot(t, ctx, "upstream-https-refused.png")
				want := "upstream: " + listen + " has a self-signed TLS certificate: start chunkscope with -upstream-cacert FILE (it, or its CA, as PEM) or -upstream-insecure to skip the check (CN=chunkscope dev certificate)"
				if r.Status != 502 || strings.TrimSpace(r.ErrorBody) != want {
					t.Errorf("refused: %d %q; want 502 %q", r.Status, r.ErrorBody, want)
				}
				// The sentence the page shows keeps the flags (it clips a reason at 160 characters).
				if !strings.Contains(r.Verdict.Detail, "-upstream-cacert FILE (it, or its CA, as PEM) or -upstream-insecure") {
					t.Errorf("verdict %q; want it to name both flags", r.Verdict.Detail)
				}
				return
			}
			shot(t, ctx, "upstream-https.png")
			if r.Status != 200 || r.Bytes != bodySize20 || len(r.Chunks) < 15 || r.Verdict.Kind != "streamed" || r.Upstream == nil || r.Upstream.Proto != "HTTP/2.0" || r.Upstream.Framing != "h2-frames" {
				t.Errorf("page: %d, %d bytes in %d reads, %s, upstream %+v; want 200, %d bytes streamed in ≥ 15 reads, from HTTP/2.0 in h2-frames", r.Status, r.Bytes, len(r.Chunks), r.Verdict.Kind, r.Upstream, bodySize20)
			}
			w := r.Wire
			if w == nil || w.Proto != "HTTP/2.0" || w.Framing != "h2-frames" || w.Chunks < 15 || w.BodyBytes != bodySize20 || len(w.Differs) != 0 {
				t.Fatalf("wire: %+v; want nginx's h2 DATA frames, ≥ 15, %d bytes, the same response", w, bodySize20)
			}
			if d := w.Dial; d == nil || d.ALPN != "h2" || d.Certificate != "checked" || d.TLSMs <= 0 {
				t.Errorf("wire dial %+v; want ALPN h2, the certificate checked against -upstream-cacert, a handshake timed", d)
			}
			card := eval[string](t, ctx, `(document.querySelector("details.summary") || document.body).textContent`)
			if !strings.Contains(card, "HTTP/2.0 200, framing h2-frames, "+itoa(w.Chunks)+" DATA frames") || !strings.Contains(card, "wire connection (before its t = 0)connect ") {
				t.Errorf("the card does not say DATA frames and the wire's TLS handshake:\n%.3000s", card)
			}
			frames := 0
			var first, last float64
			for _, e := range w.Events {
				if e.Kind == "data-frame" && e.Size > 0 {
					if frames == 0 {
						first = e.T
					}
					frames, last = frames+1, e.T
				}
			}
			if frames != w.Chunks || last-first < 700 {
				t.Errorf("wire lane: %d DATA frames over %.0f ms; want %d over ≥ 700 ms", frames, last-first, w.Chunks)
			}
		})
	}
}
