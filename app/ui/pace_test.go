package ui

import (
	"strings"
	"testing"

	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// TestStopNote: the sentence under a stopped reader's card agrees with its
// record alone — when it stopped, what the server wrote, how it ended.
func TestStopNote(t *testing.T) {
	const MiB = 1 << 20
	base := func() *record.Run {
		return &record.Run{
			Pace: "stop@1MiB", Status: 200, Done: true, StoppedMs: 20,
			Chunks:    []record.Chunk{{T: 10, N: MiB / 2}, {T: 20, N: MiB}, {T: 5000, N: 6 * MiB}},
			Bytes:     7*MiB + MiB/2,
			Sent:      []wire.Send{{T: 5, N: 4 * MiB}, {T: 3000, N: 4 * MiB, BlockedMs: 2990}},
			ServerMem: []wire.Sample{{T: 0}, {T: 3001}},
		}
	}
	tests := []struct {
		name string
		edit func(r *record.Run)
		want []string // "" for no note at all
	}{
		{"cut", func(r *record.Run) { r.ResumedMs, r.Error = 4900, "reading the body: network error" }, []string{
			"The page stopped reading at 0.02 s, with 1.5 MiB read.",
			"The server wrote 8.0 MiB (its send log); its last write returned at 3.00 s, after blocking 2.99 s.",
			"The server cut the stream at 3.00 s",
			"Reading again at 4.90 s, the page found the body ended with an error (network error) after 7.5 MiB: cut, not complete.",
		}},
		{"complete", func(r *record.Run) { r.ResumedMs = 4900 }, []string{"The server finished the response at 3.00 s", "found it complete: 7.5 MiB."}},
		{"stopped by hand", func(r *record.Run) { r.Error = "stopped: context canceled" }, []string{"The run was stopped while the page held the response open"}},
		{"dead", func(r *record.Run) { r.Pace, r.ResumedMs, r.Error = "dead", 4900, "reading the body: network error" }, []string{"The page never read the body.", "cut, not complete"}},
		{"ended first", func(r *record.Run) { r.StoppedMs = 0 }, []string{"The body ended before the point where the page was to stop reading."}},
		{"a rate", func(r *record.Run) { r.Pace = "64KiB/s" }, nil},
		{"full speed", func(r *record.Run) { r.Pace = "" }, nil},
		{"in progress", func(r *record.Run) { r.Done = false }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := base()
			tc.edit(r)
			got := stopNote(r)
			if len(tc.want) == 0 && got != "" {
				t.Fatalf("note %q; want none", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("note %q; want it to say %q", got, w)
				}
			}
		})
	}
}

func TestPaceRows(t *testing.T) {
	r := &record.Run{Pace: "64KiB/s", Done: true, TTFBMs: 100, TotalMs: 2100, Bytes: 128 << 10,
		Sent: []wire.Send{{BlockedMs: 500}, {BlockedMs: 1500}}}
	rows := paceRows(r)
	if len(rows) != 2 || rows[0][1] != "read at 64 KiB/s (measured: 64.0 KiB/s from the first byte to the end)" ||
		rows[1][1] != "2.00 s in all over 2 writes, the longest 1.50 s" {
		t.Errorf("rows = %q", rows)
	}
	if rows := paceRows(&record.Run{}); rows != nil {
		t.Errorf("a full-speed run has pace rows %q; want none", rows)
	}
}
