package wire

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

// pack is what the page's script does with an event (EventStream.takePacked):
// its JSON fields in the order given, a missing one as 0.
func pack(t *testing.T, v any, fields []string) []float64 {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]float64
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var out []float64
	for _, f := range fields {
		out = append(out, m[f])
		delete(m, f)
	}
	if len(m) > 0 {
		t.Fatalf("JSON fields not packed: %v", m)
	}
	return out
}

func TestPackedFieldsAreTheJSONNames(t *testing.T) {
	samples := []Sample{{T: 1.5, Heap: 1 << 40, RSS: 2, HeapTotal: 3, Goroutines: 4, JSHeap: 5}, {T: 2, Heap: 7}}
	var v []float64
	for _, s := range samples {
		v = append(v, pack(t, s, SampleFields)...)
	}
	got, err := SamplesFromNumbers(v)
	if err != nil || !reflect.DeepEqual(got, samples) {
		t.Errorf("samples: got %+v, %v; want %+v", got, err, samples)
	}
	sends := []Send{{T: 3.25, N: 65536, BlockedMs: 0.5, FlushMs: 3.5, Writes: 2, Plain: 1 << 33}, {T: 4, N: 1}}
	v = nil
	for _, s := range sends {
		v = append(v, pack(t, s, SendFields)...)
	}
	gotSends, err := SendsFromNumbers(v)
	if err != nil || !reflect.DeepEqual(gotSends, sends) {
		t.Errorf("sends: got %+v, %v; want %+v", gotSends, err, sends)
	}
}

func TestPackedRefusesWhatIsNotANumber(t *testing.T) {
	for _, c := range []struct {
		name string
		v    []float64
		kept int
		err  string
	}{
		{"a field not a number", []float64{1, 2, 0, 0, 0, 0, 2, math.NaN(), 0, 0, 0, 0}, 1, "event 2: n is not a number"},
		{"an event cut short", []float64{1, 2, 0}, 0, "3 numbers are not whole events of 6 fields"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := SendsFromNumbers(c.v)
			if err == nil || !strings.Contains(err.Error(), c.err) || len(got) != c.kept {
				t.Errorf("got %d sends, %v; want %d kept and %q", len(got), err, c.kept, c.err)
			}
		})
	}
}
