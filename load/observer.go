package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"chunkscope/internal/sse"
)

// The server samples its memory only while a tagged run (run=ID) is active,
// and the load's own requests are untagged on purpose: tagging 200 streams
// would make the server record 200 copies of every sample. So one extra
// "observer" stream, slow and tiny, is tagged and kept open across the whole
// load; its samples are the server's memory under the load.
const (
	observerDelay = 100 * time.Millisecond
	// observerRows × observerDelay is just under the server's 5 min cap on
	// a body's total delay; the observer is cancelled long before.
	observerRows = 2900
	// maxSamples bounds what is kept of the stream: at one sample per 10 ms
	// it is over 8 minutes, longer than any run this command allows.
	maxSamples = 50_000
)

// memSample is one server memory sample as /events sends it.
type memSample struct {
	T          float64 `json:"t"` // ms since the observer request arrived
	Heap       uint64  `json:"heap"`
	RSS        uint64  `json:"rss"`
	Goroutines uint64  `json:"goroutines"`
}

// memSummary is what the load report needs from the samples.
type memSummary struct {
	samples        int
	baseHeap       uint64 // the first sample: taken as the observer began, before the load
	peakHeap       uint64
	baseRSS        uint64
	peakRSS        uint64
	peakGoroutines uint64
}

// growth is the peak heap above the baseline.
func (m memSummary) growth() int64 { return int64(m.peakHeap) - int64(m.baseHeap) }

// rssGrowth is the peak RSS above the baseline.
func (m memSummary) rssGrowth() int64 { return int64(m.peakRSS) - int64(m.baseRSS) }

func (m *memSummary) add(s memSample) {
	if m.samples == 0 {
		m.baseHeap, m.baseRSS = s.Heap, s.RSS
	}
	m.samples++
	m.peakHeap = max(m.peakHeap, s.Heap)
	m.peakRSS = max(m.peakRSS, s.RSS)
	m.peakGoroutines = max(m.peakGoroutines, s.Goroutines)
}

// observer is the tagged stream and the /events reader that follows it.
type observer struct {
	cancelStream context.CancelFunc // ends the tagged stream, hence the run
	cancelEvents context.CancelFunc // gives up on the events stream
	began        chan struct{}      // closed at the first sample: the run is active
	ended        chan struct{}      // closed when the events stream is over
	sum          memSummary         // valid once ended is closed
	err          error              // valid once ended is closed
}

// startObserver subscribes to /events?run=id, then sends the tagged stream,
// as the page does: /events waits up to 10 s for the tagged request to
// arrive, and the first sample it sends, taken as the run begins, is the
// baseline the growth is measured from.
func startObserver(ctx context.Context, client *http.Client, base, id string) *observer {
	streamCtx, cancelStream := context.WithCancel(ctx)
	eventsCtx, cancelEvents := context.WithCancel(ctx)
	o := &observer{cancelStream: cancelStream, cancelEvents: cancelEvents, began: make(chan struct{}), ended: make(chan struct{})}
	go func() {
		defer close(o.ended)
		o.sum, o.err = readEvents(eventsCtx, client, base, id, o.began)
	}()
	go func() {
		// The observer's body is not checked: it is there only to keep the
		// run active. Cancelling it ends the run on the server, which then
		// sends "end" on the events stream.
		url := fmt.Sprintf("%s/csv/streaming?rows=%d&delay=%s&run=%s", base, observerRows, observerDelay, id)
		req, err := http.NewRequestWithContext(streamCtx, http.MethodGet, url, nil)
		if err != nil {
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
	}()
	return o
}

// stop cancels the observer stream and waits up to wait for the events
// stream to end.
func (o *observer) stop(wait time.Duration) (memSummary, error) {
	defer o.cancelEvents()
	select {
	case <-o.ended:
		// The run ended while the load was still on (or the events stream
		// broke): its samples do not cover the load.
		o.cancelStream()
		if o.err != nil {
			return memSummary{}, o.err
		}
		return memSummary{}, fmt.Errorf("events: the observer run ended before the load did (%d samples)", o.sum.samples)
	default:
	}
	o.cancelStream()
	select {
	case <-o.ended:
		return o.sum, o.err
	case <-time.After(wait):
		return memSummary{}, fmt.Errorf("events: no end event within %s of cancelling the observer", wait)
	}
}

// readEvents reads /events?run=id (Server-Sent Events: "event: sample" then
// "data: {…}" lines, "event: end" last) and summarizes the samples. It
// closes began at the first sample.
func readEvents(ctx context.Context, client *http.Client, base, id string, began chan<- struct{}) (memSummary, error) {
	var sum memSummary
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events?run="+id, nil)
	if err != nil {
		return sum, fmt.Errorf("events %s: %w", id, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return sum, fmt.Errorf("events %s: %w", id, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return sum, fmt.Errorf("events %s: %s: %s", id, resp.Status, strings.TrimSpace(string(b)))
	}
	ended := false
	err = sse.Read(resp.Body, func(event, data string) (bool, error) {
		switch event {
		case "sample":
			var s memSample
			if err := json.Unmarshal([]byte(data), &s); err != nil {
				return false, fmt.Errorf("sample %q: %w", data, err)
			}
			if sum.samples >= maxSamples {
				return false, fmt.Errorf("over %d samples", maxSamples)
			}
			sum.add(s)
			if sum.samples == 1 {
				close(began)
			}
		case "end":
			ended = true
			return false, nil
		}
		return true, nil
	})
	switch {
	case ended && sum.samples == 0:
		return sum, fmt.Errorf("events %s: ended with no samples", id)
	case ended:
		return sum, nil
	case err == nil || errors.Is(err, context.Canceled):
		err = io.ErrUnexpectedEOF
	}
	return sum, fmt.Errorf("events %s: stream ended without an end event: %w", id, err)
}
