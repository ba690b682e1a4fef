package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
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

// The goals of the issue.
const (
	MiB           = 1 << 20
	maxHeapGrowth = 32 * MiB
)

// config is what the flags ask for.
type config struct {
	bin      string
	binSet   bool // -bin was given explicitly (it conflicts with -url)
	url      string
	clients  int
	duration time.Duration
	query    string
	timeout  time.Duration
	out      string
}

// plan is a checked config: what run does.
type plan struct {
	config
	spec spec.Spec // the parsed -query
}

func (c config) check() (plan, error) {
	p := plan{config: c}
	if c.url != "" && c.binSet {
		return p, errors.New("-bin and -url: give one (start a binary, or use a running server)")
	}
	if c.url == "" && c.bin == "" {
		return p, errors.New("-bin or -url: give one")
	}
	if c.clients < 1 || c.clients > maxClients {
		return p, fmt.Errorf("-clients %d: want 1 … %d", c.clients, maxClients)
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

// result is one stream, sent by a client to the tally.
type result struct {
	ttfb  time.Duration // request sent → first body byte
	total time.Duration // request sent → end of body
	bytes int64         // bytes that matched
	err   error         // nil: the whole body arrived and matched
}

// run checks the config, starts the server (or checks -url), runs the load
// with the observer around it, and writes the report. It returns an error
// when the load could not be measured or a goal failed, after the report.
func run(ctx context.Context, c config, stdout, stderr io.Writer) error {
	p, err := c.check()
	if err != nil {
		return err
	}
	base, target := "", ""
	if p.url != "" {
		if base, err = loopbackBase(p.url); err != nil {
			return err
		}
		target = base
	} else {
		var stop func()
		if base, stop, err = harness.StartServer(p.bin, stderr); err != nil {
			return fmt.Errorf("starting the server: %w", err)
		}
		defer stop()
		target = p.bin + " at " + base
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
		return fmt.Errorf("observer: %w", err)
	case <-time.After(15 * time.Second):
		obs.stop(0)
		return fmt.Errorf("observer: no memory sample from %s/events?run=%s within 15 s", base, id)
	case <-ctx.Done():
		obs.stop(0)
		return fmt.Errorf("interrupted before the load began: %w", ctx.Err())
	}

	log.Printf("load: %d clients for %s against %s/csv/streaming?%s", p.clients, p.duration, base, p.query)
	t, elapsed := drive(ctx, load, base+"/csv/streaming?"+p.query, p)
	mem, memErr := obs.stop(10 * time.Second)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}

	report := format(p, target, t, elapsed, mem, memErr)
	fmt.Fprint(stdout, report)
	if p.out != "" {
		if err := os.WriteFile(p.out, []byte(report), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", p.out, err)
		}
	}
	if memErr != nil {
		return fmt.Errorf("server memory: %w", memErr)
	}
	return goals(t, mem)
}

// goals says which of the goals failed, if any.
func goals(t tally, mem memSummary) error {
	var failed []string
	if t.errors > 0 {
		failed = append(failed, fmt.Sprintf("%d errors (goal: 0)", t.errors))
	}
	if t.completed == 0 {
		failed = append(failed, "no stream completed")
	}
	if g := mem.growth(); g >= maxHeapGrowth {
		failed = append(failed, fmt.Sprintf("server heap growth %s (goal: < %s)", mib(g), mib(maxHeapGrowth)))
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
// their streams. No stream starts after the deadline; those in flight
// finish (each within p.timeout). elapsed is until the last one ended.
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
	var wg sync.WaitGroup
	for range p.clients {
		wg.Go(func() {
			buf := make([]byte, 32<<10)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				results <- stream(ctx, client, url, p, buf)
			}
		})
	}
	wg.Wait()
	elapsed = time.Since(start)
	close(results)
	return <-tallied, elapsed
}

// stream requests url once and checks the response: 200, chunked, and the
// body byte for byte. buf is the client's read buffer.
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
