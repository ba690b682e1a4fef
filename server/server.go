// Package server is chunkscope's HTTP side: the CSV endpoints that the page
// measures, and the page itself (go-app's handler plus the static files in
// web/).
//
// Endpoints:
//
//	/csv/buffered?rows=1000&delay=0&per=1&pad=0   whole body in memory, then sent with Content-Length
//	/csv/streaming?rows=1000&delay=0&per=1&pad=0  each group written and flushed: chunked
//	/events?run=ID   Server-Sent Events: the server's memory samples during the run tagged run=ID
//	/clock           204, for the page to time a round trip
//
// The CSV endpoints take GET and HEAD, and an optional run=ID that tags the
// request for memory sampling (every 10 ms while a tagged run is active).
//
// For example:
//
//	curl -sN --raw 'http://127.0.0.1:8000/csv/streaming?rows=10&delay=200ms'
//	curl -sv -o /dev/null 'http://127.0.0.1:8000/csv/buffered?rows=10&delay=200ms'
//
// A malformed, unknown, repeated or over-cap parameter gets 400 and a
// one-line reason that names it.
package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"time"

	"chunkscope/app/spec"
)

// Config is what New needs. Web holds the files served under /web/
// (app.wasm, the icon, the stylesheet and the page's small scripts). The
// zero value of every other field means its default.
type Config struct {
	Web fs.FS
	// Limits cap what one request may ask for (default: spec's hard caps;
	// they can only be lowered).
	Limits spec.Limits
	// MaxRuns caps concurrent /csv/ requests; beyond it, 503 with
	// Retry-After (default 256).
	MaxRuns int
	// BufferBudget caps the bytes that buffered bodies in flight may hold
	// together; a request that would exceed it gets 413 before anything is
	// allocated (default 2 GiB).
	BufferBudget int64
	// MaxStream caps how long one /csv/ response may take, slow readers
	// included: a per-stream deadline instead of a server WriteTimeout that
	// would cut every long stream (default 10 minutes).
	MaxStream time.Duration
	// Upstreams are the other origins (http://host:port) that /wire and
	// /upstream may reach, say a Django app under test; nothing else.
	Upstreams []string
}

// Protocols are the protocols the server speaks: HTTP/1.1, and HTTP/2 in
// cleartext with prior knowledge (h2c), so the http2 scenario can show a
// stream in DATA frames. Browsers use HTTP/2 only over TLS; they keep
// speaking HTTP/1.1 here.
func Protocols() *http.Protocols {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	return &p
}

// ParseUpstream checks an -upstream value and returns its origin.
func ParseUpstream(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", fmt.Errorf("-upstream %q: want an origin, http://host:port", raw)
	}
	return "http://" + u.Host, nil
}

// Defaults for Config's zero fields.
const (
	DefaultMaxRuns      = 256
	DefaultBufferBudget = 2 << 30
	DefaultMaxStream    = 10 * time.Minute
)

func (c *Config) fill() error {
	if c.Limits == (spec.Limits{}) {
		c.Limits = spec.DefaultLimits()
	}
	if err := c.Limits.Check(); err != nil {
		return err
	}
	if c.MaxRuns == 0 {
		c.MaxRuns = DefaultMaxRuns
	}
	if c.BufferBudget == 0 {
		c.BufferBudget = DefaultBufferBudget
	}
	if c.MaxStream == 0 {
		c.MaxStream = DefaultMaxStream
	}
	switch {
	case c.MaxRuns < 1:
		return fmt.Errorf("max runs %d: want at least 1", c.MaxRuns)
	case c.BufferBudget < 0:
		return fmt.Errorf("buffer budget %d: want at least 0", c.BufferBudget)
	case c.MaxStream < time.Second:
		return fmt.Errorf("max stream %s: want at least 1s", c.MaxStream)
	}
	return nil
}

// Server routes chunkscope's requests.
type Server struct {
	mux    *http.ServeMux
	runs   *runs
	cfg    Config
	slots  chan struct{} // one per /csv/ request in flight
	budget *budget       // bytes held by buffered bodies in flight
}

// New builds the server's handler. It fails when web/app.wasm is missing,
// since the page would then load forever.
func New(cfg Config) (*Server, error) {
	if cfg.Web == nil {
		return nil, fmt.Errorf("server: Config.Web is nil")
	}
	if err := cfg.fill(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	wasm, err := fs.ReadFile(cfg.Web, "app.wasm")
	if err != nil {
		return nil, fmt.Errorf("server: reading app.wasm (run make build): %w", err)
	}
	sum := sha256.Sum256(wasm)
	s := &Server{
		mux:    http.NewServeMux(),
		runs:   newRuns(),
		cfg:    cfg,
		slots:  make(chan struct{}, cfg.MaxRuns),
		budget: &budget{max: cfg.BufferBudget},
	}
	if err := s.mountScenarios(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.mux.HandleFunc("/events", s.events)
	s.mux.HandleFunc("/wire", s.wire)
	s.mux.Handle("/upstream", s.upstream())
	s.mux.HandleFunc("/clock", s.clock)
	static, err := newStaticFiles(cfg.Web)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.mux.Handle("/web/", http.StripPrefix("/web/", static))
	s.mux.Handle("/", pageHandler(hex.EncodeToString(sum[:6]), static))
	return s, nil
}

// contentSecurityPolicy lets the page run its wasm and nothing from
// elsewhere: no inline script or style, no eval, no other origin.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

// ownHeaders are set on every response (ownHeaderValues, in order).
var (
	ownHeaders = []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
		"Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy", "Cross-Origin-Resource-Policy"}
	ownHeaderValues = []string{contentSecurityPolicy, "nosniff", "no-referrer", "same-origin", "require-corp", "same-origin"}
)

// ServeHTTP sets the headers every response carries, then routes. The page
// is cross-origin isolated (COOP + COEP) so that the browser offers
// performance.measureUserAgentSpecificMemory(); everything it loads comes
// from this origin, so require-corp costs nothing.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for i, name := range ownHeaders {
		h.Set(name, ownHeaderValues[i])
	}
	s.mux.ServeHTTP(w, r)
}

// streamDeadline bounds one response: production stops when the context
// ends, and a write to a client too slow to finish in time fails.
func (s *Server) streamDeadline(w http.ResponseWriter, r *http.Request) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(s.cfg.MaxStream)
	http.NewResponseController(w).SetWriteDeadline(deadline) // unsupported only by test recorders
	return context.WithDeadline(r.Context(), deadline)
}

// parseRequest checks the method, the query and the concurrency cap; on
// failure it has already answered. On success the caller owns a slot and
// must call s.release.
func (s *Server) parseRequest(w http.ResponseWriter, r *http.Request) (spec.Spec, bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		serveError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET or HEAD")
		return spec.Spec{}, false
	}
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return spec.Spec{}, false
	}
	sp, err := s.cfg.Limits.Parse(q)
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return spec.Spec{}, false
	}
	if !s.takeSlot(w) {
		return spec.Spec{}, false
	}
	return sp, true
}

// takeSlot takes one of the MaxRuns slots, or answers 503 with Retry-After.
// The caller that got one must call s.release.
func (s *Server) takeSlot(w http.ResponseWriter) bool {
	select {
	case s.slots <- struct{}{}:
		return true
	default:
		w.Header().Set("Retry-After", "1")
		serveError(w, http.StatusServiceUnavailable, fmt.Sprintf("busy: %d responses are in flight, the server's cap; retry in a second", s.cfg.MaxRuns))
		return false
	}
}

func (s *Server) release() { <-s.slots }

func setCSVHeaders(h http.Header) {
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", "attachment; filename=big.csv")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
}

// serveError answers with one line of plain text.
func serveError(w http.ResponseWriter, status int, text string) {
	h := w.Header()
	h.Del("Content-Disposition")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, text)
}
