package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
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

// forwardHeader carries, from a hop of ours (the nginx main starts with
// -nginx, and /upstream when it reaches that nginx), the client the hop
// serves: "SECRET ADDRESS", where SECRET is Config.ForwardSecret. Without
// it everything nginx carries would count against 127.0.0.1, the
// speaker's own address. A value without the secret is never trusted, and
// the header never reaches a handler (ServeHTTP takes it off).
const forwardHeader = "X-Chunkscope-Client"

// clientKey is the request context's key for the client ServeHTTP
// resolved.
type clientKey struct{}

// clientAddr is the client r counts against: its IP address without the
// port (a browser opens several connections), an IPv6 address as its /64
// (one host or one home network holds a whole /64: counting each /128
// would give it millions of shares), an IPv4-mapped IPv6 address as the
// IPv4 one. Behind a hop of ours it is the hop's client (see
// forwardHeader), resolved once by ServeHTTP.
func clientAddr(r *http.Request) string {
	if c, ok := r.Context().Value(clientKey{}).(string); ok {
		return c
	}
	return remoteClient(r.RemoteAddr)
}

// remoteClient is clientAddr of a connection's remote address (host:port).
func remoteClient(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	if c, ok := clientOf(host); ok {
		return c
	}
	return host
}

// clientOf is the client an address (or an IPv6 /64 prefix, as a hop of
// ours forwards it) counts as, or false when it is neither.
func clientOf(s string) (string, bool) {
	if p, err := netip.ParsePrefix(s); err == nil {
		if !p.Addr().Is6() || p.Addr().Is4In6() || p.Bits() != 64 {
			return "", false
		}
		return p.Masked().String(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", false
	}
	a = a.WithZone("").Unmap()
	if a.Is4() {
		return a.String(), true
	}
	p, _ := a.Prefix(64) // an IPv6 address has 64 bits and more
	return p.String(), true
}

// client resolves the client r counts against: the one a hop of ours
// names with the secret, otherwise the connection's remote address.
func (s *Server) client(r *http.Request) string {
	if s.cfg.ForwardSecret != "" {
		if v := r.Header.Values(forwardHeader); len(v) == 1 {
			secret, addr, _ := strings.Cut(v[0], " ")
			if subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ForwardSecret)) == 1 {
				if c, ok := clientOf(addr); ok {
					return c
				}
			}
		}
	}
	return remoteClient(r.RemoteAddr)
}

// withClient resolves r's client once, into its context, and takes the
// forwarded header off: the secret reaches no handler.
func (s *Server) withClient(r *http.Request) *http.Request {
	c := s.client(r)
	r.Header.Del(forwardHeader)
	return r.WithContext(context.WithValue(r.Context(), clientKey{}, c))
}

// forwarded is the forwardHeader value with which an inner request that r
// makes (a /proxy/ hop's, the wire probe's) names r's client to this
// server or its nginx, secret included.
func (s *Server) forwarded(r *http.Request) string {
	return s.cfg.ForwardSecret + " " + clientAddr(r)
}

// forwardTo is forwarded(r) for a request that r makes to u (through
// /upstream, or the wire probe); false unless u is the nginx main started:
// the secret never goes to another origin. A URL chained through that
// nginx back to this server then counts against r's client, not 127.0.0.1.
func (s *Server) forwardTo(r *http.Request, u *url.URL) (string, bool) {
	if s.cfg.Nginx.Origin == "" || u == nil || "http://"+u.Host != s.cfg.Nginx.Origin {
		return "", false
	}
	return s.forwarded(r), true
}

// NewSecret draws a secret for Config.ForwardSecret (and the nginx
// configuration that sends it).
func NewSecret() string { return newHopSecret() }

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
