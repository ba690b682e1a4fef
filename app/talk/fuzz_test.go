package talk

import (
	"strings"
	"testing"
)

// FuzzDecode: no deck file makes Decode panic; what it accepts passes
// Check and encodes back to a deck it accepts again; what it refuses is
// one line.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(good))
	b, _ := Encode(Streaming())
	f.Add(b)
	f.Add([]byte(`{"format":"chunkscope-deck","version":1,"title":"T","steps":[{"title":"S","view":{"scenarios":["x"]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Decode(data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("refusal on several lines: %q", err)
			}
			return
		}
		if err := d.Check(); err != nil {
			t.Fatalf("accepted a deck Check refuses: %v", err)
		}
		out, err := Encode(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(out); err != nil {
			t.Fatalf("re-encoded deck refused: %v", err)
		}
	})
}
