// Package browser is the page's only door to the browser's APIs (syscall/js):
// fetch and the body reader, the server's event stream, memory figures, the
// canvas, and window.chunkscope. Outside the wasm build (go-app pre-renders
// the page on the server) every function reports that it needs a browser,
// so the rest of the page compiles and tests natively.
package browser

import (
	"chunkscope/app/record"
	"chunkscope/app/scene"
	"chunkscope/app/spec"
	"chunkscope/app/wire"
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
	// Pace is how fast the page's reader takes the body (spec.Pace); the
	// zero Pace reads at full speed, on the pump's unchanged hot path.
	Pace spec.Pace
}

// Response is what fetch resolved with: the status line and headers.
type Response struct {
	Status    int
	Headers   map[string]string // lower-case names
	HeadersMs float64           // ms since t = 0, when fetch() resolved
}

// Batch is what arrived since the last batch, about once per frame.
type Batch struct {
	Chunks    []record.Chunk
	ElapsedMs float64       // ms since the request was sent
	Client    []wire.Sample // the page's memory
	Server    []wire.Sample // the server's memory, already on the page's clock
	Sent      []wire.Send   // the server's send log, likewise
}

// Progress receives what the reader saw, in order, on the reading
// goroutine: the start, the response once, then batches.
type Progress struct {
	// OnStart comes just before the request is sent (t = 0): from then on
	// the page's main thread shares the machine with the measured request,
	// so whatever it need not do at once it should put off.
	OnStart    func()
	OnResponse func(Response)
	OnBatch    func(Batch)
}

// Result is how a read ended.
type Result struct {
	TotalMs       float64
	T0EpochMs     float64 // t = 0 on the wall clock, ms since the Unix epoch
	ErrorBody     string  // start of a non-2xx body: the server's reason
	ClockOffsetMs float64 // server time + offset = page time
	ClockErrorMs  float64 // ± on that offset
	// ServerProblem says why server samples are missing or incomplete.
	ServerProblem string
	// UA is the measureUserAgentSpecificMemory() started when the body
	// was read; nil where the browser offers none.
	UA *UAMeasurement
	// Timing is the browser's Resource Timing entry for the request; nil
	// when the browser added none (an aborted request, say).
	Timing *record.ResourceTiming
	// StoppedMs is when a reader paced to stop (spec.PaceStop) stopped
	// reading, and ResumedMs when it read again, once the server had let go
	// of the response (its memory stream ended), to see how the body ends;
	// ms since t = 0, 0 when it did not.
	StoppedMs, ResumedMs float64
}

// Canvas paints scenes on the canvas element with the given id.
type Canvas struct{ ID string }

// Width is the width, in CSS pixels, to lay the scene out for.
func (c Canvas) Width() float64 { return width(c.ID) }

// Paint paints the scene (see scene.Encode).
func (c Canvas) Paint(sc scene.Scene) { paint(c.ID, sc) }

// API is what the page offers scripts as window.chunkscope.
type API struct {
	RunsJSON func() string // the finished runs, a JSON array
	// Count is how many runs RunsJSON holds, at no cost: what a script
	// polls while a run is read (runs() builds every record, on the main
	// thread the run shares).
	Count func() int
	// SceneJSON is the chart's last painted scene and the options it was
	// laid out with, as JSON ("null" before the first).
	SceneJSON func() string
	// BenchFrame times the work of one live frame (verdict, binning,
	// drawing) on a synthetic run of the given number of chunks, frames
	// times, and returns the figures as JSON.
	BenchFrame func(chunks, frames int) string
	// ChainJSON is the chain view's comparison (record.Chain) as JSON,
	// "null" when the view is not a chain.
	ChainJSON func() string
}
