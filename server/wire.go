package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strings"

	"chunkscope/app/spec"
	appwire "chunkscope/app/wire" // server has its own wire
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
// One request, one response: the probe sends the request the page sent.
// With browser=1 it copies from this very request the headers the browser
// adds to every request of this origin that can change a response
// (pageHeaders: Accept-Encoding as the browser sends it, Cookie, …), and
// header=Name:+value (repeatable) adds headers the page set itself. The
// summary carries the headers sent ("request"), so the page can tell when
// the probe still got another response.
//
//	curl -N 'http://127.0.0.1:8000/wire?scenario=streaming&rows=5&delay=100ms'
//	curl -N 'http://127.0.0.1:8000/wire?url=http://127.0.0.1:9000/export&header=Accept-Encoding:+gzip'
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
	// A scenario's HTTP/1.x, or an upstream's protocol: over https what
	// its TLS handshake agrees (h2 or http/1.1), as the hop's does.
	do := probe.DoAny
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
	send("summary", wireSummary{res, sentHeaders(req.Header, r.URL.Query()["secret"])})
	send("end", map[string]int{"events": sent})
}

// wireSummary is /wire's summary: the probe's, and the headers it was told
// to send (app/wire.Summary reads both).
type wireSummary struct {
	probe.Result
	Request map[string]string `json:"request,omitempty"`
}

// pageHeaders are the request headers a browser adds by itself to each
// request of an origin — fetch()'s and EventSource's alike — that can change
// the response: the encodings it accepts (Chromium: gzip, deflate, br,
// zstd), its languages, the origin's cookies and credentials, and the
// no-cache that fetch's cache: "no-store" and EventSource both send.
var pageHeaders = []string{"Accept-Encoding", "Accept-Language", "Cookie", "Authorization", "Cache-Control", "Pragma"}

// unsendable are headers header= may not set: the probe frames the request
// and names itself, and the hop secret stays inside the server.
var unsendable = []string{"Host", "Connection", "Content-Length", "Transfer-Encoding", "Te", "Upgrade", "Keep-Alive",
	"Expect", "Proxy-Connection", "User-Agent", "Accept", hopHeader, forwardHeader}

// pageRequest adds to h the page's own request headers: those the browser
// added to r (browser=1), then those given as header=Name: value.
func pageRequest(h map[string]string, r *http.Request, q url.Values) error {
	switch b := q["browser"]; {
	case len(b) > 1:
		return fmt.Errorf("browser: given %d times, want once", len(b))
	case len(b) == 1 && b[0] != "1":
		return fmt.Errorf("browser: %q: want 1 (send the headers this browser sends), or leave it out", b[0])
	case len(b) == 1:
		for _, name := range pageHeaders {
			if v := r.Header.Values(name); len(v) > 0 {
				h[name] = strings.Join(v, ", ")
			}
		}
	}
	for _, line := range q["header"] {
		name, value, ok := strings.Cut(line, ":")
		name, value = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(name)), strings.TrimSpace(value)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("header: %q is not Name: value", line)
		}
		if slices.Contains(unsendable, name) {
			return fmt.Errorf("header: %s is the probe's own to send", name)
		}
		h[name] = value
	}
	return nil
}

// sentHeaders is what the summary says the probe sent, the headers that
// carry the server's secrets left out, and the values of the page's secrets
// (a Cookie, an Authorization, those marked secret=NAME) too: the summary
// goes into the record, and the record into files.
func sentHeaders(h map[string]string, marked []string) map[string]string {
	out := map[string]string{}
	for name, v := range h {
		if name != hopHeader && name != forwardHeader {
			out[name] = v
		}
	}
	out = appwire.Redact(out, marked)
	if len(out) == 0 {
		return nil
	}
	return out
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
	page := map[string]string{}
	if raw := q.Get("url"); raw != "" {
		for name := range q {
			if name != "url" && name != "header" && name != "browser" && name != "secret" {
				return probe.Request{}, false, fmt.Errorf("url: give it alone, or with header= and browser= and secret= (the upstream's own query is part of it, not %s=)", name)
			}
		}
		u, err := s.allowedUpstream(raw)
		if err != nil {
			return probe.Request{}, false, err
		}
		if err := pageRequest(page, r, q); err != nil {
			return probe.Request{}, false, err
		}
		if v, ok := s.forwardTo(r, u); ok { // our nginx: count the client, not 127.0.0.1
			page[forwardHeader] = v
		}
		return probe.Request{URL: u.String(), Header: page, TLS: s.cfg.UpstreamTLS.probe()}, false, nil
	}
	sc, ok := spec.Lookup(q.Get("scenario"))
	if !ok {
		return probe.Request{}, false, fmt.Errorf("scenario: %q is not one of %s", q.Get("scenario"), strings.Join(spec.Names(), ", "))
	}
	sp, err := s.cfg.Limits.Parse(q, "scenario", "header", "browser", "secret")
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
		header[textproto.CanonicalMIMEHeaderKey(name)] = value
	}
	if err := pageRequest(header, r, q); err != nil {
		return probe.Request{}, false, err
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
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("url: %q is not an http:// or https://host:port/path URL", raw)
	}
	if s.allows(u) {
		return u, nil
	}
	return nil, notAllowed(u.Scheme+"://"+u.Host, s.cfg.Upstreams)
}
