package ui

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"chunkscope/app/wire"
)

func TestHeaderLines(t *testing.T) {
	tests := []struct {
		text    string
		want    []headerLine
		wantErr string
	}{
		{"Cookie: sessionid=abc\n\n if-none-match: \"v1\" \n!X-Api-Key: k", []headerLine{
			{"Cookie", "sessionid=abc", false}, {"If-None-Match", `"v1"`, false}, {"X-Api-Key", "k", true}}, ""},
		{"Accept-Encoding: off", []headerLine{{"Accept-Encoding", "identity", false}}, ""},
		{"Accept-Encoding: on", nil, ""},
		{"Accept-Encoding: br", []headerLine{{"Accept-Encoding", "br", false}}, ""},
		{"Host: evil", nil, "header: Host is the connection's or the probe's own to send"},
		{"User-Agent: x", nil, "header: User-Agent is the connection's or the probe's own"},
		{"X-Chunkscope-Hop: guess", nil, "header: X-Chunkscope-Hop is the connection's"},
		{"Cookie sessionid=averylongsecretvalue", nil, `header: "Cookie…" is not Name: value`},
		{"Cookie: a\nCOOKIE: b", nil, "header: Cookie is given twice"},
	}
	for _, tc := range tests {
		got, err := parseHeaderLines(tc.text)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v; want %q", tc.text, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%q: %+v, %v; want %+v", tc.text, got, err, tc.want)
		}
	}
}

// TestLinkLeavesSecretsOut: a link holds the request headers that are not
// secrets (header=), names those it left out, and holds them all only when
// the user asks (secrets=1); the runs it starts send every header, and
// their records keep no secret's value.
func TestLinkLeavesSecretsOut(t *testing.T) {
	lines, err := parseHeaderLines("Cookie: sessionid=s3cret\nAuthorization: Bearer t0ken\n!X-Api-Key: k3y\nIf-None-Match: \"v1\"")
	if err != nil {
		t.Fatal(err)
	}
	out, left := linkLines(lines, false)
	if !slices.Equal(out, []string{`If-None-Match: "v1"`}) || !slices.Equal(left, []string{"Cookie", "Authorization", "X-Api-Key"}) {
		t.Errorf("link lines %q, left out %q", out, left)
	}
	v := view{Upstream: "http://127.0.0.1:9000/export", Read: "auto", Headers: out}
	raw := v.rawQuery(true)
	for _, secret := range []string{"s3cret", "t0ken", "k3y", "Cookie", "Authorization"} {
		if strings.Contains(raw, secret) {
			t.Errorf("link %s holds %q", raw, secret)
		}
	}
	all, left := linkLines(lines, true)
	if len(all) != 4 || left != nil || all[2] != "!X-Api-Key: k3y" {
		t.Errorf("asked for secrets: %q, left %q", all, left)
	}
	// The link read back: the headers in the plans, the mark kept.
	q, _ := url.ParseQuery(view{Upstream: v.Upstream, Read: "auto", Headers: all, Secrets: true}.rawQuery(true))
	back, _, f, err := parseURL(q)
	if err != nil || !back.Secrets || !f.SecretsInLink {
		t.Fatalf("read back: %+v, %v", back, err)
	}
	plans := back.plans()
	if len(plans) != 1 || plans[0].Header["Cookie"] != "sessionid=s3cret" || plans[0].Header["If-None-Match"] != `"v1"` || !slices.Equal(plans[0].Secret, []string{"X-Api-Key"}) {
		t.Errorf("plans = %+v; want every header, X-Api-Key marked", plans)
	}
	kept := wire.Redact(plans[0].Header, plans[0].Secret)
	for name, want := range map[string]string{"Cookie": wire.LeftOut, "Authorization": wire.LeftOut, "X-Api-Key": wire.LeftOut, "If-None-Match": `"v1"`} {
		if kept[name] != want {
			t.Errorf("kept %s = %q; want %q", name, kept[name], want)
		}
	}
	if _, _, _, err := parseURL(url.Values{"header": {"Host: x"}, "url": {v.Upstream}}); err == nil {
		t.Errorf("header=Host: no error")
	}
}
