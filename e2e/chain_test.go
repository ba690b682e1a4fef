package e2e

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
	"chunkscope/app/wire"
	"chunkscope/internal/harness"
)

// chainLink is the page's link for a chain of URLs, outermost first: each
// percent-encoded, separated by commas.
func chainLink(base string, urls []string, rest string) string {
	items := make([]string, len(urls))
	for i, u := range urls {
		items[i] = url.QueryEscape(u)
	}
	return base + "/?chain=" + strings.Join(items, ",") + rest
}

// readChain opens a chain link and waits for window.chunkscope.chain() to
// compare every hop.
func readChain(t *testing.T, ctx context.Context, link string, hops int) record.Chain {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	ready := `(() => { const c = window.chunkscope && window.chunkscope.chain && window.chunkscope.chain();
		return !!c && c.hops.length === ` + string(rune('0'+hops)) + ` && !c.sentence.startsWith("Reading") })()`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](ready, chromedp.WithPollingInterval(200*time.Millisecond))); err != nil {
		t.Fatalf("%s: the chain was not compared: %v", link, err)
	}
	var c record.Chain
	if err := json.Unmarshal([]byte(eval[string](t, ctx, `JSON.stringify(window.chunkscope.chain())`)), &c); err != nil {
		t.Fatal(err)
	}
	shown := eval[string](t, ctx, `document.getElementById("chain-sentence").textContent`)
	if shown != c.Sentence {
		t.Errorf("the page says %q; chain() says %q", shown, c.Sentence)
	}
	return c
}

// TestChainOnTheLab is issue 22's proof with real servers on loopback (the
// lab: Django under Gunicorn, behind nginx and Apache), chunkscope started
// with one -upstream port wildcard for the whole lab:
//   - nginx on its stock proxy settings → Gunicorn: the sentence names nginx
//     and its ~4 KiB pieces, changedAt 0;
//   - Apache → Gunicorn (which streams): no hop changed it, changedAt -1;
//   - a Cookie set in the page's request headers reaches the Django view
//     behind a "login" (403 without it) through the page's read and the
//     wire probe, and is in neither the link nor the saved file nor the HAR,
//     which say they left it out.
func TestChainOnTheLab(t *testing.T) {
	bin := binaryAndBrowser(t)
	l := startTheLab(t)
	front, err := harness.Start(bin, os.Stderr, "-upstream", "http://127.0.0.1:*")
	if err != nil {
		t.Fatal(err)
	}
	defer front.Stop()
	ctx := tabFor(t, 6*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720)); err != nil {
		t.Fatal(err)
	}
	port := func(name string) string {
		u, _ := url.Parse(l.URL(name))
		return u.Port()
	}
	const exportPath = "/download_csv_streaming?rows=2000&delay=2"

	t.Run("nginx stock → Gunicorn: nginx, in ~4 KiB pieces", func(t *testing.T) {
		c := readChain(t, ctx, chainLink(front.Base, []string{l.URL("nginx-stock") + exportPath, l.URL("gunicorn") + exportPath}, "&wire=1&autorun=1"), 2)
		t.Logf("chain: %s", c.Sentence)
		for i, h := range c.Hops {
			t.Logf("hop %d %s: ttfb %.0f ms, %d reads, %d B, %s", i, h.Name, h.TTFBMs, h.Reads, h.Bytes, h.Verdict)
		}
		if c.ChangedAt != 0 {
			t.Errorf("changedAt = %d; want 0 (nginx)", c.ChangedAt)
		}
		for _, want := range []string{"between nginx (:" + port("nginx-stock") + ") and Gunicorn (:" + port("gunicorn") + ")", "of ~4.0 KiB on the wire", "first byte on the wire"} {
			if !strings.Contains(c.Sentence, want) {
				t.Errorf("sentence %q lacks %q", c.Sentence, want)
			}
		}
		if c.Hops[0].Bytes != c.Hops[1].Bytes || c.Hops[0].Bytes == 0 {
			t.Errorf("bytes %d and %d; want the same export through both hops", c.Hops[0].Bytes, c.Hops[1].Bytes)
		}
		// The link to this view is the chain's.
		href := eval[string](t, ctx, `document.getElementById("permalink").href`)
		q, err := url.Parse(href)
		if err != nil || !strings.Contains(q.RawQuery, "chain="+url.QueryEscape(l.URL("nginx-stock")+exportPath)+","+url.QueryEscape(l.URL("gunicorn")+exportPath)) {
			t.Errorf("link to this view %s; want the chain", href)
		}
		// What a person sees first, at 1280×720: the sentence over the lanes.
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("out", 0o755); err == nil {
			os.WriteFile(filepath.Join("out", "chain.png"), png, 0o644)
		}
		top := eval[float64](t, ctx, `document.getElementById("chain-sentence").getBoundingClientRect().bottom`)
		if top > 720 {
			t.Errorf("the chain's sentence ends at %.0f px: below the first screen", top)
		}
	})

	t.Run("Apache → Gunicorn: no hop changed it", func(t *testing.T) {
		c := readChain(t, ctx, chainLink(front.Base, []string{l.URL("apache") + exportPath, l.URL("gunicorn") + exportPath}, "&wire=1&autorun=1"), 2)
		t.Logf("chain: %s", c.Sentence)
		if c.ChangedAt != -1 || !strings.HasPrefix(c.Sentence, "No hop changed the pacing") {
			t.Errorf("changedAt %d, %q; want -1 and no hop named", c.ChangedAt, c.Sentence)
		}
	})

	t.Run("a hop outside the allowlist: no comparison, and the flag that would allow it", func(t *testing.T) {
		c := readChain(t, ctx, chainLink(front.Base, []string{"http://127.0.0.2:1" + exportPath, l.URL("gunicorn") + "/download_csv_streaming?rows=20"}, "&autorun=1"), 2)
		t.Logf("chain: %s", c.Sentence)
		if c.ChangedAt != -1 || !strings.Contains(c.Sentence, "cannot be compared: 127.0.0.2:1 (hop 1) failed") || !strings.Contains(c.Sentence, "start chunkscope with -upstream http://127.0.0.2:1") {
			t.Errorf("changedAt %d, %q; want -1, the hop named, and the -upstream flag that would allow it", c.ChangedAt, c.Sentence)
		}
	})

	t.Run("a link holds every lane: two url= read two lanes, and the link keeps both", func(t *testing.T) {
		a, b := l.URL("gunicorn")+"/download_csv_streaming?rows=20", l.URL("uvicorn")+"/download_csv_streaming?rows=20"
		runs := runsAfterAt(t, ctx, front.Base+"/?url="+url.QueryEscape(a)+"&url="+url.QueryEscape(b)+"&autorun=1", 2)
		if runs[0].Params["url"] != a || runs[1].Params["url"] != b || runs[0].Status != 200 || runs[1].Status != 200 {
			t.Errorf("runs %s (%d), %s (%d); want %s then %s, both 200", runs[0].Params["url"], runs[0].Status, runs[1].Params["url"], runs[1].Status, a, b)
		}
		href := eval[string](t, ctx, `document.getElementById("permalink").href`)
		if !strings.Contains(href, "url="+url.QueryEscape(a)+"&url="+url.QueryEscape(b)) {
			t.Errorf("link to this view %s; want both url=, in order", href)
		}
	})

	t.Run("a cookie set in the page reaches the app, and is kept nowhere", func(t *testing.T) {
		const secret = "letmein"
		private := l.URL("gunicorn") + "/private/download_csv_streaming?rows=20&delay=10"
		if err := chromedp.Do(ctx, chromedp.Navigate(front.Base+"/?url="+url.QueryEscape(private)+"&wire=1")); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.chunkscope && window.chunkscope.readyMs && document.getElementById("headers"))`)); err != nil {
			t.Fatal(err)
		}
		set := `(() => { const el = document.getElementById("headers"); el.value = "Cookie: labsession=` + secret + `\nIf-None-Match: \"v0\"";
			el.dispatchEvent(new Event("input", {bubbles: true})); document.getElementById("run").click(); return true })()`
		eval[bool](t, ctx, set)
		runs, err := harness.WaitRuns(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		r := runs[0]
		if r.Status != 200 || r.Bytes == 0 || r.Wire == nil || r.Wire.Status != 200 {
			t.Fatalf("status %d (%s), %d B, wire %+v; want 200 through the login, for the page's read and the probe", r.Status, r.ErrorBody, r.Bytes, r.Wire)
		}
		if r.RequestHeaders["Cookie"] != wire.LeftOut || r.RequestHeaders["If-None-Match"] != `"v0"` || r.Wire.Request["Cookie"] != wire.LeftOut {
			t.Errorf("record: requestHeaders %v, wire.request %v; want the Cookie's value left out, the rest kept", r.RequestHeaders, r.Wire.Request)
		}
		href := eval[string](t, ctx, `document.getElementById("permalink").href`)
		note := eval[string](t, ctx, `(document.getElementById("link-left-out") || {}).textContent || ""`)
		if strings.Contains(href, secret) || !strings.Contains(href, "If-None-Match") || !strings.Contains(note, "leaves out Cookie") {
			t.Errorf("link %s, note %q; want If-None-Match in it, the cookie left out and said so", href, note)
		}
		for _, format := range []string{"json", "har"} {
			saved := export(t, ctx, format, 1)
			if strings.Contains(saved, secret) || !strings.Contains(saved, "left out") && format == "json" {
				t.Errorf("%s export: holds the cookie %v, says it left it out %v", format, strings.Contains(saved, secret), strings.Contains(saved, "left out"))
			}
		}
		if all := eval[string](t, ctx, `JSON.stringify(window.chunkscope.runs())`); strings.Contains(all, secret) {
			t.Errorf("runs() holds the cookie")
		}
	})

	if png, err := os.ReadFile(filepath.Join("out", "chain.png")); err == nil {
		t.Logf("chain.png: %d bytes", len(png))
	}
}

// runsAfterAt opens a page of another server and waits until runs() holds
// n finished runs.
func runsAfterAt(t *testing.T, ctx context.Context, link string, n int) []record.Run {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	runs, err := harness.WaitRuns(ctx, n)
	if err != nil || len(runs) != n {
		t.Fatalf("%s: %d runs, %v; want %d", link, len(runs), err, n)
	}
	return runs
}
