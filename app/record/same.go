package record

import (
	"fmt"
	"strings"

	"chunkscope/app/wire"
)

// joined is a header map with lower-case names and repeated fields joined
// with ", ", as a run's Headers; nil for nil.
func joined(h map[string][]string) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for name, vals := range h {
		out[strings.ToLower(name)] = strings.Join(vals, ", ")
	}
	return out
}

// WireDiffers says how the wire probe's response differed from the page's:
// its status, its Content-Encoding, a Content-Length on one side only, the
// length of a complete body as sent (encoded). The probe sends the page's
// request (the browser's Accept-Encoding, Cookie…: /wire's browser=1), yet a
// server may still answer the two differently — a dynamic page, a cache
// that filled in between, a probe of a record made before the probe sent
// them. Then the two are different responses, and the verdict uses none of
// the probe's. Nil when they agree or cannot be compared (a probe-only
// run, a failed probe).
//
// Chunked against close-delimited is not a difference here: the page reads
// an upstream through chunkscope's /upstream hop, which re-frames a
// close-delimited body as chunked.
func WireDiffers(r *Run) []string {
	w := r.Wire
	if w == nil || r.Source != SourceBrowser || w.Status == 0 || r.Status == 0 {
		return nil
	}
	var out []string
	if w.Status != r.Status {
		out = append(out, fmt.Sprintf("status: the page's %d, the probe's %d", r.Status, w.Status))
	}
	if w.Headers != nil {
		page, probe := encodingOf(r.Header("content-encoding")), encodingOf(w.Headers["content-encoding"])
		if page != probe {
			out = append(out, fmt.Sprintf("Content-Encoding: the page's %s, the probe's %s", page, probe))
		}
	}
	bodied := w.Framing != "" && w.Framing != wire.FramingNone && r.Method != "HEAD"
	pageCL, wireCL := r.Header("content-length"), w.Framing == wire.FramingContentLength
	if bodied && (pageCL != "") != wireCL {
		page, probe := "Content-Length "+pageCL, "Content-Length "+fmt.Sprint(w.ContentLength)
		if pageCL == "" {
			page = "none"
		}
		if !wireCL {
			probe = w.Framing
		}
		out = append(out, fmt.Sprintf("framing: the page's %s, the probe's %s", page, probe))
	}
	read := r.Error == "" && r.Done && (r.StoppedMs == 0 || r.ResumedMs > 0)
	if n := sentBytes(r); bodied && read && w.Complete && n > 0 && n != w.BodyBytes {
		out = append(out, fmt.Sprintf("length: the page's %d B as sent, the probe's %d B", n, w.BodyBytes))
	}
	return out
}

// encodingOf names a Content-Encoding, "none" for none.
func encodingOf(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	if v == "" || v == "identity" {
		return "none"
	}
	return v
}

// sentBytes is the page's body as sent (encoded): the bytes read when it
// was not encoded, else the browser's encodedBodySize or the Content-Length;
// 0 when unknown.
func sentBytes(r *Run) int64 {
	if encodingOf(r.Header("content-encoding")) == "none" {
		return r.Bytes
	}
	if r.Timing != nil && r.Timing.EncodedBodySize > 0 {
		return r.Timing.EncodedBodySize
	}
	var n int64
	if _, err := fmt.Sscan(r.Header("content-length"), &n); err == nil {
		return n
	}
	return 0
}

// sameResponse says whether the wire section shows this run's response:
// always for a probe-only run, and for a page's run when nothing differs.
func sameResponse(r *Run) bool {
	return r.Wire != nil && (r.Source == SourceWire || len(WireDiffers(r)) == 0)
}
