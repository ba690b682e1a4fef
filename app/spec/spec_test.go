package spec

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		query   string
		want    Spec
		wantErr string // the start of the error, "" for none
	}{
		{query: "", want: Spec{Rows: 1000, Per: 1}},
		{query: "rows=20&delay=100ms&per=5&pad=3", want: Spec{Rows: 20, Delay: 100 * time.Millisecond, Per: 5, Pad: 3}},
		{query: "rows=0", want: Spec{Rows: 0, Per: 1}},
		{query: "delay=0", want: Spec{Rows: 1000, Per: 1}},
		{query: "rows=50000000&per=1000", want: Spec{Rows: 50_000_000, Per: 1000}},
		{query: "rows=x", wantErr: `rows: "x" is not a whole number`},
		{query: "rows=-1", wantErr: `rows: "-1" is not a whole number in 0..50000000`},
		{query: "rows=50000001", wantErr: "rows: "},
		{query: "rows=", wantErr: "rows: empty"},
		{query: "rows=1.5", wantErr: "rows: "},
		{query: "per=0", wantErr: `per: "0" is not a whole number in 1..`},
		{query: "pad=-3", wantErr: "pad: "},
		{query: "pad=1048577", wantErr: "pad: "},
		{query: "delay=fast", wantErr: `delay: "fast" is not a Go duration`},
		{query: "delay=100", wantErr: "delay: "},
		{query: "delay=-1s", wantErr: "delay: "},
		{query: "delay=6m", wantErr: "delay: "},
		{query: "delay=1s&rows=301", wantErr: "delay: 301 groups × 1s is over the total cap"},
		{query: "delay=1s&rows=301&per=2", want: Spec{Rows: 301, Per: 2, Delay: time.Second}},
		{query: "rows=50000000&pad=100", wantErr: "rows: the body would be"},
		{query: "rows=1&rows=2", wantErr: "rows: given 2 times"},
		{query: "rowz=1", wantErr: "rowz: unknown parameter"},
		{query: "rows=5&run=r1-abc_2", want: Spec{Rows: 5, Per: 1, Run: "r1-abc_2"}},
		{query: "run=", wantErr: `run: "" is not 1 to 64 characters`},
		{query: "run=a%20b", wantErr: `run: "a b" has a character`},
		{query: "run=" + strings.Repeat("x", 65), wantErr: "run: "},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(q)
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v; want one starting with %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error %q is more than one line", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("error = %v", err)
			}
			if got != tc.want {
				t.Errorf("got %+v; want %+v", got, tc.want)
			}
			if again, err := Parse(got.Values()); err != nil || again != got {
				t.Errorf("Values round trip: got %+v, %v; want %+v", again, err, got)
			}
		})
	}
}

func TestParseAllowingSkipsOnlyTheNamedParameters(t *testing.T) {
	q := url.Values{"scenario": {"streaming"}, "rows": {"3"}}
	if s, err := ParseAllowing(q, "scenario"); err != nil || s.Rows != 3 {
		t.Errorf("got %+v, %v; want rows 3 and no error", s, err)
	}
	if _, err := Parse(q); err == nil || !strings.HasPrefix(err.Error(), "scenario: unknown") {
		t.Errorf("Parse error = %v; want scenario: unknown", err)
	}
}

// TestBodySize checks the computed size against a body built naively.
func TestBodySize(t *testing.T) {
	for _, s := range []Spec{{Rows: 0, Per: 1}, {Rows: 9, Per: 1}, {Rows: 10, Per: 3}, {Rows: 1234, Per: 7, Pad: 5}, {Rows: 100000, Per: 1}} {
		var b strings.Builder
		b.WriteString(Header)
		for i := 1; i <= s.Rows; i++ {
			b.WriteString("Hello,world" + strings.Repeat(".", s.Pad) + "," + strconv.Itoa(i) + "\n")
		}
		if got := s.BodySize(); got != int64(b.Len()) {
			t.Errorf("%+v: BodySize = %d; want %d", s, got, b.Len())
		}
	}
}

func TestGroups(t *testing.T) {
	for _, tc := range []struct{ rows, per, want int }{{0, 1, 1}, {1, 1, 1}, {20, 1, 20}, {20, 3, 7}, {20, 20, 1}, {20, 100, 1}} {
		if got := (Spec{Rows: tc.rows, Per: tc.per}).Groups(); got != tc.want {
			t.Errorf("rows=%d per=%d: Groups = %d; want %d", tc.rows, tc.per, got, tc.want)
		}
	}
}

func TestScenarioTable(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range Scenarios() {
		if sc.Name == "" || sc.Path == "" || sc.Title == "" || sc.Explain == "" || sc.Verdict == "" {
			t.Errorf("scenario %+v has an empty field", sc)
		}
		if seen[sc.Name] {
			t.Errorf("scenario %q listed twice", sc.Name)
		}
		seen[sc.Name] = true
		if got, ok := Lookup(sc.Name); !ok || got.Path != sc.Path {
			t.Errorf("Lookup(%q) = %+v, %v", sc.Name, got, ok)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup(nope) found something")
	}
}

func TestLimits(t *testing.T) {
	l := Limits{Rows: 100, BodyBytes: 1000, TotalDelay: time.Second}
	if err := l.Check(); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ query, wantErr string }{
		{"rows=50", ""},
		{"rows=101", `rows: "101" is not a whole number in 0..100`},
		{"rows=100&pad=10", "rows: the body would be"},
		{"delay=2s", `delay: "2s" is over the cap of 1s`},
		{"rows=20&delay=100ms", "delay: 20 groups × 100ms is over the total cap of 1s"},
	}
	for _, tc := range tests {
		q, _ := url.ParseQuery(tc.query)
		_, err := l.Parse(q)
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), tc.wantErr)) {
			t.Errorf("%s: error = %v; want %q", tc.query, err, tc.wantErr)
		}
	}
	for _, bad := range []Limits{{Rows: MaxRows + 1, BodyBytes: 100, TotalDelay: 0}, {Rows: 1, BodyBytes: MaxBodyBytes + 1}, {Rows: 1, BodyBytes: 100, TotalDelay: -1}, {Rows: 1, BodyBytes: 3}} {
		if bad.Check() == nil {
			t.Errorf("Limits %+v passed Check", bad)
		}
	}
}
