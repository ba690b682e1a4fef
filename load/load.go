package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"chunkscope/app/spec"
	"chunkscope/internal/harness"
)

// defaultQuery makes each stream 100 groups of 20 rows, 5 ms apart: about
// 0.5 s and 226 KiB, so a client re-issues it ~20 times in 10 s and the
// server holds every client's stream open at once most of the time.
const defaultQuery = "rows=2000&delay=5ms&per=20&pad=100"

// Bounds on what one run may ask for: the load is meant to be short and
// to fit in one machine's file descriptors next to the server.
const (
	maxClients  = 1000
	minDuration = time.Second
	maxDuration = 2 * time.Minute
	maxTimeout  = time.Minute
)

// The modes: stream is every client served at once, under the server's
// cap; caps is more clients than the cap lets in, so that some are refused.
const (
	streamMode = "stream"
	capsMode   = "caps"
	bothModes  = "both" // stream, then caps, each against its own server
)

// Clients per mode when -clients is not given.
const (
	streamClients = 200
	capsClients   = 1000
)

// defaultMaxRuns is the server's own default -max-runs (server.DefaultMaxRuns,
// kept equal by a test): the cap the caps mode runs against unless told.
const defaultMaxRuns = 256

// The goals of the issue: the server's heap may not grow by this much
// during the load (peak over the baseline sample).
const (
	MiB = 1 << 20
	// maxHeapGrowth holds 200 streams in flight; measured 8.3 MiB.
	maxHeapGrowth = 32 * MiB
	// maxHeapGrowthCaps holds 1,000 open connections (each with its
	// buffers), 256 streams in flight and the refusals; measured 24.8 and
	// 25.3 MiB on 2 shared cores. The bound is about two and a half times
	// that: room for a slower machine holding more streams at once, still
	// low enough that 40 KiB more held per connection (1,000 × 40 KiB on
	// top of the 25 MiB measured) trips it.
	maxHeapGrowthCaps = 64 * MiB
	// maxRSSGrowthCaps is the same load seen from the OS: the heap, the
	// 1,300 goroutines' stacks, what the runtime has not yet returned;
	// measured 37.4 MiB twice. RSS is the looser figure (the runtime gives
	// memory back lazily), hence the wider margin. Caps mode only: the
	// stream mode's goal stays the heap.
	maxRSSGrowthCaps = 128 * MiB
)

// config is what the flags ask for.
type config struct {
	bin      string
	binSet   bool // -bin was given explicitly (it conflicts with -url)
	url      string
	mode     string
	clients  int // 0: the mode's default
	maxRuns  int // the server's -max-runs: passed to -bin, or what -url runs with
	duration time.Duration
	query    string
	timeout  time.Duration
	out      string
	command  string // the command line, for the file's header
}

// plan is a checked config for one mode: what runPlan does.
type plan struct {
	config
	spec      spec.Spec // the parsed -query
	heapBound int64     // the mode's goal for the server's heap growth
	rssBound  int64     // the mode's goal for the server's RSS growth; 0: none
}

// check checks the config and returns a plan per mode to run, in order.
func (c config) check() ([]plan, error) {
	var modes []string
	switch c.mode {
	case streamMode, capsMode:
		modes = []string{c.mode}
	case bothModes:
		modes = []string{streamMode, capsMode}
	default:
		return nil, fmt.Errorf("-mode %q: want %s, %s or %s", c.mode, streamMode, capsMode, bothModes)
	}
	var plans []plan
	for _, m := range modes {
		mc := c
		mc.mode = m
		p, err := mc.checkMode()
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	return plans, nil
}

// checkMode checks the config for the one mode it names.
func (c config) checkMode() (plan, error) {
	p := plan{config: c, heapBound: maxHeapGrowth}
	if c.url != "" && c.binSet {
		return p, errors.New("-bin and -url: give one (start a binary, or use a running server)")
	}
	if c.url == "" && c.bin == "" {
		return p, errors.New("-bin or -url: give one")
	}
	if p.clients == 0 {
		p.clients = streamClients
		if c.mode == capsMode {
			p.clients = capsClients
		}
	}
	if p.clients < 1 || p.clients > maxClients {
		return p, fmt.Errorf("-clients %d: want 1 … %d", p.clients, maxClients)
	}
	if c.maxRuns < 1 {
		return p, fmt.Errorf("-max-runs %d: want at least 1", c.maxRuns)
	}
	// The observer's stream holds one of the server's slots throughout.
	switch {
	case c.mode == streamMode && p.clients >= c.maxRuns:
		return p, fmt.Errorf("-clients %d with -max-runs %d: in %s mode every client must fit under the cap (a 503 is an error there); use -mode %s", p.clients, c.maxRuns, streamMode, capsMode)
	case c.mode == capsMode && p.clients <= c.maxRuns:
		return p, fmt.Errorf("-clients %d with -max-runs %d: %s mode needs more clients than the cap, or none is refused", p.clients, c.maxRuns, capsMode)
	}
	if c.mode == capsMode {
		p.heapBound, p.rssBound = maxHeapGrowthCaps, maxRSSGrowthCaps
	}
	if c.duration < minDuration || c.duration > maxDuration {
		return p, fmt.Errorf("-duration %s: want %s … %s", c.duration, minDuration, maxDuration)
	}
	if c.timeout < time.Second || c.timeout > maxTimeout {
		return p, fmt.Errorf("-timeout %s: want 1s … %s", c.timeout, maxTimeout)
	}
	q, err := url.ParseQuery(c.query)
	if err != nil {
		return p, fmt.Errorf("-query %q: %w", c.query, err)
	}
	if q.Has("run") {
		// Each id may be used once, and tagging every stream would make the
		// server sample for each of them: only the observer is tagged.
		return p, fmt.Errorf("-query %q: run is set by the load test itself, leave it out", c.query)
	}
	if p.spec, err = spec.Parse(q); err != nil {
		return p, fmt.Errorf("-query %q: %w", c.query, err)
	}
	if d := p.spec.TotalDelay(); d >= c.timeout {
		return p, fmt.Errorf("-query %q: its delays alone take %s, not under -timeout %s", c.query, d, c.timeout)
	}
	return p, nil
}

// result is one request, sent by a client to the tally.
type result struct {
	ttfb       time.Duration // request sent → first body byte
	total      time.Duration // request sent → end of body (or of the refusal)
	bytes      int64         // bytes that matched
	refused    bool          // caps mode: a well-formed 503, the cap at work
	retryAfter time.Duration // what the refusal asked for
	err        error         // nil: the whole body arrived and matched, or a refusal
}

// run checks the config and runs each mode it names in turn, each against
// its own server, then writes the reports. It returns an error when a load
// could not be measured or a goal failed, after the reports.
func run(ctx context.Context, c config, stdout, stderr io.Writer) error {
	plans, err := c.check()
	if err != nil {
		return err
	}
	most := 0
	for _, p := range plans {
		most = max(most, p.clients)
	}
	if _, err := raiseNoFile(fdsNeeded(most)); err != nil {
		return err
	}
	var reports strings.Builder
	reports.WriteString("# chunkscope load test\n\n")
	if c.command != "" {
		fmt.Fprintf(&reports, "Written by `%s`.\n\n", c.command)
	}
	var failed []error
	for _, p := range plans {
		report, err := runPlan(ctx, p, stderr)
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", ctx.Err())
		}
		fmt.Fprint(stdout, report)
		reports.WriteString(report)
		if err != nil {
			failed = append(failed, fmt.Errorf("%s mode: %w", p.mode, err))
		}
	}
	if c.out != "" {
		if err := os.WriteFile(c.out, []byte(reports.String()), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", c.out, err)
		}
	}
	return errors.Join(failed...)
}

// runPlan starts the server (or checks -url), runs one mode's load with the
// observer around it, and returns its report and whether it met its goals.
func runPlan(ctx context.Context, p plan, stderr io.Writer) (report string, err error) {
	base, target := "", ""
	if p.url != "" {
		if base, err = loopbackBase(p.url); err != nil {
			return "", err
		}
		target = base
	} else {
		var stop func()
		if base, stop, err = harness.StartServer(p.bin, stderr, "-max-runs", strconv.Itoa(p.maxRuns)); err != nil {
			return "", fmt.Errorf("starting the server: %w", err)
		}
		defer stop()
		target = fmt.Sprintf("%s -max-runs %d at %s", p.bin, p.maxRuns, base)
	}

	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}
	load := newClient(dialer, p.clients, 10*time.Second+p.spec.Delay)
	defer load.CloseIdleConnections()
	watch := newClient(dialer, 2, 15*time.Second)
	defer watch.CloseIdleConnections()

	id := fmt.Sprintf("load-%d", time.Now().UnixNano())
	obs := startObserver(ctx, watch, base, id)
	select {
	case <-obs.began:
	case <-obs.ended:
		_, err := obs.stop(0)
		return "", fmt.Errorf("observer: %w", err)
	case <-time.After(15 * time.Second):
		obs.stop(0)
		return "", fmt.Errorf("observer: no memory sample from %s/events?run=%s within 15 s", base, id)
	case <-ctx.Done():
		obs.stop(0)
		return "", fmt.Errorf("interrupted before the load began: %w", ctx.Err())
	}

	busy := loadAverage()
	log.Printf("load: %s mode, %d clients for %s against %s/csv/streaming?%s (-max-runs %d)", p.mode, p.clients, p.duration, base, p.query, p.maxRuns)
	t, elapsed := drive(ctx, load, base+"/csv/streaming?"+p.query, p)
	mem, memErr := obs.stop(10 * time.Second)
	if ctx.Err() != nil {
		return "", fmt.Errorf("interrupted: %w", ctx.Err())
	}
	report = format(p, target+busy, t, elapsed, mem, memErr)
	if memErr != nil {
		return report, fmt.Errorf("server memory: %w", memErr)
	}
	return report, goals(p, t, mem)
}

// loadAverage is ", load average N as the load began" from /proc/loadavg,
// or "" where there is none: the machine's cores may be shared, and its
// figures only mean something next to how busy it was.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return "; load average " + f[0] + " as the load began"
	}
	return ""
}

// goals says which of the goals failed, if any.
func goals(p plan, t tally, mem memSummary) error {
	var failed []string
	if t.errors > 0 {
		failed = append(failed, fmt.Sprintf("%d errors (goal: 0)", t.errors))
	}
	if t.completed == 0 {
		failed = append(failed, "no stream completed")
	}
	if p.mode == capsMode {
		if t.refused == 0 {
			failed = append(failed, fmt.Sprintf("no client was refused at the cap (-max-runs %d, %d clients)", p.maxRuns, p.clients))
		}
		if t.completed < p.maxRuns {
			failed = append(failed, fmt.Sprintf("%d streams completed (goal: at least the cap, %d)", t.completed, p.maxRuns))
		}
	}
	if g := mem.growth(); g >= p.heapBound {
		failed = append(failed, fmt.Sprintf("server heap growth %s (goal: < %s)", mib(g), mib(p.heapBound)))
	}
	if g := mem.rssGrowth(); p.rssBound > 0 && g >= p.rssBound {
		failed = append(failed, fmt.Sprintf("server RSS growth %s (goal: < %s)", mib(g), mib(p.rssBound)))
	}
	if len(failed) > 0 {
		return fmt.Errorf("goal failed: %s", strings.Join(failed, "; "))
	}
	return nil
}

// newClient is an HTTP/1.1 client for loopback only, with a connection per
// concurrent request so that no client waits for another's connection: the
// TTFB must be the server's, not the pool's.
func newClient(dialer *net.Dialer, conns int, headerTimeout time.Duration) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil, // never through a proxy: loopback, direct
			DialContext:           dialer.DialContext,
			MaxIdleConns:          conns,
			MaxIdleConnsPerHost:   conns,
			MaxConnsPerHost:       conns,
			IdleConnTimeout:       30 * time.Second,
			ResponseHeaderTimeout: headerTimeout,
			// The body must arrive as the server wrote it, not decoded.
			DisableCompression: true,
		},
		// A redirect is not what the endpoint does: report it, don't follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// drive runs p.clients clients until p.duration has passed and tallies
// their requests. No request starts after the deadline; those in flight
// finish (each within p.timeout). A refused client waits as the refusal
// asked (backoff), never past the deadline. elapsed is until the last
// client stopped.
func drive(ctx context.Context, client *http.Client, url string, p plan) (t tally, elapsed time.Duration) {
	results := make(chan result, p.clients)
	tallied := make(chan tally)
	go func() {
		var t tally
		for r := range results {
			t.add(r)
		}
		tallied <- t
	}()

	start := time.Now()
	deadline := start.Add(p.duration)
	var served atomic.Int64 // clients with at least one completed stream
	var wg sync.WaitGroup
	for range p.clients {
		wg.Go(func() {
			buf := make([]byte, 32<<10)
			completed := 0
			for ctx.Err() == nil && time.Now().Before(deadline) {
				r := stream(ctx, client, url, p, buf)
				results <- r
				switch {
				case r.refused:
					wait(ctx, min(backoff(r.retryAfter, rand.Float64()), time.Until(deadline)))
				case r.err == nil:
					completed++
				}
			}
			if completed > 0 {
				served.Add(1)
			}
		})
	}
	wg.Wait()
	elapsed = time.Since(start)
	close(results)
	t = <-tallied
	t.served = int(served.Load())
	return t, elapsed
}

// wait sleeps for d, or until ctx ends.
func wait(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
}

// stream requests url once and checks the response: 200, chunked, and the
// body byte for byte; in caps mode a 503 may instead be a refusal (see
// refusal). buf is the client's read buffer.
func stream(ctx context.Context, client *http.Client, url string, p plan, buf []byte) result {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return result{err: fmt.Errorf("building the request: %w", err)}
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return result{err: fmt.Errorf("request: %w", err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusServiceUnavailable && p.mode == capsMode {
		after, err := refusal(resp, time.Now())
		return result{refused: err == nil, retryAfter: after, total: time.Since(start), err: err}
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return result{err: fmt.Errorf("status %s: %s", resp.Status, strings.TrimSpace(string(b)))}
	}
	if !slices.Contains(resp.TransferEncoding, "chunked") {
		return result{err: fmt.Errorf("not streamed: Transfer-Encoding %q, Content-Length %d", resp.TransferEncoding, resp.ContentLength)}
	}
	chk := newBodyChecker(p.spec.Rows, p.spec.Pad)
	r := result{}
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if r.ttfb == 0 {
				r.ttfb = time.Since(start)
			}
			if _, werr := chk.Write(buf[:n]); werr != nil {
				r.bytes, r.err = chk.Bytes(), fmt.Errorf("body: %w", werr)
				return r
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			r.bytes, r.err = chk.Bytes(), fmt.Errorf("reading the body after %d bytes: %w", chk.Bytes(), err)
			return r
		}
	}
	r.bytes, r.total, r.err = chk.Bytes(), time.Since(start), chk.Finish()
	return r
}
