// Package h1 is chunkscope's incremental HTTP/1.x response parser: the
// wire probe (server/probe) feeds it socket reads, and the page feeds it
// the raw bytes of files other tools recorded (a Chrome NetLog captured
// with raw bytes, a curl trace), so both read chunk framing one way.
package h1

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"chunkscope/app/wire"
)

// Event is one thing seen in the response: app/wire's.
type Event = wire.Event

// Kinds of Event and framings: aliases of app/wire's, the one vocabulary
// the probe, the record and the chart share.
const (
	KindRead       = wire.KindRead
	KindStatus     = wire.KindStatus
	KindHeader     = wire.KindHeader
	KindHeadersEnd = wire.KindHeadersEnd
	KindChunkSize  = wire.KindChunkSize
	KindChunkData  = wire.KindChunkData
	KindLastChunk  = wire.KindLastChunk
	KindTrailer    = wire.KindTrailer
	KindBody       = wire.KindBody
	KindEnd        = wire.KindEnd
	KindClose      = wire.KindClose
	KindError      = wire.KindError

	FramingChunked       = wire.FramingChunked
	FramingContentLength = wire.FramingContentLength
	FramingClose         = wire.FramingClose
	FramingNone          = wire.FramingNone
)

// Limits that keep a hostile or broken server from growing the parser's
// memory without bound. Go's own client uses similar ones.
const (
	// MaxLine is the longest status, header, trailer or chunk-size line
	// accepted, CRLF excluded.
	MaxLine = 64 << 10
	// MaxHeaderBytes caps one header section (status line included), and
	// separately the trailer section.
	MaxHeaderBytes = 1 << 20
	// maxInterim is how many 1xx responses may precede the final one.
	maxInterim = 10
	// maxChunkOverhead bounds chunk-size lines (extensions, mostly) beyond
	// what the data they frame justifies: each chunk may carry 16 bytes
	// plus twice its size of framing; more than this in excess is an error.
	// It is net/http's rule, and it bounds the Text stored per data byte.
	maxChunkOverhead = 16 << 10
)

// Summary is what a Parser has learnt about the response so far.
type Summary struct {
	Status        int         `json:"status"`            // of the last status line: the final response once past any 1xx
	Proto         string      `json:"proto"`             // "HTTP/1.1" or "HTTP/1.0"
	Headers       http.Header `json:"headers"`           // of the final response (names canonicalised)
	Trailer       http.Header `json:"trailer,omitempty"` // fields after the last chunk
	Framing       string      `json:"framing"`           // one of the Framing* constants; "" before the headers end
	Chunks        int         `json:"chunks"`            // data chunks (the final 0 chunk not counted)
	ContentLength int64       `json:"contentLength"`     // declared Content-Length; -1 if none (or overridden by Transfer-Encoding)
	BodyBytes     int64       `json:"bodyBytes"`         // body data bytes, chunk framing excluded
	Complete      bool        `json:"complete"`          // the end event was emitted
	Err           string      `json:"err,omitempty"`     // the error event's text
}

// state is where in the response the next byte belongs.
type state int

const (
	stStatus    state = iota // the status line
	stHeader                 // header lines up to the blank line
	stBody                   // Content-Length body: p.left bytes to go
	stCloseBody              // body until the connection closes
	stChunkSize              // a chunk-size line
	stChunkData              // chunk data: p.left bytes to go
	stChunkEnd               // the CRLF after chunk data: p.sawCR says if its CR came
	stTrailer                // trailer lines up to the blank line
	stDone                   // the message is complete
	stError                  // an error event was emitted: nothing more to parse
)

// where names a state in the messages of truncated responses.
var where = [...]string{
	stStatus:    "the status line",
	stHeader:    "the header section",
	stBody:      "the body",
	stChunkSize: "a chunk-size line",
	stChunkData: "chunk data",
	stChunkEnd:  "the CRLF after chunk data",
	stTrailer:   "the trailer section",
}

// Parser is an incremental parser of one HTTP/1.x response as it arrives.
// Feed it every read, in order, then Close it when the connection closes.
// Input may be split anywhere (mid-line, mid-CRLF, mid-chunk): the events
// it yields differ only in their times, in the read events, and in how
// chunk-data and body bytes are cut into pieces, one per read. The
// summary does not differ at all.
//
// Wire bytes are covered exactly once by the parsed events, except the CRLF
// that closes each chunk's data, which no event reports (chunk-data counts
// data only): for a complete message, the Bytes of all parsed events plus
// 2 × Chunks equal the bytes read.
//
// Once it has emitted an error it parses nothing more: Feed then returns
// only its read event and Close only its close event. A Parser never
// panics on any input. It is not safe for concurrent use.
type Parser struct {
	head     bool    // the request was HEAD: no body whatever the headers say
	state    state   // where the next byte belongs
	line     []byte  // the start of a line whose LF has not come yet
	left     int64   // bytes still to come in a Content-Length body or chunk
	chunk    int64   // size of the current chunk
	sawCR    bool    // in stChunkEnd: the CR has come, the LF has not
	block    int     // bytes of the current header or trailer section
	overhead int64   // chunk framing bytes beyond the data's allowance
	interim  int     // 1xx responses seen
	lastKey  string  // field the last field line added to, for obs-fold
	got      int64   // bytes fed so far
	closed   bool    // Close was called
	t        float64 // time of the current Feed or Close, for its events
	out      []Event // events of the current Feed or Close
	sum      Summary // what is known so far
}

// NewParser returns a Parser for the response to a request with the given
// method. Only HEAD matters: its response has no body.
func NewParser(method string) *Parser {
	return &Parser{head: method == http.MethodHead, sum: Summary{ContentLength: -1}}
}

// Feed parses the bytes of one read, which arrived at time t (ms), and
// returns the events they make: first a read event for all of b, then the
// parsed events in wire order. An empty b, or a Feed after Close, yields
// nothing. Feed does not keep b.
func (p *Parser) Feed(b []byte, t float64) []Event {
	if len(b) == 0 || p.closed {
		return nil
	}
	p.t = t
	p.got += int64(len(b))
	p.out = []Event{{T: t, Kind: KindRead, Bytes: len(b)}}
	for len(b) > 0 && p.state != stError {
		b = b[p.step(b):]
	}
	out := p.out
	p.out = nil
	return out
}

// Close records that the server closed the connection at time t (ms) and
// returns a close event, then an end event if the body was delimited by
// the close, or an error event if the close cut the message short.
// Calling it again yields nothing.
func (p *Parser) Close(t float64) []Event {
	if p.closed {
		return nil
	}
	p.closed = true
	p.t = t
	p.out = []Event{{T: t, Kind: KindClose}}
	switch p.state {
	case stDone, stError:
	case stCloseBody:
		p.end(0)
	case stStatus:
		if p.got == 0 {
			p.fail("connection closed before any response")
		} else {
			p.fail("connection closed in the status line")
		}
	case stBody:
		p.fail(fmt.Sprintf("connection closed in the body after %d of %d bytes",
			p.sum.ContentLength-p.left, p.sum.ContentLength))
	case stChunkData:
		p.fail(fmt.Sprintf("connection closed in chunk data after %d of %d bytes", p.chunk-p.left, p.chunk))
	default:
		p.fail("connection closed in " + where[p.state])
	}
	out := p.out
	p.out = nil
	return out
}

// Done reports whether the message is complete or broken: either way no
// more bytes can be parsed, so a reader may stop.
func (p *Parser) Done() bool { return p.state == stDone || p.state == stError }

// Summary returns what is known of the response so far. The headers are
// copies.
func (p *Parser) Summary() Summary {
	s := p.sum
	s.Headers = p.sum.Headers.Clone()
	s.Trailer = p.sum.Trailer.Clone()
	return s
}

func (p *Parser) emit(e Event) {
	e.T = p.t
	p.out = append(p.out, e)
}

// fail emits the error event and stops parsing.
func (p *Parser) fail(msg string) {
	p.sum.Err = msg
	p.emit(Event{Kind: KindError, Text: msg})
	p.state = stError
}

// end emits the end event; wire is the bytes it covers (the blank line
// after trailers, or nothing).
func (p *Parser) end(wire int) {
	p.sum.Complete = true
	p.emit(Event{Kind: KindEnd, Bytes: wire})
	p.state = stDone
}

// step consumes a prefix of b (at least one byte, unless it fails) and
// returns its length.
func (p *Parser) step(b []byte) int {
	switch p.state {
	case stStatus, stHeader, stChunkSize, stTrailer:
		return p.stepLine(b)
	case stBody, stChunkData:
		n := int(min(int64(len(b)), p.left))
		p.left -= int64(n)
		p.sum.BodyBytes += int64(n)
		if p.state == stBody {
			p.emit(Event{Kind: KindBody, Bytes: n})
			if p.left == 0 {
				p.end(0)
			}
		} else {
			p.emit(Event{Kind: KindChunkData, Bytes: n})
			if p.left == 0 {
				p.state = stChunkEnd
			}
		}
		return n
	case stCloseBody:
		p.sum.BodyBytes += int64(len(b))
		p.emit(Event{Kind: KindBody, Bytes: len(b)})
		return len(b)
	case stChunkEnd:
		// Strictly CRLF, as net/http requires: a bare LF here is not
		// tolerated (RFC 9112 errata 7633).
		switch {
		case !p.sawCR && b[0] == '\r':
			p.sawCR = true
		case p.sawCR && b[0] == '\n':
			p.sawCR = false
			p.state = stChunkSize
		default:
			p.fail(fmt.Sprintf("chunk data of %d bytes not followed by CRLF", p.chunk))
		}
		return 1
	case stDone:
		p.fail("bytes after the end of the message")
		return len(b)
	}
	return len(b) // stError: unreachable, Feed stops first
}

// stepLine gathers a line up to its LF, across reads if need be, and hands
// it to the parser of the current state. The part before the LF waits in
// p.line, which never holds more than MaxLine+1 bytes (the +1 for a CR
// whose LF has not come).
func (p *Parser) stepLine(b []byte) int {
	tooLong := fmt.Sprintf("line longer than %d bytes", MaxLine)
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		if len(p.line)+len(b) > MaxLine+1 {
			p.fail(tooLong)
			return len(b)
		}
		p.line = append(p.line, b...)
		return len(b)
	}
	if len(p.line)+i > MaxLine+1 {
		p.fail(tooLong)
		return i + 1
	}
	raw := b[:i+1]
	if len(p.line) > 0 {
		p.line = append(p.line, raw...)
		raw = p.line
	}
	wire := len(raw)
	text := raw[:len(raw)-1]
	crlf := len(text) > 0 && text[len(text)-1] == '\r'
	if crlf {
		text = text[:len(text)-1]
	}
	p.line = p.line[:0]
	switch {
	case len(text) > MaxLine:
		p.fail(tooLong)
	case bytes.IndexByte(text, '\r') >= 0:
		// RFC 9112 §2.2: a bare CR is invalid.
		p.fail(fmt.Sprintf("bare CR in %s %s", where[p.state], clip(text)))
	case p.state == stStatus:
		p.statusLine(text, wire)
	case p.state == stHeader:
		p.fieldLine(text, wire, KindHeader)
	case p.state == stTrailer:
		p.fieldLine(text, wire, KindTrailer)
	case p.state == stChunkSize:
		p.chunkSizeLine(text, wire, crlf)
	}
	return i + 1
}

// statusLine parses "HTTP/1.1 200 OK" (the reason may be empty or absent,
// as Go's client accepts).
func (p *Parser) statusLine(text []byte, wire int) {
	s := string(text)
	proto, rest, _ := strings.Cut(s, " ")
	if len(proto) != len("HTTP/1.1") || !strings.HasPrefix(proto, "HTTP/") ||
		!isDigit(proto[5]) || proto[6] != '.' || !isDigit(proto[7]) ||
		len(rest) < 3 || !isDigit(rest[0]) || !isDigit(rest[1]) || !isDigit(rest[2]) ||
		len(rest) > 3 && rest[3] != ' ' {
		p.fail("malformed status line " + clip(text))
		return
	}
	if proto[5] != '1' {
		p.fail("unsupported protocol " + clip([]byte(proto)) + ": only HTTP/1.x is spoken here")
		return
	}
	code, _ := strconv.Atoi(rest[:3])
	switch {
	case code < 100 || code > 599:
		p.fail(fmt.Sprintf("status code %d out of range 100-599", code))
		return
	case code == http.StatusSwitchingProtocols:
		// The connection would stop speaking HTTP; no upgrade was asked.
		p.fail("101 Switching Protocols without an Upgrade request")
		return
	case code < 200 && p.interim == maxInterim:
		p.fail(fmt.Sprintf("more than %d interim (1xx) responses", maxInterim))
		return
	}
	if b, ok := badByte(text[min(len(text), len("HTTP/1.1 200 ")):]); ok {
		p.fail(fmt.Sprintf("invalid byte %#02x in the reason phrase", b))
		return
	}
	p.sum.Status = code
	p.sum.Proto = proto
	p.sum.Headers = http.Header{}
	p.lastKey = ""
	p.block = wire
	p.emit(Event{Kind: KindStatus, Bytes: wire, Text: s})
	p.state = stHeader
}

// fieldLine parses one header or trailer line; an empty one ends the section.
func (p *Parser) fieldLine(text []byte, wire int, kind string) {
	section := "header"
	if kind == KindTrailer {
		section = "trailer"
	}
	p.block += wire
	if p.block > MaxHeaderBytes {
		p.fail(fmt.Sprintf("%s section longer than %d bytes", section, MaxHeaderBytes))
		return
	}
	if len(text) == 0 {
		if kind == KindHeader {
			p.headersEnd(wire)
		} else {
			p.end(wire)
		}
		return
	}
	h := p.sum.Headers
	if kind == KindTrailer {
		if p.sum.Trailer == nil {
			p.sum.Trailer = http.Header{}
		}
		h = p.sum.Trailer
	}
	if text[0] == ' ' || text[0] == '\t' {
		// obs-fold (RFC 9112 §5.2): a user agent replaces it with a space
		// and reads on, so the continuation joins the previous field.
		if p.lastKey == "" {
			p.fail(fmt.Sprintf("%s continuation line before any field: %s", section, clip(text)))
			return
		}
		more := trimOWS(text)
		if b, ok := badByte(more); ok {
			p.fail(fmt.Sprintf("invalid byte %#02x in %s %s", b, section, p.lastKey))
			return
		}
		if len(more) > 0 {
			vs := h[p.lastKey]
			vs[len(vs)-1] = strings.TrimLeft(vs[len(vs)-1]+" "+string(more), " ")
		}
		p.emit(Event{Kind: kind, Bytes: wire, Text: string(text)})
		return
	}
	name, value, ok := bytes.Cut(text, []byte(":"))
	if !ok {
		p.fail(fmt.Sprintf("%s line without a colon: %s", section, clip(text)))
		return
	}
	if len(name) == 0 || !isToken(name) {
		// Includes "Name :", which RFC 9112 §5.1 makes an error.
		p.fail(fmt.Sprintf("invalid %s field name %s", section, clip(name)))
		return
	}
	value = trimOWS(value)
	if b, ok := badByte(value); ok {
		p.fail(fmt.Sprintf("invalid byte %#02x in %s %s", b, section, clip(name)))
		return
	}
	key := textproto.CanonicalMIMEHeaderKey(string(name))
	h[key] = append(h[key], string(value))
	p.lastKey = key
	p.emit(Event{Kind: kind, Bytes: wire, Text: string(text)})
}

// headersEnd handles the blank line after a header section: back to a
// status line after a 1xx, else on to the body its framing announces.
func (p *Parser) headersEnd(wire int) {
	if p.sum.Status < 200 {
		p.interim++
		p.emit(Event{Kind: KindHeadersEnd, Bytes: wire, Text: "interim"})
		p.state = stStatus
		return
	}
	framing, length, err := p.framing()
	if err != nil {
		p.fail(err.Error())
		return
	}
	p.sum.Framing = framing
	p.sum.ContentLength = length
	e := Event{Kind: KindHeadersEnd, Bytes: wire, Text: framing}
	if length > 0 {
		e.Size = length
	}
	p.emit(e)
	switch {
	case framing == FramingChunked:
		p.state = stChunkSize
	case framing == FramingClose:
		p.state = stCloseBody
	case framing == FramingContentLength && length > 0:
		p.state = stBody
		p.left = length
	default: // none, or Content-Length: 0
		p.end(0)
	}
}

// framing decides how the body is delimited, per RFC 9112 §6.3, and
// returns the declared Content-Length (-1 if none counts).
func (p *Parser) framing() (framing string, length int64, err error) {
	h := p.sum.Headers
	chunked := false
	te := h.Values("Transfer-Encoding")
	if len(te) > 0 {
		// §6.1: Transfer-Encoding in an HTTP/1.0 message means faulty framing.
		if p.sum.Proto == "HTTP/1.0" {
			return "", -1, fmt.Errorf("Transfer-Encoding in an %s response", p.sum.Proto)
		}
		var codings []string
		for _, v := range te {
			for c := range strings.SplitSeq(v, ",") {
				c, _, _ = strings.Cut(c, ";") // transfer-parameters
				c = strings.ToLower(strings.Trim(c, " \t"))
				if c == "" {
					return "", -1, fmt.Errorf("empty transfer coding in Transfer-Encoding %q", strings.Join(te, ", "))
				}
				codings = append(codings, c)
			}
		}
		// §6.1: chunked is applied at most once; when it is not last, the
		// body runs until the close.
		n := 0
		for _, c := range codings {
			if c == "chunked" {
				n++
			}
		}
		if n > 1 {
			return "", -1, fmt.Errorf("chunked applied more than once in Transfer-Encoding %q", strings.Join(te, ", "))
		}
		chunked = codings[len(codings)-1] == "chunked"
	}
	length = -1
	if len(te) == 0 {
		// Transfer-Encoding overrides Content-Length, which then is not
		// even looked at, as in net/http.
		if length, err = contentLength(h); err != nil {
			return "", -1, err
		}
	}
	switch {
	case p.head || p.sum.Status == http.StatusNoContent || p.sum.Status == http.StatusNotModified:
		return FramingNone, length, nil
	case chunked:
		return FramingChunked, -1, nil
	case len(te) > 0:
		return FramingClose, -1, nil
	case length >= 0:
		return FramingContentLength, length, nil
	}
	return FramingClose, -1, nil
}

// contentLength returns the Content-Length, or -1 if there is none. Several
// fields or a list ("42, 42") are accepted when all values agree (RFC 9112
// §6.3 item 5); anything else is an error.
func contentLength(h http.Header) (int64, error) {
	vs := h.Values("Content-Length")
	n := int64(-1)
	for _, v := range vs {
		for s := range strings.SplitSeq(v, ",") {
			s = strings.Trim(s, " \t")
			m, err := strconv.ParseInt(s, 10, 64)
			if err != nil || s == "" || s[0] < '0' || s[0] > '9' {
				return -1, fmt.Errorf("invalid Content-Length %q", v)
			}
			if n >= 0 && m != n {
				return -1, fmt.Errorf("conflicting Content-Length values %q", strings.Join(vs, ", "))
			}
			n = m
		}
	}
	return n, nil
}

// chunkSizeLine parses "1a;name=value": hex digits, optional whitespace,
// optional extensions (kept in Text, otherwise ignored, as net/http does).
func (p *Parser) chunkSizeLine(text []byte, wire int, crlf bool) {
	if !crlf {
		p.fail("chunk-size line ends in a bare LF: " + clip(text))
		return
	}
	hex, ext, _ := bytes.Cut(text, []byte(";"))
	hex = bytes.TrimRight(hex, " \t")
	size, err := parseHex(hex)
	if err != nil {
		p.fail(fmt.Sprintf("bad chunk size %s: %v", clip(text), err))
		return
	}
	// Extensions are shown as sent, so no control bytes (a terminal
	// escape, say) may pass.
	if b, ok := badByte(ext); ok {
		p.fail(fmt.Sprintf("invalid byte %#02x in chunk extension %s", b, clip(text)))
		return
	}
	p.overhead += int64(wire) + 2 - 16 - 2*min(size, math.MaxInt64/4)
	p.overhead = max(p.overhead, 0)
	if p.overhead > maxChunkOverhead {
		p.fail("chunked encoding carries too much non-data (chunk extensions?)")
		return
	}
	if size == 0 {
		p.emit(Event{Kind: KindLastChunk, Bytes: wire, Text: string(text)})
		p.state = stTrailer
		p.block = 0
		p.lastKey = ""
		return
	}
	p.sum.Chunks++
	p.emit(Event{Kind: KindChunkSize, Bytes: wire, Size: size, Text: string(text)})
	p.state = stChunkData
	p.chunk = size
	p.left = size
}

// parseHex parses a chunk size: one or more hex digits that fit an int64.
func parseHex(b []byte) (int64, error) {
	if len(b) == 0 {
		return 0, fmt.Errorf("no hex digits")
	}
	var n int64
	for _, c := range b {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, fmt.Errorf("%q is not a hex digit", c)
		}
		if n > math.MaxInt64>>4 {
			return 0, fmt.Errorf("too large")
		}
		n = n<<4 | int64(d)
	}
	return n, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isToken reports whether b is an RFC 9110 token, as field names must be.
func isToken(b []byte) bool {
	for _, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || isDigit(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// badByte returns the first byte of b not allowed in a field value or a
// reason phrase: controls other than HTAB (obs-text, 0x80 and up, is allowed).
func badByte(b []byte) (byte, bool) {
	for _, c := range b {
		if c < ' ' && c != '\t' || c == 0x7f {
			return c, true
		}
	}
	return 0, false
}

func trimOWS(b []byte) []byte { return bytes.Trim(b, " \t") }

// clip quotes b for an error message, cut to 64 bytes so that a huge
// line does not make a huge message.
func clip(b []byte) string {
	if len(b) > 64 {
		return strconv.Quote(string(b[:64])) + "…"
	}
	return strconv.Quote(string(b))
}

// What the wire probe's HTTP/2 reader (server/probe) shares with this
// parser: the same limits and the same field rules.
const MaxInterim = maxInterim

// IsToken says whether b is an RFC 9110 token (a field name).
func IsToken(b []byte) bool { return isToken(b) }

// BadByte is the first byte a field value may not hold, if any.
func BadByte(b []byte) (byte, bool) { return badByte(b) }

// Clip quotes b for a message, cut to 64 bytes.
func Clip(b []byte) string { return clip(b) }

// ContentLength is h's one valid Content-Length, -1 for none.
func ContentLength(h http.Header) (int64, error) { return contentLength(h) }
