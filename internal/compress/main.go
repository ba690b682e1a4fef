// Command compress writes FILE.gz (gzip -9) and FILE.br (brotli, quality 9)
// beside each FILE given, so the server can send app.wasm pre-compressed
// (make build runs it). Brotli quality 9 takes about a second for app.wasm
// and gets within 15% of quality 11, which takes 25 s.
//
//	go run ./internal/compress web/app.wasm
//
// What app.wasm.br's bytes are (Go 1.26, go-app v9.8.0, measured 2026-12-06;
// make test holds app.wasm.br to 2,000,000 bytes, make wasm-budget): a
// go-app hello world built the same way is 1,616,661 bytes of brotli — the
// Go runtime, and what go-app's package imports on every target: net/http
// (and through it crypto/tls, its elliptic curves and math/big),
// text/template, regexp, encoding/json, html's entity table. chunkscope's
// own packages add about 385 KB to it: app/ui's components (go-app's
// builder chains make long Render functions), then app/keep, app/browser,
// app/scene, app/record, app/runner and app/spec. None of it is dead: every
// exported function of app/... is called (go tool nm reads no wasm; the
// sizes come from the function bodies of a build without -s -w, named by
// its wasm name section). What was cut is the copies that inlining makes
// in code that builds the page and parses files (the Makefile's
// WASM_INLINE): 2,004,593 → 1,952,267 bytes. Brotli quality 10 would save
// another 190 KB but takes 7 times as long as quality 9 (20 s to 90 s on
// two shared cores).
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/andybalholm/brotli"
)

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: compress FILE...")
	}
	for _, name := range os.Args[1:] {
		if err := compress(name); err != nil {
			log.Fatalf("compress: %v", err)
		}
	}
}

func compress(name string) error {
	raw, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := write(zw, raw); err != nil {
		return fmt.Errorf("gzip %s: %w", name, err)
	}
	var br bytes.Buffer
	if err := write(brotli.NewWriterLevel(&br, 9), raw); err != nil {
		return fmt.Errorf("brotli %s: %w", name, err)
	}
	if err := os.WriteFile(name+".gz", gz.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(name+".br", br.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes, gzip %d, brotli %d\n", name, len(raw), gz.Len(), br.Len())
	return nil
}

func write(w io.WriteCloser, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return err
	}
	return w.Close()
}
