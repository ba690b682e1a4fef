//go:build !(js && wasm)

// Command chunkscope serves the chunkscope page and the endpoints it
// measures. Run it with make run; -addr chooses where it listens
// (127.0.0.1:8000 by default: opening it wider is a deliberate choice).
//
// chunkscope probe [-http1.0 | -http1.1 | -http2] [-insecure | -cacert FILE] [-head] [-json] [-o FILE]
// [-H 'Name: value'] [-timeout D] URL prints what one request looks like on the wire, read by read: the
// framing and its timing, over TLS too.
package main

import (
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"chunkscope/app/spec"
	"chunkscope/internal/nginx"
	"chunkscope/server"
	"chunkscope/server/probe"
)

// web holds the page's files, app.wasm included, so the binary needs
// nothing beside it and nothing from the internet.
//
//go:embed web
var web embed.FS

func main() {
	// chunkscope probe [flags] URL: the raw wire view.
	if len(os.Args) > 1 && os.Args[1] == "probe" {
		os.Exit(probe.Main(os.Args[2:], os.Stdout, os.Stderr))
	}
	addr := flag.String("addr", "127.0.0.1:8000", "host:port to listen on (loopback by default: opening it wider is a deliberate choice)")
	shutdownGrace := flag.Duration("shutdown-grace", 5*time.Second, "on SIGINT/SIGTERM, how long running streams get to finish")
	var cfg server.Config
	lim := spec.DefaultLimits()
	flag.IntVar(&lim.Rows, "max-rows", lim.Rows, "most rows one request may ask for (at most the default)")
	flag.Int64Var(&lim.BodyBytes, "max-body", lim.BodyBytes, "largest body in bytes one request may ask for (at most the default)")
	flag.DurationVar(&lim.TotalDelay, "max-total-delay", lim.TotalDelay, "longest total delay one request may ask for (at most the default)")
	flag.IntVar(&cfg.MaxRuns, "max-runs", server.DefaultMaxRuns, "most measured responses (/csv/, /proxy/, /upstream, /wire) in flight, and as many event streams and files; beyond it: 503 with Retry-After")
	flag.Int64Var(&cfg.BufferBudget, "buffer-budget", server.DefaultBufferBudget, "bytes that responses in flight may hold in memory together (buffered bodies, TimeoutHandler's buffer, compressed copies), counted as they are held; beyond it: 413")
	flag.Int64Var(&cfg.BufferPerClient, "buffer-per-client", 0, "bytes of -buffer-budget that one client address's responses may hold together; beyond it: 413 (0: a quarter of -buffer-budget when clients are capped, i.e. -addr beyond loopback or -max-per-client given; else all of it)")
	flag.DurationVar(&cfg.MaxStream, "max-stream", server.DefaultMaxStream, "longest any one response may take (streams, event streams, files), slow readers included")
	perClient := flag.Int("max-per-client", server.DefaultMaxPerClient, "most lasting responses (streams, event streams, files) one client may have in flight, when -addr is not loopback (0: no cap); on loopback only if given. A client is an IPv4 address or an IPv6 /64; behind -nginx, the client nginx serves")
	flag.BoolVar(&cfg.UpstreamTLS.Insecure, "upstream-insecure", false, "read https:// upstreams whatever their certificate (self-signed, expired, another name), the hop and the wire probe alike; for a dev server only")
	flag.Func("upstream-cacert", "also trust, for https:// upstreams, the certificates in this PEM `FILE` (a dev CA, or a server's self-signed certificate)", func(v string) error {
		roots, err := probe.LoadRoots(v)
		cfg.UpstreamTLS.Roots = roots
		return err
	})
	flag.Func("upstream", "an origin (http://host:port or https://host:port) that /wire and /upstream may reach, or every port of a host (http://127.0.0.1:*) but this server's own; repeatable", func(v string) error {
		origin, err := server.ParseUpstream(v)
		if err == nil {
			cfg.Upstreams = append(cfg.Upstreams, origin)
		}
		return err
	})
	flag.Func("host", "a name (or address) this server answers to in a request's Host, beyond localhost, loopback addresses and the address it listens on; repeatable. Any other Host gets 421 (against DNS rebinding)", func(v string) error {
		name, err := server.ParseHost(v)
		if err == nil {
			cfg.Hosts = append(cfg.Hosts, name)
		}
		return err
	})
	withNginx := false
	flag.BoolFunc("nginx", "start Debian's nginx on a free loopback port in front of this server (it never writes a response to disk, and dies with this server, even on kill -9), allow it as an upstream and offer its proxy_buffering on/off locations as hops; without nginx installed the server starts anyway and says so", func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want -nginx alone (or -nginx=false)")
		}
		withNginx = b
		return nil
	})
	// A wrong flag is one line, not the whole usage (-help prints that).
	flag.CommandLine.Init(os.Args[0], flag.ContinueOnError)
	flag.CommandLine.SetOutput(io.Discard)
	if err := flag.CommandLine.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			flag.CommandLine.SetOutput(os.Stderr)
			flag.Usage()
			os.Exit(0)
		}
		fmt.Fprintf(os.Stderr, "chunkscope: %v (see -help)\n", err)
		os.Exit(2)
	}
	if flag.NArg() > 0 {
		log.Fatalf("chunkscope: unexpected argument %q (flags only; see -help)", flag.Arg(0))
	}
	if cfg.UpstreamTLS.Insecure && cfg.UpstreamTLS.Roots != nil {
		fmt.Fprintln(os.Stderr, "chunkscope: -upstream-insecure and -upstream-cacert exclude each other: -upstream-cacert checks the certificate, -upstream-insecure does not")
		os.Exit(2)
	}
	cfg.Limits = lim
	cfg.MaxPerClient = *perClient
	perClientGiven := false
	flag.Visit(func(f *flag.Flag) { perClientGiven = perClientGiven || f.Name == "max-per-client" })
	if err := run(*addr, *shutdownGrace, cfg, perClientGiven, withNginx); err != nil {
		log.Fatalf("chunkscope: %v", err)
	}
}

func run(addr string, grace time.Duration, cfg server.Config, perClientGiven, withNginx bool) error {
	files, err := fs.Sub(web, "web")
	if err != nil {
		return fmt.Errorf("opening embedded web/: %w", err)
	}
	cfg.Web = files
	cfg.CheckHost = true
	cfg.ForwardSecret = server.NewSecret()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	defer ln.Close()
	cfg.Listen = ln.Addr()
	for _, u := range cfg.Upstreams {
		if server.IsSelf(ln.Addr(), u) {
			return fmt.Errorf("-upstream %s is this server's own listener (%s): a URL chained through it would take every slot; name another server", u, ln.Addr())
		}
	}
	if withNginx {
		stop, err := frontNginx(ln.Addr(), &cfg)
		if err != nil {
			return err
		}
		defer stop()
	} else if !nginx.Installed() {
		cfg.Nginx.Problem = "not installed (apt-get install nginx)"
	}
	// Every client on loopback is the speaker's own; beyond it, an
	// audience shares the slots, and one address may not take them all.
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && tcp.IP.IsLoopback() && !perClientGiven {
		cfg.MaxPerClient = 0
	}
	h, err := server.New(cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		Protocols:         server.Protocols(),
		ConnState:         h.ConnState, // a response has left: collect what it left
		// No WriteTimeout: it would cut long streams, which are the point.
	}
	// Tests and scripts read this line to find the port (-addr with :0).
	fmt.Printf("chunkscope: listening on http://%s/\n", ln.Addr())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Printf("chunkscope: shutting down, giving running streams %s", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		if !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("shutting down: %w", err)
		}
	}
	return nil
}

// frontNginx starts nginx in front of the server listening at addr (-nginx)
// and allows it as an upstream; missing nginx is not an error: the page's
// hop list says "nginx: not installed". It returns how to stop nginx.
func frontNginx(addr net.Addr, cfg *server.Config) (stop func(), err error) {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !(tcp.IP.IsLoopback() || tcp.IP.IsUnspecified()) {
		return nil, fmt.Errorf("-nginx: nginx reaches this server on loopback, but it listens on %s only; listen on loopback or on every address", addr)
	}
	host := "127.0.0.1" // listening on every address: loopback's among them
	if tcp.IP.IsLoopback() {
		host = tcp.IP.String() // ::1 when that is the one
	}
	origin, p, err := nginx.Front(net.JoinHostPort(host, strconv.Itoa(tcp.Port)), cfg.ForwardSecret, os.Stderr)
	switch {
	case errors.Is(err, nginx.ErrNotInstalled):
		log.Printf("chunkscope: -nginx: %v; serving without it", err)
		cfg.Nginx.Problem = "not installed (apt-get install nginx)"
		return func() {}, nil
	case err != nil:
		return nil, fmt.Errorf("-nginx: %w", err)
	}
	cfg.Nginx = server.Nginx{Origin: origin, Locations: []string{"/stock/", "/buffering-on/", "/buffering-off/"}}
	cfg.Upstreams = append(cfg.Upstreams, origin)
	fmt.Printf("chunkscope: nginx in front on %s/ (/buffering-on/, /buffering-off/, /gzip/), pid %d\n", origin, p.PID)
	return p.Stop, nil
}
