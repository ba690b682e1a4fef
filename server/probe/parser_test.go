package probe

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// parse feeds in to a fresh Parser in pieces cut at the given offsets
// (ascending, within in), one Feed per piece timed by its index, then
// closes it if asked. It returns all events and the final summary.
func parse(method, in string, cuts []int, closeAtEnd bool) ([]Event, Summary) {
	p := NewParser(method)
	var evs []Event
	from := 0
	for i, c := range append(cuts, len(in)) {
		evs = append(evs, p.Feed([]byte(in[from:c]), float64(i))...)
		from = c
	}
	if closeAtEnd {
		evs = append(evs, p.Close(float64(len(cuts)+1))...)
	}
	return evs, p.Summary()
}

// splits are the ways each input is cut: whole, byte by byte, and at
// random points from seeded generators.
func splits(n int) map[string][]int {
	s := map[string][]int{"whole": nil}
	bytewise := make([]int, 0, n)
	for i := 1; i < n; i++ {
		bytewise = append(bytewise, i)
	}
	s["byte by byte"] = bytewise
	for seed := uint64(1); seed <= 5; seed++ {
		r := rand.New(rand.NewPCG(seed, 0))
		var cuts []int
		for i := 1; i < n; i++ {
			if r.IntN(8) == 0 {
				cuts = append(cuts, i)
			}
		}
		s[fmt.Sprintf("random seed %d", seed)] = cuts
	}
	return s
}

// brief renders the parsed events (read events dropped) one per string,
// "kind bytes [#size] [text]", merging consecutive chunk-data or body
// events: how data is cut into them depends only on the reads.
func brief(evs []Event) []string {
	var out []string
	var last Event
	for _, e := range evs {
		if e.Kind == KindRead {
			continue
		}
		if (e.Kind == KindChunkData || e.Kind == KindBody) && last.Kind == e.Kind {
			last.Bytes += e.Bytes
			out[len(out)-1] = fmt.Sprintf("%s %d", e.Kind, last.Bytes)
			continue
		}
		s := fmt.Sprintf("%s %d", e.Kind, e.Bytes)
		if e.Size != 0 {
			s += fmt.Sprintf(" #%d", e.Size)
		}
		if e.Text != "" {
			s += " " + e.Text
		}
		out = append(out, s)
		last = e
	}
	return out
}

// want is the part of a Summary a test case checks.
type want struct {
	status        int
	framing       string
	chunks        int
	contentLength int64
	bodyBytes     int64
	complete      bool
	err           string // a substring of Summary.Err; "" for none
}

func (w want) check(t *testing.T, s Summary) {
	t.Helper()
	got := want{s.Status, s.Framing, s.Chunks, s.ContentLength, s.BodyBytes, s.Complete, w.err}
	if got != w {
		t.Errorf("summary = %+v; want %+v", got, w)
	}
	if (w.err == "") != (s.Err == "") || !strings.Contains(s.Err, w.err) {
		t.Errorf("Err = %q; want it to contain %q", s.Err, w.err)
	}
}

var body26 = "abcdefghijklmnopqrstuvwxyz"

var parserCases = []struct {
	name   string
	method string
	in     string
	close  bool // the connection closes after in
	events []string
	sum    want
}{
	{
		name: "chunked with extensions and a trailer",
		in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n" +
			"5\r\nhello\r\n7;name=val;flag\r\n, world\r\n1A \r\n" + body26 + "\r\n0;last\r\nX-Sum: 42\r\n\r\n",
		events: []string{
			"status 17 HTTP/1.1 200 OK",
			"header 28 Transfer-Encoding: chunked",
			"header 16 Trailer: X-Sum",
			"headers-end 2 chunked",
			"chunk-size 3 #5 5",
			"chunk-data 5",
			"chunk-size 17 #7 7;name=val;flag",
			"chunk-data 7",
			"chunk-size 5 #26 1A ",
			"chunk-data 26",
			"last-chunk 8 0;last",
			"trailer 11 X-Sum: 42",
			"end 2",
		},
		sum: want{status: 200, framing: FramingChunked, chunks: 3, contentLength: -1, bodyBytes: 38, complete: true},
	},
	{
		name:   "chunked, names in any case, no trailer",
		in:     "HTTP/1.1 200 OK\r\ntransfer-ENCODING: gzip, CHUNKED\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 34 transfer-ENCODING: gzip, CHUNKED", "headers-end 2 chunked", "chunk-size 3 #2 2", "chunk-data 2", "last-chunk 3 0", "end 2"},
		sum:    want{status: 200, framing: FramingChunked, chunks: 1, contentLength: -1, bodyBytes: 2, complete: true},
	},
	{
		name:   "Transfer-Encoding overrides Content-Length",
		in:     "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 20 Content-Length: 99", "header 28 Transfer-Encoding: chunked", "headers-end 2 chunked", "chunk-size 3 #1 1", "chunk-data 1", "last-chunk 3 0", "end 2"},
		sum:    want{status: 200, framing: FramingChunked, chunks: 1, contentLength: -1, bodyBytes: 1, complete: true},
	},
	{
		name:   "content-length",
		in:     "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 11\r\n\r\nhello world",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 24 Content-Type: text/csv", "header 20 Content-Length: 11", "headers-end 2 #11 content-length", "body 11", "end 0"},
		sum:    want{status: 200, framing: FramingContentLength, contentLength: 11, bodyBytes: 11, complete: true},
	},
	{
		name:   "content-length repeated with one value",
		in:     "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\ncontent-length: 2\r\n\r\nok",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 22 Content-Length: 2, 2", "header 19 content-length: 2", "headers-end 2 #2 content-length", "body 2", "end 0"},
		sum:    want{status: 200, framing: FramingContentLength, contentLength: 2, bodyBytes: 2, complete: true},
	},
	{
		name:   "content-length 0",
		in:     "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 19 Content-Length: 0", "headers-end 2 content-length", "end 0"},
		sum:    want{status: 200, framing: FramingContentLength, contentLength: 0, complete: true},
	},
	{
		name:   "close-delimited HTTP/1.0",
		in:     "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello world",
		close:  true,
		events: []string{"status 17 HTTP/1.0 200 OK", "header 26 Content-Type: text/plain", "headers-end 2 close", "body 11", "close 0", "end 0"},
		sum:    want{status: 200, framing: FramingClose, contentLength: -1, bodyBytes: 11, complete: true},
	},
	{
		name:   "close-delimited: a coding without chunked",
		in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz",
		close:  true,
		events: []string{"status 17 HTTP/1.1 200 OK", "header 25 Transfer-Encoding: gzip", "headers-end 2 close", "body 2", "close 0", "end 0"},
		sum:    want{status: 200, framing: FramingClose, contentLength: -1, bodyBytes: 2, complete: true},
	},
	{
		name:   "HEAD with Content-Length: no body",
		method: "HEAD",
		in:     "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 22 Content-Length: 1234", "headers-end 2 #1234 none", "end 0"},
		sum:    want{status: 200, framing: FramingNone, contentLength: 1234, complete: true},
	},
	{
		name:   "HEAD with chunked: no body",
		method: "HEAD",
		in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 28 Transfer-Encoding: chunked", "headers-end 2 none", "end 0"},
		sum:    want{status: 200, framing: FramingNone, contentLength: -1, complete: true},
	},
	{
		name:   "204",
		in:     "HTTP/1.1 204 No Content\r\nDate: x\r\n\r\n",
		events: []string{"status 25 HTTP/1.1 204 No Content", "header 9 Date: x", "headers-end 2 none", "end 0"},
		sum:    want{status: 204, framing: FramingNone, contentLength: -1, complete: true},
	},
	{
		name:   "304 with the Content-Length of the full response",
		in:     "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\nContent-Length: 99\r\n\r\n",
		events: []string{"status 27 HTTP/1.1 304 Not Modified", "header 11 ETag: \"x\"", "header 20 Content-Length: 99", "headers-end 2 #99 none", "end 0"},
		sum:    want{status: 304, framing: FramingNone, contentLength: 99, complete: true},
	},
	{
		name: "100-continue then 200",
		in:   "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		events: []string{
			"status 23 HTTP/1.1 100 Continue", "headers-end 2 interim",
			"status 26 HTTP/1.1 103 Early Hints", "header 16 Link: </a.css>", "headers-end 2 interim",
			"status 17 HTTP/1.1 200 OK", "header 19 Content-Length: 2", "headers-end 2 #2 content-length", "body 2", "end 0",
		},
		sum: want{status: 200, framing: FramingContentLength, contentLength: 2, bodyBytes: 2, complete: true},
	},
	{
		name:   "bare LF line ends in headers, an empty reason, obs-fold",
		in:     "HTTP/1.1 200\nX-Long: one\n\t two\nContent-Length: 1\n\n!",
		events: []string{"status 13 HTTP/1.1 200", "header 12 X-Long: one", "header 6 \t two", "header 18 Content-Length: 1", "headers-end 1 #1 content-length", "body 1", "end 0"},
		sum:    want{status: 200, framing: FramingContentLength, contentLength: 1, bodyBytes: 1, complete: true},
	},

	// Malformed or cut short: an error event, and nothing parsed after it.
	{
		name:   "bad hex chunk size",
		in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nmore",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 28 Transfer-Encoding: chunked", "headers-end 2 chunked", "chunk-size 3 #5 5", "chunk-data 5", `error 0 bad chunk size "zz": 'z' is not a hex digit`},
		sum:    want{status: 200, framing: FramingChunked, chunks: 1, contentLength: -1, bodyBytes: 5, err: "bad chunk size"},
	},
	{
		name:   "control byte in a chunk extension",
		in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;\x1b[2J\r\nx\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 28 Transfer-Encoding: chunked", "headers-end 2 chunked", `error 0 invalid byte 0x1b in chunk extension "1;\x1b[2J"`},
		sum:    want{status: 200, framing: FramingChunked, contentLength: -1, err: "chunk extension"},
	},
	{
		name:   "chunk size too large",
		in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8000000000000000\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 28 Transfer-Encoding: chunked", "headers-end 2 chunked", `error 0 bad chunk size "8000000000000000": too large`},
		sum:    want{status: 200, framing: FramingChunked, contentLength: -1, err: "too large"},
	},
	{
		name:   "bare LF after a chunk size",
		in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 28 Transfer-Encoding: chunked", "headers-end 2 chunked", `error 0 chunk-size line ends in a bare LF: "1"`},
		sum:    want{status: 200, framing: FramingChunked, contentLength: -1, err: "bare LF"},
	},
	{
		name:   "missing CRLF after chunk data",
		in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 28 Transfer-Encoding: chunked", "headers-end 2 chunked", "chunk-size 3 #5 5", "chunk-data 5", "error 0 chunk data of 5 bytes not followed by CRLF"},
		sum:    want{status: 200, framing: FramingChunked, chunks: 1, contentLength: -1, bodyBytes: 5, err: "not followed by CRLF"},
	},
	{
		name:   "CR then not LF after chunk data",
		in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 28 Transfer-Encoding: chunked", "headers-end 2 chunked", "chunk-size 3 #1 1", "chunk-data 1", "error 0 chunk data of 1 bytes not followed by CRLF"},
		sum:    want{status: 200, framing: FramingChunked, chunks: 1, contentLength: -1, bodyBytes: 1, err: "not followed by CRLF"},
	},
	{
		name:   "conflicting Content-Length",
		in:     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 19 Content-Length: 5", "header 19 Content-Length: 6", `error 0 conflicting Content-Length values "5, 6"`},
		sum:    want{status: 200, contentLength: -1, err: "conflicting Content-Length"},
	},
	{
		name:   "invalid Content-Length",
		in:     "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 20 Content-Length: +5", `error 0 invalid Content-Length "+5"`},
		sum:    want{status: 200, contentLength: -1, err: "invalid Content-Length"},
	},
	{
		name:   "header line without a colon",
		in:     "HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\nhello",
		events: []string{"status 17 HTTP/1.1 200 OK", `error 0 header line without a colon: "Content-Length 5"`},
		sum:    want{status: 200, contentLength: -1, err: "without a colon"},
	},
	{
		name:   "space before the colon",
		in:     "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello",
		events: []string{"status 17 HTTP/1.1 200 OK", `error 0 invalid header field name "Content-Length "`},
		sum:    want{status: 200, contentLength: -1, err: "invalid header field name"},
	},
	{
		name:   "control byte in a value",
		in:     "HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", `error 0 invalid byte 0x00 in header "X"`},
		sum:    want{status: 200, contentLength: -1, err: "invalid byte"},
	},
	{
		name:   "obs-fold before any field",
		in:     "HTTP/1.1 200 OK\r\n folded\r\n\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", `error 0 header continuation line before any field: " folded"`},
		sum:    want{status: 200, contentLength: -1, err: "continuation"},
	},
	{
		name:   "bare CR in a header line",
		in:     "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", `error 0 bare CR in the header section "X: a\rb"`},
		sum:    want{status: 200, contentLength: -1, err: "bare CR"},
	},
	{
		name:   "not HTTP",
		in:     "SSH-2.0-OpenSSH_9.6\r\n",
		events: []string{`error 0 malformed status line "SSH-2.0-OpenSSH_9.6"`},
		sum:    want{contentLength: -1, err: "malformed status line"},
	},
	{
		name:   "status code not three digits",
		in:     "HTTP/1.1 2OO OK\r\n\r\n",
		events: []string{`error 0 malformed status line "HTTP/1.1 2OO OK"`},
		sum:    want{contentLength: -1, err: "malformed status line"},
	},
	{
		name:   "HTTP/2",
		in:     "HTTP/2.0 200 OK\r\n\r\n",
		events: []string{`error 0 unsupported protocol "HTTP/2.0": only HTTP/1.x is spoken here`},
		sum:    want{contentLength: -1, err: "unsupported protocol"},
	},
	{
		name:   "status out of range",
		in:     "HTTP/1.1 600 Nope\r\n\r\n",
		events: []string{"error 0 status code 600 out of range 100-599"},
		sum:    want{contentLength: -1, err: "out of range"},
	},
	{
		name:   "101 unasked",
		in:     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
		events: []string{"error 0 101 Switching Protocols without an Upgrade request"},
		sum:    want{contentLength: -1, err: "101"},
	},
	{
		name:   "endless 1xx",
		in:     strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 11) + "HTTP/1.1 200 OK\r\n\r\n",
		events: append(repeat([]string{"status 23 HTTP/1.1 100 Continue", "headers-end 2 interim"}, 10), "error 0 more than 10 interim (1xx) responses"),
		sum:    want{status: 100, contentLength: -1, err: "interim"},
	},
	{
		name:   "Transfer-Encoding in HTTP/1.0",
		in:     "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		events: []string{"status 17 HTTP/1.0 200 OK", "header 28 Transfer-Encoding: chunked", "error 0 Transfer-Encoding in an HTTP/1.0 response"},
		sum:    want{status: 200, contentLength: -1, err: "HTTP/1.0"},
	},
	{
		name:   "chunked twice",
		in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 28 Transfer-Encoding: chunked", "header 28 Transfer-Encoding: chunked", `error 0 chunked applied more than once in Transfer-Encoding "chunked, chunked"`},
		sum:    want{status: 200, contentLength: -1, err: "more than once"},
	},
	{
		name:   "a line too long",
		in:     "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", MaxLine) + "\r\n\r\n",
		events: []string{"status 17 HTTP/1.1 200 OK", "error 0 line longer than 65536 bytes"},
		sum:    want{status: 200, contentLength: -1, err: "line longer"},
	},
	{
		name:   "a header section too long",
		in:     "HTTP/1.1 200 OK\r\n" + strings.Repeat("X: "+strings.Repeat("a", 1000)+"\r\n", 1100) + "\r\n",
		events: append([]string{"status 17 HTTP/1.1 200 OK"}, append(repeat([]string{"header 1005 X: " + strings.Repeat("a", 1000)}, 1043), "error 0 header section longer than 1048576 bytes")...),
		sum:    want{status: 200, contentLength: -1, err: "header section longer"},
	},
	{
		name:   "chunk extensions outweigh the data",
		in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat("1;"+strings.Repeat("e", 1000)+"\r\nx\r\n", 20),
		events: append([]string{"status 17 HTTP/1.1 200 OK", "header 28 Transfer-Encoding: chunked", "headers-end 2 chunked"}, append(repeat([]string{"chunk-size 1004 #1 1;" + strings.Repeat("e", 1000), "chunk-data 1"}, 16), "error 0 chunked encoding carries too much non-data (chunk extensions?)")...),
		sum:    want{status: 200, framing: FramingChunked, chunks: 16, contentLength: -1, bodyBytes: 16, err: "non-data"},
	},
	{
		name:   "bytes after the end",
		in:     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",
		events: []string{"status 17 HTTP/1.1 200 OK", "header 19 Content-Length: 2", "headers-end 2 #2 content-length", "body 2", "end 0", "error 0 bytes after the end of the message"},
		sum:    want{status: 200, framing: FramingContentLength, contentLength: 2, bodyBytes: 2, complete: true, err: "after the end"},
	},
	{
		name:   "closed in the body",
		in:     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe",
		close:  true,
		events: []string{"status 17 HTTP/1.1 200 OK", "header 19 Content-Length: 5", "headers-end 2 #5 content-length", "body 2", "close 0", "error 0 connection closed in the body after 2 of 5 bytes"},
		sum:    want{status: 200, framing: FramingContentLength, contentLength: 5, bodyBytes: 2, err: "after 2 of 5"},
	},
	{
		name:   "closed in chunk data",
		in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
		close:  true,
		events: []string{"status 17 HTTP/1.1 200 OK", "header 28 Transfer-Encoding: chunked", "headers-end 2 chunked", "chunk-size 3 #5 5", "chunk-data 3", "close 0", "error 0 connection closed in chunk data after 3 of 5 bytes"},
		sum:    want{status: 200, framing: FramingChunked, chunks: 1, contentLength: -1, bodyBytes: 3, err: "chunk data"},
	},
	{
		name:   "closed before the last chunk",
		in:     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n",
		close:  true,
		events: []string{"status 17 HTTP/1.1 200 OK", "header 28 Transfer-Encoding: chunked", "headers-end 2 chunked", "chunk-size 3 #1 1", "chunk-data 1", "close 0", "error 0 connection closed in a chunk-size line"},
		sum:    want{status: 200, framing: FramingChunked, chunks: 1, contentLength: -1, bodyBytes: 1, err: "closed"},
	},
	{
		name:   "closed in the headers",
		in:     "HTTP/1.1 200 OK\r\nContent-Le",
		close:  true,
		events: []string{"status 17 HTTP/1.1 200 OK", "close 0", "error 0 connection closed in the header section"},
		sum:    want{status: 200, contentLength: -1, err: "header section"},
	},
	{
		name:   "closed before any response",
		close:  true,
		events: []string{"close 0", "error 0 connection closed before any response"},
		sum:    want{contentLength: -1, err: "before any response"},
	},
}

func repeat(s []string, n int) []string {
	var out []string
	for range n {
		out = append(out, s...)
	}
	return out
}

// TestParser checks each response's events and summary, and that they are
// the same however the input is cut into reads.
func TestParser(t *testing.T) {
	for _, tc := range parserCases {
		t.Run(tc.name, func(t *testing.T) {
			method := orGET(tc.method)
			wholeEvents, wholeSum := parse(method, tc.in, nil, tc.close)
			tc.sum.check(t, wholeSum)
			checkAfterError(t, wholeEvents)
			for name, cuts := range splits(len(tc.in)) {
				evs, sum := parse(method, tc.in, cuts, tc.close)
				if got := brief(evs); !reflect.DeepEqual(got, tc.events) {
					t.Errorf("events fed %s:\n got %q\nwant %q", name, got, tc.events)
				}
				if !reflect.DeepEqual(sum, wholeSum) {
					t.Errorf("summary fed %s = %+v; fed whole %+v", name, sum, wholeSum)
				}
				if n := readBytes(evs); n != len(tc.in) {
					t.Errorf("read events fed %s cover %d bytes; want %d", name, n, len(tc.in))
				}
			}
		})
	}
}

// checkAfterError: once an error is out, only the socket's own events
// (read, close) may follow.
func checkAfterError(t *testing.T, evs []Event) {
	t.Helper()
	failed := false
	for _, e := range evs {
		if failed && e.Kind != KindRead && e.Kind != KindClose {
			t.Errorf("%s event after the error", e.Kind)
		}
		failed = failed || e.Kind == KindError
	}
}

func readBytes(evs []Event) int {
	n := 0
	for _, e := range evs {
		if e.Kind == KindRead {
			n += e.Bytes
		}
	}
	return n
}

func TestParserHeadersAndTrailer(t *testing.T) {
	in := "HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nX-Fold: one\r\n two \r\nTransfer-Encoding: chunked\r\n\r\n" +
		"0\r\nX-Sum: 42\r\n\r\n"
	_, s := parse("GET", in, nil, false)
	if got, want := s.Headers, (http.Header{"X-A": {"1", "2"}, "X-Fold": {"one two"}, "Transfer-Encoding": {"chunked"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("Headers = %v; want %v", got, want)
	}
	if got, want := s.Trailer, (http.Header{"X-Sum": {"42"}}); !reflect.DeepEqual(got, want) {
		t.Errorf("Trailer = %v; want %v", got, want)
	}
	if s.Proto != "HTTP/1.1" {
		t.Errorf("Proto = %q; want HTTP/1.1", s.Proto)
	}
}

// TestParserTimes: each event carries the time of the read (or close)
// that brought it, and a read event comes before what it contains.
func TestParserTimes(t *testing.T) {
	p := NewParser("GET")
	var evs []Event
	evs = append(evs, p.Feed([]byte("HTTP/1.0 200 OK\r\n\r\nab"), 1.5)...)
	evs = append(evs, p.Feed([]byte("cd"), 7.25)...)
	evs = append(evs, p.Close(9)...)
	want := []Event{
		{T: 1.5, Kind: KindRead, Bytes: 21},
		{T: 1.5, Kind: KindStatus, Bytes: 17, Text: "HTTP/1.0 200 OK"},
		{T: 1.5, Kind: KindHeadersEnd, Bytes: 2, Text: FramingClose},
		{T: 1.5, Kind: KindBody, Bytes: 2},
		{T: 7.25, Kind: KindRead, Bytes: 2},
		{T: 7.25, Kind: KindBody, Bytes: 2},
		{T: 9, Kind: KindClose},
		{T: 9, Kind: KindEnd},
	}
	if !reflect.DeepEqual(evs, want) {
		t.Errorf("events:\n got %+v\nwant %+v", evs, want)
	}
	if got := p.Feed([]byte("late"), 10); got != nil {
		t.Errorf("Feed after Close = %+v; want nothing", got)
	}
	if got := p.Close(11); got != nil {
		t.Errorf("second Close = %+v; want nothing", got)
	}
}

// TestParserCoverage: for a complete message, the parsed events account
// for every byte but the CRLF after each chunk's data.
func TestParserCoverage(t *testing.T) {
	for _, tc := range parserCases {
		if tc.sum.err != "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			evs, s := parse(orGET(tc.method), tc.in, nil, tc.close)
			if got, want := parsedBytes(evs)+2*s.Chunks, len(tc.in); got != want {
				t.Errorf("parsed events + 2 × %d chunks cover %d bytes; want %d", s.Chunks, got, want)
			}
		})
	}
}

func orGET(method string) string {
	if method == "" {
		return "GET"
	}
	return method
}

func parsedBytes(evs []Event) int {
	n := 0
	for _, e := range evs {
		if e.Kind != KindRead {
			n += e.Bytes
		}
	}
	return n
}
