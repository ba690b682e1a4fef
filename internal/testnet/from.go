package testnet

import (
	"io"
	"net"
	"net/http"
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
