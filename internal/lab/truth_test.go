package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The paces every configuration is read at: the export (2,000 rows
// every 2 ms, about 4 s of sleeps) and a slow one whose whole body (310 B)
// is smaller than a proxy's buffer.
var paces = []pace{
	{rows: 2000, delayMs: 2},
	{rows: 20, delayMs: 50},
}

type pace struct{ rows, delayMs int }

func (p pace) String() string     { return fmt.Sprintf("%s rows × %d ms", thousands(p.rows), p.delayMs) }
func (p pace) query() string      { return fmt.Sprintf("rows=%d&delay=%d", p.rows, p.delayMs) }
func (p pace) nominalMs() float64 { return float64((p.rows - 1) * p.delayMs) }

// kind is a ground-truth behaviour: how the body arrived.
type kind string

const (
	streams     kind = "streams"                      // each row on its way as the view yields it
	held        kind = "held to the end"              // headers at once, the body at the end
	heldAll     kind = "held to the end, headers too" // nothing until the end
	pieces4KiB  kind = "released in ~4 KiB pieces"    // a proxy's buffer-sized pieces, first byte late
	batches     kind = "released in ~200 ms batches"  // a proxy's timer, first byte late
	cacheHit    kind = "cache hit: whole at once"     // the second GET through a cache
	notModified kind = "304 Not Modified: no body"    // a revisit with If-None-Match
)

// config is one row of the truth table: an origin, a path and what the
// lab's notes (NOTES.md, "Real stacks on these machines") say it does.
type config struct {
	name    string
	origin  string
	path    string
	gzip    bool   // send Accept-Encoding: gzip, want Content-Encoding: gzip
	framing string // the framing the client gets
	want    func(pace) kind
	// after, if set, is a second request on the same URL once the first
	// is read: its row follows the first's.
	after *config
	// header is a request header from the first response (If-None-Match).
	header func(first Truth) map[string]string
	// check, if set, checks more than the kind.
	check func(p pace, tr Truth) []string
}

func always(k kind) func(pace) kind { return func(pace) kind { return k } }

// configs is the truth table's rows, in order.
var configs = []config{
	{name: "gunicorn: StreamingHttpResponse", origin: "gunicorn", path: PathStreaming, framing: "chunked", want: always(streams),
		check: func(p pace, tr Truth) []string {
			if tr.Chunks != p.rows {
				return []string{fmt.Sprintf("%d chunks; want %d, one per row", tr.Chunks, p.rows)}
			}
			return nil
		}},
	{name: "gunicorn: HttpResponse (Content-Length)", origin: "gunicorn", path: PathBuffered, framing: "content-length", want: always(heldAll)},
	{name: "gunicorn: GZipMiddleware, streaming", origin: "gunicorn", path: PathGzipStreaming, gzip: true, framing: "chunked", want: always(held)},
	{name: "gunicorn: ConditionalGetMiddleware, HttpResponse", origin: "gunicorn", path: PathETagBuffered, framing: "content-length", want: always(heldAll),
		check: func(p pace, tr Truth) []string {
			if tr.Headers.Get("ETag") == "" {
				return []string{"no ETag; want one from ConditionalGetMiddleware"}
			}
			return nil
		},
		after: &config{name: "… revisit with If-None-Match", want: always(notModified)},
		header: func(first Truth) map[string]string {
			return map[string]string{"If-None-Match": first.Headers.Get("ETag")}
		}},
	{name: "uwsgi: StreamingHttpResponse", origin: "uwsgi", path: PathStreaming, framing: "close", want: always(streams),
		check: func(p pace, tr Truth) []string {
			if te, cl := tr.Headers.Get("Transfer-Encoding"), tr.Headers.Get("Content-Length"); te != "" || cl != "" {
				return []string{fmt.Sprintf("Transfer-Encoding %q, Content-Length %q; want neither (the close ends the body)", te, cl)}
			}
			return nil
		}},
	{name: "uvicorn: StreamingHttpResponse", origin: "uvicorn", path: PathStreaming, framing: "chunked", want: always(streams)},
	{name: "daphne: StreamingHttpResponse", origin: "daphne", path: PathStreaming, framing: "chunked", want: always(heldAll)},
	{name: "nginx stock → gunicorn", origin: "nginx-stock", path: PathStreaming, framing: "chunked",
		want: func(p pace) kind {
			if p.rows >= 1000 {
				return pieces4KiB
			}
			return heldAll // 310 B: less than one buffer, and the headers wait with it
		}},
	{name: "nginx stock → gunicorn, view sends X-Accel-Buffering: no", origin: "nginx-stock", path: PathStreamingAccel, framing: "chunked", want: always(streams)},
	{name: "nginx proxy_buffering off → gunicorn", origin: "nginx-buffering-off", path: PathStreaming, framing: "chunked", want: always(streams)},
	{name: "nginx proxy_http_version 1.1 → gunicorn", origin: "nginx-http11", path: PathStreaming, framing: "chunked", want: always(streams)},
	{name: "nginx stock, gzip on → gunicorn", origin: "nginx-gzip", path: PathStreaming, gzip: true, framing: "chunked", want: always(heldAll)},
	{name: "nginx proxy_buffering off, gzip on → gunicorn", origin: "nginx-gzip-buffering-off", path: PathStreaming, gzip: true, framing: "chunked", want: always(streams)},
	{name: "Apache mod_proxy_http → gunicorn", origin: "apache", path: PathStreaming, framing: "chunked", want: always(streams)},
	{name: "Apache mod_proxy_http, mod_deflate → gunicorn", origin: "apache-deflate", path: PathStreaming, gzip: true, framing: "chunked", want: always(streams)},
	{name: "HAProxy → gunicorn", origin: "haproxy", path: PathStreaming, framing: "chunked", want: always(batches)},
	{name: "HAProxy, compression gzip → gunicorn", origin: "haproxy-compression", path: PathStreaming, gzip: true, framing: "chunked", want: always(batches)},
	{name: "Varnish default VCL → gunicorn, first GET (miss)", origin: "varnish", path: PathStreaming, framing: "chunked", want: always(streams),
		after: &config{name: "… second GET (hit)", framing: "content-length", want: always(cacheHit),
			check: func(p pace, tr Truth) []string {
				var bad []string
				if tr.Headers.Get("Age") == "" {
					bad = append(bad, "no Age header; want one on a cache hit")
				}
				if ids := strings.Fields(tr.Headers.Get("X-Varnish")); len(ids) != 2 {
					bad = append(bad, fmt.Sprintf("X-Varnish %q; want two ids (this request's and the cached object's)", tr.Headers.Get("X-Varnish")))
				}
				return bad
			}}},
}

// row is one measured line of the table.
type row struct {
	config string
	pace   pace
	want   kind
	truth  Truth
	err    error
	bad    []string
}

// TestTruth starts the lab and reads every configuration at both paces raw
// over TCP, checking each against the behaviour the lab's notes record,
// with loose bounds (the machine is shared). With CHUNKSCOPE_LAB_TRUTH set
// to a path (relative to the module root) it writes the table there:
//
//	CHUNKSCOPE_LAB_TRUTH=lab/truth.md go test -count=1 -run TestTruth ./internal/lab
func TestTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("lab: not in -short mode (it starts 8 servers and reads for about a minute)")
	}
	if m := Missing(); len(m) > 0 {
		t.Skipf("lab: Debian packages missing: %s", HowToInstall())
	}
	began := time.Now()
	l, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := l.Dir
	t.Cleanup(func() {
		l.Stop()
		if left := processesIn(dir); len(left) > 0 {
			t.Errorf("after Stop, processes %v still run from %s", left, dir)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("after Stop, %s is still there", dir)
		}
	})
	t.Logf("lab up in %.1f s", time.Since(began).Seconds())

	rows := measureAll(t, l)
	for _, r := range rows {
		name := r.config + " @ " + r.pace.String()
		switch {
		case r.err != nil:
			t.Errorf("%s: %v", name, r.err)
		case len(r.bad) > 0:
			t.Errorf("%s: want %s, but %s\n\ttruth: %v", name, r.want, strings.Join(r.bad, "; "), r.truth)
		default:
			t.Logf("%-70s %-30s %v", name, r.want, r.truth)
		}
	}
	if out := os.Getenv("CHUNKSCOPE_LAB_TRUTH"); out != "" {
		path := out
		if !filepath.IsAbs(path) {
			path = filepath.Join("..", "..", path) // from internal/lab to the module root
		}
		if err := os.WriteFile(path, []byte(truthTable(l, rows, time.Since(began))), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", out)
	}
}

// measureAll runs every configuration at every pace, several at once but
// never more than an app server can serve without queueing: Gunicorn has
// 4 sync workers, and uvicorn and daphne run Django's sync iterator on
// their event loop, one response at a time. HAProxy is read one response
// at a time: its batches shrink from ~200 ms to ~50 ms while another
// stream passes through it (measured here).
func measureAll(t *testing.T, l *Lab) []row {
	limits := map[string]chan struct{}{
		"gunicorn": make(chan struct{}, 3), "uwsgi": make(chan struct{}, 1),
		"uvicorn": make(chan struct{}, 1), "daphne": make(chan struct{}, 1),
		"nginx": make(chan struct{}, 8), "apache2": make(chan struct{}, 8),
		"haproxy": make(chan struct{}, 1), "varnish": make(chan struct{}, 8),
	}
	all := make(chan struct{}, 5)
	type job struct {
		i     int // first row's index
		c     config
		p     pace
		front chan struct{} // the proxy's slot; the app server's for an app server
		app   chan struct{}
	}
	var jobs []job
	n := 0
	for _, p := range paces {
		for _, c := range configs {
			var front, app string
			for _, s := range specs {
				if s.name == c.origin {
					front, app = s.server, s.name
					if s.upstream != "" {
						app = s.upstream
					}
				}
			}
			if limits[front] == nil || limits[app] == nil {
				t.Fatalf("configuration %q: origin %q has no server", c.name, c.origin)
			}
			j := job{i: n, c: c, p: p, front: limits[front], app: limits[app]}
			if front == app {
				j.front = make(chan struct{}, 1) // one slot, not the same one twice
			}
			jobs = append(jobs, j)
			n++
			if c.after != nil {
				n++
			}
		}
	}
	rows := make([]row, n)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Always in this order (all, front, app): no two jobs wait
			// on each other's slots.
			all <- struct{}{}
			j.front <- struct{}{}
			j.app <- struct{}{}
			defer func() { <-j.app; <-j.front; <-all }()
			measureConfig(l, j.c, j.p, rows[j.i:])
		}()
	}
	wg.Wait()
	// Rows by configuration, then pace.
	order := map[string]int{}
	for i, c := range configs {
		order[c.name] = 2 * i
		if c.after != nil {
			order[c.after.name] = 2*i + 1
		}
	}
	sort.SliceStable(rows, func(a, b int) bool {
		ka, kb := order[rows[a].config], order[rows[b].config]
		if ka != kb {
			return ka < kb
		}
		return rows[a].pace.rows > rows[b].pace.rows
	})
	return rows
}

// measureConfig reads c at pace p into out[0] (and its second request into
// out[1]).
func measureConfig(l *Lab, c config, p pace, out []row) {
	// A query of its own per run: a cache (Varnish) never serves one
	// configuration's body to another.
	url := l.URL(c.origin) + c.path + "?" + p.query() + "&run=" + strings.ReplaceAll(c.origin, "-", "")
	header := map[string]string{}
	if c.gzip {
		header["Accept-Encoding"] = "gzip"
	}
	read := func(cc config, h map[string]string) row {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r := row{config: cc.name, pace: p, want: cc.want(p)}
		r.truth, r.err = Measure(ctx, url, h)
		if r.err == nil {
			r.bad = judge(cc, c.gzip, p, r.want, r.truth)
		}
		return r
	}
	out[0] = read(c, header)
	if c.after != nil {
		h := map[string]string{}
		for k, v := range header {
			h[k] = v
		}
		if c.header != nil {
			for k, v := range c.header(out[0].truth) {
				h[k] = v
			}
		}
		out[1] = read(*c.after, h)
	}
}

// judge checks one truth against the configuration's kind, framing and
// encoding, with loose bounds; it returns what disagrees.
func judge(c config, gzip bool, p pace, k kind, tr Truth) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	wantStatus := 200
	if k == notModified {
		wantStatus = 304
	}
	if tr.Status != wantStatus || !tr.Complete {
		fail("status %d, complete %v; want %d, complete", tr.Status, tr.Complete, wantStatus)
		return bad
	}
	if c.framing != "" && tr.Framing != c.framing {
		fail("framing %s; want %s", tr.Framing, c.framing)
	}
	if k != notModified {
		if got := tr.Headers.Get("Content-Encoding"); gzip != (got == "gzip") {
			fail("Content-Encoding %q with Accept-Encoding gzip %v", got, gzip)
		}
	}
	nominal := p.nominalMs()
	switch k {
	case streams:
		// The first row at once, the body spread over the run, rows
		// arriving at about the view's pace.
		if tr.FirstBodyMs > 300 {
			fail("first body byte at %.0f ms; want ≤ 300 ms", tr.FirstBodyMs)
		}
		if tr.P10Ms > 0.5*tr.LastBodyMs {
			fail("10%% of the body by %.0f ms of %.0f; want it in the first half", tr.P10Ms, tr.LastBodyMs)
		}
		if tr.Pieces < p.rows/4 {
			fail("%d pieces for %d rows; want ≥ %d", tr.Pieces, p.rows, p.rows/4)
		}
		if limit := 3*float64(p.delayMs) + 5; tr.MedianGapMs > limit {
			fail("a piece every %.1f ms (median); want ≤ %.0f ms", tr.MedianGapMs, limit)
		}
	case held, heldAll:
		// ≥ 90% of the body in the last moment of a run of full length.
		if tr.LastBodyMs < 0.7*nominal {
			fail("body done at %.0f ms; want ≥ %.0f ms (70%% of the view's %.0f ms)", tr.LastBodyMs, 0.7*nominal, nominal)
		}
		if tr.EndShare < 0.8 {
			fail("%.0f%% of the body in the last tenth of the response; want ≥ 80%%", 100*tr.EndShare)
		}
		if k == heldAll && tr.FirstByteMs < 0.7*nominal {
			fail("first byte at %.0f ms; want ≥ %.0f ms (nothing before the end)", tr.FirstByteMs, 0.7*nominal)
		}
		if k == held && tr.FirstByteMs > 300 {
			fail("first byte (headers) at %.0f ms; want ≤ 300 ms", tr.FirstByteMs)
		}
	case pieces4KiB:
		if tr.FirstBodyMs < 150 {
			fail("first body byte at %.1f ms; want ≥ 150 ms (held for a buffer's worth)", tr.FirstBodyMs)
		}
		if tr.MedianPiece < 3<<10 || tr.MedianPiece > 8<<10 {
			fail("median piece %d B; want 3–8 KiB", tr.MedianPiece)
		}
		if tr.Pieces < 3 {
			fail("%d pieces; want ≥ 3", tr.Pieces)
		}
	case batches:
		if tr.FirstByteMs < 120 {
			fail("first byte at %.1f ms; want ≥ 120 ms (held for a batch)", tr.FirstByteMs)
		}
		if tr.MedianGapMs < 120 || tr.MedianGapMs > 500 {
			fail("a piece every %.0f ms (median); want 120–500 ms", tr.MedianGapMs)
		}
		if tr.Pieces < 3 || tr.Pieces > p.rows/2 {
			fail("%d pieces for %d rows; want 3 to %d", tr.Pieces, p.rows, p.rows/2)
		}
	case cacheHit:
		if tr.LastBodyMs > 200 || tr.Pieces > 3 {
			fail("body done at %.0f ms in %d pieces; want ≤ 200 ms, ≤ 3 pieces (from the cache)", tr.LastBodyMs, tr.Pieces)
		}
	case notModified:
		if tr.BodyBytes != 0 {
			fail("%d body bytes; want none", tr.BodyBytes)
		}
	}
	if c.check != nil {
		bad = append(bad, c.check(p, tr)...)
	}
	return bad
}

// truthTable is the markdown file CHUNKSCOPE_LAB_TRUTH names.
func truthTable(l *Lab, rows []row, took time.Duration) string {
	var b strings.Builder
	b.WriteString("# The lab's ground truth\n\n")
	b.WriteString("Written by `CHUNKSCOPE_LAB_TRUTH=lab/truth.md go test -count=1 -run TestTruth ./internal/lab`\n")
	fmt.Fprintf(&b, "on %s (%s in all), on a shared 2-core machine. Each response read raw over TCP by\n", time.Now().UTC().Format("2006-01-02"), took.Round(time.Second))
	b.WriteString("chunkscope's wire probe (`chunkscope probe URL`): GET, HTTP/1.1, `Connection: close`; times are\n")
	b.WriteString("from the moment the request was written. The Django views sleep `delay` ms before each row\n")
	b.WriteString("after the first; Python adds ~0.5 ms a row, so 2,000 × 2 ms takes ~5 s.\n\n")
	b.WriteString("Servers (Debian 12 packages): ")
	var vs []string
	for _, pkg := range append([]string{"python3-django"}, serverPackages()...) {
		vs = append(vs, pkg+" "+upstreamVersion(l.Versions[pkg]))
	}
	b.WriteString(strings.Join(vs, ", ") + ".\n\n")
	b.WriteString("- **first byte**: the response's first byte (status line); **body**: first to last body byte.\n")
	b.WriteString("- **pieces**: socket reads that carried body bytes (64 KiB reads: what the kernel had), their\n")
	b.WriteString("  median size, and the median wait between them.\n")
	b.WriteString("- **largest gap**: the longest wait from the first byte to the last body byte.\n")
	b.WriteString("- **truth**: the behaviour the test checks (loose bounds, `internal/lab/truth_test.go`).\n\n")
	b.WriteString("| configuration | pace | first byte | body | pieces | largest gap | framing | truth |\n")
	b.WriteString("|---|---|---:|---|---|---:|---|---|\n")
	for _, r := range rows {
		tr := r.truth
		truth := string(r.want)
		if r.err != nil || len(r.bad) > 0 {
			truth = "**disagrees**: want " + truth
		}
		body, pieces := "—", "—"
		if tr.Pieces > 0 {
			body = fmtMs(tr.FirstBodyMs) + " – " + fmtMs(tr.LastBodyMs)
			pieces = fmt.Sprintf("%s, median %s", thousands(tr.Pieces), fmtBytes(tr.MedianPiece))
			if tr.Pieces > 1 {
				pieces += ", every " + fmtMs(tr.MedianGapMs)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.config, r.pace, fmtMs(tr.FirstByteMs), body, pieces, fmtMs(tr.LargestGapMs), framing(tr), truth)
	}
	b.WriteString("\nOrigins: ")
	var names []string
	for _, o := range l.Origins {
		names = append(names, "`"+o.Name+"` "+o.What)
	}
	b.WriteString(strings.Join(names, "; ") + ".\n")
	return b.String()
}

func serverPackages() []string {
	return []string{"gunicorn", "uwsgi", "python3-uvicorn", "python3-daphne", "nginx", "apache2", "haproxy", "varnish"}
}

// framing says how the body was delimited, with what marks it.
func framing(tr Truth) string {
	var s string
	switch tr.Framing {
	case "chunked":
		s = fmt.Sprintf("chunked (%s chunks)", thousands(tr.Chunks))
		if tr.Chunks == 1 {
			s = "chunked (1 chunk)"
		}
	case "content-length":
		s = "Content-Length"
	case "close":
		s = "close (no TE, no CL)"
	default:
		s = tr.Framing
	}
	s += ", " + fmtBytes(tr.BodyBytes)
	if ce := tr.Headers.Get("Content-Encoding"); ce != "" {
		s += " " + ce
	}
	if tr.Status != 200 {
		s = fmt.Sprintf("%d, %s", tr.Status, s)
	}
	if age := tr.Headers.Get("Age"); age != "" {
		s += fmt.Sprintf("; Age %s, X-Varnish %s", age, tr.Headers.Get("X-Varnish"))
	}
	return s
}

func fmtMs(ms float64) string {
	if ms < 10 {
		return fmt.Sprintf("%.1f ms", ms)
	}
	return thousands(int(ms+0.5)) + " ms"
}

func fmtBytes(n int64) string {
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return thousands(int(n)) + " B"
}

var thousandsRe = regexp.MustCompile(`(\d+)(\d{3})`)

// thousands writes n with commas: 34,890.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for {
		t := thousandsRe.ReplaceAllString(s, "$1,$2")
		if t == s {
			return s
		}
		s = t
	}
}
