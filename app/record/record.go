// Package record is the run record: the one thing the chart, the summary,
// the verdict, window.chunkscope.runs() and (later) export and replay read.
// Live drawing and replay differ only in who appends to it.
//
// Times are milliseconds on the page's clock (performance.now()), measured
// from t = 0: the performance.now() taken just before the page called
// fetch() for the run's request (README, "t = 0").
//
// A record alone draws the same lane, summary and verdict as the live run
// that produced it: whatever the drawing needs (where the lane ends, why the
// server's memory is missing) is a field here, not state of a component.
// New builds one; Respond, Progress, StartWire, AddWire, FinishWire and
// Finish are the only ways a live run changes it, in that order.
package record

import (
	"strings"
	"time"

	"chunkscope/app/wire"
)

// Version is the schema version of Run. Fields are only ever added; a field
// is never renamed or dropped without a reason in the README.
const Version = 1

// Run is one request and everything observed about it.
type Run struct {
	Version   int               `json:"version"`
	ID        string            `json:"id"`
	Scenario  string            `json:"scenario"`
	Hop       string            `json:"hop,omitempty"` // the hop a hop-by-hop comparison ran it through ("proxy → sized"): the lane's label
	Method    string            `json:"method"`        // GET or HEAD
	URL       string            `json:"url"`
	Params    map[string]string `json:"params"`
	ReadMode  string            `json:"readMode"`  // "stream": count each piece and drop it; "buffer": keep every piece until the end
	StartedAt string            `json:"startedAt"` // wall clock, RFC 3339, for humans and exports
	// T0EpochMs is t = 0 on the wall clock (performance.timeOrigin + t0),
	// ms since the Unix epoch, to line the run up with other timestamps
	// (a server log, a packet capture, per-thread CPU: make bench). Absent
	// where the page did not send the request (a wire-only run).
	T0EpochMs float64           `json:"t0EpochMs,omitempty"`
	Status    int               `json:"status"`    // 0 when no response arrived
	Headers   map[string]string `json:"headers"`   // lower-case names, as fetch reports them
	HeadersMs float64           `json:"headersMs"` // when fetch resolved: the status line and headers arrived
	TTFBMs    float64           `json:"ttfbMs"`    // first body byte; HeadersMs when there is no body
	TotalMs   float64           `json:"totalMs"`   // the reader saw the end of the body
	Bytes     int64             `json:"bytes"`
	Chunks    []Chunk           `json:"chunks"` // one per reader.read() that returned bytes
	Done      bool              `json:"done"`   // the body was read to its end (or failed)
	Error     string            `json:"error,omitempty"`
	// ErrorBody is the start of a non-2xx response's body: the server's
	// one-line reason for a 400.
	ErrorBody string  `json:"errorBody,omitempty"`
	Verdict   Verdict `json:"verdict"`

	// ServerMem holds the server's memory while it served this run, its
	// times mapped onto the page's clock: server time + ClockOffsetMs, an
	// estimate good to ±ClockErrorMs (half the round trip of a /clock
	// request timed just before the run).
	ServerMem        []wire.Sample `json:"serverMem"`
	ServerPeakGrowth int64         `json:"serverPeakGrowth"` // bytes: max heap − the heap when the request arrived
	ClockOffsetMs    float64       `json:"clockOffsetMs"`
	ClockErrorMs     float64       `json:"clockErrorMs"`
	// ClientMem holds the page's memory while it read this run: heap is the
	// Go wasm heap (runtime.ReadMemStats HeapAlloc).
	ClientMem        []wire.Sample `json:"clientMem"`
	ClientPeakGrowth int64         `json:"clientPeakGrowth"` // bytes: max Go heap − the heap before fetch()
	// UAMemory is performance.measureUserAgentSpecificMemory(), started
	// when the body has been read (never inside the measured interval),
	// where the page is cross-origin isolated. It resolves after a GC, often
	// seconds after the run ended: the record in runs() gains it then.
	// Absent where the browser cannot measure.
	UAMemory *UAMemory `json:"uaMemory,omitempty"`
	// Source is "browser" when the page read the body with fetch, "wire"
	// when only the server's raw probe could (HTTP/1.0): then the fields
	// above come from the probe, and Chunks are its socket reads.
	Source string `json:"source"`
	// Wire is the server's raw probe of an identical request, made after
	// the page's own (so the two never share the server): what the browser
	// cannot show, the HTTP framing. Absent unless asked for (wire=1) or
	// needed (source "wire").
	Wire *Wire `json:"wire,omitempty"`

	// EndMs is where the run's lane ends on the time axis: the time read so
	// far while it runs, then the latest of its end, its last memory sample
	// and its wire probe's end.
	EndMs float64 `json:"endMs"`
	// ServerProblem says why the server's memory samples are missing or
	// incomplete ("" when they are all there, or none were asked for).
	ServerProblem string `json:"serverProblem,omitempty"`

	// Sent is the server's send log for this run (its "sent" events on
	// /events): each write of the body as the handler made it, its times
	// mapped onto the page's clock like ServerMem's. Absent when the
	// server did not log it (an upstream, the probe's own requests).
	Sent []wire.Send `json:"sent,omitempty"`

	// Upstream is set on a run read through chunkscope's /upstream hop: the
	// upstream's own status line and framing as they arrived at the hop.
	// Status and Headers are then the upstream's too (the hop is glass);
	// what the hop itself sent the page is in HopHeaders.
	Upstream   *UpstreamHead     `json:"upstream,omitempty"`
	HopHeaders map[string]string `json:"hopHeaders,omitempty"` // lower-case names
	// RequestHeaders are the headers the page set on the request itself
	// (a Cookie, an Accept-Encoding, an If-None-Match: the page's request
	// headers field), each secret's value wire.LeftOut: a Cookie, an
	// Authorization, a header the user marked. Absent when it set none.
	RequestHeaders map[string]string `json:"requestHeaders,omitempty"`

	// Loaded is set on a run that came from a file (app/keep): where it
	// came from and when it was loaded. Its other fields are the file's,
	// so it draws as it did when it was recorded (StartedAt).
	Loaded *Loaded `json:"loaded,omitempty"`

	// Timing is the browser's own Resource Timing entry for the request,
	// beside the read stamps above: its responseStartMs is the network's
	// TTFB, TTFBMs the first read() the page saw. Absent when the browser
	// added no entry (an aborted request) and for source "wire".
	Timing *ResourceTiming `json:"timing,omitempty"`
	// EncodedReads are the body's reads before content decoding, as a
	// file recorded them (a Chrome NetLog's URL_REQUEST_JOB_BYTES_READ,
	// logged only for a compressed body), ms since t = 0 like Chunks,
	// which hold the decoded reads. Drawn as a lane of its own, "encoded
	// reads", under the run's. Absent when the body was not decoded or
	// nothing recorded its encoded reads.
	EncodedReads []Chunk `json:"encodedReads,omitempty"`

	// Pace is how the page's reader took the body, in the syntax of the
	// page's pace= parameter (spec.ParsePace): "64KiB/s", "pause:2s@1MiB",
	// "stop@1MiB", "dead"; absent at full speed.
	Pace string `json:"pace,omitempty"`
	// StoppedMs is when a reader paced to stop stopped reading; ResumedMs
	// when it read again, once the server had let go of the response (its
	// memory stream ended), to see how the body ended. Absent when it did
	// not (it was never told to stop, or the run was stopped first).
	StoppedMs float64 `json:"stoppedMs,omitempty"`
	ResumedMs float64 `json:"resumedMs,omitempty"`
}

// ResourceTiming is the browser's PerformanceResourceTiming entry for a
// run's request, every time in ms since the run's t = 0 (0 where the
// browser gives 0: no such step, e.g. no new connection).
type ResourceTiming struct {
	StartMs float64 `json:"startMs"` // startTime: the browser began the fetch (≈ 0)
	// Worker is workerStart ≠ 0: the page is controlled by a service
	// worker (go-app's, from the second visit on). WorkerSource is
	// workerMatchedSourceType: "network" when the worker's static router
	// sent the request straight to the network, without a fetch event (how
	// chunkscope's worker routes measured requests); "fetch-event" would
	// mean the request went through the worker's script.
	Worker          bool    `json:"worker"`
	WorkerSource    string  `json:"workerSource"`
	WorkerStartMs   float64 `json:"workerStartMs"`
	FetchStartMs    float64 `json:"fetchStartMs"`
	ConnectStartMs  float64 `json:"connectStartMs"` // 0: a kept-alive connection was reused
	ConnectEndMs    float64 `json:"connectEndMs"`
	RequestStartMs  float64 `json:"requestStartMs"`  // the request went to the connection
	ResponseStartMs float64 `json:"responseStartMs"` // first byte of the response: the network TTFB
	ResponseEndMs   float64 `json:"responseEndMs"`   // last byte of the body
	Protocol        string  `json:"protocol"`        // nextHopProtocol, e.g. http/1.1
	TransferSize    int64   `json:"transferSize"`
	EncodedBodySize int64   `json:"encodedBodySize"`
}

// Loaded says where a loaded run came from.
type Loaded struct {
	From   string `json:"from"`   // the file's name, or "load()"
	Format string `json:"format"` // "json" (a session file) or "har"
	At     string `json:"at"`     // when it was loaded, RFC 3339
	// Tool is the HAR's creator ("WebPageTest 21.07"), for runs made from
	// another tool's _chunks.
	Tool string `json:"tool,omitempty"`
}

// Wire is what the raw probe saw. Its times are ms since the probe wrote
// its request: another request, on its own clock, drawn from the same 0.
type Wire struct {
	Events        []wire.Event `json:"events"`
	Status        int          `json:"status"`
	Proto         string       `json:"proto"`
	Framing       string       `json:"framing"` // chunked, content-length, close or none
	Chunks        int          `json:"chunks"`
	ContentLength int64        `json:"contentLength"` // -1: none
	BodyBytes     int64        `json:"bodyBytes"`
	Complete      bool         `json:"complete"`
	TTFBMs        float64      `json:"ttfbMs"`
	TotalMs       float64      `json:"totalMs"`
	Error         string       `json:"error,omitempty"`
	// Request is the headers the probe sent beside its own Host,
	// User-Agent, Accept and Connection: the page's own (Accept-Encoding,
	// Cookie… as the browser sent them: /wire's browser=1) and the
	// scenario's, lower-case names. Absent in records made before it was
	// kept.
	Request map[string]string `json:"request,omitempty"`
	// Headers is the probe's response headers, lower-case names, repeated
	// fields joined with ", ".
	Headers map[string]string `json:"headers,omitempty"`
	// Dial is how the probe connected, before its t = 0: the connect and,
	// for an https:// URL, the TLS handshake and what it agreed (ALPN).
	// Absent in records made before it was kept.
	Dial *wire.Dial `json:"dial,omitempty"`
	// Differs says how the probe's response differed from the page's
	// (status, Content-Encoding, framing, length: WireDiffers), one
	// difference a line. Then the wire lane shows another response, and no
	// verdict draws on it. Absent when they agree, and on a probe-only run.
	Differs []string `json:"differs,omitempty"`
}

// UAMemory is one measurement of the whole page's memory by the browser.
type UAMemory struct {
	T     float64 `json:"t"`     // ms since t = 0, when it resolved
	Bytes uint64  `json:"bytes"` // the browser's estimate for this page
	Error string  `json:"error,omitempty"`
}

// PeakGrowth is the largest heap above the first sample's.
func PeakGrowth(samples []wire.Sample) int64 {
	var peak int64
	for _, s := range samples {
		peak = max(peak, int64(s.Heap)-int64(samples[0].Heap))
	}
	return peak
}

// Chunk is one piece the browser's reader returned. It is not an HTTP chunk:
// the browser merges and splits what arrives on the wire.
type Chunk struct {
	T float64 `json:"t"` // ms since t = 0, when read() returned the piece
	N int     `json:"n"` // bytes
}

// Upstream is the Scenario of a run that read an -upstream URL.
const Upstream = "upstream"

// Source values.
const (
	SourceBrowser = "browser" // the page read the body with fetch
	SourceWire    = "wire"    // only the server's raw probe could (HTTP/1.0, HTTP/2)
)

// Plan is what a run is before it starts: what to request, and how.
type Plan struct {
	ID       string // unique; also the request's run=ID tag for scenarios
	Scenario string // a scenario's name, or Upstream
	Hop      string // the hop of a hop-by-hop comparison, "" for none
	Method   string // "" for GET
	URL      string // what the page fetches
	Params   map[string]string
	ReadMode string
	Source   string // SourceBrowser or SourceWire
	Started  time.Time
	Pace     string // the reader's pace (Run.Pace); "" at full speed
}

// New is the one constructor of a run: every list starts empty, never
// null, so runs() and a loaded file look alike.
func New(p Plan) *Run {
	method := p.Method
	if method == "" {
		method = "GET"
	}
	params := p.Params
	if params == nil {
		params = map[string]string{}
	}
	source := p.Source
	if source == "" {
		source = SourceBrowser
	}
	return &Run{
		Version:   Version,
		ID:        p.ID,
		Scenario:  p.Scenario,
		Hop:       p.Hop,
		Method:    method,
		URL:       p.URL,
		Params:    params,
		ReadMode:  p.ReadMode,
		StartedAt: p.Started.UTC().Format(time.RFC3339Nano),
		Headers:   map[string]string{},
		Chunks:    []Chunk{},
		ServerMem: []wire.Sample{},
		ClientMem: []wire.Sample{},
		Source:    source,
		Pace:      p.Pace,
	}
}

// Respond records the status line and headers, when fetch resolved. A
// response from chunkscope's /upstream hop carries the upstream's own head
// beside it (UpstreamHeadHeader): the record keeps that as Status and
// Headers, and the hop's own headers apart in HopHeaders.
func (r *Run) Respond(status int, headers map[string]string, ms float64) {
	r.Status, r.HeadersMs = status, ms
	r.Headers = map[string]string{}
	for k, v := range headers {
		r.Headers[strings.ToLower(k)] = v
	}
	if up, headers, ok := ParseUpstreamHead(r.Headers[UpstreamHeadHeader], r.Headers[UpstreamFramingHeader]); ok {
		r.HopHeaders, r.Headers = r.Headers, headers
		r.Status, r.Upstream = up.Status, &up
	}
	r.EndMs = max(r.EndMs, ms)
}

// Progress records a batch: pieces read, memory sampled on both sides, and
// how far the run has come.
func (r *Run) Progress(chunks []Chunk, client, server []wire.Sample, elapsedMs float64) {
	r.Append(chunks...)
	r.ClientMem = append(r.ClientMem, client...)
	r.ServerMem = append(r.ServerMem, server...)
	r.EndMs = max(r.EndMs, elapsedMs)
	if !r.Done {
		r.Verdict = Explain(r)
	}
}

// StartWire opens the run's wire section, before the probe's first event.
func (r *Run) StartWire() {
	r.Wire = &Wire{Events: []wire.Event{}, ContentLength: -1}
}

// AddWire appends the probe's events.
func (r *Run) AddWire(events []wire.Event) {
	if r.Wire == nil {
		r.StartWire()
	}
	r.Wire.Events = append(r.Wire.Events, events...)
	if len(events) > 0 {
		r.EndMs = max(r.EndMs, events[len(events)-1].T)
	}
}

// FinishWire records the probe's summary, or why it failed. A probe-only
// run (source "wire") takes its status, headers, pieces and times from it.
func (r *Run) FinishWire(sum wire.Summary, err error) {
	if r.Wire == nil {
		r.StartWire()
	}
	w := r.Wire
	if err != nil {
		w.Error = err.Error()
		if r.Source == SourceWire {
			r.Error = "wire: " + err.Error() // the probe was the whole run
		}
		return
	}
	w.Status, w.Proto, w.Framing, w.Chunks = sum.Status, sum.Proto, sum.Framing, sum.Chunks
	w.ContentLength, w.BodyBytes, w.Complete = sum.ContentLength, sum.BodyBytes, sum.Complete
	w.TTFBMs, w.TotalMs, w.Error = sum.TTFBMs, sum.TotalMs, sum.Err
	w.Request, w.Headers = sum.Request, joined(sum.Headers)
	w.Dial = sum.Dial
	r.EndMs = max(r.EndMs, w.TotalMs)
	if r.Source == SourceWire {
		r.FillFromWire(sum.Headers)
	}
	if r.Done {
		w.Differs = WireDiffers(r)
		r.Verdict = Explain(r) // the wire is evidence too
	}
}

// AddSent appends entries of the server's send log, already on the page's
// clock.
func (r *Run) AddSent(sends ...wire.Send) {
	r.Sent = append(r.Sent, sends...)
	if r.Done {
		r.Verdict = Explain(r)
	}
}

// End is how the page's read of the body ended.
type End struct {
	TotalMs       float64
	T0EpochMs     float64 // see Run.T0EpochMs
	ErrorBody     string  // the start of a non-2xx body
	ClockOffsetMs float64
	ClockErrorMs  float64
	ServerProblem string
	Err           error           // the request or the read failed
	Timing        *ResourceTiming // the browser's entry for the request
	// StoppedMs, ResumedMs: a stopped reader's (see Run.StoppedMs).
	StoppedMs, ResumedMs float64
}

// Finish closes the run: its totals, its peaks, its verdict.
func (r *Run) Finish(e End) {
	if r.Source == SourceBrowser {
		r.TotalMs, r.ErrorBody = e.TotalMs, e.ErrorBody
		r.T0EpochMs = e.T0EpochMs
		r.ClockOffsetMs, r.ClockErrorMs = e.ClockOffsetMs, e.ClockErrorMs
		r.Timing = e.Timing
		r.StoppedMs, r.ResumedMs = e.StoppedMs, e.ResumedMs
		if len(r.Chunks) == 0 {
			r.TTFBMs = r.HeadersMs
		}
	}
	r.EndMs = max(r.EndMs, r.TotalMs)
	if n := len(r.ServerMem); n > 0 {
		r.EndMs = max(r.EndMs, r.ServerMem[n-1].T)
	}
	r.Done = true
	if e.Err != nil && r.Error == "" {
		r.Error = e.Err.Error()
	}
	if len(r.ServerMem) > 0 {
		r.ServerPeakGrowth = PeakGrowth(r.ServerMem)
	}
	if len(r.ClientMem) > 0 {
		r.ClientPeakGrowth = PeakGrowth(r.ClientMem)
	}
	if e.ServerProblem != "" {
		r.ServerProblem = e.ServerProblem
	}
	if r.Wire != nil {
		r.Wire.Differs = WireDiffers(r)
	}
	r.Verdict = Explain(r)
}

// Abandon closes a run that never sent its request (stopped first).
func (r *Run) Abandon(reason string) {
	r.Done, r.Error = true, reason
	r.Verdict = Explain(r)
}

// Label is the lane's name: the scenario, or the upstream's host and path
// (its scheme and query say little in a lane's few characters; the table and
// the card give the whole URL).
func (r *Run) Label() string {
	if r.Hop != "" {
		return r.Hop
	}
	if r.Scenario != Upstream {
		return r.Scenario
	}
	u := r.Params["url"]
	u = strings.TrimPrefix(strings.TrimPrefix(u, "http://"), "https://") // the host first, whatever the scheme
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	return u
}

// Append adds pieces read at the given times and keeps the totals right.
func (r *Run) Append(chunks ...Chunk) {
	for _, c := range chunks {
		if len(r.Chunks) == 0 {
			r.TTFBMs = c.T
		}
		r.Chunks = append(r.Chunks, c)
		r.Bytes += int64(c.N)
	}
}

// Spread is the time from the first piece to the last.
func (r *Run) Spread() float64 {
	if len(r.Chunks) < 2 {
		return 0
	}
	return r.Chunks[len(r.Chunks)-1].T - r.Chunks[0].T
}

// Header returns a response header by its lower-case name.
func (r *Run) Header(name string) string { return r.Headers[name] }

// ThroughWorker says whether the request was handed to a service worker's
// script (a fetch event) on its way: a measured request must not be.
func (t *ResourceTiming) ThroughWorker() bool {
	return t != nil && t.Worker && t.WorkerSource != "network"
}
