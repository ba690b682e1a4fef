package e2e

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"chunkscope/internal/harness"
	"chunkscope/internal/testnet"
)

// TestForgedHost: the real binary, asked for go-app's three fetched paths
// with a Host that names another listener, makes no connection to it, and
// serves its own robots.txt (and 404 for the two it has not) afterwards,
// never what the other listener would have sent.
func TestForgedHost(t *testing.T) {
	bin := os.Getenv("CHUNKSCOPE_BIN")
	if bin == "" {
		t.Skip("no binary: run make test")
	}
	srv, err := harness.Start(bin, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	other, conns := testnet.Listener(t)
	own, err := os.ReadFile("../web/robots.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path   string
		status int
		body   []byte
	}{
		{"/robots.txt", 200, own},
		{"/sitemap.xml", 404, []byte("not found: /sitemap.xml\n")},
		{"/ads.txt", 404, []byte("not found: /ads.txt\n")},
	} {
		for _, host := range []string{other, ""} {
			status, body, _ := testnet.GetAs(t, srv.Base+tc.path, host)
			if status != tc.status || body != string(tc.body) {
				t.Errorf("%s with Host %q: %d %q; want %d %q", tc.path, host, status, body, tc.status, tc.body)
			}
		}
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("the server made %d connections to the listener a forged Host named; want 0", n)
	}
}

// TestSelfUpstreamRefused: -upstream naming the server's own listener is
// refused at start with a sentence, not discovered when a chained URL has
// taken every slot.
func TestSelfUpstreamRefused(t *testing.T) {
	bin := os.Getenv("CHUNKSCOPE_BIN")
	if bin == "" {
		t.Skip("no binary: run make test")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	for _, up := range []string{"http://" + addr, "http://localhost:" + strings.Split(addr, ":")[1]} {
		cmd := exec.Command(bin, "-addr", addr, "-upstream", up)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(out.String(), "is this server's own listener") {
				t.Errorf("-upstream %s: exit %v, %q; want a refusal naming its own listener", up, err, out.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Errorf("-upstream %s: still running after 10 s; want a refusal at start (%s)", up, out.String())
		}
	}
}
