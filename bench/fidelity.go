package main

import (
	"context"
	"fmt"
	"log"
	"math"
	"slices"
	"strings"
	"time"

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
	{"streaming 16 MiB, no delay", "streaming", bodyQuery(16 * MiB)},
}

// fidelity is one page run beside its curl run, in ms.
type fidelity struct {
	headers, netTTFB, readTTFB, total float64 // page − curl
	lags                              []float64
	worker                            bool
}

func measureFidelity(r record.Run, c curlResult) (fidelity, error) {
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

// plainFetch is the control: what the same browser shows a plain script
// on the page's main thread — fetch, then a read() loop — for the same
// request, with none of chunkscope's apparatus: the browser's own floor.
const plainFetch = `(async () => {
  const url = %q;
  const t0 = performance.now();
  const resp = await fetch(url, {cache: "no-store"});
  const headers = performance.now() - t0;
  const reader = resp.body.getReader();
  let first = -1, total = 0;
  for (;;) {
    const {done} = await reader.read();
    const t = performance.now() - t0;
    if (done) { total = t; break; }
    if (first < 0) first = t;
  }
  await new Promise((r) => setTimeout(r, 50));
  const e = performance.getEntriesByName(new URL(url, location.href).href).find((e) => e.startTime >= t0 - 1);
  return JSON.stringify({headers, first, total, rs: e ? e.responseStart - t0 : 0});
})()`

// plainRun is plainFetch of the case's request in the page of ctx, after a
// curl of it.
func plainRun(ctx context.Context, base string, fc fidelityCase, i int) (fidelity, error) {
	c, err := curlTidy(base, fc, fmt.Sprintf("p%d", i))
	if err != nil {
		return fidelity{}, err
	}
	if err := untilTidy(base); err != nil {
		return fidelity{}, err
	}
	url := fmt.Sprintf("/csv/%s?%s&run=benchplain-%d-%d", fc.scenario, fc.query, i, time.Now().UnixNano())
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(plainFetch, url), chromedp.EvalAwaitPromise))
	if err != nil {
		return fidelity{}, fmt.Errorf("plain fetch: %w", err)
	}
	var p struct{ Headers, First, Total, Rs float64 }
	if err := jsonUnmarshal(raw, &p); err != nil {
		return fidelity{}, err
	}
	return fidelity{headers: p.Headers - 1000*c.ttfb, netTTFB: p.Rs - 1000*c.ttfb, readTTFB: p.First - 1000*c.ttfb, total: p.Total - 1000*c.total}, nil
}

// warmRuns opens the case's page once, waits, then presses Run n times,
// each after a curl of the same request (tagged as the page tags its own),
// and after each, runs the plain script (plainRun) in the same page.
func warmRuns(browser context.Context, base string, fc fidelityCase, n int) (page, plain []fidelity, err error) {
	ctx, cancel := chromedp.NewContext(browser)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 5*time.Minute)
	defer cancelT()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?scenario="+fc.scenario+"&"+fc.query+"&wire=1")); err != nil {
		return nil, nil, err
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.chunkscope && window.chunkscope.readyMs)`)); err != nil {
		return nil, nil, fmt.Errorf("waiting for the page: %w", err)
	}
	time.Sleep(2 * time.Second) // warm: the page has long finished starting
	for i := 0; i < n; i++ {
		c, err := curlTidy(base, fc, fmt.Sprintf("w%d", i))
		if err != nil {
			return nil, nil, err
		}
		r, err := clickRun(ctx, i+1, true)
		if err != nil {
			return nil, nil, err
		}
		f, err := measureFidelity(r, c)
		if err != nil {
			return nil, nil, err
		}
		page = append(page, f)
		if f, err = plainRun(ctx, base, fc, i); err != nil {
			return nil, nil, err
		}
		plain = append(plain, f)
	}
	return page, plain, nil
}

// coldRun opens the case's link with autorun=1 in a fresh browser context.
func coldRun(browser context.Context, base string, fc fidelityCase, i int) (fidelity, error) {
	c, err := curlTidy(base, fc, fmt.Sprintf("c%d", i))
	if err != nil {
		return fidelity{}, err
	}
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelT()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?scenario="+fc.scenario+"&"+fc.query+"&wire=1&autorun=1")); err != nil {
		return fidelity{}, err
	}
	r, err := waitRun(ctx, 1, true)
	if err != nil {
		return fidelity{}, err
	}
	return measureFidelity(r, c)
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
	const cold = 3
	fmt.Fprintf(b, "## Fidelity: the page against curl and the wire\n\n")
	fmt.Fprintf(b, "What the page reports minus what curl reports for the same request on loopback (each page run paired with a curl run just before it, both tagged `run=…` and both after a `/clock`), in ms: headers (fetch resolved − curl's `time_starttransfer`), TTFB as the browser's network stack saw it (Resource Timing `responseStart` − curl's), TTFB as the page's first `read()` saw it, and the total (end of body − curl's `time_total`). Read lag: each piece the page read, stamped by the pump in its worker, minus the wire probe's arrival of the same bytes (the raw TCP probe of the same request, `wire=1`), over all pieces of all runs. Warm: %d runs, Run pressed on a page open for 2 s; cold: %d links with `autorun=1`, each in a fresh browser context (first visit). Figures are median (p90) for warm, median (max) for cold. The \"plain script\" rows are the control: after each warm run, a plain `fetch()` and `read()` loop on the page's main thread, in the same tab, for the same request (paired with its own curl run): what this browser costs by itself on this machine, which no page can go below. Goals: warm medians ≤ 2 ms, p90 ≤ 5 ms; cold ≤ 10 ms. t = 0 is `performance.now()` just before the page's `fetch()`.\n\n", runs, cold)
	fmt.Fprintf(b, "| request | runs | headers − curl | network TTFB − curl | first read − curl | total − curl | read lag behind the wire | through a service worker's fetch event |\n|---|---|---|---|---|---|---|---|\n")
	for _, fc := range fidelityCases {
		warm, plain, err := warmRuns(browser, base, fc, runs)
		if err != nil {
			return fmt.Errorf("fidelity %s, warm: %w", fc.name, err)
		}
		var colds []fidelity
		for i := 0; i < cold; i++ {
			f, err := coldRun(browser, base, fc, i)
			if err != nil {
				return fmt.Errorf("fidelity %s, cold: %w", fc.name, err)
			}
			colds = append(colds, f)
		}
		for _, set := range []struct {
			name  string
			runs  []fidelity
			upper float64
		}{{"warm", warm, 90}, {"cold", colds, 100}, {"plain script, warm", plain, 90}} {
			col := func(get func(fidelity) float64) string {
				var v []float64
				for _, f := range set.runs {
					v = append(v, get(f))
				}
				return fmt.Sprintf("%.1f (%.1f)", median(v), percentile(v, set.upper))
			}
			var lags []float64
			workers := 0
			for _, f := range set.runs {
				lags = append(lags, f.lags...)
				if f.worker {
					workers++
				}
			}
			lag, via := "—", "—"
			if len(lags) > 0 {
				lag = fmt.Sprintf("%.1f (%.1f) over %d reads", median(lags), percentile(lags, set.upper), len(lags))
				via = fmt.Sprintf("%d of %d", workers, len(set.runs))
			}
			fmt.Fprintf(b, "| %s (`%s`) | %s, %d | %s | %s | %s | %s | %s | %s |\n", fc.name, fc.query, set.name, len(set.runs),
				col(func(f fidelity) float64 { return f.headers }), col(func(f fidelity) float64 { return f.netTTFB }),
				col(func(f fidelity) float64 { return f.readTTFB }), col(func(f fidelity) float64 { return f.total }),
				lag, via)
		}
		log.Printf("fidelity: %s done", fc.name)
	}
	fmt.Fprintln(b)
	return nil
}
