package ui

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		query   string
		wantErr string // a part of the error, "" for none
		scen    string
		compare bool
		autorun bool
		rows    int
		delay   time.Duration
	}{
		{query: "", scen: "streaming", rows: 1000},
		{query: "scenario=buffered&rows=20&delay=100ms&autorun=1", scen: "buffered", autorun: true, rows: 20, delay: 100 * time.Millisecond},
		{query: "compare=1&rows=5", scen: "streaming", compare: true, rows: 5},
		{query: "scenario=nope", wantErr: `scenario: "nope" is not one of buffered, streaming`},
		{query: "autorun=yes", wantErr: `autorun: "yes" is not 0 or 1`},
		{query: "rows=-1", wantErr: "rows:"},
		{query: "delay=fast", wantErr: "delay:"},
		{query: "rowz=1", wantErr: "rowz: unknown parameter"},
		{query: "scenario=buffered&scenario=streaming", wantErr: "scenario: given 2 times"},
		{query: "read=stream&scenario=buffered", scen: "buffered", rows: 1000},
		{query: "wire=1&rows=3", scen: "streaming", rows: 3},
		{query: "url=http%3A%2F%2F127.0.0.1%3A9000%2Fx&wire=1", scen: "streaming", rows: 1000},
		{query: "url=ftp%3A%2F%2Fx", wantErr: `url: "ftp://x" is not an http://host:port/path URL`},
		{query: "wire=2", wantErr: `wire: "2" is not 0 or 1`},
		{query: "read=all", wantErr: `read: "all" is not one of auto, stream, buffer`},
		{query: "run=abc", wantErr: "run: the page chooses run ids itself"},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			v, autorun, f, err := parseURL(q)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v; want it to contain %q", err, tc.wantErr)
				}
				if f.Scenario == "" {
					t.Errorf("form lost its scenario on error")
				}
				return
			}
			if err != nil {
				t.Fatalf("error = %v", err)
			}
			if v.Scenario != tc.scen || v.Compare != tc.compare || autorun != tc.autorun || v.Spec.Rows != tc.rows || v.Spec.Delay != tc.delay {
				t.Errorf("got %+v autorun=%v; want scenario %s compare %v autorun %v rows %d delay %s", v, autorun, tc.scen, tc.compare, tc.autorun, tc.rows, tc.delay)
			}
			// The URL the page writes back parses to the same view.
			again, _, _, err := parseURL(v.query(autorun))
			if err != nil || again != v {
				t.Errorf("round trip: got %+v, %v; want %+v", again, err, v)
			}
		})
	}
}

func TestFormTreatsEmptyFieldsAsDefaults(t *testing.T) {
	v, err := form{Scenario: "buffered", Read: readAuto, Rows: " 12 ", Delay: ""}.parse()
	if err != nil {
		t.Fatal(err)
	}
	if v.Spec.Rows != 12 || v.Spec.Per != 1 || v.Spec.Delay != 0 {
		t.Errorf("got %+v; want rows 12, per 1, delay 0", v.Spec)
	}
	if v.readMode("buffered") != readBuffer || v.readMode("streaming") != readStream {
		t.Errorf("auto read modes = %s, %s; want buffer for buffered, stream for streaming", v.readMode("buffered"), v.readMode("streaming"))
	}
	if _, err := (form{Scenario: "buffered", Read: readAuto, Per: "0"}).parse(); err == nil || !strings.HasPrefix(err.Error(), "per:") {
		t.Errorf("per=0: error = %v; want one starting with per:", err)
	}
}
