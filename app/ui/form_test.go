package ui

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"chunkscope/app/runner"
	"chunkscope/app/scene"
)

func TestParseURL(t *testing.T) {
	const up = "url=http%3A%2F%2F127.0.0.1%3A9000%2Fx"
	tests := []struct {
		query     string
		wantErr   string // a part of the error, "" for none
		scenarios []string
		upstream  string
		autorun   bool
		rows      int
		delay     time.Duration
		align     string
		pace      string // the view's pace, canonical
	}{
		// The bare page starts on a body that takes seconds (firstVisit);
		// a link keeps the server's defaults for what it leaves out.
		{query: "", scenarios: []string{"streaming"}, rows: 20, delay: 100 * time.Millisecond},
		{query: "compare=1", scenarios: []string{"buffered", "streaming"}, rows: 1000},
		{query: "autorun=0", scenarios: []string{"streaming"}, rows: 1000},
		{query: "scenario=buffered&rows=20&delay=100ms&autorun=1", scenarios: []string{"buffered"}, autorun: true, rows: 20, delay: 100 * time.Millisecond},
		// Links shared before compare took a list keep their meaning,
		// scenario=streaming or buffered beside them included (the old
		// "link to this view" wrote it).
		{query: "compare=1&rows=5", scenarios: []string{"buffered", "streaming"}, rows: 5},
		{query: "compare=1&scenario=streaming&rows=5", scenarios: []string{"buffered", "streaming"}, rows: 5},
		{query: "compare=streaming,gzip-streaming,proxy-length,no-flush&rows=20&delay=50ms&autorun=1",
			scenarios: []string{"streaming", "gzip-streaming", "proxy-length", "no-flush"}, autorun: true, rows: 20, delay: 50 * time.Millisecond},
		{query: "compare=streaming&" + up, scenarios: []string{"streaming"}, upstream: "http://127.0.0.1:9000/x", rows: 1000},
		{query: "compare=1&scenario=gzip-streaming", wantErr: "compare=1 reads buffered then streaming, but scenario=gzip-streaming names another"},
		{query: "compare=streaming,nope", wantErr: `compare: "nope" is not one of buffered, streaming`},
		{query: "compare=streaming,streaming", wantErr: "compare: streaming is named twice"},
		{query: "compare=buffered,streaming,http10,http2,content-length,head-streaming,head-buffered,no-content&" + up, wantErr: "compare: 9 runs; a view holds at most 8"},
		{query: up + "&rows=99&delay=1s", wantErr: "rows, delay: these shape this server's scenarios, not an upstream's body"},
		{query: up + "&scenario=gzip-streaming", wantErr: "scenario=gzip-streaming and url=… each name something to read"},
		{query: up + "&scenario=streaming&wire=1", upstream: "http://127.0.0.1:9000/x", rows: 1000},
		{query: "align=first-byte&scenario=buffered", scenarios: []string{"buffered"}, rows: 1000, align: scene.AlignFirstByte},
		{query: "align=middle", wantErr: `align: "middle" is not start or first-byte`},
		{query: "scenario=nope", wantErr: `scenario: "nope" is not one of buffered, streaming`},
		{query: "autorun=yes", wantErr: `autorun: "yes" is not 0 or 1`},
		{query: "rows=-1", wantErr: "rows:"},
		{query: "delay=fast", wantErr: "delay:"},
		{query: "rowz=1", wantErr: "rowz: unknown parameter (this page's parameters: scenario, compare, url, hops, chain, read, wire, align, autorun, pace, header, secrets, rows, delay, per, pad)"},
		// The reader's pace: old links have none and read at full speed.
		{query: "scenario=streaming&pace=64KiB/s", scenarios: []string{"streaming"}, rows: 1000, pace: "64KiB/s"},
		{query: "compare=1&pace=stop@1MiB&" + up, scenarios: []string{"buffered", "streaming"}, upstream: "http://127.0.0.1:9000/x", rows: 1000, pace: "stop@1MiB"},
		{query: "pace=full", scenarios: []string{"streaming"}, rows: 1000},
		{query: "pace=pause:2s@1mib", scenarios: []string{"streaming"}, rows: 1000, pace: "pause:2s@1MiB"},
		{query: "pace=64KB/s&rows=7", wantErr: `pace: "64KB/s" is not a rate`},
		{query: "scenario=buffered&scenario=streaming", wantErr: "scenario: given 2 times"},
		{query: "read=stream&scenario=buffered", scenarios: []string{"buffered"}, rows: 1000},
		{query: "wire=1&rows=3", scenarios: []string{"streaming"}, rows: 3},
		{query: "url=ftp%3A%2F%2Fx", wantErr: `url: "ftp://x" is not an http:// or https://host:port/path URL`},
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
				// What the link said stays in the controls, to be mended.
				if pace := q.Get("pace"); pace != "" && f.Pace != pace {
					t.Errorf("form pace = %q; want %q as the link typed it", f.Pace, pace)
				}
				if rows := q.Get("rows"); rows != "" && f.Rows != rows {
					t.Errorf("form rows = %q; want %q as the link typed it", f.Rows, rows)
				}
				return
			}
			if err != nil {
				t.Fatalf("error = %v", err)
			}
			align := tc.align
			if align == "" {
				align = scene.AlignStart
			}
			if !slices.Equal(v.Scenarios, tc.scenarios) || v.Upstream != tc.upstream || autorun != tc.autorun || v.Spec.Rows != tc.rows || v.Spec.Delay != tc.delay || v.Align != align {
				t.Errorf("got %+v autorun=%v; want scenarios %v upstream %q autorun %v rows %d delay %s align %s", v, autorun, tc.scenarios, tc.upstream, tc.autorun, tc.rows, tc.delay, align)
			}
			if n := len(v.plans()); n != len(tc.scenarios)+min(1, len(tc.upstream)) {
				t.Errorf("%d plans; want one per scenario and one for the upstream", n)
			}
			if v.Pace.String() != tc.pace || f.Pace != tc.pace {
				t.Errorf("pace %q, form %q; want %q", v.Pace.String(), f.Pace, tc.pace)
			}
			for _, p := range v.plans() {
				if p.Pace != v.Pace {
					t.Errorf("plan %s reads at %q; want the view's %q", p.Label(), p.Pace.String(), tc.pace)
				}
			}
			// The URL the page writes back parses to the same view.
			again, _, _, err := parseURL(v.query(autorun))
			if err != nil || !slices.Equal(again.Scenarios, v.Scenarios) || again.Upstream != v.Upstream || again.Spec != v.Spec || again.Align != v.Align || again.Read != v.Read || again.Wire != v.Wire || again.Pace != v.Pace {
				t.Errorf("round trip of %s: got %+v, %v; want %+v", v.query(autorun).Encode(), again, err, v)
			}
		})
	}
}

// TestBarePageFormTellsTheStory: the controls of a page opened with no
// parameters hold a body whose production takes seconds, so Compare shows
// the buffered body waiting for it; empty fields would mean the server's
// defaults (1,000 rows at once), which show nothing.
func TestBarePageFormTellsTheStory(t *testing.T) {
	_, autorun, f, err := parseURL(url.Values{})
	if err != nil || autorun {
		t.Fatalf("parseURL() = autorun %v, %v; want no run and no error", autorun, err)
	}
	if f.Scenario != "streaming" || f.Rows != "20" || f.Delay != "100ms" || f.Per != "1" || f.Pad != "0" || f.Read != runner.ReadAuto {
		t.Errorf("form = %+v; want streaming, rows 20, delay 100ms, per 1, pad 0, read auto", f)
	}
	s, err := f.body()
	if err != nil || s.Rows*int(s.Delay/time.Millisecond) < 1000 {
		t.Errorf("body = %+v, %v; want one whose production takes at least a second", s, err)
	}
}

func TestFormTreatsEmptyFieldsAsDefaults(t *testing.T) {
	p, err := form{Scenario: "buffered", Read: runner.ReadAuto, Rows: " 12 ", Delay: ""}.plan()
	if err != nil {
		t.Fatal(err)
	}
	if p.Spec.Rows != 12 || p.Spec.Per != 1 || p.Spec.Delay != 0 {
		t.Errorf("got %+v; want rows 12, per 1, delay 0", p.Spec)
	}
	if _, err := (form{Scenario: "buffered", Read: runner.ReadAuto, Per: "0"}).plan(); err == nil || !strings.HasPrefix(err.Error(), "per:") {
		t.Errorf("per=0: error = %v; want one starting with per:", err)
	}
	// With an upstream URL, the scenario fields do not apply: a bad rows
	// there is not the upstream's problem.
	p, err = form{Scenario: "buffered", Read: runner.ReadAuto, Rows: "lots", Upstream: " http://127.0.0.1:9000/x "}.plan()
	if err != nil || p.Upstream != "http://127.0.0.1:9000/x" || p.Scenario != "" {
		t.Errorf("upstream plan = %+v, %v; want the upstream alone", p, err)
	}
}
