package server

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"runtime"
	"strconv"
	"strings"
	"time"

	"chunkscope/app/spec"
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
		run, ok := s.beginRun(w, sp)
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
	held, ok := s.holdBody(ctx, w, sp, run, 1)
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
	// the budget must count it twice.
	held, ok := s.holdBody(ctx, w, sp, run, 2)
	if !ok {
		return
	}
	defer held.release()
	one := bytes.Join(held.body.pieces, nil)
	held.body.pieces = nil
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
	held, ok := s.holdBody(ctx, w, sp, run, 1)
	if !ok {
		return
	}
	defer held.release()
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	in := &counted{w: zw}
	held.body.writeTo(in)
	zw.Close()
	setCSVHeaders(w.Header())
	w.Header().Set("Content-Encoding", "gzip")
	w.Header().Set("Content-Length", strconv.Itoa(z.Len()))
	w.Write(z.Bytes())
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

// heldBody is a whole body in memory, counted in the buffer budget.
type heldBody struct {
	body    *memorySink
	release func()
}

// holdBody produces the whole body into memory, counting it copies times
// in the buffer budget (a handler that copies it once more holds it twice);
// on failure it has answered (413) or the client left.
func (s *Server) holdBody(ctx context.Context, w http.ResponseWriter, sp spec.Spec, run *runLog, copies int64) (heldBody, bool) {
	size := copies * sp.BodySize()
	if !s.budget.reserve(size) {
		held := ""
		if copies > 1 {
			held = fmt.Sprintf(", held %d times over,", copies)
		}
		serveError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf(
			"rows: a buffered body of %d bytes%s does not fit the server's buffer budget (%d of %d bytes held by other buffered responses); stream it, or ask for less",
			sp.BodySize(), held, s.budget.held(), s.budget.max))
		return heldBody{}, false
	}
	h := heldBody{body: &memorySink{}, release: func() { s.budget.free(size) }}
	if err := produce(ctx, sp, h.body); err != nil {
		h.release()
		return heldBody{}, false // the client went away (or time ran out): nobody to answer
	}
	return h, true
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
// none of its own.
func (s *Server) proxy(prefix string, flushInterval time.Duration) http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = "http"
			pr.Out.URL.Host, _ = localAddr(pr.In)
			pr.Out.URL.Path = strings.TrimPrefix(pr.In.URL.Path, prefix)
			pr.Out.URL.RawPath = ""
			pr.Out.Host = ""
			pr.Out.Header.Set(hopHeader, s.hop)
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

// upstream serves /upstream?url=…: the page's way to read an origin allowed
// by -upstream (the page is cross-origin isolated, so it cannot fetch
// another origin itself). A ReverseProxy that flushes after every write, so
// it adds a hop but no buffering; the framing the client sees is Go's,
// which is why /wire probes the upstream directly.
func (s *Server) upstream() http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			u, _ := s.allowedUpstream(pr.In.URL.Query().Get("url")) // checked below
			pr.Out.URL = u
			pr.Out.Host = u.Host
			pr.Out.Header.Del(hopHeader) // the secret never leaves the server
			// The nginx main started, and only it, learns who the client
			// is (with the forward secret), so that a URL chained back
			// through it counts against that client, not 127.0.0.1.
			pr.Out.Header.Del(forwardHeader)
			if v, ok := s.forwardTo(pr.In, u); ok {
				pr.Out.Header.Set(forwardHeader, v)
			}
		},
		FlushInterval:  -1,
		ModifyResponse: dropOwnHeaders,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			serveError(w, http.StatusBadGateway, "upstream: "+err.Error())
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := parseQuery(r.URL.RawQuery)
		if err == nil && (len(q) != 1 || len(q["url"]) != 1) {
			err = fmt.Errorf("url: want exactly one url parameter and nothing else")
		}
		if err == nil {
			_, err = s.allowedUpstream(q.Get("url"))
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
		rp.ServeHTTP(w, r.WithContext(ctx))
	})
}

// dropOwnHeaders removes from a proxied response the headers this server
// sets on every response itself, so they are not sent twice.
func dropOwnHeaders(resp *http.Response) error {
	for _, name := range ownHeaders {
		resp.Header.Del(name)
	}
	return nil
}
