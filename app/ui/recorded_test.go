package ui

import (
	"os"
	"strings"
	"testing"

	"chunkscope/app/keep"
	"chunkscope/app/record"
)

// TestRecordedSaysWhenThereIsNoDate: where the page shows when a run was
// recorded (the table's mark, the card's note, earlier runs), a curl
// trace's run gives its local time of day and says there is no date — not
// year 0000, not UTC; a run with a date keeps its date in UTC.
func TestRecordedSaysWhenThereIsNoDate(t *testing.T) {
	data, err := os.ReadFile("../keep/testdata/curl/streaming.trace-ascii.txt")
	if err != nil {
		t.Fatal(err)
	}
	l, err := keep.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	curl := l.Runs[0]
	dated := &record.Run{StartedAt: "2026-12-06T14:03:07.123Z", Loaded: &record.Loaded{From: "x.har", Format: "har"}}
	for _, tc := range []struct {
		name, got, want string
	}{
		{"curl, recorded", recorded(curl), curl.StartedAt[11:19] + " local, time of day only (curl traces carry no date)"},
		{"curl, time of day", timeOfDay(curl), curl.StartedAt[11:19] + " local, time of day only (curl traces carry no date)"},
		{"dated, recorded", recorded(dated), "2026-12-06 14:03:07 UTC"},
		{"dated, time of day", timeOfDay(dated), "14:03:07 UTC"},
		{"too short", timeOfDay(&record.Run{StartedAt: "2026"}), "an unknown time"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q; want %q", tc.name, tc.got, tc.want)
		}
	}
	if note := loadedNote(curl); strings.Contains(note, "0000") || strings.Contains(note, "UTC") {
		t.Errorf("loaded note %q shows year 0000 or UTC for a curl trace", note)
	}
}
