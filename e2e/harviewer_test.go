package e2e

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The third-party HAR viewer: waterfall-tools (WebPageTest's waterfall,
// by Patrick Meenan), as sitespeed.io 42.7.0 ships it bundled for its HTML
// reports (lib/plugins/html/assets/js/waterfall-tools.min.js, a flat IIFE
// that sets globalThis.WaterfallTools). The npm registry here serves
// sitespeed.io but neither waterfall-tools nor perfcascade, so the test
// fetches sitespeed.io's tarball alone with `npm pack` (no dependencies,
// no install scripts) and runs the viewer's own HAR loader under node.
const (
	harViewerPackage = "sitespeed.io@42.7.0"
	harViewerFile    = "package/lib/plugins/html/assets/js/waterfall-tools.min.js"
)

// harViewerScript loads a HAR with the viewer's own loader
// (WaterfallTools.loadBuffer, what sitespeed.io's report does before it
// draws) and prints each request as the viewer placed it: time_start from
// the entry's startedDateTime, time_end from its timings, ms since the
// epoch.
const harViewerScript = `
require(process.argv[2]);
const fs = require("fs");
(async () => {
  const wt = new globalThis.WaterfallTools();
  await wt.loadBuffer(new Uint8Array(fs.readFileSync(process.argv[3])));
  const out = [];
  for (const id of Object.keys(wt.data.pages)) {
    const p = wt.getPage(id, {includeRequests: true});
    for (const r of Object.values(p.requests || {})) {
      out.push({page: id, url: r.url, start: r.time_start, firstData: r.first_data_time, end: r.time_end});
    }
  }
  out.sort((a, b) => a.start - b.start);
  console.log(JSON.stringify(out));
})().catch(e => { console.error(String(e && e.stack || e)); process.exit(1); });
`

// harViewer returns the viewer's file, fetched once into a cache
// directory (CHUNKSCOPE_HARVIEWER_CACHE, or one under the temp dir), or
// why it cannot.
func harViewer() (string, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return "", errors.New("no node on PATH")
	}
	dir := os.Getenv("CHUNKSCOPE_HARVIEWER_CACHE")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "chunkscope-harviewer")
	}
	file := filepath.Join(dir, "waterfall-tools-"+strings.TrimPrefix(harViewerPackage, "sitespeed.io@")+".min.js")
	if st, err := os.Stat(file); err == nil && st.Size() > 0 {
		return file, nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return "", errors.New("no npm on PATH to fetch " + harViewerPackage)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "pack", "--silent", "--pack-destination", dir, harViewerPackage)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", errors.New("npm pack " + harViewerPackage + " failed (" + err.Error() + "): is the npm registry reachable?")
	}
	tgz := filepath.Join(dir, strings.TrimSpace(string(out)))
	defer os.Remove(tgz)
	f, err := os.Open(tgz)
	if err != nil {
		return "", err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return "", err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err != nil {
			return "", errors.New(harViewerPackage + " has no " + harViewerFile)
		}
		if h.Name != harViewerFile {
			continue
		}
		tmp := file + ".part"
		w, err := os.Create(tmp)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(w, io.LimitReader(tr, 16<<20))
		w.Close()
		if err != nil {
			return "", err
		}
		return file, os.Rename(tmp, file)
	}
}

// viewerRequest is one request as the viewer placed it.
type viewerRequest struct {
	Page                  string
	URL                   string
	Start, FirstData, End float64
}

// TestHARViewerDrawsAComparisonInSequence is the proof that an
// exported comparison reads right in another tool: a buffered then a
// streamed run, made by the real page in Chromium, exported as HAR
// (window.chunkscope.export('har')), loaded by WebPageTest's
// waterfall-tools (sitespeed.io's report viewer) under node: the viewer
// places the streamed request after the buffered one ended, not beside it.
func TestHARViewerDrawsAComparisonInSequence(t *testing.T) {
	binaryAndBrowser(t)
	viewer, err := harViewer()
	if err != nil {
		t.Skip("no third-party HAR viewer: " + err.Error())
	}
	ctx := tab(t)
	runs := runsAfter(t, ctx, "/?compare=1&rows=20&delay=50ms&autorun=1", 2)
	if runs[0].Scenario != "buffered" || runs[1].Scenario != "streaming" {
		t.Fatalf("runs %s, %s; want buffered then streaming", runs[0].Scenario, runs[1].Scenario)
	}
	har := export(t, ctx, "har", 1)
	dir := t.TempDir()
	harFile, script := filepath.Join(dir, "comparison.har"), filepath.Join(dir, "view.js")
	os.WriteFile(harFile, []byte(har), 0o644)
	os.WriteFile(script, []byte(harViewerScript), 0o644)
	os.MkdirAll("out", 0o755)
	os.WriteFile("out/harviewer-comparison.har", []byte(har), 0o644)

	nctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(nctx, "node", script, viewer, harFile).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("the viewer refused the HAR: %v: %s", err, ee.Stderr)
		}
		t.Fatalf("node: %v", err)
	}
	var got []viewerRequest
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("viewer output %q: %v", out, err)
	}
	if len(got) != 2 {
		t.Fatalf("the viewer placed %d requests; want 2: %s", len(got), out)
	}
	first, second := got[0], got[1]
	if !strings.Contains(first.URL, "/csv/buffered") || !strings.Contains(second.URL, "/csv/streaming") {
		t.Errorf("the viewer's order: %s, %s; want buffered, then streaming", first.URL, second.URL)
	}
	// startedDateTime has whole milliseconds: a request may start in the
	// millisecond the last one ended.
	if second.Start < first.End-1 {
		t.Errorf("the viewer starts streaming at %.0f, %.0f ms before buffered ended (%.0f): drawn side by side, not in sequence", second.Start, first.End-second.Start, first.End)
	}
	if first.End-first.Start < runs[0].TotalMs-2 || second.End-second.Start < runs[1].TotalMs-2 {
		t.Errorf("the viewer's bars: %.0f and %.0f ms; want the runs' %.0f and %.0f ms", first.End-first.Start, second.End-second.Start, runs[0].TotalMs, runs[1].TotalMs)
	}
	t.Logf("viewer: buffered %.0f→%.0f ms, streaming %.0f→%.0f ms (from the first start); runs %.0f and %.0f ms",
		0.0, first.End-first.Start, second.Start-first.Start, second.End-first.Start, runs[0].TotalMs, runs[1].TotalMs)
}
