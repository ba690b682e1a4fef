package record

import (
	"encoding/base64"
	"strconv"
	"strings"

	"chunkscope/app/wire"
)

// The headers by which chunkscope's /upstream hop (server/handlers.go)
// passes on the upstream's own head, lower-case as fetch reports them:
// base64 of its status line and header lines as they arrived at the hop,
// and how it delimited its body.
const (
	UpstreamHeadHeader    = "x-chunkscope-upstream-head"
	UpstreamFramingHeader = "x-chunkscope-upstream-framing"
)

// UpstreamHead is what an upstream answered the hop, as it arrived there:
// the hop speaks HTTP/1.1 to the page and frames the body its own way, so
// these are the upstream's, for the card, the verdict and exports.
type UpstreamHead struct {
	Proto      string `json:"proto"`      // HTTP/1.1, HTTP/1.0, HTTP/2.0 (an https:// upstream that agreed to h2)
	Status     int    `json:"status"`     // the upstream's status code
	StatusText string `json:"statusText"` // its reason phrase
	// Framing is how the upstream delimited its body: chunked,
	// content-length, close, none, or h2-frames (wire.Framing*).
	Framing string `json:"framing"`
}

// ParseUpstreamHead decodes the hop's two headers into the upstream's head
// and headers (lower-case names). ok is false when they are absent or
// malformed: the response is then taken as it came.
func ParseUpstreamHead(head64, framing string) (head UpstreamHead, headers map[string]string, ok bool) {
	switch framing {
	case wire.FramingChunked, wire.FramingContentLength, wire.FramingClose, wire.FramingNone, wire.FramingH2:
	default:
		return UpstreamHead{}, nil, false
	}
	raw, err := base64.StdEncoding.DecodeString(head64)
	if err != nil {
		return UpstreamHead{}, nil, false
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\r\n"), "\r\n")
	proto, rest, _ := strings.Cut(lines[0], " ")
	code, text, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if !strings.HasPrefix(proto, "HTTP/") || err != nil || status < 100 || status > 999 {
		return UpstreamHead{}, nil, false
	}
	headers = map[string]string{}
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return UpstreamHead{}, nil, false
		}
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		if prev, ok := headers[name]; ok {
			value = prev + ", " + value // as fetch joins a repeated header
		}
		headers[name] = value
	}
	return UpstreamHead{Proto: proto, Status: status, StatusText: text, Framing: framing}, headers, true
}
