// Command bench measures what issue #3 asks of chunkscope and prints a
// Markdown table (and writes it to -out): server memory, TTFB and
// throughput for bodies of 1 MiB to 1 GiB read by curl, then, in Chromium,
// client memory and the Go-wasm reader's throughput against a plain
// JavaScript reader loop on the same 256 MiB body, and the cost of a live
// chart frame at 1,000 to 100,000 chunks. Every figure is a median of
// several runs taken side by side in one run of this command: machines here
// are noisy, so compare within a table, not across tables.
//
//	go run ./bench -bin bin/chunkscope -chrome /usr/bin/chromium -out bench/results.md
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
	"chunkscope/app/wire"
	"chunkscope/internal/harness"
	"chunkscope/internal/sse"
)

const MiB = 1 << 20

func main() {
	bin := flag.String("bin", "bin/chunkscope", "the chunkscope binary (make build)")
	chrome := flag.String("chrome", "/usr/bin/chromium", "Chromium")
	out := flag.String("out", "bench/results.md", "where to write the table too (empty: stdout only)")
	runs := flag.Int("runs", 5, "runs per figure (3 for 1 GiB)")
	serveBare := flag.Bool("bare-serve", false, "serve the bare handler (bench/bare.go) and nothing else; the bench starts itself so")
	only := flag.String("only", "", "run only these tables, comma-separated: server, bare, browser, fidelity, cpu, frame, load (default: all)")
	flag.Parse()
	if *serveBare {
		bareServe()
		return
	}
	tables = *only
	if err := run(*bin, *chrome, *out, *runs); err != nil {
		log.Fatalf("bench: %v", err)
	}
}

// tables is -only: the tables to run, or "" for all.
var tables string

func want(table string) bool {
	return tables == "" || slices.Contains(strings.Split(tables, ","), table)
}

func run(bin, chrome, out string, runs int) error {
	if runs < 1 {
		return fmt.Errorf("-runs %d: want at least 1", runs)
	}
	if _, err := exec.LookPath("curl"); err != nil {
		return fmt.Errorf("curl is missing: apt-get install -y curl")
	}
	base, stop, err := harness.StartServer(bin, os.Stderr)
	if err != nil {
		return err
	}
	defer stop()

	var b strings.Builder
	fmt.Fprintf(&b, "# chunkscope bench\n\n%s, %d cores, %s, `go run ./bench -runs %d` (make bench). Medians of %d runs (3 for 1 GiB).\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), runtime.Version(), runs, runs)

	log.Printf("server: curl against %s", base)
	if want("server") {
		if err := serverTable(&b, base, runs); err != nil {
			return err
		}
	}
	if want("bare") {
		if err := bareTable(&b, base, runs); err != nil {
			return err
		}
	}
	browser, cancel, err := harness.StartBrowser(chrome)
	if err != nil {
		return err
	}
	defer cancel()
	log.Printf("browser: %s", chrome)
	if want("browser") {
		if err := browserTable(&b, browser, base, runs); err != nil {
			return err
		}
	}
	if want("fidelity") {
		if err := fidelityTable(&b, browser, base, runs); err != nil {
			return err
		}
	}
	if want("cpu") {
		if err := cpuTable(&b, browser, base, bin, runs); err != nil {
			return err
		}
	}
	if want("frame") {
		if err := frameTable(&b, browser, base); err != nil {
			return err
		}
	}
	if want("load") {
		if err := loadTable(&b, browser, base, runs); err != nil {
			return err
		}
	}
	fmt.Print(b.String())
	if out != "" {
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", out, err)
		}
	}
	return nil
}

// bodyQuery asks for about size bytes in rows of about 1 KiB, flushed
// 64 rows (64 KiB) at a time: large groups, the fast case.
func bodyQuery(size int64) string {
	return fmt.Sprintf("rows=%d&pad=1005&per=64", size/1024)
}

type curlResult struct {
	ttfb, total float64 // s
	bytes       int64
}

func curl(url string) (curlResult, error) {
	out, err := exec.Command("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{time_starttransfer} %{time_total} %{size_download}", url).Output()
	if err != nil {
		return curlResult{}, fmt.Errorf("curl %s: %w", url, err)
	}
	f := strings.Fields(string(out))
	if len(f) != 4 || f[0] != "200" {
		return curlResult{}, fmt.Errorf("curl %s: %q", url, out)
	}
	var r curlResult
	r.ttfb, _ = strconv.ParseFloat(f[1], 64)
	r.total, _ = strconv.ParseFloat(f[2], 64)
	r.bytes, _ = strconv.ParseInt(f[3], 10, 64)
	return r, nil
}

// serverGrowth reads the run's samples from /events and returns the peak
// heap growth over its first sample.
func serverGrowth(base, id string) (int64, error) {
	resp, err := http.Get(base + "/events?run=" + id)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return 0, fmt.Errorf("events %s: %d %s", id, resp.StatusCode, b)
	}
	var samples []wire.Sample
	err = sse.Read(resp.Body, func(event, data string) (bool, error) {
		if event != "sample" {
			return event != "end", nil
		}
		var s wire.Sample
		samples = append(samples, s)
		return true, json.Unmarshal([]byte(data), &samples[len(samples)-1])
	})
	if err != nil {
		return 0, fmt.Errorf("events %s: %w", id, err)
	}
	if len(samples) == 0 {
		return 0, fmt.Errorf("events %s: no samples", id)
	}
	return record.PeakGrowth(samples), nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func fmtList(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, ", ")
}

func mib(n float64) string { return fmt.Sprintf("%.2f MiB", n/MiB) }
func ms(s float64) string  { return fmt.Sprintf("%.1f ms", s*1000) }
func gbps(bytes int64, s float64) float64 {
	if s <= 0 {
		return 0
	}
	return float64(bytes) / s / 1e9
}

func serverTable(b *strings.Builder, base string, runs int) error {
	fmt.Fprintf(b, "## Server, read by curl on loopback\n\n")
	fmt.Fprintf(b, "Bodies of ~1 KiB rows (`pad=1005`), 64 rows per group (`per=64`, 64 KiB flushes), no delay. Peak heap growth is from the server's own samples (`/events`), over the heap when the request arrived. Before each request the bench calls `/clock`, as the page does before every run: it answers once the server has collected what the run before left.\n\n")
	fmt.Fprintf(b, "| body | heap growth buffered | heap growth streaming | TTFB buffered | TTFB streaming | throughput streaming | throughput buffered |\n|---|---|---|---|---|---|---|\n")
	seq := 0
	for _, size := range []int64{1 * MiB, 16 * MiB, 256 * MiB, 1024 * MiB} {
		n := runs
		if size >= 1024*MiB {
			n = min(runs, 3)
		}
		var growth, ttfb, tput [2][]float64 // [buffered, streaming]
		var bodyBytes int64
		for i := 0; i < n; i++ {
			for k, scenario := range []string{"buffered", "streaming"} {
				seq++
				id := fmt.Sprintf("bench-%d-%d", time.Now().UnixNano(), seq)
				if err := untilTidy(base); err != nil {
					return err
				}
				r, err := curl(base + "/csv/" + scenario + "?" + bodyQuery(size) + "&run=" + id)
				if err != nil {
					return err
				}
				g, err := serverGrowth(base, id)
				if err != nil {
					return err
				}
				bodyBytes = r.bytes
				growth[k] = append(growth[k], float64(g))
				ttfb[k] = append(ttfb[k], r.ttfb)
				tput[k] = append(tput[k], gbps(r.bytes, r.total))
			}
		}
		log.Printf("server: %s done", mib(float64(size)))
		fmt.Fprintf(b, "| %s (%d B) | %s | %s | %s | %s | %.2f GB/s | %.2f GB/s |\n", mib(float64(size)), bodyBytes,
			mib(median(growth[0])), mib(median(growth[1])), ms(median(ttfb[0])), ms(median(ttfb[1])), median(tput[1]), median(tput[0]))
	}
	fmt.Fprintln(b)
	return nil
}

// jsReader is a plain JavaScript reader loop: the baseline the page's
// reader is compared with, on the same body in the same browser.
const jsReader = `(async () => {
  const t0 = performance.now();
  const resp = await fetch(%q, {cache: "no-store"});
  const reader = resp.body.getReader();
  let n = 0, reads = 0, first = 0;
  for (;;) {
    const {done, value} = await reader.read();
    if (done) break;
    if (reads === 0) first = performance.now() - t0;
    n += value.byteLength;
    reads++;
  }
  return JSON.stringify({ms: performance.now() - t0, first, n, reads});
})()`

func browserTable(b *strings.Builder, browser context.Context, base string, runs int) error {
	const size = 256 * MiB
	q := bodyQuery(size)
	// Both readers in one tab, the page open and warm: Run is pressed as a
	// person would, and the plain loop is evaluated in the same page.
	stream, closeStream, err := openPage(browser, base+"/?scenario=streaming&read=stream&"+q)
	if err != nil {
		return err
	}
	defer closeStream()
	var goTput, jsTput, ratios, streamGrowth, bufferGrowth, bufferTput, goReads, jsReads []float64
	// Pairs taken side by side, alternately page first and loop first (so
	// neither always follows the other's garbage), the first one discarded
	// as a warm-up: 2×runs pairs kept.
	pairs, n := 2*runs+1, 0
	for i := 0; i < pairs; i++ {
		var g, j float64
		var gReads, jReads int
		for k := 0; k < 2; k++ {
			if (k == 0) == (i%2 == 0) {
				n++
				r, err := clickRun(stream, n, false)
				if err != nil {
					return err
				}
				// From the first byte to the end: the reader's own speed,
				// without the time to first byte that both share.
				g, gReads = float64(r.Bytes)/((r.TotalMs-r.TTFBMs)/1000)/1e6, len(r.Chunks)
				if i > 0 {
					streamGrowth = append(streamGrowth, float64(r.ClientPeakGrowth))
				}
				continue
			}
			// Tagged like the page's runs, so the server does the same work.
			url := fmt.Sprintf("/csv/streaming?%s&run=benchjs-%d-%d", q, time.Now().UnixNano(), i)
			if err := untilTidy(base); err != nil {
				return err
			}
			raw, err := chromedp.Run(stream, chromedp.Evaluate[string](fmt.Sprintf(jsReader, url), chromedp.EvalAwaitPromise))
			if err != nil {
				return fmt.Errorf("plain JS reader: %w", err)
			}
			var js struct {
				Ms, First float64
				N         int64
				Reads     int
			}
			if err := json.Unmarshal([]byte(raw), &js); err != nil {
				return fmt.Errorf("plain JS reader %q: %w", raw, err)
			}
			j, jReads = float64(js.N)/((js.Ms-js.First)/1000)/1e6, js.Reads
		}
		if i == 0 {
			continue // the warm-up pair
		}
		goTput, jsTput, ratios = append(goTput, g), append(jsTput, j), append(ratios, g/j)
		goReads, jsReads = append(goReads, float64(gReads)), append(jsReads, float64(jReads))
		log.Printf("browser: pair %d of %d", i, pairs-1)
	}
	buffer, closeBuffer, err := openPage(browser, base+"/?scenario=streaming&read=buffer&"+q)
	if err != nil {
		return err
	}
	defer closeBuffer()
	for i := 0; i < runs; i++ {
		r, err := clickRun(buffer, i+1, false)
		if err != nil {
			return err
		}
		bufferTput = append(bufferTput, float64(r.Bytes)/((r.TotalMs-r.TTFBMs)/1000)/1e6)
		bufferGrowth = append(bufferGrowth, float64(r.ClientPeakGrowth))
	}
	fmt.Fprintf(b, "## Browser (Chromium, headless), a 256 MiB streamed body\n\n")
	fmt.Fprintf(b, "Throughput is bytes over the time from the first byte to the end of the body: the reader's own speed. The page's reader is what every run uses: a dedicated worker (`web/chunkscope.js`) calls `fetch` and reads, stamping each `read()`; Go takes the stamps once per frame. The plain JS loop runs on the page's main thread, in the same tab. Both on a page open and warm (Run pressed as a person would); %d pairs side by side, alternately page first and loop first, after one warm-up pair that is discarded.\n\n", len(ratios))
	fmt.Fprintf(b, "| figure | median |\n|---|---|\n")
	fmt.Fprintf(b, "| client Go heap growth, stream-read | %s |\n", mib(median(streamGrowth)))
	fmt.Fprintf(b, "| client Go heap growth, buffer-read | %s |\n", mib(median(bufferGrowth)))
	fmt.Fprintf(b, "| page reader (worker pump + Go), stream-read | %.0f MB/s (%.0f reads) |\n", median(goTput), median(goReads))
	fmt.Fprintf(b, "| page reader, buffer-read | %.0f MB/s |\n", median(bufferTput))
	fmt.Fprintf(b, "| plain JavaScript reader loop | %.0f MB/s (%.0f reads) |\n", median(jsTput), median(jsReads))
	// The ratio of each pair, then the median: slow drifts of a noisy
	// machine cancel within a pair.
	fmt.Fprintf(b, "| **page reader ÷ plain JS loop**, median of the %d pairs (target ≥ 0.9) | **%.2f** (middle half %.2f–%.2f, all %.2f–%.2f; pairs: %s) |\n\n", len(ratios), median(ratios),
		percentile(ratios, 25), percentile(ratios, 75), slices.Min(ratios), slices.Max(ratios), fmtList(ratios))
	return nil
}

// openPage opens url in a new tab and waits until the page is usable.
func openPage(browser context.Context, url string) (context.Context, func(), error) {
	ctx, cancel := chromedp.NewContext(browser)
	ctx, cancelT := context.WithTimeout(ctx, 10*time.Minute)
	stop := func() { cancelT(); cancel() }
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		stop()
		return nil, nil, fmt.Errorf("navigate %s: %w", url, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.chunkscope && window.chunkscope.readyMs)`)); err != nil {
		stop()
		return nil, nil, fmt.Errorf("waiting for %s: %w", url, err)
	}
	return ctx, stop, nil
}

func frameTable(b *strings.Builder, browser context.Context, base string) error {
	if err := chromedp.Do(browser, chromedp.Navigate(base+"/")); err != nil {
		return err
	}
	if _, err := chromedp.Run(browser, chromedp.Poll[bool](`!!(window.chunkscope && window.chunkscope.benchFrame)`)); err != nil {
		return fmt.Errorf("waiting for the page: %w", err)
	}
	fmt.Fprintf(b, "## Live chart: the work of one frame\n\n")
	fmt.Fprintf(b, "`window.chunkscope.benchFrame(chunks, 30)`: a synthetic 60 s run with memory sampled every 10 ms on both sides; per frame the verdict, the binning to pixel columns in Go and the canvas drawing calls in JS, timed with performance.now() in the page (the browser rasterizes the canvas afterwards, outside this figure). Target at 100,000 chunks: < 33 ms.\n\n")
	fmt.Fprintf(b, "| chunks | median frame | slowest of 30 |\n|---|---|---|\n")
	for _, n := range []int{1_000, 10_000, 100_000} {
		raw, err := chromedp.Run(browser, chromedp.Evaluate[string](fmt.Sprintf(`JSON.stringify(window.chunkscope.benchFrame(%d, 30))`, n)))
		if err != nil {
			return fmt.Errorf("benchFrame(%d): %w", n, err)
		}
		var f struct{ MedianMs, MaxMs float64 }
		if err := json.Unmarshal([]byte(raw), &f); err != nil {
			return fmt.Errorf("benchFrame(%d) %q: %w", n, raw, err)
		}
		fmt.Fprintf(b, "| %d | %.2f ms | %.2f ms |\n", n, f.MedianMs, f.MaxMs)
	}
	fmt.Fprintln(b)
	return nil
}

// pageLoad is what one navigation cost, read from the page's own
// Performance entries.
const pageLoad = `JSON.stringify((() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  let bytes = nav.transferSize, decoded = nav.decodedBodySize;
  for (const r of performance.getEntriesByType("resource")) {
    bytes += r.transferSize;
    decoded += r.decodedBodySize;
  }
  return {fcp: paint ? paint.startTime : -1, ready: window.chunkscope.readyMs, bytes, decoded};
})())`

func loadTable(b *strings.Builder, browser context.Context, base string, runs int) error {
	type load struct{ Fcp, Ready, Bytes, Decoded float64 }
	measure := func(ctx context.Context) (load, error) {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/")); err != nil {
			return load{}, err
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.chunkscope && window.chunkscope.readyMs)`)); err != nil {
			return load{}, fmt.Errorf("waiting for the page: %w", err)
		}
		time.Sleep(300 * time.Millisecond) // let late resource entries land
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](pageLoad))
		if err != nil {
			return load{}, err
		}
		var l load
		return l, json.Unmarshal([]byte(raw), &l)
	}
	var cold, warm [4][]float64
	for i := 0; i < runs; i++ {
		// A new browser context: no cache, no service worker, a first visit.
		ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		for k, dst := range []*[4][]float64{&cold, &warm} {
			l, err := measure(ctx)
			if err != nil {
				cancel()
				return fmt.Errorf("page load %d (%d): %w", i, k, err)
			}
			for j, v := range []float64{l.Fcp, l.Ready, l.Bytes, l.Decoded} {
				dst[j] = append(dst[j], v)
			}
		}
		cancel()
	}
	fmt.Fprintf(b, "## Page load (loopback, headless Chromium)\n\n")
	fmt.Fprintf(b, "First visit in a fresh browser context, then a reload (the HTTP cache and ETags at work: the page's service worker has no fetch handler, see README). Interactive is when the wasm has mounted the page and `window.chunkscope` exists. Targets: ≤ 4 MB over the wire, interactive < 1.5 s.\n\n")
	fmt.Fprintf(b, "| visit | first contentful paint | interactive | bytes over the wire | bytes decoded |\n|---|---|---|---|---|\n")
	for _, row := range []struct {
		name string
		v    [4][]float64
	}{{"first", cold}, {"reload", warm}} {
		fmt.Fprintf(b, "| %s | %.0f ms | %.0f ms | %.2f MB | %.2f MB |\n", row.name, median(row.v[0]), median(row.v[1]), median(row.v[2])/1e6, median(row.v[3])/1e6)
	}
	fmt.Fprintln(b)
	return nil
}

func jsonUnmarshal(raw string, v any) error { return json.Unmarshal([]byte(raw), v) }
