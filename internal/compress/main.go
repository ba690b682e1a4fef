// Command compress writes FILE.gz (gzip -9) and FILE.br (brotli, quality
// 10) beside each FILE given, so the server can send app.wasm pre-compressed
// (make build runs it). Quality 10 takes ~17 s for app.wasm where quality 9
// takes ~2 s, and saves 227 KB of a first visit's 2 MB (1,993,053 →
// 1,765,951 bytes, measured 2026-12-06): so each FILE's SHA-256 is kept in
// .FILE.sum beside the two (a dot file: //go:embed web leaves it out), and
// a FILE whose sum matches, its .gz and .br still there, is not compressed
// again (a rebuild that changed nothing in the page costs nothing).
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
// WASM_INLINE): 2,004,593 → 1,952,267 bytes at quality 9.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

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
	sum := sha256.Sum256(raw)
	if done(name, hex.EncodeToString(sum[:])) {
		fmt.Printf("%s: unchanged since it was compressed (%s)\n", name, sumFile(name))
		return nil
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
	if err := write(brotli.NewWriterLevel(&br, 10), raw); err != nil {
		return fmt.Errorf("brotli %s: %w", name, err)
	}
	if err := os.WriteFile(name+".gz", gz.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(name+".br", br.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(sumFile(name), []byte(hex.EncodeToString(sum[:])+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes, gzip %d, brotli %d\n", name, len(raw), gz.Len(), br.Len())
	return nil
}

// done reports whether name's .gz and .br are those of the content whose
// SHA-256 is sum: its .sum file says so and both are there.
func done(name, sum string) bool {
	got, err := os.ReadFile(sumFile(name))
	if err != nil || strings.TrimSpace(string(got)) != sum {
		return false
	}
	for _, ext := range []string{".gz", ".br"} {
		if fi, err := os.Stat(name + ext); err != nil || fi.Size() == 0 {
			return false
		}
	}
	return true
}

// sumFile is where name's sum is kept: .NAME.sum beside it.
func sumFile(name string) string {
	return filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+".sum")
}

func write(w io.WriteCloser, b []byte) error {
	if _, err := w.Write(b); err != nil {
		return err
	}
	return w.Close()
}
