package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
)

// TestReproduceAndEvidence: a finished run's card lists the evidence its
// verdict was drawn from, and gives the curl and probe commands for the same
// request and, on demand, the record itself.
func TestReproduceAndEvidence(t *testing.T) {
	ctx := tab(t)
	r := runsAfter(t, ctx, "/?autorun=1&scenario=no-flush&rows=20&delay=50ms", 1)[0]
	var got struct {
		Evidence []string `json:"evidence"`
		Layer    string   `json:"layer"`
		Commands []string `json:"commands"`
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		evidence: Array.from(document.querySelectorAll("details.summary ul.evidence li")).map(li => li.textContent),
		layer: (document.querySelector("details.summary p.layer") || {}).textContent || "",
		commands: Array.from(document.querySelectorAll("details.reproduce pre.command")).map(p => p.textContent),
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Evidence) < 3 || !strings.HasPrefix(got.Evidence[0], "arrived: 305 B in 1 read") ||
		!strings.HasPrefix(got.Evidence[1], "sent: 20 writes over") || !strings.Contains(got.Evidence[1], "never flushed") {
		t.Errorf("evidence %q; want the arrivals first, then the server's 20 writes, never flushed", got.Evidence)
	}
	// The send log says who held the body: 20 writes over a second, one
	// read at the end.
	if r.Verdict.Kind != record.KindOnePiece || got.Layer != "Held by: the handler: it never flushed" || len(r.Sent) != 20 {
		t.Errorf("verdict %s, %q, %d sends; want one-piece held by the handler that never flushed, 20 sends", r.Verdict.Kind, got.Layer, len(r.Sent))
	}
	wantURL := "/csv/no-flush?delay=50ms&rows=20'"
	if len(got.Commands) != 2 || !strings.HasPrefix(got.Commands[0], "curl -svN --raw 'http://") || !strings.Contains(got.Commands[0], wantURL) ||
		!strings.HasPrefix(got.Commands[1], "chunkscope probe 'http://") || !strings.Contains(got.Commands[1], wantURL) {
		t.Errorf("commands %q; want curl and chunkscope probe of …%s", got.Commands, wantURL)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector("details.reproduce").open = true, document.querySelector("button.show-json").click(), true)`)); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Poll[string](`(document.querySelector("pre.record-json") || {}).textContent`, chromedp.WithPollingInterval(100*time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	var back record.Run
	if err := json.Unmarshal([]byte(text), &back); err != nil || back.ID != r.ID || back.Bytes != r.Bytes {
		t.Errorf("the record shown is not the run's (%v): id %q, %d bytes; want %q, %d", err, back.ID, back.Bytes, r.ID, r.Bytes)
	}
	shot(t, ctx, "reproduce.png")
}
