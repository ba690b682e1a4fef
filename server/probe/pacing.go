package probe

import (
	"fmt"
	"slices"
)

// pacing follows when the body's units arrived — HTTP/1.1 chunks, HTTP/2
// DATA frames, or, for a body framed by its length or the close, the
// socket reads that carried it — to say in one line how the body was
// paced: how many, how often, and the longest wait.
type pacing struct {
	unit  string    // "chunks", "DATA frames" or "reads"
	times []float64 // ms, one per unit that carried body bytes
}

func (p *pacing) add(e Event) {
	switch {
	case e.Kind == KindChunkSize && e.Size > 0:
		p.unit = "chunks"
	case e.Kind == KindDataFrame && e.Size > 0:
		p.unit = "DATA frames"
	case e.Kind == KindBody && e.Bytes > 0 && (p.unit == "" || p.unit == "reads"):
		p.unit = "reads"
	default:
		return
	}
	p.times = append(p.times, e.T)
}

// line says it, e.g. "pacing: 2,001 chunks, one every ~2.1 ms (median);
// largest gap 249 ms, after 1,204 ms" — the gap before the first unit
// counts from t = 0, so a first byte held back is a gap too.
func (p *pacing) line() string {
	n := len(p.times)
	switch n {
	case 0:
		return "pacing: no body"
	case 1:
		return fmt.Sprintf("pacing: the whole body in one of %s, at %.1f ms", p.unit, p.times[0])
	}
	gaps := make([]float64, n-1)
	largest, at := p.times[0], 0.0
	for i := 1; i < n; i++ {
		gaps[i-1] = p.times[i] - p.times[i-1]
		if gaps[i-1] > largest+0.0005 { // the first of equal gaps, to the µs the times have
			largest, at = gaps[i-1], p.times[i-1]
		}
	}
	slices.Sort(gaps)
	return fmt.Sprintf("pacing: %s %s over %.1f ms, one every ~%s ms (median); largest gap %s ms, after %.1f ms",
		thousands(n), p.unit, p.times[n-1]-p.times[0], short(gaps[len(gaps)/2]), short(largest), at)
}

// short prints a duration in ms with the precision it deserves.
func short(ms float64) string {
	switch {
	case ms >= 100:
		return fmt.Sprintf("%.0f", ms)
	case ms >= 1:
		return fmt.Sprintf("%.1f", ms)
	}
	return fmt.Sprintf("%.3f", ms)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
