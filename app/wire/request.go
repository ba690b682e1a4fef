package wire

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The page's own request headers (a Cookie, an Authorization, an
// Accept-Encoding, an If-None-Match, any by name) reach an upstream through
// chunkscope's server: the page's read sends them to /upstream in one
// header, SendHeader, which the server takes off and sets, one by one, on
// the upstream request (a browser may not set Cookie or Accept-Encoding on
// a fetch itself); the wire probe gets them as /wire's header= lines. Their
// values are never logged, and a secret's is never kept in a record, a
// link or a file (Redact).
const SendHeader = "X-Chunkscope-Send"

// Unsendable are the headers a page may not set on its request: the
// connection's framing and the probe's own (it names itself, and sends
// Accept: */*), so the page's read and the probe send the same request.
var Unsendable = []string{"Host", "Connection", "Content-Length", "Transfer-Encoding", "Te", "Trailer", "Upgrade", "Keep-Alive",
	"Expect", "Proxy-Connection", "User-Agent", "Accept"}

// Secrets are the headers whose values are secrets whatever the user says:
// a session, credentials.
var Secrets = []string{"Cookie", "Authorization", "Proxy-Authorization"}

// LeftOut is what a kept record says in place of a secret's value.
const LeftOut = "(a secret: left out)"

// CheckHeader checks one request header the page would send and returns
// its name in canonical form.
func CheckHeader(name, value string) (string, error) {
	name = Canonical(strings.TrimSpace(name))
	if name == "" || strings.ContainsAny(name, " \t\r\n:()<>@,;\\\"/[]?={}") {
		return "", fmt.Errorf("header: %q is not a header name", name)
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return "", fmt.Errorf("header: %s: a value is one line", name)
	}
	if slices.Contains(Unsendable, name) || strings.HasPrefix(name, "X-Chunkscope-") {
		return "", fmt.Errorf("header: %s is the connection's or the probe's own to send, not the page's", name)
	}
	return name, nil
}

// EncodeHeaders writes headers as SendHeader's value: base64 of a JSON
// object, so any value travels as one header line.
func EncodeHeaders(h map[string]string) string {
	b, _ := json.Marshal(h) // strings only
	return base64.StdEncoding.EncodeToString(b)
}

// DecodeHeaders reads SendHeader's value, each header checked.
func DecodeHeaders(v string) (map[string]string, error) {
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, fmt.Errorf("%s: not base64: %v", SendHeader, err)
	}
	var in map[string]string
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object of strings: %v", SendHeader, err)
	}
	out := make(map[string]string, len(in))
	for name, value := range in {
		canon, err := CheckHeader(name, value)
		if err != nil {
			return nil, err
		}
		out[canon] = value
	}
	return out, nil
}

// IsSecret says whether a header's value is a secret: one of Secrets, or
// one of the names the user marked.
func IsSecret(name string, marked []string) bool {
	name = Canonical(name)
	return slices.Contains(Secrets, name) || slices.ContainsFunc(marked, func(m string) bool { return Canonical(m) == name })
}

// Redact is headers as a record keeps them: each secret's value LeftOut.
func Redact(h map[string]string, marked []string) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for name, v := range h {
		if IsSecret(name, marked) {
			v = LeftOut
		}
		out[name] = v
	}
	return out
}

// Canonical spells a header name as net/http does ("if-none-match" →
// "If-None-Match"), without pulling net/textproto (and net) into the page.
func Canonical(name string) string {
	b := []byte(name)
	upper := true
	for i, c := range b {
		switch {
		case upper && 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case !upper && 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
		upper = c == '-'
	}
	return string(b)
}
