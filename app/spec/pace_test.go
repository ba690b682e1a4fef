package spec

import (
	"strings"
	"testing"
	"time"
)

func TestParsePace(t *testing.T) {
	tests := []struct {
		in      string
		want    Pace
		canon   string // String(), "" for full speed
		wantErr string // the start of the error, "" for none
	}{
		{in: "", want: Pace{}, canon: ""},
		{in: "full", want: Pace{}, canon: ""},
		{in: "64KiB/s", want: Pace{Kind: PaceRate, Rate: 64 << 10}, canon: "64KiB/s"},
		{in: " 1.5mib/s ", want: Pace{Kind: PaceRate, Rate: 3 << 19}, canon: "1536KiB/s"},
		{in: "2048B/s", want: Pace{Kind: PaceRate, Rate: 2048}, canon: "2KiB/s"},
		{in: "pause:2s@1MiB", want: Pace{Kind: PacePause, Pause: 2 * time.Second, AtBytes: 1 << 20}, canon: "pause:2s@1MiB"},
		{in: "pause:1500ms@500ms", want: Pace{Kind: PacePause, Pause: 1500 * time.Millisecond, AtTime: 500 * time.Millisecond, ByTime: true}, canon: "pause:1.5s@500ms"},
		{in: "pause:2s@0", want: Pace{Kind: PacePause, Pause: 2 * time.Second}, canon: "pause:2s@0B"},
		{in: "stop@1MiB", want: Pace{Kind: PaceStop, AtBytes: 1 << 20}, canon: "stop@1MiB"},
		{in: "stop@1s", want: Pace{Kind: PaceStop, AtTime: time.Second, ByTime: true}, canon: "stop@1s"},
		{in: "stop@0", want: Pace{Kind: PaceStop}, canon: "dead"},
		{in: "dead", want: Pace{Kind: PaceStop}, canon: "dead"},
		{in: "64KB/s", wantErr: `pace: "64KB/s" is not a rate`},
		{in: "fast", wantErr: `pace: "fast" is not a pace; want full, a rate`},
		{in: "1B/s", wantErr: `pace: "1B/s" is outside 1KiB/s..1GiB/s`},
		{in: "2GiB/s", wantErr: `pace: "2GiB/s" is outside`},
		{in: "NaNKiB/s", wantErr: `pace: "NaNKiB/s" is not a rate`},
		{in: "-1KiB/s", wantErr: `pace: "-1KiB/s" is not a rate`},
		{in: "pause:2s", wantErr: `pace: "pause:2s" says no point to pause at`},
		{in: "pause:soon@1MiB", wantErr: `pace: "pause:soon@1MiB" has no pause`},
		{in: "pause:0s@1MiB", wantErr: `pace: "pause:0s@1MiB" has no pause`},
		{in: "pause:6m@1MiB", wantErr: `pace: "pause:6m@1MiB" has no pause`},
		{in: "stop@later", wantErr: `pace: "stop@later" has a point "later" that is neither a size`},
		{in: "stop@-1s", wantErr: `pace: "stop@-1s" has a point`},
		{in: "stop@5GiB", wantErr: `pace: "stop@5GiB" has a point past the largest body`},
		{in: "stop", wantErr: `pace: "stop" is not a pace`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePace(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("ParsePace(%q) = %+v, %v; want one line starting %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParsePace(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			}
			if s := got.String(); s != tc.canon {
				t.Errorf("String() = %q; want %q", s, tc.canon)
			}
			if again, err := ParsePace(got.String()); err != nil || again != got {
				t.Errorf("round trip of %q: %+v, %v; want %+v", got.String(), again, err, got)
			}
		})
	}
}

// FuzzParsePace: any value parses to a pace that round-trips through
// String, or fails with one line naming pace=.
func FuzzParsePace(f *testing.F) {
	for _, seed := range []string{"", "full", "64KiB/s", "pause:2s@1MiB", "pause:1s@200ms", "stop@1MiB", "stop@1s", "dead", "1e9GiB/s", "stop@9223372036854775807ns"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		p, err := ParsePace(v)
		if err != nil {
			if msg := err.Error(); !strings.HasPrefix(msg, "pace: ") || strings.Contains(msg, "\n") {
				t.Fatalf("error %q is not one line starting with pace:", msg)
			}
			return
		}
		again, err := ParsePace(p.String())
		if err != nil || again != p {
			t.Fatalf("%q: round trip of %q gave %+v, %v; want %+v", v, p.String(), again, err, p)
		}
	})
}
