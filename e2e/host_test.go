package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"chunkscope/internal/harness"
)

// TestHostRefused: the real binary answers only to a Host that names it,
// so a DNS-rebinding page (whose name now points at 127.0.0.1) cannot read
// it as its own origin: a loopback name or address is served, any other
// Host gets 421 and one line naming it and the -host flag that would allow
// it; -host NAME allows NAME. The server's own hops (/proxy/, the wire
// probe) and talk mode's embed pages, which carry the server's own Host,
// still work.
func TestHostRefused(t *testing.T) {
	bin := binary(t)
	srv, err := harness.Start(bin, os.Stderr, "-host", "talk.example")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	port := srv.Base[strings.LastIndexByte(srv.Base, ':')+1:]
	for _, tc := range []struct {
		path, host string
		status     int
		body       string // a part of it
	}{
		{"/", "", 200, ""},
		{"/", "localhost:" + port, 200, ""},
		{"/", "127.0.0.1:" + port, 200, ""},
		{"/", "talk.example:" + port, 200, ""},
		{"/", "rebind.example:" + port, 421, `Host "rebind.example:` + port + `" is not a name this server answers to`},
		{"/upstream?url=http://127.0.0.1:1/", "rebind.example", 421, "start chunkscope with -host rebind.example to allow it"},
		{"/csv/streaming?rows=3", "evil.example", 421, "(localhost, loopback addresses, the address it listens on, talk.example)"},
		{"/proxy/flush/csv/streaming?rows=3", "", 200, "Hello,world,3"},
		{"/wire?scenario=streaming&rows=3", "", 200, `"status":200`},
		{"/talk?embed=1", "", 200, ""},
	} {
		status, body := fetch(t, http.DefaultClient, srv.Base+tc.path, map[string]string{"Host": tc.host})
		if status != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("GET %s with Host %q: %d %.200q; want %d and %q", tc.path, tc.host, status, body, tc.status, tc.body)
		}
		if status == 421 && strings.Count(body, "\n") != 1 {
			t.Errorf("GET %s with Host %q: %q; want one line", tc.path, tc.host, body)
		}
	}
	// A -host with a port is one line, exit 2.
	out, err := exec.Command(bin, "-host", "talk.example:8000").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 || !strings.Contains(string(out), "without the port") {
		t.Errorf("chunkscope -host talk.example:8000: %v, %q; want exit 2 and one line saying to drop the port", err, out)
	}
}

// binary is the real binary, for a test that starts servers of its own
// and needs no browser; without it the test is skipped.
func binary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("CHUNKSCOPE_BIN")
	if bin == "" {
		t.Skip("no binary: run make test")
	}
	return bin
}

// TestHostIPv6Loopback: listening on ::1, the server answers to its
// bracketed address and refuses a foreign name.
func TestHostIPv6Loopback(t *testing.T) {
	bin := binary(t)
	srv, err := harness.Start(bin, os.Stderr, "-addr", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 on loopback? %v", err)
	}
	defer srv.Stop()
	if status, body := fetch(t, http.DefaultClient, srv.Base+"/csv/streaming?rows=1", nil); status != 200 {
		t.Errorf("GET %s with its own Host: %d %q; want 200", srv.Base, status, body)
	}
	if status, _ := fetch(t, http.DefaultClient, srv.Base+"/", map[string]string{"Host": "rebind.example"}); status != 421 {
		t.Errorf("GET %s with Host rebind.example: %d; want 421", srv.Base, status)
	}
}
