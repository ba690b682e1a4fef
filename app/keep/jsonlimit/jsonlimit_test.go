package jsonlimit

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

var samples = []Limit{{Names: []string{"serverMem", "clientMem"}, Total: 3}}

// TestScanCountsWhatADecoderWouldBuild: the elements of the named arrays,
// the members of named objects, wherever they are, and nothing inside a
// string.
func TestScanCountsWhatADecoderWouldBuild(t *testing.T) {
	for _, tc := range []struct {
		name   string
		text   string
		limits []Limit
		want   *Over // nil: within the limits
	}{
		{"within", `{"runs":[{"serverMem":[{},{}],"clientMem":[{}]}]}`, samples, nil},
		{"over the total of two arrays", `{"runs":[{"serverMem":[{},{}],"clientMem":[{},{}]}]}`, samples,
			&Over{Count: 4, Path: []Elem{{Name: "runs"}, {Index: 0}, {Name: "serverMem"}}}},
		{"over across runs", `[{"serverMem":[1,2]},{"serverMem":[3]},{"serverMem":[4,5,6]}]`, samples,
			&Over{Count: 6, Path: []Elem{{Index: 2}, {Name: "serverMem"}}}},
		{"empty elements count", `{"serverMem":[{},{},{},{}]}`, samples, &Over{Count: 4, Path: []Elem{{Name: "serverMem"}}}},
		{"scalars and nested arrays count", `{"serverMem":[1,"a",null,[1,2,3]]}`, samples, &Over{Count: 4, Path: []Elem{{Name: "serverMem"}}}},
		{"named as encoding/json matches: case", `{"SERVERMEM":[1,2,3,4]}`, samples, &Over{Count: 4, Path: []Elem{{Name: "SERVERMEM"}}}},
		{"named as encoding/json matches: escapes", `{"\u0073erverMem":[1,2,3,4]}`, samples, &Over{Count: 4, Path: []Elem{{Name: "serverMem"}}}},
		{"named as encoding/json matches: long s", `{"ſerverMem":[1,2,3,4]}`, samples, &Over{Count: 4, Path: []Elem{{Name: "ſerverMem"}}}},
		{"brackets in strings are text", `{"serverMem":["[1,2,3]", "{\"serverMem\":[1,2,3,4]}"]}`, samples, nil},
		{"a name as a value is not a name", `{"a":"serverMem","b":[1,2,3,4]}`, samples, nil},
		{"other arrays are not counted", `{"chunks":[1,2,3,4,5]}`, samples, nil},
		{"a cut text counts what it holds", `{"serverMem":[1,2,3,4`, samples, &Over{Count: 4, Path: []Elem{{Name: "serverMem"}}}},
		{"the top-level array", `[1,2,3]`, []Limit{{Names: []string{""}, Total: 2}}, &Over{Count: 3, Path: []Elem{}}},
		{"not the top-level object", `{"a":1,"b":2,"c":3}`, []Limit{{Names: []string{""}, Total: 2, Each: 2}}, nil},
		{"object members", `{"headers":{"a":"1","b":"2","c":"3"}}`, []Limit{{Names: []string{"headers"}, Each: 2}},
			&Over{Each: true, Count: 3, Path: []Elem{{Name: "headers"}}}},
		{"each: the largest, where it is", `{"steps":[{"lines":["a"]},{"lines":["a","b","c","d"]},{"lines":["a","b"]}]}`,
			[]Limit{{Names: []string{"steps"}, Total: 40}, {Names: []string{"lines"}, Each: 3}},
			&Over{Limit: 1, Each: true, Count: 4, Path: []Elem{{Name: "steps"}, {Index: 1}, {Name: "lines"}}}},
		{"the first limit over is the one said", `{"a":[1,2],"b":[1,2]}`, []Limit{{Names: []string{"a"}, Total: 5}, {Names: []string{"b"}, Total: 1}, {Names: []string{"a"}, Total: 1}},
			&Over{Limit: 1, Count: 2, Path: []Elem{{Name: "b"}}}},
		{"not JSON", `]]]}}"\`, samples, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Scan([]byte(tc.text), tc.limits, 100)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v; want %+v", got, tc.want)
			}
		})
	}
}

// TestNamesMatchAsTheDecoderMatchesThem: every spelling Scan counts as
// serverMem is one encoding/json decodes into a ServerMem field, so no
// spelling slips past the count into the decoder.
func TestNamesMatchAsTheDecoderMatchesThem(t *testing.T) {
	for _, name := range []string{`serverMem`, `SERVERMEM`, `servermem`, `\u0073erverMem`, `ſerverMem`, `serverMe\u006d`} {
		text := `{"` + name + `":[1,2,3,4]}`
		var v struct {
			ServerMem []int `json:"serverMem"`
		}
		if err := json.Unmarshal([]byte(text), &v); err != nil || len(v.ServerMem) != 4 {
			t.Fatalf("%s: encoding/json decodes %v, %v; the test's premise is wrong", name, v.ServerMem, err)
		}
		if got, _ := Scan([]byte(text), samples, 10); got == nil || got.Count != 4 {
			t.Errorf("%s: Scan counted %+v; want the 4 elements the decoder builds", name, got)
		}
	}
}

// TestScanStopsAtMaxDepth: deeper nesting is an error, not a deeper stack.
func TestScanStopsAtMaxDepth(t *testing.T) {
	_, err := Scan([]byte(strings.Repeat("[", 101)), samples, 100)
	var deep *DeepError
	if !errors.As(err, &deep) || deep.Max != 100 {
		t.Errorf("101 levels: %v; want a DeepError at 100", err)
	}
	if _, err := Scan([]byte(strings.Repeat("[", 100)+strings.Repeat("]", 100)), samples, 100); err != nil {
		t.Errorf("100 levels: %v; want counted", err)
	}
}

// TestScanAllocatesNothingPerElement: a million empty samples cost Scan a
// handful of allocations, not a million.
func TestScanAllocatesNothingPerElement(t *testing.T) {
	text := []byte(`{"runs":[{"chunks":[{"t":1,"n":1}],"serverMem":[` + strings.Repeat(`{},`, 1_000_000) + `{}]}]}`)
	var got *Over
	allocs := testing.AllocsPerRun(3, func() { got, _ = Scan(text, samples, 100) })
	if got == nil || got.Count != 1_000_001 {
		t.Fatalf("counted %+v; want 1,000,001 samples", got)
	}
	if allocs > 20 {
		t.Errorf("%v allocations for a million elements; want a handful", allocs)
	}
}

// TestIn finds the element of a named array a path goes through.
func TestIn(t *testing.T) {
	o := Over{Path: []Elem{{Name: "steps"}, {Index: 4}, {Name: "view"}, {Name: "scenarios"}}}
	if got := o.In("steps"); got != 4 {
		t.Errorf("In(steps) = %d; want 4", got)
	}
	if got := o.In("runs"); got != -1 {
		t.Errorf("In(runs) = %d; want -1", got)
	}
}

// BenchmarkScan: the file (empty samples) and a real one's shape
// (chunks of two numbers).
func BenchmarkScan(b *testing.B) {
	for name, item := range map[string]string{"empty samples": `{}`, "chunks": `{"t":1234.5,"n":65536}`} {
		text := []byte(`{"runs":[{"chunks":[{"t":1,"n":1}],"serverMem":[` + strings.Repeat(item+`,`, 3_000_000) + `{}]}]}`)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for i := 0; i < b.N; i++ {
				Scan(text, samples, 100)
			}
		})
	}
}

// FuzzScan: no text makes Scan panic, and the counts it reports are
// never more than the text has bytes.
func FuzzScan(f *testing.F) {
	for _, seed := range []string{`{"runs":[{"serverMem":[{},{}]}]}`, `[1,[2,{"a":"\"]"}]]`, `{"\u0073erverMem":[1`, `"\\`, `{{{[[[`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		over, err := Scan(data, append(samples, Limit{Names: []string{""}, Each: 1}, Limit{Names: []string{"a"}, Each: 1}), 20)
		if err == nil && over != nil && over.Count > len(data) {
			t.Fatalf("counted %d in %d bytes", over.Count, len(data))
		}
	})
}
