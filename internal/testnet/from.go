package testnet

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// ClientFrom is an HTTP client whose connections leave from the loopback
// address ip (any of 127.0.0.0/8 on Linux), so that a server on 127.0.0.1
// sees another client: a test's second audience member. Its idle
// connections are closed when the test ends.
func ClientFrom(t *testing.T, ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// Fetch sends req with c and returns the response (its body closed) and
// the whole body.
func Fetch(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// Tagging is a request tagged run=ID sent from one client, and what it
// must answer: a status and a part of the body.
type Tagging struct {
	Who    string // the client's address, as failures name it
	From   *http.Client
	ID     string
	Status int
	Body   string
}

// CheckTaggings sends GET url+ID for each tagging in turn and reports
// every answer that is not the one wanted.
func CheckTaggings(t *testing.T, url string, taggings []Tagging) {
	t.Helper()
	for _, tg := range taggings {
		req, err := http.NewRequest("GET", url+tg.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, body := Fetch(t, tg.From, req)
		if resp.StatusCode != tg.Status || !strings.Contains(body, tg.Body) {
			t.Errorf("%s tags %s: %d %q; want %d %q", tg.Who, tg.ID, resp.StatusCode, strings.TrimSpace(body), tg.Status, tg.Body)
		}
	}
}
