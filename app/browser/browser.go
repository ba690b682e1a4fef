// Package browser is the page's only door to the browser's APIs (syscall/js):
// fetch and the body reader, the canvas, and window.chunkscope. Outside the
// wasm build (go-app pre-renders the page on the server) every function
// reports that it needs a browser, so the rest of the page compiles and
// tests natively.
package browser

import (
	"chunkscope/app/chart"
	"chunkscope/app/record"
)

// Response is what fetch resolved with: the status line and headers.
type Response struct {
	Status    int
	Headers   map[string]string // lower-case names
	HeadersMs float64           // ms from the request being sent
}

// Progress receives what the reader saw, in order, on the reading
// goroutine: the response once, then batches of pieces with the time
// elapsed so far.
type Progress struct {
	OnResponse func(Response)
	OnChunks   func(chunks []record.Chunk, elapsedMs float64)
}

// Result is how a read ended.
type Result struct {
	TotalMs   float64
	ErrorBody string // start of a non-2xx body: the server's reason
}

// Canvas paints chart scenes on the canvas element with the given id.
type Canvas struct{ ID string }

// Columns is how many pixel columns the plot area has (for chart.Build).
func (c Canvas) Columns() int { return columns(c.ID) }

// Draw paints the scene.
func (c Canvas) Draw(sc chart.Scene) { draw(c.ID, sc) }
