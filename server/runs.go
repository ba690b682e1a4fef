package server

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"sync"
	"time"
)

// sampleEvery is how often the server samples its memory while any run is
// active. It samples nothing while idle.
const sampleEvery = 10 * time.Millisecond

// keepRuns bounds how many finished runs' samples are kept for late
// readers of /events, in all. Past it, the oldest finished run of the
// client that holds the most is forgotten: a client that tags runs fast
// loses its own, not the one another client's page is still reading.
const keepRuns = 64

// maxSamples bounds one run's samples. A run that reaches it is thinned:
// every other sample is dropped and the run is sampled half as often from
// then on, so a long run keeps its whole course at a coarser step (10 ms
// for the first 20 s, 20 ms to 40 s, …). With the active runs (at most
// -max-runs) and the keepRuns finished ones, the samples held are bounded
// by (max-runs + keepRuns) × maxSamples × sampleBytes: 31 MiB at the
// default 256 runs.
const (
	maxSamples  = 2048
	sampleBytes = 48 // a numbered Sample
)

// runKey names a tagged run: the id in its client's own namespace. The
// owner is the tagging request's clientAddr (through a hop of ours, the
// outer client): the only client whose /events may read it.
type runKey struct{ owner, id string }

// numbered is a sample with its number in the run: its SSE id, which stays
// the same when the run is thinned, so a reader resuming from
// Last-Event-ID gets exactly the samples it has not seen.
type numbered struct {
	n int
	Sample
}

// runLog is what the server observed during one tagged run.
type runLog struct {
	key     runKey
	start   time.Time
	samples []numbered
	taken   int // samples taken so far: the next one's number
	// sends is the send log (sent.go), numbered like the samples.
	sends      []numberedSend
	sendsTaken int
	// sendsOut is one past the highest send number handed to a reader:
	// thinning never merges across it, or a reader that has the first of
	// a pair would get its bytes again in the merged entry.
	sendsOut int
	stride   int // the sampler records every stride-th tick
	ticks    int
	done     bool
	changed  chan struct{} // closed (and replaced) whenever samples or done change
}

// runs is the registry of tagged runs and the sampler that feeds them. The
// sampler goroutine runs only while at least one run is active, so an idle
// server does no work and leaves no goroutine behind.
type runs struct {
	mu       sync.Mutex
	byKey    map[runKey]*runLog
	order    []runKey         // oldest first, for eviction
	active   map[*runLog]bool // runs in progress: the sampler's list
	sampling bool
	newRun   chan struct{} // closed (and replaced) when a run begins
	mem      *memReader
	every    time.Duration
	ids      *idSet        // the ids each client used within their life
	dirty    bool          // a response ended since the last collection
	tidying  chan struct{} // closed when the running collection is done; nil if none
}

func newRuns() *runs {
	return &runs{byKey: map[runKey]*runLog{}, active: map[*runLog]bool{}, newRun: make(chan struct{}),
		mem: newMemReader(), every: sampleEvery, ids: newIDSet(maxIDsPerClient, maxIDs, idLife)}
}

// begin registers owner's run id and takes its first sample, the baseline
// its growth is measured from. An id is refused while its client's last
// run under it is remembered (idLife, or longer while its samples are
// kept); it is never refused because of what other clients tagged. It does
// nothing slow: whatever cleaning a clean baseline needs was done before
// (see tidy), not in this request's path to its first byte.
func (g *runs) begin(owner, id string) (*runLog, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	key := runKey{owner: owner, id: id}
	if g.byKey[key] != nil || !g.ids.take(owner, id, time.Now()) {
		return nil, fmt.Errorf("run: %q was already used; every run needs a new id", id)
	}
	l := &runLog{key: key, start: time.Now(), stride: 1, changed: make(chan struct{})}
	g.byKey[key] = l
	g.order = append(g.order, key)
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

// A run's baseline must not hold the garbage of the response before (a
// buffered body, say): it would sit under this run's curve until the next
// GC, and a streamed run would look as if it held the last run's body. So
// the heap is collected and free memory returned to the OS — but never in
// a measured request's path to its first byte, where it cost 37–42 ms
// after a 256 MiB run. It happens after a response has left (in the
// background, once its connection is idle again: see responseLeft), and
// /clock, which the page calls three times before every run, waits for it
// to finish.

// maxSettle bounds how long /clock waits for a collection.
const maxSettle = 2 * time.Second

// responseDone notes that a /csv/ response's handler has let go of its
// body: its garbage is to be collected once the response has left and no
// run is active. Not now: a body the handler never flushed (buffered,
// no-flush) leaves only after the handler returns, and a collection
// started here ran beside it. Measured (a 2 s buffered body read by the
// page, each read behind the server's write, 10 runs per binary, two
// binaries alternated twice): medians 4.0 and 4.0 ms before, 3.3–4.3
// after, the slowest reads 8.9–15.2 ms before and 4.8–14.3 after — a
// difference inside this machine's noise, but the collection has no
// business beside a response still on its way.
func (g *runs) responseDone() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.dirty = true
}

// responseLeft is told that a connection finished a response (it is idle
// or closed): what a response that ended left is collected now, unless a
// run is active.
func (g *runs) responseLeft() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.active) == 0 {
		g.tidyLocked()
	}
}

// tidyLocked starts a collection unless one is running or nothing ran.
func (g *runs) tidyLocked() {
	if !g.dirty || g.tidying != nil {
		return
	}
	g.dirty = false
	done := make(chan struct{})
	g.tidying = done
	go func() {
		debug.FreeOSMemory()
		g.mu.Lock()
		g.tidying = nil
		g.mu.Unlock()
		close(done)
	}()
}

// settle waits (at most maxSettle) until no collection is running, first
// starting one if a response ended since the last and no run is active.
func (g *runs) settle(ctx context.Context) {
	g.mu.Lock()
	if len(g.active) == 0 {
		g.tidyLocked()
	}
	done := g.tidying
	g.mu.Unlock()
	if done == nil {
		return
	}
	t := time.NewTimer(maxSettle)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
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
			if l.ticks++; l.ticks%l.stride == 0 {
				g.sampleLocked(l, s)
			}
		}
		g.mu.Unlock()
	}
}

func (g *runs) sampleLocked(l *runLog, s Sample) {
	s.T = ms(time.Since(l.start))
	if len(l.samples) >= maxSamples {
		l.thin()
	}
	l.samples = append(l.samples, numbered{n: l.taken, Sample: s})
	l.taken++
	g.notifyLocked(l)
}

// thin drops every other sample but the first (the baseline growth is
// measured from) and halves the sampling rate.
func (l *runLog) thin() {
	kept := l.samples[:1]
	for i := 2; i < len(l.samples); i += 2 {
		kept = append(kept, l.samples[i])
	}
	clear(l.samples[len(kept):])
	l.samples = kept
	l.stride *= 2
}

func (g *runs) notifyLocked(l *runLog) {
	close(l.changed)
	l.changed = make(chan struct{})
}

// evictLocked forgets finished runs while more than keepRuns are kept,
// each time the oldest finished run of the client that holds the most;
// runs in progress are never dropped, and do not hold back the eviction of
// others.
func (g *runs) evictLocked() {
	for len(g.order) > keepRuns {
		finished := map[string]int{}
		most := 0
		for _, k := range g.order {
			if g.byKey[k].done {
				finished[k.owner]++
				most = max(most, finished[k.owner])
			}
		}
		if most == 0 {
			return // all in progress
		}
		for i, k := range g.order {
			if g.byKey[k].done && finished[k.owner] == most {
				delete(g.byKey, k)
				g.order = slices.Delete(g.order, i, i+1)
				break
			}
		}
	}
}

func (g *runs) lookup(key runKey) (*runLog, chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.byKey[key], g.newRun
}

// cursor is where a reader of a run's events stands: the numbers of the
// next sample and the next send it has not seen.
type cursor struct{ sample, send int }

// logs is a copy of a run's samples and sends from a cursor on.
type logs struct {
	start   time.Time // when the tagged request arrived
	samples []numbered
	sends   []numberedSend
}

// snapshot copies a run's samples and sends from c on, with its state and
// its change channel.
func (g *runs) snapshot(l *runLog, c cursor) (logs, bool, <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	i := sort.Search(len(l.samples), func(i int) bool { return l.samples[i].n >= c.sample })
	end := len(l.sends)
	if !l.done && end > 0 && l.sends[end-1].FlushMs == 0 {
		// The latest write's flush may be a microsecond away: an event
		// is never changed once sent, so it waits for its flush, the
		// next write or the end of the run.
		end--
	}
	j := sort.Search(end, func(j int) bool { return l.sends[j].n >= c.send })
	if end > j {
		l.sendsOut = max(l.sendsOut, l.sends[end-1].n+1)
	}
	return logs{
		start:   l.start,
		samples: append([]numbered(nil), l.samples[i:]...),
		sends:   append([]numberedSend(nil), l.sends[j:end]...),
	}, l.done, l.changed
}

// since returns the samples and sends of key's run from c on, whether the
// run is done, and a channel closed at the next change. It waits up to wait
// for a run that has not begun yet (the page subscribes before it sends the
// request). A run another client tagged under the same id is not key's: its
// reader waits and is told what a reader of an id nobody tagged is told.
func (g *runs) since(ctx context.Context, key runKey, c cursor, wait time.Duration) (got logs, done bool, changed <-chan struct{}, err error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		l, newRun := g.lookup(key)
		if l != nil {
			got, done, changed = g.snapshot(l, c)
			return got, done, changed, nil
		}
		select {
		case <-newRun:
		case <-deadline.C:
			return logs{}, false, nil, fmt.Errorf("run: no request tagged %q arrived within %s", key.id, wait)
		case <-ctx.Done():
			return logs{}, false, nil, ctx.Err()
		}
	}
}
