package ui

import (
	"fmt"
	"slices"
	"strings"

	"chunkscope/app/keep"
	"chunkscope/app/wire"
)

// The page's request headers field: one header a line, "Name: value", sent
// with every read of an upstream (url=, a chain) and its wire probe — a
// Cookie or an Authorization for an export behind a login, an
// Accept-Encoding, an If-None-Match. A line starting with "!" marks its
// header a secret; Cookie, Authorization and Proxy-Authorization always
// are. A secret is never put in a link, a saved file or a HAR unless the
// user asks (secrets=1, the “secrets in the link and files” box), nor kept
// in a record (wire.Redact), and the link and the files say what they left
// out.

// headerLine is one line of the field.
type headerLine struct {
	Name, Value string
	Marked      bool // "!Name: value": a secret
}

// parseHeaderLines reads the field, one header a line; blank lines are
// skipped. "Accept-Encoding: off" asks for no encoding (identity), "on"
// leaves the browser's own.
func parseHeaderLines(text string) ([]headerLine, error) {
	var out []headerLine
	for raw := range strings.SplitSeq(text, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		marked := strings.HasPrefix(line, "!")
		name, value, ok := strings.Cut(strings.TrimPrefix(line, "!"), ":")
		if !ok {
			return nil, fmt.Errorf("header: %q is not Name: value", headerWord(line))
		}
		value = strings.TrimSpace(value)
		canon, err := wire.CheckHeader(name, value)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(h headerLine) bool { return h.Name == canon }) {
			return nil, fmt.Errorf("header: %s is given twice; give it once", canon)
		}
		if canon == "Accept-Encoding" {
			switch strings.ToLower(value) {
			case "on":
				continue // the browser's own
			case "off":
				value = "identity"
			}
		}
		out = append(out, headerLine{Name: canon, Value: value, Marked: marked})
	}
	return out, nil
}

// headerWord is what a refusal quotes of a line: its first word, at most 20
// bytes, never the value after it (a secret, perhaps).
func headerWord(s string) string {
	w := s
	if i := strings.IndexAny(w, " \t="); i >= 0 {
		w = w[:i]
	}
	if len(w) > 20 {
		w = w[:20]
	}
	if w != s {
		w += "…"
	}
	return w
}

// headerMap is the lines as a request's headers, and the names marked
// secret.
func headerMap(lines []headerLine) (map[string]string, []string) {
	if len(lines) == 0 {
		return nil, nil
	}
	h := map[string]string{}
	var marked []string
	for _, l := range lines {
		h[l.Name] = l.Value
		if l.Marked {
			marked = append(marked, l.Name)
		}
	}
	return h, marked
}

// secret says whether a line's value is a secret.
func (l headerLine) secret() bool { return l.Marked || wire.IsSecret(l.Name, nil) }

// linkLines are the lines a link holds (header=, repeatable): every line
// with withSecrets, else those that are not secrets; left names the
// headers it left out.
func linkLines(lines []headerLine, withSecrets bool) (out, left []string) {
	for _, l := range lines {
		if l.secret() && !withSecrets {
			left = append(left, l.Name)
			continue
		}
		s := l.Name + ": " + l.Value
		if l.Marked {
			s = "!" + s
		}
		out = append(out, s)
	}
	return out, left
}

// linkHeaders are the form's header lines as the view's link holds them.
func (p *Page) linkHeaders() ([]string, bool) {
	lines, _ := parseHeaderLines(p.form.Headers) // a bad field ran nothing
	out, _ := linkLines(lines, p.form.SecretsInLink)
	return out, p.form.SecretsInLink && len(out) > 0
}

// leftOut says what the link leaves out of the request, "" when nothing.
func (p *Page) leftOut() string {
	lines, _ := parseHeaderLines(p.form.Headers)
	_, left := linkLines(lines, p.form.SecretsInLink)
	if len(left) == 0 {
		return ""
	}
	return "The link leaves out " + strings.Join(left, ", ") + " (secrets), and so do a saved file and a HAR (each says so): whoever opens them sets them again, or tick “secrets in the link and files”."
}

// keepOptions are what a saved file or a HAR holds beyond the records: the
// secrets' values when the user ticked “secrets in the link and files”
// (the field's values as it holds them now), else none (keep says which it
// left out).
func (p *Page) keepOptions() keep.Options {
	if !p.form.SecretsInLink {
		return keep.Options{}
	}
	lines, _ := parseHeaderLines(p.form.Headers)
	secrets := map[string]string{}
	for _, l := range lines {
		if l.secret() {
			secrets[l.Name] = l.Value
		}
	}
	return keep.Options{Secrets: secrets}
}
