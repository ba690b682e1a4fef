package ui

import (
	"strings"
	"testing"

	"chunkscope/app/record"
)

// hopRecord is a finished hop of the server's own hop-by-hop view: reads of
// n bytes at the given times.
func hopRecord(hop, kind string, times []float64, n int) *record.Run {
	r := &record.Run{Hop: hop, Status: 200, Done: true, Verdict: record.Verdict{Kind: kind}, Headers: map[string]string{}}
	for _, t := range times {
		r.Append(record.Chunk{T: t, N: n})
	}
	return r
}

func every(from, step float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = from + step*float64(i)
	}
	return out
}

// TestHopFindings: the hop-by-hop view says, by the chain's rule, which of
// the server's hops changed the pacing against direct (rows=20&delay=50ms:
// direct ticks every 50 ms; the default proxy in front of a sized body and
// the buffering gzip hold it to the end).
func TestHopFindings(t *testing.T) {
	direct := hopRecord("direct", record.KindStreamed, every(2, 50, 20), 15)
	runs := []*record.Run{direct,
		hopRecord("proxy → chunked", record.KindStreamed, every(3, 50, 20), 15),
		hopRecord("proxy → sized", record.KindOnePiece, []float64{1003}, 300),
		hopRecord("gzip buffering", record.KindOnePiece, []float64{1004}, 120),
		hopRecord("nginx buffer off", record.KindStreamed, every(4, 50, 20), 15),
	}
	got := hopFindings(runs)
	for _, want := range []string{"Against direct, the pacing changed through proxy → sized: first byte 2.0 ms → 1,003 ms",
		"gzip buffering: first byte 2.0 ms → 1,004 ms", "streamed → one-piece", "Proxy → chunked, nginx buffer off paced it as direct did."} {
		if !strings.Contains(got, want) {
			t.Errorf("%q\nlacks %q", got, want)
		}
	}
	if got := hopFindings(runs[:2]); got != "Against direct, no hop changed the pacing." {
		t.Errorf("two alike: %q", got)
	}
	runs[2].Done = false
	if got := hopFindings(runs); got != "" {
		t.Errorf("a hop still read: %q; want nothing yet", got)
	}
}
