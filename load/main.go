// Command load is a bounded load test of chunkscope's streaming endpoint on
// loopback. It runs -clients concurrent clients for -duration; each client
// requests /csv/streaming?<-query>, reads the body and checks it byte for
// byte against the CSV it must be (without keeping it), then asks again,
// until the deadline (no request starts after it; those in flight finish).
// It reports the completed streams, the bytes verified, the errors (goal: 0),
// p50/p99 time to first body byte, and the server's own heap growth during
// the load, read from /events for a slow tagged "observer" stream that spans
// the load. The exit status is 1 when a goal fails.
//
// -mode says which load:
//
//   - stream (200 clients by default): every client fits under the server's
//     cap (-max-runs), so any 503 is an error; heap growth goal < 32 MiB.
//   - caps (1000 clients by default): more clients than the cap. A 503 with
//     Retry-After and a one-line reason is counted as refused, not as an
//     error, and the client waits Retry-After plus a jitter before asking
//     again. Goals: 0 errors, at least one refusal, at least -max-runs
//     completed streams, heap growth < 64 MiB.
//   - both: stream, then caps, each against a server of its own; -out gets
//     both reports.
//
// For example:
//
//	go run ./load -bin bin/chunkscope -mode both -out load/results.md   # starts and stops the binary
//	go run ./load -url http://127.0.0.1:8000 -clients 20 -duration 3s
//
// It only ever talks to loopback: -url must name 127.0.0.0/8, localhost or
// [::1], and every connection it dials is checked to be loopback too. A load
// test must never be pointed at another machine by a typo.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "bin/chunkscope", "the chunkscope binary to start on a free loopback port (make build)")
	flag.StringVar(&cfg.url, "url", "", "base URL of an already running chunkscope on loopback, instead of -bin")
	flag.StringVar(&cfg.mode, "mode", streamMode, "stream (every client under the cap), caps (more clients than the cap: 503s expected) or both")
	flag.IntVar(&cfg.clients, "clients", 0, "concurrent clients, 1 … 1000 (default 200 in stream mode, 1000 in caps mode)")
	flag.IntVar(&cfg.maxRuns, "max-runs", defaultMaxRuns, "the server's cap on /csv/ responses in flight: passed to -bin, or the one the -url server runs with")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long clients start new streams (1s … 2m)")
	flag.StringVar(&cfg.query, "query", defaultQuery, "query of each /csv/streaming request (rows, delay, per, pad)")
	flag.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "longest one stream may take, headers to last byte (≤ 1m)")
	flag.StringVar(&cfg.out, "out", "", "also write the Markdown table to this file")
	flag.Parse()
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "bin" {
			cfg.binSet = true
		}
	})
	cfg.command = strings.Join(append([]string{"go run ./load"}, os.Args[1:]...), " ")
	if flag.NArg() > 0 {
		log.Fatalf("load: unexpected arguments %q (everything is a flag; see -h)", flag.Args())
	}

	// On Ctrl-C, stop the clients and still stop the server we started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		stop()
		log.Fatalf("load: %v", err)
	}
}
