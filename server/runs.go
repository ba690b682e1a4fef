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
	order    []string // oldest first, for eviction
	active   int
	sampling bool
	newRun   chan struct{} // closed (and replaced) when a run begins
	mem      *memReader
	every    time.Duration
}

func newRuns() *runs {
	return &runs{byID: map[string]*runLog{}, newRun: make(chan struct{}), mem: newMemReader(), every: sampleEvery}
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
	idle := g.active == 0
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
	g.active++
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
	g.active--
	g.notifyLocked(l)
}

func (g *runs) sample() {
	t := time.NewTicker(g.every)
	defer t.Stop()
	for range t.C {
		s := g.mem.read() // outside the lock: it touches /proc
		g.mu.Lock()
		if g.active == 0 {
			g.sampling = false
			g.mu.Unlock()
			return
		}
		for _, id := range g.order {
			if l := g.byID[id]; !l.done {
				g.sampleLocked(l, s)
			}
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

// evictLocked forgets the oldest finished runs beyond keepRuns.
func (g *runs) evictLocked() {
	for len(g.order) > keepRuns {
		l := g.byID[g.order[0]]
		if !l.done {
			return // never drop a run in progress
		}
		delete(g.byID, g.order[0])
		g.order = g.order[1:]
	}
}

// since returns the samples from index from on, whether the run is done,
// and a channel closed at the next change. It waits up to wait for a run
// that has not begun yet (the page subscribes before it sends the request).
func (g *runs) since(ctx context.Context, id string, from int, wait time.Duration) (samples []Sample, done bool, changed <-chan struct{}, err error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		g.mu.Lock()
		l, ok := g.byID[id]
		newRun := g.newRun
		if ok {
			if from < len(l.samples) {
				samples = append([]Sample(nil), l.samples[from:]...)
			}
			done, changed = l.done, l.changed
			g.mu.Unlock()
			return samples, done, changed, nil
		}
		g.mu.Unlock()
		select {
		case <-newRun:
		case <-deadline.C:
			return nil, false, nil, fmt.Errorf("run: no request tagged %q arrived within %s", id, wait)
		case <-ctx.Done():
			return nil, false, nil, ctx.Err()
		}
	}
}
