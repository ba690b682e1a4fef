package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// row is one measured line of the table.
type row struct {
	config Config
	pace   Pace
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
		name := r.config.Name + " @ " + r.pace.String()
		switch {
		case r.err != nil:
			t.Errorf("%s: %v", name, r.err)
		case len(r.bad) > 0:
			t.Errorf("%s: want %s, but %s\n\ttruth: %v", name, r.config.Want(r.pace), strings.Join(r.bad, "; "), r.truth)
		default:
			t.Logf("%-70s %-30s %v", name, r.config.Want(r.pace), r.truth)
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
		c     Config
		p     Pace
		front chan struct{} // the proxy's slot; the app server's for an app server
		app   chan struct{}
	}
	var jobs []job
	n := 0
	for _, p := range Paces {
		for _, c := range Configs {
			var front, app string
			for _, s := range specs {
				if s.name == c.Origin {
					front, app = s.server, s.name
					if s.upstream != "" {
						app = s.upstream
					}
				}
			}
			if limits[front] == nil || limits[app] == nil {
				t.Fatalf("configuration %q: origin %q has no server", c.Name, c.Origin)
			}
			j := job{i: n, c: c, p: p, front: limits[front], app: limits[app]}
			if front == app {
				j.front = make(chan struct{}, 1) // one slot, not the same one twice
			}
			jobs = append(jobs, j)
			n++
			if c.Then != nil {
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
	for i, c := range Configs {
		order[c.Name] = 2 * i
		if c.Then != nil {
			order[c.Then.Name] = 2*i + 1
		}
	}
	sort.SliceStable(rows, func(a, b int) bool {
		ka, kb := order[rows[a].config.Name], order[rows[b].config.Name]
		if ka != kb {
			return ka < kb
		}
		return rows[a].pace.Rows > rows[b].pace.Rows
	})
	return rows
}

// measureConfig reads c at pace p into out[0] (and its second request into
// out[1]).
func measureConfig(l *Lab, c Config, p Pace, out []row) {
	url, header := c.URL(l, p), c.Header()
	read := func(cc Config, h map[string]string) row {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		r := row{config: cc, pace: p}
		r.truth, r.err = Measure(ctx, url, h)
		if r.err == nil {
			r.bad = cc.Judge(p, r.truth)
		}
		return r
	}
	out[0] = read(c, header)
	if c.Then != nil {
		h := c.Header()
		if c.ThenHeader != nil {
			for k, v := range c.ThenHeader(out[0].truth) {
				h[k] = v
			}
		}
		out[1] = read(*c.Then, h)
	}
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
	b.WriteString("- **largest gap**: the longest silence from the request to the last body byte (before the first\n")
	b.WriteString("  byte, or between pieces).\n")
	b.WriteString("- The probe's clock starts once the request is written: on a loaded machine a reply already\n")
	b.WriteString("  waiting reads as ~0 ms.\n")
	b.WriteString("- **truth**: the behaviour the test checks (loose bounds: `Config.Judge` in `internal/lab/configs.go`);\n")
	b.WriteString("  **held by**: the layer that holds the body back.\n\n")
	b.WriteString("| configuration | pace | first byte | body | pieces | largest gap | framing | truth | held by |\n")
	b.WriteString("|---|---|---:|---|---|---:|---|---|---|\n")
	for _, r := range rows {
		tr := r.truth
		truth := string(r.config.Want(r.pace))
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
		heldBy := r.config.HeldBy
		if heldBy == "" {
			heldBy = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.config.Name, r.pace, fmtMs(tr.FirstByteMs), body, pieces, fmtMs(tr.LargestGapMs), framing(tr), truth, heldBy)
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
