package e2e

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// from is an HTTP client whose connections leave from the loopback
// address ip (127.0.0.0/8 is all loopback on Linux): a second machine in
// the audience, as far as the server can tell.
func from(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
}

// hold starts a slow stream (10 s) at u from client and returns once its
// headers have arrived with 200; the stream is let go when the test ends.
func hold(t *testing.T, client *http.Client, u string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	resp, err := client.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("holding %s: %d %q; want 200", u, resp.StatusCode, b)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
}

// TestNginxCountsTheClient: with -nginx, the per-client cap counts the
// client nginx serves, not nginx's own 127.0.0.1 (the speaker's address):
// a client that fills its share through nginx, directly or with a URL
// chained through /upstream or the wire probe and nginx back to the
// server, gets 503 naming
// its own address, while the speaker's page and runs are still served. A
// client that forges the header nginx names its client in, to nginx or to
// the server, is counted as itself; and the header's secret never reaches
// an upstream other than that nginx.
func TestNginxCountsTheClient(t *testing.T) {
	var mu sync.Mutex
	var foreignSaw []string
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		foreignSaw = append(foreignSaw, r.Header.Values("X-Chunkscope-Client")...)
		mu.Unlock()
		io.WriteString(w, "foreign")
	}))
	defer foreign.Close()
	srv, nginx, _, _ := frontServer(t, "-max-per-client", "2", "-upstream", foreign.URL)
	slow := "/csv/streaming?rows=100&delay=100ms"
	speaker := from("127.0.0.1")
	speakerServed := func(t *testing.T, when string) {
		t.Helper()
		for _, p := range []string{"/", "/csv/streaming?rows=3"} {
			if status, body := fetch(t, speaker, srv.Base+p, nil); status != 200 {
				t.Errorf("%s: the speaker's GET %s: %d %q; want 200", when, p, status, body)
			}
		}
	}
	refusedAs := func(t *testing.T, client *http.Client, u, want string, header map[string]string) {
		t.Helper()
		status, body := fetch(t, client, u, header)
		if status != 503 || !strings.Contains(body, "your address "+want+" ") {
			t.Errorf("GET %s: %d %q; want 503 naming %s", u, status, body, want)
		}
	}

	t.Run("through nginx", func(t *testing.T) {
		a := from("127.0.0.2")
		hold(t, a, nginx+"/buffering-off"+slow)
		hold(t, a, nginx+"/buffering-on"+slow)
		refusedAs(t, a, nginx+"/buffering-off"+slow, "127.0.0.2", nil)
		speakerServed(t, "127.0.0.2's share full through nginx")
		// A forged header, to nginx or to the server: counted as itself.
		b := from("127.0.0.3")
		forged := map[string]string{"X-Chunkscope-Client": "00112233445566778899aabbccddeeff 127.0.0.9"}
		hold(t, b, nginx+"/buffering-off"+slow)
		hold(t, b, srv.Base+slow) // with the forged header below, the third is refused as 127.0.0.3
		refusedAs(t, b, nginx+"/buffering-off"+slow, "127.0.0.3", forged)
		refusedAs(t, b, srv.Base+slow, "127.0.0.3", forged)
	})

	t.Run("chained through /upstream and nginx", func(t *testing.T) {
		c := from("127.0.0.4")
		// One request, two shares of 127.0.0.4: /upstream's, and the
		// /csv/ one nginx carries back with 127.0.0.4's name.
		hold(t, c, srv.Base+"/upstream?url="+url.QueryEscape(nginx+"/buffering-off"+slow))
		refusedAs(t, c, srv.Base+slow, "127.0.0.4", nil)
		speakerServed(t, "127.0.0.4's share full through a chain")
	})

	t.Run("chained through /wire and nginx", func(t *testing.T) {
		e := from("127.0.0.6")
		// The probe's stream, and the /csv/ one nginx carries back with
		// 127.0.0.6's name.
		hold(t, e, srv.Base+"/wire?url="+url.QueryEscape(nginx+"/buffering-off"+slow))
		refusedAs(t, e, srv.Base+slow, "127.0.0.6", nil)
		speakerServed(t, "127.0.0.6's share full through a probe")
	})

	t.Run("the secret stays home", func(t *testing.T) {
		d := from("127.0.0.5")
		via := nginx + "/buffering-off/upstream?url=" + url.QueryEscape(foreign.URL+"/x")
		if status, body := fetch(t, d, via, nil); status != 200 || body != "foreign" {
			t.Fatalf("GET %s: %d %q; want the foreign upstream's 200", via, status, body)
		}
		if status, _ := fetch(t, d, srv.Base+"/upstream?url="+url.QueryEscape(foreign.URL+"/y"), map[string]string{"X-Chunkscope-Client": "guess 127.0.0.9"}); status != 200 {
			t.Fatalf("direct /upstream: %d; want 200", status)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(foreignSaw) != 0 {
			t.Errorf("the foreign upstream saw X-Chunkscope-Client %q; want nothing", foreignSaw)
		}
	})
}
