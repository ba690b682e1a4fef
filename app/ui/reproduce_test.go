package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"chunkscope/app/record"
)

// TestReproduce: the commands name the same request the run made, with the
// flags and headers its scenario needs, and the JSON is the record.
func TestReproduce(t *testing.T) {
	const origin = "http://127.0.0.1:8000"
	tests := []struct {
		run   *record.Run
		curl  string
		probe string
	}{
		{&record.Run{Scenario: "streaming", Params: map[string]string{"rows": "20", "delay": "100ms"}},
			"curl -svN --raw 'http://127.0.0.1:8000/csv/streaming?delay=100ms&rows=20' -o -",
			"chunkscope probe 'http://127.0.0.1:8000/csv/streaming?delay=100ms&rows=20'"},
		{&record.Run{Scenario: "streaming", Params: map[string]string{"rows": "20"}, Pace: "64KiB/s"},
			"curl -svN --raw --limit-rate 65536 'http://127.0.0.1:8000/csv/streaming?rows=20' -o -",
			"chunkscope probe 'http://127.0.0.1:8000/csv/streaming?rows=20'"},
		{&record.Run{Scenario: "http10", Params: map[string]string{"rows": "5"}},
			"curl -svN --raw --http1.0 'http://127.0.0.1:8000/csv/streaming?rows=5' -o -",
			"chunkscope probe -http1.0 'http://127.0.0.1:8000/csv/streaming?rows=5'"},
		{&record.Run{Scenario: "head-buffered", Params: map[string]string{}},
			"curl -svN --raw --head 'http://127.0.0.1:8000/csv/buffered' -o -",
			"chunkscope probe -head 'http://127.0.0.1:8000/csv/buffered'"},
		{&record.Run{Scenario: "not-modified", Params: map[string]string{"rows": "3"}},
			`curl -svN --raw -H 'If-None-Match: "chunkscope-csv"' 'http://127.0.0.1:8000/csv/not-modified?rows=3' -o -`,
			`chunkscope probe -H 'If-None-Match: "chunkscope-csv"' 'http://127.0.0.1:8000/csv/not-modified?rows=3'`},
		{&record.Run{Scenario: record.Upstream, Params: map[string]string{"url": "http://127.0.0.1:9000/export"}, Headers: map[string]string{"content-encoding": "gzip"}},
			`curl -svN --raw -H 'Accept-Encoding: gzip' 'http://127.0.0.1:9000/export' -o -`,
			`chunkscope probe -H 'Accept-Encoding: gzip' 'http://127.0.0.1:9000/export'`},
		{&record.Run{Scenario: record.Upstream, Params: map[string]string{"url": "http://127.0.0.1:9000/it's?a=1&b=2"}},
			`curl -svN --raw 'http://127.0.0.1:9000/it'\''s?a=1&b=2' -o -`,
			`chunkscope probe 'http://127.0.0.1:9000/it'\''s?a=1&b=2'`},
	}
	for _, tc := range tests {
		t.Run(tc.run.Scenario, func(t *testing.T) {
			got := reproduce(tc.run, origin)
			if got.Curl != tc.curl {
				t.Errorf("curl:\n got %s\nwant %s", got.Curl, tc.curl)
			}
			if got.Probe != tc.probe {
				t.Errorf("probe:\n got %s\nwant %s", got.Probe, tc.probe)
			}
			var back record.Run
			if err := json.Unmarshal([]byte(recordJSON(tc.run)), &back); err != nil || back.Scenario != tc.run.Scenario {
				t.Errorf("JSON %q does not decode to the run (%v)", recordJSON(tc.run), err)
			}
			if strings.Contains(got.Curl, "run=") {
				t.Errorf("curl %s carries a run tag", got.Curl)
			}
		})
	}
}
