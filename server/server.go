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
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"runtime"
	"strconv"

	"chunkscope/app/spec"
)

// Config is what New needs. Web holds the files served under /web/
// (app.wasm, the icon, the stylesheet and the page's small scripts).
type Config struct {
	Web fs.FS
}

// Server routes chunkscope's requests.
type Server struct {
	mux  *http.ServeMux
	runs *runs
}

// New builds the server's handler. It fails when web/app.wasm is missing,
// since the page would then load forever.
func New(cfg Config) (*Server, error) {
	if cfg.Web == nil {
		return nil, fmt.Errorf("server: Config.Web is nil")
	}
	wasm, err := fs.ReadFile(cfg.Web, "app.wasm")
	if err != nil {
		return nil, fmt.Errorf("server: reading app.wasm (run make build): %w", err)
	}
	sum := sha256.Sum256(wasm)
	s := &Server{mux: http.NewServeMux(), runs: newRuns()}
	s.mux.HandleFunc("/csv/buffered", s.buffered)
	s.mux.HandleFunc("/csv/streaming", s.streaming)
	s.mux.HandleFunc("/events", s.events)
	s.mux.HandleFunc("/clock", s.clock)
	s.mux.Handle("/web/", http.StripPrefix("/web/", staticHandler(cfg.Web)))
	s.mux.Handle("/", pageHandler(hex.EncodeToString(sum[:6]), cfg.Web))
	return s, nil
}

// ServeHTTP sets the headers every response carries, then routes. The page
// is cross-origin isolated (COOP + COEP) so that the browser offers
// performance.measureUserAgentSpecificMemory(); everything it loads comes
// from this origin, so require-corp costs nothing.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Embedder-Policy", "require-corp")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	s.mux.ServeHTTP(w, r)
}

// buffered serves /csv/buffered: the rows are produced at the requested pace
// but held in memory, then sent in one piece with a Content-Length, like the
// seed's download_csv view. Its time to first byte is the whole production
// time; that is the point.
func (s *Server) buffered(w http.ResponseWriter, r *http.Request) {
	sp, ok := parseRequest(w, r)
	if !ok {
		return
	}
	run, ok := s.beginRun(w, sp)
	if !ok {
		return
	}
	body := &memorySink{}
	defer func() {
		s.runs.end(run) // the last sample still sees the body
		runtime.KeepAlive(body)
	}()
	if err := produce(r.Context(), sp, body); err != nil {
		return // the client went away: nobody to answer
	}
	setCSVHeaders(w.Header())
	w.Header().Set("Content-Length", strconv.FormatInt(body.size, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		body.writeTo(w) // an error here means the client left; nothing to do
	}
}

// beginRun registers a request tagged with run=ID for memory sampling. A
// request without a tag gets a nil log, which end ignores.
func (s *Server) beginRun(w http.ResponseWriter, sp spec.Spec) (*runLog, bool) {
	if sp.Run == "" {
		return nil, true
	}
	l, err := s.runs.begin(sp.Run)
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	return l, true
}

// streaming serves /csv/streaming: each group of rows is written and flushed
// as soon as it exists, so net/http frames the body with Transfer-Encoding:
// chunked, one HTTP chunk per group (a group over 64 KiB goes out in 64 KiB
// chunks). It stops producing as soon as the client goes away.
func (s *Server) streaming(w http.ResponseWriter, r *http.Request) {
	sp, ok := parseRequest(w, r)
	if !ok {
		return
	}
	run, ok := s.beginRun(w, sp)
	if !ok {
		return
	}
	defer s.runs.end(run)
	setCSVHeaders(w.Header())
	rc := http.NewResponseController(w)
	out := flushSink{w: w, flush: rc.Flush}
	if r.Method == http.MethodHead {
		out.w = discard{}
	}
	produce(r.Context(), sp, out) // an error means the client left or the stream broke: stop quietly
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// parseRequest checks the method and the query; on failure it has already
// answered.
func parseRequest(w http.ResponseWriter, r *http.Request) (spec.Spec, bool) {
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
	sp, err := spec.Parse(q)
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return spec.Spec{}, false
	}
	return sp, true
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
