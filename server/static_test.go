package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func TestStaticFiles(t *testing.T) {
	h, err := New(Config{Web: fstest.MapFS{
		"app.wasm":    {Data: []byte("raw wasm bytes")},
		"app.wasm.br": {Data: []byte("br")},
		"app.wasm.gz": {Data: []byte("gz")},
		"app.css":     {Data: []byte("body{}")},
		"sub/x.txt":   {Data: []byte("x")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	defer ts.Close()
	get := func(path, acceptEncoding, ifNoneMatch string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Accept-Encoding", acceptEncoding) // set even when empty: no transparent gzip
		if ifNoneMatch != "" {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	tests := []struct {
		path, acceptEncoding string
		status               int
		body, encoding       string
		ctype                string
	}{
		{"/web/app.wasm", "gzip, deflate, br", 200, "br", "br", "application/wasm"},
		{"/web/app.wasm", "gzip", 200, "gz", "gzip", "application/wasm"},
		{"/web/app.wasm", "br;q=0, gzip;q=0.5", 200, "gz", "gzip", "application/wasm"},
		{"/web/app.wasm", "identity", 200, "raw wasm bytes", "", "application/wasm"},
		{"/web/app.wasm", "", 200, "raw wasm bytes", "", "application/wasm"},
		{"/app.wasm", "br", 200, "br", "br", "application/wasm"}, // go-app's alias
		{"/web/app.css", "br", 200, "body{}", "", "text/css; charset=utf-8"},
		{"/web/sub", "", 404, "not found: /web/sub\n", "", "text/plain; charset=utf-8"},
		{"/web/sub/", "", 404, "not found: /web/sub\n", "", "text/plain; charset=utf-8"},
		{"/web/", "", 404, "not found: /web/\n", "", "text/plain; charset=utf-8"},
	}
	etags := map[string]string{}
	for _, tc := range tests {
		t.Run(tc.path+" "+tc.acceptEncoding, func(t *testing.T) {
			resp, body := get(tc.path, tc.acceptEncoding, "")
			if resp.StatusCode != tc.status || body != tc.body {
				t.Fatalf("got %d %q; want %d %q", resp.StatusCode, body, tc.status, tc.body)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tc.encoding {
				t.Errorf("Content-Encoding = %q; want %q", got, tc.encoding)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type = %q; want %q", got, tc.ctype)
			}
			if tc.status != 200 {
				return
			}
			etag := resp.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			if prev, ok := etags[tc.encoding+tc.path]; ok && prev != etag {
				t.Errorf("ETag %s; the same representation had %s", etag, prev)
			}
			etags[tc.encoding+tc.path] = etag
			if tc.path == "/web/app.wasm" {
				if resp.Header.Get("Vary") != "Accept-Encoding" {
					t.Errorf("Vary = %q; want Accept-Encoding", resp.Header.Get("Vary"))
				}
				if tc.encoding != "" && resp.Header.Get(wasmLengthHeader) != "14" {
					t.Errorf("%s = %q; want the raw size 14", wasmLengthHeader, resp.Header.Get(wasmLengthHeader))
				}
			}
			// A reload is a 304 with no body.
			again, body := get(tc.path, tc.acceptEncoding, etag)
			if again.StatusCode != 304 || body != "" {
				t.Errorf("with If-None-Match: %d %q; want 304 and no body", again.StatusCode, body)
			}
		})
	}
	if etags["br/web/app.wasm"] == etags["gzip/web/app.wasm"] || etags["/web/app.wasm"] == etags["br/web/app.wasm"] {
		t.Errorf("the encodings share an ETag: %v", etags)
	}
}

func TestAccepts(t *testing.T) {
	for _, tc := range []struct {
		header, enc string
		want        bool
	}{
		{"gzip, deflate, br", "br", true},
		{"gzip, deflate, br", "gzip", true},
		{"GZIP", "gzip", true},
		{"br;q=0", "br", false},
		{"br; q=0.000", "br", false},
		{"br;q=0.1", "br", true},
		{"gzip", "br", false},
		{"", "gzip", false},
		{"x-gzip", "gzip", false},
	} {
		if got := accepts(tc.header, tc.enc); got != tc.want {
			t.Errorf("accepts(%q, %q) = %v; want %v", tc.header, tc.enc, got, tc.want)
		}
	}
}
