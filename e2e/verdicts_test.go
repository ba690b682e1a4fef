package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
	"chunkscope/app/spec"
	"chunkscope/internal/harness"
)

// paces are the sizes and paces TestVerdictsAtSizesAndPaces reads every
// scenario at: under and over net/http's 2 KB response buffer, paced (a
// person sees the pieces) and at once (nobody could).
var paces = []struct{ name, query string }{
	{"6.5 KB paced", "rows=30&pad=200&delay=20ms"}, // 30 groups of 215 B over 0.6 s, over 2 KB (and 4 KB)
	{"305 B at once", "rows=20"},                   // 20 groups, no delay, under 2 KB
	{"349 KB at once", "rows=20000&per=64"},        // 313 groups of ~1.1 KB, no delay
}

// Content-Length, as each scenario's text says it comes.
const (
	clSet  = "set"  // the handler (or the middleware, or the proxy) sets it
	clNone = "none" // flushed before the end: chunked, never a Content-Length
	clAuto = "auto" // written unflushed: net/http adds one by itself when the body fits its 2 KB buffer, else chunked
	clAny  = ""     // no body, or not checked
)

// verdictTable is what each scenario really does at each of paces, in its
// order, and where its Content-Length comes from.
var verdictTable = map[string]struct {
	kinds [3]string
	cl    string
}{
	"buffered":       {[3]string{"one-piece", "one-piece", "one-piece"}, clSet},
	"streaming":      {[3]string{"streamed", "merged", "merged"}, clNone},
	"content-length": {[3]string{"streamed", "merged", "merged"}, clSet},
	"head-streaming": {[3]string{"no-body", "no-body", "no-body"}, clAny},
	"head-buffered":  {[3]string{"no-body", "no-body", "no-body"}, clAny},
	"no-content":     {[3]string{"no-body", "no-body", "no-body"}, clAny},
	"not-modified":   {[3]string{"no-body", "no-body", "no-body"}, clAny},
	// One write when the body is whole: one piece at any size and pace.
	"single-write": {[3]string{"one-piece", "one-piece", "one-piece"}, clAuto},
	// Never flushed: held whole under 2 KB; released in 4 KB bursts over
	// it; at once, whatever net/http let go it let go back to back.
	"no-flush":       {[3]string{"burst", "one-piece", "one-piece"}, clAuto},
	"gzip-buffered":  {[3]string{"one-piece", "one-piece", "one-piece"}, clSet},
	"gzip-streaming": {[3]string{"streamed", "merged", "merged"}, clNone},
	"accel-no":       {[3]string{"streamed", "merged", "merged"}, clNone},
	"proxy-chunked":  {[3]string{"streamed", "merged", "merged"}, clNone},
	// The proxy does not flush a sized body: it holds what fits its
	// buffers (one piece under them, 4 KB bursts over them); at once, the
	// upstream's flushed pieces pass as fast as they came.
	"proxy-length":    {[3]string{"burst", "merged", "merged"}, clSet},
	"proxy-flush":     {[3]string{"streamed", "merged", "merged"}, clSet},
	"hidden-flush":    {[3]string{"burst", "one-piece", "one-piece"}, clAuto},
	"fixed-flush":     {[3]string{"streamed", "merged", "merged"}, clNone},
	"timeout-handler": {[3]string{"one-piece", "one-piece", "one-piece"}, clAuto},
	// Cut 500 ms into a 0.6 s production; a body produced at once is done
	// long before.
	"write-timeout":  {[3]string{"error", "merged", "merged"}, clNone},
	"write-deadline": {[3]string{"streamed", "merged", "merged"}, clNone},
}

// cardShown is what the page shows of one run: its card's verdict sentence.
type cardShown struct {
	Scenario, Kind, Text string
	Evidence             []string
}

// TestVerdictsAtSizesAndPaces reads every scenario the browser can send
// (the table's, but http10 and http2, which only the probe can) at four
// sizes and paces, in one page — each view of up to eight lanes is an
// in-page navigation (go-app's goappNav), not a page load — and checks the
// verdict kind against verdictTable, the sentence cardShown on its card
// against the record, and the framing the sentence and the scenario's
// text claim against the headers. Then the seed's Gunicorn case: an
// upstream (the same server, reached through a second one started with
// -upstream) streaming 2,000 rows with no delay, read with the wire
// probe and no send log: merged, never one piece.
func TestVerdictsAtSizesAndPaces(t *testing.T) {
	ctx, stop := frontPage(t, 5*time.Minute)
	defer stop()

	var names []string
	for _, sc := range spec.Scenarios() {
		if sc.Proto != "" {
			continue // the browser cannot send it: the probe reads it (TestWireLane)
		}
		if _, ok := verdictTable[sc.Name]; !ok {
			t.Errorf("%s: not in verdictTable: say what it does at each size and pace", sc.Name)
			continue
		}
		names = append(names, sc.Name)
	}
	start := time.Now()
	for i, p := range paces {
		t.Run(p.name, func(t *testing.T) {
			q, _ := url.ParseQuery(p.query)
			s, err := spec.Parse(q)
			if err != nil {
				t.Fatal(err)
			}
			size := s.BodySize()
			for from := 0; from < len(names); from += 8 {
				lanes := names[from:min(from+8, len(names))]
				runs, cards := view(t, ctx, "/?autorun=1&"+p.query+"&compare="+strings.Join(lanes, ","), len(lanes))
				for j, r := range runs {
					name := lanes[j]
					want := verdictTable[name]
					t.Run(name, func(t *testing.T) {
						if r.Scenario != name {
							t.Fatalf("lane %d is %s; want %s", j, r.Scenario, name)
						}
						t.Logf("%s, %d reads over %.0f ms, %d sends: %s", r.Verdict.Kind, len(r.Chunks), r.Spread(), len(r.Sent), r.Verdict.Detail)
						if r.Verdict.Kind != want.kinds[i] {
							t.Errorf("verdict %s (%s); want %s", r.Verdict.Kind, r.Verdict.Detail, want.kinds[i])
						}
						checkShown(t, r, cards[j])
						checkShownFraming(t, r, want.cl, size)
					})
				}
			}
		})
	}
	t.Logf("%d scenarios at %d sizes and paces: %.1f s", len(names), len(paces), time.Since(start).Seconds())

	// The seed's Gunicorn app: 2,000 tiny chunks, no delay, read by the
	// browser in a few reads. The arrivals alone cannot say how it was
	// sent; the wire can.
	t.Run("gunicorn-like upstream", func(t *testing.T) {
		target := env.base + "/csv/streaming?rows=2000"
		runs, cards := view(t, ctx, "/?autorun=1&wire=1&url="+url.QueryEscape(target), 1)
		r := runs[0]
		if r.Wire == nil || r.Wire.Framing != "chunked" || r.Wire.Chunks != 2000 || len(r.Sent) != 0 {
			t.Fatalf("wire %+v, %d sends; want the upstream's 2000 chunks and no send log", r.Wire, len(r.Sent))
		}
		t.Logf("%d reads over %.1f ms; wire: %d chunks; verdict %s: %s", len(r.Chunks), r.Spread(), r.Wire.Chunks, r.Verdict.Kind, r.Verdict.Detail)
		if r.Spread() < record.BurstMs && r.Verdict.Kind != record.KindMerged {
			t.Errorf("verdict %s (%s); want merged: 2000 chunks on the wire", r.Verdict.Kind, r.Verdict.Detail)
		}
		if r.Verdict.Kind == record.KindOnePiece || strings.Contains(r.Verdict.Detail, "one piece") || strings.Contains(r.Verdict.Layer, "whole") {
			t.Errorf("verdict %s (%s; layer %q): the wire shows 2000 chunks, not one piece", r.Verdict.Kind, r.Verdict.Detail, r.Verdict.Layer)
		}
		checkShown(t, r, cards[0])
		checkShownFraming(t, r, clNone, 0)
	})
}

// frontPage opens the page of a second server that may read the first one
// (env.base) as its upstream, ready to navigate in place; stop ends both
// the tab's deadline and that server.
func frontPage(t *testing.T, d time.Duration) (context.Context, func()) {
	t.Helper()
	bin := binaryAndBrowser(t)
	front, err := harness.Start(bin, os.Stderr, "-upstream", env.base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tab(t)), d)
	stop := func() { cancel(); front.Stop() }
	if err := chromedp.Do(ctx, chromedp.Navigate(front.Base+"/")); err != nil {
		stop()
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.chunkscope && window.chunkscope.readyMs && window.goappNav)`,
		chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		stop()
		t.Fatal(err)
	}
	return ctx, stop
}

// view navigates the page in place to path and returns the n runs it
// reads, with what their cards show.
func view(t *testing.T, ctx context.Context, path string, n int) ([]record.Run, []cardShown) {
	t.Helper()
	// The page stays the same component: its runs() keeps every run of
	// the page load, and the new view's runs come after those there now.
	before, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.chunkscope.runs().length`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(window.goappNav(%q), true)`, path))); err != nil {
		t.Fatal(err)
	}
	cond := fmt.Sprintf(`window.chunkscope.runs().length >= %d`, before+n)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer scancel()
		state, _ := chromedp.Run(sctx, chromedp.Evaluate[string](`JSON.stringify({href: location.href,
			runs: window.chunkscope.runs().map(r => r.scenario + " " + r.id),
			error: (document.getElementById("form-error") || {}).textContent || "",
			table: (document.querySelector("table") || {}).textContent || ""})`))
		t.Fatalf("%s: waiting for %d runs: %v; the page: %s", path, n, err, state)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({runs: window.chunkscope.runs().slice(`+strconv.Itoa(before)+`),
		cards: Array.from(document.querySelectorAll("details.summary")).map(d => ({
			scenario: d.dataset.scenario,
			kind: (d.querySelector(".verdict") || {dataset: {}}).dataset.kind || "",
			text: (d.querySelector(".verdict") || {}).textContent || "",
			evidence: Array.from(d.querySelectorAll("ul.evidence li")).map(li => li.textContent)}))})`))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Runs  []record.Run
		Cards []cardShown
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Runs) != n || len(got.Cards) != n {
		t.Fatalf("%s: %d runs, %d cards; want %d", path, len(got.Runs), len(got.Cards), n)
	}
	return got.Runs, got.Cards
}

// checkShown: the card beside the run shows the record's own verdict.
func checkShown(t *testing.T, r record.Run, c cardShown) {
	t.Helper()
	if c.Scenario != r.Scenario || c.Kind != r.Verdict.Kind || c.Text != r.Verdict.Detail {
		t.Errorf("card %s shows %s %q; the record says %s %q", c.Scenario, c.Kind, c.Text, r.Verdict.Kind, r.Verdict.Detail)
	}
	if strings.Join(c.Evidence, "\n") != strings.Join(r.Verdict.Evidence, "\n") {
		t.Errorf("card evidence %q; the record's %q", c.Evidence, r.Verdict.Evidence)
	}
}

// checkShownFraming: what the verdict and its evidence say of Content-Length and
// chunking is what the headers say, and the headers are what the
// scenario's text says (cl) for a body of size bytes.
func checkShownFraming(t *testing.T, r record.Run, cl string, size int64) {
	t.Helper()
	gotCL, te := r.Header("content-length"), r.Header("transfer-encoding")
	d := r.Verdict.Detail
	if strings.Contains(d, "Content-Length was set") != (gotCL != "") ||
		(gotCL != "" && !strings.Contains(d, "Content-Length was set ("+gotCL+" bytes)")) {
		if r.Verdict.Kind != record.KindNoBody && r.Verdict.Kind != record.KindError {
			t.Errorf("verdict %q beside Content-Length %q", d, gotCL)
		}
	}
	if strings.Contains(d, "no Content-Length") && gotCL != "" {
		t.Errorf("verdict %q beside Content-Length %q", d, gotCL)
	}
	if strings.Contains(d, "chunked") != strings.Contains(te, "chunked") && r.Verdict.Kind != record.KindNoBody && r.Verdict.Kind != record.KindError {
		t.Errorf("verdict %q beside Transfer-Encoding %q", d, te)
	}
	hasCL := false
	for _, e := range r.Verdict.Evidence {
		if v, ok := strings.CutPrefix(e, "Content-Length: "); ok {
			hasCL = true
			if v != gotCL {
				t.Errorf("evidence %q beside Content-Length %q", e, gotCL)
			}
		}
	}
	if hasCL != (gotCL != "") && len(r.Verdict.Evidence) > 0 {
		t.Errorf("evidence %q beside Content-Length %q", r.Verdict.Evidence, gotCL)
	}
	if r.Error != "" {
		return // cut short: whatever framing it began with
	}
	sc, _ := spec.Lookup(r.Scenario)
	want := cl
	if cl == clAuto {
		if !strings.Contains(sc.Explain, "automatic Content-Length") {
			t.Errorf("%s's text does not say when net/http adds a Content-Length itself: %q", r.Scenario, sc.Explain)
		}
		want = clNone
		if size < 2048 {
			want = clSet
		}
	}
	switch {
	case want == clSet && gotCL != strconv.FormatInt(r.Bytes, 10) && r.Header("content-encoding") == "":
		t.Errorf("Content-Length %q for %d bytes; want it set (body %d B)", gotCL, r.Bytes, size)
	case want == clSet && gotCL == "":
		t.Errorf("no Content-Length; want one (body %d B)", size)
	case want == clNone && (gotCL != "" || te != "chunked"):
		t.Errorf("Content-Length %q, Transfer-Encoding %q; want chunked, no Content-Length (body %d B)", gotCL, te, size)
	}
}

// TestOneRequestOneResponse: the wire probe sends the page's request. An
// upstream that answers in gzip only (the gzip-buffered scenario, reached
// through a second chunkscope with -upstream) is read by the page with the
// browser's own Accept-Encoding; the probe sends the same (it refused a
// probe without one with 406 before), so the two responses agree, the
// record says what the probe sent, and the verdict draws on the wire.
func TestOneRequestOneResponse(t *testing.T) {
	ctx, stop := frontPage(t, 2*time.Minute)
	defer stop()
	target := env.base + "/csv/gzip-buffered?rows=200&delay=2ms"
	runs, cards := view(t, ctx, "/?autorun=1&wire=1&url="+url.QueryEscape(target), 1)
	r := runs[0]
	w := r.Wire
	if w == nil {
		t.Fatal("no wire section")
	}
	t.Logf("page: %d %s, %d B; probe sent %v, got %d %s; differs %q; verdict %s: %s", r.Status, r.Header("content-encoding"), r.Bytes,
		w.Request, w.Status, w.Headers["content-encoding"], w.Differs, r.Verdict.Kind, r.Verdict.Detail)
	ae := w.Request["Accept-Encoding"]
	if r.Status != 200 || r.Header("content-encoding") != "gzip" || !strings.Contains(ae, "gzip") {
		t.Errorf("page %d %q; the probe sent Accept-Encoding %q; want 200 gzip, the browser's Accept-Encoding", r.Status, r.Header("content-encoding"), ae)
	}
	if w.Status != 200 || w.Headers["content-encoding"] != "gzip" || len(w.Differs) != 0 {
		t.Errorf("probe %d %q, differs %q; want the page's response: 200 gzip, no difference", w.Status, w.Headers["content-encoding"], w.Differs)
	}
	if strings.Contains(r.Verdict.Detail, "another response") {
		t.Errorf("verdict %q; want it to draw on the wire, the same response", r.Verdict.Detail)
	}
	checkShown(t, r, cards[0])
}

// labRecord is a finished upstream run as the lab measured it: headers at
// headersMs, reads, and optionally the wire probe's section; its verdict
// explained as the page would.
func labRecord(id string, headers map[string]string, headersMs float64, chunks []record.Chunk, w *record.Wire) *record.Run {
	r := record.New(record.Plan{ID: id, Scenario: record.Upstream, URL: "/upstream?url=http%3A%2F%2F127.0.0.1%3A8001%2Fexport%2F",
		Params: map[string]string{"url": "http://127.0.0.1:8001/export/"}, ReadMode: "stream", Started: time.Date(2026, 12, 6, 11, 0, 0, 0, time.UTC)})
	r.Respond(200, headers, headersMs)
	r.Append(chunks...)
	r.Wire = w
	r.Finish(record.End{TotalMs: chunks[len(chunks)-1].T + 1, Timing: &record.ResourceTiming{EncodedBodySize: 18224}})
	return r
}

// TestLabVerdictsOnCards: records of the lab's cases, loaded into a page,
// show on their cards what the verdict says — the kind, the sentence, the
// layer after "Held by:" — and, for a wire probe of another response, the
// row that says so; the screenshot is looked at.
func TestLabVerdictsOnCards(t *testing.T) {
	ctx := tab(t)
	nginx := map[string]string{"transfer-encoding": "chunked", "server": "nginx/1.22.1", "content-type": "text/csv"}
	var pieces []record.Chunk
	for i := 0; i < 22; i++ {
		n := 4096
		if i == 21 {
			n = 86481 - 21*4096
		}
		pieces = append(pieces, record.Chunk{T: 211 + 200*float64(i), N: n})
	}
	gz := map[string]string{"transfer-encoding": "chunked", "content-encoding": "gzip", "server": "gunicorn/20.1.0"}
	plain := &record.Wire{Status: 200, Proto: "HTTP/1.1", Framing: "chunked", Chunks: 2001, ContentLength: -1, BodyBytes: 86481, Complete: true,
		Headers: map[string]string{"server": "gunicorn/20.1.0", "transfer-encoding": "chunked"}}
	varnish := map[string]string{"content-length": "86481", "server": "gunicorn/20.1.0", "age": "3", "x-varnish": "32770 3", "via": "1.1 varnish (Varnish/7.1)"}
	runs := []*record.Run{
		labRecord("nginx-stock", nginx, 2, pieces, nil),
		labRecord("gzip-middleware", gz, 3, []record.Chunk{{T: 4021, N: 86481}}, plain),
		labRecord("varnish-hit", varnish, 1.5, []record.Chunk{{T: 2, N: 86481}}, nil),
	}
	wants := []struct{ kind, layer string }{
		{record.KindBatched, "Held by: the upstream (its server or a proxy in front of it; Server: nginx/1.22.1): it let the body go 4.0 KiB at a time"},
		{record.KindOnePiece, "Held by: the upstream (its server or a proxy in front of it; Server: gunicorn/20.1.0): most likely its compressor"},
		{record.KindOnePiece, "Held by: the cache: Varnish (Age: 3, X-Varnish: 32770 3)"},
	}
	b, err := json.Marshal(runs)
	if err != nil {
		t.Fatal(err)
	}
	freshPage(t, ctx)
	if got := load(t, ctx, jsString(string(b))); got != "ok:3" {
		t.Fatalf("load: %s; want ok:3", got)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(Array.from(document.querySelectorAll("details.summary")).map(d => ({
		kind: (d.querySelector(".verdict") || {dataset: {}}).dataset.kind || "",
		text: (d.querySelector(".verdict") || {}).textContent || "",
		layer: (d.querySelector("p.layer") || {}).textContent || "",
		rows: Array.from(d.querySelectorAll("tr")).map(tr => tr.textContent)})))`))
	if err != nil {
		t.Fatal(err)
	}
	var cards []struct {
		Kind, Text, Layer string
		Rows              []string
	}
	if err := json.Unmarshal([]byte(raw), &cards); err != nil || len(cards) != 3 {
		t.Fatalf("%d cards (%v); want 3", len(cards), err)
	}
	for i, c := range cards {
		if c.Kind != wants[i].kind || c.Text != runs[i].Verdict.Detail || !strings.HasPrefix(c.Layer, wants[i].layer) {
			t.Errorf("card %d: %s %q, %q; want %s, the record's sentence, %q…", i, c.Kind, c.Text, c.Layer, wants[i].kind, wants[i].layer)
		}
	}
	other := false
	for _, row := range cards[1].Rows {
		other = other || strings.HasPrefix(row, "wire: another responseContent-Encoding: the page's gzip, the probe's none")
	}
	if !other {
		t.Errorf("gzip card rows %q; want one saying the wire probe got another response", cards[1].Rows)
	}
	shot(t, ctx, "lab-verdicts.png")
}
