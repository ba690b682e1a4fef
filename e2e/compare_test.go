package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
	"chunkscope/app/scene"
	"chunkscope/app/spec"
	"chunkscope/internal/harness"
)

// shown is window.chunkscope.scene(): the chart's last painted scene.
type shown struct {
	Options scene.Options
	Scene   scene.Scene
}

func liveScene(t *testing.T, ctx context.Context) shown {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.chunkscope.scene())`))
	if err != nil {
		t.Fatal(err)
	}
	var s shown
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		t.Fatalf("scene %.200s: %v", raw, err)
	}
	return s
}

// laneLabels are the scene's lane names (bold, right-aligned left of the
// plot) and their colors.
func laneLabels(s scene.Scene) (labels, colors []string) {
	for _, p := range s.Prims {
		if p.Kind == scene.Text && p.Font == scene.Bold && p.Align == scene.Right {
			labels, colors = append(labels, p.Text), append(colors, p.Color)
		}
	}
	return labels, colors
}

// tableRows are the comparison table's rows: scenario and lane color.
func tableRows(t *testing.T, ctx context.Context) [][2]string {
	t.Helper()
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[][2]string](`Array.from(document.querySelectorAll("#comparison tbody tr")).map(
		tr => [tr.dataset.scenario, getComputedStyle(tr.querySelector("td.name")).color])`))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func distinct(list []string) bool {
	seen := map[string]bool{}
	for _, s := range list {
		if seen[s] {
			return false
		}
		seen[s] = true
	}
	return true
}

func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join("out", name)
	if err := os.MkdirAll("out", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// TestCompareAnything is the proof: a link names four scenarios
// and gets four records, four lanes of four colors and four table rows; a
// fifth added from the controls leaves the first four untouched; a record
// alone lays out to the live scene.
func TestCompareAnything(t *testing.T) {
	ctx := tab(t)
	names := []string{"streaming", "gzip-streaming", "proxy-length", "no-flush"}
	runs := runsAfter(t, ctx, "/?compare="+strings.Join(names, ",")+"&rows=20&delay=50ms&autorun=1", 4)
	for i, r := range runs {
		sc, _ := spec.Lookup(names[i])
		if r.Scenario != names[i] || r.Status != 200 || r.Verdict.Kind != sc.Verdict {
			t.Errorf("run %d: %s %d %s (%s); want %s 200 %s", i, r.Scenario, r.Status, r.Verdict.Kind, r.Verdict.Detail, names[i], sc.Verdict)
		}
		if !r.Done || r.EndMs < r.TotalMs {
			t.Errorf("run %d: done %v, endMs %.1f < totalMs %.1f: the record must say where its lane ends", i, r.Done, r.EndMs, r.TotalMs)
		}
	}
	rows := tableRows(t, ctx)
	var rowNames, rowColors []string
	for _, r := range rows {
		rowNames, rowColors = append(rowNames, r[0]), append(rowColors, r[1])
	}
	if !slices.Equal(rowNames, names) || !distinct(rowColors) {
		t.Errorf("table rows %v; want one per run, in order, of distinct colors", rows)
	}
	live := liveScene(t, ctx)
	labels, colors := laneLabels(live.Scene)
	if !slices.Equal(labels, names) || !distinct(colors) || colors[0] != scene.Palette[scene.Blue] {
		t.Errorf("lanes %v colored %v; want the four scenarios in four colors, streaming blue", labels, colors)
	}
	// Drawn from the records alone (runs(), decoded here, no network): the
	// same primitives as the live view.
	recs := make([]*record.Run, len(runs))
	for i := range runs {
		recs[i] = &runs[i]
	}
	if again := scene.Build(scene.Lanes(recs), live.Options); !reflect.DeepEqual(again, live.Scene) {
		t.Errorf("the scene rebuilt from runs() differs from the live one (%d vs %d primitives)", len(again.Prims), len(live.Scene.Prims))
	}
	// Above each run's lane, its send log's; under the time axis, the
	// delay of each byte from its write to its read: near 0 for the stream
	// read directly, about the whole second for the bodies held to the end.
	var sentY, runY []float64
	var delayTitle bool
	for _, p := range live.Scene.Prims {
		switch {
		case p.Kind == scene.Text && p.Text == "sent" && p.Font == scene.Italic:
			sentY = append(sentY, p.Pts[1])
		case p.Kind == scene.Text && p.Font == scene.Bold && p.Align == scene.Right:
			runY = append(runY, p.Pts[1])
		case p.Kind == scene.Text && p.Text == "send → arrival delay":
			delayTitle = p.Pts[1] > live.Scene.Axis.Y
		}
	}
	if len(sentY) != 4 || len(runY) != 4 || !delayTitle {
		t.Fatalf("%d sent lanes, %d run lanes, delay plot under the axis %v; want 4, 4, true", len(sentY), len(runY), delayTitle)
	}
	for i := range sentY {
		if sentY[i] >= runY[i] || (i > 0 && sentY[i] <= runY[i-1]) {
			t.Errorf("sent lane %d at y %.0f: want it between run lane %d and the one before", i, sentY[i], i)
		}
	}
	for i, r := range runs {
		d := record.SendDelays(&r)
		if len(d) == 0 {
			t.Errorf("%s: no send→arrival delays (%d sends, %d reads)", r.Scenario, len(r.Sent), len(r.Chunks))
			continue
		}
		slices.Sort(d)
		med := d[len(d)/2]
		switch held := names[i] == "proxy-length" || names[i] == "no-flush"; {
		case held && med < 500:
			t.Errorf("%s: median send→arrival %.1f ms; want ≥ 500 ms for a body held to the end of a 1-s stream", r.Scenario, med)
		case !held && med > 30:
			// Loose: the first lane is the page's first run after its load
			// (cold, 1–19 ms here); TestFidelity holds warm runs to 10 ms.
			t.Errorf("%s: median send→arrival %.1f ms; want ≤ 30 ms on loopback", r.Scenario, med)
		}
		t.Logf("%s: send→arrival median %.1f ms, worst %.1f ms (clock offset %.2f ± %.2f ms)", r.Scenario, med, d[len(d)-1], r.ClockOffsetMs, r.ClockErrorMs)
	}
	// Cards fold away beyond two lanes: the table is the overview.
	open, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("details.summary[open]").length`))
	if err != nil || open != 0 {
		t.Errorf("%d run cards open, %v; want all folded with four lanes", open, err)
	}
	shot(t, ctx, "compare-four.png")

	// A fifth, from the controls: buffered, orange, after the four.
	before, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(window.chunkscope.runs())`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const s = document.getElementById("scenario"); s.value = "buffered"; s.dispatchEvent(new Event("change"));
		document.getElementById("add").click(); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	all, err := harness.WaitRuns(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	var first4 []record.Run
	if err := json.Unmarshal([]byte(before), &first4); err != nil {
		t.Fatal(err)
	}
	for i := range first4 {
		// uaMemory may land in a record later; everything else must be
		// as it was.
		a, b := first4[i], all[i]
		a.UAMemory, b.UAMemory = nil, nil
		if !reflect.DeepEqual(a, b) {
			t.Errorf("run %d (%s) changed when a fifth was added", i, a.Scenario)
		}
	}
	t.Logf("fifth: %s headers %.0f ttfb %.0f total %.0f", all[4].URL, all[4].HeadersMs, all[4].TTFBMs, all[4].TotalMs)
	if r := all[4]; r.Scenario != "buffered" || r.Verdict.Kind != record.KindOnePiece || r.Header("content-length") == "" {
		t.Errorf("fifth run: %s %s; want buffered, one-piece, with a Content-Length", r.Scenario, r.Verdict.Kind)
	}
	rows = tableRows(t, ctx)
	if len(rows) != 5 || rows[4][0] != "buffered" {
		t.Errorf("table rows after adding: %v; want five, buffered last", rows)
	}
	labels, colors = laneLabels(liveScene(t, ctx).Scene)
	if len(labels) != 5 || labels[4] != "buffered" || colors[4] != scene.Palette[scene.Orange] || !distinct(colors) {
		t.Errorf("lanes %v colored %v; want five distinct, buffered orange", labels, colors)
	}
	loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`))
	if err != nil || !strings.Contains(loc, "compare=streaming%2Cgzip-streaming%2Cproxy-length%2Cno-flush%2Cbuffered") {
		t.Errorf("address %q, %v; want it to name the five", loc, err)
	}

	// Align at first byte: one toggle, kept in the URL, every lane's first
	// byte at 0.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const s = document.getElementById("align"); s.value = "first-byte"; s.dispatchEvent(new Event("change")); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`location.search.includes("align=first-byte")`, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("align=first-byte not in the address: %v", err)
	}
	if s := liveScene(t, ctx); s.Options.Align != scene.AlignFirstByte {
		t.Errorf("scene aligned %q; want first-byte", s.Options.Align)
	}
	shot(t, ctx, "compare-five-first-byte.png")

	// Remove a lane: the view shrinks, runs() keeps every run.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.querySelector('#comparison tr[data-scenario="proxy-length"] button.remove').click(), true)`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#comparison tbody tr").length === 4 && window.chunkscope.runs().length === 5`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("after removing a lane: %v; want 4 rows and 5 runs", err)
	}
	// Put it back from the earlier runs of this page load.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById("put-back").click(), true)`)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll("#comparison tbody tr").length === 5`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Errorf("after putting the run back: %v; want 5 rows", err)
	}
}

// TestLinksMeanWhatTheySay: a link whose parameters conflict runs nothing
// and says why; the old ones keep their meaning (compare=1 and scenario=
// are TestBrowser's).
func TestLinksMeanWhatTheySay(t *testing.T) {
	for _, tc := range []struct{ query, want string }{
		{"compare=1&scenario=gzip-streaming&autorun=1", "compare=1 reads buffered then streaming, but scenario=gzip-streaming names another"},
		{"url=http%3A%2F%2F127.0.0.1%3A9%2Fx&rows=99&delay=1s&autorun=1", "rows, delay: these shape this server's scenarios, not an upstream's body"},
		{"rowz=1&autorun=1", "this page's parameters: scenario, compare, url"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			ctx := tab(t)
			if err := chromedp.Do(ctx, chromedp.Navigate(env.base+"/?"+tc.query)); err != nil {
				t.Fatal(err)
			}
			msg, err := chromedp.Run(ctx, chromedp.Poll[string](`(document.getElementById("form-error") || {}).textContent || ""`,
				chromedp.WithPollingInterval(100*time.Millisecond)))
			if err != nil || !strings.Contains(msg, tc.want) {
				t.Errorf("message %q, %v; want it to contain %q", msg, err, tc.want)
			}
			if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.chunkscope.runs().length`)); err != nil || n != 0 {
				t.Errorf("%d runs, %v; want none", n, err)
			}
		})
	}
}

// TestNoBody: a HEAD's view marks when its headers came, and the chart
// stays compact without made-up scales.
func TestNoBody(t *testing.T) {
	ctx := tab(t)
	runsAfter(t, ctx, "/?scenario=head-buffered&rows=20&delay=50ms&autorun=1", 1)
	s := liveScene(t, ctx).Scene
	var marker bool
	for _, p := range s.Prims {
		if p.Kind == scene.Text && strings.HasPrefix(p.Text, "headers after") && strings.HasSuffix(p.Text, "no body") {
			marker = true
		}
		if p.Kind == scene.Text && p.Text == "1 B" {
			t.Errorf("the byte axis reads 1 B for a run without a body byte")
		}
	}
	if !marker {
		t.Errorf("no \"headers after … — no body\" marker in the scene")
	}
	shot(t, ctx, "head.png")
}

// TestServerGone: when the server stops answering, the page says so beside
// Run, not "Failed to fetch" below the fold.
func TestServerGone(t *testing.T) {
	bin := binaryAndBrowser(t)
	srv, err := harness.Start(bin, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ctx := tab(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.Base+"/?scenario=streaming&rows=3")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.chunkscope && window.chunkscope.readyMs)`)); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(document.getElementById("run").click(), true)`)); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Poll[string](`(document.getElementById("run-problem") || {}).textContent || ""`,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second)))
	if err != nil || !strings.Contains(msg, "The server did not answer") {
		t.Errorf("message beside Run = %q, %v; want one saying the server did not answer", msg, err)
	}
	shot(t, ctx, "server-gone.png")
}
