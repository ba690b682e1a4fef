package keep

import (
	"slices"
	"sort"
	"strings"

	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// The page's own request headers (record.Run.RequestHeaders) are kept in a
// record with each secret's value wire.LeftOut: a Cookie, an
// Authorization, a header the user marked with "!". A saved file and a HAR
// say which values they left out (Secrets), and hold them only when the
// user asked ("secrets in the link and files"): then the page hands the
// values to Encode and HAR (Options.Secrets) and the file says which it
// holds. A file loaded back is redacted again (redactLoaded): a secret's
// value never stays in the page from a file.

// Secrets is what a file says about the secrets of its runs' request
// headers: the names whose values it left out, and those whose values it
// holds because the user asked.
type Secrets struct {
	LeftOut  []string `json:"leftOut,omitempty"`
	Included []string `json:"included,omitempty"`
	Note     string   `json:"note"`
}

// Options are what the user asked of a file beyond its runs.
type Options struct {
	// Secrets are the values of the request headers' secrets to put in
	// the file, by name, as the user asked; nil: every secret left out.
	Secrets map[string]string
}

// withSecrets is runs as a file holds them, and what it says about their
// secrets (nil when no run sent one). A run whose request held a secret
// the user gave the value of is copied with it; runs themselves are never
// changed.
func withSecrets(runs []*record.Run, values map[string]string) ([]*record.Run, *Secrets) {
	var left, in []string
	out, cloned := runs, false
	for i, r := range runs {
		var h map[string]string
		for name, v := range r.RequestHeaders {
			if v != wire.LeftOut {
				continue
			}
			value, ok := values[name]
			if !ok {
				if !slices.Contains(left, name) {
					left = append(left, name)
				}
				continue
			}
			if h == nil {
				h = make(map[string]string, len(r.RequestHeaders))
				for k, v := range r.RequestHeaders {
					h[k] = v
				}
			}
			h[name] = value
			if !slices.Contains(in, name) {
				in = append(in, name)
			}
		}
		if h != nil {
			if !cloned {
				out, cloned = slices.Clone(runs), true
			}
			c := *r
			c.RequestHeaders = h
			out[i] = &c
		}
	}
	if len(left) == 0 && len(in) == 0 {
		return runs, nil
	}
	sort.Strings(left)
	sort.Strings(in)
	s := &Secrets{LeftOut: left, Included: in}
	var notes []string
	if len(left) > 0 {
		notes = append(notes, "The values of "+strings.Join(left, ", ")+" (secrets the runs sent) are left out of this file: "+
			"whoever reads it sets them again, or tick “secrets in the link and files” before saving.")
	}
	if len(in) > 0 {
		notes = append(notes, "This file holds the values of "+strings.Join(in, ", ")+" (secrets), as asked: "+
			"as the page's request headers field held them when it was saved. Share it with care.")
	}
	s.Note = strings.Join(notes, " ")
	return out, s
}

// redactLoaded leaves out again, in runs loaded from a file, the values
// of the secrets the file holds: those the file names (included), and any
// header that is always a secret (wire.Secrets).
func redactLoaded(runs []*record.Run, included []string) {
	for _, r := range runs {
		for name, v := range r.RequestHeaders {
			if v != wire.LeftOut && (wire.IsSecret(name, nil) || slices.Contains(included, wire.Canonical(name))) {
				r.RequestHeaders[name] = wire.LeftOut
			}
		}
	}
}

// included is the names s says the file holds the values of.
func (s *Secrets) included() []string {
	if s == nil {
		return nil
	}
	out := make([]string, len(s.Included))
	for i, n := range s.Included {
		out[i] = wire.Canonical(n)
	}
	return out
}
