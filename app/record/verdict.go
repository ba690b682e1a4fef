package record

import (
	"fmt"
	"strconv"
	"strings"

	"chunkscope/app/wire"
)

// Verdict says in one sentence why a run did or did not stream, from what
// the browser saw. Kind is one of the constants below; the diagnosis view
// will add evidence from the server's send log and the wire.
type Verdict struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// Verdict kinds.
const (
	KindRunning  = "running"
	KindError    = "error"
	KindNoBody   = "no-body"
	KindOnePiece = "one-piece" // everything arrived together, late
	KindStreamed = "streamed"  // pieces arrived spread over the run
	KindBurst    = "burst"     // several pieces, but all within a moment
)

// burstMs is how close together all pieces may arrive before we call it one
// burst rather than a stream: below a frame (16 ms) nobody sees a stream.
const burstMs = 50

// Explain derives the verdict from the record. It never guesses beyond what
// the record holds, and says so when the browser cannot see something.
func Explain(r *Run) Verdict {
	switch {
	case !r.Done:
		return Verdict{KindRunning, fmt.Sprintf("Reading: %s in %s so far.", Size(r.Bytes), pieces(len(r.Chunks)))}
	case r.Error != "":
		return Verdict{KindError, "The request failed: " + r.Error}
	case r.Status == 204 || r.Status == 304:
		return Verdict{KindNoBody, fmt.Sprintf("%d: no body by definition, so no Content-Length and no chunked framing; the headers came after %s.", r.Status, Sec(r.HeadersMs))}
	case r.Status < 200 || r.Status > 299:
		reason := Excerpt(r.ErrorBody, r.Header("content-type"))
		if reason == "" {
			reason = "no reason given"
		}
		return Verdict{KindError, fmt.Sprintf("The server answered %d: %s", r.Status, reason)}
	case r.Method == "HEAD":
		return Verdict{KindNoBody, fmt.Sprintf("HEAD: the headers a GET would get (after %s), and no body by definition.", Sec(r.HeadersMs))}
	case len(r.Chunks) == 0:
		return Verdict{KindNoBody, fmt.Sprintf("No body arrived; the headers came after %s.", Ms(r.HeadersMs))}
	}
	cl, te := r.Header("content-length"), r.Header("transfer-encoding")
	framing := "neither Content-Length nor chunked framing was visible to the browser"
	switch {
	case r.Wire != nil && r.Wire.Proto == wire.ProtoHTTP2 && r.Source == "wire":
		framing = fmt.Sprintf("HTTP/2 has no chunked encoding: the body came in %d DATA frames", r.Wire.Chunks)
	case r.Wire != nil && r.Wire.Proto == wire.ProtoHTTP10 && cl == "":
		framing = "HTTP/1.0 has no chunked encoding: there was no Content-Length, and the body ended when the connection closed"
	case cl != "":
		framing = "Content-Length was set (" + cl + " bytes)"
	case strings.Contains(te, "chunked"):
		framing = "there was no Content-Length, so it was sent with Transfer-Encoding: chunked"
	}
	spread := r.Spread()
	switch {
	case len(r.Chunks) == 1 || (spread < burstMs && r.TTFBMs > 0.8*r.TotalMs):
		return Verdict{KindOnePiece, fmt.Sprintf("%s, so the body was sent in one piece after %s: it arrived all at once (%s in %s).",
			capitalize(framing), Sec(r.TTFBMs), Size(r.Bytes), pieces(len(r.Chunks)))}
	case cl != "" && r.TTFBMs >= spread:
		// Nothing for most of the run, then the whole announced body back
		// to back: a large body sent in one piece takes a while to read.
		return Verdict{KindOnePiece, fmt.Sprintf("%s, so the body was sent in one piece after %s; reading its %s then took %s more (%s).",
			capitalize(framing), Sec(r.TTFBMs), Size(r.Bytes), Sec(spread), pieces(len(r.Chunks)))}
	case spread < burstMs:
		return Verdict{KindBurst, fmt.Sprintf("%s, but the %s arrived within %s of each other: the body was produced faster than it could be seen streaming.",
			capitalize(framing), pieces(len(r.Chunks)), Ms(spread))}
	default:
		return Verdict{KindStreamed, fmt.Sprintf("%s, and the body streamed: the first byte after %s, then %s spread over %s.",
			capitalize(framing), Sec(r.TTFBMs), pieces(len(r.Chunks)), Sec(spread))}
	}
}

func pieces(n int) string {
	if n == 1 {
		return "1 read"
	}
	return strconv.Itoa(n) + " reads"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Sec formats milliseconds as seconds for sentences ("2.00 s").
func Sec(ms float64) string { return strconv.FormatFloat(ms/1000, 'f', 2, 64) + " s" }

// Ms formats milliseconds ("12.3 ms").
func Ms(ms float64) string { return strconv.FormatFloat(ms, 'f', 1, 64) + " ms" }

// Size formats a byte count with binary units.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, u := float64(n)/unit, "KiB"
	for _, next := range []string{"MiB", "GiB"} {
		if v < unit {
			break
		}
		v, u = v/unit, next
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + u
}

// excerptRunes bounds what a verdict quotes of an error body.
const excerptRunes = 160

// Excerpt is a short plain-text excerpt of an error body: an upstream's 404
// page is HTML, and its markup dumped into a sentence reads as noise. Tags,
// scripts and styles go, entities are decoded, whitespace collapses, and
// the text is clipped.
func Excerpt(body, contentType string) string {
	s := body
	if strings.Contains(contentType, "html") || strings.HasPrefix(strings.TrimSpace(s), "<") {
		s = stripTags(s)
	}
	s = strings.Join(strings.Fields(s), " ")
	if rs := []rune(s); len(rs) > excerptRunes {
		s = strings.TrimSpace(string(rs[:excerptRunes])) + "…"
	}
	return s
}

// stripTags removes markup, and the content of script and style elements.
func stripTags(s string) string {
	var b strings.Builder
	lower := strings.ToLower(s)
	for i := 0; i < len(s); {
		if s[i] != '<' {
			b.WriteByte(s[i])
			i++
			continue
		}
		for _, skip := range []string{"script", "style"} {
			if strings.HasPrefix(lower[i+1:], skip) {
				if end := strings.Index(lower[i:], "</"+skip); end >= 0 {
					i += end
				}
			}
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break
		}
		i += end + 1
		b.WriteByte(' ')
	}
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&nbsp;", " ").Replace(b.String())
}
