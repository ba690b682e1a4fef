// Package probe sends one HTTP/1.x request over a plain TCP connection and
// records every read from the socket with its time, parsing the framing as
// the bytes arrive: what curl --raw shows, but in time. It shows whether a
// response was streamed (chunks spread over time) or buffered (one burst
// after a long wait), without a client library merging or splitting reads.
//
// From Go:
//
//	res, err := probe.Do(ctx, probe.Request{URL: "http://127.0.0.1:8000/csv/streaming?rows=5&delay=100ms"},
//		func(e probe.Event) { fmt.Printf("%9.3f ms  %-11s %6d  %s\n", e.T, e.Kind, e.Bytes, e.Text) })
//	if err != nil {
//		return err // no connection, or it broke
//	}
//	fmt.Println(res.Framing, res.Chunks, res.TTFBMs, res.Complete)
//
// From the command line (see Main):
//
//	chunkscope probe 'http://127.0.0.1:8000/csv/streaming?rows=5&delay=100ms'
//	chunkscope probe -http1.0 -json 'http://127.0.0.1:8000/csv/streaming?rows=5'
//
// The Parser can be used alone, on bytes from anywhere.
package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"chunkscope/app/wire"
)

// Event is one thing seen on the wire. It is defined once, in app/wire,
// beside its kinds, so the page decodes what /wire sends with the same type.
type Event = wire.Event

// DefaultMaxEvents is how many events Do keeps in Result.Events unless
// told otherwise: about 100 MB at worst, and hours of a slow stream.
const DefaultMaxEvents = 1_000_000

// Request says what to probe.
type Request struct {
	URL    string // http:// or https://host[:port]/path?query; other schemes are refused
	HTTP10 bool   // send HTTP/1.0 (servers then do not chunk) instead of HTTP/1.1
	Head   bool   // send HEAD instead of GET: the response has no body
	// MaxEvents caps Result.Events (onEvent still sees every event):
	// 0 means DefaultMaxEvents; a negative value keeps none, for callers
	// that only want onEvent.
	MaxEvents int
	// Header adds request headers (If-None-Match, Accept-Encoding: gzip);
	// names or values with CR or LF are refused.
	Header map[string]string
	// TLS says how an https:// server's certificate is checked; the zero
	// value checks it against this machine's authorities.
	TLS TLS
}

// Result is what Do saw. Its Summary fields are the parser's, except Err,
// which also carries the connection's error when Do returns one.
type Result struct {
	Summary
	TTFBMs  float64 `json:"ttfbMs"`            // first byte of the response; 0 if none came
	TotalMs float64 `json:"totalMs"`           // when Do stopped reading
	Events  []Event `json:"events,omitempty"`  // in wire order, up to MaxEvents
	Dropped int     `json:"dropped,omitempty"` // events past MaxEvents, not kept
	// Dial is how the connection was made, before t = 0: the connect
	// and, over TLS, the handshake and what it agreed.
	Dial *wire.Dial `json:"dial,omitempty"`
}

// readBuf is the size of one socket read: a large one, so that each read
// returns what the kernel has, and reads show how the data arrived.
const readBuf = 64 << 10

// Do sends req and reads the response until its framing says it is
// complete, the server closes the connection, the framing breaks, or ctx
// ends (bound a probe with context.WithTimeout). It calls onEvent, if not
// nil, for each event as it happens, on the reading goroutine: keep it
// quick, for the next read waits for it, and a read is timed when it
// returns.
//
// The error is for a probe that could not run or whose connection failed
// (bad URL, dial, write, read, ctx); the Result then holds what was seen
// before. A malformed or truncated response is not an error of Do: it is
// an error event, Result.Err and Complete false.
func Do(ctx context.Context, req Request, onEvent func(Event)) (Result, error) {
	c, err := dial(ctx, req, []string{ALPNHTTP11})
	if err != nil {
		return Result{Summary: Summary{ContentLength: -1, Err: err.Error()}}, err
	}
	defer c.Close()
	return exchange1(ctx, c, req, onEvent)
}

// exchange1 is Do on a connection made by dial.
func exchange1(ctx context.Context, conn *dialed, req Request, onEvent func(Event)) (Result, error) {
	res := Result{Summary: Summary{ContentLength: -1}, Dial: &conn.info}
	fail := func(err error) (Result, error) {
		if res.Err == "" {
			res.Err = err.Error()
		}
		return res, err
	}
	addr, host, target := conn.addr, conn.host, conn.path

	method, proto, connection := "GET", "HTTP/1.1", "Connection: close\r\n"
	if req.Head {
		method = "HEAD"
	}
	if req.HTTP10 {
		proto, connection = "HTTP/1.0", "" // 1.0 closes by default
	}
	var extra strings.Builder
	for name, value := range req.Header {
		if strings.ContainsAny(name, "\r\n:") || strings.ContainsAny(value, "\r\n") || name == "" {
			return fail(fmt.Errorf("probe: header %q: %q cannot be sent as one header line", name, value))
		}
		extra.WriteString(name + ": " + value + "\r\n")
	}
	head := method + " " + target + " " + proto + "\r\n" +
		"Host: " + host + "\r\n" +
		"User-Agent: chunkscope-probe\r\n" +
		"Accept: */*\r\n" +
		extra.String() +
		connection + "\r\n"
	if _, err := io.WriteString(conn, head); err != nil {
		return fail(fmt.Errorf("probe: writing the request to %s: %w", addr, ctxErr(ctx, err)))
	}
	start := conn.zero()

	keep := recorder(&res, req.MaxEvents, onEvent)
	record := func(evs []Event) {
		for _, e := range evs {
			keep(e)
		}
	}
	p := NewParser(method)
	buf := make([]byte, readBuf)
	var readErr error
	for reads := 0; !p.Done(); {
		n, err := conn.Read(buf)
		t := ms(time.Since(start))
		if n > 0 {
			if reads++; reads == 1 {
				res.TTFBMs = t
			}
			record(p.Feed(buf[:n], t))
		}
		if errors.Is(err, io.EOF) {
			record(p.Close(t))
			break
		}
		if err != nil {
			readErr = fmt.Errorf("probe: reading the response from %s: %w", addr, ctxErr(ctx, err))
			break
		}
	}
	res.TotalMs = ms(time.Since(start))
	res.Summary = p.Summary()
	if readErr != nil {
		return fail(readErr)
	}
	return res, nil
}

// recorder returns what both probes do with each event: keep it in
// res.Events while they hold fewer than maxEvents (0 means
// DefaultMaxEvents; a negative value keeps none and counts nothing),
// count it in res.Dropped past that, and pass it to onEvent if not nil.
func recorder(res *Result, maxEvents int, onEvent func(Event)) func(Event) {
	keep := maxEvents
	if keep == 0 {
		keep = DefaultMaxEvents
	}
	return func(e Event) {
		switch {
		case len(res.Events) < keep:
			res.Events = append(res.Events, e)
		case keep > 0:
			res.Dropped++
		}
		if onEvent != nil {
			onEvent(e)
		}
	}
}

// ctxErr prefers ctx's reason to the I/O error that ctx's deadline caused.
func ctxErr(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	return err
}

// ms converts a duration to float milliseconds, the unit of Event.T.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BodyReadTimes returns the times of the socket reads that carried body
// bytes (chunk data or plain body): when the body arrived, piece by piece.
func BodyReadTimes(events []Event) []float64 {
	var times []float64
	at, counted := 0.0, true
	for _, e := range events {
		switch {
		case e.Kind == KindRead:
			at, counted = e.T, false
		case (e.Kind == KindChunkData || e.Kind == KindBody || e.Kind == KindDataFrame) && e.Bytes > 0 && !counted:
			times, counted = append(times, at), true
		}
	}
	return times
}

// watch ties c to ctx: when ctx ends, c's reads and writes fail at once.
// Closing the returned connection unhooks it.
func watch(ctx context.Context, c net.Conn) net.Conn {
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	return &stopConn{Conn: c, stop: stop}
}

// stopConn unhooks its context when closed.
type stopConn struct {
	net.Conn
	stop func() bool
}

func (c *stopConn) Close() error {
	c.stop()
	return c.Conn.Close()
}
