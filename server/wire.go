package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"chunkscope/app/spec"
	"chunkscope/server/probe"
)

// maxWireEvents bounds what one /wire stream sends; the probe still reads
// the body to its end for the summary.
const maxWireEvents = 200_000

// wire serves /wire?scenario=NAME&rows=…: the raw probe sends the request
// the scenario calls for (HTTP/1.0 or 1.1, GET or HEAD, its headers) to this
// server, over loopback to the listener this request came in on, and every
// event it sees is streamed as Server-Sent Events ("wire" events, then one
// "summary" and an "end"). It is how the page shows what the browser cannot:
// the HTTP chunks themselves, and an HTTP/1.0 exchange. With url=… instead
// of scenario, it probes an origin allowed by -upstream.
//
//	curl -N 'http://127.0.0.1:8000/wire?scenario=streaming&rows=5&delay=100ms'
func (s *Server) wire(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		serveError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET")
		return
	}
	req, h2, err := s.wireRequest(r)
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return
	}
	// The probe's stream takes the slot; the /csv/ request it makes to
	// this server carries the hop secret and takes none of its own.
	ctx, done, ok := s.lasting(w, r, s.measured)
	if !ok {
		return
	}
	defer done()
	ctx, cancel := context.WithCancel(ctx) // to stop probing once nobody listens
	defer cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	sent, gone := 0, false
	send := func(event string, v any) {
		if gone {
			return
		}
		b, _ := json.Marshal(v) // events and summaries are plain data
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			gone = true
			cancel() // nobody is listening: stop probing
			return
		}
		if err := rc.Flush(); err != nil {
			gone = true
			cancel()
		}
	}
	req.MaxEvents = -1 // streamed as they come, not kept
	do := probe.Do
	if h2 {
		do = probe.DoH2
	}
	res, err := do(ctx, req, func(e probe.Event) {
		if sent < maxWireEvents {
			send("wire", e)
		}
		sent++
	})
	if err != nil && res.Err == "" {
		res.Err = err.Error()
	}
	if sent > maxWireEvents {
		res.Err = strings.TrimPrefix(res.Err+fmt.Sprintf("; %d events not sent (cap %d)", sent-maxWireEvents, maxWireEvents), "; ")
	}
	send("summary", res)
	send("end", map[string]int{"events": sent})
}

// wireRequest builds the probe's request from /wire's query, and says
// whether it is an HTTP/2 one.
func (s *Server) wireRequest(r *http.Request) (probe.Request, bool, error) {
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return probe.Request{}, false, err
	}
	for _, name := range []string{"scenario", "url"} {
		if len(q[name]) > 1 {
			return probe.Request{}, false, fmt.Errorf("%s: given %d times, want once", name, len(q[name]))
		}
	}
	if raw := q.Get("url"); raw != "" {
		if len(q) != 1 {
			return probe.Request{}, false, fmt.Errorf("url: give it alone (the upstream's own query is part of it)")
		}
		u, err := s.allowedUpstream(raw)
		if err != nil {
			return probe.Request{}, false, err
		}
		req := probe.Request{URL: u.String()}
		if v, ok := s.forwardTo(r, u); ok { // our nginx: count the client, not 127.0.0.1
			req.Header = map[string]string{forwardHeader: v}
		}
		return req, false, nil
	}
	sc, ok := spec.Lookup(q.Get("scenario"))
	if !ok {
		return probe.Request{}, false, fmt.Errorf("scenario: %q is not one of %s", q.Get("scenario"), strings.Join(spec.Names(), ", "))
	}
	sp, err := s.cfg.Limits.Parse(q, "scenario")
	if err != nil {
		return probe.Request{}, false, err
	}
	if sp.Run != "" {
		return probe.Request{}, false, fmt.Errorf("run: the probe's request is not tagged (its memory would mix with the page's run)")
	}
	self, ok := localAddr(r)
	if !ok {
		return probe.Request{}, false, fmt.Errorf("wire: no local address to probe on")
	}
	header := map[string]string{hopHeader: s.hop, forwardHeader: s.forwarded(r)} // what it holds is r's client's
	for name, value := range sc.Header {
		header[name] = value
	}
	return probe.Request{
		URL:    "http://" + self + sc.Path + "?" + sp.Values().Encode(),
		HTTP10: sc.Proto == spec.ProtoHTTP10,
		Head:   sc.Method == http.MethodHead,
		Header: header,
	}, sc.Proto == spec.ProtoHTTP2, nil
}

// localAddr is the address of the listener r came in on: the only address
// this server's proxies and probes connect to on their own.
func localAddr(r *http.Request) (string, bool) {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(interface{ String() string })
	if !ok || a == nil {
		return "", false
	}
	return a.String(), true
}

// allowedUpstream parses an upstream URL and checks its origin against
// -upstream: no open proxy, no request to an address nobody allowed.
func (s *Server) allowedUpstream(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" || u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("url: %q is not an http://host:port/path URL", raw)
	}
	origin := "http://" + u.Host
	for _, allowed := range s.cfg.Upstreams {
		if origin == allowed {
			return u, nil
		}
	}
	if len(s.cfg.Upstreams) == 0 {
		return nil, fmt.Errorf("url: %s is not allowed: start chunkscope with -upstream %s to allow it", origin, origin)
	}
	return nil, fmt.Errorf("url: %s is not one of the allowed upstreams (%s)", origin, strings.Join(s.cfg.Upstreams, ", "))
}
