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
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	// MaxRuns caps the measured responses in flight (/csv/, /proxy/,
	// /upstream, /wire), and separately as many others (/events, static
	// files, the page); beyond it, 503 with Retry-After (default 256).
	MaxRuns int
	// BufferBudget caps the bytes that responses in flight hold in memory
	// together (buffered bodies, http.TimeoutHandler's buffer, compressed
	// and joined copies), counted as they are held; a body that could
	// never fit gets 413 at once, one that runs out of room because others
	// hold the budget stops, lets go and gets 413 (default 2 GiB).
	BufferBudget int64
	// BufferPerClient caps what one client address's responses hold of
	// the budget together, so that one client cannot take it all (0: a
	// quarter of BufferBudget when MaxPerClient is set, i.e. beyond
	// loopback, else the whole budget: on loopback every client is the
	// speaker).
	BufferPerClient int64
	// MaxStream caps how long any one response may take, slow readers
	// included: a per-response deadline instead of a server WriteTimeout
	// that would cut every long stream (default 10 minutes).
	MaxStream time.Duration
	// Upstreams are the other origins (http://host:port, https://host:port)
	// that /wire and /upstream may reach, say a Django app under test;
	// nothing else.
	Upstreams []string
	// UpstreamTLS is how an https:// upstream's certificate is checked
	// (main's -upstream-insecure, -upstream-cacert).
	UpstreamTLS UpstreamTLS
	// Listen is the server's own listener, which an -upstream port
	// wildcard (http://127.0.0.1:*) never reaches: a URL chained through
	// /upstream to itself would take a slot per hop. nil: not known.
	Listen net.Addr
	// MaxPerClient caps the lasting responses one client address may
	// have in flight, of every kind together (0: no cap, the default on
	// loopback; main sets one when the server listens beyond it).
	MaxPerClient int
	// Nginx is the nginx in front of this server that main started
	// (-nginx), or why none runs: the page offers its locations as hops
	// (GET /hops). Its origin must be in Upstreams too to be read.
	Nginx Nginx
	// ForwardSecret is the secret with which a hop of ours (the nginx
	// main starts, the server's own /proxy/ hops and wire probe) names the
	// client it serves, so that the client, not the hop's 127.0.0.1, is
	// counted and owns the run (see forwardHeader). Empty: New draws one;
	// main draws it itself (NewSecret) to give it to its nginx.
	ForwardSecret string
	// CheckHost turns on the Host check (main always does): a request's
	// Host must be a loopback name or address, the address it came in on,
	// or one of Hosts; any other gets 421, so that a DNS-rebinding page
	// cannot use the server as its own origin. Off, any Host is served
	// (in-process tests that send a made-up one).
	CheckHost bool
	// Hosts are the names a request's Host may carry beyond those (main's
	// -host), say the name an audience types for an exposed server.
	Hosts []string
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

// ParseUpstream checks an -upstream value and returns its origin; a port
// wildcard (http://127.0.0.1:*) allows every port of its host.
func ParseUpstream(raw string) (string, error) {
	if origin, ok, err := parseWildcard(raw); ok {
		return origin, err
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", fmt.Errorf("-upstream %q: want an origin, http://host:port or https://host:port", raw)
	}
	return u.Scheme + "://" + u.Host, nil
}

// IsSelf reports whether an -upstream origin names the listener at
// listen: a chained URL through /upstream to itself would take a slot per
// hop until every slot is gone. A host that does not resolve is not self
// (the upstream's own error will say so when it is used).
func IsSelf(listen net.Addr, origin string) bool {
	ln, ok := listen.(*net.TCPAddr)
	if !ok {
		return false
	}
	scheme, hostport, _ := strings.Cut(origin, "://")
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, map[string]string{"http": "80", "https": "443"}[scheme]
	}
	if port != strconv.Itoa(ln.Port) {
		return false
	}
	ips, err := net.LookupIP(strings.Trim(host, "[]"))
	if err != nil {
		return false
	}
	var local []net.IP // the addresses an unspecified listener answers on
	if ln.IP.IsUnspecified() {
		addrs, _ := net.InterfaceAddrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				local = append(local, n.IP)
			}
		}
	}
	for _, ip := range ips {
		if ip.Equal(ln.IP) || (ln.IP.IsUnspecified() && ip.IsLoopback()) {
			return true
		}
		for _, l := range local {
			if ip.Equal(l) {
				return true
			}
		}
	}
	return false
}

// DefaultMaxPerClient is main's -max-per-client: what one client address
// may hold when the server listens beyond loopback. A page load takes up to
// six files at once, a run an event stream, its request and a wire probe.
const DefaultMaxPerClient = 16

// Defaults for Config's zero fields.
const (
	DefaultMaxRuns      = 256
	DefaultBufferBudget = 2 << 30
	// DefaultBufferShares: with a per-client cap, one client may hold a
	// quarter of the buffer budget, so it takes at least four to hold it
	// all.
	DefaultBufferShares = 4
	DefaultMaxStream    = 10 * time.Minute
)

func (c *Config) fill() error {
	if c.ForwardSecret == "" {
		c.ForwardSecret = NewSecret()
	}
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
	if c.BufferPerClient == 0 {
		c.BufferPerClient = c.BufferBudget
		if c.MaxPerClient > 0 {
			c.BufferPerClient = c.BufferBudget / DefaultBufferShares
		}
	}
	switch {
	case c.MaxRuns < 1:
		return fmt.Errorf("max runs %d: want at least 1", c.MaxRuns)
	case c.BufferBudget < 0:
		return fmt.Errorf("buffer budget %d: want at least 0", c.BufferBudget)
	case c.BufferPerClient < 0:
		return fmt.Errorf("buffer per client %d: want at least 0 (0: the default share)", c.BufferPerClient)
	case c.MaxStream < time.Second:
		return fmt.Errorf("max stream %s: want at least 1s", c.MaxStream)
	case c.MaxPerClient < 0:
		return fmt.Errorf("max per client %d: want at least 0 (0: no cap)", c.MaxPerClient)
	}
	for i, h := range c.Hosts {
		name, err := ParseHost(h)
		if err != nil {
			return err
		}
		c.Hosts[i] = name
	}
	return nil
}

// Server routes chunkscope's requests.
type Server struct {
	mux      *http.ServeMux
	runs     *runs
	cfg      Config
	measured *pool         // MaxRuns: /csv/, /proxy/, /upstream, /wire
	others   *pool         // MaxRuns more: /events, static files, the page
	shares   *clientShares // MaxPerClient, all kinds together
	hop      string        // the secret of hopHeader
	budget   *budget       // bytes held by buffered bodies in flight, as held
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
		mux:      http.NewServeMux(),
		runs:     newRuns(),
		cfg:      cfg,
		measured: newPool("responses", cfg.MaxRuns),
		others:   newPool("event streams and files", cfg.MaxRuns),
		shares:   &clientShares{max: cfg.MaxPerClient, n: map[string]int{}},
		hop:      newHopSecret(),
		budget:   newBudget(cfg.BufferBudget, cfg.BufferPerClient),
	}
	if err := s.mountScenarios(); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.mux.HandleFunc("/events", s.events)
	s.mux.HandleFunc("/wire", s.wire)
	s.mux.Handle("/upstream", s.upstream())
	s.mux.HandleFunc("/clock", s.clock)
	s.mux.Handle("/hops", s.guard(s.others, http.HandlerFunc(s.hops)))
	static, err := newStaticFiles(cfg.Web)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.mux.Handle("/web/", s.guard(s.others, http.StripPrefix("/web/", static)))
	// go-app would answer these by fetching them from the request's Host
	// (see page.go): they are answered from web/ here, before it sees them.
	for _, p := range goAppFetches {
		s.mux.Handle(p, s.guard(s.others, ownFile(static, p)))
	}
	s.mux.Handle("/", s.guard(s.others, pageHandler(hex.EncodeToString(sum[:6]), static)))
	return s, nil
}

// contentSecurityPolicy lets the page run its wasm and nothing from
// elsewhere: no inline script or style, no eval, no other origin.
const contentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; font-src 'self'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

// embedPolicy is the policy of talk mode's embed pages (/talk?embed=1,
// /talk/N?embed=1): the same, except that any page may frame them (a
// reveal.js deck on a file: URL or another port). They have no controls and
// can only run the scenario table's demos. "*" alone matches only network
// schemes (http, https, ws, wss) and the page's own: a deck opened from
// disk needs "file:" too (e2e TestTalkFramedByAFile).
var embedPolicy = strings.Replace(contentSecurityPolicy, "frame-ancestors 'none'", "frame-ancestors * file:", 1)

// embeddable is a talk page asked for with embed=1.
func embeddable(r *http.Request) bool {
	p := r.URL.Path
	return (p == "/talk" || strings.HasPrefix(p, "/talk/")) && r.URL.Query().Get("embed") == "1"
}

// ownHeaders are set on every response (ownHeaderValues, in order).
var (
	ownHeaders = []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
		"Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy", "Cross-Origin-Resource-Policy"}
	ownHeaderValues = []string{contentSecurityPolicy, "nosniff", "no-referrer", "same-origin", "require-corp", "same-origin"}
)

// ConnState is for http.Server.ConnState: a connection that is idle or
// closed has finished its response, so the collection of what it left may
// start (see runs.responseDone). Without it (httptest servers) the
// collection starts at the next /clock.
func (s *Server) ConnState(_ net.Conn, st http.ConnState) {
	if st == http.StateIdle || st == http.StateClosed || st == http.StateHijacked {
		s.runs.responseLeft()
	}
}

// ServeHTTP sets the headers every response carries, refuses a Host that
// does not name this server (421, with CheckHost), resolves the client the
// request counts against, then routes. The page is cross-origin isolated
// (COOP + COEP) so that the browser offers
// performance.measureUserAgentSpecificMemory(); everything it loads comes
// from this origin, so require-corp costs nothing.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	for i, name := range ownHeaders {
		h.Set(name, ownHeaderValues[i])
	}
	if embeddable(r) {
		h.Set("Content-Security-Policy", embedPolicy)
	}
	if s.cfg.CheckHost {
		if refused := s.refuseHost(r); refused != "" {
			serveError(w, http.StatusMisdirectedRequest, refused)
			return
		}
	}
	s.mux.ServeHTTP(w, s.withClient(r))
}

// streamDeadline bounds one response: production stops when the context
// ends, and a write to a client too slow to finish in time fails.
func (s *Server) streamDeadline(w http.ResponseWriter, r *http.Request) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(s.cfg.MaxStream)
	http.NewResponseController(w).SetWriteDeadline(deadline) // unsupported only by test recorders
	return context.WithDeadline(r.Context(), deadline)
}

// parseRequest checks the method, the query and the caps; on failure it
// has already answered. On success the caller owns a slot and must call
// release.
func (s *Server) parseRequest(w http.ResponseWriter, r *http.Request) (sp spec.Spec, release func(), ok bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		serveError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET or HEAD")
		return spec.Spec{}, nil, false
	}
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return spec.Spec{}, nil, false
	}
	sp, err = s.cfg.Limits.Parse(q)
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return spec.Spec{}, nil, false
	}
	release, ok = s.admit(w, r, s.measured)
	return sp, release, ok
}

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
