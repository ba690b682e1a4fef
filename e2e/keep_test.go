package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
	"chunkscope/app/scene"
	"chunkscope/internal/harness"
)

// eval runs a JavaScript expression whose value may be a promise, and
// waits for it.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%.120s: %v", expr, err)
	}
	return v
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// load calls window.chunkscope.load(text) and returns "ok:N" or "err:…".
func load(t *testing.T, ctx context.Context, textExpr string) string {
	t.Helper()
	return eval[string](t, ctx, `window.chunkscope.load(`+textExpr+`).then(n => "ok:" + n, e => "err:" + e.message)`)
}

func export(t *testing.T, ctx context.Context, format string, scale int) string {
	t.Helper()
	return eval[string](t, ctx, `window.chunkscope.export(`+jsString(format)+`, `+string(rune('0'+scale))+`)`)
}

// freshPage opens an empty page and waits for window.chunkscope.
func freshPage(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(env.base+"/")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!(window.chunkscope && window.chunkscope.load && window.chunkscope.readyMs)`,
		chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatal(err)
	}
}

// loadOne opens an empty page, loads a file of one run into it and returns
// that run as the page holds it.
func loadOne(t *testing.T, ctx context.Context, data []byte) record.Run {
	t.Helper()
	freshPage(t, ctx)
	if got := load(t, ctx, jsString(string(data))); got != "ok:1" {
		t.Fatalf("load: %s; want ok:1", got)
	}
	runs, err := harness.WaitRuns(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	return runs[0]
}

// figures are what a person compares of a run: its summary and its reads.
func figures(r record.Run) string {
	b, _ := json.Marshal([]any{r.Scenario, r.Status, r.HeadersMs, r.TTFBMs, r.TotalMs, r.Bytes, r.Chunks, r.Verdict,
		r.ServerPeakGrowth, r.ClientPeakGrowth, r.EndMs, r.StartedAt})
	return string(b)
}

// TestKeepRoundTrip is the proof: a streamed run exported as JSON
// and as HAR, loaded into a fresh page, has the same summary figures,
// chunk list and scene primitives; the SVG is XML with one lane per run;
// the PNG is the chart's size, or twice it.
func TestKeepRoundTrip(t *testing.T) {
	ctx := tab(t)
	live := runsAfter(t, ctx, "/?scenario=streaming&rows=20&delay=100ms&autorun=1", 1)[0]
	checkStreaming(t, live)
	liveShown := liveScene(t, ctx)
	saved := map[string]string{"json": export(t, ctx, "json", 1), "har": export(t, ctx, "har", 1)}

	svg := export(t, ctx, "svg", 1)
	if lanes := svgLanes(t, svg); len(lanes) != 1 || lanes[0] != scene.Palette[scene.Blue] {
		t.Errorf("SVG lanes %v; want one, blue", lanes)
	}
	for _, scale := range []int{1, 2} {
		url := export(t, ctx, "png", scale)
		w, h := pngSize(t, url)
		wantW, wantH := int(math.Round(liveShown.Scene.W))*scale, int(math.Round(liveShown.Scene.H))*scale
		if w != wantW || h != wantH {
			t.Errorf("PNG at %d×: %d×%d pixels; want %d×%d", scale, w, h, wantW, wantH)
		}
		if scale == 2 {
			b, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(url, "data:image/png;base64,"))
			os.MkdirAll("out", 0o755)
			os.WriteFile("out/keep-export-2x.png", b, 0o644)
		}
	}
	os.WriteFile("out/keep-export.svg", []byte(svg), 0o644)

	for _, format := range []string{"json", "har"} {
		t.Run(format, func(t *testing.T) {
			freshPage(t, ctx)
			if got := load(t, ctx, jsString(saved[format])); got != "ok:1" {
				t.Fatalf("load: %s; want ok:1", got)
			}
			runs, err := harness.WaitRuns(ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			r := runs[0]
			if figures(r) != figures(live) {
				t.Errorf("loaded run:\n%s\nwant the live one:\n%s", figures(r), figures(live))
			}
			if r.Loaded == nil || r.Loaded.Format != format {
				t.Errorf("loaded = %+v; want it marked as loaded from %s", r.Loaded, format)
			}
			if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const s = window.chunkscope.scene(); return !!s && s.scene.Prims.length > 0 })()`,
				chromedp.WithPollingTimeout(5*time.Second))); err != nil {
				t.Fatal(err)
			}
			got := liveScene(t, ctx)
			if !reflect.DeepEqual(got, liveShown) {
				t.Errorf("the loaded run's scene differs from the live one (%d vs %d primitives)", len(got.Scene.Prims), len(liveShown.Scene.Prims))
			}
			mark := eval[string](t, ctx, `(document.querySelector("#comparison td.name .loaded") || {}).textContent || ""`)
			if !strings.HasPrefix(mark, "loaded · recorded "+strings.Replace(live.StartedAt[:19], "T", " ", 1)) {
				t.Errorf("table mark %q; want loaded with its recording date", mark)
			}
			shot(t, ctx, "keep-loaded-"+format+".png")
		})
	}
}

// svgLanes parses an SVG and returns its lane labels' colors.
func svgLanes(t *testing.T, svg string) []string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	var lanes []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return lanes
		}
		if err != nil {
			t.Fatalf("the SVG is not XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "text" {
			at := map[string]string{}
			for _, a := range se.Attr {
				at[a.Name.Local] = a.Value
			}
			if at["font-weight"] == "bold" && at["text-anchor"] == "end" {
				lanes = append(lanes, at["fill"])
			}
		}
	}
}

func pngSize(t *testing.T, url string) (int, int) {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(url, "data:image/png;base64,"))
	if err != nil || !strings.HasPrefix(url, "data:image/png;base64,") {
		t.Fatalf("not a PNG data URL (%.40s): %v", url, err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("PNG: %v", err)
	}
	return cfg.Width, cfg.Height
}

// TestKeepChromeHAR: a HAR written as chrome-har writes one loads, one lane
// per entry with _chunks, each read at its ts minus its entry's start; the
// entry without _chunks, a 304, is a lane with no body.
func TestKeepChromeHAR(t *testing.T) {
	ctx := tab(t)
	har, err := os.ReadFile("testdata/chrome-har.har")
	if err != nil {
		t.Fatal(err)
	}
	freshPage(t, ctx)
	if got := load(t, ctx, jsString(string(har))); got != "ok:3" {
		t.Fatalf("load: %s; want ok:3", got)
	}
	runs, err := harness.WaitRuns(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	var times []float64
	for _, c := range runs[1].Chunks {
		times = append(times, c.T)
	}
	if !reflect.DeepEqual(times, []float64{200, 1200, 2200}) || runs[1].Verdict.Kind != record.KindStreamed {
		t.Errorf("second entry's reads at %v, %s; want [200 1200 2200] from its own start, streamed", times, runs[1].Verdict.Kind)
	}
	if times := []float64{runs[0].Chunks[0].T, runs[0].Chunks[1].T}; !reflect.DeepEqual(times, []float64{120.5, 130.25}) {
		t.Errorf("first entry's reads at %v; want [120.5 130.25]", times)
	}
	labels, colors := laneLabels(liveScene(t, ctx).Scene)
	if len(labels) != 3 || !reflect.DeepEqual(labels[:2], []string{"example.test/", "example.…t/stream"}) || !distinct(colors) {
		t.Errorf("lanes %v colored %v; want the two entries with chunks and the 304, in three colors", labels, colors)
	}
	if r := runs[2]; r.Status != 304 || len(r.Chunks) != 0 || r.Verdict.Kind != record.KindNoBody {
		t.Errorf("the 304: status %d, %d reads, verdict %s; want a lane with no body", r.Status, len(r.Chunks), r.Verdict.Kind)
	}
	shot(t, ctx, "keep-chrome-har.png")
}

// TestKeepBadFiles: each bad file is refused with its sentence, in the
// promise and in the page, and the view stays as it was.
func TestKeepBadFiles(t *testing.T) {
	ctx := tab(t)
	runsAfter(t, ctx, "/?scenario=streaming&rows=5&delay=100ms&autorun=1", 1) // 5 reads 100 ms apart: "chunks out of order" needs two
	good := export(t, ctx, "json", 1)
	edit := func(from, to string) string {
		if !strings.Contains(good, from) {
			t.Fatalf("the saved file has no %q", from)
		}
		return jsString(strings.Replace(good, from, to, 1))
	}
	// What the view shows: the records (but uaMemory, which the browser
	// resolves seconds after the run, whenever it likes), the scene and
	// the table.
	view := func() string {
		return eval[string](t, ctx, `JSON.stringify([window.chunkscope.runs().map(r => { const c = {...r}; delete c.uaMemory; return c; }),
			window.chunkscope.scene(), document.getElementById("comparison").textContent])`)
	}
	before := view()
	for _, tc := range []struct{ name, text, want string }{
		{"broken JSON", `'{"format": "chunkscope-session", "runs": ['`, "This file is not valid JSON"},
		{"unknown version", edit(`"version": 1,`, `"version": 99,`), "This session file has version 99; this chunkscope reads version 1 only"},
		{"not ours", `'{"name": "left-pad", "version": "1.3.0"}'`, "neither a chunkscope session"},
		{"negative time", edit(`"headersMs": `, `"headersMs": -`), "times cannot be negative"},
		{"non-finite time", edit(`"totalMs": `, `"totalMs": 1e999, "x": `), "not a finite number"},
		{"chunks out of order", edit(`"t": `, `"t": 999999, "u": `), "chunks must be in time order"},
		{"bytes that do not add up", edit(`"bytes": `, `"bytes": 1`), "but says it holds"},
		{"over a million chunks", `'{"format":"chunkscope-session","version":1,"runs":[{"version":1,"id":"x","chunks":[' + '{"t":1,"n":1},'.repeat(1000000) + '{"t":1,"n":1}]}]}'`,
			"This file holds 1,000,001 chunks; chunkscope loads at most 1,000,000."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := load(t, ctx, tc.text)
			if !strings.HasPrefix(got, "err:") || !strings.Contains(got, tc.want) {
				t.Fatalf("load: %.300s; want refused with %q", got, tc.want)
			}
			// The page re-renders just after the promise settles.
			shown, _ := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const e = document.getElementById("keep-error"); return e && e.textContent === `+
				jsString(strings.TrimPrefix(got, "err:"))+` ? e.textContent : ""; })()`, chromedp.WithPollingTimeout(3*time.Second)))
			if shown != strings.TrimPrefix(got, "err:") {
				t.Errorf("the page says %q; want the promise's sentence %q", shown, strings.TrimPrefix(got, "err:"))
			}
			if after := view(); after != before {
				t.Errorf("the view changed: %s", firstDifference(before, after))
			}
		})
	}
	// Over 128 MiB, through the file picker: not even read.
	t.Run("over 128 MiB", func(t *testing.T) {
		eval[bool](t, ctx, `(() => { const dt = new DataTransfer(); dt.items.add(new File([new Uint8Array(257 * 1024 * 1024)], "huge.json"));
			const in_ = document.getElementById("keep-file"); in_.files = dt.files; in_.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`)
		msg, err := chromedp.Run(ctx, chromedp.Poll[string](`(() => { const e = document.getElementById("keep-error"); return e && e.textContent.includes("128 MiB") ? e.textContent : ""; })()`,
			chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil || msg != "This file is 257.0 MiB; chunkscope loads files of at most 128 MiB." {
			t.Errorf("message %q, %v; want the size refused", msg, err)
		}
		if after := view(); after != before {
			t.Errorf("the view changed: %s", firstDifference(before, after))
		}
		shot(t, ctx, "keep-refused.png")
	})
}

// TestKeepReplay: at 0.1× a ~2 s run replays in ~20 s and ends on the live
// scene (with its speed noted over it); stepping reaches the last read in
// exactly as many steps as there are reads.
func TestKeepReplay(t *testing.T) {
	ctx := tab(t)
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	live := runsAfter(t, ctx, "/?scenario=streaming&rows=20&delay=100ms&autorun=1", 1)[0]
	want := liveScene(t, ctx)
	eval[bool](t, ctx, `(() => { const s = document.getElementById("replay-speed"); s.value = "0.1"; s.dispatchEvent(new Event("change")); return true; })()`)
	eval[bool](t, ctx, `(document.getElementById("replay-start").click(), true)`)
	start := time.Now()
	time.Sleep(8 * time.Second)
	mid := liveScene(t, ctx)
	shot(t, ctx, "keep-replay-mid.png")
	if len(mid.Scene.Prims) == 0 || reflect.DeepEqual(mid.Scene.Prims, want.Scene.Prims) {
		t.Errorf("mid-replay the chart is the final one already")
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("replay").dataset.state === "ended"`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(60*time.Second))); err != nil {
		t.Fatalf("the replay did not end: %v", err)
	}
	took := time.Since(start)
	t.Logf("replay at 0.1× of a %.0f ms run took %v", live.EndMs, took)
	if wantD := time.Duration(live.EndMs*10) * time.Millisecond; took < wantD*3/4 || took > wantD*3/2 {
		t.Errorf("replay took %v; want about %v (10× the run's %.0f ms)", took, wantD, live.EndMs)
	}
	end := liveScene(t, ctx)
	n := len(want.Scene.Prims)
	if len(end.Scene.Prims) < n || !reflect.DeepEqual(end.Scene.Prims[:n], want.Scene.Prims) {
		t.Errorf("the replay's last frame differs from the live scene")
	}
	var speed bool
	for _, p := range end.Scene.Prims[n:] {
		speed = speed || p.Text == "×0.1 replay"
	}
	if !speed {
		t.Errorf("the speed is not on the chart")
	}
	shot(t, ctx, "keep-replay-end.png")

	// Read by read, from the start.
	eval[bool](t, ctx, `(() => { const s = document.getElementById("replay-scrub"); s.value = "0"; s.dispatchEvent(new Event("input")); return true; })()`)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("replay").dataset.step === "0"`, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Fatalf("scrubbing to the start: %v", err)
	}
	reads := len(live.Chunks)
	for k := 1; k <= reads; k++ {
		eval[bool](t, ctx, `(document.getElementById("replay-step").click(), true)`)
		cond := `document.getElementById("replay").dataset.step === "` + itoa(k) + `"`
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
			t.Fatalf("step %d: %v", k, err)
		}
	}
	got := eval[string](t, ctx, `document.getElementById("replay").dataset.reads + "/" + document.getElementById("replay-pos").textContent`)
	if !strings.HasPrefix(got, itoa(reads)+"/read "+itoa(reads)+" of "+itoa(reads)) {
		t.Errorf("after %d steps: %q; want the last read reached", reads, got)
	}
	s := liveScene(t, ctx)
	var last float64
	for _, p := range s.Scene.Prims {
		if p.Kind == scene.Rects && p.Color == scene.Palette[scene.Blue] {
			last = p.Pts[len(p.Pts)-4]
		}
	}
	if last == 0 {
		t.Errorf("no ticks drawn after stepping to the last read")
	}
	shot(t, ctx, "keep-replay-steps.png")
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// firstDifference shows where two texts part, with some context.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return fmt.Sprintf("at byte %d: %q → %q", i, a[from:min(len(a), i+80)], b[from:min(len(b), i+80)])
}
