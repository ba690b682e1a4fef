package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"sync"
)

// A response that can last (a CSV stream, a proxied one, an upstream, the
// wire probe, a memory event stream, a static file) holds a goroutine, a
// connection and often memory for as long as its client takes to read it.
// Every such response is admitted through admit: it takes a slot in a pool
// (503 with Retry-After when the pool is full), counts against its client's
// share when the server is exposed (MaxPerClient), and is bounded in time
// by streamDeadline, so a client that never reads is cut and leaves nothing
// behind.

// pool is a cap on one kind of response in flight.
type pool struct {
	what  string // "measured responses", said in the 503
	slots chan struct{}
}

func newPool(what string, n int) *pool {
	return &pool{what: what, slots: make(chan struct{}, n)}
}

// hopHeader marks the server's own requests to itself: the inner /csv/
// request of a /proxy/ hop and of the wire probe. Its value is a secret
// drawn at start, so no client can claim it; a request that carries it is
// already counted by the outer response that made it, and takes no second
// slot (with -max-runs 1, a proxied run would otherwise refuse itself).
const hopHeader = "X-Chunkscope-Hop"

func newHopSecret() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return hex.EncodeToString(b)
}

// clientShares counts each client address's responses in flight, so that
// one phone in an audience cannot take every slot. max 0 means no limit
// (the default on loopback, where every client is the speaker's own).
type clientShares struct {
	mu  sync.Mutex
	max int
	n   map[string]int
}

func (c *clientShares) take(addr string) bool {
	if c.max <= 0 {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[addr] >= c.max {
		return false
	}
	c.n[addr]++
	return true
}

func (c *clientShares) give(addr string) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[addr]--; c.n[addr] <= 0 {
		delete(c.n, addr)
	}
}

// clientAddr is the client's IP address, without the port: a browser
// opens several connections.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// isHop reports whether r is one of the server's own inner requests.
func (s *Server) isHop(r *http.Request) bool {
	v := r.Header.Get(hopHeader)
	return v != "" && v == s.hop
}

// admit takes a slot of p for r and a share of its client's, or answers
// 503 with Retry-After and a one-line reason. The caller that got ok must
// call release once it is done.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, p *pool) (release func(), ok bool) {
	if s.isHop(r) {
		return func() {}, true
	}
	addr := clientAddr(r)
	if !s.shares.take(addr) {
		w.Header().Set("Retry-After", "1")
		serveError(w, http.StatusServiceUnavailable, fmt.Sprintf("busy: your address %s has %d responses in flight, the server's per-client cap; retry in a second", addr, s.shares.max))
		return nil, false
	}
	select {
	case p.slots <- struct{}{}:
		return func() { <-p.slots; s.shares.give(addr) }, true
	default:
		s.shares.give(addr)
		w.Header().Set("Retry-After", "1")
		serveError(w, http.StatusServiceUnavailable, fmt.Sprintf("busy: %d %s are in flight, the server's cap; retry in a second", cap(p.slots), p.what))
		return nil, false
	}
}

// lasting admits r through p and bounds it in time: what every response
// that can last does first. On ok, the caller serves within ctx and calls
// done when it returns.
func (s *Server) lasting(w http.ResponseWriter, r *http.Request, p *pool) (ctx context.Context, done func(), ok bool) {
	release, ok := s.admit(w, r, p)
	if !ok {
		return nil, nil, false
	}
	ctx, cancel := s.streamDeadline(w, r)
	return ctx, func() { cancel(); release() }, true
}

// guard serves h through lasting: for the handlers that do no validation
// of their own first (static files, the page).
func (s *Server) guard(p *pool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, done, ok := s.lasting(w, r, p)
		if !ok {
			return
		}
		defer done()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}
