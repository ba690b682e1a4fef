package server

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// sampleEvery is how often the server samples its memory while any run is
// active. It samples nothing while idle.
const sampleEvery = 10 * time.Millisecond

// keepRuns bounds how many finished runs' samples are kept for late
// readers of /events.
const keepRuns = 64

// runLog is what the server observed during one tagged run.
type runLog struct {
	id      string
	start   time.Time
	samples []Sample
	done    bool
	changed chan struct{} // closed (and replaced) whenever samples or done change
}

// runs is the registry of tagged runs and the sampler that feeds them. The
// sampler goroutine runs only while at least one run is active, so an idle
// server does no work and leaves no goroutine behind.
type runs struct {
	mu       sync.Mutex
	byID     map[string]*runLog
	order    []string         // oldest first, for eviction
	active   map[*runLog]bool // runs in progress: the sampler's list
	sampling bool
	newRun   chan struct{} // closed (and replaced) when a run begins
	mem      *memReader
	every    time.Duration
}

func newRuns() *runs {
	return &runs{byID: map[string]*runLog{}, active: map[*runLog]bool{}, newRun: make(chan struct{}), mem: newMemReader(), every: sampleEvery}
}

// begin registers a run and takes its first sample, the baseline its growth
// is measured from. An id may be used once.
//
// When no other run is active, begin first collects the heap and returns
// free memory to the OS: otherwise the garbage of the run before (a
// buffered body, say) would sit under this run's curve until the next GC,
// and a streamed run would look as if it held the last run's body. With a
// small live heap this costs a few milliseconds, before the run starts.
func (g *runs) begin(id string) (*runLog, error) {
	g.mu.Lock()
	idle := len(g.active) == 0
	g.mu.Unlock()
	if idle {
		debug.FreeOSMemory()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.byID[id]; ok {
		return nil, fmt.Errorf("run: %q was already used; every run needs a new id", id)
	}
	l := &runLog{id: id, start: time.Now(), changed: make(chan struct{})}
	g.byID[id] = l
	g.order = append(g.order, id)
	g.evictLocked()
	g.sampleLocked(l, g.mem.read())
	g.active[l] = true
	if !g.sampling {
		g.sampling = true
		go g.sample()
	}
	close(g.newRun)
	g.newRun = make(chan struct{})
	return l, nil
}

// end takes the run's last sample (while the handler still holds what it
// holds) and marks it done.
// Calling it again does nothing, so a handler may end its run early (while
// it still holds its body) and leave the deferred call in place.
func (g *runs) end(l *runLog) {
	if l == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if l.done {
		return
	}
	g.sampleLocked(l, g.mem.read())
	l.done = true
	delete(g.active, l)
	g.notifyLocked(l)
}

func (g *runs) sample() {
	t := time.NewTicker(g.every)
	defer t.Stop()
	// Its own reader: runtime/metrics samples must not be read into from
	// two goroutines, and begin and end use g.mem under the lock.
	mem := newMemReader()
	for range t.C {
		s := mem.read() // outside the lock: it touches /proc
		g.mu.Lock()
		if len(g.active) == 0 {
			g.sampling = false
			g.mu.Unlock()
			return
		}
		for l := range g.active {
			g.sampleLocked(l, s)
		}
		g.mu.Unlock()
	}
}

func (g *runs) sampleLocked(l *runLog, s Sample) {
	s.T = float64(time.Since(l.start).Microseconds()) / 1000
	l.samples = append(l.samples, s)
	g.notifyLocked(l)
}

func (g *runs) notifyLocked(l *runLog) {
	close(l.changed)
	l.changed = make(chan struct{})
}

// evictLocked forgets the oldest finished runs beyond keepRuns; runs in
// progress are never dropped, and do not hold back the eviction of others.
func (g *runs) evictLocked() {
	excess := len(g.order) - keepRuns
	if excess <= 0 {
		return
	}
	kept := g.order[:0]
	for _, id := range g.order {
		if excess > 0 && g.byID[id].done {
			delete(g.byID, id)
			excess--
			continue
		}
		kept = append(kept, id)
	}
	g.order = kept
}

func (g *runs) lookup(id string) (*runLog, chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.byID[id], g.newRun
}

// snapshot copies a run's samples from index from on (clamped to what
// there is), with its state and its change channel.
func (g *runs) snapshot(l *runLog, from int) ([]Sample, bool, <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	from = max(0, min(from, len(l.samples)))
	return append([]Sample(nil), l.samples[from:]...), l.done, l.changed
}

// since returns the samples from index from on, whether the run is done,
// and a channel closed at the next change. It waits up to wait for a run
// that has not begun yet (the page subscribes before it sends the request).
func (g *runs) since(ctx context.Context, id string, from int, wait time.Duration) (samples []Sample, done bool, changed <-chan struct{}, err error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		l, newRun := g.lookup(id)
		if l != nil {
			samples, done, changed := g.snapshot(l, from)
			return samples, done, changed, nil
		}
		select {
		case <-newRun:
		case <-deadline.C:
			return nil, false, nil, fmt.Errorf("run: no request tagged %q arrived within %s", id, wait)
		case <-ctx.Done():
			return nil, false, nil, ctx.Err()
		}
	}
}
