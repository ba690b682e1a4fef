package keep

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"chunkscope/app/record"
	"chunkscope/app/wire"
	"chunkscope/app/wire/h1"
)

// A Chrome NetLog (chrome://net-export, or Chromium's --log-net-log=FILE):
// {"constants": {...}, "events": [...], "polledData": {...}}, written as
// the browser goes, so a browser killed while recording leaves the file
// without its end. Each event is {"time", "type", "phase", "source": {"id",
// "type"}, "params"}; the numbers of event types, source types and phases
// are names in the file's own constants (they change between Chrome
// versions), and time is ms on the browser's tick clock:
// constants.timeTickOffset + time is ms since the Unix epoch.
//
// Every URL request becomes a run:
//   - t = 0: its first URL_REQUEST_START_JOB;
//   - status and headers: HTTP_TRANSACTION_READ_RESPONSE_HEADERS;
//   - reads: URL_REQUEST_JOB_FILTERED_BYTES_READ, each read of the body
//     as the page gets it (decoded); URL_REQUEST_JOB_BYTES_READ, the same
//     body before content decoding (logged only when the body is
//     compressed), read by read in encodedReads (drawn as the lane
//     "encoded reads") and summed in timing.encodedBodySize;
//   - the wire lane: its socket's SOCKET_BYTES_RECEIVED (or
//     SSL_SOCKET_BYTES_RECEIVED) while the request held the socket
//     (SOCKET_IN_USE, bound to the request's HTTP stream job); with raw
//     bytes captured (capture mode "Everything") they are parsed by the
//     wire probe's own parser (app/wire/h1): status, headers, chunk
//     framing. HTTP/2: the session's HTTP2_SESSION_RECV_DATA frames of the
//     request's stream.

// nlEvent is one NetLog event, its numbers as the file has them.
type nlEvent struct {
	Time   nlNumber `json:"time"`
	Type   int      `json:"type"`
	Phase  int      `json:"phase"`
	Source struct {
		ID   int64 `json:"id"`
		Type int   `json:"type"`
	} `json:"source"`
	Params json.RawMessage `json:"params"`
}

// nlNumber is a number NetLog writes as a string ("time": "9400640") or
// as a number (older files, constants.timeTickOffset).
type nlNumber float64

func (n *nlNumber) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%s is not a time", clip(string(b), 20))
	}
	*n = nlNumber(v)
	return nil
}

// nlConstants is what chunkscope reads of a NetLog's constants.
type nlConstants struct {
	EventTypes  map[string]int `json:"logEventTypes"`
	SourceTypes map[string]int `json:"logSourceType"`
	Phases      map[string]int `json:"logEventPhase"`
	TickOffset  *nlNumber      `json:"timeTickOffset"`
	CaptureMode string         `json:"logCaptureMode"`
	NetErrors   map[string]int `json:"netError"`
	ClientInfo  map[string]any `json:"clientInfo"`
}

// The event and source types chunkscope reads, by name.
var nlTypes = []string{
	"REQUEST_ALIVE", "URL_REQUEST_START_JOB", "HTTP_TRANSACTION_SEND_REQUEST",
	"HTTP_TRANSACTION_READ_RESPONSE_HEADERS", "URL_REQUEST_JOB_FILTERED_BYTES_READ",
	"URL_REQUEST_JOB_BYTES_READ", "HTTP_STREAM_REQUEST_BOUND_TO_JOB",
	"SOCKET_IN_USE", "SOCKET_BYTES_RECEIVED", "SSL_SOCKET_BYTES_RECEIVED", "TCP_CONNECT",
	"HTTP2_SESSION_SEND_HEADERS", "HTTP2_SESSION_RECV_DATA", "HTTP2_SESSION_RECV_HEADERS",
	"HTTP_TRANSACTION_HTTP2_SEND_REQUEST_HEADERS", "HTTP_TRANSACTION_QUIC_SEND_REQUEST_HEADERS",
	"SSL_CONNECT",
}

// IsNetLog says whether a file's start looks like a Chrome NetLog: an
// object whose first member is "constants" (a closed or an unclosed
// file alike).
func IsNetLog(data []byte) bool {
	head := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	head = bytes.TrimSpace(head[1:])
	return bytes.HasPrefix(head, []byte(`"constants"`)) && bytes.Contains(head[:min(len(head), 1<<20)], []byte(`"logEventTypes"`))
}

// MaxNetLogEvents bounds the events of one NetLog chunkscope reads (it
// keeps only the few kinds above of them).
const MaxNetLogEvents = 5_000_000

// DecodeNetLog makes runs of a NetLog's URL requests. An unclosed file (a
// browser killed while recording) gives what it holds up to its last
// whole event; a request it cuts short is a run marked so.
func DecodeNetLog(data []byte) (Loaded, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return Loaded{}, errors.New("This file starts like a Chrome NetLog but is not a JSON object.")
	}
	var c nlConstants
	var events []nlEvent
	truncated, sawEvents := false, false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			truncated = true
			break
		}
		key, _ := t.(string)
		switch key {
		case "constants":
			if err := dec.Decode(&c); err != nil {
				return Loaded{}, fmt.Errorf("This Chrome NetLog's constants cannot be read: %v.", err)
			}
		case "events":
			if c.EventTypes == nil {
				return Loaded{}, errors.New("This Chrome NetLog has its events before its constants: chunkscope cannot name them.")
			}
			sawEvents = true
			var err error
			events, truncated, err = nlEvents(dec, c)
			if err != nil {
				return Loaded{}, err
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				truncated = true
			}
		}
		if truncated {
			break
		}
	}
	if c.EventTypes == nil || c.SourceTypes == nil {
		return Loaded{}, errors.New("This Chrome NetLog has no constants.logEventTypes or logSourceType: its event numbers cannot be named.")
	}
	if !sawEvents {
		return Loaded{}, errors.New("This Chrome NetLog has no events: nothing was recorded (was the file cut before its first event?).")
	}
	runs, skipped := nlRuns(events, c, truncated)
	tool := "Chrome NetLog"
	if v, ok := c.ClientInfo["version"].(string); ok && v != "" {
		tool = "Chrome " + v + " NetLog"
	}
	if c.CaptureMode != "" {
		tool += " (" + c.CaptureMode + ")"
	}
	for _, r := range runs {
		r.Loaded = &record.Loaded{Format: "netlog", Tool: tool}
	}
	if len(runs) == 0 {
		why := "it holds no URL request that got a response"
		if len(skipped) > 0 {
			why = skipped[0].URL + ": " + skipped[0].Reason
		}
		if truncated {
			why += " (the file ends early: the browser was closed while it recorded)"
		}
		return Loaded{}, fmt.Errorf("This Chrome NetLog has nothing to draw: %s.", why)
	}
	return Loaded{Kind: "netlog", Runs: runs, Skipped: skipped}, nil
}

// nlEvents reads the events array, keeping those of the types chunkscope
// reads. It stops quietly where an unclosed file ends.
func nlEvents(dec *json.Decoder, c nlConstants) ([]nlEvent, bool, error) {
	if t, err := dec.Token(); err != nil {
		return nil, true, nil
	} else if t != json.Delim('[') {
		return nil, false, errors.New(`This Chrome NetLog's "events" is not a list.`)
	}
	keep := map[int]bool{}
	for _, name := range nlTypes {
		if n, ok := c.EventTypes[name]; ok {
			keep[n] = true
		}
	}
	var out []nlEvent
	n := 0
	for dec.More() {
		var e nlEvent
		if err := dec.Decode(&e); err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return out, true, nil // where an unclosed file ends
			}
			// A whole event of the wrong shape: skip it, as a reader of
			// an unknown Chrome version should.
			continue
		}
		if n++; n > MaxNetLogEvents {
			return nil, false, fmt.Errorf("This Chrome NetLog holds more than %s events; chunkscope reads at most %s.", thousands(MaxNetLogEvents), thousands(MaxNetLogEvents))
		}
		if keep[e.Type] {
			out = append(out, e)
		}
	}
	if _, err := dec.Token(); err != nil {
		return out, true, nil
	}
	return out, false, nil
}

// nlRequest is what one URL request source's events say.
type nlRequest struct {
	id                 int64
	url, method        string
	start              float64 // first URL_REQUEST_START_JOB
	sent               float64 // HTTP_TRANSACTION_SEND_REQUEST begins; 0: not seen
	headersAt          float64
	status             int
	statusText, proto  string
	headers            map[string]string
	reads, encoded     []record.Chunk // times on the tick clock
	job                int64          // the HTTP stream job it was bound to
	h2Path             string
	end                float64
	ended              bool
	netError           int
	lastAt             float64
	sawResponseHeaders bool
}

func nlParams[T any](e nlEvent) (T, bool) {
	var v T
	if len(e.Params) == 0 {
		return v, false
	}
	err := json.Unmarshal(e.Params, &v)
	return v, err == nil
}

// nlRuns builds the runs.
func nlRuns(events []nlEvent, c nlConstants, truncated bool) ([]*record.Run, []Skipped) {
	name := map[int]string{}
	for k, v := range c.EventTypes {
		name[v] = k
	}
	source := map[int]string{}
	for k, v := range c.SourceTypes {
		source[v] = k
	}
	begin, end := c.Phases["PHASE_BEGIN"], c.Phases["PHASE_END"]
	if c.Phases == nil {
		begin, end = 1, 2
	}
	errName := map[int]string{}
	for k, v := range c.NetErrors {
		errName[v] = "net::" + k
	}
	reqs := map[int64]*nlRequest{}
	var order []*nlRequest
	sockets := map[int64][]nlEvent{}  // a socket's events, in order
	sessions := map[int64][]nlEvent{} // an HTTP/2 session's
	type dep struct {
		SourceDependency struct {
			ID int64 `json:"id"`
		} `json:"source_dependency"`
	}
	for _, e := range events {
		t := float64(e.Time)
		switch source[e.Source.Type] {
		case "SOCKET":
			sockets[e.Source.ID] = append(sockets[e.Source.ID], e)
			continue
		case "HTTP2_SESSION":
			sessions[e.Source.ID] = append(sessions[e.Source.ID], e)
			continue
		case "URL_REQUEST":
		default:
			continue
		}
		r := reqs[e.Source.ID]
		if r == nil {
			r = &nlRequest{id: e.Source.ID}
			reqs[e.Source.ID] = r
		}
		r.lastAt = t
		switch name[e.Type] {
		case "URL_REQUEST_START_JOB":
			if e.Phase != begin {
				continue
			}
			p, _ := nlParams[struct{ URL, Method string }](e)
			if r.url == "" {
				r.start = t
				order = append(order, r)
			}
			// A redirect starts the job again: the run is the last URL's.
			r.url, r.method = p.URL, p.Method
			r.reads, r.encoded, r.headers, r.status, r.sawResponseHeaders = nil, nil, nil, 0, false
			r.proto, r.h2Path, r.job, r.sent = "", "", 0, 0
		case "HTTP_TRANSACTION_SEND_REQUEST":
			if e.Phase == begin && r.sent == 0 {
				r.sent = t
			}
		case "HTTP_TRANSACTION_READ_RESPONSE_HEADERS":
			p, _ := nlParams[struct{ Headers []string }](e)
			r.headersAt, r.sawResponseHeaders = t, true
			var proto string
			r.status, r.statusText, proto, r.headers = nlHead(p.Headers)
			if r.proto == "" {
				// Chromium writes "HTTP/1.1 200" here for HTTP/2 and 3 too:
				// the stream's own events say which it was.
				r.proto = proto
			}
		case "URL_REQUEST_JOB_FILTERED_BYTES_READ":
			p, _ := nlParams[struct {
				ByteCount int `json:"byte_count"`
			}](e)
			r.reads = append(r.reads, record.Chunk{T: t, N: p.ByteCount})
		case "URL_REQUEST_JOB_BYTES_READ":
			p, _ := nlParams[struct {
				ByteCount int `json:"byte_count"`
			}](e)
			r.encoded = append(r.encoded, record.Chunk{T: t, N: p.ByteCount})
		case "HTTP_STREAM_REQUEST_BOUND_TO_JOB":
			p, _ := nlParams[dep](e)
			r.job = p.SourceDependency.ID
		case "HTTP_TRANSACTION_HTTP2_SEND_REQUEST_HEADERS":
			p, _ := nlParams[struct{ Headers []string }](e)
			r.h2Path = nlPseudo(p.Headers, ":path")
			r.proto = wire.ProtoHTTP2
		case "REQUEST_ALIVE":
			if e.Phase == end {
				p, _ := nlParams[struct {
					NetError int `json:"net_error"`
				}](e)
				r.end, r.ended, r.netError = t, true, p.NetError
			}
		}
	}
	// Which socket each HTTP stream job used, and when.
	type use struct {
		socket      int64
		from, to    float64
		first       bool // the socket's first use: its connect was for this request
		connectFrom float64
		connectTo   float64
	}
	uses := map[int64]use{}
	for id, evs := range sockets {
		var cur *use
		var job int64
		firstUse := true
		var cFrom, cTo float64
		for _, e := range evs {
			switch name[e.Type] {
			case "TCP_CONNECT":
				if e.Phase == begin {
					cFrom = float64(e.Time)
				} else if e.Phase == end {
					cTo = float64(e.Time)
				}
			case "SOCKET_IN_USE":
				if e.Phase == begin {
					p, _ := nlParams[dep](e)
					job = p.SourceDependency.ID
					cur = &use{socket: id, from: float64(e.Time), to: math.Inf(1), first: firstUse, connectFrom: cFrom, connectTo: cTo}
					firstUse = false
					uses[job] = *cur
				} else if e.Phase == end && cur != nil {
					cur.to = float64(e.Time)
					uses[job] = *cur
					cur = nil
				}
			}
		}
	}
	var runs []*record.Run
	var skipped []Skipped
	for _, r := range order {
		switch {
		case !r.sawResponseHeaders && r.ended && r.netError != 0:
			skipped = append(skipped, Skipped{URL: r.url, Reason: "it failed before a response (" + cmpOr(errName[r.netError], "net error "+strconv.Itoa(r.netError)) + ")"})
			continue
		case !r.sawResponseHeaders && !r.ended && truncated:
			skipped = append(skipped, Skipped{URL: r.url, Reason: "the file ends before its response came"})
			continue
		case !r.sawResponseHeaders:
			skipped = append(skipped, Skipped{URL: r.url, Reason: "no response headers were recorded for it (served from the cache or by a service worker, or not over HTTP)"})
			continue
		}
		run := nlRun(r, c)
		if r.proto == wire.ProtoHTTP2 {
			// The session owns the socket: its bytes are every stream's
			// frames, the request's own are its stream's DATA frames.
			run.Wire = nlH2Wire(sessions, name, r)
		} else if u, ok := uses[r.job]; ok && r.job != 0 {
			run.Wire = nlSocketWire(sockets[u.socket], name, r, u.from, u.to)
			if u.first && u.connectTo >= r.start && run.Timing != nil {
				run.Timing.ConnectStartMs, run.Timing.ConnectEndMs = math.Max(0, u.connectFrom-r.start), u.connectTo-r.start
			}
		}
		if run.Wire != nil && run.Timing != nil {
			run.Timing.TransferSize = run.Wire.BodyBytes
		}
		if !r.ended {
			run.Error = "the NetLog ends before this request did (the browser stopped recording, or was killed): its reads so far"
		} else if r.netError != 0 {
			run.Error = "the request failed: " + cmpOr(errName[r.netError], "net error "+strconv.Itoa(r.netError))
		}
		if err := checkRun(run); err != nil {
			skipped = append(skipped, Skipped{URL: r.url, Reason: "its events make no run: it " + err.Error()})
			continue
		}
		runs = append(runs, run)
	}
	return runs, skipped
}

// nlRun is the record of one request: its reads from its start.
func nlRun(r *nlRequest, c nlConstants) *record.Run {
	run := record.New(record.Plan{
		ID:       "netlog-" + strconv.FormatInt(r.id, 10),
		Scenario: record.Upstream,
		Method:   r.method,
		URL:      r.url,
		Params:   map[string]string{"url": r.url},
		ReadMode: "network",
	})
	offset := 0.0
	if c.TickOffset != nil {
		offset = float64(*c.TickOffset)
	}
	epoch := offset + r.start
	run.T0EpochMs = epoch
	run.StartedAt = time.UnixMicro(int64(math.Round(epoch * 1000))).UTC().Format(time.RFC3339Nano)
	run.Respond(r.status, r.headers, r.headersAt-r.start)
	prev := 0.0
	for _, ch := range r.reads {
		if ch.N <= 0 {
			continue
		}
		t := math.Max(prev, ch.T-r.start)
		prev = t
		run.Append(record.Chunk{T: t, N: ch.N})
	}
	last := r.headersAt
	if len(r.reads) > 0 {
		last = math.Max(last, r.reads[len(r.reads)-1].T)
	}
	run.TotalMs = last - r.start
	if r.ended {
		run.TotalMs = math.Max(run.TotalMs, math.Min(r.end, last+1)-r.start)
	}
	if len(run.Chunks) == 0 {
		run.TTFBMs = run.HeadersMs
	}
	run.EndMs = math.Max(run.EndMs, run.TotalMs)
	run.Done = true
	timing := &record.ResourceTiming{ResponseStartMs: run.HeadersMs, ResponseEndMs: run.TotalMs, Protocol: nlProtocol(r.proto)}
	if r.sent > 0 {
		timing.RequestStartMs = r.sent - r.start
	}
	var enc int64
	prev = 0
	for _, ch := range r.encoded {
		enc += int64(ch.N)
		if ch.N <= 0 {
			continue
		}
		// Each encoded read as it arrived: the compressed body's own
		// pace, beside the decoded reads the page got.
		t := math.Max(prev, ch.T-r.start)
		prev = t
		run.EncodedReads = append(run.EncodedReads, record.Chunk{T: t, N: ch.N})
		run.EndMs = math.Max(run.EndMs, t)
	}
	if len(r.encoded) == 0 {
		enc = run.Bytes // no content decoding: the body as sent
	}
	timing.EncodedBodySize = enc
	run.Timing = timing
	if r.status == 304 && len(run.Chunks) > 0 {
		// A revalidation: the server's 304 carried no body, and Chromium
		// read its stored copy out of its cache; the lane says whose
		// reads they are (so does the verdict).
		run.Hop = run.Label() + " · from cache after 304"
		timing.EncodedBodySize = 0 // none came over the network
	}
	run.Verdict = record.Explain(run)
	return run
}

// nlHead parses a NetLog's response headers: a list whose first line is
// the status line.
func nlHead(lines []string) (status int, text, proto string, h map[string]string) {
	h = map[string]string{}
	for i, l := range lines {
		if i == 0 {
			f := strings.SplitN(l, " ", 3)
			if len(f) >= 2 {
				status, _ = strconv.Atoi(f[1])
				proto = f[0]
			}
			if len(f) == 3 {
				text = f[2]
			}
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if old, ok := h[k]; ok {
			v = old + ", " + v
		}
		h[k] = v
	}
	return status, text, proto, h
}

// nlPseudo finds a pseudo-header (":path: /x") in a header list.
func nlPseudo(lines []string, name string) string {
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, name+": "); ok {
			return v
		}
	}
	return ""
}

func nlProtocol(p string) string {
	switch p {
	case wire.ProtoHTTP2:
		return "h2"
	case wire.ProtoHTTP11:
		return "http/1.1"
	case wire.ProtoHTTP10:
		return "http/1.0"
	}
	return strings.ToLower(p)
}

// nlSocketWire is the wire lane of an HTTP/1.x request: the bytes its
// socket received while the request held it (from its request's send to
// the socket's release), parsed when the file has them.
func nlSocketWire(evs []nlEvent, name map[int]string, r *nlRequest, from, to float64) *record.Wire {
	w := &record.Wire{Events: []wire.Event{}, ContentLength: -1, Proto: r.proto}
	p := h1.NewParser(r.method)
	raw := true
	var got int64
	for _, e := range evs {
		t := float64(e.Time)
		if t < from || t > to {
			continue
		}
		n := name[e.Type]
		if n != "SOCKET_BYTES_RECEIVED" && n != "SSL_SOCKET_BYTES_RECEIVED" {
			continue
		}
		// Under TLS the socket's own bytes are ciphertext; the SSL
		// socket's are the plain HTTP.
		if n == "SOCKET_BYTES_RECEIVED" && nlHasSSL(evs, name) {
			continue
		}
		prm, _ := nlParams[struct {
			ByteCount int    `json:"byte_count"`
			Bytes     string `json:"bytes"`
		}](e)
		at := t - r.start
		got += int64(prm.ByteCount)
		b, err := base64.StdEncoding.DecodeString(prm.Bytes)
		if prm.Bytes == "" || err != nil || len(b) != prm.ByteCount {
			raw = false
		}
		if raw {
			w.Events = append(w.Events, p.Feed(b, at)...)
		} else {
			w.Events = append(w.Events, wire.Event{T: at, Kind: wire.KindRead, Bytes: prm.ByteCount})
		}
		if len(w.Events) > MaxWireEvents {
			w.Events = w.Events[:MaxWireEvents]
			w.Error = "more wire events than chunkscope keeps: the rest are left out"
			break
		}
	}
	if len(w.Events) == 0 {
		return nil
	}
	w.BodyBytes = got
	w.TTFBMs = w.Events[0].T
	w.TotalMs = w.Events[len(w.Events)-1].T
	if raw {
		s := p.Summary()
		w.Status, w.Framing, w.Chunks, w.ContentLength, w.BodyBytes, w.Complete = s.Status, s.Framing, s.Chunks, s.ContentLength, s.BodyBytes, s.Complete
		if s.Proto != "" {
			w.Proto = s.Proto
		}
		if s.Err != "" {
			w.Error = s.Err
		}
		w.Headers = map[string]string{}
		for k, vs := range s.Headers {
			w.Headers[strings.ToLower(k)] = strings.Join(vs, ", ")
		}
	} else {
		w.Status = r.status
		w.Error = "this NetLog has byte counts but not the bytes (record it with raw bytes, \"Everything\", to see the chunk framing)"
	}
	return w
}

// nlHasSSL says whether a socket's events include decrypted reads.
func nlHasSSL(evs []nlEvent, name map[int]string) bool {
	for _, e := range evs {
		if name[e.Type] == "SSL_SOCKET_BYTES_RECEIVED" {
			return true
		}
	}
	return false
}

// nlH2Wire is the wire lane of an HTTP/2 request: the DATA frames of its
// stream, found by the session's SEND_HEADERS naming the request's HTTP
// stream job (Chromium 156) or the request itself as its source (or, in
// files without either, its :path sent after the request started).
func nlH2Wire(sessions map[int64][]nlEvent, name map[int]string, r *nlRequest) *record.Wire {
	type sent struct {
		StreamID         int      `json:"stream_id"`
		Headers          []string `json:"headers"`
		SourceDependency struct {
			ID int64 `json:"id"`
		} `json:"source_dependency"`
	}
	ids := make([]int64, 0, len(sessions))
	for id := range sessions {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		evs := sessions[id]
		stream := 0
		for _, e := range evs {
			if name[e.Type] != "HTTP2_SESSION_SEND_HEADERS" || float64(e.Time) < r.start {
				continue
			}
			p, ok := nlParams[sent](e)
			if !ok {
				continue
			}
			dep := p.SourceDependency.ID
			if dep == r.id || (r.job != 0 && dep == r.job) || (dep == 0 && r.h2Path != "" && nlPseudo(p.Headers, ":path") == r.h2Path) {
				stream = p.StreamID
				break
			}
		}
		if stream == 0 {
			continue
		}
		w := &record.Wire{Events: []wire.Event{}, ContentLength: -1, Proto: wire.ProtoHTTP2, Framing: wire.FramingH2, Status: r.status}
		for _, e := range evs {
			if name[e.Type] != "HTTP2_SESSION_RECV_DATA" {
				continue
			}
			p, _ := nlParams[struct {
				StreamID int  `json:"stream_id"`
				Size     int  `json:"size"`
				Fin      bool `json:"fin"`
			}](e)
			if p.StreamID != stream {
				continue
			}
			at := float64(e.Time) - r.start
			w.Events = append(w.Events, wire.Event{T: at, Kind: wire.KindDataFrame, Bytes: p.Size, Size: int64(p.Size)})
			w.BodyBytes += int64(p.Size)
			if p.Size > 0 {
				w.Chunks++
			}
			if p.Fin {
				w.Complete = true
				w.Events = append(w.Events, wire.Event{T: at, Kind: wire.KindEnd})
				break
			}
		}
		if len(w.Events) == 0 {
			return nil
		}
		w.TTFBMs, w.TotalMs = w.Events[0].T, w.Events[len(w.Events)-1].T
		return w
	}
	return nil
}
