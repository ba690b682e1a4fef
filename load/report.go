package main

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"
)

// keepReasons is how many error reasons the report lists: the first few
// say what broke; thousands of copies say nothing more.
const keepReasons = 5

// tally adds up the streams. Only the collector goroutine in drive touches
// it until drive returns it.
type tally struct {
	completed int             // streams whose whole body arrived and matched
	errors    int             // every other stream
	bytes     int64           // bytes that matched, completed streams only
	ttfbs     []time.Duration // one per completed stream
	totals    []time.Duration // one per completed stream
	reasons   []string        // the first keepReasons errors
}

func (t *tally) add(r result) {
	if r.err != nil {
		t.errors++
		if len(t.reasons) < keepReasons {
			t.reasons = append(t.reasons, r.err.Error())
		}
		return
	}
	t.completed++
	t.bytes += r.bytes
	t.ttfbs = append(t.ttfbs, r.ttfb)
	t.totals = append(t.totals, r.total)
}

// percentile is the nearest-rank p-th percentile (0 < p ≤ 100) of sorted:
// the smallest value with at least p% of the values at or below it. It is
// always one of the values measured, never an interpolation. 0 for none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// format writes the report as Markdown.
func format(p plan, target string, t tally, elapsed time.Duration, mem memSummary, memErr error) string {
	ttfbs, totals := slices.Clone(t.ttfbs), slices.Clone(t.totals)
	slices.Sort(ttfbs)
	slices.Sort(totals)
	var b strings.Builder
	fmt.Fprintf(&b, "# chunkscope load test\n\n")
	fmt.Fprintf(&b, "%s, %d cores, %s, server %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), runtime.Version(), target)
	fmt.Fprintf(&b, "%d clients on loopback, each repeating `GET /csv/streaming?%s` (%d B in %d groups, %s apart: ≥ %s per stream) for %s, every body checked byte for byte as it arrives. TTFB is from sending the request to the first body byte read, so it includes the first group's delay. Server memory is the server's own samples (`/events`, every 10 ms) for a tagged slow stream held open across the load; growth is the peak heap over the first sample, taken after a GC just before the load.\n\n",
		p.clients, p.query, p.spec.BodySize(), p.spec.Groups(), p.spec.Delay, p.spec.TotalDelay(), p.duration)
	fmt.Fprintf(&b, "| figure | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| clients | %d |\n", p.clients)
	fmt.Fprintf(&b, "| duration | %s (the last stream ended at %.2f s) |\n", p.duration, elapsed.Seconds())
	fmt.Fprintf(&b, "| completed streams | %d |\n", t.completed)
	fmt.Fprintf(&b, "| bytes verified | %d (%s) |\n", t.bytes, mib(t.bytes))
	fmt.Fprintf(&b, "| errors (goal: 0) | %s |\n", mark(fmt.Sprint(t.errors), t.errors == 0))
	fmt.Fprintf(&b, "| TTFB p50 | %s |\n", ms(percentile(ttfbs, 50)))
	fmt.Fprintf(&b, "| TTFB p99 | %s |\n", ms(percentile(ttfbs, 99)))
	fmt.Fprintf(&b, "| stream time p50 / p99 (request to last byte) | %s / %s |\n", ms(percentile(totals, 50)), ms(percentile(totals, 99)))
	if memErr != nil {
		fmt.Fprintf(&b, "| peak server heap growth (goal: < 32 MiB) | unknown: %s |\n", strings.ReplaceAll(memErr.Error(), "|", `\|`))
	} else {
		fmt.Fprintf(&b, "| server heap: baseline → peak | %s → %s |\n", mib(int64(mem.baseHeap)), mib(int64(mem.peakHeap)))
		fmt.Fprintf(&b, "| peak server heap growth (goal: < 32 MiB) | %s |\n", mark(mib(mem.growth()), mem.growth() < maxHeapGrowth))
		fmt.Fprintf(&b, "| server RSS: baseline → peak | %s → %s |\n", mib(int64(mem.baseRSS)), mib(int64(mem.peakRSS)))
		fmt.Fprintf(&b, "| peak server goroutines | %d |\n", mem.peakGoroutines)
	}
	fmt.Fprintf(&b, "| completed streams/s | %.0f |\n", float64(t.completed)/elapsed.Seconds())
	if len(t.reasons) > 0 {
		fmt.Fprintf(&b, "\nFirst %d of %d errors:\n\n", len(t.reasons), t.errors)
		for _, r := range t.reasons {
			fmt.Fprintf(&b, "- %s\n", r)
		}
	}
	fmt.Fprintln(&b)
	return b.String()
}

// mark puts a goal's figure in bold with whether it was met.
func mark(v string, ok bool) string {
	if ok {
		return "**" + v + "** ✓"
	}
	return "**" + v + "** ✗ FAILED"
}

func mib(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/MiB) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
