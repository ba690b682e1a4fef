// Package server is chunkscope's HTTP side: the CSV endpoints that the page
// measures, and the page itself (go-app's handler plus the static files in
// web/).
//
// Endpoints (GET or HEAD):
//
//	/csv/buffered?rows=1000&delay=0&per=1&pad=0   whole body in memory, then sent with Content-Length
//	/csv/streaming?rows=1000&delay=0&per=1&pad=0  each group written and flushed: chunked
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
	mux *http.ServeMux
	web fs.FS
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
	s := &Server{mux: http.NewServeMux(), web: cfg.Web}
	s.mux.HandleFunc("/csv/buffered", s.buffered)
	s.mux.HandleFunc("/csv/streaming", s.streaming)
	s.mux.Handle("/web/", http.StripPrefix("/web/", staticHandler(cfg.Web)))
	s.mux.Handle("/", pageHandler(hex.EncodeToString(sum[:6]), cfg.Web))
	return s, nil
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	body := &memorySink{body: make([]byte, 0, sp.BodySize())}
	if err := produce(r.Context(), sp, body); err != nil {
		return // the client went away: nobody to answer
	}
	setCSVHeaders(w.Header())
	w.Header().Set("Content-Length", strconv.Itoa(len(body.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body.body) // an error here means the client left; nothing to do
	}
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
