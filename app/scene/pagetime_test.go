package scene

import (
	"math"
	"strings"
	"testing"

	"chunkscope/app/record"
)

// pageEntries are three entries of one page load as a HAR gives them:
// each stamped with its own start, its reads from that start.
func pageEntries() []*record.Run {
	mk := func(id, started string, reads ...float64) *record.Run {
		r := record.New(record.Plan{ID: id, Scenario: record.Upstream, URL: "http://example.test/" + id})
		r.StartedAt = started
		r.Respond(200, map[string]string{}, reads[0])
		for _, t := range reads {
			r.Append(record.Chunk{T: t, N: 100})
		}
		r.Finish(record.End{TotalMs: reads[len(reads)-1]})
		return r
	}
	return []*record.Run{
		mk("a", "2026-11-25T10:00:00.000Z", 100, 200),
		mk("b", "2026-11-25T10:00:01.500Z", 50, 60),
		mk("c", "2026-11-25T10:00:00.250Z", 10),
	}
}

// TestPageTimeAlignment: with AlignPage each lane starts at its request's
// start after the page's first request; its first-byte marker still names
// its own TTFB; the axis says it is page time. Without a page start a
// lane is drawn from its own start.
func TestPageTimeAlignment(t *testing.T) {
	runs := pageEntries()
	page, _ := StartEpochMs(runs[0])
	for _, tc := range []struct {
		name   string
		starts []float64
		want   []float64 // each lane's shift
	}{
		{"every lane on the page's time", []float64{page, page, page}, []float64{0, -1500, -250}},
		{"a page that started earlier", []float64{page - 1000, page - 1000, page - 1000}, []float64{-1000, -2500, -1250}},
		{"no page start: own start", nil, []float64{0, 0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Width: 900, Align: AlignPage, PageStartMs: tc.starts}
			for i, r := range runs {
				if got := o.laneShift(i, r); math.Abs(got-tc.want[i]) > 1e-6 {
					t.Errorf("lane %d shift = %v; want %v", i, got, tc.want[i])
				}
			}
			s := Build(Lanes(runs), o)
			var axis string
			var markers []string
			for _, p := range texts(s) {
				switch {
				case strings.HasPrefix(p.Text, "page time"):
					axis = p.Text
				case strings.HasPrefix(p.Text, "first byte "):
					markers = append(markers, p.Text)
				}
			}
			if axis == "" {
				t.Errorf("no axis text saying page time")
			}
			if want := []string{"first byte 100 ms", "first byte 50 ms", "first byte 10 ms"}; strings.Join(markers, "|") != strings.Join(want, "|") {
				t.Errorf("markers %q; want each lane's own TTFB %q", markers, want)
			}
			if len(tc.starts) > 0 && s.Axis.TMax < 1500+60-tc.want[0] {
				t.Errorf("axis ends at %v ms; want past the last lane's end on page time", s.Axis.TMax)
			}
		})
	}
}
