package keep

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"chunkscope/app/wire"
)

// bodyOf20 is the body of /csv/…?rows=20: the header line and twenty rows.
const bodyOf20 = 14 + 9*14 + 11*15

// The fixtures are NetLogs Chromium 156 wrote of chunkscope's own runs
// (e2e TestNetLogOfLiveRunsReadsTheSameBody, CHUNKSCOPE_NETLOG_KEEP), trimmed
// by testdata/netlog/trim.py to the run's request, its stream job and its
// socket; the unclosed one is cut as a killed browser leaves a file.
func TestNetLogLoadsEachRequestAsARun(t *testing.T) {
	for _, tc := range []struct {
		file               string
		reads, wireChunks  int
		bytes, encoded     int64
		complete, unclosed bool
		encoding, framing  string
	}{
		{file: "streaming.json", reads: 20, wireChunks: 20, bytes: bodyOf20, encoded: bodyOf20, complete: true},
		{file: "gzip-streaming.json", reads: 19, wireChunks: 21, bytes: bodyOf20, encoded: 0, complete: true, encoding: "gzip"},
		{file: "gzip-streaming-unclosed.json", unclosed: true, encoding: "gzip"},
		// Through nginx 1.22 over TLS and HTTP/2 (testdata/netlog/README.md).
		{file: "h2-streaming.json", reads: 20, wireChunks: 20, bytes: bodyOf20, encoded: bodyOf20, complete: true, framing: wire.FramingH2},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/netlog/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if !IsNetLog(data) {
				t.Fatal("IsNetLog = false")
			}
			l, err := Decode(data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if l.Kind != "netlog" || len(l.Runs) != 1 {
				t.Fatalf("kind %q, %d runs; want netlog, 1 run", l.Kind, len(l.Runs))
			}
			r := l.Runs[0]
			if r.Status != 200 || r.Header("content-encoding") != tc.encoding || !strings.Contains(r.URL, "/csv/") {
				t.Errorf("status %d, content-encoding %q, url %s; want 200, %q, a /csv/ URL", r.Status, r.Header("content-encoding"), r.URL, tc.encoding)
			}
			if r.T0EpochMs < 1.7e12 || !strings.HasPrefix(r.StartedAt, "2026-") {
				t.Errorf("t0EpochMs %f, startedAt %s; want the recording's wall clock", r.T0EpochMs, r.StartedAt)
			}
			if r.Loaded == nil || !strings.Contains(r.Loaded.Tool, "NetLog (Everything)") {
				t.Errorf("loaded = %+v; want the tool named with its capture mode", r.Loaded)
			}
			if tc.unclosed {
				if r.Error == "" || r.Bytes == 0 || r.Bytes >= bodyOf20 {
					t.Errorf("error %q, %d bytes; want the reads up to where the file ends, and said so", r.Error, r.Bytes)
				}
				return
			}
			if r.Error != "" {
				t.Errorf("error = %q", r.Error)
			}
			if len(r.Chunks) != tc.reads || r.Bytes != tc.bytes {
				t.Errorf("%d reads, %d bytes; want %d, %d", len(r.Chunks), r.Bytes, tc.reads, tc.bytes)
			}
			if s := r.Spread(); s < 900 {
				t.Errorf("reads spread over %.0f ms; want about 1 s (20 rows, 50 ms apart)", s)
			}
			w := r.Wire
			if w == nil {
				t.Fatal("no wire lane")
			}
			if tc.framing == "" {
				tc.framing = wire.FramingChunked
			}
			if w.Framing != tc.framing || w.Chunks != tc.wireChunks || w.Complete != tc.complete || w.Error != "" {
				t.Errorf("wire: %s, %d chunks, complete %v, error %q; want %s, %d, %v", w.Framing, w.Chunks, w.Complete, w.Error, tc.framing, tc.wireChunks, tc.complete)
			}
			if tc.encoded > 0 && r.Timing.EncodedBodySize != tc.encoded {
				t.Errorf("encodedBodySize = %d; want %d", r.Timing.EncodedBodySize, tc.encoded)
			}
			if tc.encoding == "gzip" && (r.Timing.EncodedBodySize != w.BodyBytes || w.BodyBytes >= r.Bytes) {
				t.Errorf("encodedBodySize %d, wire body %d, decoded %d; want the encoded reads to add up to the wire's body, less than decoded", r.Timing.EncodedBodySize, w.BodyBytes, r.Bytes)
			}
		})
	}
}

// A NetLog's numbers are names only through its own constants: a file
// whose event and source types are numbered otherwise reads the same.
func TestNetLogNamesNumbersFromItsOwnConstants(t *testing.T) {
	data, err := os.ReadFile("testdata/netlog/streaming.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]json.RawMessage
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	var c map[string]json.RawMessage
	json.Unmarshal(f["constants"], &c)
	for _, k := range []string{"logEventTypes", "logSourceType"} {
		var m map[string]int
		json.Unmarshal(c[k], &m)
		for name := range m {
			m[name] += 1000
		}
		c[k], _ = json.Marshal(m)
	}
	f["constants"], _ = json.Marshal(c)
	var events []map[string]any
	json.Unmarshal(f["events"], &events)
	for _, e := range events {
		e["type"] = e["type"].(float64) + 1000
		s := e["source"].(map[string]any)
		s["type"] = s["type"].(float64) + 1000
	}
	f["events"], _ = json.Marshal(events)
	shifted, _ := json.Marshal(f)
	got, err := Decode(shifted)
	if err != nil {
		t.Fatalf("renumbered: %v", err)
	}
	g, w := got.Runs[0], want.Runs[0]
	if len(g.Chunks) != len(w.Chunks) || g.Bytes != w.Bytes || g.Wire.Chunks != w.Wire.Chunks {
		t.Errorf("renumbered: %d reads, %d bytes, %d wire chunks; want %d, %d, %d", len(g.Chunks), g.Bytes, g.Wire.Chunks, len(w.Chunks), w.Bytes, w.Wire.Chunks)
	}
}

// An HTTP/2 request's wire lane is its stream's DATA frames, found by the
// session's HTTP2_SESSION_SEND_HEADERS that names the request as its
// source. Built by hand from the event names Chromium 156 logs (no TLS
// server here for Chromium to speak HTTP/2 to); frames of another stream
// are not this request's.
func TestNetLogHTTP2RequestHasItsStreamsFrames(t *testing.T) {
	ev := func(time, typ, phase, id, src int, params string) string {
		return `{"time":"` + strconv.Itoa(time) + `","type":` + strconv.Itoa(typ) + `,"phase":` + strconv.Itoa(phase) +
			`,"source":{"id":` + strconv.Itoa(id) + `,"type":` + strconv.Itoa(src) + `},"params":` + params + `}`
	}
	const (
		urlReq, session                                                = 7, 9
		alive, start, h2Send, headers, filtered, sendHeaders, recvData = 31, 32, 33, 34, 35, 36, 37
	)
	file := `{"constants":{"logEventTypes":{"REQUEST_ALIVE":31,"URL_REQUEST_START_JOB":32,"HTTP_TRANSACTION_HTTP2_SEND_REQUEST_HEADERS":33,` +
		`"HTTP_TRANSACTION_READ_RESPONSE_HEADERS":34,"URL_REQUEST_JOB_FILTERED_BYTES_READ":35,"HTTP2_SESSION_SEND_HEADERS":36,"HTTP2_SESSION_RECV_DATA":37},` +
		`"logSourceType":{"URL_REQUEST":7,"HTTP2_SESSION":9},"logEventPhase":{"PHASE_BEGIN":1,"PHASE_END":2,"PHASE_NONE":0},"timeTickOffset":"1796554314766"},` +
		`"events":[` + strings.Join([]string{
		ev(1000, alive, 1, 5, urlReq, `{"url":"https://example.test/x"}`),
		ev(1000, start, 1, 5, urlReq, `{"url":"https://example.test/x","method":"GET"}`),
		ev(1002, h2Send, 0, 5, urlReq, `{"headers":[":method: GET",":authority: example.test",":scheme: https",":path: /x"]}`),
		ev(1002, sendHeaders, 0, 3, session, `{"stream_id":3,"headers":[":path: /x"],"source_dependency":{"id":5,"type":1}}`),
		ev(1050, headers, 0, 5, urlReq, `{"headers":["HTTP/1.1 200","content-type: text/csv"]}`),
		ev(1100, recvData, 0, 3, session, `{"stream_id":1,"size":999,"fin":false}`),
		ev(1100, recvData, 0, 3, session, `{"stream_id":3,"size":100,"fin":false}`),
		ev(1101, filtered, 0, 5, urlReq, `{"byte_count":100}`),
		ev(1300, recvData, 0, 3, session, `{"stream_id":3,"size":50,"fin":true}`),
		ev(1301, filtered, 0, 5, urlReq, `{"byte_count":50}`),
		ev(1302, alive, 2, 5, urlReq, `{}`),
	}, ",\n") + `]}`
	l, err := Decode([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	r := l.Runs[0]
	if r.Status != 200 || r.Bytes != 150 || len(r.Chunks) != 2 || r.Chunks[1].T != 301 || r.HeadersMs != 50 || r.Timing.Protocol != "h2" {
		t.Errorf("status %d, %d bytes in %v, headers %v ms, protocol %q; want 200, 150 in reads at 101 and 301 ms, 50 ms, h2", r.Status, r.Bytes, r.Chunks, r.HeadersMs, r.Timing.Protocol)
	}
	w := r.Wire
	if w == nil || w.Framing != wire.FramingH2 || w.Chunks != 2 || w.BodyBytes != 150 || !w.Complete || w.Events[0].T != 100 {
		t.Fatalf("wire = %+v; want the two DATA frames of stream 3 (150 bytes), the first at 100 ms, complete", w)
	}
}

// A NetLog recorded without raw bytes (chrome://net-export's default) has
// the reads and the socket's byte counts but not the bytes: the wire lane
// is the socket's reads, and says why the framing is missing.
func TestNetLogWithoutRawBytesHasTheSocketsReads(t *testing.T) {
	data, err := os.ReadFile("testdata/netlog/streaming.json")
	if err != nil {
		t.Fatal(err)
	}
	stripped := regexp.MustCompile(`,"bytes":"[^"]*"`).ReplaceAll(data, nil)
	stripped = bytes.ReplaceAll(stripped, []byte(`"logCaptureMode":"Everything"`), []byte(`"logCaptureMode":"Default"`))
	l, err := Decode(stripped)
	if err != nil {
		t.Fatal(err)
	}
	r := l.Runs[0]
	if len(r.Chunks) != 20 || r.Bytes != bodyOf20 {
		t.Errorf("%d reads, %d bytes; want 20, %d", len(r.Chunks), r.Bytes, bodyOf20)
	}
	w := r.Wire
	if w == nil || len(w.Events) != 21 || w.Events[0].Kind != wire.KindRead || !strings.Contains(w.Error, `"Everything"`) {
		t.Fatalf("wire = %+v; want the socket's 21 reads, and the reason there is no framing", w)
	}
}

// TestNetLogKeepsEachEncodedRead: a compressed body's reads before
// decoding (URL_REQUEST_JOB_BYTES_READ) are kept read by read, as many and
// as large as the file's events, in time order from the run's start; an
// uncompressed body has none (its decoded reads are its only reads).
func TestNetLogKeepsEachEncodedRead(t *testing.T) {
	for _, file := range []string{"gzip-streaming.json", "streaming.json", "h2-streaming.json"} {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile("testdata/netlog/" + file)
			if err != nil {
				t.Fatal(err)
			}
			// The file's own count, read apart from the decoder.
			var f struct {
				Constants struct {
					EventTypes map[string]int `json:"logEventTypes"`
				} `json:"constants"`
				Events []struct {
					Type   int `json:"type"`
					Params struct {
						ByteCount int `json:"byte_count"`
					} `json:"params"`
				} `json:"events"`
			}
			if err := json.Unmarshal(data, &f); err != nil {
				t.Fatal(err)
			}
			wantReads, wantBytes := 0, 0
			for _, e := range f.Events {
				if e.Type == f.Constants.EventTypes["URL_REQUEST_JOB_BYTES_READ"] {
					wantReads++
					wantBytes += e.Params.ByteCount
				}
			}
			l, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			r := l.Runs[0]
			gotBytes := 0
			prev := 0.0
			for i, c := range r.EncodedReads {
				gotBytes += c.N
				if c.T < prev || c.T > r.EndMs {
					t.Errorf("encoded read %d at %v ms; want in time order, within the run (ends %v ms)", i+1, c.T, r.EndMs)
				}
				prev = c.T
			}
			if len(r.EncodedReads) != wantReads || gotBytes != wantBytes {
				t.Errorf("%d encoded reads of %d bytes; want the file's %d URL_REQUEST_JOB_BYTES_READ of %d bytes", len(r.EncodedReads), gotBytes, wantReads, wantBytes)
			}
			if r.Header("content-encoding") == "gzip" {
				if wantReads == 0 {
					t.Fatal("the gzip fixture has no URL_REQUEST_JOB_BYTES_READ")
				}
				if int64(gotBytes) != r.Timing.EncodedBodySize || int64(gotBytes) >= r.Bytes {
					t.Errorf("encoded reads add up to %d; want encodedBodySize %d, less than the decoded %d", gotBytes, r.Timing.EncodedBodySize, r.Bytes)
				}
				if r.EncodedReads[0].T > r.TTFBMs {
					t.Errorf("first encoded read at %v ms after the first decoded read at %v ms", r.EncodedReads[0].T, r.TTFBMs)
				}
			}
		})
	}
}

// TestNetLogRevalidatedFromCache: a request the server answered 304 whose
// body Chromium read out of its cache (its FILTERED_BYTES_READ follow the
// 304's headers) is a run labelled "from cache after 304", its verdict
// no body over the network and its reads the cache's. The fixture is
// streaming.json with its status line made a 304.
func TestNetLogRevalidatedFromCache(t *testing.T) {
	data, err := os.ReadFile("testdata/netlog/streaming.json")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"HTTP/1\.1 200 OK"`)
	if len(re.FindAll(data, -1)) != 1 {
		t.Fatal("the fixture has not one status line HTTP/1.1 200 OK")
	}
	data = re.ReplaceAll(data, []byte(`"HTTP/1.1 304 Not Modified"`))
	l, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	r := l.Runs[0]
	if r.Status != 304 || len(r.Chunks) != 20 {
		t.Fatalf("status %d, %d reads; want 304 and the cache's 20 reads", r.Status, len(r.Chunks))
	}
	if !strings.HasSuffix(r.Label(), " · from cache after 304") {
		t.Errorf("label %q; want it to end \" · from cache after 304\"", r.Label())
	}
	if r.Verdict.Kind != "no-body" || !strings.Contains(r.Verdict.Detail, "the browser's cache reading out its stored copy") {
		t.Errorf("verdict {%s, %q}; want no-body over the network, the reads the cache's", r.Verdict.Kind, r.Verdict.Detail)
	}
	if r.Timing.EncodedBodySize != 0 {
		t.Errorf("encodedBodySize %d; want 0: no body came over the network", r.Timing.EncodedBodySize)
	}
}
