package scene

import (
	"testing"

	"chunkscope/app/chart"
	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// benchRun is benchFrame's synthetic run: chunks reads over 60 s, memory
// sampled every 10 ms on both sides.
func benchRun(chunks int) *record.Run {
	const spanMs = 60_000
	r := &record.Run{Scenario: "streaming", Headers: map[string]string{"transfer-encoding": "chunked"}, Status: 200, EndMs: spanMs}
	for i := 0; i < chunks; i++ {
		r.Append(record.Chunk{T: spanMs * float64(i+1) / float64(chunks), N: 1024})
	}
	for t := 0.0; t <= spanMs; t += 10 {
		m := wire.Sample{T: t, Heap: uint64(4<<20 + int(t)*10), RSS: 40 << 20, JSHeap: 9 << 20}
		r.ServerMem = append(r.ServerMem, m)
		r.ClientMem = append(r.ClientMem, m)
	}
	return r
}

func BenchmarkBin(b *testing.B) {
	r := benchRun(100_000)
	for b.Loop() {
		chart.Build([]chart.Lane{{Run: r}}, Columns(1400))
	}
}

func BenchmarkScene(b *testing.B) {
	r := benchRun(100_000)
	lanes := []Lane{{Run: r, Label: "bench", Color: Palette[Blue]}}
	var e Encoder
	for b.Loop() {
		e.Encode(Build(lanes, Options{Width: 1400}))
	}
}
