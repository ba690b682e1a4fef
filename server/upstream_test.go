package server

import (
	"bufio"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"chunkscope/app/record"
)

// rawUpstream answers every connection with resp, byte for byte, then
// closes: an upstream whose framing and headers Go's server would not
// write (uWSGI's close-delimited body, an app's own security headers).
func rawUpstream(t *testing.T, resp string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for { // the request head
					line, err := br.ReadString('\n')
					if err != nil || line == "\r\n" {
						break
					}
				}
				io.WriteString(c, resp)
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestUpstreamHopIsGlass: what the page records of an upstream read through
// /upstream is the upstream's own status line, headers and framing — not
// the hop's chunked re-framing nor the security headers the hop adds.
func TestUpstreamHopIsGlass(t *testing.T) {
	tests := []struct {
		name, resp, framing string
		want, absent        map[string]string // headers in the record, and ones it must not have
	}{
		{
			name:    "close-delimited, like uWSGI's --http-socket",
			resp:    "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nReferrer-Policy: strict-origin\r\nConnection: close\r\n\r\nOne,Two,Three\r\n",
			framing: "close",
			want:    map[string]string{"content-type": "text/csv", "referrer-policy": "strict-origin", "connection": "close"},
			absent:  map[string]string{"transfer-encoding": "", "content-security-policy": "", "cross-origin-embedder-policy": "", "content-disposition": ""},
		},
		{
			name:    "chunked, like Gunicorn's StreamingHttpResponse",
			resp:    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/csv\r\n\r\n5\r\nHello\r\n0\r\n\r\n",
			framing: "chunked",
			want:    map[string]string{"transfer-encoding": "chunked", "content-type": "text/csv"},
			absent:  map[string]string{"content-length": "", "referrer-policy": ""},
		},
		{
			name:    "a length and the app's own policy",
			resp:    "HTTP/1.0 201 Made\r\nContent-Length: 5\r\nContent-Security-Policy: default-src 'self'\r\nContent-Disposition: attachment; filename=big.csv\r\n\r\nHello",
			framing: "content-length",
			want:    map[string]string{"content-length": "5", "content-security-policy": "default-src 'self'", "content-disposition": "attachment; filename=big.csv"},
			absent:  map[string]string{"transfer-encoding": ""},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up := rawUpstream(t, tc.resp)
			ts := startServer(t, Config{Upstreams: []string{up}})
			resp, err := http.Get(ts.URL + "/upstream?url=" + up + "/export.csv")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			fetched := map[string]string{} // as fetch() would report them
			for k, v := range resp.Header {
				fetched[strings.ToLower(k)] = strings.Join(v, ", ")
			}
			var r record.Run
			r.Respond(resp.StatusCode, fetched, 1)
			if r.Upstream == nil {
				t.Fatalf("record has no upstream head; the hop sent %v", resp.Header)
			}
			if r.Upstream.Framing != tc.framing {
				t.Errorf("upstream framing %q; want %q", r.Upstream.Framing, tc.framing)
			}
			status, _, _ := strings.Cut(strings.TrimPrefix(tc.resp, r.Upstream.Proto+" "), " ")
			if got := r.Upstream.Proto + " " + status; !strings.HasPrefix(tc.resp, got) || strconv.Itoa(r.Status) != status {
				t.Errorf("status line %q, status %d; want the upstream's, %q", got, r.Status, strings.SplitN(tc.resp, "\r\n", 2)[0])
			}
			for k, v := range tc.want {
				if got := r.Headers[k]; got != v {
					t.Errorf("record header %s = %q; want the upstream's %q", k, got, v)
				}
			}
			for k := range tc.absent {
				if got, ok := r.Headers[k]; ok {
					t.Errorf("record header %s = %q; want none (the upstream sent none)", k, got)
				}
			}
			if r.HopHeaders["content-security-policy"] != upstreamPolicy {
				t.Errorf("the hop's own headers: CSP %q; want %q kept apart", r.HopHeaders["content-security-policy"], upstreamPolicy)
			}
		})
	}
}

// TestUpstreamNeverActsHere: an upstream's page cannot run as chunkscope —
// it is served sandboxed and as an attachment, and never as a script or a
// worker, which the browser would run with this origin's rights.
func TestUpstreamNeverActsHere(t *testing.T) {
	up := rawUpstream(t, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Security-Policy: script-src *\r\nContent-Length: 54\r\n\r\n<script src=/upstream?url=http://x/evil.js></script>\r\n")
	ts := startServer(t, Config{Upstreams: []string{up}})
	tests := []struct {
		name, header, value string
		status              int
	}{
		{"a fetch (the page's read)", "Sec-Fetch-Dest", "empty", 200},
		{"a navigation", "Sec-Fetch-Dest", "document", 200},
		{"curl (no fetch metadata)", "", "", 200},
		{"a script", "Sec-Fetch-Dest", "script", 403},
		{"a frame", "Sec-Fetch-Dest", "iframe", 403},
		{"a worker", "Sec-Fetch-Dest", "worker", 403},
		{"a service worker's script", "Service-Worker", "script", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.URL+"/upstream?url="+up+"/evil.html", nil)
			if tc.header != "" {
				req.Header.Set(tc.header, tc.value)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("%d %q; want %d", resp.StatusCode, body, tc.status)
			}
			if tc.status != 200 {
				if !strings.Contains(string(body), "never served here as a") {
					t.Errorf("refusal %q; want a sentence saying why", body)
				}
				return
			}
			if got := resp.Header.Values("Content-Security-Policy"); len(got) != 1 || got[0] != upstreamPolicy {
				t.Errorf("Content-Security-Policy %q; want only %q (the upstream's own dropped)", got, upstreamPolicy)
			}
			if got := resp.Header.Get("Content-Disposition"); got != "attachment" {
				t.Errorf("Content-Disposition %q; want attachment", got)
			}
			head, _ := base64.StdEncoding.DecodeString(resp.Header.Get("X-Chunkscope-Upstream-Head"))
			if !strings.Contains(string(head), "Content-Security-Policy: script-src *") {
				t.Errorf("upstream head %q; want the upstream's own CSP kept for the record", head)
			}
		})
	}
}
