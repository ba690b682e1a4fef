package ui

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"chunkscope/app/runner"
	"chunkscope/app/spec"
	"chunkscope/app/wire"
)

func TestHopPlans(t *testing.T) {
	s, err := spec.Parse(url.Values{"rows": {"20"}, "delay": {"50ms"}})
	if err != nil {
		t.Fatal(err)
	}
	labels := func(hops []hop) []string {
		var out []string
		for _, h := range hops {
			out = append(out, h.Label)
		}
		return out
	}
	inside := []string{"direct", "proxy → chunked", "proxy → sized", "proxy flush -1", "gzip buffering", "gzip flushing"}

	// No nginx, no upstream: the six hops inside this server, and why the
	// others are missing.
	hops, left, missing := hopPlans(s, runner.Plan{Read: runner.ReadAuto}, wire.Hops{NginxProblem: "not installed (apt-get install nginx)"})
	if got := labels(hops); !slices.Equal(got, inside) || left != nil {
		t.Errorf("hops %q, left %q; want %q and none left", got, left, inside)
	}
	if len(missing) != 2 || missing[0] != "nginx: not installed (apt-get install nginx)" || !strings.HasPrefix(missing[1], "upstreams: none allowed") {
		t.Errorf("missing = %q", missing)
	}
	for _, h := range hops {
		if h.Plan.Spec != s || h.Plan.Hop != h.Label || h.Plan.Upstream != "" {
			t.Errorf("hop %s: plan %+v; want the form's body, its label, no upstream", h.Label, h.Plan)
		}
	}

	// nginx and two upstreams: nginx's hops tagged (it forwards to this
	// server), the upstreams asked for the same path and body, untagged.
	h := wire.Hops{Nginx: "http://127.0.0.1:8081", NginxLocations: []string{"/buffering-on/", "/buffering-off/"},
		Upstreams: []string{"http://127.0.0.1:9000", "https://127.0.0.1:9001"}}
	hops, left, missing = hopPlans(s, runner.Plan{Read: runner.ReadStream, Wire: true}, h)
	want := append(slices.Clone(inside), "nginx buffer on", "nginx buffer off", "127.0.0.1:9000", "127.0.0.1:9001")
	if got := labels(hops); !slices.Equal(got, want) || left != nil || missing != nil {
		t.Errorf("hops %q, left %q, missing %q; want %q", got, left, missing, want)
	}
	if p := hops[6].Plan; p.Upstream != "http://127.0.0.1:8081/buffering-on/csv/streaming?delay=50ms&rows=20" || !p.Tagged || !p.Wire || p.Read != runner.ReadStream {
		t.Errorf("nginx hop plan = %+v", p)
	}
	if p := hops[9].Plan; p.Upstream != "https://127.0.0.1:9001/csv/streaming?delay=50ms&rows=20" || p.Tagged {
		t.Errorf("upstream hop plan = %+v", p)
	}

	// More hops than lanes: the ones past the limit are named, not dropped.
	for i := range 6 {
		h.Upstreams = append(h.Upstreams, "http://127.0.0.1:910"+string(rune('0'+i)))
	}
	hops, left, _ = hopPlans(s, runner.Plan{Read: runner.ReadAuto}, h)
	if len(hops) != runner.MaxHopLanes || len(left) != 16-runner.MaxHopLanes || left[0] != "127.0.0.1:9102" {
		t.Errorf("%d hops, left %q; want %d and the last four named", len(hops), left, runner.MaxHopLanes)
	}
}

func TestParseURLHops(t *testing.T) {
	v, autorun, f, err := parseURL(url.Values{"hops": {"1"}, "rows": {"20"}, "delay": {"50ms"}, "autorun": {"1"}})
	if err != nil || !v.Hops || !autorun || f.Rows != "20" || f.Delay != "50ms" {
		t.Fatalf("parseURL(hops=1…) = %+v, %v, %+v, %v", v, autorun, f, err)
	}
	if got := v.query(true).Encode(); got != "autorun=1&delay=50ms&hops=1&rows=20" {
		t.Errorf("query = %q", got)
	}
	for _, q := range []string{"hops=1&compare=1", "hops=1&scenario=streaming", "hops=1&url=http%3A%2F%2F127.0.0.1%3A9000%2Fx", "hops=2"} {
		vals, _ := url.ParseQuery(q)
		if _, _, _, err := parseURL(vals); err == nil {
			t.Errorf("parseURL(%s): no error", q)
		}
	}
}
