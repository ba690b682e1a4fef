package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"runtime"
	"strconv"
	"strings"
	"time"

	"chunkscope/app/spec"
	appwire "chunkscope/app/wire"
)

// body writes one response for a parsed request: the part in which the
// scenarios differ. The run is the request's memory log (nil when untagged);
// a body that holds memory ends it itself while it still holds it.
type body func(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, run *runLog)

// csv wraps a body with what every /csv/ endpoint does: check the method,
// the query and the caps, take a slot, bound the response in time, and log
// the server's memory for a tagged run.
func (s *Server) csv(b body) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sp, release, ok := s.parseRequest(w, r)
		if !ok {
			return
		}
		defer s.runs.responseDone() // last: once the body below is let go
		defer release()
		ctx, cancel := s.streamDeadline(w, r)
		defer cancel()
		run, ok := s.beginRun(w, r, sp)
		if !ok {
			return
		}
		defer s.runs.end(run)
		if run != nil {
			w = newSentWriter(w, s.runs, run) // the send log: what left the handler, when
		}
		b(ctx, w, r, sp, run)
	}
}

// streaming serves /csv/streaming: each group of rows is written and flushed
// as soon as it exists, so net/http frames the body with Transfer-Encoding:
// chunked, one HTTP chunk per group (a group over 64 KiB goes out in 64 KiB
// chunks). It stops producing as soon as the client goes away.
func (s *Server) streaming(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, _ *runLog) {
	setCSVHeaders(w.Header())
	produce(ctx, sp, flushSink{w: w, flush: http.NewResponseController(w).Flush}) // an error means the client left or time ran out
}

// accelNo serves /csv/accel-no: the streaming endpoint with the
// X-Accel-Buffering: no header, by which a response tells nginx (and the
// proxies that honour it) not to buffer it, whatever proxy_buffering says.
func (s *Server) accelNo(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, run *runLog) {
	w.Header().Set("X-Accel-Buffering", "no")
	s.streaming(ctx, w, r, sp, run)
}

// contentLength serves /csv/content-length: flushed like streaming, but
// with the Content-Length announced first. Go then sends no chunked framing,
// yet every flushed group still leaves at once: unlike the seed's Gunicorn,
// which streams only without a Content-Length.
func (s *Server) contentLength(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, _ *runLog) {
	setCSVHeaders(w.Header())
	w.Header().Set("Content-Length", strconv.FormatInt(sp.BodySize(), 10))
	produce(ctx, sp, flushSink{w: w, flush: http.NewResponseController(w).Flush})
}

// noFlush serves /csv/no-flush: every group is written, none flushed. Go's
// response buffers coalesce the small writes into a few chunks of about
// 2-4 KB; and a body that fits the 2 KB buffer when the handler returns
// gets an automatic Content-Length and no chunking at all.
func (s *Server) noFlush(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, _ *runLog) {
	setCSVHeaders(w.Header())
	produce(ctx, sp, flushSink{w: w, flush: func() error { return nil }})
}

// buffered serves /csv/buffered: the rows are produced at the requested pace
// but held in memory, then sent in one piece with a Content-Length, like the
// seed's download_csv view. Its time to first byte is the whole production
// time; that is the point.
func (s *Server) buffered(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, run *runLog) {
	held, ok := s.holdBody(ctx, w, r, sp, run, 1)
	if !ok {
		return
	}
	defer held.release()
	setCSVHeaders(w.Header())
	w.Header().Set("Content-Length", strconv.FormatInt(held.body.size, 10))
	held.body.writeTo(w) // an error here means the client left; nothing to do
	s.runs.end(run)      // the last sample still sees the body
	runtime.KeepAlive(held.body)
}

// singleWrite serves /csv/single-write: the seed's "iterator with a single
// item". No Content-Length is set, but the whole body is written at once
// when it is complete: chunked framing with one chunk, after the whole
// production time (or, for a body under 2 KB, an automatic Content-Length).
func (s *Server) singleWrite(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, run *runLog) {
	// Joining the pieces into one write holds the body twice for a moment:
	// the joined copy is counted before it is made, the pieces given back
	// once it is.
	held, ok := s.holdBody(ctx, w, r, sp, run, 2)
	if !ok {
		return
	}
	defer held.release()
	if err := held.hold.grow(held.body.size); err != nil {
		s.refuseHeld(w, sp, 2, held.body.size, err)
		return
	}
	one := bytes.Join(held.body.pieces, nil)
	held.body.drop()
	setCSVHeaders(w.Header())
	w.Write(one)
	s.runs.end(run)
	runtime.KeepAlive(one)
}

// gzipBuffered serves /csv/gzip-buffered: a compression middleware of the
// common kind, which compresses the whole body before sending it (to set a
// Content-Length). A streamed handler behind it is buffered all the same.
func (s *Server) gzipBuffered(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, run *runLog) {
	if !acceptsGzip(w, r) {
		return
	}
	// The plain body and its compressed copy are both held until the
	// copy is sent; the copy (a few per cent of a CSV body) is counted
	// piece by piece as it grows, not guessed ahead.
	held, ok := s.holdBody(ctx, w, r, sp, run, 1)
	if !ok {
		return
	}
	defer held.release()
	z := &memorySink{hold: held.hold, want: held.body.size + gzipOverhead}
	zw := gzip.NewWriter(z)
	in := &counted{w: zw}
	err := held.body.writeTo(in)
	if err == nil {
		err = zw.Close()
	}
	if err != nil { // the budget ran out under the compressed copy
		s.refuseHeld(w, sp, 1, held.body.size+z.size, err)
		return
	}
	setCSVHeaders(w.Header())
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.FormatInt(z.size, 10))
	z.writeTo(w)
	plain(w, in.n)
	s.runs.end(run)
	runtime.KeepAlive(held.body)
}

// gzipStreaming serves /csv/gzip-streaming: the compressor is flushed at the
// end of every group (gzip.Writer.Flush, then the response), so compressed
// groups leave as they are produced. The price: a little less compression.
func (s *Server) gzipStreaming(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, _ *runLog) {
	if !acceptsGzip(w, r) {
		return
	}
	setCSVHeaders(w.Header())
	w.Header().Set("Content-Encoding", "gzip")
	rc := http.NewResponseController(w)
	zw := gzip.NewWriter(w)
	in := &counted{w: zw}
	flush := func() error {
		if err := zw.Flush(); err != nil {
			return err
		}
		plain(w, in.n) // before the flush: a logged write is final once flushed
		return rc.Flush()
	}
	if produce(ctx, sp, flushSink{w: in, flush: flush}) == nil {
		zw.Close()
		plain(w, in.n)
	}
}

// counted counts the bytes written through it: a compressor's input.
type counted struct {
	w io.Writer
	n int64
}

func (c *counted) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// noContent serves /csv/no-content: 204, which has no body by definition,
// whatever the handler writes.
func (s *Server) noContent(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, _ *runLog) {
	w.WriteHeader(http.StatusNoContent)
}

// notModifiedETag is the validator of /csv/not-modified's body.
const notModifiedETag = `"chunkscope-csv"`

// notModified serves /csv/not-modified: with If-None-Match matching its
// ETag, 304 and no body; without, the body with that ETag.
func (s *Server) notModified(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, _ *runLog) {
	w.Header().Set("ETag", notModifiedETag)
	if r.Header.Get("If-None-Match") == notModifiedETag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	setCSVHeaders(w.Header())
	w.Header().Set("Cache-Control", "no-cache")
	produce(ctx, sp, flushSink{w: w, flush: http.NewResponseController(w).Flush})
}

// heldBody is a whole body in memory, counted in the buffer budget by
// hold, which a handler that copies it grows for the copy too.
type heldBody struct {
	body *memorySink
	hold *hold
}

func (h heldBody) release() { h.hold.release() }

// holdBody produces the whole body into memory, each piece counted in the
// buffer budget as it is allocated. A body that could never fit (copies
// times its size over the budget, or over one client's share: a handler
// that copies it holds it copies times at its peak) is refused at once;
// one that runs out of room because others hold the budget stops there,
// lets go of what it holds and is refused. On failure it has answered
// (413, nothing sent before) or the client left.
func (s *Server) holdBody(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, run *runLog, copies int64) (heldBody, bool) {
	client := clientAddr(r)
	if err := s.budget.fits(client, copies*sp.BodySize()); err != nil {
		s.refuseHeld(w, sp, copies, 0, err)
		return heldBody{}, false
	}
	h := s.budget.open(client)
	body := &memorySink{hold: h, want: sp.BodySize()}
	if err := produce(ctx, sp, body); err != nil {
		h.release()
		if isOverBudget(err) {
			s.refuseHeld(w, sp, copies, body.size, err)
		}
		return heldBody{}, false // else the client went away (or time ran out): nobody to answer
	}
	return heldBody{body: body, hold: h}, true
}

// acceptsGzip refuses, with a reason, a client that did not ask for gzip:
// sending it anyway would be a lie, sending plain text a silent default.
func acceptsGzip(w http.ResponseWriter, r *http.Request) bool {
	if accepts(r.Header.Get("Accept-Encoding"), "gzip") {
		return true
	}
	serveError(w, http.StatusNotAcceptable, "Accept-Encoding: this scenario answers in gzip only; send Accept-Encoding: gzip (curl --compressed)")
	return false
}

// proxy serves /proxy/default/csv/... and /proxy/flush/csv/...: an
// httputil.ReverseProxy in front of this server's own /csv/ endpoints,
// over a real loopback connection to the listener the request came in on
// (never an address from the request). flushInterval is the proxy's
// FlushInterval: 0 is its default (no periodic flush, except that Go flushes
// at once when the upstream body has no length, i.e. is chunked), -1
// flushes after every write.
//
// The proxy's response is the one its client reads, so it takes the slot
// and the deadline; its inner request carries the hop secret and takes
// none of its own, and names the outer client (forwardHeader), whose run
// it is and whose share of the buffer budget an inner buffered body takes. The proxy itself holds no
// body: ReverseProxy copies through a 32 KiB buffer.
func (s *Server) proxy(prefix string, flushInterval time.Duration) http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host, _ = localAddr(pr.In)
			pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, prefix)
			pr.Out.URL.RawPath = ""
			pr.Out.Host = ""
			pr.Out.Header.Set(hopHeader, s.hop)
			pr.Out.Header.Set(forwardHeader, s.forwarded(pr.In)) // its run and what it holds are the outer client's
		},
		FlushInterval:  flushInterval,
		ModifyResponse: dropOwnHeaders,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			serveError(w, http.StatusBadGateway, "proxy: the upstream failed: "+err.Error())
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstream := strings.TrimPrefix(r.URL.Path, prefix)
		if !strings.HasPrefix(upstream, "/csv/") {
			serveError(w, http.StatusNotFound, "proxy: only /csv/ endpoints can be proxied, not "+upstream)
			return
		}
		if _, ok := localAddr(r); !ok {
			serveError(w, http.StatusInternalServerError, "proxy: no local address to reach the upstream on")
			return
		}
		ctx, done, ok := s.lasting(w, r, s.measured)
		if !ok {
			return
		}
		defer done()
		rp.ServeHTTP(w, r.WithContext(ctx))
	})
}

// beginRun registers a request tagged with run=ID for memory sampling, as
// a run of its client (runOwner). A request without a tag gets a nil log,
// which end ignores.
func (s *Server) beginRun(w http.ResponseWriter, r *http.Request, sp spec.Spec) (*runLog, bool) {
	if sp.Run == "" {
		return nil, true
	}
	l, err := s.runs.begin(clientAddr(r), sp.Run)
	if err != nil {
		serveError(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	return l, true
}

// upstream serves /upstream?url=…: the page's way to read an origin allowed
// by -upstream (the page is cross-origin isolated, so it cannot fetch
// another origin itself). A ReverseProxy that flushes after every write, so
// it adds a hop but no buffering; the framing the client sees is Go's,
// which is why /wire probes the upstream directly.
//
// The hop is glass (see upstreamHead): the upstream's own status line,
// headers and framing travel beside the body, and the page records those,
// not the hop's. And what the upstream sends never acts on this origin: it
// is served sandboxed and as an attachment, so that no browser renders it
// or runs its scripts here, and never as a script or a worker.
func (s *Server) upstream() http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			u, _ := s.allowedUpstream(pr.In.URL.Query().Get("url")) // checked below
			pr.Out.URL = u
			pr.Out.Host = u.Host
			pr.Out.Header.Del(hopHeader) // the secret never leaves the server
			setSendHeaders(pr.In, pr.Out.Header)
			// The nginx main started, and only it, learns who the client
			// is (with the forward secret), so that a URL chained back
			// through it counts against that client, not 127.0.0.1.
			pr.Out.Header.Del(forwardHeader)
			if v, ok := s.forwardTo(pr.In, u); ok {
				pr.Out.Header.Set(forwardHeader, v)
			}
		},
		Transport:      glassTransport{s.cfg.UpstreamTLS.transport()},
		FlushInterval:  -1,
		ModifyResponse: safeToServe,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			serveError(w, http.StatusBadGateway, "upstream: "+s.cfg.UpstreamTLS.explain(r, err))
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if dest := scriptDestination(r); dest != "" {
			serveError(w, http.StatusForbidden, "upstream: an upstream's response is never served here as a "+dest+"; read it with fetch (the page does)")
			return
		}
		q, err := parseQuery(r.URL.RawQuery)
		if err == nil && (len(q) != 1 || len(q["url"]) != 1) {
			err = fmt.Errorf("url: want exactly one url parameter and nothing else")
		}
		if err == nil {
			_, err = s.allowedUpstream(q.Get("url"))
		}
		if err == nil {
			_, err = sendHeaders(r)
		}
		if err != nil {
			serveError(w, http.StatusBadRequest, err.Error())
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			serveError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET or HEAD")
			return
		}
		ctx, done, ok := s.lasting(w, r, s.measured) // a stalled upstream must not hold its slot forever
		if !ok {
			return
		}
		defer done()
		w.Header().Set("Content-Security-Policy", upstreamPolicy)
		rp.ServeHTTP(w, r.WithContext(ctx))
	})
}

// upstreamPolicy is the policy of every /upstream response: a document
// from an upstream opened here (a link, a frame) is sandboxed into an
// opaque origin with no scripts, so it cannot reach this origin's storage,
// service worker or the talk's BroadcastChannel, and loads nothing.
const upstreamPolicy = "sandbox; default-src 'none'; frame-ancestors 'none'"

// scriptDestination names what a request for /upstream would make of the
// upstream's response when it is not a plain read (fetch's destination is
// "empty", a navigation's "document"): a script, a worker, a style, … —
// which the browser would run or apply with this origin's rights. The
// Service-Worker header is sent with a service worker's script request.
func scriptDestination(r *http.Request) string {
	if r.Header.Get("Service-Worker") != "" {
		return "service worker script"
	}
	switch d := r.Header.Get("Sec-Fetch-Dest"); d {
	case "", "empty", "document":
		return ""
	default:
		return d
	}
}

// Hop headers: the upstream's own head, as it arrived, travels beside the
// body in upstreamHeadHeader (base64 of its status line and header lines)
// and its framing in upstreamFramingHeader; the page's record takes the
// upstream's status, headers and framing from them (record.Run.Respond),
// and keeps what the hop itself sent apart.
const (
	upstreamHeadHeader    = "X-Chunkscope-Upstream-Head"
	upstreamFramingHeader = "X-Chunkscope-Upstream-Framing"
)

// glassTransport records the upstream's head in the response as it
// arrived, before the ReverseProxy drops its hop-by-hop headers
// (Connection, Keep-Alive, …), which are part of the truth about its framing.
type glassTransport struct{ http.RoundTripper }

func (t glassTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.RoundTripper.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	head := base64.StdEncoding.EncodeToString(upstreamHead(resp))
	resp.Header.Set(upstreamHeadHeader, head) // Set: an upstream cannot forge them
	resp.Header.Set(upstreamFramingHeader, upstreamFraming(resp))
	return resp, nil
}

// safeToServe is /upstream's ModifyResponse: the response is made safe to
// serve on this origin — the upstream's own policy headers give way to
// this server's (set on every response), and the body is an attachment.
func safeToServe(resp *http.Response) error {
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(strings.ToLower(strings.TrimSpace(cd)), "attachment") {
		resp.Header.Set("Content-Disposition", "attachment")
	}
	return dropOwnHeaders(resp)
}

// upstreamHead writes the upstream's status line and headers as Go's client
// parsed them: names in canonical case, sorted (the order on the wire is
// not kept), and what Go moves out of the header map put back:
// Transfer-Encoding, and an HTTP/1.1 Connection: close (for HTTP/1.0, Go
// does not say whether the header was there).
func upstreamHead(resp *http.Response) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s\r\n", resp.Proto, resp.Status)
	h := resp.Header.Clone()
	if len(resp.TransferEncoding) > 0 {
		h["Transfer-Encoding"] = []string{strings.Join(resp.TransferEncoding, ", ")}
	}
	if resp.Close && resp.ProtoAtLeast(1, 1) && h.Get("Connection") == "" {
		h.Set("Connection", "close")
	}
	h.Write(&b) // sorted, one line per value
	return b.Bytes()
}

// upstreamFraming names how the upstream delimited its body, in the wire
// probe's words.
func upstreamFraming(resp *http.Response) string {
	switch {
	case resp.Request != nil && resp.Request.Method == http.MethodHead,
		resp.StatusCode == http.StatusNoContent, resp.StatusCode == http.StatusNotModified,
		resp.StatusCode >= 100 && resp.StatusCode < 200:
		return appwire.FramingNone
	case resp.ProtoMajor == 2:
		return appwire.FramingH2 // DATA frames, whatever the length says
	case len(resp.TransferEncoding) > 0 && resp.TransferEncoding[len(resp.TransferEncoding)-1] == "chunked":
		return appwire.FramingChunked
	case resp.ContentLength >= 0:
		return appwire.FramingContentLength
	default:
		return appwire.FramingClose
	}
}

// dropOwnHeaders removes from a proxied response the headers this server
// sets on every response itself, so they are not sent twice.
func dropOwnHeaders(resp *http.Response) error {
	for _, name := range ownHeaders {
		resp.Header.Del(name)
	}
	return nil
}
