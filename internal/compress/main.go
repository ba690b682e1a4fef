// Command compress writes FILE.gz (gzip -9) and FILE.br (brotli, quality 9)
// beside each FILE given, so the server can send app.wasm pre-compressed
// (make build runs it). Brotli quality 9 takes about a second for app.wasm
// and gets within 15% of quality 11, which takes 25 s.
//
//	go run ./internal/compress web/app.wasm
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
