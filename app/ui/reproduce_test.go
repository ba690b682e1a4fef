package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"chunkscope/app/record"
	"chunkscope/app/wire"
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

// TestReproduceRequestHeaders: the page's own request headers are in both
// commands; a secret is a placeholder the user fills unless they gave its
// value; an https upstream says in one line what a self-signed certificate
// needs, as a comment the shell ignores.
func TestReproduceRequestHeaders(t *testing.T) {
	const origin = "http://127.0.0.1:8000"
	upstream := func(u string, h map[string]string) *record.Run {
		return &record.Run{Scenario: record.Upstream, Params: map[string]string{"url": u}, RequestHeaders: h}
	}
	tests := []struct {
		name    string
		run     *record.Run
		secrets map[string]string
		curl    string
		probe   string
	}{
		{"a header that is no secret, as sent", upstream("http://127.0.0.1:9000/export", map[string]string{"If-None-Match": `"abc"`}), nil,
			`curl -svN --raw -H 'If-None-Match: "abc"' 'http://127.0.0.1:9000/export' -o -`,
			`chunkscope probe -H 'If-None-Match: "abc"' 'http://127.0.0.1:9000/export'`},
		{"a secret is a placeholder", upstream("http://127.0.0.1:9000/export", map[string]string{"Cookie": wire.LeftOut, "Accept-Encoding": "identity"}), nil,
			`curl -svN --raw -H 'Accept-Encoding: identity' -H 'Cookie: <your Cookie>' 'http://127.0.0.1:9000/export' -o -`,
			`chunkscope probe -H 'Accept-Encoding: identity' -H 'Cookie: <your Cookie>' 'http://127.0.0.1:9000/export'`},
		{"a header marked secret is a placeholder too", upstream("http://127.0.0.1:9000/export", map[string]string{"X-Api-Key": wire.LeftOut}), nil,
			`curl -svN --raw -H 'X-Api-Key: <your X-Api-Key>' 'http://127.0.0.1:9000/export' -o -`,
			`chunkscope probe -H 'X-Api-Key: <your X-Api-Key>' 'http://127.0.0.1:9000/export'`},
		{"the secrets the user asked for", upstream("http://127.0.0.1:9000/export", map[string]string{"Cookie": wire.LeftOut, "Authorization": wire.LeftOut}),
			map[string]string{"Cookie": "sessionid=it's"},
			`curl -svN --raw -H 'Authorization: <your Authorization>' -H 'Cookie: sessionid=it'\''s' 'http://127.0.0.1:9000/export' -o -`,
			`chunkscope probe -H 'Authorization: <your Authorization>' -H 'Cookie: sessionid=it'\''s' 'http://127.0.0.1:9000/export'`},
		{"the page's Accept-Encoding over the response's encoding", &record.Run{Scenario: record.Upstream, Params: map[string]string{"url": "http://127.0.0.1:9000/export"},
			Headers: map[string]string{"content-encoding": "gzip"}, RequestHeaders: map[string]string{"Accept-Encoding": "gzip, br"}}, nil,
			`curl -svN --raw -H 'Accept-Encoding: gzip, br' 'http://127.0.0.1:9000/export' -o -`,
			`chunkscope probe -H 'Accept-Encoding: gzip, br' 'http://127.0.0.1:9000/export'`},
		{"https: the certificate flags named", upstream("https://127.0.0.1:8443/export", map[string]string{"Cookie": wire.LeftOut}), nil,
			`curl -svN --raw -H 'Cookie: <your Cookie>' 'https://127.0.0.1:8443/export' -o -  # a self-signed certificate: add -k (or --cacert FILE)`,
			`chunkscope probe -H 'Cookie: <your Cookie>' 'https://127.0.0.1:8443/export'  # a self-signed certificate: add -insecure (or -cacert FILE)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := reproduceWith(tc.run, origin, tc.secrets)
			if got.Curl != tc.curl {
				t.Errorf("curl:\n got %s\nwant %s", got.Curl, tc.curl)
			}
			if got.Probe != tc.probe {
				t.Errorf("probe:\n got %s\nwant %s", got.Probe, tc.probe)
			}
			if strings.Contains(got.Curl, wire.LeftOut) || strings.Contains(got.Probe, wire.LeftOut) {
				t.Errorf("a command holds %q, not a value or a placeholder", wire.LeftOut)
			}
		})
	}
}
