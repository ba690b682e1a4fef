package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/scene"
)

// listRow is a row of window.chunkscope.requests().
type listRow struct {
	Index   int
	ID      string
	URL     string
	Type    string
	Status  int
	Bytes   int64
	Encoded bool
	TTFBMs  float64
	Reads   int
	StartMs float64
	Lane    bool
}

// listState is window.chunkscope.requestList().
type listState struct {
	Filter          string
	Sort            string
	Desc            bool
	Page, Pages     int
	Total, Matched  int
	FilterMs        float64
	Lanes, MaxLanes int
	Note            string
}

func listRows(t *testing.T, ctx context.Context) []listRow {
	t.Helper()
	var rows []listRow
	if err := json.Unmarshal([]byte(eval[string](t, ctx, `JSON.stringify(window.chunkscope.requests())`)), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func listNow(t *testing.T, ctx context.Context) listState {
	t.Helper()
	var s listState
	if err := json.Unmarshal([]byte(eval[string](t, ctx, `JSON.stringify(window.chunkscope.requestList())`)), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// waitFor polls a JavaScript condition for up to 10 s.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([window.chunkscope.requestList(), (window.chunkscope.requests() || [])[0],
			Array.from(document.querySelectorAll(".error")).map(e => e.textContent)])`))
		t.Fatalf("%s (%s): %v; the page: %.600s", what, cond, err, state)
	}
}

// drawnIDs are the runs the comparison table shows: the lanes.
func drawnIDs(t *testing.T, ctx context.Context) []string {
	t.Helper()
	return eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#comparison tbody tr")).map(tr => tr.dataset.id)`)
}

// typeFilter types text into the list's search box as a person does.
func typeFilter(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	eval[bool](t, ctx, `(() => { const i = document.getElementById("requests-filter"); i.value = `+jsString(text)+`;
		i.dispatchEvent(new Event("input", {bubbles: true})); return true; })()`)
	waitFor(t, ctx, "the list takes the filter", `window.chunkscope.requestList().filter === `+jsString(text))
}

// TestPageLoadIsNavigable is issue 25's proof for a page load: a
// WebPageTest and a chrome-har HAR of 129 requests load at 1280×720 as a
// request list beside the 8 lanes drawn; a URL is found by typing part of
// it; the list sorts by TTFB; the slowest row, a 9th, becomes a lane in
// place of the lane drawn longest, and the page says so; a lane is taken
// out from its row and another put in by script; with page-time
// alignment each lane starts where its request did on the page's time.
func TestPageLoadIsNavigable(t *testing.T) {
	for _, tc := range []struct{ file, shot string }{
		{"testdata/pageload-chrome-har.har", "pageload.png"},
		{"testdata/pageload-webpagetest.har", "pageload-webpagetest.png"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			ctx := tab(t)
			har, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720)); err != nil {
				t.Fatal(err)
			}
			freshPage(t, ctx)
			if got := load(t, ctx, jsString(string(har))); got != "ok:8" {
				t.Fatalf("load: %s; want ok:8 (8 lanes drawn)", got)
			}
			waitFor(t, ctx, "the request list", `!!document.getElementById("requests-table")`)
			// Every run is a row: the 118 entries with reads (and the bodiless
			// ones, where they are runs).
			all := listRows(t, ctx)
			runs := eval[int](t, ctx, `window.chunkscope.count()`)
			if s := listNow(t, ctx); s.Total != runs || len(all) != runs || runs < 118 || s.Lanes != 8 || s.MaxLanes != 8 {
				t.Fatalf("list: %d rows of %d runs, state %+v; want a row per run (118 or more), 8 of them lanes", len(all), runs, s)
			}
			note := eval[string](t, ctx, `document.getElementById("keep-note").textContent`)
			if !strings.Contains(note, "more runs did not fit") || !strings.Contains(note, "request list") {
				t.Errorf("the load's note %q; want it to send the others to the request list", note)
			}
			if n := eval[int](t, ctx, `document.querySelectorAll("#requests-table tbody tr").length`); n != 25 {
				t.Errorf("%d rows rendered; want one page of 25", n)
			}
			// Types come from the MIME types.
			types := map[string]int{}
			for _, r := range all {
				types[r.Type]++
			}
			if types["script"] != 41 || types["image"] < 48 || types["stylesheet"] != 12 || types["font"] != 4 || types["json"] != 11 || types["text"] != 1 {
				t.Errorf("types %v; want 41 scripts, 48 images or more, 12 stylesheets, 4 fonts, 11 json, 1 text (the CSV)", types)
			}

			// Search for a URL.
			typeFilter(t, ctx, "export.csv")
			rows := listRows(t, ctx)
			if len(rows) != 1 || rows[0].URL != exportURL || rows[0].Reads != 40 || rows[0].Type != "text" {
				t.Fatalf("filter export.csv: %+v; want the one export, 40 reads, text", rows)
			}
			if wpt := strings.Contains(tc.file, "webpagetest"); rows[0].Encoded != wpt {
				t.Errorf("the export's bytes are encoded: %v; want %v (WebPageTest counts the network's bytes, chrome-har the body's)", rows[0].Encoded, wpt)
			}
			if shown := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("#requests-table tbody tr")).map(tr => tr.title || tr.cells[2].title)`); !slices.Equal(shown, []string{exportURL}) {
				t.Errorf("the table shows %v; want the export alone", shown)
			}
			typeFilter(t, ctx, "")

			// Sort by TTFB: the slowest first byte on top.
			eval[bool](t, ctx, `(document.querySelector('#requests-table th[data-sort="ttfb"]').click(), true)`)
			waitFor(t, ctx, "sorted by TTFB", `window.chunkscope.requestList().sort === "ttfb"`)
			rows = listRows(t, ctx)
			if !listNow(t, ctx).Desc || rows[0].URL != exportURL {
				t.Errorf("sorted by TTFB: first %s (%.1f ms); want the export, slowest first", rows[0].URL, rows[0].TTFBMs)
			}
			for i := 1; i < len(rows); i++ {
				if rows[i].TTFBMs > rows[i-1].TTFBMs {
					t.Fatalf("row %d TTFB %.3f after %.3f: not sorted", i, rows[i].TTFBMs, rows[i-1].TTFBMs)
				}
			}

			// The 9th: ticked, it is drawn in place of the lane drawn longest.
			before := drawnIDs(t, ctx)
			eval[bool](t, ctx, `(document.querySelector('#requests-table tbody tr input.lane-toggle').click(), true)`)
			waitFor(t, ctx, "the export drawn", `window.chunkscope.requests()[0].lane && !!document.getElementById("requests-note")`)
			after := drawnIDs(t, ctx)
			if want := append(slices.Clone(before[1:]), rows[0].ID); !slices.Equal(after, want) {
				t.Errorf("lanes %v after ticking the export; want %v (the first lane out, the export in)", after, want)
			}
			var first string // the label of the lane that left: host and path
			for _, r := range all {
				if r.ID == before[0] {
					first = strings.SplitN(strings.TrimPrefix(r.URL, "https://"), "?", 2)[0]
				}
			}
			said := eval[string](t, ctx, `document.getElementById("requests-note").textContent`)
			if first == "" || !strings.Contains(said, "is drawn in place of "+first+":") || !strings.Contains(said, "8 lanes are drawn at most") {
				t.Errorf("the page says %q; want that %s left, and the 8-lane rule", said, first)
			}
			rule := eval[string](t, ctx, `document.getElementById("requests-rule").textContent`)
			if !strings.Contains(rule, "a 9th replaces the lane drawn longest") {
				t.Errorf("the rule %q; want it said before anything is chosen", rule)
			}

			// Remove one: untick a drawn row.
			eval[bool](t, ctx, `(Array.from(document.querySelectorAll('#requests-table tbody tr')).find(tr => tr.dataset.id === `+jsString(after[0])+
				`).querySelector('input.lane-toggle').click(), true)`)
			waitFor(t, ctx, "a lane taken out", `document.querySelectorAll("#comparison tbody tr").length === 7`)
			if slices.Contains(drawnIDs(t, ctx), after[0]) {
				t.Errorf("%s is still drawn after its row was unticked", after[0])
			}
			// And one put in by script, by a part of its URL.
			if got := eval[string](t, ctx, `window.chunkscope.chooseRequest("chunk-7.")`); got != "" {
				t.Errorf("chooseRequest into a free lane said %q; want nothing replaced", got)
			}
			waitFor(t, ctx, "chunk-7 drawn", `document.querySelectorAll("#comparison tbody tr").length === 8`)

			// Page time: each lane from its request's start on the page.
			eval[bool](t, ctx, `(document.getElementById("requests-page-time").click(), true)`)
			waitFor(t, ctx, "page-time alignment", `window.chunkscope.scene().options.Align === "page" && document.getElementById("align").value === "page"`)
			s := liveScene(t, ctx)
			axis := ""
			for _, p := range s.Scene.Prims {
				if p.Kind == scene.Text && strings.HasPrefix(p.Text, "page time") {
					axis = p.Text
				}
			}
			if axis == "" || len(s.Options.PageStartMs) != 8 {
				t.Errorf("axis %q, page starts %v; want the axis to say page time, and 8 lanes' page starts", axis, s.Options.PageStartMs)
			}
			var export listRow
			for _, r := range listRows(t, ctx) {
				if r.URL == exportURL {
					export = r
				}
			}
			// The export started at 2.3 s of the page (chrome-har: its network
			// start; WebPageTest: its send, a few ms later) and read for ~4 s.
			if export.StartMs < 2300 || export.StartMs > 2320 || s.Scene.Axis.TMax < export.StartMs+4000 {
				t.Errorf("export starts at %.1f ms on the page, the axis ends at %.0f ms; want 2300–2320 and past its last read", export.StartMs, s.Scene.Axis.TMax)
			}
			shotAt(t, ctx, tc.shot, "requests-rule", 330)
		})
	}
}

// TestRequestListFiltersAThousand: a HAR of 1,000 entries lists every one
// (25 rendered at a time); typing a filter shows its rows within a
// frame or so. The time from the input event to the rows on screen is
// logged (the measurement of the report).
func TestRequestListFiltersAThousand(t *testing.T) {
	ctx := tab(t)
	page := shopPageLoad()
	var many []pageEntry
	for i := 0; len(many) < 1000; i++ {
		e := page[i%len(page)]
		if len(e.reads) == 0 {
			continue
		}
		e.url += "&copy=" + string(rune('a'+i/len(page)%26)) + strings.Repeat("x", i%7)
		if !strings.Contains(e.url, "?") {
			e.url = strings.Replace(e.url, "&copy=", "?copy=", 1)
		}
		e.start += float64(i)
		many = append(many, e)
	}
	b, err := json.Marshal(chromeHAR(many))
	if err != nil {
		t.Fatal(err)
	}
	freshPage(t, ctx)
	if got := load(t, ctx, jsString(string(b))); got != "ok:8" {
		t.Fatalf("load: %s; want ok:8", got)
	}
	waitFor(t, ctx, "the request list", `!!document.getElementById("requests-table")`)
	if s := listNow(t, ctx); s.Total != 1000 {
		t.Fatalf("the list holds %d rows; want 1000", s.Total)
	}
	var times []float64
	for _, text := range []string{"chunk-1", "image", "analytics", "export.csv", "woff2", ""} {
		ms := eval[float64](t, ctx, `new Promise(done => {
			const i = document.getElementById("requests-filter"), count = document.getElementById("requests-count"), was = count.textContent;
			const t0 = performance.now();
			i.value = `+jsString(text)+`; i.dispatchEvent(new Event("input", {bubbles: true}));
			const check = () => (count.textContent !== was || window.chunkscope.requestList().filter === `+jsString(text)+`) ? done(performance.now() - t0) : requestAnimationFrame(check);
			check();
		})`)
		s := listNow(t, ctx)
		t.Logf("filter %q: %d of %d rows; on screen %.1f ms after the input event (Go's filter and sort %.2f ms)", text, s.Matched, s.Total, ms, s.FilterMs)
		times = append(times, ms)
		if s.Filter != text {
			t.Fatalf("filter %q not taken: %+v", text, s)
		}
	}
	slices.Sort(times)
	if med := times[len(times)/2]; med > 500 {
		t.Errorf("filtering 1,000 rows took %.0f ms (median); want well under half a second", med)
	}
}

// shotAt takes the 1280×720 screen scrolled so that the element id is
// above px pixels from its top: the lanes' end and the list together.
// CHUNKSCOPE_PAGELOAD_SCREENSHOT names a copy for the docs (pageload.png).
func shotAt(t *testing.T, ctx context.Context, name, id string, above int) {
	t.Helper()
	eval[bool](t, ctx, `(window.scrollTo(0, document.getElementById(`+jsString(id)+`).getBoundingClientRect().top + window.scrollY - `+strconv.Itoa(above)+`), true)`)
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll("out", 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("out", name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	if docs := os.Getenv("CHUNKSCOPE_PAGELOAD_SCREENSHOT"); docs != "" && name == "pageload.png" {
		if err := os.WriteFile(docs, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
