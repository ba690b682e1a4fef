package spec

import "chunkscope/app/wire"

// Scenario is one entry of the scenario table: the server mounts its
// endpoint from it, the page lists and explains it, and the tests iterate
// over it. Adding a scenario is adding an entry here, its handler in the
// server, and its test.
type Scenario struct {
	Name    string // the value of the page's scenario parameter
	Path    string // the endpoint that serves it
	Title   string
	Explain string // one paragraph for the page and the README
	// Verdict is the kind of verdict a run of it gets on loopback with the
	// page's example parameters (rows=20&delay=100ms) (see record.Verdict).
	Verdict string
	// Method is the request's method: "" for GET, or HEAD.
	Method string
	// Header holds request headers the scenario needs (If-None-Match).
	Header map[string]string
	// Proto is the HTTP version it needs when the browser cannot send it
	// (wire.ProtoHTTP10 or wire.ProtoHTTP2, spelled as the probe reports
	// it): the page then shows the wire probe's run only.
	Proto string
}

// The protocols a scenario may need (Scenario.Proto), re-exported for the
// server, which has its own wire.
const (
	ProtoHTTP10 = wire.ProtoHTTP10
	ProtoHTTP2  = wire.ProtoHTTP2
)

// Scenarios returns the scenario table, in the order the page lists it. It
// is built once: the page asks for it on every render. The slice is shared:
// callers read it, never change it.
func Scenarios() []Scenario { return table }

// table is the scenario table; byName indexes it.
var (
	table  = buildTable()
	byName = func() map[string]int {
		m := make(map[string]int, len(table))
		for i, sc := range table {
			m[sc.Name] = i
		}
		return m
	}()
)

func buildTable() []Scenario {
	return []Scenario{
		{
			Name:  "buffered",
			Path:  "/csv/buffered",
			Title: "Buffered (HttpResponse)",
			Explain: "The Go twin of the seed's download_csv view: every row is produced at the same pace as " +
				"the streaming twin, but held in memory until the last one exists. Then the whole body is sent " +
				"at once with a Content-Length. The first byte waits for the whole production time, and the " +
				"server holds the whole body in memory.",
			Verdict: "one-piece",
		},
		{
			Name:  "streaming",
			Path:  "/csv/streaming",
			Title: "Streaming (StreamingHttpResponse)",
			Explain: "The Go twin of download_csv_streaming: each group of rows is written and flushed as soon " +
				"as it is produced. There is no Content-Length, so Go frames the body with Transfer-Encoding: " +
				"chunked, one HTTP chunk per group; the first byte leaves after the first group, and the server " +
				"holds only the group in flight. It stops producing as soon as the client goes away.",
			Verdict: "streamed",
		},
		{
			Name:  "http10",
			Path:  "/csv/streaming",
			Title: "An HTTP/1.0 client",
			Explain: "The streaming endpoint, asked in HTTP/1.0 (by the server's raw probe: browsers cannot speak " +
				"it). HTTP/1.0 has no chunked encoding, so Go answers HTTP/1.0 without Content-Length or chunking, " +
				"and the body ends when the connection closes. The flushed groups still arrive as they are produced.",
			Verdict: "streamed",
			Proto:   wire.ProtoHTTP10,
		},
		{
			Name:  "http2",
			Path:  "/csv/streaming",
			Title: "HTTP/2: DATA frames, no chunks",
			Explain: "The streaming endpoint over HTTP/2 (cleartext h2c, by the server's raw probe: browsers speak " +
				"HTTP/2 only over TLS). HTTP/2 has no chunked encoding and no Transfer-Encoding: the body travels " +
				"in DATA frames, and its end is a flag on the last one. It still streams: each flush sends a DATA " +
				"frame at once (Go's HTTP/2 response buffer is 4 KB), so the frames arrive as the groups are produced.",
			Verdict: "streamed",
			Proto:   wire.ProtoHTTP2,
		},
		{
			Name:  "content-length",
			Path:  "/csv/content-length",
			Title: "Content-Length, yet flushed",
			Explain: "The streaming handler, but it announces the Content-Length first. Go then uses no chunked " +
				"framing at all — and still sends every flushed group at once, so the body arrives progressively. " +
				"The seed's Gunicorn rule (no Content-Length, or no streaming) is Gunicorn's: HTTP needs chunking " +
				"only when the length is unknown, and a Go handler that knows it can stream without it.",
			Verdict: "streamed",
		},
		{
			Name:  "head-streaming",
			Path:  "/csv/streaming",
			Title: "HEAD on the streaming endpoint",
			Explain: "A HEAD request gets the headers a GET would, and no body. Go runs the handler all the same " +
				"(the rows are produced and thrown away); its first flush sends the headers at once, without a " +
				"Content-Length and without chunked framing, since no body follows.",
			Verdict: "no-body",
			Method:  "HEAD",
		},
		{
			Name:  "head-buffered",
			Path:  "/csv/buffered",
			Title: "HEAD on the buffered endpoint",
			Explain: "HEAD on the buffered twin: the headers, Content-Length included, wait for the whole body to be " +
				"produced, since the handler sets them only then; then no body follows.",
			Verdict: "no-body",
			Method:  "HEAD",
		},
		{
			Name:  "no-content",
			Path:  "/csv/no-content",
			Title: "204 No Content",
			Explain: "A 204 has no body by definition: no Content-Length, no chunked framing, nothing after the " +
				"headers, whatever the handler would write.",
			Verdict: "no-body",
		},
		{
			Name:  "not-modified",
			Path:  "/csv/not-modified",
			Title: "304 Not Modified",
			Explain: "The request carries If-None-Match with the body's ETag, so the answer is 304: the client's " +
				"copy is still good, and no body follows (the body itself is streamed when the ETag does not match).",
			Verdict: "no-body",
			Header:  map[string]string{"If-None-Match": `"chunkscope-csv"`},
		},
		{
			Name:  "single-write",
			Path:  "/csv/single-write",
			Title: "One write: the iterator with a single item",
			Explain: "The seed's HttpResponse seen from the WSGI side: an iterator with a single item. No " +
				"Content-Length is set, so the body is chunked — in one chunk, written when the whole body exists. " +
				"Chunked framing alone does not make a stream: it takes several pieces, sent as they are produced. " +
				"A body under 2 KB even gets an automatic Content-Length from net/http.",
			Verdict: "one-piece",
		},
		{
			Name:  "no-flush",
			Path:  "/csv/no-flush",
			Title: "Streaming without Flush",
			Explain: "Every group is written, none is flushed. Go's response buffers (2 KB, then 4 KB on the " +
				"connection) coalesce the small writes: the client gets a few larger chunks as the buffers fill, not " +
				"one per group. And a body that still fits the buffer when the handler returns gets an automatic " +
				"Content-Length: with rows=20 it arrives in one piece at the end, like the buffered one.",
			Verdict: "one-piece",
		},
		{
			Name:  "gzip-buffered",
			Path:  "/csv/gzip-buffered",
			Title: "gzip that buffers",
			Explain: "A common compression middleware: it compresses the whole body before sending it, to set a " +
				"Content-Length. Whatever the handler behind it does, the body leaves in one piece at the end.",
			Verdict: "one-piece",
			Header:  map[string]string{"Accept-Encoding": "gzip"}, // browsers send it themselves
		},
		{
			Name:  "gzip-streaming",
			Path:  "/csv/gzip-streaming",
			Title: "gzip that flushes",
			Explain: "The same compression, flushed through: at the end of every group the gzip writer is flushed, " +
				"then the response, so each compressed group leaves as it is produced (the browser inflates as it " +
				"reads). The price is a slightly larger body.",
			Verdict: "streamed",
			Header:  map[string]string{"Accept-Encoding": "gzip"},
		},
		{
			Name:  "accel-no",
			Path:  "/csv/accel-no",
			Title: "X-Accel-Buffering: no",
			Explain: "The streaming endpoint with the X-Accel-Buffering: no header: it tells nginx not to buffer this " +
				"response, whatever proxy_buffering says. Read directly it changes nothing; behind nginx with " +
				"buffering on, it ties the server to the client's pace again instead of letting nginx take the whole " +
				"body off its hands (see make nginx and the README).",
			Verdict: "streamed",
		},
		{
			Name:  "proxy-chunked",
			Path:  "/proxy/default/csv/streaming",
			Title: "ReverseProxy (default) in front of a chunked stream",
			Explain: "httputil.ReverseProxy with its default FlushInterval of 0 — no periodic flush — in front of the " +
				"streaming endpoint. It streams anyway: Go's proxy flushes at once when the upstream body has no " +
				"length (chunked) or is text/event-stream.",
			Verdict: "streamed",
		},
		{
			Name:  "proxy-length",
			Path:  "/proxy/default/csv/content-length",
			Title: "ReverseProxy (default) in front of a sized stream",
			Explain: "The same default proxy in front of the Content-Length endpoint: now the upstream body has a " +
				"length, so the proxy does not flush, and what it copies waits in its response buffer (about 4 KB) " +
				"until it fills or the body ends. With rows=20 nothing reaches the client before the end.",
			Verdict: "one-piece",
		},
		{
			Name:  "proxy-flush",
			Path:  "/proxy/flush/csv/content-length",
			Title: "ReverseProxy with FlushInterval: -1",
			Explain: "The proxy told to flush after every write (FlushInterval: -1): the sized stream passes through " +
				"as it is produced. The same setting matters for any proxy: nginx's proxy_buffering, or an upstream's " +
				"X-Accel-Buffering: no header.",
			Verdict: "streamed",
		},
		{
			Name:  "hidden-flush",
			Path:  "/csv/hidden-flush",
			Title: "A logging middleware that hides Flush",
			Explain: "A middleware wraps the ResponseWriter to log the status, in a struct that has Header, Write " +
				"and WriteHeader but no Flush and no Unwrap. The handler behind it flushes the usual way, " +
				"`if f, ok := w.(http.Flusher); ok { f.Flush() }` — and the check fails silently, so nothing is " +
				"flushed: Go's buffers coalesce the groups into chunks of about 2-4 KB, and a body that still fits " +
				"the 2 KB buffer when the handler returns gets an automatic Content-Length (with rows=20 it arrives in " +
				"one piece at the end).",
			Verdict: "one-piece",
		},
		{
			Name:  "fixed-flush",
			Path:  "/csv/fixed-flush",
			Title: "The same middleware, fixed",
			Explain: "The logging wrapper passes Flush on and has an Unwrap method (so http.NewResponseController " +
				"reaches the connection through it, for Flush and for deadlines): the same handler streams again, " +
				"one chunk per group.",
			Verdict: "streamed",
		},
		{
			Name:  "timeout-handler",
			Path:  "/csv/timeout-handler",
			Title: "http.TimeoutHandler around a stream",
			Explain: "http.TimeoutHandler (here with 1 minute) lets the handler write into a buffer of its own, so " +
				"that it can answer 503 instead if time runs out; its writer has no Flush. The streaming handler " +
				"inside it is buffered whole, and the body leaves in one write when the handler returns (with an " +
				"automatic Content-Length under 2 KB, chunked in one chunk above). A run over a minute gets its 503.",
			Verdict: "one-piece",
		},
		{
			Name:  "write-timeout",
			Path:  "/csv/write-timeout",
			Title: "Server.WriteTimeout cutting a stream",
			Explain: "A server started with WriteTimeout: 500ms (here set the way net/http sets it: one write " +
				"deadline on the connection, 500 ms after the request was read). The stream starts well, and the " +
				"first write after the deadline fails: the connection is closed mid-body, and the client sees a " +
				"truncated response (an error), however fast it reads. WriteTimeout bounds the whole response, " +
				"not a stall.",
			Verdict: "error",
		},
		{
			Name:  "write-deadline",
			Path:  "/csv/write-deadline",
			Title: "The fix: a deadline per write",
			Explain: "The same 500 ms, moved forward before every write with " +
				"http.NewResponseController(w).SetWriteDeadline(time.Now().Add(500*time.Millisecond)): a client that " +
				"stops reading is still cut 500 ms after it stops, but a stream that keeps moving may last as long as " +
				"it needs.",
			Verdict: "streamed",
		},
	}
}

// Lookup finds a scenario by name.
func Lookup(name string) (Scenario, bool) {
	i, ok := byName[name]
	if !ok {
		return Scenario{}, false
	}
	return table[i], true
}

// Index is a scenario's place in the table, -1 for none.
func Index(name string) int {
	if i, ok := byName[name]; ok {
		return i
	}
	return -1
}

// Names lists the scenario names, for error messages.
func Names() []string {
	names := make([]string, 0, len(table))
	for _, sc := range table {
		names = append(names, sc.Name)
	}
	return names
}
