// Command nginxrun runs nginx on loopback in front of a chunkscope server,
// with the configuration internal/nginx generates, until Ctrl-C (make nginx).
// It knows no server's secret, so what it carries counts as 127.0.0.1's
// own (chunkscope -nginx starts one that names its clients).
//
//	go run ./internal/nginx/nginxrun -listen 127.0.0.1:8081 -upstream 127.0.0.1:8000
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"chunkscope/internal/nginx"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "where nginx listens (loopback)")
	upstream := flag.String("upstream", "127.0.0.1:8000", "the chunkscope server (loopback)")
	flag.Parse()
	dir, err := os.MkdirTemp("", "chunkscope-nginx-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	p, err := nginx.Launch(nginx.Config{Listen: *listen, Upstream: *upstream, Dir: dir, Log: os.Stderr})
	if err != nil {
		log.Fatalf("nginxrun: %v", err)
	}
	fmt.Printf("nginx: listening on http://%s/ in front of %s (pid %d)\n", *listen, *upstream, p.PID)
	fmt.Printf("  http://%s/buffering-on/csv/streaming?rows=20&delay=100ms\n  http://%s/buffering-off/csv/streaming?rows=20&delay=100ms\n  http://%s/gzip/csv/streaming?rows=20&delay=100ms\n", *listen, *listen, *listen)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	p.Stop()
}
