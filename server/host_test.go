package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// askAs sends GET /clock to addr with the Host line given ("" sends an
// HTTP/1.0 request without one) and returns the status and the body.
func askAs(t *testing.T, addr, host string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if host == "" {
		io.WriteString(c, "GET /clock HTTP/1.0\r\n\r\n")
	} else {
		fmt.Fprintf(c, "GET /clock HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", host)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// startOn is startServer on a listener of the test's choosing.
func startOn(t *testing.T, ln net.Listener, cfg Config) *httptest.Server {
	t.Helper()
	cfg.Web = testWeb()
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(h)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// TestHostAllowlist: with the Host check on, a request is answered only
// when its Host names this server (a loopback name or address, a -host
// name; any port, any case, a trailing dot), and any other Host, the kind
// a DNS-rebinding page sends, gets 421 with a sentence that names it and
// the flag that would allow it.
func TestHostAllowlist(t *testing.T) {
	ts := startServer(t, Config{CheckHost: true, Hosts: []string{"Talk.Example.", "2001:db8::7"}})
	addr := ts.Listener.Addr().String()
	for _, tc := range []struct {
		host   string
		status int
	}{
		{addr, 204},
		{"localhost", 204},
		{"localhost:8000", 204},
		{"LOCALHOST.:8000", 204},
		{"app.localhost:8000", 204},
		{"127.0.0.1", 204},
		{"127.9.8.7:1", 204},
		{"[::1]:8000", 204},
		{"[::ffff:127.0.0.1]", 204},
		{"talk.example", 204},
		{"TALK.example:443", 204},
		{"[2001:DB8:0::7]:8000", 204}, // -host 2001:db8::7
		{"", 204},                     // HTTP/1.0 without a Host: no name to check
		{"evil.example", 421},
		{"evil.example:" + strings.Split(addr, ":")[1], 421},
		{"127.0.0.1.evil.example", 421},
		{"localhost.evil.example", 421},
		{"chunkscope", 421},
		{"192.0.2.99:8000", 421}, // an address, but not one the request came in on
		{"[2001:db8::1]", 421},
		{"sub.talk.example", 421},
	} {
		t.Run(tc.host, func(t *testing.T) {
			status, body := askAs(t, addr, tc.host)
			if status != tc.status {
				t.Fatalf("Host %q: %d %q; want %d", tc.host, status, body, tc.status)
			}
			if status != 421 {
				return
			}
			name := hostName(tc.host)
			for _, want := range []string{fmt.Sprintf("Host %q", tc.host), "-host " + name, "talk.example"} {
				if !strings.Contains(body, want) {
					t.Errorf("Host %q: body %q; want it to say %q", tc.host, body, want)
				}
			}
			if strings.Count(body, "\n") != 1 {
				t.Errorf("body %q: want one line", body)
			}
		})
	}
}

// TestHostListeningAddress: exposed, the address the request came in on
// is a Host the server answers to (what a phone types: http://IP:PORT/),
// and another address of the same network is not.
func TestHostListeningAddress(t *testing.T) {
	ip := firstNonLoopback(t)
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Skipf("listening on %s: %v", ip, err)
	}
	ts := startOn(t, ln, Config{CheckHost: true})
	addr := ts.Listener.Addr().String()
	if status, body := askAs(t, addr, addr); status != 204 {
		t.Errorf("Host %s (the listening address): %d %q; want 204", addr, status, body)
	}
	if status, body := askAs(t, addr, "localhost"); status != 204 {
		t.Errorf("Host localhost: %d %q; want 204", status, body)
	}
	if status, _ := askAs(t, addr, "203.0.113.9"); status != 421 {
		t.Errorf("Host 203.0.113.9: %d; want 421", status)
	}
}

// firstNonLoopback is an address of this machine beyond loopback, or skips.
func firstNonLoopback(t *testing.T) string {
	t.Helper()
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	t.Skip("no address beyond loopback on this machine")
	return ""
}

// TestHostCheckOff: without CheckHost (in-process tests), any Host is
// served, as before.
func TestHostCheckOff(t *testing.T) {
	ts := startServer(t, Config{})
	if status, body := askAs(t, ts.Listener.Addr().String(), "chunkscope"); status != 204 {
		t.Errorf("Host chunkscope, check off: %d %q; want 204", status, body)
	}
}

func TestParseHost(t *testing.T) {
	for _, tc := range []struct {
		raw, want, err string
	}{
		{"talk.example", "talk.example", ""},
		{"Talk.Example.", "talk.example", ""},
		{"192.0.2.7", "192.0.2.7", ""},
		{"[2001:db8::7]", "2001:db8::7", ""},
		{"2001:DB8:0:0::7", "2001:db8::7", ""},
		{"2001:db8::7", "2001:db8::7", ""},
		{"talk.example:8000", "", "without the port"},
		{"", "", "want a host name"},
		{"a b", "", "want a host name"},
		{"http://talk.example", "", "want a host name"},
	} {
		got, err := ParseHost(tc.raw)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("ParseHost(%q) = %q, %v; want %q, an error saying %q", tc.raw, got, err, tc.want, tc.err)
		}
	}
}
