package probe

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// FuzzParser feeds a response whole and cut at points drawn from seed,
// then closes. The seeds are real responses, in testdata/fuzz/FuzzParser.
// Whatever the input, the parser must not panic, its read events must
// cover the input, both feedings must parse alike, nothing may be parsed
// after an error, and a complete message must be covered by its events.
func FuzzParser(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), false, int64(1))
	f.Fuzz(func(t *testing.T, in []byte, head bool, seed int64) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		r := rand.New(rand.NewPCG(uint64(seed), 0))
		var cuts []int
		for i := 1; i < len(in); i++ {
			if r.IntN(4) == 0 {
				cuts = append(cuts, i)
			}
		}
		wholeEvents, wholeSum := parse(method, string(in), nil, true)
		evs, sum := parse(method, string(in), cuts, true)

		if n := readBytes(wholeEvents); n != len(in) {
			t.Errorf("read events fed whole cover %d bytes; want %d", n, len(in))
		}
		if n := readBytes(evs); n != len(in) {
			t.Errorf("read events fed in %d pieces cover %d bytes; want %d", len(cuts)+1, n, len(in))
		}
		if got, want := brief(evs), brief(wholeEvents); !reflect.DeepEqual(got, want) {
			t.Errorf("events fed in pieces at %v:\n got %q\nwant (fed whole) %q", cuts, got, want)
		}
		if !reflect.DeepEqual(sum, wholeSum) {
			t.Errorf("summary fed in pieces = %+v; fed whole %+v", sum, wholeSum)
		}
		checkAfterError(t, evs)
		if wholeSum.Complete && wholeSum.Err == "" {
			if got := parsedBytes(wholeEvents) + 2*wholeSum.Chunks; got != len(in) {
				t.Errorf("complete message: parsed events + 2 × %d chunks cover %d bytes; want %d", wholeSum.Chunks, got, len(in))
			}
		}
	})
}
