package record

import (
	"testing"

	"chunkscope/app/wire"
)

func TestFillFromWire(t *testing.T) {
	r := &Run{Wire: &Wire{Status: 200, Proto: "HTTP/1.0", Framing: "close", TotalMs: 120, Events: []wire.Event{
		{T: 10, Kind: "read", Bytes: 120},
		{T: 10, Kind: "status", Bytes: 17, Text: "HTTP/1.0 200 OK"},
		{T: 10, Kind: "headers-end", Bytes: 2, Text: "close"},
		{T: 10, Kind: "body", Bytes: 28},
		{T: 60, Kind: "read", Bytes: 14},
		{T: 60, Kind: "body", Bytes: 14},
		{T: 110, Kind: "read", Bytes: 0},
		{T: 110, Kind: "close"},
	}}}
	r.FillFromWire(map[string][]string{"Content-Type": {"text/csv"}})
	if r.Source != "wire" || r.Status != 200 || r.Bytes != 42 || len(r.Chunks) != 2 || r.Chunks[1] != (Chunk{T: 60, N: 14}) {
		t.Errorf("got source %s status %d bytes %d chunks %v; want wire 200 42 [{10 28} {60 14}]", r.Source, r.Status, r.Bytes, r.Chunks)
	}
	if r.TTFBMs != 10 || r.HeadersMs != 10 || r.TotalMs != 120 || r.Header("content-type") != "text/csv" {
		t.Errorf("ttfb %v headers %v total %v content-type %q", r.TTFBMs, r.HeadersMs, r.TotalMs, r.Header("content-type"))
	}
	r.Done = true
	if v := Explain(r); v.Kind != KindStreamed || v.Detail[:8] != "HTTP/1.0" {
		t.Errorf("Explain = %+v; want streamed, starting HTTP/1.0", v)
	}
}
