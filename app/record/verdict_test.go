package record

import (
	"strings"
	"testing"
)

func run(headers map[string]string, status int, chunks ...Chunk) *Run {
	r := &Run{Status: status, Headers: headers, Done: true}
	r.Append(chunks...)
	if len(chunks) > 0 {
		r.TotalMs = chunks[len(chunks)-1].T + 1
	}
	return r
}

func TestExplain(t *testing.T) {
	chunked := map[string]string{"transfer-encoding": "chunked"}
	tests := []struct {
		name     string
		run      *Run
		kind     string
		contains string
	}{
		{"buffered", run(map[string]string{"content-length": "305"}, 200, Chunk{2026, 305}),
			KindOnePiece, "Content-Length was set (305 bytes). The body arrived all at once after 2.03 s (305 B in 1 read); how it left the server is not measured here"},
		{"streamed", run(chunked, 200, Chunk{100, 30}, Chunk{1100, 15}, Chunk{2000, 15}),
			KindStreamed, "Transfer-Encoding: chunked, and the body streamed: the first byte after 0.10 s, then 3 reads spread over 1.90 s"},
		{"fast, nothing else known", run(chunked, 200, Chunk{3, 3000}, Chunk{4, 3000}, Chunk{20, 3000}),
			KindOnePiece, "arrived all at once after 3.0 ms (8.8 KiB in 3 reads)"},
		{"large buffered", run(map[string]string{"content-length": "134106637"}, 200, Chunk{2800, 1 << 20}, Chunk{3300, 1 << 20}, Chunk{4020, 1 << 20}),
			KindOnePiece, "Nothing arrived for 2.80 s, then the whole 3.0 MiB in 3 reads over 1.22 s"},
		{"content-length, yet progressive", run(map[string]string{"content-length": "45"}, 200, Chunk{100, 15}, Chunk{1100, 15}, Chunk{2000, 15}),
			KindStreamed, "Content-Length was set (45 bytes), and the body streamed"},
		{"late burst", run(chunked, 200, Chunk{1990, 3000}, Chunk{2001, 3000}),
			KindOnePiece, "arrived all at once"},
		{"204", &Run{Status: 204, Done: true, HeadersMs: 3}, KindNoBody, "204: no body by definition"},
		{"304", &Run{Status: 304, Done: true, HeadersMs: 3}, KindNoBody, "304: no body by definition"},
		{"HEAD refused", &Run{Method: "HEAD", Status: 413, Done: true, ErrorBody: "rows: too big"}, KindError, "The server answered 413: rows: too big"},
		{"HEAD", &Run{Method: "HEAD", Status: 200, Done: true, HeadersMs: 2000}, KindNoBody, "HEAD: the headers a GET would get (after 2.00 s)"},
		{"head", &Run{Status: 200, Done: true, HeadersMs: 3}, KindNoBody, "No body arrived"},
		{"400", &Run{Status: 400, Done: true, ErrorBody: "rows: \"x\" is not a whole number\n"}, KindError, `The server answered 400: rows: "x" is not a whole number`},
		{"upstream 404 page", &Run{Status: 404, Done: true, Headers: map[string]string{"content-type": "text/html"},
			ErrorBody: "<!DOCTYPE html>\n<html><head><title>Oops</title><style>p{}</style></head><body><h1>Not Found</h1>\n<p>The page &amp; its   friends</p></body></html>"},
			KindError, "The server answered 404: Oops Not Found The page & its friends"},
		{"failed", &Run{Done: true, Error: "fetch: Failed to fetch"}, KindError, "The request failed: fetch: Failed to fetch"},
		{"running", &Run{Chunks: []Chunk{{1, 2048}}, Bytes: 2048}, KindRunning, "Reading: 2.0 KiB in 1 read so far"},
		// A file's bodiless redirect is a step of its page load, every
		// time the verdict is drawn again (a replay); a redirect where
		// chunkscope itself asked for a body is still an error.
		{"redirect from a file", &Run{Status: 301, Done: true, HeadersMs: 87, Headers: map[string]string{"location": "https://example.test/"}, Loaded: &Loaded{Format: "har"}},
			KindNoBody, "301: a redirect to https://example.test/, with no body; the headers came after 0.09 s"},
		{"redirect from a file, no location", &Run{Status: 302, Done: true, HeadersMs: 87, Loaded: &Loaded{Format: "har"}}, KindNoBody, "302: a redirect, with no body"},
		{"redirect with a body, from a file", func() *Run {
			r := run(nil, 302, Chunk{90, 120})
			r.Loaded = &Loaded{Format: "har"}
			return r
		}(), KindError, "The server answered 302"},
		{"redirect a run asked a body of", &Run{Status: 302, Done: true, HeadersMs: 87}, KindError, "The server answered 302"},
		// A NetLog's revalidated request: the 304's reads are the cache's.
		{"304 with the cache's reads", run(nil, 304, Chunk{40, 200}, Chunk{41, 105}),
			KindNoBody, "no body came over the network; the 2 reads (305 B) are the browser's cache reading out its stored copy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Explain(tc.run)
			if v.Kind != tc.kind || !strings.Contains(v.Detail, tc.contains) {
				t.Errorf("Explain = {%s, %q}; want kind %s containing %q", v.Kind, v.Detail, tc.kind, tc.contains)
			}
		})
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 256 << 20: "256.0 MiB", 3 << 30: "3.0 GiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q; want %q", n, got, want)
		}
	}
}
