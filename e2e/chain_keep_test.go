package e2e

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
	"chunkscope/app/wire"
	"chunkscope/internal/harness"
)

// TestAChainSavedAndLoadedKeepsItsSentence: a chain of two hops (the
// test's own chunkscope as the app, allowed with -upstream) saved as a
// session file and loaded into a fresh page is the chain again: the same
// hops in the same order, the same sentence and changedAt, from the same
// records.
func TestAChainSavedAndLoadedKeepsItsSentence(t *testing.T) {
	bin := binaryAndBrowser(t)
	back := env.base
	useFront(t, bin, "-upstream", back)
	ctx := tab(t)
	urls := []string{back + "/csv/buffered?rows=40&delay=20ms", back + "/csv/streaming?rows=40&delay=20ms"}
	before := readChain(t, ctx, chainLink(env.base, urls, "&autorun=1"), 2)
	t.Logf("chain: %s", before.Sentence)
	if before.ChangedAt != 0 {
		t.Fatalf("changedAt %d (%s); want 0: the buffered hop holds what the streaming one sends", before.ChangedAt, before.Sentence)
	}
	saved := export(t, ctx, "json", 1)
	var f struct {
		View struct {
			Chain []string `json:"chain"`
		} `json:"view"`
	}
	if err := json.Unmarshal([]byte(saved), &f); err != nil || !slices.Equal(f.View.Chain, urls) {
		t.Errorf("saved view.chain %q (%v); want %q", f.View.Chain, err, urls)
	}

	freshPage(t, ctx)
	if got := load(t, ctx, jsString(saved)); got != "ok:2" {
		t.Fatalf("load: %s", got)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const c = window.chunkscope.chain(); return !!c && c.hops.length === 2 })()`,
		chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		t.Fatalf("the loaded file is not a chain: chain() = %s", eval[string](t, ctx, `JSON.stringify(window.chunkscope.chain())`))
	}
	var after record.Chain
	if err := json.Unmarshal([]byte(eval[string](t, ctx, `JSON.stringify(window.chunkscope.chain())`)), &after); err != nil {
		t.Fatal(err)
	}
	if after.Sentence != before.Sentence || after.ChangedAt != before.ChangedAt {
		t.Errorf("loaded: %q (changedAt %d); saved: %q (changedAt %d)", after.Sentence, after.ChangedAt, before.Sentence, before.ChangedAt)
	}
	for i := range after.Hops {
		if after.Hops[i].URL != urls[i] {
			t.Errorf("hop %d: %s; want %s", i, after.Hops[i].URL, urls[i])
		}
	}
	if shown := eval[string](t, ctx, `(document.getElementById("chain-sentence") || {}).textContent || ""`); shown != before.Sentence {
		t.Errorf("the page says %q; want the saved chain's %q", shown, before.Sentence)
	}
}

// TestSecretsInFilesOnlyWhenAsked: a Cookie set in the page's request
// headers is sent, and is absent from the saved JSON and the HAR, which say
// they left it out; ticking “secrets in the link and files” puts it in
// both, which say they hold it; a file holding it, loaded back, leaves it
// out of the page's records again.
func TestSecretsInFilesOnlyWhenAsked(t *testing.T) {
	bin := binaryAndBrowser(t)
	back := env.base
	useFront(t, bin, "-upstream", back)
	ctx := tab(t)
	const secret = "sessionid=letmein42"
	if err := chromedp.Do(ctx, chromedp.Navigate(env.base+"/?url="+url.QueryEscape(back+"/csv/streaming?rows=10&delay=10ms"))); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.chunkscope && window.chunkscope.readyMs && document.getElementById("headers"))`)); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, ctx, `(() => { const h = document.getElementById("headers"); h.value = "Cookie: `+secret+`\nIf-None-Match: \"v1\"";
		h.dispatchEvent(new Event("input", {bubbles: true})); document.getElementById("run").click(); return true })()`)
	runs, err := harness.WaitRuns(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if r := runs[0]; r.Status != 200 || r.RequestHeaders["Cookie"] != wire.LeftOut {
		t.Fatalf("status %d, request headers %v; want 200 with the Cookie sent and its value left out", r.Status, r.RequestHeaders)
	}
	for _, tc := range []struct {
		name  string
		asked bool
		says  map[string]string // by format
	}{
		{"by default", false, map[string]string{"json": `"leftOut": [` + "\n" + `   "Cookie"`, "har": `"comment": "chunkscope left out the request's Cookie (secrets)`}},
		{"asked for", true, map[string]string{"json": "holds the values of Cookie", "har": "holds the values of Cookie"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if eval[bool](t, ctx, `document.getElementById("secrets-in-link").checked`) != tc.asked {
				eval[bool](t, ctx, `(() => { document.getElementById("secrets-in-link").click(); return true })()`)
			}
			saved := map[string]string{}
			for _, format := range []string{"json", "har"} {
				saved[format] = export(t, ctx, format, 1)
				text := saved[format]
				says := tc.says[format]
				if strings.Contains(text, secret) != tc.asked || !strings.Contains(text, says) || !strings.Contains(text, `"If-None-Match"`) {
					t.Errorf("%s export: holds the cookie %v (want %v), says %q %v, lists If-None-Match %v", format, strings.Contains(text, secret), tc.asked,
						says, strings.Contains(text, says), strings.Contains(text, `"If-None-Match"`))
				}
			}
			if !tc.asked {
				return
			}
			for _, format := range []string{"json", "har"} {
				freshPage(t, ctx)
				if got := load(t, ctx, jsString(saved[format])); got != "ok:1" {
					t.Fatalf("load %s: %s", format, got)
				}
				if all := eval[string](t, ctx, `JSON.stringify(window.chunkscope.runs())`); strings.Contains(all, secret) {
					t.Errorf("a %s holding the cookie, loaded back: runs() holds it", format)
				}
			}
		})
	}
}
