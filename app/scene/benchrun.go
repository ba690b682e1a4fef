package scene

import (
	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// BenchRun is the synthetic run that frame costs are measured on (the
// page's window.chunkscope.benchFrame and this package's benchmarks):
// chunks reads of 1 KiB over 60 s, memory sampled every 10 ms on both
// sides.
func BenchRun(chunks int) *record.Run {
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
