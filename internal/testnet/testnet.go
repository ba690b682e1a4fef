// Package testnet has the network fixtures the tests share.
package testnet

import (
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
)

// Listener is a loopback listener that counts the connections made to it
// and answers each with a script served as JavaScript: the address a forged
// Host header names, which must see no connection at all.
func Listener(t *testing.T) (addr string, conns *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns = new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/javascript\r\nContent-Length: 11\r\n\r\nalert('xss')")
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), conns
}

// GetAs sends GET url with the Host header set to host ("" leaves it
// alone) and returns the status, the body and the Content-Type.
func GetAs(t *testing.T, url, host string) (status int, body, contentType string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	resp, b := Fetch(t, http.DefaultClient, req)
	return resp.StatusCode, b, resp.Header.Get("Content-Type")
}
