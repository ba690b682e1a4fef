package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"chunkscope/app/spec"
)

// maxSampleIndex bounds Last-Event-ID: no run has that many samples (a
// 5-minute run at 10 ms has 30,000), and n+1 must not overflow.
const maxSampleIndex = 1 << 30

// waitForRun is how long /events waits for the tagged request to arrive:
// the page subscribes first, then sends it.
const waitForRun = 10 * time.Second

// events serves /events?run=ID as Server-Sent Events: every memory sample
// the server took during that run ("sample" events, each with an id so a
// reconnecting EventSource resumes where it stopped), then one "end" event
// when the run is over. Sample times are ms since the tagged request
// arrived; the page maps them onto its own clock.
//
//	curl -N 'http://127.0.0.1:8000/events?run=r1'
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		serveError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET")
		return
	}
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return
	}
	for name := range q {
		if name != "run" {
			serveError(w, http.StatusBadRequest, spec.ParamName(name)+": unknown parameter (known: run)")
			return
		}
	}
	if len(q["run"]) != 1 {
		serveError(w, http.StatusBadRequest, "run: want exactly one run id")
		return
	}
	id, err := spec.ParseRunID(q.Get("run"))
	if err != nil {
		serveError(w, http.StatusBadRequest, "run: "+err.Error())
		return
	}
	next := 0
	if last := r.Header.Get("Last-Event-ID"); last != "" {
		n, err := strconv.Atoi(last)
		if err != nil || n < 0 || n >= maxSampleIndex {
			serveError(w, http.StatusBadRequest, fmt.Sprintf("Last-Event-ID: %q is not a sample index", last))
			return
		}
		next = n + 1
	}
	release, ok := s.admit(w, r, s.others)
	if !ok {
		return
	}
	defer release()
	ctx, cancel := s.streamDeadline(w, r)
	defer cancel()
	samples, done, changed, err := s.runs.since(ctx, id, next, waitForRun)
	if err != nil {
		if ctx.Err() == nil {
			serveError(w, http.StatusNotFound, err.Error())
		}
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	for {
		for _, sm := range samples {
			b, _ := json.Marshal(sm.Sample) // a struct of numbers always encodes
			fmt.Fprintf(w, "id: %d\nevent: sample\ndata: %s\n\n", sm.n, b)
			next = sm.n + 1
		}
		if done {
			fmt.Fprintf(w, "event: end\ndata: {\"samples\":%d}\n\n", next)
			rc.Flush()
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
		samples, done, changed, err = s.runs.since(ctx, id, next, waitForRun)
		if err != nil {
			return // evicted under us: the stream just ends
		}
	}
}

// clock serves /clock: an empty answer the page times to estimate the
// offset between its clock and the server's (half the round trip). It
// answers once the server has collected what earlier responses left (see
// runs.settle): the page calls it before every run, so the run's request
// finds nothing of ours to do before its first byte. The page takes the
// fastest of its three round trips, which a collection does not slow.
func (s *Server) clock(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		serveError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET or HEAD")
		return
	}
	s.runs.settle(r.Context())
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}
