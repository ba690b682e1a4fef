package main

import (
	"context"
	"fmt"
	"log"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// The fidelity table is the instrument's own error: what the page reports
// for a request against what curl reports for the same request on the
// same loopback, and each piece the page read against the wire probe's
// (the server's raw TCP reader) arrival of the same bytes. Warm runs are
// started by pressing Run on a page that is already open; cold runs are
// links with autorun=1 opened in a fresh browser context (a first visit:
// no cache, go-app's service worker not yet installed).

// fidelityCase is one request the table measures.
type fidelityCase struct {
	name, scenario, query string
}

var fidelityCases = []fidelityCase{
	{"streaming, 20 rows 100 ms apart", "streaming", "rows=20&delay=100ms"},
	{"buffered, 20 rows 100 ms apart", "buffered", "rows=20&delay=100ms"},
	fastStream,
}

// fastStream is the fast case, which the CPU table also reads.
var fastStream = fidelityCase{"streaming 16 MiB, no delay", "streaming", bodyQuery(16 * MiB)}

// fidelity is one page run beside its curl run, in ms.
type fidelity struct {
	headers, netTTFB, readTTFB, total float64 // page − curl
	lags                              []float64
	sendDelays                        []float64 // each read's first byte behind the server's write of it
	worker                            bool
}

// measureFidelity is the page's run r against curl's run c of the same
// request; the read lags need r's wire probe (probed).
func measureFidelity(r record.Run, c curlResult, probed bool) (fidelity, error) {
	if r.Timing == nil {
		return fidelity{}, fmt.Errorf("run %s: no Resource Timing entry", r.ID)
	}
	f := fidelity{
		headers:  r.HeadersMs - 1000*c.ttfb,
		netTTFB:  r.Timing.ResponseStartMs - 1000*c.ttfb,
		readTTFB: r.TTFBMs - 1000*c.ttfb,
		total:    r.TotalMs - 1000*c.total,
		worker:   r.Timing.ThroughWorker(),
	}
	f.sendDelays = record.SendDelays(&r)
	if !probed {
		return f, nil
	}
	lags, err := readLags(r)
	f.lags = lags
	return f, err
}

// readLags is, for each piece the page read, its stamp minus the time the
// wire probe had received the same number of body bytes: when reads and
// HTTP chunks are one to one (a slow stream), the lag of each read behind
// the chunk of the same index; when the browser merged chunks, behind the
// last of the chunks it merged.
func readLags(r record.Run) ([]float64, error) {
	if r.Wire == nil || r.Wire.Error != "" {
		return nil, fmt.Errorf("run %s: no wire probe (%v)", r.ID, r.Wire)
	}
	type arrival struct {
		bytes int64
		t     float64
	}
	var wireAt []arrival
	var sum int64
	for _, e := range r.Wire.Events {
		if wire.IsBody(e.Kind) {
			sum += int64(e.Bytes)
			wireAt = append(wireAt, arrival{sum, e.T})
		}
	}
	if sum != r.Bytes {
		return nil, fmt.Errorf("run %s: the probe saw %d body bytes, the page %d", r.ID, sum, r.Bytes)
	}
	var lags []float64
	var read int64
	j := 0
	for _, c := range r.Chunks {
		read += int64(c.N)
		for wireAt[j].bytes < read {
			j++
		}
		lags = append(lags, c.T-wireAt[j].t)
	}
	return lags, nil
}

// percentile is the nearest-rank p-th percentile.
func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[max(0, int(math.Ceil(p/100*float64(len(s))))-1)]
}

// controlScript is the control: what the same browser shows a bare page —
// a same-origin document with no script of its own (the server's
// robots.txt) — that runs fetch() and a read() loop in a dedicated worker,
// as the page's pump does, for the same request: the browser's own floor
// on this machine, which no page can go below. The worker comes from a
// blob: URL, which the server's Content-Security-Policy refuses, so the
// bench has Chromium bypass it for that tab (Page.setBypassCSP).
const controlScript = `(async () => {
  const url = new URL(%q, location.href).href;
  if (!window.control) {
    const src = "onmessage = async (m) => {" +
      "const url = m.data; const t0 = performance.now();" +
      "const resp = await fetch(url, {cache: 'no-store'});" +
      "const headers = performance.now() - t0;" +
      "const reader = resp.body.getReader(); let first = -1, total = 0;" +
      "for (;;) { const {done} = await reader.read(); const t = performance.now() - t0;" +
      "  if (done) { total = t; break; } if (first < 0) first = t; }" +
      "await new Promise((r) => setTimeout(r, 50));" +
      "const e = performance.getEntriesByName(url).find((e) => e.startTime >= t0 - 1);" +
      "postMessage(JSON.stringify({headers, first, total, rs: e ? e.responseStart - t0 : 0, t0a: performance.timeOrigin + t0})); };";
    window.control = new Worker(URL.createObjectURL(new Blob([src])));
  }
  return await new Promise((res) => { window.control.onmessage = (m) => res(m.data); window.control.postMessage(url); });
})()`

// openControl opens the control's bare document in a tab of its own.
func openControl(browser context.Context, base string, opts ...chromedp.ContextOption) (context.Context, func(), error) {
	ctx, cancel := chromedp.NewContext(browser, opts...)
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("control tab: %w", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/robots.txt")); err != nil {
		cancel()
		return nil, nil, fmt.Errorf("control tab: %w", err)
	}
	return ctx, cancel, nil
}

// controlRead is what controlScript reports, ms since its t = 0 (T0a on
// the wall clock, ms since the Unix epoch).
type controlRead struct{ Headers, First, Total, Rs, T0a float64 }

// readControl runs controlScript for the case's request, tagged run=tag-….
func readControl(ctx context.Context, fc fidelityCase, tag string) (controlRead, error) {
	url := fmt.Sprintf("/csv/%s?%s&run=%s-%d", fc.scenario, fc.query, tag, time.Now().UnixNano())
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(controlScript, url), chromedp.EvalAwaitPromise))
	if err != nil {
		return controlRead{}, fmt.Errorf("control: %w", err)
	}
	var p controlRead
	err = jsonUnmarshal(raw, &p)
	return p, err
}

// controlRun is the control's read of the case's request, paired with the
// curl run c just before it.
func controlRun(ctx context.Context, fc fidelityCase, i int, c curlResult) (fidelity, error) {
	p, err := readControl(ctx, fc, fmt.Sprintf("benchcontrol-%d", i))
	if err != nil {
		return fidelity{}, err
	}
	return fidelity{headers: p.Headers - 1000*c.ttfb, netTTFB: p.Rs - 1000*c.ttfb, readTTFB: p.First - 1000*c.ttfb, total: p.Total - 1000*c.total}, nil
}

// warm is what the warm rounds of one case measured: the page with the
// wire probe on (the read lag needs it), the page as it opens by default
// (no probe), the control, and the noise of the reference.
type warm struct {
	probed, plain, control, noise []fidelity
}

// warmRuns opens the case's page twice (with the wire probe, and as it
// opens by default) and the control's tab, waits, then n rounds of: a curl
// of the request (tagged as the page tags its own), Run pressed on the
// probed page, a second curl, the control paired with that one, a third
// curl, Run pressed on the plain page. The first two curls of a round,
// one against the other, are the noise of the reference itself: two
// requests for the same response never take quite the same time (the
// server's timers, the scheduler).
func warmRuns(browser context.Context, base string, fc fidelityCase, n int) (w warm, err error) {
	link := base + "/?scenario=" + fc.scenario + "&" + fc.query
	probed, cancelProbed, err := openPage(browser, link+"&wire=1")
	if err != nil {
		return w, err
	}
	defer cancelProbed()
	plain, cancelPlain, err := openPage(browser, link)
	if err != nil {
		return w, err
	}
	defer cancelPlain()
	bare, cancelBare, err := openControl(browser, base)
	if err != nil {
		return w, err
	}
	defer cancelBare()
	time.Sleep(2 * time.Second) // warm: the pages have long finished starting
	for i := 0; i < n; i++ {
		c1, err := curlTidy(base, fc, fmt.Sprintf("w%d", i))
		if err != nil {
			return w, err
		}
		r, err := clickRun(probed, i+1, true)
		if err != nil {
			return w, err
		}
		f, err := measureFidelity(r, c1, true)
		if err != nil {
			return w, err
		}
		w.probed = append(w.probed, f)
		c2, err := curlTidy(base, fc, fmt.Sprintf("v%d", i))
		if err != nil {
			return w, err
		}
		w.noise = append(w.noise, fidelity{headers: 1000 * (c2.ttfb - c1.ttfb), total: 1000 * (c2.total - c1.total)})
		if err := untilTidy(base); err != nil {
			return w, err
		}
		if f, err = controlRun(bare, fc, i, c2); err != nil {
			return w, err
		}
		w.control = append(w.control, f)
		c3, err := curlTidy(base, fc, fmt.Sprintf("u%d", i))
		if err != nil {
			return w, err
		}
		if r, err = clickRun(plain, i+1, false); err != nil {
			return w, err
		}
		if f, err = measureFidelity(r, c3, false); err != nil {
			return w, err
		}
		w.plain = append(w.plain, f)
	}
	return w, nil
}

// coldRun opens the case's link with autorun=1 in a fresh browser context,
// with the wire probe on when probed.
func coldRun(browser context.Context, base string, fc fidelityCase, i int, probed bool) (fidelity, error) {
	c, err := curlTidy(base, fc, fmt.Sprintf("c%d", i))
	if err != nil {
		return fidelity{}, err
	}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelT()
	link := base + "/?scenario=" + fc.scenario + "&" + fc.query + "&autorun=1"
	if probed {
		link += "&wire=1"
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		return fidelity{}, err
	}
	r, err := waitRun(ctx, 1, probed)
	if err != nil {
		return fidelity{}, err
	}
	return measureFidelity(r, c, probed)
}

// coldControl is the control's first read in a fresh browser context: the
// bare document just opened, its worker new.
func coldControl(browser context.Context, base string, fc fidelityCase, i int) (fidelity, error) {
	c, err := curlTidy(base, fc, fmt.Sprintf("d%d", i))
	if err != nil {
		return fidelity{}, err
	}
	ctx, cancel, err := openControl(browser, base, chromedp.WithNewBrowserContext())
	if err != nil {
		return fidelity{}, err
	}
	defer cancel()
	if err := untilTidy(base); err != nil {
		return fidelity{}, err
	}
	return controlRun(ctx, fc, i, c)
}

// cold is what the cold rounds of one case measured: the page as a link
// opens it, the page with the wire probe on, and the control, each in a
// fresh browser context.
type cold struct {
	plain, probed, control []fidelity
}

// coldRuns takes n rounds of: the case's link as it opens (autorun=1), then
// the control's first read; the first probed rounds also open the link
// with the wire probe on, last, so that the plain run and its control
// stay neighbours.
func coldRuns(browser context.Context, base string, fc fidelityCase, n, probed int) (c cold, err error) {
	for i := 0; i < n; i++ {
		f, err := coldRun(browser, base, fc, i, false)
		if err != nil {
			return c, err
		}
		c.plain = append(c.plain, f)
		if f, err = coldControl(browser, base, fc, i); err != nil {
			return c, err
		}
		c.control = append(c.control, f)
		if i < probed {
			if f, err = coldRun(browser, base, fc, n+i, true); err != nil {
				return c, err
			}
			c.probed = append(c.probed, f)
		}
	}
	return c, nil
}

// clickRun presses Run and returns the page's n-th run (see waitRun).
func clickRun(ctx context.Context, n int, probed bool) (record.Run, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById("run").click(), true)`)); err != nil {
		return record.Run{}, err
	}
	return waitRun(ctx, n, probed)
}

// waitRun waits for the page's n-th run to be finished, its wire probe
// included when probed, and returns it. It polls count(), which costs the
// page nothing, while the run is read: runs() would build every record on
// the main thread the measured request shares.
func waitRun(ctx context.Context, n int, probed bool) (record.Run, error) {
	cond := fmt.Sprintf(`!!window.chunkscope && typeof window.chunkscope.count === "function" && window.chunkscope.count() >= %d`, n)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		return record.Run{}, fmt.Errorf("waiting for run %d: %w", n, err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`JSON.stringify(window.chunkscope.runs()[%d])`, n-1)))
	if err != nil {
		return record.Run{}, err
	}
	var r record.Run
	if err := jsonUnmarshal(raw, &r); err != nil {
		return r, err
	}
	if r.Error != "" || r.Status != 200 {
		return r, fmt.Errorf("run %s: status %d, error %q", r.ID, r.Status, r.Error)
	}
	if probed && (r.Wire == nil || r.Wire.TotalMs <= 0) {
		return r, fmt.Errorf("run %s: finished without its wire probe (%+v)", r.ID, r.Wire)
	}
	return r, nil
}

// curlTidy is curl of the case's request, tagged as the page's are, after
// a /clock as the page does.
func curlTidy(base string, fc fidelityCase, tag string) (curlResult, error) {
	if err := untilTidy(base); err != nil {
		return curlResult{}, err
	}
	return curl(fmt.Sprintf("%s/csv/%s?%s&run=benchfid-%s-%d", base, fc.scenario, fc.query, tag, time.Now().UnixNano()))
}

func fidelityTable(b *strings.Builder, browser context.Context, base string, runs int) error {
	const coldRounds, coldProbed = 5, 3
	n := 2*runs + 1 // warm rounds: enough that the p90 is not the slowest run
	fmt.Fprintf(b, "## Fidelity: the page against curl and the wire\n\n")
	fmt.Fprintf(b, "What the page reports minus what curl reports for the same request on loopback (each page run paired with a curl run just before it, both tagged `run=…` and both after a `/clock`), in ms: headers (fetch resolved − curl's `time_starttransfer`), TTFB as the browser's network stack saw it (Resource Timing `responseStart` − curl's), TTFB as the page's first `read()` saw it, and the total (end of body − curl's `time_total`). Read lag: each piece the page read, stamped by the pump in its worker, minus the wire probe's arrival of the same bytes (the raw TCP probe of the same request, `wire=1`, sent after the page's: two requests), over all pieces of all runs. Write → read: the same request only — each read's first byte behind the server's write of it (its send log, on the page's clock by the `/clock` offset, good to its ± of about half a round trip), the first read apart: its bytes came with the response's headers, whose way through the browser (network service, then the fetch() resolving, then a first `read()`) is longer than a later piece's. Warm: %d rounds, Run pressed on pages open for 2 s, once on a page with the wire probe on and once on one as a link opens it by default (no probe); cold: %d links with `autorun=1` as they open (no probe) and %d with the probe, each in a fresh browser context (first visit). Figures are median (p90) for warm and median (max) for cold. t = 0 is `performance.now()` just before the page's `fetch()`. Goals (issue 13): warm medians ≤ 2 ms, p90 ≤ 5 ms; cold ≤ 10 ms.\n\n", n, coldRounds, coldProbed)
	fmt.Fprintf(b, "Controls say what no page can do better on this machine. **Bare worker**: in each warm round, the same request from a bare same-origin document (no script of its own) by `fetch()` and a `read()` loop in a dedicated worker, as the page's pump reads, paired with its own curl run: this browser's own cost. **Bare worker, cold**: the same, in a fresh browser context, its document just opened and its worker new, beside each cold run of the page as it opens. **curl against curl**: that curl run against the one before the page's, the same request twice: the noise of the reference itself (the server's timers, the scheduler).\n\n")
	fmt.Fprintf(b, "| request | runs | headers − curl | network TTFB − curl | first read − curl | total − curl | read lag behind the wire | write → read: first read / later reads | through a service worker's fetch event |\n|---|---|---|---|---|---|---|---|---|\n")
	type added struct {
		name string
		cols [4]string
	}
	var adds []added
	for _, fc := range fidelityCases {
		w, err := warmRuns(browser, base, fc, n)
		if err != nil {
			return fmt.Errorf("fidelity %s, warm: %w", fc.name, err)
		}
		c, err := coldRuns(browser, base, fc, coldRounds, coldProbed)
		if err != nil {
			return fmt.Errorf("fidelity %s, cold: %w", fc.name, err)
		}
		for _, page := range []struct {
			name          string
			runs, control []fidelity
			upper         float64
		}{
			{"warm, wire probe on", w.probed, w.control, 90},
			{"warm, as it opens", w.plain, w.control, 90},
			{"cold, as it opens", c.plain, c.control, 100},
		} {
			a := added{name: fc.name + ", " + page.name}
			for k, get := range fidelityColumns {
				var d []float64
				for i := range page.runs {
					d = append(d, get(page.runs[i])-get(page.control[i]))
				}
				a.cols[k] = fmt.Sprintf("%+.1f (%+.1f)", median(d), percentile(d, page.upper))
			}
			adds = append(adds, a)
		}
		for _, set := range []struct {
			name    string
			runs    []fidelity
			upper   float64
			network bool // the set has Resource Timing and reads
			page    bool // the page's runs, whose record says whether a service worker saw them
		}{
			{"warm, wire probe on", w.probed, 90, true, true},
			{"warm, as it opens", w.plain, 90, true, true},
			{"cold, as it opens", c.plain, 100, true, true},
			{"cold, wire probe on", c.probed, 100, true, true},
			{"bare worker, warm", w.control, 90, true, false},
			{"bare worker, cold", c.control, 100, true, false},
			{"curl against curl", w.noise, 90, false, false},
		} {
			stat := func(v []float64) string {
				if len(v) == 0 {
					return "—"
				}
				return fmt.Sprintf("%.1f (%.1f)", median(v), percentile(v, set.upper))
			}
			col := func(get func(fidelity) float64) string {
				var v []float64
				for _, f := range set.runs {
					v = append(v, get(f))
				}
				return stat(v)
			}
			var lags, first, later []float64
			workers := 0
			for _, f := range set.runs {
				lags = append(lags, f.lags...)
				if len(f.sendDelays) > 0 {
					first = append(first, f.sendDelays[0])
					later = append(later, f.sendDelays[1:]...)
				}
				if f.worker {
					workers++
				}
			}
			lag, sent, via := "—", "—", "—"
			if len(lags) > 0 {
				lag = fmt.Sprintf("%s over %d reads", stat(lags), len(lags))
			}
			if len(first) > 0 {
				sent = fmt.Sprintf("%s / %s", stat(first), stat(later))
			}
			net, read := "—", "—"
			if set.network {
				net, read = col(fidelity.netTTFBMs), col(fidelity.readTTFBMs)
			}
			if set.page {
				via = fmt.Sprintf("%d of %d", workers, len(set.runs))
			}
			fmt.Fprintf(b, "| %s (`%s`) | %s, %d | %s | %s | %s | %s | %s | %s | %s |\n", fc.name, fc.query, set.name, len(set.runs),
				col(fidelity.headersMs), net, read, col(fidelity.totalMs), lag, sent, via)
		}
		log.Printf("fidelity: %s done", fc.name)
	}
	fmt.Fprintf(b, "\nWhat the page adds to what the bare worker shows: in each warm round, the page's figure − the control's (each already minus its own curl run), median (p90) over the %d rounds; cold, each run of the page as a link opens it − the control's cold read beside it, median (max) over %d; ms; negative: the page did better:\n\n", n, coldRounds)
	fmt.Fprintf(b, "| request | headers | network TTFB | first read | total |\n|---|---|---|---|---|\n")
	for _, a := range adds {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", a.name, a.cols[0], a.cols[1], a.cols[2], a.cols[3])
	}
	fmt.Fprintln(b)
	return nil
}

// fidelityColumns are the four figures a page run and a control run share.
var fidelityColumns = [4]func(fidelity) float64{fidelity.headersMs, fidelity.netTTFBMs, fidelity.readTTFBMs, fidelity.totalMs}

func (f fidelity) headersMs() float64  { return f.headers }
func (f fidelity) netTTFBMs() float64  { return f.netTTFB }
func (f fidelity) readTTFBMs() float64 { return f.readTTFB }
func (f fidelity) totalMs() float64    { return f.total }
