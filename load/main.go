// Command load is a bounded load test of chunkscope's streaming endpoint on
// loopback. It runs -clients concurrent clients for -duration; each client
// requests /csv/streaming?<-query>, reads the body and checks it byte for
// byte against the CSV it must be (without keeping it), then asks again,
// until the deadline (no request starts after it; those in flight finish).
// It reports the completed streams, the bytes verified, the errors (goal: 0),
// p50/p99 time to first body byte, and the server's own heap growth during
// the load (goal: < 32 MiB), read from /events for a slow tagged "observer"
// stream that spans the load. The exit status is 1 when a goal fails.
//
//	go run ./load -bin bin/chunkscope -out load/results.md   # starts and stops the binary
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
	"syscall"
	"time"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.bin, "bin", "bin/chunkscope", "the chunkscope binary to start on a free loopback port (make build)")
	flag.StringVar(&cfg.url, "url", "", "base URL of an already running chunkscope on loopback, instead of -bin")
	flag.IntVar(&cfg.clients, "clients", 200, "concurrent streaming clients (1 … 1000)")
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
