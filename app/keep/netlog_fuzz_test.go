package keep

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzDecodeEvidence: whatever a NetLog or a curl trace holds, Decode
// returns runs a record can hold or a sentence — never a panic.
func FuzzDecodeEvidence(f *testing.F) {
	for _, glob := range []string{"testdata/netlog/*.json", "testdata/curl/*.txt"} {
		files, _ := filepath.Glob(glob)
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Decode(data)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an empty sentence")
			}
			return
		}
		if err := checkRuns(l.Runs); err != nil {
			t.Fatalf("Decode gave runs checkRuns refuses: %v", err)
		}
	})
}

// TestMutatedEvidenceIsReadOrRefused: the fixtures with bytes changed or
// cut anywhere (a seeded random walk, the same every run) each load as
// runs a record can hold or are refused, in well under a second.
func TestMutatedEvidenceIsReadOrRefused(t *testing.T) {
	files, _ := filepath.Glob("testdata/netlog/*.json")
	traces, _ := filepath.Glob("testdata/curl/*.txt")
	rng := rand.New(rand.NewPCG(1, 2))
	for _, name := range append(files, traces...) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 100 {
			m := bytes.Clone(b)
			for range 3 {
				m[rng.IntN(len(m))] = byte(rng.IntN(256))
			}
			if i%3 == 0 {
				m = m[:rng.IntN(len(m))]
			}
			start := time.Now()
			l, err := Decode(m)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%s, mutation %d: %v to decode", name, i, d)
			}
			if err == nil {
				if err := checkRuns(l.Runs); err != nil {
					t.Errorf("%s, mutation %d: runs checkRuns refuses: %v", name, i, err)
				}
			}
		}
	}
}
