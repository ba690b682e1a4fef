package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/app/record"
	"chunkscope/internal/harness"
	"chunkscope/internal/lab"
)

// labKinds are the verdicts that tell the truth about each ground-truth
// behaviour of the lab: what a person must read on the card for a body
// that arrived that way.
var labKinds = map[lab.Kind][]string{
	lab.Streams:     {record.KindStreamed},
	lab.Held:        {record.KindOnePiece},
	lab.HeldAll:     {record.KindOnePiece},
	lab.Pieces4KiB:  {record.KindBatched},
	lab.Batches:     {record.KindBatched},
	lab.CacheHit:    {record.KindOnePiece},
	lab.NotModified: {record.KindNoBody},
}

// labAmbiguous are the rows whose truth the client cannot see, with why:
// there the verdict says what arrived ("streamed", pieces ~200 ms apart),
// which is true of the response, without naming a layer. HAProxy's
// ~200 ms batches of a 50 ms stream are 4 rows (~60 B) every ~200 ms, the
// first after ~200 ms: exactly what an app that sleeps 200 ms before each
// small write sends, and nothing in the response (no send log, no header
// of HAProxy's) tells the two apart. At 2 ms a row the batches are 1.5 KB
// and more, which no app's own pace explains: "batched" there.
var labAmbiguous = map[string]string{
	"HAProxy → gunicorn":                   "ambiguous from the client: ~60 B every ~200 ms is also an app's own slow pace",
	"HAProxy, compression gzip → gunicorn": "ambiguous from the client: ~60 B every ~200 ms is also an app's own slow pace",
}

// labRow is one line of the truth table: a configuration of the lab at
// one pace, its ground truth read raw, and what chunkscope's page said.
type labRow struct {
	config, pace, truth, want string
	wire, bare                record.Verdict // the page's verdict with the wire probe, and the same record without it
	agree                     []string       // what disagrees; empty: agree
	note                      string         // why a row agrees only with what arrived
	also                      string         // what else a row that agrees says (a 304's wait)
}

// TestLabVerdicts: the truth table of issue 21. Every configuration of the
// lab (Django under Gunicorn, uWSGI, uvicorn, daphne; behind nginx,
// Apache, HAProxy, Varnish), at both paces: the ground truth from a raw read
// (the wire probe's parser, over a plain TCP connection, checked against the
// behaviour the lab documents), then the page's own read in Chromium with
// "probe the wire too", and the verdict of the same record without its wire
// section. The verdict's kind must be the truth's, and a body that was held
// must be put on a layer — the upstream, or a cache — never on nobody.
// With CHUNKSCOPE_LAB_VERDICTS=PATH (relative to the module root) the table
// is written there (lab/verdicts.md).
func TestLabVerdicts(t *testing.T) {
	bin := binaryAndBrowser(t)
	if testing.Short() {
		t.Skip("reads the whole lab: about 5 minutes")
	}
	l := startTheLab(t)
	args := []string{}
	for _, u := range l.Upstreams() {
		args = append(args, "-upstream", u)
	}
	front, err := harness.Start(bin, os.Stderr, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer front.Stop()
	ctx := tabFor(t, 15*time.Minute)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720)); err != nil {
		t.Fatal(err)
	}

	// One subtest per configuration and pace, so one row can be read alone
	// (-run 'TestLabVerdicts//ConditionalGet'); the table is written only
	// when every row was read.
	var rows []labRow
	want := 0
	for _, p := range lab.Paces {
		t.Run(p.String(), func(t *testing.T) {
			for _, c := range lab.Configs {
				want++
				if c.Then != nil {
					want++
				}
				t.Run(c.Name, func(t *testing.T) {
					first, truth := labRead(t, ctx, l, front.Base, c, p, nil)
					rows = append(rows, first)
					if c.Then != nil {
						var header map[string]string
						if c.ThenHeader != nil {
							// A revisit: the page sends the header made
							// from the first response (If-None-Match: its
							// ETag) with its read and its wire probe.
							header = c.ThenHeader(truth)
						}
						then, _ := labRead(t, ctx, l, front.Base, *c.Then, p, header)
						rows = append(rows, then)
					}
					for _, r := range rows[len(rows)-1-btoi(c.Then != nil):] {
						if len(r.agree) > 0 {
							t.Errorf("%s at %s: truth %s; chunkscope %s / without wire %s: %s", r.config, r.pace, r.truth, verdictLine(r.wire), verdictLine(r.bare), strings.Join(r.agree, "; "))
						}
					}
				})
			}
		})
	}
	if len(rows) != want {
		t.Logf("%d of the table's %d rows read: the table is not written", len(rows), want)
		return
	}
	if out := os.Getenv("CHUNKSCOPE_LAB_VERDICTS"); out != "" {
		writeLabTable(t, filepath.Join("..", out), l, rows)
	}
}

// labRead reads configuration c at pace p, with header beside c's own
// (a revisit's If-None-Match): first its ground truth, raw, then the
// page's read, the page sending header as its own request headers. Each
// reader has its own URL (reader=), so a cache in the lab serves each its
// own first and second GET. It returns the row and the ground truth.
func labRead(t *testing.T, ctx context.Context, l *lab.Lab, base string, c lab.Config, p lab.Pace, header map[string]string) (labRow, lab.Truth) {
	t.Helper()
	row := labRow{config: c.Name, pace: p.String(), want: string(c.Want(p))}
	u := c.URL(l, p)
	h := c.Header()
	var sends string
	for name, v := range header {
		h[name] = v
		sends += "&header=" + url.QueryEscape(name+": "+v)
	}
	mctx, cancel := context.WithTimeout(ctx, time.Minute)
	tr, err := lab.Measure(mctx, u+"&reader=truth", h)
	cancel()
	if err != nil {
		row.agree = append(row.agree, "ground truth: "+err.Error())
		return row, tr
	}
	row.truth = fmt.Sprintf("first byte %.0f ms, %d pieces, largest gap %.0f ms, %s", tr.FirstByteMs, tr.Pieces, tr.LargestGapMs, tr.Framing)
	if bad := c.Judge(p, tr); len(bad) > 0 {
		row.agree = append(row.agree, "the lab itself: "+strings.Join(bad, ", "))
	}
	page := base + "/?url=" + url.QueryEscape(u+"&reader=page") + sends + "&wire=1&autorun=1"
	if err := chromedp.Do(ctx, chromedp.Navigate(page)); err != nil {
		row.agree = append(row.agree, "page: "+err.Error())
		return row, tr
	}
	runs, err := harness.WaitRuns(ctx, 1)
	if err != nil || len(runs) != 1 {
		row.agree = append(row.agree, fmt.Sprintf("page: %d runs (%v)", len(runs), err))
		return row, tr
	}
	r := runs[0]
	for name, v := range header {
		if got := r.RequestHeaders[name]; got != v {
			row.agree = append(row.agree, fmt.Sprintf("page: sent %s %q; want %q", name, got, v))
		}
	}
	row.wire = r.Verdict
	bare := r
	bare.Wire = nil
	row.bare = record.Explain(&bare)
	want := labKinds[c.Want(p)]
	if c.Want(p) == lab.NotModified {
		// A 304 has no body to hold: the verdict says it had none and how
		// long the headers took (ConditionalGetMiddleware runs the view
		// whole first), naming no layer.
		if r.Status != 304 || r.Wire == nil || r.Wire.Status != 304 {
			wireStatus := 0
			if r.Wire != nil {
				wireStatus = r.Wire.Status
			}
			row.agree = append(row.agree, fmt.Sprintf("status %d, wire %d; want 304 for both (the page sent If-None-Match)", r.Status, wireStatus))
		}
		for _, v := range []struct {
			name string
			v    record.Verdict
		}{{"with the wire", row.wire}, {"without it", row.bare}} {
			if !slices.Contains(want, v.v.Kind) || !strings.Contains(v.v.Detail, "the headers came after") {
				row.agree = append(row.agree, fmt.Sprintf("%s: %s %q; want %s, with the headers' wait", v.name, v.v.Kind, v.v.Detail, strings.Join(want, " or ")))
			}
		}
		if len(row.agree) == 0 {
			row.also = fmt.Sprintf("no body to hold; the card gives the headers' wait (%s), which %s spent", record.Sec(r.HeadersMs), c.HeldBy)
		}
		return row, tr
	}
	if why, ok := labAmbiguous[c.Name]; ok && p.DelayMs >= 50 {
		if row.wire.Kind != record.KindStreamed || row.bare.Kind != record.KindStreamed {
			row.agree = append(row.agree, fmt.Sprintf("kinds %s / %s; want streamed, what arrived (%s)", row.wire.Kind, row.bare.Kind, why))
		} else {
			row.note = why
		}
		return row, tr
	}
	for _, v := range []struct {
		name string
		v    record.Verdict
	}{{"with the wire", row.wire}, {"without it", row.bare}} {
		if !slices.Contains(want, v.v.Kind) {
			row.agree = append(row.agree, fmt.Sprintf("%s: kind %s; want %s", v.name, v.v.Kind, strings.Join(want, " or ")))
		}
		if c.HeldBy == "" {
			continue
		}
		layer := strings.ToLower(v.v.Layer)
		wantLayer := "upstream"
		if c.Want(p) == lab.CacheHit {
			wantLayer = "cache"
		}
		if !strings.Contains(layer, wantLayer) {
			row.agree = append(row.agree, fmt.Sprintf("%s: layer %q; want it to name the %s (%s holds it)", v.name, v.v.Layer, wantLayer, c.HeldBy))
		}
		if s := strings.ToLower(v.v.Detail + " " + v.v.Layer); strings.Contains(s, "nobody") || strings.Contains(s, "not a server problem") {
			row.agree = append(row.agree, v.name+": a held body said to be nobody's")
		}
	}
	return row, tr
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func verdictLine(v record.Verdict) string {
	if v.Layer == "" {
		return v.Kind
	}
	return v.Kind + " (" + v.Layer + ")"
}

// writeLabTable writes the truth table as markdown.
func writeLabTable(t *testing.T, path string, l *lab.Lab, rows []labRow) {
	var b strings.Builder
	fmt.Fprintf(&b, "# The lab's truth table\n\nWritten by `CHUNKSCOPE_LAB_VERDICTS=lab/verdicts.md go test -count=1 -run TestLabVerdicts ./e2e` (with `CHUNKSCOPE_BIN` and `CHUNKSCOPE_CHROME` as `make test` sets them) on %s. "+
		"Each configuration of [the lab](../docs/lab.md) at both paces: the ground truth from a raw read (the wire probe's parser over plain TCP), "+
		"then the page's read in Chromium with the wire probe, and the verdict of the same record without its wire section.\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "%s\n\n", strings.ReplaceAll(strings.TrimSpace(l.Describe()), "\n", "  \n"))
	b.WriteString("| configuration | pace | truth | expected | chunkscope (with the wire) | chunkscope (without) | agree |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		agree := "yes"
		if r.note != "" {
			agree = "yes, with what arrived: " + r.note
		}
		if r.also != "" {
			agree = "yes: " + r.also
		}
		if len(r.agree) > 0 {
			agree = "**no**: " + strings.Join(r.agree, "; ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", r.config, r.pace, r.truth, r.want, cell(r.wire), cell(r.bare), agree)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}

func cell(v record.Verdict) string {
	if v.Kind == "" {
		return "—"
	}
	return strings.ReplaceAll(verdictLine(v), "|", "\\|")
}
