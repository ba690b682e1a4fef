package main

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
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
// the median of the ratios. Beside it, the same pairs between the bare
// handler and a second copy of it: what the method can resolve on this
// machine, where one read of the same body takes 0.7× to 1.4× the time of
// the next (a shared, virtual machine).
func bareTable(b *strings.Builder, base string, runs int) error {
	bare, stop, err := startBare()
	if err != nil {
		return err
	}
	defer stop()
	twin, stopTwin, err := startBare()
	if err != nil {
		return err
	}
	defer stopTwin()
	pairs := 8 * runs // the ratio of two noisy figures needs many pairs
	fmt.Fprintf(b, "## Streaming beside a bare net/http handler\n\n")
	fmt.Fprintf(b, "The same CSV with the same flushes, from chunkscope's `/csv/streaming` and from the plainest handler (`bench/bare.go`, its own process), read by curl on loopback, one after the other, %d pairs, alternately chunkscope first and bare first, each read after a `/clock` (which waits for chunkscope's collection of the response before). Ratio = chunkscope ÷ bare throughput (goal ≥ 0.95). The control, **bare ÷ bare**, is the same pairs between the bare handler and a second process of it: two identical handlers, so its distance from 1.00 is what this method cannot resolve on this machine.\n\n", pairs)
	fmt.Fprintf(b, "| shape | body | chunkscope | bare | **ratio** (median) | middle half, all | control: bare ÷ bare (median; middle half) |\n|---|---|---|---|---|---|---|\n")
	for _, shape := range []struct{ name, query string }{
		{"64 KiB groups", bodyQuery(256 * MiB)},
		{"one row per flush", "rows=50000&per=1"},
	} {
		ours, theirs, ratios, size, err := readPairs(base, base+"/csv/streaming?"+shape.query, bare+"/?"+shape.query, pairs)
		if err != nil {
			return err
		}
		_, _, control, _, err := readPairs(base, twin+"/?"+shape.query, bare+"/?"+shape.query, pairs)
		if err != nil {
			return err
		}
		log.Printf("bare: %s done", shape.name)
		fmt.Fprintf(b, "| %s (`%s`) | %d B | %.0f MB/s | %.0f MB/s | **%.2f** | %.2f–%.2f, %.2f–%.2f | %.2f; %.2f–%.2f |\n", shape.name, shape.query, size,
			1000*median(ours), 1000*median(theirs), median(ratios),
			percentile(ratios, 25), percentile(ratios, 75), slices.Min(ratios), slices.Max(ratios),
			median(control), percentile(control, 25), percentile(control, 75))
	}
	fmt.Fprintln(b)
	return nil
}

// readPairs reads a and z with curl n times each, in pairs, alternately a
// first and z first, each read after /clock on base (so that neither meets
// chunkscope's collection of the response before, which follows every
// /csv/ response, and neither always comes second). It returns each one's
// throughput (GB/s) and the ratio a ÷ z of each pair.
func readPairs(base, a, z string, n int) (ga, gz, ratios []float64, size int64, err error) {
	read := func(url string) (curlResult, error) {
		if err := untilTidy(base); err != nil {
			return curlResult{}, err
		}
		return curl(url)
	}
	for i := 0; i < n; i++ {
		var ra, rz curlResult
		if i%2 == 0 {
			if ra, err = read(a); err == nil {
				rz, err = read(z)
			}
		} else if rz, err = read(z); err == nil {
			ra, err = read(a)
		}
		if err != nil {
			return nil, nil, nil, 0, err
		}
		if ra.bytes != rz.bytes {
			return nil, nil, nil, 0, fmt.Errorf("%s sent %d bytes, %s %d", a, ra.bytes, z, rz.bytes)
		}
		size = ra.bytes
		x, y := gbps(ra.bytes, ra.total), gbps(rz.bytes, rz.total)
		ga, gz, ratios = append(ga, x), append(gz, y), append(ratios, x/y)
	}
	return ga, gz, ratios, size, nil
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
