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
	refused   int             // well-formed 503s (caps mode): the cap at work
	errors    int             // every other request
	bytes     int64           // bytes that matched, completed streams only
	ttfbs     []time.Duration // one per completed stream
	totals    []time.Duration // one per completed stream
	refusals  []time.Duration // request sent → refusal read, one per refusal
	reasons   []string        // the first keepReasons errors
	served    int             // clients with at least one completed stream (set by drive)
}

func (t *tally) add(r result) {
	if r.refused {
		t.refused++
		t.refusals = append(t.refusals, r.total)
		return
	}
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

// format writes one mode's report as Markdown, a section of the file.
func format(p plan, target string, t tally, elapsed time.Duration, mem memSummary, memErr error) string {
	ttfbs, totals, refusals := slices.Clone(t.ttfbs), slices.Clone(t.totals), slices.Clone(t.refusals)
	slices.Sort(ttfbs)
	slices.Sort(totals)
	slices.Sort(refusals)
	var b strings.Builder
	switch p.mode {
	case capsMode:
		fmt.Fprintf(&b, "## Caps: %d clients against -max-runs %d\n\n", p.clients, p.maxRuns)
	default:
		fmt.Fprintf(&b, "## Streaming: %d clients under the cap\n\n", p.clients)
	}
	fmt.Fprintf(&b, "%s, %d cores, %s, server %s.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), runtime.Version(), target)
	fmt.Fprintf(&b, "%d clients on loopback, each repeating `GET /csv/streaming?%s` (%d B in %d groups, %s apart: ≥ %s per stream) for %s, every body checked byte for byte as it arrives. TTFB is from sending the request to the first body byte read, so it includes the first group's delay. Server memory is the server's own samples (`/events`, every 10 ms) for a tagged slow stream held open across the load (it holds one of the server's slots); growth is the peak heap over the first sample, taken after a GC just before the load.\n\n",
		p.clients, p.query, p.spec.BodySize(), p.spec.Groups(), p.spec.Delay, p.spec.TotalDelay(), p.duration)
	if p.mode == capsMode {
		fmt.Fprintf(&b, "More clients than the server lets stream at once: a refusal counts as one when it is a 503 with a `Retry-After` and a one-line reason, and the client then waits `Retry-After` plus a random jitter of up to half of it again (so the clients refused together do not return together), never past the end of the load. Any other answer is an error: a 503 without them, any other status, a reset, a timeout, a wrong byte.\n\n")
	}
	fmt.Fprintf(&b, "| figure | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| clients | %d |\n", p.clients)
	fmt.Fprintf(&b, "| server cap (-max-runs) | %d |\n", p.maxRuns)
	fmt.Fprintf(&b, "| duration | %s (the last request ended at %.2f s) |\n", p.duration, elapsed.Seconds())
	fmt.Fprintf(&b, "| completed streams | %d |\n", t.completed)
	if p.mode == capsMode {
		fmt.Fprintf(&b, "| refused at the cap (503 + Retry-After; goal: > 0) | %s |\n", mark(fmt.Sprint(t.refused), t.refused > 0))
		fmt.Fprintf(&b, "| clients served at least once | %d of %d |\n", t.served, p.clients)
		fmt.Fprintf(&b, "| time to a refusal p50 / p99 | %s / %s |\n", ms(percentile(refusals, 50)), ms(percentile(refusals, 99)))
	}
	fmt.Fprintf(&b, "| bytes verified | %d (%s) |\n", t.bytes, mib(t.bytes))
	fmt.Fprintf(&b, "| errors (goal: 0) | %s |\n", mark(fmt.Sprint(t.errors), t.errors == 0))
	fmt.Fprintf(&b, "| TTFB p50 | %s |\n", ms(percentile(ttfbs, 50)))
	fmt.Fprintf(&b, "| TTFB p99 | %s |\n", ms(percentile(ttfbs, 99)))
	fmt.Fprintf(&b, "| stream time p50 / p99 (request to last byte) | %s / %s |\n", ms(percentile(totals, 50)), ms(percentile(totals, 99)))
	goal := fmt.Sprintf("peak server heap growth (goal: < %s)", mib(p.heapBound))
	if memErr != nil {
		fmt.Fprintf(&b, "| %s | unknown: %s |\n", goal, strings.ReplaceAll(memErr.Error(), "|", `\|`))
	} else {
		fmt.Fprintf(&b, "| server heap: baseline → peak | %s → %s |\n", mib(int64(mem.baseHeap)), mib(int64(mem.peakHeap)))
		fmt.Fprintf(&b, "| %s | %s |\n", goal, mark(mib(mem.growth()), mem.growth() < p.heapBound))
		fmt.Fprintf(&b, "| server RSS: baseline → peak | %s → %s |\n", mib(int64(mem.baseRSS)), mib(int64(mem.peakRSS)))
		if p.rssBound > 0 {
			fmt.Fprintf(&b, "| peak server RSS growth (goal: < %s) | %s |\n", mib(p.rssBound), mark(mib(mem.rssGrowth()), mem.rssGrowth() < p.rssBound))
		}
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
