package server

import (
	"context"
	"net/http"
	"time"

	"chunkscope/app/spec"
)

// Go pitfalls that keep a stream from streaming, each beside its fix: the
// handler inside is the same naive streaming handler every time, flushing
// the way most code does (a type assertion whose failure goes unnoticed).

// naiveFlush flushes w if it is an http.Flusher, and says nothing if not.
func naiveFlush(w http.ResponseWriter) func() error {
	return func() error {
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		return nil
	}
}

// naiveStreaming is a streaming handler written the usual way.
func naiveStreaming(sp spec.Spec) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		setCSVHeaders(w.Header())
		produce(r.Context(), sp, flushSink{w: w, flush: naiveFlush(w)})
	}
}

// statusLogger is a logging middleware's ResponseWriter wrapper as it is
// often written: it records the status and has nothing else, so it hides
// the Flusher (and everything else) of the writer it wraps.
type statusLogger struct {
	w      http.ResponseWriter
	status int
}

func (l *statusLogger) Header() http.Header         { return l.w.Header() }
func (l *statusLogger) Write(p []byte) (int, error) { return l.w.Write(p) }
func (l *statusLogger) WriteHeader(code int) {
	l.status = code
	l.w.WriteHeader(code)
}

// fixedLogger is the same wrapper, fixed: Flush passed on, Unwrap for
// http.NewResponseController.
type fixedLogger struct{ statusLogger }

func (l *fixedLogger) Flush() { http.NewResponseController(l.w).Flush() }

func (l *fixedLogger) Unwrap() http.ResponseWriter { return l.w }

// hiddenFlush serves /csv/hidden-flush.
func (s *Server) hiddenFlush(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, _ *runLog) {
	naiveStreaming(sp)(&statusLogger{w: w}, r.WithContext(ctx))
}

// fixedFlush serves /csv/fixed-flush.
func (s *Server) fixedFlush(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, _ *runLog) {
	naiveStreaming(sp)(&fixedLogger{statusLogger{w: w}}, r.WithContext(ctx))
}

// timeoutHandler serves /csv/timeout-handler: the naive stream inside
// http.TimeoutHandler, which buffers it whole in a bytes.Buffer of its own.
// That buffer is counted in the buffer budget as it grows (bufferHold,
// between TimeoutHandler's writer and the stream), like a buffered body's:
// a body that could never fit is refused at once, and one whose buffer
// runs out of room stops there. TimeoutHandler then drops its buffer
// unsent (a panic is its only way to be told; see abandon) and the answer
// is 413 with the reason.
func (s *Server) timeoutHandler(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, _ *runLog) {
	client := clientAddr(r)
	if err := s.budget.fits(client, sp.BodySize()); err != nil {
		s.refuseHeld(w, sp, 1, 0, err)
		return
	}
	h := s.budget.open(client)
	defer h.release() // after TimeoutHandler has sent its buffer, or dropped it
	var counted *bufferHold
	inner := http.HandlerFunc(func(tw http.ResponseWriter, r *http.Request) {
		counted = &bufferHold{ResponseWriter: tw, hold: h}
		naiveStreaming(sp)(counted, r)
		if counted.err != nil {
			panic(abandon{counted.err})
		}
	})
	defer func() {
		p := recover()
		a, ok := p.(abandon)
		if !ok && p != nil {
			panic(p)
		}
		if ok {
			s.refuseHeld(w, sp, 1, counted.size, a.err)
		}
	}()
	http.TimeoutHandler(inner, time.Minute, "timeout: the handler took more than a minute\n").ServeHTTP(w, r.WithContext(ctx))
}

// abandon is the panic by which timeoutHandler's inner handler makes
// http.TimeoutHandler drop its buffer without sending it: the handler
// returning would send the buffer (a partial body with status 200), but a
// panic is carried to TimeoutHandler's caller with nothing written.
type abandon struct{ err error }

// pitfallTimeout is the WriteTimeout of the write-timeout scenarios.
const pitfallTimeout = 500 * time.Millisecond

// writeTimeout serves /csv/write-timeout: one write deadline for the whole
// response, as Server.WriteTimeout sets it when the request has been read.
func (s *Server) writeTimeout(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, _ *runLog) {
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(pitfallTimeout))
	setCSVHeaders(w.Header())
	produce(ctx, sp, flushSink{w: w, flush: http.NewResponseController(w).Flush})
}

// writeDeadline serves /csv/write-deadline: the fix, a deadline moved
// forward before every write, so only a stall is cut.
func (s *Server) writeDeadline(ctx context.Context, w http.ResponseWriter, r *http.Request, sp spec.Spec, _ *runLog) {
	rc := http.NewResponseController(w)
	setCSVHeaders(w.Header())
	produce(ctx, sp, flushSink{w: deadlineWriter{w: w, rc: rc}, flush: rc.Flush})
}

// deadlineWriter moves the write deadline forward before each write.
type deadlineWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (d deadlineWriter) Write(p []byte) (int, error) {
	d.rc.SetWriteDeadline(time.Now().Add(pitfallTimeout))
	return d.w.Write(p)
}
