package server

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"chunkscope/app/spec"
)

// budget counts the bytes that responses hold in memory on a request's
// behalf (buffered bodies, the buffer of http.TimeoutHandler, a compressed
// body, the copy a single write joins), as they are held: a hold grows when
// its buffer grows and gives its bytes back when it is released. Nothing is
// promised ahead of use, so a slow request holds only what it has produced.
//
// Two limits bound it: max, what every hold together may reach, and
// perClient, what the holds of one client (clientAddr) may reach together,
// so that one client cannot take the whole budget from the others (the
// speaker among them). A grow that would cross either fails and counts
// nothing; its caller stops, frees what it holds and answers 413.
type budget struct {
	mu        sync.Mutex
	max       int64
	perClient int64            // ≤ 0: no bound of its own (max bounds it)
	inUse     int64            // every hold together
	clients   map[string]int64 // each client's holds together
}

func newBudget(max, perClient int64) *budget {
	if perClient <= 0 || perClient > max {
		perClient = max
	}
	return &budget{max: max, perClient: perClient, clients: map[string]int64{}}
}

// overBudget says why bytes cannot be held: which limit, with its figures.
// never: the request alone is over a limit, whatever others hold.
type overBudget struct {
	never     bool
	perClient bool   // the client's share was the limit hit, not the whole budget
	client    string // the client's address
	want      int64  // bytes asked for: the whole need (never) or one grow
	held      int64  // what the limit counted already: all holds, or the client's
	limit     int64  // max or perClient
	max       int64  // the whole budget, for the sentence
}

func (e *overBudget) Error() string {
	switch {
	case e.never && e.perClient:
		return fmt.Sprintf("one client's share of the buffer budget is %d bytes (-buffer-per-client; the whole budget is %d)", e.limit, e.max)
	case e.never:
		return fmt.Sprintf("the server's buffer budget is %d bytes (-buffer-budget)", e.limit)
	case e.perClient:
		return fmt.Sprintf("your address %s already holds %d bytes in buffered responses and %d more would pass its share of %d (-buffer-per-client)", e.client, e.held, e.want, e.limit)
	default:
		return fmt.Sprintf("buffered responses hold %d of the server's %d bytes (-buffer-budget) and %d more do not fit", e.held, e.limit, e.want)
	}
}

// isOverBudget reports whether err (however wrapped) is a limit of the
// budget, which deserves a 413, rather than a client that left.
func isOverBudget(err error) bool { return errors.As(err, new(*overBudget)) }

// fits is the capacity check made before anything is produced: need bytes
// could never be held by one client's request when they are over either
// limit. It holds nothing.
func (b *budget) fits(client string, need int64) error {
	switch {
	case need > b.perClient && b.perClient < b.max:
		return &overBudget{never: true, perClient: true, client: client, want: need, limit: b.perClient, max: b.max}
	case need > b.max:
		return &overBudget{never: true, client: client, want: need, limit: b.max, max: b.max}
	}
	return nil
}

// open starts an empty hold for client.
func (b *budget) open(client string) *hold {
	return &hold{b: b, client: client}
}

// held is what every hold together holds now.
func (b *budget) held() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.inUse
}

// heldBy is what client's holds hold now.
func (b *budget) heldBy(client string) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.clients[client]
}

// hold is what one response holds in the budget now. Its methods may be
// called from several goroutines (http.TimeoutHandler writes from one of
// its own); once released it holds nothing and cannot grow.
type hold struct {
	b        *budget
	client   string
	n        int64
	released bool
}

// errReleased is a grow after release: the response is over.
var errReleased = fmt.Errorf("buffer: the response is over")

// grow counts n more bytes, or counts nothing and says which limit they
// would cross.
func (h *hold) grow(n int64) error {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case h.released:
		return errReleased
	case n > b.perClient-b.clients[h.client] && b.perClient < b.max:
		return &overBudget{perClient: true, client: h.client, want: n, held: b.clients[h.client], limit: b.perClient, max: b.max}
	case n > b.max-b.inUse:
		return &overBudget{client: h.client, want: n, held: b.inUse, limit: b.max, max: b.max}
	}
	h.n += n
	b.inUse += n
	b.clients[h.client] += n
	return nil
}

// shrink gives back n bytes the response no longer holds.
func (h *hold) shrink(n int64) {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	h.shrinkLocked(min(n, h.n))
}

func (h *hold) shrinkLocked(n int64) {
	b := h.b
	h.n -= n
	b.inUse -= n
	if b.clients[h.client] -= n; b.clients[h.client] <= 0 {
		delete(b.clients, h.client)
	}
}

// release gives back everything; later grows fail. Calling it twice is
// harmless.
func (h *hold) release() {
	b := h.b
	b.mu.Lock()
	defer b.mu.Unlock()
	h.shrinkLocked(h.n)
	h.released = true
}

// bytes is what the hold holds now.
func (h *hold) bytes() int64 {
	h.b.mu.Lock()
	defer h.b.mu.Unlock()
	return h.n
}

// bufferGrowth is what a bytes.Buffer that holds size bytes in capacity
// capacity allocates to take n more: nothing while they fit, else a new
// array of max(2×capacity, size+n) bytes (bytes.Buffer.grow and growSlice
// in Go's source), rounded up to whole 8 KiB pages past 32 KiB as Go's
// allocator does (a smaller one to its size class: up to an eighth more,
// not modelled), while the old one is still held until the copy is done.
// It lets a writer in front of a buffer it cannot see count what the
// buffer will hold before the buffer holds it.
func bufferGrowth(size, capacity, n int64) (newCap int64) {
	const (
		smallBufferSize = 64 // bytes.Buffer's first array
		page, large     = 8 << 10, 32 << 10
	)
	switch {
	case size+n <= capacity:
		return capacity
	case capacity == 0 && n <= smallBufferSize:
		return smallBufferSize
	}
	newCap = max(2*capacity, size+n)
	if newCap > large {
		newCap = (newCap + page - 1) / page * page // a large array is whole pages
	}
	return newCap
}

// bufferHold is an http.ResponseWriter in front of one that keeps the
// whole body in a bytes.Buffer (http.TimeoutHandler's): each write is
// counted in the budget as the buffer will take it, growth included, and
// refused (nothing written) when it would cross a limit; err keeps why.
type bufferHold struct {
	http.ResponseWriter
	hold           *hold
	size, capacity int64 // the buffer behind, as bufferGrowth models it
	err            error
}

func (b *bufferHold) Write(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n := int64(len(p))
	if old, newCap := b.capacity, bufferGrowth(b.size, b.capacity, n); newCap > old {
		// Old and new arrays together while the buffer copies one into
		// the other; then the old one is garbage.
		if err := b.hold.grow(newCap); err != nil {
			b.err = err
			return 0, err
		}
		defer b.hold.shrink(old)
		b.capacity = newCap
	}
	b.size += n
	return b.ResponseWriter.Write(p)
}

// refuseHeld answers 413 for a body the budget cannot hold, with the limit
// and its figures: at once (a body that could never fit), or once done
// bytes were produced, then let go. Nothing of the body has been sent.
func (s *Server) refuseHeld(w http.ResponseWriter, sp spec.Spec, copies, done int64, why error) {
	over := &overBudget{}
	if errors.As(why, &over) {
		why = over // the limit's own sentence, not the writers' wrapping
	}
	twice := ""
	if copies > 1 {
		twice = fmt.Sprintf(", held %d times over,", copies)
	}
	if over.never {
		serveError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"rows: a buffered body of %d bytes%s does not fit: %v; stream it, or ask for less",
			sp.BodySize(), twice, why))
		return
	}
	serveError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf(
		"rows: a buffered body of %d bytes%s ran out of room once %d bytes of it were produced, and they were let go: %v; stream it, ask for less, or retry when other buffered responses are done",
		sp.BodySize(), twice, done, why))
}

// gzipOverhead is what gzip may add to a body that does not compress:
// its header and trailer and a few bytes per stored block. A compressed
// copy is expected to fit in the body plus this (if not, its sink takes
// one more piece, counted like the others).
const gzipOverhead = 64
