package ui

import (
	"fmt"
	"testing"

	"chunkscope/app/record"
)

func BenchmarkRequestRows10k(b *testing.B) {
	base := listRuns()
	var runs []*record.Run
	for i := range 10_000 {
		r := *base[i%4]
		r.ID = fmt.Sprint("har-", i)
		runs = append(runs, &r)
	}
	b.ResetTimer()
	for range b.N {
		rows := requestRows(runs, runs[:8])
		filterRows(rows, "", "start", false)
	}
}
