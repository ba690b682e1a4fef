package server

import (
	"context"
	"testing"
	"time"

	"chunkscope/app/spec"
	"chunkscope/server/probe"
)

// wire is what the raw probe must see for a scenario.
type wire struct {
	query         string // the body parameters
	status        int
	framing       string // probe.Framing*
	contentLength bool   // a Content-Length header
	encoding      string // Content-Encoding
	minChunks     int    // HTTP chunks, at least
	maxChunks     int    // at most (0: no bound)
	minBodyReads  int    // reads that carried body bytes, at least
	maxBodyReads  int    // at most (0: no bound)
	bodyBytes     int64  // -1: not checked
	cut           bool   // the response is cut mid-body: incomplete, minChunks..maxChunks before the cut
}

// TestScenariosOnTheWire runs every scenario of the table through the raw
// probe on a real loopback server and checks the framing its explanation
// claims. A scenario without an expectation here fails: adding a scenario
// is adding its test.
func TestScenariosOnTheWire(t *testing.T) {
	const q = "rows=20&delay=10ms" // 305 bytes in 20 groups, 10 ms apart
	want := map[string][]wire{
		"buffered":       {{query: q, status: 200, framing: probe.FramingContentLength, contentLength: true, maxChunks: -1, maxBodyReads: 1, bodyBytes: 305}},
		"streaming":      {{query: q, status: 200, framing: probe.FramingChunked, minChunks: 20, maxChunks: 20, minBodyReads: 15, bodyBytes: 305}},
		"http2":          {{query: q, status: 200, framing: probe.FramingH2, minChunks: 20, maxChunks: 20, minBodyReads: 15, bodyBytes: 305}},
		"http10":         {{query: q, status: 200, framing: probe.FramingClose, maxChunks: -1, minBodyReads: 15, bodyBytes: 305}},
		"content-length": {{query: q, status: 200, framing: probe.FramingContentLength, contentLength: true, maxChunks: -1, minBodyReads: 15, bodyBytes: 305}},
		"head-streaming": {{query: q, status: 200, framing: probe.FramingNone, maxChunks: -1, maxBodyReads: -1, bodyBytes: 0}},
		"head-buffered":  {{query: q, status: 200, framing: probe.FramingNone, contentLength: true, maxChunks: -1, maxBodyReads: -1, bodyBytes: 0}},
		"no-content":     {{query: q, status: 204, framing: probe.FramingNone, maxChunks: -1, maxBodyReads: -1, bodyBytes: 0}},
		"not-modified":   {{query: q, status: 304, framing: probe.FramingNone, maxChunks: -1, maxBodyReads: -1, bodyBytes: 0}},
		"single-write": {
			// Under 2 KB: net/http adds the Content-Length itself.
			{query: q, status: 200, framing: probe.FramingContentLength, contentLength: true, maxChunks: -1, maxBodyReads: 1, bodyBytes: 305},
			// Larger: chunked, in one chunk.
			{query: "rows=1000&delay=1ms&per=10", status: 200, framing: probe.FramingChunked, minChunks: 1, maxChunks: 1, bodyBytes: -1},
		},
		"no-flush": {
			{query: q, status: 200, framing: probe.FramingContentLength, contentLength: true, maxChunks: -1, maxBodyReads: 1, bodyBytes: 305},
			// 100 groups of ~150 bytes: coalesced into a few chunks of 2-4 KB.
			{query: "rows=1000&delay=2ms&per=10", status: 200, framing: probe.FramingChunked, minChunks: 2, maxChunks: 10, bodyBytes: -1},
		},
		"gzip-buffered":  {{query: q, status: 200, framing: probe.FramingContentLength, contentLength: true, encoding: "gzip", maxChunks: -1, maxBodyReads: 1, bodyBytes: -1}},
		"gzip-streaming": {{query: q, status: 200, framing: probe.FramingChunked, encoding: "gzip", minChunks: 20, minBodyReads: 15, bodyBytes: -1}},
		"accel-no":       {{query: q, status: 200, framing: probe.FramingChunked, minChunks: 20, maxChunks: 20, minBodyReads: 15, bodyBytes: 305}},
		"proxy-chunked":  {{query: q, status: 200, framing: probe.FramingChunked, minChunks: 15, minBodyReads: 15, bodyBytes: 305}},
		"proxy-length":   {{query: q, status: 200, framing: probe.FramingContentLength, contentLength: true, maxChunks: -1, maxBodyReads: 1, bodyBytes: 305}},
		"proxy-flush":    {{query: q, status: 200, framing: probe.FramingContentLength, contentLength: true, maxChunks: -1, minBodyReads: 15, bodyBytes: 305}},
		"hidden-flush": {
			{query: q, status: 200, framing: probe.FramingContentLength, contentLength: true, maxChunks: -1, maxBodyReads: 1, bodyBytes: 305},
			{query: "rows=1000&delay=2ms&per=10", status: 200, framing: probe.FramingChunked, minChunks: 2, maxChunks: 10, bodyBytes: -1},
		},
		"fixed-flush": {{query: q, status: 200, framing: probe.FramingChunked, minChunks: 20, maxChunks: 20, minBodyReads: 15, bodyBytes: 305}},
		"timeout-handler": {
			{query: q, status: 200, framing: probe.FramingContentLength, contentLength: true, maxChunks: -1, maxBodyReads: 1, bodyBytes: 305},
			{query: "rows=1000&delay=1ms&per=10", status: 200, framing: probe.FramingChunked, minChunks: 1, maxChunks: 1, bodyBytes: -1},
		},
		// 20 groups 50 ms apart: about 10 leave before the 500 ms deadline.
		"write-timeout":  {{query: "rows=20&delay=50ms", status: 200, framing: probe.FramingChunked, minChunks: 5, maxChunks: 15, cut: true}},
		"write-deadline": {{query: "rows=20&delay=50ms", status: 200, framing: probe.FramingChunked, minChunks: 20, maxChunks: 20, minBodyReads: 15, bodyBytes: 305}},
	}
	ts := newTestServer(t)
	for _, sc := range spec.Scenarios() {
		cases, ok := want[sc.Name]
		if !ok {
			t.Errorf("scenario %s has no wire expectation: add one here", sc.Name)
			continue
		}
		delete(want, sc.Name)
		for _, w := range cases {
			t.Run(sc.Name+"?"+w.query, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				do := probe.Do
				if sc.Proto == spec.ProtoHTTP2 {
					do = probe.DoH2
				}
				res, err := do(ctx, probe.Request{URL: ts.URL + sc.Path + "?" + w.query, HTTP10: sc.Proto == spec.ProtoHTTP10, Head: sc.Method == "HEAD", Header: sc.Header}, nil)
				if w.cut {
					if res.Complete || res.Status != w.status || res.Framing != w.framing || res.Chunks < w.minChunks || res.Chunks > w.maxChunks {
						t.Fatalf("status %d, framing %s, %d chunks, complete %v (%v); want %d, %s, cut after %d..%d chunks",
							res.Status, res.Framing, res.Chunks, res.Complete, err, w.status, w.framing, w.minChunks, w.maxChunks)
					}
					return
				}
				if err != nil {
					t.Fatalf("probe: %v", err)
				}
				if !res.Complete || res.Status != w.status || res.Framing != w.framing {
					t.Fatalf("status %d, framing %s, complete %v (%s); want %d, %s, complete", res.Status, res.Framing, res.Complete, res.Err, w.status, w.framing)
				}
				if got := res.Headers.Get("Content-Length") != ""; got != w.contentLength {
					t.Errorf("Content-Length present = %v; want %v", got, w.contentLength)
				}
				if got := res.Headers.Get("Content-Encoding"); got != w.encoding {
					t.Errorf("Content-Encoding = %q; want %q", got, w.encoding)
				}
				if res.Chunks < w.minChunks || (w.maxChunks > 0 && res.Chunks > w.maxChunks) || (w.maxChunks < 0 && res.Chunks != 0) {
					t.Errorf("%d HTTP chunks; want %d..%d (-1: none)", res.Chunks, w.minChunks, w.maxChunks)
				}
				reads := len(probe.BodyReadTimes(res.Events))
				if reads < w.minBodyReads || (w.maxBodyReads > 0 && reads > w.maxBodyReads) || (w.maxBodyReads < 0 && reads != 0) {
					t.Errorf("body bytes came in %d reads; want %d..%d (-1: none)", reads, w.minBodyReads, w.maxBodyReads)
				}
				if w.bodyBytes >= 0 && res.BodyBytes != w.bodyBytes {
					t.Errorf("body = %d bytes; want %d", res.BodyBytes, w.bodyBytes)
				}
			})
		}
	}
	for name := range want {
		t.Errorf("expectation for %s, which is not in the scenario table", name)
	}
}
