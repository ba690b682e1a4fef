package record

import (
	"math"
	"slices"
	"sync"
)

// BurstGapMs is the floor of a burst's gap: reads less than this apart are
// always one burst (a transfer handing over what it has, back to back).
// Above it, whether a gap ends a burst is measured against the body's own
// cadence (BurstsOf), never against a fixed gap: a fixed 10 ms gap once
// merged a steady stream of a row every 2 ms into one "burst" of the whole
// body.
const BurstGapMs = 1

// BackToBackBytesPerMs is the rate at or above which a read counts as
// arriving back to back after the one before, whatever the gap: 4 KiB per
// ms (4 MB/s) is a transfer catching up, not a stream's pace — a row every
// 2 ms is ~20 B per ms, a proxy's 4 KiB every 200 ms 20 B per ms too.
const BackToBackBytesPerMs = 4096

// BurstRule says in a few words how bursts are told apart, for a column's
// title or a legend.
const BurstRule = "reads back to back: under 1 ms apart, at 4 MB/s or more, or well inside the body's own pauses"

// Burst is reads that arrived back to back: what a buffer on the way let go
// at once, or one piece of a stream.
type Burst struct {
	T     float64 // the first read's time
	Last  float64 // the last read's time
	N     int64   // bytes
	Reads int
}

// Bursts is the bytes of each burst of reads (BurstsOf). The table asks
// for it at every render of every lane: the last few answers are kept,
// keyed by the reads' count and stamps (a finished run's never change).
func Bursts(chunks []Chunk) []int64 {
	if len(chunks) == 0 {
		return nil
	}
	n := len(chunks)
	key := burstKey{n, chunks[0].T, chunks[n/2].T, chunks[n-1].T, chunks[n-1].N}
	burstMemo.Lock()
	defer burstMemo.Unlock()
	for _, m := range burstMemo.kept {
		if m.key == key {
			return m.sizes
		}
	}
	b := BurstsOf(chunks)
	out := make([]int64, len(b))
	for i, x := range b {
		out[i] = x.N
	}
	burstMemo.kept = append(burstMemo.kept, burstMemoEntry{key, out})
	if len(burstMemo.kept) > burstMemoSize {
		burstMemo.kept = burstMemo.kept[1:]
	}
	return out
}

// burstMemoSize is how many answers Bursts keeps: a view's lanes and a few.
const burstMemoSize = 16

// burstKey tells reads apart by their count and a few of their stamps —
// not by their slice, which would keep every array a growing run left
// behind alive in the memo.
type burstKey struct {
	n                int
	first, mid, last float64
	lastN            int
}

type burstMemoEntry struct {
	key   burstKey
	sizes []int64
}

var burstMemo struct {
	sync.Mutex
	kept []burstMemoEntry
}

// sampleMax bounds the values sorted to find a break or a median: beyond
// it, evenly spaced values stand for the rest (a 200,000-read stream took
// 140 ms to sort whole; its median and its break do not need every value).
const sampleMax = 4096

// sample is at most sampleMax of v, evenly spaced, in a new slice.
func sample(v []float64) []float64 {
	if len(v) <= sampleMax {
		return slices.Clone(v)
	}
	out := make([]float64, sampleMax)
	for i := range out {
		out[i] = v[i*len(v)/sampleMax]
	}
	return out
}

// breakRatio is how much longer the pauses between batches must be than
// the gaps inside them for the two to be told apart: a margin, so that a
// stream's jitter never reads as batches.
const breakRatio = 4

// BurstsOf groups reads into bursts. Reads back to back (under BurstGapMs,
// or at BackToBackBytesPerMs or more) always belong to one. Of the other
// gaps, the longer ones end a burst only where they stand apart from the
// shorter ones: the gaps, sorted, show a break of breakRatio or more; the
// longer side holds two gaps or more; and the time spent in the shorter
// gaps is at most a quarter of the time spent in the longer ones (a body
// released in batches spends its time waiting between them). Otherwise
// every gap over the floor ends a burst: a steady stream is a burst per
// read, and a stream with a pause or two is still a stream, not two
// bursts of half the body.
func BurstsOf(chunks []Chunk) []Burst {
	if len(chunks) == 0 {
		return nil
	}
	apart := make([]bool, len(chunks)) // apart[i]: read i came after a gap that may end a burst
	var gaps []float64
	for i := 1; i < len(chunks); i++ {
		g := chunks[i].T - chunks[i-1].T
		if g < BurstGapMs || float64(chunks[i].N) >= BackToBackBytesPerMs*g {
			continue
		}
		apart[i] = true
		gaps = append(gaps, g)
	}
	threshold := splitGaps(gaps)
	out := make([]Burst, 0, min(len(chunks), len(gaps)+1))
	for i, c := range chunks {
		if i == 0 || (apart[i] && c.T-chunks[i-1].T >= threshold) {
			out = append(out, Burst{T: c.T})
		}
		b := &out[len(out)-1]
		b.Last, b.N, b.Reads = c.T, b.N+int64(c.N), b.Reads+1
	}
	return out
}

// splitGaps is the gap at and above which a gap ends a burst: between the
// two groups gaps fall into when they fall into two (BurstsOf), 0 when
// they do not (every gap given ends one).
func splitGaps(gaps []float64) float64 {
	s := sample(gaps)
	slices.Sort(s)
	best, at := 0.0, -1
	for k := 0; k+1 < len(s); k++ {
		if r := s[k+1] / s[k]; r > best {
			best, at = r, k
		}
	}
	if at < 0 || best < breakRatio || len(s)-1-at < 2 {
		return 0
	}
	threshold := math.Sqrt(s[at] * s[at+1])
	var lower, upper float64
	for _, g := range gaps {
		if g < threshold {
			lower += g
		} else {
			upper += g
		}
	}
	if lower > upper/4 {
		return 0
	}
	return threshold
}

// Cadence is how a body's bursts followed each other.
type Cadence struct {
	Bursts   int
	Interval float64 // median time from one burst's start to the next's, ms; 0 with one burst
	Size     int64   // median burst, bytes (the last burst left out when there are three or more: it is what was left)
	Largest  int64   // the largest burst
	LongGap  float64 // the longest pause between two bursts
	// Even: three bursts or more (the last left out) of one size within 1%
	// (or 16 B): a buffer's size. Regular: three intervals or more, three
	// quarters of them within 30% of the median.
	Even, Regular bool
}

// CadenceOf measures the bursts' sizes and intervals.
func CadenceOf(b []Burst) Cadence {
	c := Cadence{Bursts: len(b)}
	if len(b) == 0 {
		return c
	}
	body := b
	if len(b) >= 3 {
		body = b[:len(b)-1]
	}
	sizes := make([]float64, len(body))
	for i, x := range body {
		sizes[i] = float64(x.N)
	}
	for _, x := range b {
		c.Largest = max(c.Largest, x.N)
	}
	c.Size = int64(median(sizes))
	if len(body) >= 3 {
		even := 0
		for _, s := range sizes {
			if math.Abs(s-float64(c.Size)) <= max(16, 0.01*float64(c.Size)) {
				even++
			}
		}
		c.Even = 4*even >= 3*len(sizes)
	}
	if len(b) < 2 {
		return c
	}
	iv := make([]float64, len(b)-1)
	for i := 1; i < len(b); i++ {
		iv[i-1] = b[i].T - b[i-1].T
		c.LongGap = max(c.LongGap, b[i].T-b[i-1].Last)
	}
	c.Interval = median(iv)
	if len(iv) >= 3 {
		near := 0
		for _, x := range iv {
			if math.Abs(x-c.Interval) <= 0.3*c.Interval {
				near++
			}
		}
		c.Regular = 4*near >= 3*len(iv)
	}
	return c
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := sample(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
