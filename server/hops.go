package server

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	appwire "chunkscope/app/wire" // server has its own wire
)

// Nginx is the nginx main started in front of the server (-nginx), or why
// there is none, for the page's hop-by-hop comparison (GET /hops).
type Nginx struct {
	Origin    string   // http://127.0.0.1:PORT, "" when none runs
	Locations []string // its locations in front of this server
	Problem   string   // why none runs, in a few words
}

// NginxNotStarted is the hop list's words when nothing said otherwise.
const NginxNotStarted = "not started (start chunkscope with -nginx)"

// hops answers GET /hops: which hops beyond the scenarios this server can
// run a request through (appwire.Hops).
func (s *Server) hops(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		serveError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET or HEAD")
		return
	}
	if r.URL.RawQuery != "" {
		serveError(w, http.StatusBadRequest, "/hops takes no parameters")
		return
	}
	h := appwire.Hops{Upstreams: []string{}}
	n := s.cfg.Nginx
	switch {
	case n.Origin != "":
		h.Nginx, h.NginxLocations = n.Origin, slices.Clone(n.Locations)
	case n.Problem != "":
		h.NginxProblem = n.Problem
	default:
		h.NginxProblem = NginxNotStarted
	}
	for _, u := range s.cfg.Upstreams {
		// A port wildcard names no one origin to ask: its URLs go in a
		// chain (chain=URL,URL,…), which names them.
		if u != n.Origin && !strings.HasSuffix(u, anyPort) {
			h.Upstreams = append(h.Upstreams, u)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(h)
}
