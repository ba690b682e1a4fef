package keep

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), with two
// custom fields per entry (HAR allows fields starting with "_"):
//   - _chunks: [{ts, bytes}], the convention of WebPageTest and
//     sitespeed.io's chrome-har (Browsertime): one element per piece of the
//     body received, ts in ms from the page's start (the page's
//     startedDateTime), bytes received in that piece.
//   - _chunkscope: the whole run record, so a round trip loses nothing.
type harFile struct {
	Log *harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Pages   []harPage  `json:"pages"`
	Entries []harEntry `json:"entries"`
	// Comment and _secrets say which secrets of the request headers the
	// HAR left out, and which it holds as the user asked (secrets.go).
	Comment string   `json:"comment,omitempty"`
	Secrets *Secrets `json:"_secrets,omitempty"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harPage struct {
	StartedDateTime string         `json:"startedDateTime"`
	ID              string         `json:"id"`
	Title           string         `json:"title"`
	PageTimings     harPageTimings `json:"pageTimings"`
}

type harPageTimings struct {
	OnContentLoad float64 `json:"onContentLoad"`
	OnLoad        float64 `json:"onLoad"`
}

type harEntry struct {
	Pageref         string      `json:"pageref,omitempty"`
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	Chunks          []harChunk  `json:"_chunks,omitempty"`
	Chunkscope      *record.Run `json:"_chunkscope,omitempty"`
	Comment         string      `json:"comment,omitempty"`
}

type harRequest struct {
	Method      string  `json:"method"`
	URL         string  `json:"url"`
	HTTPVersion string  `json:"httpVersion"`
	Cookies     []harNV `json:"cookies"`
	Headers     []harNV `json:"headers"`
	QueryString []harNV `json:"queryString"`
	HeadersSize int64   `json:"headersSize"`
	BodySize    int64   `json:"bodySize"`
	Comment     string  `json:"comment,omitempty"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []harNV    `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int64      `json:"headersSize"`
	BodySize    int64      `json:"bodySize"`
}

type harContent struct {
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// harTimings: -1 is the HAR spelling of "does not apply / not known".
type harTimings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	SSL     float64 `json:"ssl"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

type harChunk struct {
	Ts    float64 `json:"ts"`
	Bytes int64   `json:"bytes"`
}

// HAR writes the runs as a HAR 1.2 log: one page (the view), one entry per
// run. origin ("http://127.0.0.1:8000") makes the runs' URLs absolute, as
// HAR wants them. Each entry starts when its request left (t = 0 on the
// wall clock, t0EpochMs), so sequential runs stay sequential in a HAR
// viewer. timings: from the browser's Resource Timing where the run has
// it (blocked, connect, wait = the network's first byte; DNS and SSL are
// -1, send 0: it does not split them), else wait is the first read (TTFB);
// receive is the rest of the body.
//
// The request's headers are the page's own (record.Run.RequestHeaders),
// each secret left out (HARWith holds those the user asked for); the
// request's and the log's comments name what was left out.
func HAR(runs []*record.Run, origin, version string) ([]byte, error) {
	return HARWith(runs, origin, version, Options{})
}

// HARWith is HAR with what the user asked: the secrets' values to hold.
func HARWith(runs []*record.Run, origin, version string, opt Options) ([]byte, error) {
	runs, secrets := withSecrets(runs, opt.Secrets)
	start := pageStart(runs)
	log := harLog{
		Version: "1.2",
		Creator: harCreator{Name: "chunkscope", Version: cmpOr(version, "dev")},
		Pages: []harPage{{StartedDateTime: start.UTC().Format(time.RFC3339Nano), ID: "page_1", Title: "chunkscope view",
			PageTimings: harPageTimings{OnContentLoad: -1, OnLoad: -1}}},
		Entries: []harEntry{},
		Secrets: secrets,
	}
	if secrets != nil {
		log.Comment = secrets.Note
	}
	for _, r := range runs {
		offset, started := 0.0, r.StartedAt
		if t, ok := requestLeft(r); ok {
			offset = float64(t.Sub(start)) / float64(time.Millisecond)
			started = t.UTC().Format(time.RFC3339Nano)
		}
		u := r.URL
		if strings.HasPrefix(u, "/") {
			u = origin + u
		}
		timings := harTimingsOf(r)
		e := harEntry{
			Pageref:         "page_1",
			StartedDateTime: started,
			Time:            timings.total(),
			Request: harRequest{Method: r.Method, URL: u, HTTPVersion: httpVersion(r), Cookies: []harNV{}, Headers: []harNV{},
				QueryString: query(u), HeadersSize: -1},
			Response: harResponse{Status: r.Status, StatusText: statusText(r), HTTPVersion: httpVersion(r), Cookies: []harNV{}, Headers: nvs(r.Headers),
				Content:     harContent{Size: r.Bytes, MimeType: r.Header("content-type")},
				HeadersSize: -1, BodySize: -1},
			Timings:    timings,
			Chunks:     make([]harChunk, len(r.Chunks)),
			Chunkscope: r,
		}
		for i, c := range r.Chunks {
			e.Chunks[i] = harChunk{Ts: offset + c.T, Bytes: int64(c.N)}
		}
		e.Request.Headers, e.Request.Cookies, e.Request.Comment = requestHeaders(r)
		e.Comment = harComment(r) // curltrace_date.go
		log.Entries = append(log.Entries, e)
	}
	b, err := json.MarshalIndent(harFile{Log: &log}, "", " ")
	if err != nil {
		return nil, fmt.Errorf("the runs cannot be written as a HAR: %w", err)
	}
	return b, nil
}

// pageStart is the earliest run's start: the page's start in the HAR.
func pageStart(runs []*record.Run) time.Time {
	var start time.Time
	for _, r := range runs {
		if t, ok := requestLeft(r); ok && (start.IsZero() || t.Before(start)) {
			start = t
		}
	}
	if start.IsZero() {
		start = time.Unix(0, 0)
	}
	return start
}

// requestLeft is when r's request left on the wall clock: t = 0
// (t0EpochMs), or, for a run without it (a wire-only run, an older file),
// when it was planned (startedAt), up to a few hundred ms earlier.
func requestLeft(r *record.Run) (time.Time, bool) {
	if r.T0EpochMs > 0 {
		return time.UnixMicro(int64(math.Round(r.T0EpochMs * 1000))), true
	}
	t, err := time.Parse(time.RFC3339Nano, r.StartedAt)
	return t, err == nil
}

// harTimingsOf splits r's time as HAR does. With Resource Timing (times
// from t = 0): blocked until the request went to its connection (less the
// connect), connect where a connection was opened (-1: one was reused),
// wait to the network's first byte, receive to the last read. Without it,
// wait is the first read.
func harTimingsOf(r *record.Run) harTimings {
	h := harTimings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Send: 0, Wait: r.TTFBMs, Receive: math.Max(0, r.TotalMs-r.TTFBMs)}
	rt := r.Timing
	if rt == nil || rt.RequestStartMs <= 0 || rt.ResponseStartMs < rt.RequestStartMs {
		return h
	}
	blocked := rt.RequestStartMs - rt.StartMs
	if rt.ConnectStartMs > 0 && rt.ConnectEndMs >= rt.ConnectStartMs {
		h.Connect = rt.ConnectEndMs - rt.ConnectStartMs
		blocked -= h.Connect
	}
	h.Blocked = math.Max(0, blocked)
	h.Wait = rt.ResponseStartMs - rt.RequestStartMs
	h.Receive = math.Max(0, r.TotalMs-rt.ResponseStartMs)
	return h
}

// total is the entry's time: the sum of the timings that apply.
func (h harTimings) total() float64 {
	sum := 0.0
	for _, v := range []float64{h.Blocked, h.DNS, h.Connect, h.SSL, h.Send, h.Wait, h.Receive} {
		sum += math.Max(0, v)
	}
	return sum
}

func httpVersion(r *record.Run) string {
	if r.Wire != nil && r.Wire.Proto != "" {
		return r.Wire.Proto
	}
	if r.Upstream != nil {
		return r.Upstream.Proto // as the upstream answered /upstream
	}
	switch p := r.Timing; {
	case p == nil || p.Protocol == "":
	case p.Protocol == "http/1.1":
		return "HTTP/1.1"
	case p.Protocol == "h2":
		return "HTTP/2.0"
	case p.Protocol == "h3":
		return "HTTP/3"
	default:
		return p.Protocol // Resource Timing's nextHopProtocol, as the browser named it
	}
	return "unknown" // neither fetch() nor anything else recorded says which protocol carried it
}

// statusText is the reason phrase where it is known: an upstream's hop
// passes its own on, and chunkscope's own server (Go's net/http) always
// sends the standard one. A loaded run's is not kept.
func statusText(r *record.Run) string {
	switch {
	case r.Upstream != nil:
		return r.Upstream.StatusText
	case r.Loaded == nil && r.Scenario != record.Upstream && r.Source != record.SourceWire:
		return http.StatusText(r.Status)
	}
	return ""
}

// requestHeaders are the page's own request headers of r as a HAR request
// has them: each secret left out (its value wire.LeftOut in the record)
// is not listed, and the comment names it; a Cookie held is also split into
// cookies.
func requestHeaders(r *record.Run) (headers, cookies []harNV, comment string) {
	headers, cookies = []harNV{}, []harNV{}
	var left []string
	for _, h := range nvs(r.RequestHeaders) {
		if h.Value == wire.LeftOut {
			left = append(left, h.Name)
			continue
		}
		headers = append(headers, h)
		if h.Name == "Cookie" {
			for part := range strings.SplitSeq(h.Value, ";") {
				if name, value, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
					cookies = append(cookies, harNV{name, value})
				}
			}
		}
	}
	if len(left) > 0 {
		comment = "chunkscope left out the request's " + strings.Join(left, ", ") + " (secrets): the run sent them, this HAR does not hold their values."
	}
	return headers, cookies, comment
}

func nvs(h map[string]string) []harNV {
	out := make([]harNV, 0, len(h))
	for k, v := range h {
		out = append(out, harNV{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func query(raw string) []harNV {
	out := []harNV{}
	u, err := url.Parse(raw)
	if err != nil {
		return out
	}
	for k, vs := range u.Query() {
		for _, v := range vs {
			out = append(out, harNV{k, v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// noChunks is why a HAR none of whose entries has _chunks cannot be
// drawn, naming the tool that wrote it (log.creator): which tools write
// _chunks is what a person needs to know next.
func noChunks(c harCreator) string {
	name := strings.TrimSpace(c.Name + " " + c.Version)
	low := strings.ToLower(c.Name)
	const fix = "record a NetLog (chrome://net-export) or a curl trace (--trace-ascii F --trace-time), or a HAR with WebPageTest or sitespeed.io (chrome-har), which write _chunks"
	switch {
	case c.Name == "WebInspector":
		return "Chrome DevTools' HAR export has no per-read timings (_chunks), only each entry's totals: " + fix
	case strings.Contains(low, "firefox"):
		return "Firefox's HAR export has no per-read timings (_chunks), only each entry's totals: " + fix
	case strings.Contains(low, "webpagetest"):
		return name + " wrote no per-read timings (_chunks) in this HAR (its newer agent, wptagent, writes them for every entry with a body): " +
			"run the test again on a current WebPageTest, or " + fix
	case name == "":
		return "this HAR (its creator unnamed) has no per-read timings (_chunks), only each entry's totals: " + fix
	}
	return name + "'s HAR has no per-read timings (_chunks), only each entry's totals: " + fix
}

// bodiless says whether a HAR entry's response has no body to read: a
// redirect, a 1xx, 204 or 304, a HEAD, an empty body. The tools that write
// _chunks write none for these.
func bodiless(e harEntry) bool {
	st := e.Response.Status
	switch {
	case e.Request.Method == "HEAD", st < 200 && st > 0, st == 204, st == 304:
		return true
	case st >= 300 && st < 400 && (e.Response.RedirectURL != "" || st != 300):
		return true
	}
	return e.Response.Content.Size <= 0 && e.Response.BodySize <= 0
}

// isWPT says whether a HAR was written by WebPageTest, whose _chunks mean
// something else than chrome-har's: an entry starts when its request was
// sent (after DNS, connect and TLS, which its timings give), and bytes are
// as they came (encoded), where chrome-har's entries start at the
// request's start on the network and count decoded bytes.
func isWPT(c harCreator) bool { return strings.Contains(strings.ToLower(c.Name), "webpagetest") }

// decodeHAR makes lanes of a HAR's entries: our own entries come back as
// their records (_chunkscope); another tool's entries with _chunks become
// records of their arrivals; the others are skipped, each with its reason.
func decodeHAR(data []byte) (Loaded, error) {
	var f struct {
		Log *struct {
			Version string          `json:"version"`
			Creator harCreator      `json:"creator"`
			Pages   []harPage       `json:"pages"`
			Entries json.RawMessage `json:"entries"`
			Secrets *Secrets        `json:"_secrets"`
		} `json:"log"`
	}
	if err := json.Unmarshal(data, &f); err != nil || f.Log == nil {
		return Loaded{}, errors.New(`This file has a "log" but it is not a HAR log: there is nothing in it to draw.`)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(f.Log.Entries, &raw); err != nil || len(raw) == 0 {
		return Loaded{}, errors.New("This HAR has no entries: there is nothing in it to draw.")
	}
	pages := map[string]time.Time{}
	for _, p := range f.Log.Pages {
		if t, err := time.Parse(time.RFC3339Nano, p.StartedDateTime); err == nil {
			pages[p.ID] = t
		}
	}
	tool := strings.TrimSpace(f.Log.Creator.Name + " " + f.Log.Creator.Version)
	wpt := isWPT(f.Log.Creator)
	if wpt {
		tool += ": t = 0 when each request was sent (after DNS, connect and TLS), bytes as they came (encoded)"
	}
	out := Loaded{Kind: "har"}
	type foreign struct {
		e     harEntry
		start time.Time
	}
	var others []foreign
	var first time.Time
	for i, r := range raw {
		var e harEntry
		if err := json.Unmarshal(r, &e); err != nil {
			out.Skipped = append(out.Skipped, Skipped{URL: "entry " + strconv.Itoa(i+1), Reason: "not a HAR entry: " + err.Error()})
			continue
		}
		if e.Chunkscope != nil {
			if err := checkRuns([]*record.Run{e.Chunkscope}); err != nil {
				return Loaded{}, fmt.Errorf("Entry %d of this HAR: %s", i+1, strings.TrimPrefix(err.Error(), "Run 1 "))
			}
			redactLoaded([]*record.Run{e.Chunkscope}, f.Log.Secrets.included())
			out.Runs = append(out.Runs, e.Chunkscope)
			continue
		}
		start, err := time.Parse(time.RFC3339Nano, e.StartedDateTime)
		if err != nil {
			out.Skipped = append(out.Skipped, Skipped{URL: e.Request.URL, Reason: "its startedDateTime is not a date"})
			continue
		}
		if first.IsZero() || start.Before(first) {
			first = start
		}
		others = append(others, foreign{e, start})
	}
	anyChunks := false
	for _, o := range others {
		anyChunks = anyChunks || len(o.e.Chunks) > 0
	}
	for i, o := range others {
		if len(o.e.Chunks) == 0 {
			switch {
			case !anyChunks:
				out.Skipped = append(out.Skipped, Skipped{URL: o.e.Request.URL, Reason: noChunks(f.Log.Creator)})
			case bodiless(o.e):
				out.Runs = append(out.Runs, bodilessRun(o.e, tool, wpt, i))
			default:
				out.Skipped = append(out.Skipped, Skipped{URL: o.e.Request.URL, Reason: fmt.Sprintf(
					"no _chunks, though its response has a body (%s bytes): %s recorded no reads for it", thousands(int(max(o.e.Response.Content.Size, o.e.Response.BodySize))), cmpOr(tool, "the tool that wrote this HAR"))})
			}
			continue
		}
		page, ok := pages[o.e.Pageref]
		if !ok {
			page = first
		}
		r, why := fromEntry(o.e, float64(o.start.Sub(page))/float64(time.Millisecond), tool, wpt, i)
		if why != "" {
			out.Skipped = append(out.Skipped, Skipped{URL: o.e.Request.URL, Reason: why})
			continue
		}
		out.Runs = append(out.Runs, r)
	}
	if len(out.Runs) == 0 {
		why := "none of its entries can be drawn"
		if len(out.Skipped) > 0 {
			why = out.Skipped[0].Reason
		}
		return Loaded{}, fmt.Errorf("This HAR has %s and none can be drawn: %s.", record.Plural(len(raw), "entry"), why)
	}
	return out, nil
}

// tolerance is how far before its request a chunk may be stamped and still
// be read as the request's start: HAR dates have millisecond precision.
const tolerance = 2.0

// fromEntry makes a record of another tool's entry with _chunks: its
// arrivals (ts minus the entry's start on the page), cumulative bytes, TTFB
// (the first arrival), headers (the timings before receive) and a verdict
// from the arrivals. offset is the entry's start in ms after its page's.
func fromEntry(e harEntry, offset float64, tool string, wpt bool, i int) (*record.Run, string) {
	r := entryRun(e, i)
	prev := 0.0
	for j, c := range e.Chunks {
		t := c.Ts - offset
		switch {
		case math.IsNaN(t) || math.IsInf(t, 0):
			return nil, fmt.Sprintf("its chunk %d has no finite time", j+1)
		case t < -tolerance:
			return nil, fmt.Sprintf("its chunk %d is stamped %s before the request started", j+1, record.Ms(-t))
		case c.Bytes < 0:
			return nil, fmt.Sprintf("its chunk %d has %d bytes", j+1, c.Bytes)
		}
		if t < prev-tolerance {
			return nil, fmt.Sprintf("its chunks are not in time order (chunk %d)", j+1)
		}
		// Within the dates' millisecond precision: the request's start, or
		// the chunk before.
		t = math.Max(t, prev)
		prev = t
		r.Append(record.Chunk{T: t, N: int(c.Bytes)})
	}
	r.Respond(e.Response.Status, entryHeaders(e), math.Min(headersAt(e, wpt), r.TTFBMs))
	r.TotalMs = math.Max(e.Time, r.Chunks[len(r.Chunks)-1].T)
	return finishEntry(r, tool, wpt), ""
}

// bodilessRun is the lane of an entry with no body (bodiless): its
// headers' time, and nothing to read.
func bodilessRun(e harEntry, tool string, wpt bool, i int) *record.Run {
	r := entryRun(e, i)
	at := headersAt(e, wpt)
	r.Respond(e.Response.Status, entryHeaders(e), at)
	r.TTFBMs, r.TotalMs = at, at
	r = finishEntry(r, tool, wpt)
	if st := e.Response.Status; st >= 300 && st < 400 && st != 304 {
		// record.Explain reads any status outside 2xx as a failure; a
		// page load's redirect is one of its steps.
		to := ""
		if e.Response.RedirectURL != "" {
			to = " to " + clip(e.Response.RedirectURL, 200)
		}
		r.Verdict = record.Verdict{Kind: record.KindNoBody, Detail: fmt.Sprintf("%d: a redirect%s, with no body; the headers came after %s.", st, to, record.Sec(at))}
	}
	return r
}

// entryRun is a record for another tool's HAR entry, before its reads.
func entryRun(e harEntry, i int) *record.Run {
	r := record.New(record.Plan{
		ID:       "har-" + strconv.Itoa(i+1),
		Scenario: record.Upstream,
		Method:   e.Request.Method,
		URL:      e.Request.URL,
		Params:   map[string]string{"url": e.Request.URL},
		ReadMode: "network",
	})
	r.StartedAt = e.StartedDateTime
	return r
}

// finishEntry ends an entry's record: its verdict, where it came from, and
// for WebPageTest's a label that says its bytes are encoded.
func finishEntry(r *record.Run, tool string, wpt bool) *record.Run {
	r.EndMs = math.Max(r.EndMs, r.TotalMs)
	r.Done = true
	r.Verdict = record.Explain(r)
	r.Loaded = &record.Loaded{Format: "har", Tool: tool}
	if wpt && len(r.Chunks) > 0 {
		r.Hop = r.Label() + " · encoded bytes"
	}
	return r
}

// entryHeaders is a HAR response's headers as a record keeps them.
func entryHeaders(e harEntry) map[string]string {
	h := map[string]string{}
	for _, nv := range e.Response.Headers {
		name := strings.ToLower(nv.Name)
		if old, ok := h[name]; ok {
			h[name] = old + ", " + nv.Value
		} else {
			h[name] = nv.Value
		}
	}
	return h
}

// headersAt is when an entry's headers came, from its start: the timings
// before receive. A WebPageTest entry starts when its request was sent, so
// only send and wait come after its start.
func headersAt(e harEntry, wpt bool) float64 {
	steps := []float64{e.Timings.Blocked, e.Timings.DNS, e.Timings.Connect, e.Timings.Send, e.Timings.Wait}
	if wpt {
		steps = steps[3:]
	}
	at := 0.0
	for _, v := range steps {
		at += math.Max(0, v) // ssl is part of connect in HAR
	}
	return at
}
