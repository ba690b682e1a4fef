package wire

import (
	"fmt"
	"math"
)

// The page takes the server's samples and send log from its event stream
// every batch while a body is read. Decoding them as JSON in Go cost the
// page's main thread 5–20 ms a run, inside the measured interval; instead
// the page's script packs each event into numbers — the fields below, in
// this order, a field an event lacks as 0, one that is not a number as NaN
// (web/chunkscope.js EventStream.takePacked) — and Go copies them in one
// call. The names are the JSON names: TestPackedFieldsAreTheJSONNames
// keeps the two in step.

// SampleFields are a Sample's fields as the page packs them.
var SampleFields = []string{"t", "heap", "rss", "heapTotal", "goroutines", "jsHeap"}

// SendFields are a Send's fields as the page packs them.
var SendFields = []string{"t", "n", "blockedMs", "flushMs", "writes", "plain"}

// SamplesFromNumbers decodes samples packed as SampleFields.
func SamplesFromNumbers(v []float64) ([]Sample, error) {
	rows, err := unpack(v, SampleFields)
	out := make([]Sample, len(rows))
	for i, r := range rows {
		out[i] = Sample{T: r[0], Heap: uint64(r[1]), RSS: uint64(r[2]), HeapTotal: uint64(r[3]), Goroutines: uint64(r[4]), JSHeap: uint64(r[5])}
	}
	return out, err
}

// SendsFromNumbers decodes a send log packed as SendFields.
func SendsFromNumbers(v []float64) ([]Send, error) {
	rows, err := unpack(v, SendFields)
	out := make([]Send, len(rows))
	for i, r := range rows {
		out[i] = Send{T: r[0], N: int64(r[1]), BlockedMs: r[2], FlushMs: r[3], Writes: int(r[4]), Plain: int64(r[5])}
	}
	return out, err
}

// unpack splits v into rows of len(fields); the rows before the first one
// holding a field that is not a number (NaN, as the page packs it) are
// kept, the error names it.
func unpack(v []float64, fields []string) ([][]float64, error) {
	if len(v)%len(fields) != 0 {
		return nil, fmt.Errorf("%d numbers are not whole events of %d fields", len(v), len(fields))
	}
	var rows [][]float64
	for i := 0; i < len(v); i += len(fields) {
		r := v[i : i+len(fields)]
		for j, x := range r {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return rows, fmt.Errorf("event %d: %s is not a number", len(rows)+1, fields[j])
			}
		}
		rows = append(rows, r)
	}
	return rows, nil
}
