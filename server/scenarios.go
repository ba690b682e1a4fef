package server

import (
	"fmt"
	"strings"
	"time"

	"chunkscope/app/spec"
)

// mountScenarios mounts every endpoint of the scenario table. A scenario
// whose path is not handled here is a startup error, so the table and the
// server cannot drift apart.
func (s *Server) mountScenarios() error {
	bodies := map[string]body{
		"/csv/buffered":        s.buffered,
		"/csv/streaming":       s.streaming,
		"/csv/content-length":  s.contentLength,
		"/csv/accel-no":        s.accelNo,
		"/csv/no-flush":        s.noFlush,
		"/csv/single-write":    s.singleWrite,
		"/csv/gzip-buffered":   s.gzipBuffered,
		"/csv/gzip-streaming":  s.gzipStreaming,
		"/csv/no-content":      s.noContent,
		"/csv/not-modified":    s.notModified,
		"/csv/hidden-flush":    s.hiddenFlush,
		"/csv/fixed-flush":     s.fixedFlush,
		"/csv/timeout-handler": s.timeoutHandler,
		"/csv/write-timeout":   s.writeTimeout,
		"/csv/write-deadline":  s.writeDeadline,
	}
	for path, b := range bodies {
		s.mux.HandleFunc(path, s.csv(b))
	}
	for prefix, interval := range map[string]time.Duration{"/proxy/default": 0, "/proxy/flush": -1} {
		s.mux.Handle(prefix+"/", s.proxy(prefix, interval))
	}
	for _, sc := range spec.Scenarios() {
		path := sc.Path
		if rest, ok := strings.CutPrefix(path, "/proxy/"); ok {
			_, upstream, _ := strings.Cut(rest, "/")
			path = "/" + upstream
		}
		if _, ok := bodies[path]; !ok {
			return fmt.Errorf("scenario %s: no handler for %s", sc.Name, sc.Path)
		}
	}
	return nil
}
