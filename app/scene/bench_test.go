package scene

import (
	"testing"

	"chunkscope/app/chart"
)

func BenchmarkBin(b *testing.B) {
	r := BenchRun(100_000)
	for b.Loop() {
		chart.Build([]chart.Lane{{Run: r}}, Columns(1400))
	}
}

func BenchmarkScene(b *testing.B) {
	r := BenchRun(100_000)
	lanes := []Lane{{Run: r, Label: "bench", Color: Palette[Blue]}}
	var e Encoder
	for b.Loop() {
		e.Encode(Build(lanes, Options{Width: 1400}))
	}
}
