package runner

import (
	"strings"
	"testing"

	"chunkscope/app/spec"
)

// TestRunIDsAreUnguessable: the page's run ids are accepted by the server's
// parser and carry at least 96 random bits (26 base32 characters, 130
// bits): each of the 26 takes nearly every one of its 32 values over 4,000
// ids (a clock or a counter would leave most positions nearly fixed), and
// no id comes twice.
func TestRunIDsAreUnguessable(t *testing.T) {
	const n, randomChars, alphabet = 4000, 26, "abcdefghijklmnopqrstuvwxyz234567"
	seen := map[string]bool{}
	values := make([]map[rune]bool, randomChars)
	for i := range values {
		values[i] = map[rune]bool{}
	}
	for range n {
		id := newRunID()
		if _, err := spec.ParseRunID(id); err != nil {
			t.Fatalf("%s: %v; want an id the server accepts", id, err)
		}
		if len(id) != 1+randomChars || id[0] != 'r' {
			t.Fatalf("%q: want r and %d characters", id, randomChars)
		}
		if seen[id] {
			t.Fatalf("%s came twice", id)
		}
		seen[id] = true
		for i, c := range id[1:] {
			values[i][c] = true
		}
	}
	for i, v := range values {
		for c := range v {
			if !strings.ContainsRune(alphabet, c) {
				t.Fatalf("character %d is %q, out of base32", i, c)
			}
		}
		if len(v) < 30 { // 4,000 draws miss one of 32 values with odds ~1e-53
			t.Errorf("character %d took %d values of 32; want nearly all", i, len(v))
		}
	}
}
