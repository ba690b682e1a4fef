package server

import (
	"net/http"
	"time"

	appwire "chunkscope/app/wire"
)

// maxSends bounds one run's send log. A run that reaches it is thinned:
// neighbouring entries are merged in pairs (their bytes added, their
// blocking added, the later time and flush kept), so a long run keeps its
// whole course at a coarser step. 4,096 entries of 40 bytes: 160 KiB a run.
const maxSends = 4096

// numberedSend is a send with its number in the run: the part of the SSE id
// that says which sends a reader has seen. Merging keeps the later number.
type numberedSend struct {
	n int
	appwire.Send
}

// sentWriter is the ResponseWriter every tagged /csv/ response is written
// through (installed once, in Server.csv, not per handler): it logs each
// write — when it returned, its bytes, how long it blocked — and when each
// flush returned. It passes Flush on and unwraps, so
// http.NewResponseController reaches the connection (deadlines) through it.
type sentWriter struct {
	http.ResponseWriter
	runs *runs
	run  *runLog
	rc   *http.ResponseController
}

func newSentWriter(w http.ResponseWriter, g *runs, l *runLog) *sentWriter {
	return &sentWriter{ResponseWriter: w, runs: g, run: l, rc: http.NewResponseController(w)}
}

func (s *sentWriter) Write(p []byte) (int, error) {
	start := time.Now()
	n, err := s.ResponseWriter.Write(p)
	if n > 0 {
		s.runs.sent(s.run, start, time.Now(), n)
	}
	return n, err
}

// FlushError is what http.ResponseController.Flush calls.
func (s *sentWriter) FlushError() error {
	err := s.rc.Flush()
	if err == nil {
		s.runs.flushed(s.run, time.Now())
	}
	return err
}

// Flush is for handlers that use http.Flusher.
func (s *sentWriter) Flush() { s.FlushError() }

func (s *sentWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// sent logs one write. It does not wake /events readers: they wake at the
// next memory sample (every 10 ms while a run is active) and take the
// sends with it, so a handler writing a million rows pays no wake-up each.
func (g *runs) sent(l *runLog, start, end time.Time, n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if l.done {
		return
	}
	if len(l.sends) >= maxSends {
		l.thinSends()
	}
	l.sends = append(l.sends, numberedSend{n: l.sendsTaken, Send: appwire.Send{
		T: ms(end.Sub(l.start)), N: int64(n), BlockedMs: ms(end.Sub(start)),
	}})
	l.sendsTaken++
}

// flushed marks the latest write as flushed at t.
func (g *runs) flushed(l *runLog, t time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if l.done || len(l.sends) == 0 {
		return
	}
	l.sends[len(l.sends)-1].FlushMs = ms(t.Sub(l.start))
}

// plain notes, on the latest write of a compressed body, how many bytes
// of the body before compression it completes (wire.Send.Plain): what the
// browser can decode once that write arrives. A compressing handler calls
// it after each flush and at its end, on a response that is logged.
func plain(w http.ResponseWriter, n int64) {
	s, ok := w.(*sentWriter)
	if !ok {
		return
	}
	s.runs.mu.Lock()
	defer s.runs.mu.Unlock()
	if l := s.run; !l.done && len(l.sends) > 0 {
		l.sends[len(l.sends)-1].Plain = n
	}
}

// thinSends merges the entries in pairs.
func (l *runLog) thinSends() {
	kept := l.sends[:0]
	for i := 0; i < len(l.sends); i += 2 {
		if i+1 == len(l.sends) || l.sends[i].n < l.sendsOut && l.sends[i+1].n >= l.sendsOut {
			// The last, or a pair a reader has half of: kept alone.
			kept = append(kept, l.sends[i])
			i--
			continue
		}
		a, b := l.sends[i], l.sends[i+1]
		b.Writes = max(a.Writes, 1) + max(b.Writes, 1)
		b.N += a.N
		b.BlockedMs += a.BlockedMs
		if b.FlushMs == 0 {
			b.FlushMs = a.FlushMs
		}
		b.Plain = max(a.Plain, b.Plain)
		kept = append(kept, b)
	}
	clear(l.sends[len(kept):])
	l.sends = kept
}
