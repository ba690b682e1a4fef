package probe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"chunkscope/app/wire"
)

// HTTP/2 event kinds and framing: no chunks, frames.
const (
	KindFrame     = wire.KindFrame     // a frame other than DATA on the response's stream: Text is its type and flags
	KindDataFrame = wire.KindDataFrame // a DATA frame of the response: Bytes and Size are its payload length
	FramingH2     = wire.FramingH2
)

// Limits that keep a hostile or broken HTTP/2 server from growing the
// probe's memory, or keeping it busy, without bound. The HTTP/1 parser's
// limits apply too: MaxHeaderBytes, here for all the response's header
// blocks together (as sent and as decoded, each), and maxInterim 1xx
// responses, after which only the final response and its trailers may
// come. So everything the probe keeps is bounded, the events by MaxEvents.
const (
	// maxFrameSize is the largest frame the probe reads: the initial
	// SETTINGS_MAX_FRAME_SIZE, which it never raises, so a server may not
	// send more (RFC 9113 §4.2). It is also the framer's read buffer.
	maxFrameSize = 16 << 10
	// maxIdleFrames is how many frames in a row may bring nothing of the
	// response: no header field and no body byte (SETTINGS, PING,
	// WINDOW_UPDATE, PRIORITY, frames of unknown type or on other streams,
	// empty DATA or CONTINUATION frames). A real server sends a handful
	// (its SETTINGS, the ACK of ours, a PING now and then: one a second for
	// the default 6-minute timeout is 360); only a hostile one sends
	// thousands, which would keep the probe busy until its timeout.
	maxIdleFrames = 1000
)

// replenishAt is how much body the H2 probe accepts before it opens the
// flow-control windows again (they start at 1 GiB).
const replenishAt = 256 << 20

// DoH2 sends one GET over HTTP/2 and records every frame with its time:
// HEADERS, each DATA frame and its length, the END_STREAM flag. There is
// no chunked encoding in HTTP/2: DATA frames are what a flush sends. To
// an http:// URL it speaks cleartext HTTP/2 with prior knowledge (h2c:
// what a Go server with unencrypted HTTP/2 enabled accepts; browsers
// speak HTTP/2 over TLS only); to an https:// one, HTTP/2 as agreed in
// the TLS handshake (ALPN h2, the only protocol it offers).
//
// Unlike Do, it returns an error for a response that breaks the protocol
// or the limits above, besides setting Result.Err; the last event is then
// an error event saying why.
func DoH2(ctx context.Context, req Request, onEvent func(Event)) (Result, error) {
	c, err := dial(ctx, req, []string{ALPNH2})
	if err == nil && c.scheme == "https" && c.alpn() != ALPNH2 {
		c.Close()
		err = noProtocol(c.addr, ALPNH2, "in the handshake it chose "+cmpOr(c.alpn(), "no protocol")+", not h2")
	}
	if err != nil {
		return Result{Summary: Summary{ContentLength: -1, Err: err.Error()}}, err
	}
	defer c.Close()
	return exchangeH2(ctx, c, req, onEvent)
}

// DoAny probes with the protocol the URL and the server agree on: to an
// http:// URL HTTP/1.x (Do; h2c is never guessed), to an https:// one
// what the TLS handshake chose among h2 and http/1.1 (what a browser
// offers): DATA frames (as DoH2) or the HTTP/1.1 parser (as Do).
func DoAny(ctx context.Context, req Request, onEvent func(Event)) (Result, error) {
	if !IsTLS(req.URL) {
		return Do(ctx, req, onEvent)
	}
	offer := []string{ALPNH2, ALPNHTTP11}
	if req.HTTP10 {
		offer = nil // no ALPN: HTTP/1.x
	}
	c, err := dial(ctx, req, offer)
	if err != nil {
		return Result{Summary: Summary{ContentLength: -1, Err: err.Error()}}, err
	}
	defer c.Close()
	if c.alpn() == ALPNH2 {
		return exchangeH2(ctx, c, req, onEvent)
	}
	return exchange1(ctx, c, req, onEvent)
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// exchangeH2 is DoH2 on a connection made by dial (or one that ends its
// reads when ctx ends, see watch).
func exchangeH2(ctx context.Context, conn *dialed, req Request, onEvent func(Event)) (Result, error) {
	addr, host, target := conn.addr, conn.host, conn.path
	res := Result{Summary: Summary{ContentLength: -1}, Dial: &conn.info}
	fail := func(err error) (Result, error) {
		res.Err = err.Error()
		return res, err
	}
	start := time.Now()
	since := func() float64 { return float64(time.Since(start).Microseconds()) / 1000 }
	record := recorder(&res, req.MaxEvents, onEvent)
	reads := &timedReader{r: conn, since: since, emit: record}
	fr := http2.NewFramer(conn, reads)
	fr.SetMaxReadFrameSize(maxFrameSize)

	var hbuf bytes.Buffer
	enc := hpack.NewEncoder(&hbuf)
	method := "GET"
	if req.Head {
		method = "HEAD"
	}
	for _, f := range [][2]string{{":method", method}, {":scheme", conn.scheme}, {":authority", host}, {":path", target}, {"user-agent", "chunkscope-probe"}} {
		enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	for name, value := range req.Header {
		if strings.ContainsAny(name, "\r\n:") || strings.ContainsAny(value, "\r\n") || name == "" {
			return fail(fmt.Errorf("probe: header %q: %q cannot be sent", name, value))
		}
		enc.WriteField(hpack.HeaderField{Name: strings.ToLower(name), Value: value})
	}
	const window = 1 << 30
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		return fail(fmt.Errorf("probe: writing the preface to %s: %w", addr, ctxErr(ctx, err)))
	}
	werr := fr.WriteSettings(
		http2.Setting{ID: http2.SettingInitialWindowSize, Val: window},
		http2.Setting{ID: http2.SettingEnablePush, Val: 0},
		http2.Setting{ID: http2.SettingMaxHeaderListSize, Val: MaxHeaderBytes},
	)
	if werr == nil {
		werr = fr.WriteWindowUpdate(0, window-65535)
	}
	if werr == nil {
		werr = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hbuf.Bytes(), EndStream: true, EndHeaders: true})
	}
	if werr != nil {
		if first := firstReply(conn); len(first) > 0 { // it answered the preface's first line and hung up
			return fail(notH2(addr, first))
		}
		return fail(fmt.Errorf("probe: writing the request to %s: %w", addr, ctxErr(ctx, werr)))
	}
	start = conn.zero()
	r := newH2Reader(&res, record, fr)
	for frames := 0; !res.Complete; frames++ {
		f, err := fr.ReadFrame()
		if err != nil {
			res.TotalMs = since()
			if frames == 0 && len(reads.first) > 0 {
				return fail(notH2(addr, reads.first))
			}
			if detail := fr.ErrorDetail(); detail != nil {
				err = fmt.Errorf("%w: %v", err, detail)
			}
			return fail(fmt.Errorf("probe: reading frames from %s: %w", addr, ctxErr(ctx, err)))
		}
		t := since()
		if msg := r.frame(f, t); msg != "" {
			record(Event{T: t, Kind: KindError, Text: msg})
			res.TotalMs = since()
			return fail(fmt.Errorf("probe: %s: %s", addr, msg))
		}
		if res.Complete {
			record(Event{T: t, Kind: KindEnd, Text: "END_STREAM"})
		}
	}
	res.TotalMs = since()
	return res, nil
}

// h2Reader follows the response on stream 1, frame by frame, into a
// Result, within the limits above. It decodes header blocks itself, rather
// than have the framer gather them, so that it sees every CONTINUATION
// frame and counts it.
type h2Reader struct {
	res      *Result
	record   func(Event)
	fr       *http2.Framer
	dec      *hpack.Decoder
	block    []hpack.HeaderField // fields of the header block being read
	bad      string              // why the block being read is refused, found while decoding it
	ends     bool                // the block being read has END_STREAM
	sent     int                 // bytes of HEADERS and CONTINUATION frames so far, frame headers included
	decoded  int                 // size of the header fields decoded so far: name + value + 32 each (RFC 9113 §6.5.2)
	interim  int                 // 1xx responses seen
	final    bool                // the final response's headers have come
	idle     int                 // frames in a row that brought nothing of the response
	consumed int                 // DATA bytes since the windows were last opened
}

func newH2Reader(res *Result, record func(Event), fr *http2.Framer) *h2Reader {
	r := &h2Reader{res: res, record: record, fr: fr}
	// 4096 bytes is the initial SETTINGS_HEADER_TABLE_SIZE, which the
	// probe keeps; no string may be longer than all headers together.
	r.dec = hpack.NewDecoder(4096, r.field)
	r.dec.SetMaxStringLength(MaxHeaderBytes)
	return r
}

// frame handles one frame read at time t; it returns why the probe must
// stop, or "".
func (r *h2Reader) frame(f http2.Frame, t float64) string {
	h := f.Header()
	ev := Event{T: t, Kind: KindFrame, Bytes: 9 + int(h.Length), Text: frameText(h)}
	progress := false
	switch f := f.(type) {
	case *http2.HeadersFrame:
		r.record(ev)
		if h.StreamID != 1 {
			// Its fields would change the HPACK table we decode with.
			return fmt.Sprintf("HEADERS on stream %d, which the probe did not open", h.StreamID)
		}
		if r.res.TTFBMs == 0 { // the response's first frame, not the connection's SETTINGS
			r.res.TTFBMs = t
		}
		r.ends = f.StreamEnded()
		return r.fragment(h, f.HeaderBlockFragment(), f.HeadersEnded(), t)
	case *http2.ContinuationFrame: // the framer checks that it follows HEADERS on stream 1
		r.record(ev)
		return r.fragment(h, f.HeaderBlockFragment(), f.HeadersEnded(), t)
	case *http2.PushPromiseFrame:
		r.record(ev)
		return "PUSH_PROMISE, though the probe's SETTINGS disabled push"
	case *http2.DataFrame:
		if h.StreamID != 1 {
			r.record(ev)
			break
		}
		n := len(f.Data())
		if !r.final {
			r.record(ev)
			return "DATA before the response's HEADERS"
		}
		if n > 0 { // an empty DATA frame with END_STREAM is the end, like the 0 chunk
			r.res.Chunks++
			progress = true
		}
		r.res.BodyBytes += int64(n)
		r.record(Event{T: t, Kind: KindDataFrame, Bytes: n, Size: int64(n), Text: strconv.Itoa(n)})
		if r.consumed += int(h.Length); r.consumed >= replenishAt {
			r.fr.WriteWindowUpdate(0, uint32(r.consumed))
			r.fr.WriteWindowUpdate(1, uint32(r.consumed))
			r.consumed = 0
		}
		if f.StreamEnded() {
			r.res.Complete = true
		}
	case *http2.RSTStreamFrame:
		r.record(ev)
		if h.StreamID == 1 {
			return "the server reset the stream: RST_STREAM " + f.ErrCode.String()
		}
	case *http2.GoAwayFrame:
		ev.Text += " " + f.ErrCode.String()
		r.record(ev)
		// A graceful GOAWAY that spares stream 1 lets it finish.
		if f.ErrCode != http2.ErrCodeNo || f.LastStreamID < 1 {
			return fmt.Sprintf("GOAWAY %s (last stream %d) before the end of the stream", f.ErrCode, f.LastStreamID)
		}
	case *http2.SettingsFrame:
		r.record(ev)
		if !f.IsAck() {
			r.fr.WriteSettingsAck()
		}
	case *http2.PingFrame:
		r.record(ev)
		if !f.IsAck() {
			r.fr.WritePing(true, f.Data)
		}
	default:
		r.record(ev)
	}
	if progress {
		r.idle = 0
		return ""
	}
	return r.nothing()
}

// nothing counts a frame that brought nothing of the response.
func (r *h2Reader) nothing() string {
	if r.idle++; r.idle > maxIdleFrames {
		return fmt.Sprintf("more than %d frames in a row with nothing of the response (SETTINGS, PING, WINDOW_UPDATE, empty frames, other streams' frames…)", maxIdleFrames)
	}
	return ""
}

// fragment decodes a piece of a header block; at the block's end it
// applies the block to the Result.
func (r *h2Reader) fragment(h http2.FrameHeader, frag []byte, end bool, t float64) string {
	if r.sent += 9 + int(h.Length); r.sent > MaxHeaderBytes {
		return fmt.Sprintf("HEADERS and CONTINUATION frames longer than %d bytes in all", MaxHeaderBytes)
	}
	if len(frag) == 0 && !end {
		return r.nothing()
	}
	r.idle = 0
	_, err := r.dec.Write(frag)
	switch {
	case r.bad != "":
		return r.bad
	case err != nil:
		return "HPACK: " + err.Error()
	case !end:
		return ""
	}
	if err := r.dec.Close(); err != nil {
		return "HPACK: " + err.Error()
	}
	fields := r.block
	r.block = nil
	if r.final {
		return r.trailers(fields, t)
	}
	return r.response(fields, t)
}

// field is the decoder's emit function: it checks and keeps one field of
// the block being read. After a bad one the probe stops, so it stops
// emitting.
func (r *h2Reader) field(hf hpack.HeaderField) {
	r.decoded += int(hf.Size())
	name := strings.TrimPrefix(hf.Name, ":")
	switch {
	case r.decoded > MaxHeaderBytes:
		r.bad = fmt.Sprintf("header fields longer than %d bytes in all, decoded", MaxHeaderBytes)
	case name == "" || !isToken([]byte(name)) || strings.ToLower(name) != name:
		// HTTP/2 field names are lower case (RFC 9113 §8.2.1).
		r.bad = "invalid header field name " + clip([]byte(hf.Name))
	default:
		if b, ok := badByte([]byte(hf.Value)); ok {
			r.bad = fmt.Sprintf("invalid byte %#02x in header %s", b, clip([]byte(hf.Name)))
			break
		}
		r.block = append(r.block, hf)
		return
	}
	r.dec.SetEmitEnabled(false)
}

// response applies a header block of a response: an interim (1xx) one or
// the final one.
func (r *h2Reader) response(fields []hpack.HeaderField, t float64) string {
	if len(fields) == 0 || fields[0].Name != ":status" {
		return "response HEADERS without :status first"
	}
	status := fields[0].Value
	code, err := strconv.Atoi(status)
	switch {
	case err != nil || len(status) != 3 || code < 100:
		return "malformed :status " + clip([]byte(status))
	case code == http.StatusSwitchingProtocols:
		return "101 Switching Protocols, which HTTP/2 forbids"
	case code < 200 && r.interim == maxInterim:
		return fmt.Sprintf("more than %d interim (1xx) responses", maxInterim)
	case code < 200 && r.ends:
		return fmt.Sprintf("interim response %d with END_STREAM", code)
	}
	for _, hf := range fields[1:] {
		if strings.HasPrefix(hf.Name, ":") {
			return "pseudo-header " + clip([]byte(hf.Name)) + " in a response, or not first"
		}
	}
	res := r.res
	res.Status, res.Proto = code, "HTTP/2.0"
	res.Headers = http.Header{} // of the final response, as Do's
	r.record(Event{T: t, Kind: KindStatus, Text: "HTTP/2.0 " + status})
	for _, hf := range fields[1:] {
		res.Headers.Add(hf.Name, hf.Value)
		r.record(Event{T: t, Kind: KindHeader, Text: hf.Name + ": " + hf.Value})
	}
	if code < 200 {
		r.interim++
		r.record(Event{T: t, Kind: KindHeadersEnd, Text: "interim"})
		return ""
	}
	length, err := contentLength(res.Headers)
	if err != nil {
		return err.Error()
	}
	r.final = true
	res.ContentLength = length
	res.Framing = FramingH2
	r.record(Event{T: t, Kind: KindHeadersEnd, Text: FramingH2, Size: length})
	res.Complete = r.ends
	return ""
}

// trailers applies the header block after the final response's: trailer
// fields, which must end the stream.
func (r *h2Reader) trailers(fields []hpack.HeaderField, t float64) string {
	if !r.ends {
		return "HEADERS after the final response's without END_STREAM"
	}
	res := r.res
	for _, hf := range fields {
		if strings.HasPrefix(hf.Name, ":") {
			return "pseudo-header " + clip([]byte(hf.Name)) + " in trailers"
		}
		if res.Trailer == nil {
			res.Trailer = http.Header{}
		}
		res.Trailer.Add(hf.Name, hf.Value)
		r.record(Event{T: t, Kind: KindTrailer, Text: hf.Name + ": " + hf.Value})
	}
	res.Complete = true
	return ""
}

func frameText(h http2.FrameHeader) string {
	s := h.Type.String()
	switch h.Type {
	case http2.FrameSettings, http2.FramePing:
		if h.Flags.Has(http2.FlagSettingsAck) {
			s += " ACK"
		}
	case http2.FrameHeaders, http2.FrameData, http2.FrameContinuation:
		if h.Type != http2.FrameContinuation && h.Flags.Has(http2.FlagHeadersEndStream) {
			s += " END_STREAM"
		}
		if h.Type != http2.FrameData && h.Flags.Has(http2.FlagHeadersEndHeaders) {
			s += " END_HEADERS"
		}
	}
	if h.StreamID > 1 {
		s += " stream " + strconv.FormatUint(uint64(h.StreamID), 10)
	}
	return s
}

// timedReader emits a read event for every read from the connection.
type timedReader struct {
	r     io.Reader
	since func() float64
	emit  func(Event)
	first []byte // the first bytes the server sent, to name an HTTP/1 answer
}

func (t *timedReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.emit(Event{T: t.since(), Kind: KindRead, Bytes: n})
		if len(t.first) < 64 {
			t.first = append(t.first, p[:min(n, 64-len(t.first))]...)
		}
	}
	return n, err
}

// firstReply reads, for at most a second, what a server that failed our
// writes had sent before it hung up.
func firstReply(conn net.Conn) []byte {
	conn.SetReadDeadline(time.Now().Add(time.Second))
	b := make([]byte, 64)
	n, _ := io.ReadAtLeast(conn, b, len("HTTP/1.1 400"))
	return b[:n]
}

// notH2 says that a server answered the HTTP/2 preface with something
// that is not HTTP/2, quoting it: an HTTP/1 status line, say, whose bytes
// read as a frame header announce a frame of ~5 MB — hence the framer's
// "frame too large", which would say nothing useful.
func notH2(addr string, first []byte) error {
	if bytes.HasPrefix(first, []byte("HTTP/1.")) {
		line, _, _ := bytes.Cut(first, []byte("\r\n"))
		return fmt.Errorf("probe: %s answered in HTTP/1 (%q), not HTTP/2: it does not speak cleartext HTTP/2 with prior knowledge (h2c); probe it without -http2", addr, line)
	}
	return fmt.Errorf("probe: %s answered %q…, not an HTTP/2 frame: it does not speak cleartext HTTP/2 with prior knowledge (h2c); probe it without -http2", addr, first[:min(len(first), 24)])
}
