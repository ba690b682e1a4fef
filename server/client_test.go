package server

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestClientAddr: what a connection's remote address counts as for the
// per-client cap: an IPv4 address as itself, an IPv6 address as its /64
// (one host holds a whole /64, so counting each address would give it
// millions of shares), an IPv4-mapped one as the IPv4 address.
func TestClientAddr(t *testing.T) {
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.7:5555", "192.0.2.7"},
		{"127.0.0.1:1", "127.0.0.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:ffff::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:3::1]:443", "2001:db8:1:3::/64"},
		{"[::1]:8000", "::/64"},
		{"[::ffff:192.0.2.7]:80", "192.0.2.7"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"not an address", "not an address"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if got := clientAddr(r); got != tc.want {
			t.Errorf("clientAddr of %s = %q; want %q", tc.remote, got, tc.want)
		}
	}
}

// TestForwardedClient: a hop of ours names its client with the secret;
// the server counts that client only when the secret is right, and
// otherwise the connection's own address, whatever the header claims.
func TestForwardedClient(t *testing.T) {
	s := &Server{cfg: Config{ForwardSecret: "5ec2e7"}}
	for _, tc := range []struct {
		name   string
		header []string
		want   string
	}{
		{"no header", nil, "127.0.0.1"},
		{"nginx's IPv4 client", []string{"5ec2e7 192.0.2.7"}, "192.0.2.7"},
		{"nginx's IPv6 client", []string{"5ec2e7 2001:db8::9"}, "2001:db8::/64"},
		{"a /64 from /upstream", []string{"5ec2e7 2001:db8::/64"}, "2001:db8::/64"},
		{"a wider prefix", []string{"5ec2e7 2001:db8::/32"}, "127.0.0.1"},
		{"a forged secret", []string{"guess 192.0.2.7"}, "127.0.0.1"},
		{"no secret", []string{"192.0.2.7"}, "127.0.0.1"},
		{"the secret alone", []string{"5ec2e7"}, "127.0.0.1"},
		{"a secret prefix", []string{"5ec2 192.0.2.7"}, "127.0.0.1"},
		{"not an address", []string{"5ec2e7 evil"}, "127.0.0.1"},
		{"twice", []string{"5ec2e7 192.0.2.7", "5ec2e7 192.0.2.8"}, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = "127.0.0.1:40000"
			for _, v := range tc.header {
				r.Header.Add(forwardHeader, v)
			}
			r = s.withClient(r)
			if got := clientAddr(r); got != tc.want {
				t.Errorf("client with %s %q = %q; want %q", forwardHeader, tc.header, got, tc.want)
			}
			if v := r.Header.Get(forwardHeader); v != "" {
				t.Errorf("the handler still sees %s: %q; want it taken off", forwardHeader, v)
			}
		})
	}
	off := &Server{}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:40000"
	r.Header.Set(forwardHeader, " 192.0.2.7")
	if got := clientAddr(off.withClient(r)); got != "127.0.0.1" {
		t.Errorf("without a forward secret, a header with an empty one: counted as %q; want 127.0.0.1", got)
	}
}

// TestHopsForwardClientOnlyToNginx: /upstream and the wire probe name
// their client, with the secret, to the nginx main started (so a URL
// chained back through it counts against that client), and to no other
// origin, not even when the request came through that nginx.
func TestHopsForwardClientOnlyToNginx(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{}
	record := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[name] = strings.Join(r.Header.Values(forwardHeader), "|")
			mu.Unlock()
			io.WriteString(w, "ok")
		}))
	}
	nginx, other := record("nginx"), record("other")
	defer nginx.Close()
	defer other.Close()
	ts := startServer(t, Config{ForwardSecret: "5ec2e7", Upstreams: []string{nginx.URL, other.URL}, Nginx: Nginx{Origin: nginx.URL}})
	for _, hop := range []string{"/upstream", "/wire"} {
		for _, tc := range []struct {
			name, to, header, want string
		}{
			{"to our nginx", "nginx", "", "5ec2e7 127.0.0.1"},
			{"to our nginx, forwarded by it", "nginx", "5ec2e7 192.0.2.7", "5ec2e7 192.0.2.7"},
			{"to our nginx, forged", "nginx", "guess 192.0.2.7", "5ec2e7 127.0.0.1"},
			{"to another origin", "other", "", ""},
			{"to another origin, forwarded by our nginx", "other", "5ec2e7 192.0.2.7", ""},
			{"to another origin, forged", "other", "guess 192.0.2.7", ""},
		} {
			t.Run(hop+" "+tc.name, func(t *testing.T) {
				mu.Lock()
				seen[tc.to] = "(no request)"
				mu.Unlock()
				to := map[string]string{"nginx": nginx.URL, "other": other.URL}[tc.to]
				req, _ := http.NewRequest("GET", ts.URL+hop+"?url="+to+"/x", nil)
				if tc.header != "" {
					req.Header.Set(forwardHeader, tc.header)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				got := seen[tc.to]
				mu.Unlock()
				if resp.StatusCode != 200 || got != tc.want {
					t.Errorf("%d; %s saw %s %q; want 200 and %q", resp.StatusCode, tc.to, forwardHeader, got, tc.want)
				}
			})
		}
	}
}

// TestIPv6SharesOneCap: on ::1, with a per-client cap of 1, a second
// response from the same /64 is refused with a sentence that names the
// /64 it counted.
func TestIPv6SharesOneCap(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 on loopback: %v", err)
	}
	ts := startOn(t, ln, Config{MaxPerClient: 1})
	c, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /csv/streaming?rows=100&delay=20ms HTTP/1.1\r\nHost: localhost\r\n\r\n")
	if _, err := io.ReadFull(c, make([]byte, 12)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + ts.Listener.Addr().String() + "/csv/streaming?rows=1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if status, body := resp.StatusCode, string(b); status != 503 || !strings.Contains(body, "::/64") {
		t.Errorf("a second response from ::1: %d %q; want 503 naming ::/64", status, body)
	}
}
