package record

import (
	"strings"

	"chunkscope/app/wire"
)

// FillFromWire makes a probe-only run (source "wire") read like any other:
// its status, headers, pieces and times come from the probe. Each socket
// read that carried body bytes is one piece, as each read() is for the
// browser.
func (r *Run) FillFromWire(headers map[string][]string) {
	w := r.Wire
	r.Source, r.Status, r.TotalMs = SourceWire, w.Status, w.TotalMs
	r.Headers = map[string]string{}
	for name, vals := range headers {
		r.Headers[strings.ToLower(name)] = strings.Join(vals, ", ")
	}
	r.Chunks, r.Bytes = []Chunk{}, 0
	readAt, inRead := 0.0, -1
	for _, e := range w.Events {
		switch {
		case e.Kind == wire.KindRead:
			readAt, inRead = e.T, -1
		case e.Kind == wire.KindHeadersEnd:
			if r.HeadersMs == 0 {
				r.HeadersMs = e.T
			}
		case wire.IsBody(e.Kind):
			if e.Bytes == 0 {
				continue
			}
			if inRead < 0 {
				r.Append(Chunk{T: readAt, N: 0})
				inRead = len(r.Chunks) - 1
			}
			r.Chunks[inRead].N += e.Bytes
			r.Bytes += int64(e.Bytes)
		}
	}
	if len(r.Chunks) == 0 {
		r.TTFBMs = r.HeadersMs
	}
	r.EndMs = max(r.EndMs, r.TotalMs)
	if w.Error != "" && r.Error == "" {
		r.Error = "wire: " + w.Error
	}
}
