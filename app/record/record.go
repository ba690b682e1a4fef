// Package record is the run record: the one thing the chart, the summary,
// the verdict, window.chunkscope.runs() and (later) export and replay read.
// Live drawing and replay differ only in who appends to it.
//
// Times are milliseconds on the page's clock (performance.now()), measured
// from the moment the request was sent.
package record

// Version is the schema version of Run. Fields are only ever added; a field
// is never renamed or dropped without a reason in the README.
const Version = 1

// Run is one request and everything observed about it.
type Run struct {
	Version   int               `json:"version"`
	ID        string            `json:"id"`
	Scenario  string            `json:"scenario"`
	Method    string            `json:"method"` // GET or HEAD
	URL       string            `json:"url"`
	Params    map[string]string `json:"params"`
	ReadMode  string            `json:"readMode"`  // "stream": count each piece and drop it; "buffer": keep every piece until the end
	StartedAt string            `json:"startedAt"` // wall clock, RFC 3339, for humans and exports
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
	ServerMem        []MemSample `json:"serverMem"`
	ServerPeakGrowth int64       `json:"serverPeakGrowth"` // bytes: max heap − the heap when the request arrived
	ClockOffsetMs    float64     `json:"clockOffsetMs"`
	ClockErrorMs     float64     `json:"clockErrorMs"`
	// ClientMem holds the page's memory while it read this run: heap is the
	// Go wasm heap (runtime.ReadMemStats HeapAlloc).
	ClientMem        []MemSample `json:"clientMem"`
	ClientPeakGrowth int64       `json:"clientPeakGrowth"` // bytes: max Go heap − the heap before fetch()
	// UAMemory is performance.measureUserAgentSpecificMemory(), started as
	// the request was sent, where the page is cross-origin isolated. It
	// resolves after a GC, often seconds after the run ended: the record in
	// runs() gains it then. Absent where the browser cannot measure.
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
}

// Wire is what the raw probe saw. Its times are ms since the probe wrote
// its request: another request, on its own clock, drawn from the same 0.
type Wire struct {
	Events        []WireEvent `json:"events"`
	Status        int         `json:"status"`
	Proto         string      `json:"proto"`
	Framing       string      `json:"framing"` // chunked, content-length, close or none
	Chunks        int         `json:"chunks"`
	ContentLength int64       `json:"contentLength"` // -1: none
	BodyBytes     int64       `json:"bodyBytes"`
	Complete      bool        `json:"complete"`
	TTFBMs        float64     `json:"ttfbMs"`
	TotalMs       float64     `json:"totalMs"`
	Error         string      `json:"error,omitempty"`
}

// WireEvent is one event of the probe: a socket read, the status line, a
// header, a chunk-size line (Text is its hex, Size its length), chunk data,
// the last chunk, the end, the close, an error.
type WireEvent struct {
	T     float64 `json:"t"`
	Kind  string  `json:"kind"`
	Bytes int     `json:"bytes"`
	Size  int64   `json:"size,omitempty"`
	Text  string  `json:"text,omitempty"`
}

// UAMemory is one measurement of the whole page's memory by the browser.
type UAMemory struct {
	T     float64 `json:"t"`     // ms since the request was sent, when it resolved
	Bytes uint64  `json:"bytes"` // the browser's estimate for this page
	Error string  `json:"error,omitempty"`
}

// MemSample is one memory reading. Heap is always there; the other fields
// are there when their source is (omitted, never a made-up zero).
type MemSample struct {
	T          float64 `json:"t"`
	Heap       uint64  `json:"heap"`
	RSS        uint64  `json:"rss,omitempty"`        // server: resident set size
	HeapTotal  uint64  `json:"heapTotal,omitempty"`  // server: heap memory held from the OS
	Goroutines uint64  `json:"goroutines,omitempty"` // server
	JSHeap     uint64  `json:"jsHeap,omitempty"`     // client: performance.memory.usedJSHeapSize
}

// PeakGrowth is the largest heap above the first sample's.
func PeakGrowth(samples []MemSample) int64 {
	var peak int64
	for _, s := range samples {
		peak = max(peak, int64(s.Heap)-int64(samples[0].Heap))
	}
	return peak
}

// Chunk is one piece the browser's reader returned. It is not an HTTP chunk:
// the browser merges and splits what arrives on the wire.
type Chunk struct {
	T float64 `json:"t"` // ms from the request being sent
	N int     `json:"n"` // bytes
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
