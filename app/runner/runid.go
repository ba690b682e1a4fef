package runner

import (
	"crypto/rand"
	"strings"
)

// newRunID is a run's id, the run=ID its request is tagged with: "r" and
// the 26 characters of crypto/rand.Text (base32, 130 random bits; in the
// browser crypto/rand reads crypto.getRandomValues), lowercased. Nobody can
// guess it, so nobody can take it before the page sends it, and the page
// never has to retry with another. 27 characters: within spec.MaxRunID.
func newRunID() string {
	return "r" + strings.ToLower(rand.Text())
}
