package probe

import (
	"bytes"
	"context"
	"fmt"
	"io"
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
	KindFrame     = wire.KindFrame     // a frame other than DATA: Text is its type and flags
	KindDataFrame = wire.KindDataFrame // a DATA frame: Bytes and Size are its payload length
	FramingH2     = wire.FramingH2
)

// replenishAt is how much body the H2 probe accepts before it opens the
// flow-control windows again (they start at 1 GiB).
const replenishAt = 256 << 20

// DoH2 sends one GET over cleartext HTTP/2 with prior knowledge (h2c: what a
// Go server with unencrypted HTTP/2 enabled accepts; browsers speak HTTP/2
// over TLS only) and records every frame with its time: HEADERS, each DATA
// frame and its length, the END_STREAM flag. There is no chunked encoding
// in HTTP/2: DATA frames are what a flush sends.
func DoH2(ctx context.Context, req Request, onEvent func(Event)) (Result, error) {
	var res Result
	res.ContentLength = -1
	fail := func(err error) (Result, error) {
		res.Err = err.Error()
		return res, err
	}
	conn, addr, host, target, err := dial(ctx, req.URL)
	if err != nil {
		return fail(err)
	}
	defer conn.Close()

	start := time.Now()
	since := func() float64 { return float64(time.Since(start).Microseconds()) / 1000 }
	emit := func(e Event) {
		if onEvent != nil {
			onEvent(e)
		}
		if req.MaxEvents >= 0 && len(res.Events) < max(req.MaxEvents, DefaultMaxEvents) {
			res.Events = append(res.Events, e)
		}
	}
	reads := &timedReader{r: conn, since: since, emit: emit}
	fr := http2.NewFramer(conn, reads)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	fr.MaxHeaderListSize = MaxHeaderBytes

	var hbuf bytes.Buffer
	enc := hpack.NewEncoder(&hbuf)
	method := "GET"
	if req.Head {
		method = "HEAD"
	}
	for _, f := range [][2]string{{":method", method}, {":scheme", "http"}, {":authority", host}, {":path", target}, {"user-agent", "chunkscope-probe"}} {
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
		return fail(fmt.Errorf("probe: writing the preface to %s: %w", addr, err))
	}
	werr := fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: window}, http2.Setting{ID: http2.SettingEnablePush, Val: 0})
	if werr == nil {
		werr = fr.WriteWindowUpdate(0, window-65535)
	}
	if werr == nil {
		werr = fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hbuf.Bytes(), EndStream: true, EndHeaders: true})
	}
	if werr != nil {
		return fail(fmt.Errorf("probe: writing the request to %s: %w", addr, werr))
	}
	start = time.Now()
	consumed := 0
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			res.TotalMs = since()
			if res.Complete {
				return res, nil
			}
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			return fail(fmt.Errorf("probe: reading frames from %s: %w", addr, err))
		}
		t := since()
		h := f.Header()
		switch f := f.(type) {
		case *http2.SettingsFrame:
			emit(Event{T: t, Kind: KindFrame, Bytes: 9 + int(h.Length), Text: frameText(h)})
			if !f.IsAck() {
				fr.WriteSettingsAck()
			}
		case *http2.MetaHeadersFrame:
			if res.TTFBMs == 0 { // the response's first frame, not the connection's SETTINGS
				res.TTFBMs = t
			}
			emit(Event{T: t, Kind: KindFrame, Bytes: 9 + int(h.Length), Text: frameText(h)})
			if res.Headers == nil {
				res.Headers = http.Header{}
			}
			for _, hf := range f.Fields {
				if hf.Name == ":status" {
					res.Status, _ = strconv.Atoi(hf.Value)
					res.Proto = "HTTP/2.0"
					emit(Event{T: t, Kind: KindStatus, Text: "HTTP/2.0 " + hf.Value})
					continue
				}
				res.Headers.Add(hf.Name, hf.Value)
				emit(Event{T: t, Kind: KindHeader, Text: hf.Name + ": " + hf.Value})
			}
			if cl := res.Headers.Get("Content-Length"); cl != "" {
				res.ContentLength, _ = strconv.ParseInt(cl, 10, 64)
			}
			res.Framing = FramingH2
			emit(Event{T: t, Kind: KindHeadersEnd, Text: FramingH2, Size: res.ContentLength})
			if f.StreamEnded() {
				res.Complete = true
			}
		case *http2.DataFrame:
			n := len(f.Data())
			if n > 0 { // an empty DATA frame with END_STREAM is the end, like the 0 chunk
				res.Chunks++
			}
			res.BodyBytes += int64(n)
			emit(Event{T: t, Kind: KindDataFrame, Bytes: n, Size: int64(n), Text: strconv.Itoa(n)})
			if consumed += int(h.Length); consumed >= replenishAt {
				fr.WriteWindowUpdate(0, uint32(consumed))
				fr.WriteWindowUpdate(1, uint32(consumed))
				consumed = 0
			}
			if f.StreamEnded() {
				res.Complete = true
			}
		case *http2.RSTStreamFrame:
			emit(Event{T: t, Kind: KindError, Text: "RST_STREAM " + f.ErrCode.String()})
			res.TotalMs = since()
			return fail(fmt.Errorf("probe: the server reset the stream: %s", f.ErrCode))
		case *http2.GoAwayFrame:
			emit(Event{T: t, Kind: KindFrame, Bytes: 9 + int(h.Length), Text: frameText(h) + " " + f.ErrCode.String()})
			if !res.Complete {
				res.TotalMs = since()
				return fail(fmt.Errorf("probe: GOAWAY %s before the end of the stream", f.ErrCode))
			}
		default:
			emit(Event{T: t, Kind: KindFrame, Bytes: 9 + int(h.Length), Text: frameText(h)})
		}
		if res.Complete {
			emit(Event{T: t, Kind: KindEnd, Text: "END_STREAM"})
			res.TotalMs = since()
			return res, nil
		}
	}
}

func frameText(h http2.FrameHeader) string {
	s := h.Type.String()
	switch h.Type {
	case http2.FrameSettings, http2.FramePing:
		if h.Flags.Has(http2.FlagSettingsAck) {
			s += " ACK"
		}
	case http2.FrameHeaders, http2.FrameData:
		if h.Flags.Has(http2.FlagHeadersEndStream) {
			s += " END_STREAM"
		}
		if h.Type == http2.FrameHeaders && h.Flags.Has(http2.FlagHeadersEndHeaders) {
			s += " END_HEADERS"
		}
	}
	return s
}

// timedReader emits a read event for every read from the connection.
type timedReader struct {
	r     io.Reader
	since func() float64
	emit  func(Event)
}

func (t *timedReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.emit(Event{T: t.since(), Kind: KindRead, Bytes: n})
	}
	return n, err
}
