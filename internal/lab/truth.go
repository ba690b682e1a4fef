package lab

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"chunkscope/server/probe"
)

// Truth is the ground truth of one response, read raw over TCP by the
// wire probe (server/probe): when its bytes arrived and how it was framed.
// Times are milliseconds from the moment the request was written (the
// probe's t = 0).
type Truth struct {
	Status    int
	Headers   http.Header
	Framing   string // probe.FramingChunked, FramingContentLength, FramingClose, FramingNone
	Chunks    int    // HTTP/1.1 chunks (chunked framing only)
	BodyBytes int64  // as sent: compressed bytes for a compressed body
	Complete  bool   // the framing said the body was complete (or the close ended it)

	FirstByteMs float64 // the first byte of the response (status line)
	FirstBodyMs float64 // the first body byte; 0 without a body
	LastBodyMs  float64 // the last body byte
	// P10Ms and P90Ms: when 10% and 90% of the body's bytes had arrived.
	// A body held to the end has both near LastBodyMs; a stream has P10Ms
	// near its start.
	P10Ms, P90Ms float64
	// EndShare is the share of the body's bytes that arrived in the last
	// tenth of the time from the request to the last body byte: about 0.1
	// for a steady stream, near 1 for a body held to the end.
	EndShare float64
	// Pieces are the socket reads that carried body bytes, with their
	// sizes (body bytes only, chunk framing excluded).
	Pieces       int
	MedianPiece  int64
	LargestPiece int64
	// LargestGapMs is the longest silence from the request to the last
	// body byte: before the first byte, from it to the first body read, or
	// between body reads.
	LargestGapMs float64
	// MedianGapMs is the median wait between consecutive body reads: the
	// cadence the body arrived at.
	MedianGapMs float64
}

// Measure reads url raw (GET, HTTP/1.1, Connection: close, with header
// added) and returns its ground truth. ctx bounds it.
func Measure(ctx context.Context, url string, header map[string]string) (Truth, error) {
	res, err := probe.Do(ctx, probe.Request{URL: url, Header: header}, nil)
	if err != nil {
		return Truth{}, err
	}
	return truthOf(res), nil
}

// truthOf reduces a probe result to its Truth.
func truthOf(res probe.Result) Truth {
	t := Truth{
		Status: res.Status, Headers: res.Headers, Framing: res.Framing, Chunks: res.Chunks,
		BodyBytes: res.BodyBytes, Complete: res.Complete, FirstByteMs: res.TTFBMs,
	}
	// Each read, and the body bytes it carried.
	type piece struct {
		t     float64
		bytes int64
	}
	var pieces []piece
	for _, e := range res.Events {
		switch e.Kind {
		case probe.KindRead:
			pieces = append(pieces, piece{t: e.T})
		case probe.KindChunkData, probe.KindBody:
			if len(pieces) > 0 {
				pieces[len(pieces)-1].bytes += int64(e.Bytes)
			}
		}
	}
	var body []piece
	for _, p := range pieces {
		if p.bytes > 0 {
			body = append(body, p)
		}
	}
	t.Pieces = len(body)
	if len(body) == 0 {
		return t
	}
	t.FirstBodyMs, t.LastBodyMs = body[0].t, body[len(body)-1].t
	var sum int64
	sizes := make([]int64, len(body))
	for i, p := range body {
		sizes[i] = p.bytes
		sum += p.bytes
	}
	var seen int64
	for _, p := range body {
		seen += p.bytes
		if t.P10Ms == 0 && seen*10 >= sum {
			t.P10Ms = p.t
		}
		if seen*10 >= sum*9 {
			t.P90Ms = p.t
			break
		}
	}
	var late int64
	for _, p := range body {
		if p.t >= 0.9*t.LastBodyMs {
			late += p.bytes
		}
	}
	t.EndShare = float64(late) / float64(sum)
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	t.MedianPiece, t.LargestPiece = sizes[len(sizes)/2], sizes[len(sizes)-1]
	t.LargestGapMs = t.FirstByteMs
	prev := t.FirstByteMs
	var gaps []float64
	for i, p := range body {
		gap := p.t - prev
		if gap > t.LargestGapMs {
			t.LargestGapMs = gap
		}
		if i > 0 {
			gaps = append(gaps, gap)
		}
		prev = p.t
	}
	if len(gaps) > 0 {
		sort.Float64s(gaps)
		t.MedianGapMs = gaps[len(gaps)/2]
	}
	return t
}

// String is the truth in one line, for test logs.
func (t Truth) String() string {
	return fmt.Sprintf("%d %s chunks=%d bytes=%d first=%.1fms body=%.1f..%.1fms p10=%.0f p90=%.0f end=%.2f pieces=%d median=%dB largest=%dB gap=%.1fms cadence=%.1fms",
		t.Status, t.Framing, t.Chunks, t.BodyBytes, t.FirstByteMs, t.FirstBodyMs, t.LastBodyMs, t.P10Ms, t.P90Ms, t.EndShare,
		t.Pieces, t.MedianPiece, t.LargestPiece, t.LargestGapMs, t.MedianGapMs)
}
