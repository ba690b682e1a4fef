package keep

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"chunkscope/app/wire"
)

// The fixtures are traces curl 7.88.1 wrote of chunkscope's own runs
// (testdata/curl/README.md has the commands): a streamed body, in ASCII
// and, with --raw, in hex; a gzip-streamed one, --compressed.
func TestCurlTraceLoadsEachReadOfTheBody(t *testing.T) {
	for _, tc := range []struct {
		file       string
		reads      int
		bytes      int64
		wireChunks int
		label      string
	}{
		{"streaming.trace-ascii.txt", 20, bodyOf20, 20, "127.0.0.1:18431/csv/streaming"},
		{"streaming-raw.trace.txt", 20, bodyOf20, 20, "127.0.0.1:18431/csv/streaming"},
		// Compressed: the bytes as they came, 248 of gzip for the 305 of CSV.
		{"gzip-streaming.trace-ascii.txt", 20, 248, 21, "127.0.0.1:18431/csv/gzip-streaming · encoded bytes (gzip)"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			l := decodeFile(t, "testdata/curl/"+tc.file)
			if l.Kind != "curl" || len(l.Runs) != 1 {
				t.Fatalf("kind %q, %d runs; want curl, 1", l.Kind, len(l.Runs))
			}
			r := l.Runs[0]
			if r.Status != 200 || len(r.Chunks) != tc.reads || r.Bytes != tc.bytes || r.Label() != tc.label {
				t.Errorf("status %d, %d reads, %d bytes, label %q; want 200, %d, %d, %q", r.Status, len(r.Chunks), r.Bytes, r.Label(), tc.reads, tc.bytes, tc.label)
			}
			if s := r.Spread(); s < 900 || r.TTFBMs < r.HeadersMs || r.HeadersMs <= 0 {
				t.Errorf("spread %.0f ms, headers %.1f ms, ttfb %.1f ms; want reads over about 1 s, after the headers", s, r.HeadersMs, r.TTFBMs)
			}
			w := r.Wire
			if w == nil || w.Framing != wire.FramingChunked || w.Chunks != tc.wireChunks || w.BodyBytes != tc.bytes || !w.Complete || w.Error != "" {
				t.Fatalf("wire = %+v; want chunked, %d chunks of %d bytes, complete", w, tc.wireChunks, tc.bytes)
			}
			if r.Verdict.Kind != "streamed" {
				t.Errorf("verdict %q; want streamed", r.Verdict.Kind)
			}
		})
	}
}

// A trace of two URLs is two lanes; an HTTP/2 trace (over TLS, through
// nginx 1.22) has its headers as lines and its body without framing: one
// read per data block, no wire lane to parse.
func TestCurlTraceOfTwoRequestsAndOfHTTP2(t *testing.T) {
	for _, tc := range []struct {
		file   string
		urls   []string
		reads  []int
		bytes  []int64
		wire   bool
		status int
	}{
		{"two-requests.trace-ascii.txt", []string{"http://127.0.0.1:18431/csv/streaming?rows=5&delay=50ms", "http://127.0.0.1:18431/csv/buffered?rows=5&delay=50ms"},
			[]int{5, 1}, []int64{14 + 5*14, 14 + 5*14}, true, 200},
		{"h2-streaming.trace-ascii.txt", []string{"https://127.0.0.1:18443/csv/streaming?rows=20&delay=50ms"}, []int{20}, []int64{bodyOf20}, false, 200},
	} {
		t.Run(tc.file, func(t *testing.T) {
			l := decodeFile(t, "testdata/curl/"+tc.file)
			if len(l.Runs) != len(tc.urls) {
				t.Fatalf("%d runs; want %d", len(l.Runs), len(tc.urls))
			}
			for i, r := range l.Runs {
				if r.URL != tc.urls[i] || len(r.Chunks) != tc.reads[i] || r.Bytes != tc.bytes[i] || r.Status != tc.status || (r.Wire != nil) != tc.wire {
					t.Errorf("run %d: %s, %d reads, %d bytes, status %d, wire %v; want %s, %d, %d, %d, %v", i+1, r.URL, len(r.Chunks), r.Bytes, r.Status, r.Wire != nil,
						tc.urls[i], tc.reads[i], tc.bytes[i], tc.status, tc.wire)
				}
			}
		})
	}
}

// A curl that traces a chunked body already decoded (no chunk-size lines
// in the data) is read too: each data block a read of its size.
func TestCurlTraceWithoutFramingReadsTheBody(t *testing.T) {
	trace := strings.Join([]string{
		"10:00:00.000000 == Info: Connected to example.test",
		"10:00:00.001000 => Send header, 39 bytes (0x27)",
		"0000: GET /x HTTP/1.1",
		"0011: Host: example.test",
		"0025: ",
		"10:00:00.101000 <= Recv header, 17 bytes (0x11)",
		"0000: HTTP/1.1 200 OK",
		"10:00:00.101100 <= Recv header, 28 bytes (0x1c)",
		"0000: Transfer-Encoding: chunked",
		"10:00:00.101200 <= Recv header, 2 bytes (0x2)",
		"0000: ",
		"10:00:00.201000 <= Recv data, 6 bytes (0x6)",
		"0000: Hello.",
		"10:00:00.301000 <= Recv data, 6 bytes (0x6)",
		"0000: World.",
		"",
	}, "\n")
	l, err := Decode([]byte(trace))
	if err != nil {
		t.Fatal(err)
	}
	r := l.Runs[0]
	if r.URL != "https://example.test/x" && r.URL != "http://example.test/x" || len(r.Chunks) != 2 || r.Bytes != 12 || r.Chunks[1].T != 300 {
		t.Errorf("url %s, %d reads, %d bytes, chunks %v; want 2 reads of 6 bytes, the last at 300 ms", r.URL, len(r.Chunks), r.Bytes, r.Chunks)
	}
	if r.Wire == nil || !strings.Contains(r.Wire.Error, "without its chunk framing") {
		t.Errorf("wire = %+v; want it to say the framing is not in the trace", r.Wire)
	}
}

func TestCurlTraceWithoutTimesIsRefusedInOneSentence(t *testing.T) {
	_, err := Decode([]byte("== Info: Connected to example.test\n=> Send header, 39 bytes (0x27)\n0000: GET /x HTTP/1.1\n"))
	if err == nil || !strings.Contains(err.Error(), "--trace-time") {
		t.Errorf("err = %v; want it to ask for --trace-time", err)
	}
}

// decodeFile decodes a fixture, failing the test where it cannot.
func decodeFile(t *testing.T, path string) Loaded {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode %s: %v", path, err)
	}
	return l
}

// TestCurlTraceExportsAValidDateAndSaysSo: a curl trace has no date; its
// runs exported as HAR carry a startedDateTime that is a date (the time of
// day on 0000-01-01, which JavaScript's Date and RFC 3339 read), a comment
// saying what that date is, and load back with the same reads; a run with
// a date has no such comment.
func TestCurlTraceExportsAValidDateAndSaysSo(t *testing.T) {
	data, err := os.ReadFile("testdata/curl/two-requests.trace-ascii.txt")
	if err != nil {
		t.Fatal(err)
	}
	l, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range l.Runs {
		if !NoDate(r) {
			t.Fatalf("curl run startedAt %s; want a time of day only", r.StartedAt)
		}
	}
	out, err := HAR(l.Runs, "", "test")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Log struct {
			Entries []struct {
				StartedDateTime string `json:"startedDateTime"`
				Comment         string `json:"comment"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(out, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Log.Entries) != len(l.Runs) {
		t.Fatalf("%d entries; want %d", len(f.Log.Entries), len(l.Runs))
	}
	for i, e := range f.Log.Entries {
		if _, err := time.Parse(time.RFC3339Nano, e.StartedDateTime); err != nil {
			t.Errorf("entry %d: startedDateTime %q is not a date: %v", i+1, e.StartedDateTime, err)
		}
		if !strings.Contains(e.Comment, "no date") || !strings.Contains(e.Comment, "0000-01-01") {
			t.Errorf("entry %d: comment %q; want it to say the trace has no date and what was written", i+1, e.Comment)
		}
	}
	back, err := Decode(out)
	if err != nil {
		t.Fatalf("the export does not load back: %v", err)
	}
	for i, r := range back.Runs {
		if len(r.Chunks) != len(l.Runs[i].Chunks) || r.Bytes != l.Runs[i].Bytes {
			t.Errorf("run %d back: %d reads, %d bytes; want %d, %d", i+1, len(r.Chunks), r.Bytes, len(l.Runs[i].Chunks), l.Runs[i].Bytes)
		}
	}
	dated := *l.Runs[0]
	dated.StartedAt = "2026-12-06T14:03:07.123Z"
	if c := harComment(&dated); c != "" {
		t.Errorf("a dated run's comment %q; want none", c)
	}
}
