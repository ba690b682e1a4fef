package ui

import (
	"encoding/json"
	"slices"

	"chunkscope/app/browser"
	"chunkscope/app/record"
	"chunkscope/app/scene"
)

// benchFrame measures what every live frame costs at a given chunk count:
// a synthetic run of `chunks` reads over 60 s with memory sampled every
// 10 ms on both sides, then, `frames` times, the verdict, the binning and
// the drawing that a batch triggers. It draws on the page's own canvas and
// redraws the current view afterwards. make bench calls it through
// window.chunkscope.benchFrame to check the chart stays under 33 ms a frame
// at 100,000 chunks. A frame is what a live batch costs: the verdict, the
// scene (binning and layout, app/scene), its encoding and the painting.
func (p *Page) benchFrame(chunks, frames int) string {
	chunks, frames = max(1, min(chunks, 10_000_000)), max(1, min(frames, 1000))
	r := scene.BenchRun(chunks)
	lanes := []scene.Lane{{Run: r, Label: "bench", Color: scene.Palette[scene.Blue]}}
	canvas := browser.Canvas{ID: chartID}
	times := make([]float64, frames)
	layout := make([]float64, frames) // the Go part: verdict, binning, layout
	for i := range times {
		start := browser.Now()
		r.Verdict = record.Explain(r)
		sc := scene.Build(lanes, scene.Options{Width: canvas.Width()})
		layout[i] = browser.Now() - start
		canvas.Paint(sc)
		times[i] = browser.Now() - start
	}
	p.paint()
	slices.Sort(times)
	slices.Sort(layout)
	b, _ := json.Marshal(map[string]any{ // numbers only: cannot fail
		"chunks":   chunks,
		"frames":   frames,
		"medianMs": times[len(times)/2],
		"maxMs":    times[len(times)-1],
		"layoutMs": layout[len(layout)/2],
	})
	return string(b)
}
