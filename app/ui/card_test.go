package ui

import (
	"testing"
	"time"

	"chunkscope/app/record"
)

// TestAFoldedRecordCostsNothingToRender: a card lays its record's JSON out
// only when asked to. go-app's If evaluates its arguments, and the record
// of a long run is megabytes: encoded at every render of every card, it
// took the main thread a run shares. A loose bound, for a regression of
// that size (200,000 chunks: ~6 MB of JSON at every render).
func TestAFoldedRecordCostsNothingToRender(t *testing.T) {
	r := &record.Run{ID: "r1", Scenario: "streaming", Status: 200, Done: true}
	for i := range 200_000 {
		r.Chunks = append(r.Chunks, record.Chunk{T: float64(i) / 10, N: 1024})
	}
	c := newCard().Lane(lane{Run: r})
	start := time.Now()
	for range 10 {
		c.Render()
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("10 renders of a card with its record folded took %s; want well under 500 ms (was the record encoded?)", d)
	}
}

// TestRequestWords: the card's row of what the wire probe sent as the
// page's request, in name order, one header after another.
func TestRequestWords(t *testing.T) {
	got := requestWords(map[string]string{"Cookie": "a=1", "Accept-Encoding": "gzip, deflate, br, zstd"})
	if want := "Accept-Encoding: gzip, deflate, br, zstd; Cookie: a=1"; got != want {
		t.Errorf("requestWords = %q; want %q", got, want)
	}
}
