package keep

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"chunkscope/app/record"
	"chunkscope/app/scene"
	"chunkscope/app/wire"
)

// sentWithSecrets is a run of an upstream that sent a Cookie, a header the
// user marked secret and one that is not, kept as the runner keeps them.
func sentWithSecrets() []*record.Run {
	r := record.New(record.Plan{ID: "c", Scenario: record.Upstream, URL: "/upstream?url=http%3A%2F%2F127.0.0.1%3A9000%2Fexport",
		Params: map[string]string{"url": "http://127.0.0.1:9000/export"}, Started: time.Date(2026, 12, 6, 14, 0, 0, 0, time.UTC)})
	r.RequestHeaders = wire.Redact(map[string]string{"Cookie": "labsession=letmein; theme=dark", "X-Api-Key": "k-123", "If-None-Match": `"abc"`}, []string{"X-Api-Key"})
	r.Respond(200, map[string]string{"transfer-encoding": "chunked"}, 10)
	r.Progress([]record.Chunk{{T: 11, N: 20}}, nil, nil, 11)
	r.Finish(record.End{TotalMs: 12})
	return []*record.Run{r}
}

// TestFilesLeaveSecretsOutUnlessAsked: a session file and a HAR of a run
// that sent secrets hold none of their values by default and say which
// they left out; asked for some, they hold those, say so, and leave the
// others out; either file loaded back keeps no secret's value in the page.
func TestFilesLeaveSecretsOutUnlessAsked(t *testing.T) {
	const cookie, key = "labsession=letmein", "k-123"
	tests := []struct {
		name           string
		asked          map[string]string
		hold, lack     []string // values the file holds, values it must not
		leftOut, inned []string
	}{
		{"by default", nil, []string{`\"abc\"`}, []string{cookie, key}, []string{"Cookie", "X-Api-Key"}, nil},
		{"the Cookie asked for", map[string]string{"Cookie": "labsession=letmein; theme=dark"}, []string{cookie}, []string{key}, []string{"X-Api-Key"}, []string{"Cookie"}},
		{"every secret asked for", map[string]string{"Cookie": "labsession=letmein; theme=dark", "X-Api-Key": key}, []string{cookie, key}, nil, nil, []string{"Cookie", "X-Api-Key"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runs := sentWithSecrets()
			session, err := EncodeWith(runs, View{Align: scene.AlignStart}, time.Now(), Options{Secrets: tc.asked})
			if err != nil {
				t.Fatal(err)
			}
			har, err := HARWith(runs, "http://127.0.0.1:8000", "test", Options{Secrets: tc.asked})
			if err != nil {
				t.Fatal(err)
			}
			if runs[0].RequestHeaders["Cookie"] != wire.LeftOut {
				t.Errorf("saving changed the run itself: Cookie %q", runs[0].RequestHeaders["Cookie"])
			}
			for _, f := range []struct {
				name string
				data []byte
				says func() *Secrets
			}{
				{"session file", session, func() *Secrets {
					var f File
					json.Unmarshal(session, &f)
					return f.Secrets
				}},
				{"HAR", har, func() *Secrets {
					var h harFile
					json.Unmarshal(har, &h)
					if s := h.Log.Secrets; s != nil && h.Log.Comment != s.Note {
						t.Errorf("HAR: log.comment %q; want the note %q", h.Log.Comment, s.Note)
					}
					return h.Log.Secrets
				}},
			} {
				text := string(f.data)
				for _, v := range tc.hold {
					if !strings.Contains(text, v) {
						t.Errorf("%s does not hold %s", f.name, v)
					}
				}
				for _, v := range tc.lack {
					if strings.Contains(text, v) {
						t.Errorf("%s holds %s; want it left out", f.name, v)
					}
				}
				s := f.says()
				if s == nil || !slices.Equal(s.LeftOut, tc.leftOut) || !slices.Equal(s.Included, tc.inned) {
					t.Errorf("%s says %+v; want left out %q, held %q", f.name, s, tc.leftOut, tc.inned)
				} else {
					for _, n := range append(slices.Clone(tc.leftOut), tc.inned...) {
						if !strings.Contains(s.Note, n) {
							t.Errorf("%s: note %q does not name %s", f.name, s.Note, n)
						}
					}
				}
				l, err := Decode(f.data)
				if err != nil {
					t.Fatalf("%s does not load: %v", f.name, err)
				}
				got := l.Runs[0].RequestHeaders
				if got["Cookie"] != wire.LeftOut || got["X-Api-Key"] != wire.LeftOut || got["If-None-Match"] != `"abc"` {
					t.Errorf("%s loaded back: request headers %q; want every secret left out, If-None-Match kept", f.name, got)
				}
			}
		})
	}
}

// TestHARListsTheRequestHeaders: a HAR entry's request lists the page's
// own headers, a left-out secret named in its comment and absent from the
// list; a Cookie held is split into cookies.
func TestHARListsTheRequestHeaders(t *testing.T) {
	for _, tc := range []struct {
		name    string
		asked   map[string]string
		headers []harNV
		cookies []harNV
		comment string
	}{
		{"by default", nil, []harNV{{"If-None-Match", `"abc"`}}, []harNV{},
			"chunkscope left out the request's Cookie, X-Api-Key (secrets): the run sent them, this HAR does not hold their values."},
		{"the Cookie asked for", map[string]string{"Cookie": "labsession=letmein; theme=dark"},
			[]harNV{{"Cookie", "labsession=letmein; theme=dark"}, {"If-None-Match", `"abc"`}}, []harNV{{"labsession", "letmein"}, {"theme", "dark"}},
			"chunkscope left out the request's X-Api-Key (secrets): the run sent them, this HAR does not hold their values."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := HARWith(sentWithSecrets(), "http://127.0.0.1:8000", "test", Options{Secrets: tc.asked})
			if err != nil {
				t.Fatal(err)
			}
			var h harFile
			if err := json.Unmarshal(data, &h); err != nil {
				t.Fatal(err)
			}
			req := h.Log.Entries[0].Request
			if !slices.Equal(req.Headers, tc.headers) || !slices.Equal(req.Cookies, tc.cookies) || req.Comment != tc.comment {
				t.Errorf("request headers %q, cookies %q, comment %q;\nwant %q, %q, %q", req.Headers, req.Cookies, req.Comment, tc.headers, tc.cookies, tc.comment)
			}
		})
	}
}

// TestAChainViewIsSaved: a session file keeps the view's chain, its hops'
// URLs in order, and gives it back loaded; a file without one has none.
func TestAChainViewIsSaved(t *testing.T) {
	chain := []string{"http://127.0.0.1:8080/export.csv", "http://127.0.0.1:8000/export.csv?a=1%2C2"}
	for _, tc := range []struct {
		name string
		v    View
	}{{"a chain", View{Align: scene.AlignStart, Chain: chain}}, {"no chain", View{Align: scene.AlignStart}}} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := Encode(live(), tc.v, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			l, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.View.Chain, tc.v.Chain) {
				t.Errorf("loaded chain %q; want %q", l.View.Chain, tc.v.Chain)
			}
			if tc.v.Chain == nil && strings.Contains(string(data), `"chain"`) {
				t.Errorf("a view without a chain wrote one:\n%s", data)
			}
		})
	}
}
