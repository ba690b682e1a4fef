package server

import (
	"bytes"
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"

	appwire "chunkscope/app/wire" // server has its own wire (the /wire handler and its test table)
)

// Sample is one reading of the server's memory, at T ms since the run's
// request arrived: app/wire's, the type the page decodes /events with.
type Sample = appwire.Sample

// memReader reads the process's memory without stopping the world
// (runtime/metrics, unlike runtime.ReadMemStats, is cheap enough for 10 ms).
type memReader struct {
	samples  []metrics.Sample
	pageSize uint64
}

func newMemReader() *memReader {
	names := []string{
		"/memory/classes/heap/objects:bytes",
		"/memory/classes/heap/unused:bytes",
		"/memory/classes/heap/free:bytes",
		"/sched/goroutines:goroutines",
	}
	r := &memReader{pageSize: uint64(os.Getpagesize())}
	for _, n := range names {
		r.samples = append(r.samples, metrics.Sample{Name: n})
	}
	return r
}

// read fills everything but T. RSS is 0 where /proc/self/statm is missing
// (not Linux): the page then draws no RSS curve rather than a wrong one.
func (r *memReader) read() Sample {
	metrics.Read(r.samples)
	v := func(i int) uint64 {
		if r.samples[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return r.samples[i].Value.Uint64()
	}
	s := Sample{Heap: v(0), HeapTotal: v(0) + v(1) + v(2), Goroutines: v(3)}
	if rss, err := readRSS(r.pageSize); err == nil {
		s.RSS = rss
	}
	return s
}

// readRSS reads the resident set size from /proc/self/statm (in pages, the
// second field).
func readRSS(pageSize uint64) (uint64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, fmt.Errorf("reading RSS: %w", err)
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0, fmt.Errorf("reading RSS: /proc/self/statm has %d fields", len(f))
	}
	pages, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("reading RSS: %w", err)
	}
	return pages * pageSize, nil
}
