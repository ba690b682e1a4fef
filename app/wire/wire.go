// Package wire is chunkscope's one vocabulary for what crosses between the
// server and the page: the raw probe's events and their kinds, the probe's
// summary as /wire sends it, and a memory sample. It imports nothing, so the
// server (server/probe, server's sampler) and the wasm page (app/record,
// app/chart, app/browser) share these types without either pulling in the
// other's dependencies. Its JSON field names are contracts: /wire's and
// /events's Server-Sent Events and window.chunkscope.runs() carry them.
package wire

// Event is one thing the raw probe saw on the connection: a socket read,
// the status line, a header, a chunk-size line, chunk data, the last chunk,
// the end, the close, an error — or, in HTTP/2, a frame.
type Event struct {
	T     float64 `json:"t"`              // ms since the request was written
	Kind  string  `json:"kind"`           // one of the Kind* constants
	Bytes int     `json:"bytes"`          // wire bytes this event covers
	Size  int64   `json:"size,omitempty"` // chunk size for chunk-size events, declared length for headers-end
	Text  string  `json:"text,omitempty"` // the status, header, trailer or chunk-size line as sent (no CRLF); the framing for headers-end; the reason for error
}

// Kinds of Event, in the order they can appear in a response.
const (
	KindRead       = "read"        // one socket read; Bytes = n
	KindStatus     = "status"      // the status line; Text = the line
	KindHeader     = "header"      // one header line (or obs-fold continuation); Text = the line
	KindHeadersEnd = "headers-end" // the blank line; Text = the framing, or "interim" after a 1xx
	KindChunkSize  = "chunk-size"  // a chunk-size line; Size = the size, Text = the line
	KindChunkData  = "chunk-data"  // data of a chunk seen in one read
	KindLastChunk  = "last-chunk"  // the final 0 chunk-size line; Text = the line
	KindTrailer    = "trailer"     // one trailer line; Text = the line
	KindBody       = "body"        // non-chunked body bytes seen in one read
	KindEnd        = "end"         // the message is complete per its framing
	KindClose      = "close"       // the server closed the connection
	KindError      = "error"       // malformed or truncated framing; Text says what

	KindFrame     = "frame"      // HTTP/2: a frame other than DATA; Text is its type and flags
	KindDataFrame = "data-frame" // HTTP/2: a DATA frame; Bytes and Size are its payload length
)

// Framings of a response body (RFC 9112 §6.3), as Summary.Framing and as
// the Text of the final headers-end event.
const (
	FramingChunked       = "chunked"        // Transfer-Encoding ending in chunked
	FramingContentLength = "content-length" // a Content-Length and no Transfer-Encoding
	FramingClose         = "close"          // the body runs until the server closes
	FramingNone          = "none"           // no body: HEAD, 204 or 304
	FramingH2            = "h2-frames"      // HTTP/2: DATA frames, the end a flag
)

// Protocol names as the probe reports them (Summary.Proto): one spelling
// everywhere, HTTP/2's included (it is "HTTP/2.0" in Go's net/http too).
const (
	ProtoHTTP10 = "HTTP/1.0"
	ProtoHTTP11 = "HTTP/1.1"
	ProtoHTTP2  = "HTTP/2.0"
)

// IsUnit says whether an event is one of the units the wire lane ticks:
// an HTTP/1.1 chunk (its size line, the last chunk) or an HTTP/2 DATA frame.
func IsUnit(kind string) bool {
	return kind == KindChunkSize || kind == KindLastChunk || kind == KindDataFrame
}

// IsBody says whether an event carries body bytes.
func IsBody(kind string) bool {
	return kind == KindChunkData || kind == KindBody || kind == KindDataFrame
}

// Summary is the end of a /wire stream as the page reads it: the probe's
// summary of the response and its two times. The server sends
// server/probe.Result, whose JSON has exactly these names (a test keeps the
// two equal); the probe's own type keeps net/http's Header, which this
// package must not import.
type Summary struct {
	Status        int                 `json:"status"`
	Proto         string              `json:"proto"`             // one of the Proto* constants
	Headers       map[string][]string `json:"headers"`           // canonical names, as net/http's Header
	Trailer       map[string][]string `json:"trailer,omitempty"` // fields after the last chunk
	Framing       string              `json:"framing"`           // one of the Framing* constants
	Chunks        int                 `json:"chunks"`            // data chunks or DATA frames
	ContentLength int64               `json:"contentLength"`     // -1: none
	BodyBytes     int64               `json:"bodyBytes"`
	Complete      bool                `json:"complete"`
	Err           string              `json:"err,omitempty"`
	TTFBMs        float64             `json:"ttfbMs"`
	TotalMs       float64             `json:"totalMs"`
	Events        []Event             `json:"events,omitempty"`
	Dropped       int                 `json:"dropped,omitempty"`
	Dial          *Dial               `json:"dial,omitempty"` // how the probe reached the server, before t = 0
	// Request is what /wire adds to the probe's summary: the request
	// headers it had the probe send beside the probe's own (Host,
	// User-Agent, Accept, Connection), as sent.
	Request map[string]string `json:"request,omitempty"`
}

// Dial is how the probe reached the server before t = 0 (the moment its
// request had been written): the TCP connect and, for https://, the TLS
// handshake, each a duration, so that connect + TLS + ttfb is what curl
// calls time_starttransfer (to within the writing of the request).
type Dial struct {
	ConnectMs float64 `json:"connectMs"`       // the TCP connect took
	TLSMs     float64 `json:"tlsMs,omitempty"` // the TLS handshake took (https:// only)
	// TLSVersion is the version agreed ("TLS 1.3"), ALPN the protocol the
	// server chose in the handshake ("h2", "http/1.1"; absent: it chose
	// none, and HTTP/1.1 is spoken).
	TLSVersion string `json:"tlsVersion,omitempty"`
	ALPN       string `json:"alpn,omitempty"`
	// Certificate is "checked" (it chains to a trusted authority and names
	// the host) or "not checked" (-insecure); absent for http://.
	Certificate string `json:"certificate,omitempty"`
	// T0EpochMs is t = 0 on the wall clock, ms since the Unix epoch, to
	// line the probe up with another tool's timestamps (curl --trace-time).
	T0EpochMs float64 `json:"t0EpochMs"`
}

// Sample is one memory reading, on the server (its sampler, /events) or in
// the page. Heap is always there; the other fields are there when their
// source is: left out, never a made-up zero.
type Sample struct {
	T          float64 `json:"t"`                    // ms: since the request arrived (server) or was sent (page)
	Heap       uint64  `json:"heap"`                 // server: bytes in heap objects; page: the Go wasm heap
	RSS        uint64  `json:"rss,omitempty"`        // server: resident set size
	HeapTotal  uint64  `json:"heapTotal,omitempty"`  // server: heap memory held from the OS
	Goroutines uint64  `json:"goroutines,omitempty"` // server
	JSHeap     uint64  `json:"jsHeap,omitempty"`     // page: performance.memory.usedJSHeapSize
}

// Send is one write of a tagged run's response body as the server's handler
// made it (the server's "sent" events on /events): what left the handler,
// to set beside what arrived. Times are ms since the request arrived, on
// the server's clock, like a Sample's.
type Send struct {
	T         float64 `json:"t"`                 // when the write returned
	N         int64   `json:"n"`                 // bytes handed to net/http
	BlockedMs float64 `json:"blockedMs"`         // how long the write took: long when the client reads slower than the handler writes
	FlushMs   float64 `json:"flushMs,omitempty"` // when the flush that followed returned; absent: not flushed (yet)
	Writes    int     `json:"writes,omitempty"`  // writes merged into this entry when a long run was thinned; absent: one
	// Plain is, for a compressed body, how many bytes of the body before
	// compression this write completes (counted from the start): after it
	// a reader can decode that much. Absent on writes in between and on
	// bodies sent as they are.
	Plain int64 `json:"plain,omitempty"`
}
