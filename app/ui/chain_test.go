package ui

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"chunkscope/app/runner"
)

// TestChainLink: chain=URL,URL,… (each percent-encoded, outermost first)
// reads each URL as one hop, a comma inside a URL included; the link the
// page writes reads back to the same chain; what does not go with a chain
// is refused with a sentence.
func TestChainLink(t *testing.T) {
	nginx := "http://127.0.0.1:8080/export.csv?rows=2000&delay=2"
	gunicorn := "http://127.0.0.1:8000/export.csv?rows=2000&delay=2&cols=a,b"
	raw := "chain=" + url.QueryEscape(nginx) + "," + url.QueryEscape(gunicorn) + "&wire=1&autorun=1"
	tests := []struct {
		name, raw string
		want      []string
		wantErr   string
	}{
		{"two hops, a comma inside the second", raw, []string{nginx, gunicorn}, ""},
		{"as typed in a browser's address bar, not encoded", "chain=http://127.0.0.1:8080/x,http://127.0.0.1:8000/x", []string{"http://127.0.0.1:8080/x", "http://127.0.0.1:8000/x"}, ""},
		{"the whole value encoded once more (url.Values)", url.Values{"chain": {"http://127.0.0.1:8080/x,http://127.0.0.1:8000/x"}}.Encode(), []string{"http://127.0.0.1:8080/x", "http://127.0.0.1:8000/x"}, ""},
		{"one hop", "chain=http%3A%2F%2F127.0.0.1%3A8000%2Fx", []string{"http://127.0.0.1:8000/x"}, ""},
		{"nine hops", "chain=" + strings.TrimSuffix(strings.Repeat("http://127.0.0.1:1/a,", 9), ","), nil, "is named twice"},
		{"nine distinct hops", "chain=" + nine(), nil, "9 hops; a chain holds at most 8"},
		{"an ftp URL", "chain=ftp%3A%2F%2Fx", nil, `chain: url: "ftp://x" is not an http:// or https://host:port/path URL`},
		{"empty", "chain=", nil, "chain: no URL"},
		{"with compare", "compare=1&" + raw, nil, "but compare= names this server's scenarios"},
		{"with rows", "rows=3&" + raw, nil, "but rows= shapes this server's scenarios"},
		{"with hops", "hops=1&" + raw, nil, "but hops= runs this server's own hops"},
		{"not percent-encoded", "chain=http%3A%2F%2Fx%ZZ", nil, `invalid URL escape "%ZZ"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := linkQuery(tc.raw)
			var v view
			if err == nil {
				v, _, _, err = parseURL(q)
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v; want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(v.Chain, tc.want) {
				t.Fatalf("chain = %q, %v; want %q", v.Chain, err, tc.want)
			}
			again, err := linkQuery(v.rawQuery(true))
			if err != nil {
				t.Fatal(err)
			}
			back, autorun, f, err := parseURL(again)
			if err != nil || !slices.Equal(back.Chain, v.Chain) || !autorun || back.Wire != v.Wire {
				t.Errorf("round trip of %s: chain %q autorun %v wire %v, %v; want %q", v.rawQuery(true), back.Chain, autorun, back.Wire, err, v.Chain)
			}
			if f.Chain != strings.Join(v.Chain, " ") {
				t.Errorf("chain field = %q; want the URLs, space-separated", f.Chain)
			}
		})
	}
}

func nine() string {
	var out []string
	for i := range 9 {
		out = append(out, url.QueryEscape("http://127.0.0.1:900"+string(rune('0'+i))+"/x"))
	}
	return strings.Join(out, ",")
}

// TestChainHops: a chain's hops are its URLs in order, each read alike (the
// form's read mode, wire probe and pace), labelled by place and port.
func TestChainHops(t *testing.T) {
	hops := chainHops([]string{"http://127.0.0.1:8080/x", "http://shop.example/x", "http://127.0.0.1:8000/x"}, runner.Plan{Read: runner.ReadStream, Wire: true})
	var labels []string
	for _, h := range hops {
		labels = append(labels, h.Label)
		if !h.Plan.Wire || h.Plan.Read != runner.ReadStream || h.Plan.Hop != h.Label || h.Plan.Tagged {
			t.Errorf("hop %s: plan %+v; want the form's reader, its label, untagged", h.Label, h.Plan)
		}
	}
	if want := []string{"1 · :8080", "2 · shop.example", "3 · :8000"}; !slices.Equal(labels, want) {
		t.Errorf("labels %q; want %q", labels, want)
	}
}

// TestLinkHoldsEveryLane: url= is repeatable, so a link holds every upstream
// lane; links written before (one url=, scenario=streaming beside it) read
// as they always did.
func TestLinkHoldsEveryLane(t *testing.T) {
	a, b := "http://127.0.0.1:9000/export", "http://127.0.0.1:9001/export?x=1"
	v, _, _, err := parseURL(url.Values{"url": {a, b}, "compare": {"streaming"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range v.plans() {
		got = append(got, p.Label())
	}
	if want := []string{"streaming", a, b}; !slices.Equal(got, want) {
		t.Errorf("plans %q; want %q", got, want)
	}
	back, _, _, err := parseURL(v.query(false))
	if err != nil || !slices.Equal(back.upstreams(), []string{a, b}) {
		t.Errorf("round trip: %q, %v", back.upstreams(), err)
	}
	// A link from the docs, written before chains and repeated url=.
	old := "url=http%3A%2F%2F127.0.0.1%3A9000%2Fdownload_csv_streaming&scenario=streaming&wire=1&autorun=1"
	q, err := linkQuery(old)
	if err != nil {
		t.Fatal(err)
	}
	v, autorun, _, err := parseURL(q)
	if err != nil || !autorun || !v.Wire || v.Upstream != "http://127.0.0.1:9000/download_csv_streaming" || len(v.Scenarios) != 0 || len(v.plans()) != 1 {
		t.Errorf("old link: %+v autorun %v, %v; want the one upstream, wire, autorun", v, autorun, err)
	}
	if _, _, _, err := parseURL(url.Values{"url": {a, ""}}); err == nil {
		t.Errorf("url= given empty the second time: no error")
	}
	many := url.Values{"url": {a, b, a + "2", a + "3", a + "4", a + "5", a + "6", a + "7", a + "8"}}
	if _, _, _, err := parseURL(many); err == nil || !strings.Contains(err.Error(), "9 runs; a view holds at most 8") {
		t.Errorf("nine url=: %v; want the view's limit", err)
	}
}
