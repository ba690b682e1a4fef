package e2e

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
	"chunkscope/app/wire"
	"chunkscope/internal/harness"
	"chunkscope/internal/nginx"
	"chunkscope/internal/testnet"
)

// TestHops is the hop-by-hop comparison as a person uses it: a server
// started with -nginx (when Debian's nginx is installed) and one -upstream
// (a Go reverse proxy with FlushInterval -1 in front of the shared test
// server: "another app" that serves the same /csv/streaming), a hops=1 link
// at two paces and sizes, every hop's verdict kind read from runs(), and
// the table: one row per hop, every figure filled.
func TestHops(t *testing.T) {
	bin := binaryAndBrowser(t)
	// The shared server runs without -nginx: its hop list says why there
	// is no nginx hop, rather than hide it.
	var plain wire.Hops
	if err := json.Unmarshal(get(t, env.base+"/hops"), &plain); err != nil {
		t.Fatal(err)
	}
	if want := map[bool]string{true: "not started (start chunkscope with -nginx)", false: "not installed (apt-get install nginx)"}[nginx.Installed()]; plain.Nginx != "" || plain.NginxProblem != want {
		t.Errorf("GET /hops without -nginx: %+v; want no nginx and %q", plain, want)
	}
	// A wrong -nginx value is one line, exit 2.
	out, err := exec.Command(bin, "-nginx=perhaps").CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 || !strings.Contains(string(out), "-nginx") {
		t.Errorf("chunkscope -nginx=perhaps: %v, %q; want exit 2 and one line naming -nginx", err, out)
	}

	target, _ := url.Parse(env.base)
	up := httptest.NewServer(&httputil.ReverseProxy{FlushInterval: -1, Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) }})
	defer up.Close()
	args := []string{"-upstream", up.URL}
	withNginx := nginx.Installed()
	if withNginx {
		args = append(args, "-nginx")
	} else {
		t.Logf("nginx is not installed (%s): no nginx hops; checking that the page says so instead (apt-get install -y nginx to test them)", nginx.Binary)
	}
	front, err := harness.Start(bin, os.Stderr, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer front.Stop()
	saved := env.base
	env.base = front.Base
	defer func() { env.base = saved }()

	upLabel := strings.TrimPrefix(up.URL, "http://")
	hops := []string{"direct", "proxy → chunked", "proxy → sized", "proxy flush -1", "gzip buffering", "gzip flushing"}
	if withNginx {
		hops = append(hops, "nginx stock", "nginx buffer on", "nginx buffer off")
	}
	hops = append(hops, upLabel)

	for _, tc := range []struct {
		name, body string
		want       map[string]string // hop → verdict kind
	}{
		{"20 rows 50 ms apart", "rows=20&delay=50ms", map[string]string{
			"direct": "streamed", "proxy → chunked": "streamed", "proxy → sized": "one-piece", "proxy flush -1": "streamed",
			"gzip buffering": "one-piece", "gzip flushing": "streamed",
			"nginx stock": "one-piece", "nginx buffer on": "streamed", "nginx buffer off": "streamed", upLabel: "streamed"}},
		{"200 rows in 20 groups 20 ms apart", "rows=200&per=10&delay=20ms", map[string]string{
			"direct": "streamed", "proxy → chunked": "streamed", "proxy → sized": "one-piece", "proxy flush -1": "streamed",
			"gzip buffering": "one-piece", "gzip flushing": "streamed",
			"nginx stock": "one-piece", "nginx buffer on": "streamed", "nginx buffer off": "streamed", upLabel: "streamed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tab(t)
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
				t.Fatal(err)
			}
			runs := runsAfter(t, ctx, "/?hops=1&"+tc.body+"&autorun=1", len(hops))
			var got []string
			for _, r := range runs {
				got = append(got, r.Hop)
				var sends string
				if d := record.SendDelays(&r); len(d) > 0 {
					slices.Sort(d)
					sends = fmt.Sprintf(", send→arrival median %.1f ms", d[len(d)/2])
				}
				t.Logf("%-17s %-10s status %d, TTFB %6.1f ms, total %6.1f ms, %3d reads, %d bytes, largest burst %d B%s",
					r.Hop, r.Verdict.Kind, r.Status, r.TTFBMs, r.TotalMs, len(r.Chunks), r.Bytes, slices.Max(append(record.Bursts(r.Chunks), 0)), sends)
				if r.Status != 200 || r.Error != "" {
					t.Errorf("%s: status %d, error %q; want 200", r.Hop, r.Status, r.Error)
				}
				if want := tc.want[r.Hop]; r.Verdict.Kind != want {
					t.Errorf("%s: verdict %s (%s); want %s", r.Hop, r.Verdict.Kind, r.Verdict.Detail, want)
				}
				// The same body through every hop (gzip's decoded by the browser).
				if r.Bytes != runs[0].Bytes {
					t.Errorf("%s: %d bytes; want %d, as direct", r.Hop, r.Bytes, runs[0].Bytes)
				}
				// Every hop that reaches this server is tagged: its sends are logged.
				if r.Hop != upLabel && len(r.Sent) == 0 {
					t.Errorf("%s: no send log; want this server's sends", r.Hop)
				}
			}
			if !slices.Equal(got, hops) {
				t.Fatalf("hops in runs() = %q; want %q", got, hops)
			}
			// The table: one row per hop, each figure filled (the upstream's
			// send→arrival says why it has none).
			rows, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](`Array.from(document.querySelectorAll("#comparison tbody tr")).map(tr =>
				Array.from(tr.querySelectorAll("td")).slice(0, -1).map(td => td.textContent.trim()))`))
			if err != nil {
				t.Fatal(err)
			}
			heads, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#comparison th")).map(th => th.textContent)`))
			if len(rows) != len(hops) {
				t.Fatalf("%d table rows; want %d, one per hop", len(rows), len(hops))
			}
			for i, row := range rows {
				if row[0] != hops[i] {
					t.Errorf("row %d names %q; want %q", i, row[0], hops[i])
				}
				for j, cell := range row {
					head := heads[j]
					if head == "server peak" && hops[i] == upLabel {
						continue // an upstream's memory is not ours to sample
					}
					if cell == "" || cell == "—" || strings.Contains(cell, "\u2014") {
						t.Errorf("row %s: %s is %q; want a figure", hops[i], head, cell)
					}
				}
			}
			if last := rows[len(rows)-1]; !slices.Contains(last, "not ours to log") {
				t.Errorf("the upstream's row %q; want its send→arrival to say why it has none", last)
			}
			// At 1280 px the table fits: no column cut off.
			fits, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("comparison").getBoundingClientRect().right <= document.documentElement.clientWidth`))
			if !fits {
				t.Errorf("the hop table is wider than the 1280 px page")
			}
			// What is not there is said, never hidden.
			list, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("hops").textContent`))
			if !withNginx && !strings.Contains(list, "nginx: not installed (apt-get install nginx)") {
				t.Errorf("hop list %q; want it to say nginx is not installed", list)
			}
			if tc.body == "rows=20&delay=50ms" {
				// The chart is painted once the last run ends; let it land.
				time.Sleep(500 * time.Millisecond)
				// The view down to the table's end: the chart, the hop list, the table.
				h, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`Math.ceil(document.getElementById("comparison").getBoundingClientRect().bottom + window.scrollY + 8)`))
				if err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, int64(h))); err != nil {
					t.Fatal(err)
				}
				time.Sleep(300 * time.Millisecond) // the chart repaints at the new size
				png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("out", "hops.png") // docs/hops.png is a copy
				os.MkdirAll("out", 0o755)
				if err := os.WriteFile(path, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s", path)
			}
		})
	}
}

// get is GET u's body, which must come with a 200.
func get(t *testing.T, u string) []byte {
	t.Helper()
	status, body, _ := testnet.GetAs(t, u, "")
	if status != 200 {
		t.Fatalf("GET %s: %d %s", u, status, body)
	}
	return []byte(body)
}
