package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// The bare handler is what chunkscope's /csv/streaming is compared with: the
// same CSV, the same flushes, written by the plainest net/http handler one
// could write, with none of chunkscope's apparatus (caps, deadlines, the
// spec parser, the producer's pieces, the memory sampler). It runs in a
// process of its own, as chunkscope does, so neither shares curl's process.

// bareServe serves the bare handler on a loopback port and prints the
// address the way chunkscope does, so the harness's reader finds it.
func bareServe() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("chunkscope: listening on http://%s/\n", ln.Addr())
	log.Fatal(http.Serve(ln, http.HandlerFunc(bareCSV)))
}

// bareCSV writes rows of the seed's CSV, per rows to a group, one Write and
// one Flush per group.
func bareCSV(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rows, _ := strconv.Atoi(q.Get("rows"))
	per, _ := strconv.Atoi(q.Get("per"))
	pad, _ := strconv.Atoi(q.Get("pad"))
	per = max(per, 1)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	prefix := "Hello,world" + strings.Repeat(".", pad) + ","
	buf := []byte("One,Two,Three\n")
	for row := 1; row <= rows; row++ {
		buf = append(buf, prefix...)
		buf = strconv.AppendInt(buf, int64(row), 10)
		buf = append(buf, '\n')
		if row%per == 0 || row == rows {
			w.Write(buf)
			w.(http.Flusher).Flush()
			buf = buf[:0]
		}
	}
}

// startBare starts this bench binary again as the bare server.
func startBare() (base string, stop func(), err error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command(self, "-bare-serve")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() { cmd.Process.Kill(); cmd.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, fmt.Errorf("bare server: %w", err)
	}
	base = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(line), "chunkscope: listening on "), "/")
	return base, stop, nil
}

// bareTable compares chunkscope's /csv/streaming with the bare handler,
// read by curl, run after run side by side: the ratio of each pair, and
// the median of the ratios.
func bareTable(b *strings.Builder, base string, runs int) error {
	bare, stop, err := startBare()
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(b, "## Streaming beside a bare net/http handler\n\n")
	fmt.Fprintf(b, "The same CSV with the same flushes, from chunkscope's `/csv/streaming` and from the plainest handler (`bench/bare.go`, its own process), read by curl on loopback, one after the other, %d pairs, alternately chunkscope first and bare first, each read after a `/clock` (which waits for chunkscope's collection of the response before). Ratio = chunkscope ÷ bare throughput (goal ≥ 0.95).\n\n", 2*runs)
	fmt.Fprintf(b, "| shape | body | chunkscope | bare | ratio (median) | ratios |\n|---|---|---|---|---|---|\n")
	pairs := 2 * runs // the ratio of two noisy figures needs more pairs
	for _, shape := range []struct{ name, query string }{
		{"64 KiB groups", bodyQuery(256 * MiB)},
		{"one row per flush", "rows=300000&per=1"},
	} {
		var ours, theirs, ratios []float64
		var size int64
		for i := 0; i < pairs; i++ {
			// Each read after /clock, so that neither meets chunkscope's
			// collection of the response before (it follows every /csv/
			// response), and in alternate order, so that neither always
			// comes second.
			read := func(url string) (curlResult, error) {
				if err := untilTidy(base); err != nil {
					return curlResult{}, err
				}
				return curl(url)
			}
			var a, z curlResult
			if i%2 == 0 {
				if a, err = read(base + "/csv/streaming?" + shape.query); err == nil {
					z, err = read(bare + "/?" + shape.query)
				}
			} else if z, err = read(bare + "/?" + shape.query); err == nil {
				a, err = read(base + "/csv/streaming?" + shape.query)
			}
			if err != nil {
				return err
			}
			if a.bytes != z.bytes {
				return fmt.Errorf("bare handler: %d bytes for %s; chunkscope sent %d", z.bytes, shape.query, a.bytes)
			}
			size = a.bytes
			ga, gz := gbps(a.bytes, a.total), gbps(z.bytes, z.total)
			ours, theirs, ratios = append(ours, ga), append(theirs, gz), append(ratios, ga/gz)
		}
		log.Printf("bare: %s done", shape.name)
		fmt.Fprintf(b, "| %s (`%s`) | %d B | %.0f MB/s | %.0f MB/s | **%.2f** | %s |\n", shape.name, shape.query, size,
			1000*median(ours), 1000*median(theirs), median(ratios), fmtList(ratios))
	}
	fmt.Fprintln(b)
	return nil
}

// untilTidy calls /clock, as the page does before every run: it answers
// once the server has collected what the run before left, so the next
// measured request finds nothing of ours in its way.
func untilTidy(base string) error {
	resp, err := http.Get(base + "/clock")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("/clock: %s", resp.Status)
	}
	return nil
}
