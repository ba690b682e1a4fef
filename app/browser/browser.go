// Package browser is the page's only door to the browser's APIs (syscall/js):
// fetch and the body reader, the server's event stream, memory figures, the
// canvas, and window.chunkscope. Outside the wasm build (go-app pre-renders
// the page on the server) every function reports that it needs a browser,
// so the rest of the page compiles and tests natively.
package browser

import (
	"chunkscope/app/chart"
	"chunkscope/app/record"
)

// Request says what to read and how.
type Request struct {
	URL    string            // the body's URL, run=ID included when RunID is set
	Method string            // GET or HEAD
	Header map[string]string // request headers to add
	// RunID, when set, makes Read follow /events?run=ID for the server's
	// memory samples during the run.
	RunID string
	// Keep is buffer-read: every piece is copied into the Go heap and held
	// until the end, as response.arrayBuffer() would. Otherwise each piece
	// is counted and dropped (stream-read).
	Keep bool
}

// Response is what fetch resolved with: the status line and headers.
type Response struct {
	Status    int
	Headers   map[string]string // lower-case names
	HeadersMs float64           // ms from the request being sent
}

// Batch is what arrived since the last batch, about once per frame.
type Batch struct {
	Chunks    []record.Chunk
	ElapsedMs float64            // ms since the request was sent
	Client    []record.MemSample // the page's memory
	Server    []record.MemSample // the server's memory, already on the page's clock
}

// Progress receives what the reader saw, in order, on the reading
// goroutine: the response once, then batches.
type Progress struct {
	OnResponse func(Response)
	OnBatch    func(Batch)
}

// Result is how a read ended.
type Result struct {
	TotalMs       float64
	ErrorBody     string  // start of a non-2xx body: the server's reason
	ClockOffsetMs float64 // server time + offset = page time
	ClockErrorMs  float64 // ± on that offset
	// ServerProblem says why server samples are missing or incomplete.
	ServerProblem string
	// UA is the measureUserAgentSpecificMemory() started with the request;
	// nil where the browser offers none.
	UA *UAMeasurement
}

// Canvas paints chart scenes on the canvas element with the given id.
type Canvas struct{ ID string }

// Columns is how many pixel columns the plot area has (for chart.Build).
func (c Canvas) Columns() int { return columns(c.ID) }

// Draw paints the scene.
func (c Canvas) Draw(sc chart.Scene) { draw(c.ID, sc) }

// API is what the page offers scripts as window.chunkscope.
type API struct {
	RunsJSON func() string // the finished runs, a JSON array
	// BenchFrame times the work of one live frame (verdict, binning,
	// drawing) on a synthetic run of the given number of chunks, frames
	// times, and returns the figures as JSON.
	BenchFrame func(chunks, frames int) string
}

// WireSummary is the end of a /wire stream: the probe's summary.
type WireSummary struct {
	Status        int                 `json:"status"`
	Proto         string              `json:"proto"`
	Headers       map[string][]string `json:"headers"`
	Framing       string              `json:"framing"`
	Chunks        int                 `json:"chunks"`
	ContentLength int64               `json:"contentLength"`
	BodyBytes     int64               `json:"bodyBytes"`
	Complete      bool                `json:"complete"`
	Err           string              `json:"err"`
	TTFBMs        float64             `json:"ttfbMs"`
	TotalMs       float64             `json:"totalMs"`
}
