package spec

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParse: whatever the query, the parser answers a spec within the caps
// or a one-line error naming a parameter; it never panics.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"", "rows=20&delay=100ms&per=5&pad=3", "rows=-1", "delay=1s&rows=301", "rows=1&rows=2",
		"run=r1-x", "pad=1048577", "delay=9223372036854775807ns", "rows=50000000&pad=100", "%zz", "rows=1e3",
	} {
		f.Add(seed)
	}
	l := DefaultLimits()
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return // the server answers these with its own 400 (see server)
		}
		s, err := l.Parse(q)
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, ":") {
				t.Fatalf("error %q is not one line naming a parameter", msg)
			}
			return
		}
		if err := s.Check(l); err != nil {
			t.Fatalf("Parse accepted %q but Check refuses it: %v", raw, err)
		}
		if s.BodySize() > l.BodyBytes || s.TotalDelay() > l.TotalDelay {
			t.Fatalf("%q: body %d bytes, total delay %s: over the caps", raw, s.BodySize(), s.TotalDelay())
		}
		again, err := l.Parse(s.Values())
		if err != nil || again != s {
			t.Fatalf("%q: Values round trip gave %+v, %v; want %+v", raw, again, err, s)
		}
	})
}
