package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"chunkscope/app/spec"
	appwire "chunkscope/app/wire"
)

// maxSampleIndex bounds the numbers in Last-Event-ID: no run takes that
// many samples or sends, and n+1 must not overflow.
const maxSampleIndex = 1 << 30

// waitForRun is how long /events waits for the tagged request to arrive:
// the page subscribes first, then sends it.
var waitForRun = 10 * time.Second // a var: a test shortens it

// events serves /events?run=ID as Server-Sent Events: every memory sample
// the server took during that run ("sample" events, each with an id so a
// reconnecting EventSource resumes where it stopped), then one "end" event
// when the run is over. Sample times are ms since the tagged request
// arrived; the page maps them onto its own clock. Only the client that
// tagged the run may read it: for any other, the stream is that of a run
// that never came.
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
		if name != "run" && name != "batch" && name != "every" {
			serveError(w, http.StatusBadRequest, spec.ParamName(name)+": unknown parameter (known: run, batch, every)")
			return
		}
	}
	// batch=1: the send log comes as one "sends" event (a JSON array) each
	// time the stream wakes (every memory sample, 10 ms, and at the end)
	// instead of a "sent" event per write. The page asks for it: a fast
	// stream's 256 writes were 256 events for the browser to dispatch while
	// it read the body, 7 ms of a 16 MiB run's 74 (make bench).
	batch := false
	switch v := q["batch"]; {
	case len(v) > 1:
		serveError(w, http.StatusBadRequest, fmt.Sprintf("batch: given %d times, want once", len(v)))
		return
	case len(v) == 1 && v[0] == "1":
		batch = true
	case len(v) == 1 && v[0] != "0":
		serveError(w, http.StatusBadRequest, fmt.Sprintf("batch: %q is not 0 or 1", v[0]))
		return
	}
	every, err := parseEvery(q["every"])
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return
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
	next, err := parseLastEventID(r.Header.Get("Last-Event-ID"))
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, finish, ok := s.lasting(w, r, s.others)
	if !ok {
		return
	}
	defer finish()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	// Open at once, before the tagged request arrives: the page sends its
	// request once this stream is up, so a stream that waited for the
	// request to answer would only open when the page gave up waiting
	// (it cost every run 2 s).
	fmt.Fprintf(w, ": run %s\n\n", id)
	if err := rc.Flush(); err != nil {
		return
	}
	// endWith ends the stream: the counts of samples and sends, and, when
	// the run's events stop short, why (an end the reader does not retry,
	// as a 404 was before the stream opened at once).
	endWith := func(problem string) {
		b, _ := json.Marshal(struct {
			Samples int    `json:"samples"`
			Sent    int    `json:"sent"`
			Problem string `json:"problem,omitempty"`
		}{next.sample, next.send, problem})
		fmt.Fprintf(w, "event: end\ndata: %s\n\n", b)
		rc.Flush()
	}
	// Only the client that tagged the run reads it (runOwner); another
	// client asking for the same id waits for a run of its own and is told
	// none came, exactly as for an id nobody tagged.
	key := runKey{owner: clientAddr(r), id: id}
	got, done, changed, err := s.runs.since(ctx, key, next, waitForRun)
	if err != nil {
		if ctx.Err() == nil {
			endWith(err.Error()) // no such run came
		}
		return
	}
	// refresh takes what the run logged since the last event sent.
	refresh := func() bool {
		got, done, changed, err = s.runs.since(ctx, key, next, waitForRun)
		if err != nil && ctx.Err() == nil {
			endWith("run: " + id + " was forgotten while its events were read (the server keeps the latest runs only)")
		}
		return err == nil
	}
	due := got.start.Add(every) // with every=0, always past
	for {
		if wait := time.Until(due); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
			if !refresh() {
				return
			}
		}
		due = time.Now().Add(every)
		for _, sm := range got.samples {
			b, _ := json.Marshal(sm.Sample) // a struct of numbers always encodes
			next.sample = sm.n + 1
			fmt.Fprintf(w, "id: %s\nevent: sample\ndata: %s\n\n", next, b)
		}
		switch {
		case batch && len(got.sends) > 0:
			sends := make([]appwire.Send, len(got.sends))
			for i, sd := range got.sends {
				sends[i] = sd.Send
			}
			b, _ := json.Marshal(sends)
			next.send = got.sends[len(got.sends)-1].n + 1
			fmt.Fprintf(w, "id: %s\nevent: sends\ndata: %s\n\n", next, b)
		case !batch:
			for _, sd := range got.sends {
				b, _ := json.Marshal(sd.Send)
				next.send = sd.n + 1
				fmt.Fprintf(w, "id: %s\nevent: sent\ndata: %s\n\n", next, b)
			}
		}
		if done {
			endWith("")
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
		if !refresh() {
			return
		}
	}
}

// maxEvery bounds /events' every=: a second between deliveries is already
// more than any live view waits.
const maxEvery = time.Second

// parseEvery reads /events' every= (a Go duration, 0 to maxEvery): how
// long the stream waits after the tagged request arrived before its first
// delivery, and at least between two. The page asks for 100ms: every
// delivery is a task on its main thread, which the body's reads share, and
// it draws only every 100 ms. Absent: 0, each sample as it is taken.
func parseEvery(v []string) (time.Duration, error) {
	switch {
	case len(v) == 0:
		return 0, nil
	case len(v) > 1:
		return 0, fmt.Errorf("every: given %d times, want once", len(v))
	}
	d, err := spec.ParseDelay(v[0], maxEvery)
	if err != nil {
		return 0, fmt.Errorf("every: %w", err)
	}
	return d, nil
}

// String is the SSE id of the last event sent: the number of the last
// sample seen, and after a dot that of the last send, once there is one
// ("12", "12.40"). A reader sends it back as Last-Event-ID to resume.
func (c cursor) String() string {
	if c.send == 0 {
		return strconv.Itoa(c.sample - 1)
	}
	return strconv.Itoa(c.sample-1) + "." + strconv.Itoa(c.send-1)
}

// parseLastEventID reads a cursor.String back: where to resume.
func parseLastEventID(v string) (cursor, error) {
	if v == "" {
		return cursor{}, nil
	}
	sample, send, hasSend := strings.Cut(v, ".")
	n, err := strconv.Atoi(sample)
	m := -1
	if err == nil && hasSend {
		m, err = strconv.Atoi(send)
	}
	if err != nil || n < 0 || n >= maxSampleIndex || (hasSend && (m < 0 || m >= maxSampleIndex)) {
		return cursor{}, fmt.Errorf("Last-Event-ID: %q is not an event id of this stream (N or N.M)", v)
	}
	return cursor{sample: n + 1, send: m + 1}, nil
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
