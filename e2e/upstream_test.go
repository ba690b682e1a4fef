package e2e

import (
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"chunkscope/internal/harness"
)

// TestUpstream: a second chunkscope stands in for another app (a
// Django/Gunicorn one, say); the page reads it through the server, which
// allows it with -upstream, and the wire probe reads it directly. Any other
// origin is refused with a reason the page shows.
func TestUpstream(t *testing.T) {
	bin := binaryAndBrowser(t)
	up, err := harness.Start(bin, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer up.Stop()
	front, err := harness.Start(bin, os.Stderr, "-upstream", up.Base)
	if err != nil {
		t.Fatal(err)
	}
	defer front.Stop()

	saved := env.base
	env.base = front.Base
	defer func() { env.base = saved }()

	target := up.Base + "/csv/streaming?rows=20&delay=50ms"
	ctx0 := tab(t)
	r := runsAfter(t, ctx0, "/?autorun=1&wire=1&url="+url.QueryEscape(target), 1)[0]
	// The scenario's fields do not apply to an upstream: they are disabled.
	const fieldsOff = `["scenario", "rows", "delay", "per", "pad"].every(id => document.getElementById(id).disabled)`
	if off, err := chromedp.Run(ctx0, chromedp.Evaluate[bool](fieldsOff)); err != nil || !off {
		t.Errorf("with url= the scenario, rows, delay, per and pad fields are not all disabled (%v)", err)
	}
	if r.Scenario != "upstream" || r.Status != 200 || r.Bytes != 305 || len(r.Chunks) < 15 || r.Verdict.Kind != "streamed" {
		t.Errorf("upstream run: %s %d, %d bytes in %d reads, %s; want upstream 200, 305 bytes streamed in ≥ 15 reads", r.Scenario, r.Status, r.Bytes, len(r.Chunks), r.Verdict.Kind)
	}
	if w := r.Wire; w == nil || w.Framing != "chunked" || w.Chunks != 20 {
		t.Errorf("upstream wire: %+v; want the upstream's own chunked framing, 20 chunks", w)
	}
	if len(r.ServerMem) != 0 {
		t.Errorf("%d server memory samples; want none (this server's memory is not the upstream's)", len(r.ServerMem))
	}

	// Their upstream beside our reference, in one view.
	ctx := tab(t)
	both := runsAfter(t, ctx, "/?compare=streaming&rows=20&delay=50ms&autorun=1&url="+url.QueryEscape(target), 2)
	if both[0].Scenario != "streaming" || both[1].Scenario != "upstream" || both[1].Params["url"] != target || both[1].Verdict.Kind != "streamed" {
		t.Errorf("compare with upstream: %s, %s (%s); want streaming then the upstream, streamed", both[0].Scenario, both[1].Scenario, both[1].Params["url"])
	}
	shot(t, ctx, "upstream-beside-streaming.png")

	ctx = tab(t)
	r = runsAfter(t, ctx, "/?autorun=1&url="+url.QueryEscape("http://127.0.0.1:1/x"), 1)[0]
	shot(t, ctx, "upstream-refused.png")
	if r.Status != 400 || !strings.Contains(r.ErrorBody, "is not one of the allowed upstreams") || r.Verdict.Kind != "error" {
		t.Errorf("refused upstream: %d %q (%s); want 400 naming the allowed upstreams", r.Status, r.ErrorBody, r.Verdict.Kind)
	}
}
