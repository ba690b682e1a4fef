package keep

import (
	"os"
	"testing"

	"chunkscope/app/record"
)

// TestReplayKeepsALoadedRunsVerdict: every run a file gives keeps its
// verdict when a replay draws it again (record.Explain on the same
// record), its bodiless redirects, 204s and 304s too; mid-replay a run
// keeps its label and its encoded reads so far.
func TestReplayKeepsALoadedRunsVerdict(t *testing.T) {
	for _, file := range []string{"../../e2e/testdata/pageload-chrome-har.har", "../../e2e/testdata/pageload-webpagetest.har", "../../e2e/testdata/chrome-har.har", "testdata/netlog/gzip-streaming.json"} {
		t.Run(file, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			l, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			redirects := 0
			for _, r := range l.Runs {
				if r.Status >= 300 && r.Status < 400 && r.Status != 304 {
					redirects++
				}
				if got := record.Explain(r); got.Kind != r.Verdict.Kind {
					t.Errorf("%s (%d, %d reads): loaded as %s, drawn again as %s (%q)", r.URL, r.Status, len(r.Chunks), r.Verdict.Kind, got.Kind, got.Detail)
				}
			}
			p := NewReplay(l.Runs, 0)
			for i, r := range l.Runs {
				mid := p.At(r.EndMs / 2)[i]
				if mid.Label() != r.Label() {
					t.Errorf("mid-replay label %q; want %q", mid.Label(), r.Label())
				}
				if n := len(mid.EncodedReads); n > len(r.EncodedReads) || (len(r.EncodedReads) > 0 && (n == 0 || n == len(r.EncodedReads))) {
					t.Errorf("mid-replay %d of %d encoded reads; want those so far", n, len(r.EncodedReads))
				}
				if end := p.At(p.End())[i]; end.Verdict.Kind != r.Verdict.Kind {
					t.Errorf("%s: replayed to the end as %s; want %s", r.URL, end.Verdict.Kind, r.Verdict.Kind)
				}
			}
			t.Logf("%d runs, %d redirects", len(l.Runs), redirects)
		})
	}
}
