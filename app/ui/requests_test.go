package ui

import (
	"slices"
	"testing"
	"time"

	"chunkscope/app/record"
)

// listRuns are four entries of one loaded page and one run of this page.
func listRuns() []*record.Run {
	mk := func(id, u, mime, started string, status int, ttfb float64, reads int) *record.Run {
		r := record.New(record.Plan{ID: id, Scenario: record.Upstream, URL: u, Params: map[string]string{"url": u}})
		r.StartedAt = started
		r.Respond(status, map[string]string{"content-type": mime}, ttfb)
		for i := range reads {
			r.Append(record.Chunk{T: ttfb + float64(i), N: 100})
		}
		r.Finish(record.End{TotalMs: ttfb + float64(reads)})
		r.Loaded = &record.Loaded{From: "shop.har", At: "2026-12-06T10:00:00Z"}
		return r
	}
	own := record.New(record.Plan{ID: "live-1", Scenario: "streaming", URL: "/csv/streaming?rows=3"})
	own.StartedAt = "2026-12-06T10:05:00Z"
	return []*record.Run{
		mk("har-1", "https://shop.example.test/", "text/html; charset=utf-8", "2026-11-25T09:30:00.100Z", 200, 250, 5),
		mk("har-2", "https://cdn.example.test/app.js?v=2", "", "2026-11-25T09:30:00.400Z", 200, 90, 17),
		mk("har-3", "https://shop.example.test/export.csv", "text/csv", "2026-11-25T09:30:02.300Z", 200, 416, 40),
		mk("har-4", "https://cdn.example.test/img/a.webp", "image/webp", "2026-11-25T09:30:00.900Z", 200, 60, 2),
		own,
	}
}

func rowIDs(rows []requestRow) []string {
	var ids []string
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestRequestRowsFilterAndSort: every run is a row with its type, host
// and path, and its start on its own page's time; the filter keeps rows
// holding every word; the sort orders by a column, ties in store order.
func TestRequestRowsFilterAndSort(t *testing.T) {
	runs := listRuns()
	rows := requestRows(runs, runs[2:3])
	if got := []string{rows[0].Type, rows[1].Type, rows[2].Type, rows[3].Type}; !slices.Equal(got, []string{"document", "script", "text", "image"}) {
		t.Errorf("types %v; want document (MIME), script (extension), text, image", got)
	}
	if rows[1].Host != "cdn.example.test" || rows[1].Path != "/app.js?v=2" || !rows[2].Lane || rows[0].Lane {
		t.Errorf("row 2 %q %q, lanes %v %v; want host and path apart, only the export drawn", rows[1].Host, rows[1].Path, rows[2].Lane, rows[0].Lane)
	}
	if got := []float64{rows[0].StartMs, rows[2].StartMs, rows[4].StartMs}; !slices.Equal(got, []float64{0, 2200, 0}) {
		t.Errorf("starts %v; want each on its own page's time: 0, 2200 (the file's), 0 (this page's)", got)
	}
	for _, tc := range []struct {
		filter, by string
		desc       bool
		want       []string
	}{
		{"", "", false, []string{"har-1", "live-1", "har-2", "har-4", "har-3"}},
		{"", "ttfb", true, []string{"har-3", "har-1", "har-2", "har-4", "live-1"}},
		{"", "reads", false, []string{"live-1", "har-4", "har-1", "har-2", "har-3"}},
		{"CDN", "url", false, []string{"har-2", "har-4"}},
		{"shop csv", "", false, []string{"har-3"}},
		{"image", "", false, []string{"har-4"}},
		{"200 text", "size", true, []string{"har-3", "har-1"}},
		{"nothing-like-this", "", false, nil},
	} {
		got := filterRows(rows, tc.filter, tc.by, tc.desc)
		if !slices.Equal(rowIDs(got), tc.want) {
			t.Errorf("filter %q by %q desc %v: %v; want %v", tc.filter, tc.by, tc.desc, rowIDs(got), tc.want)
		}
		for i, r := range got {
			if r.Index != i {
				t.Errorf("filter %q: row %d numbered %d", tc.filter, i, r.Index)
			}
		}
	}
}

// TestPageStartsCountTheFilesFirstRequest: a file's page began at its
// first request even when that one is not a run (a redirect).
func TestPageStartsCountTheFilesFirstRequest(t *testing.T) {
	runs := listRuns()
	began := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	pageBegan["shop.har\x002026-12-06T10:00:00Z"] = float64(began.UnixMilli())
	defer delete(pageBegan, "shop.har\x002026-12-06T10:00:00Z")
	rows := requestRows(runs, nil)
	if rows[0].StartMs != 100 || rows[2].StartMs != 2300 || rows[4].StartMs != 0 {
		t.Errorf("starts %v, %v, %v; want 100 and 2300 after the file's first request, 0 for this page's run", rows[0].StartMs, rows[2].StartMs, rows[4].StartMs)
	}
}

// TestSplitURL: a row reads a URL as its host and the rest; no password
// shows, a fragment is not the server's.
func TestSplitURL(t *testing.T) {
	for _, tc := range []struct{ raw, host, rest string }{
		{"https://shop.example.test/a/b.css?v=1", "shop.example.test", "/a/b.css?v=1"},
		{"https://shop.example.test", "shop.example.test", "/"},
		{"http://127.0.0.1:8000?x=1#top", "127.0.0.1:8000", "/?x=1"},
		{"https://user:secret@cdn.example.test/img.png", "cdn.example.test", "/img.png"},
		{"/csv/streaming?rows=3", "", "/csv/streaming?rows=3"},
	} {
		if host, rest := splitURL(tc.raw); host != tc.host || rest != tc.rest {
			t.Errorf("splitURL(%q) = %q, %q; want %q, %q", tc.raw, host, rest, tc.host, tc.rest)
		}
	}
}
