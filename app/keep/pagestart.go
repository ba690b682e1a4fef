package keep

import (
	"bytes"
	"encoding/json"
	"time"
)

// HARPageStart is when a HAR's page load began: the earliest of its pages'
// startedDateTime and its entries' (those that cannot be drawn too: a
// page's first request is often a redirect, which has no body). A page
// load's lanes are aligned on it (page time). false when the data is not a
// HAR or no date in it parses.
func HARPageStart(data []byte) (time.Time, bool) {
	var f struct {
		Log *struct {
			Pages []struct {
				StartedDateTime string `json:"startedDateTime"`
			} `json:"pages"`
			Entries []struct {
				StartedDateTime string `json:"startedDateTime"`
			} `json:"entries"`
		} `json:"log"`
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if json.Unmarshal(data, &f) != nil || f.Log == nil {
		return time.Time{}, false
	}
	var first time.Time
	see := func(s string) {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	for _, p := range f.Log.Pages {
		see(p.StartedDateTime)
	}
	for _, e := range f.Log.Entries {
		see(e.StartedDateTime)
	}
	return first, !first.IsZero()
}
