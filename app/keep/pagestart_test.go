package keep

import (
	"testing"
	"time"
)

// TestHARPageStart: a page load begins at its earliest date, a page's or
// an entry's (a redirect without _chunks counts); a file that is not a
// HAR has none.
func TestHARPageStart(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       string // "" for none
	}{
		{"the page's start", `{"log":{"pages":[{"startedDateTime":"2026-11-25T09:30:00.000Z"}],"entries":[{"startedDateTime":"2026-11-25T09:30:00.091Z"}]}}`, "2026-11-25T09:30:00Z"},
		{"an earlier entry", `{"log":{"pages":[{"startedDateTime":"2026-11-25T09:30:00.500Z"}],"entries":[{"startedDateTime":"2026-11-25T09:30:00.250+00:00"},{"startedDateTime":"x"}]}}`, "2026-11-25T09:30:00.25Z"},
		{"no pages, a BOM", "\ufeff" + `{"log":{"entries":[{"startedDateTime":"2026-11-25T09:30:01Z"}]}}`, "2026-11-25T09:30:01Z"},
		{"no date", `{"log":{"entries":[{"startedDateTime":"yesterday"}]}}`, ""},
		{"a session file", `{"format":"chunkscope-session","runs":[]}`, ""},
		{"not JSON", `{`, ""},
	} {
		got, ok := HARPageStart([]byte(tc.data))
		if s := got.UTC().Format(time.RFC3339Nano); (tc.want == "" && ok) || (tc.want != "" && (!ok || s != tc.want)) {
			t.Errorf("%s: %v %v; want %q", tc.name, s, ok, tc.want)
		}
	}
}
