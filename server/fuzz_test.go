package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"chunkscope/app/spec"
)

// FuzzQuery sends any query to every endpoint that takes one: the answer is
// a 200 or a 4xx with a one-line reason, never a 5xx and never a panic.
// Small caps keep each input cheap (no delay, bodies up to 64 KiB).
func FuzzQuery(f *testing.F) {
	for _, seed := range []string{
		"rows=3", "rows=x", "rows=3&delay=1ms", "per=0", "pad=-1", "run=a&run=b", "run=fuzz-1", "%zz", "rows=3;pad=1", "x=%00",
	} {
		f.Add(seed)
	}
	h, err := New(Config{
		Web:    fstest.MapFS{"app.wasm": {Data: []byte("wasm")}},
		Limits: spec.Limits{Rows: 1000, BodyBytes: 64 << 10, TotalDelay: 0},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, path := range []string{"/csv/buffered", "/csv/streaming", "/events"} {
			if strings.Contains(raw, "run=") && path == "/events" {
				continue // a valid id would wait 10 s for its run
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.URL.Path, req.URL.RawQuery = path, raw
			w := httptest.NewRecorder()
			done := make(chan struct{})
			go func() { h.ServeHTTP(w, req); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("%s?%s: no answer in 5 s", path, raw)
			}
			if w.Code >= 500 {
				t.Fatalf("%s?%s: %d %q", path, raw, w.Code, w.Body.String())
			}
			if w.Code >= 400 && strings.Count(w.Body.String(), "\n") != 1 {
				t.Fatalf("%s?%s: %d reason %q is not one line", path, raw, w.Code, w.Body.String())
			}
			if w.Code == http.StatusOK && path != "/events" && !strings.HasPrefix(w.Body.String(), spec.Header) {
				t.Fatalf("%s?%s: 200 without the CSV header line", path, raw)
			}
		}
	})
}
