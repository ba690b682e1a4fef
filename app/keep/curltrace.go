package keep

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"chunkscope/app/record"
	"chunkscope/app/wire"
	"chunkscope/app/wire/h1"
)

// A curl trace: curl --trace-ascii FILE --trace-time (or --trace FILE, in
// hex). Each block starts with the time of day ("13:37:49.339190", local
// time, no date) and what it is: "== Info: …" (curl 7) or "* …" (curl 8),
// "=> Send header, N bytes (0xN)", "<= Recv header, …", "<= Recv data, N
// bytes (0xN)", then the bytes as lines "OFFS: …" (hex offsets). curl
// traces what it read from the socket (TLS already removed): a chunked
// body's chunk-size lines are in the data whether or not --raw was given;
// a --compressed body is traced as it came, compressed.
//
// Every request (a "Send header" block) becomes a run: t = 0 when it was
// sent; each "Recv data" block a read, of the body bytes it carries (the
// chunk framing parsed by the wire probe's parser, app/wire/h1, and taken
// off); the header and data blocks, parsed, the wire lane. A --trace-ascii
// trace shows a non-printable byte as "." and a CRLF as a line break: the
// offsets give back every byte's place, so the framing and the counts are
// exact, only the body's bytes are not.

// curlBlockRe is a block's first line.
var curlBlockRe = regexp.MustCompile(`^(\d\d):(\d\d):(\d\d)\.(\d{6}) (== Info:|\* |=> |<= )(.*)$`)

// curlKindRe is the rest of a data block's first line.
var curlKindRe = regexp.MustCompile(`^(Send|Recv) (header|data|SSL data), (\d+) bytes`)

// IsCurlTrace says whether data looks like a curl --trace or --trace-ascii
// file, with or without --trace-time.
func IsCurlTrace(data []byte) bool {
	first, _, _ := bytes.Cut(bytes.TrimPrefix(data, []byte("\ufeff")), []byte("\n"))
	first = bytes.TrimRight(first, "\r")
	if curlBlockRe.Match(first) {
		return true
	}
	return bytes.HasPrefix(first, []byte("== Info:")) || bytes.HasPrefix(first, []byte("=> Send header")) ||
		(bytes.HasPrefix(first, []byte("* ")) && bytes.Contains(data[:min(len(data), 4096)], []byte("\n=> Send header")))
}

// curlBlock is one block of a trace.
type curlBlock struct {
	t    float64 // ms since midnight, local time
	dir  string  // "Send", "Recv" or "Info"
	what string  // "header", "data", "SSL data"
	n    int
	b    []byte // the bytes, as far as the trace shows them
}

// DecodeCurlTrace makes a run of each request of a curl trace.
func DecodeCurlTrace(data []byte) (Loaded, error) {
	text := string(bytes.TrimPrefix(data, []byte("\ufeff")))
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if !curlBlockRe.MatchString(lines[0]) {
		return Loaded{}, errors.New("This is a curl trace without times: record it again with --trace-time beside --trace-ascii FILE (or --trace FILE), and chunkscope draws every read.")
	}
	blocks, hexDump, err := curlBlocks(lines)
	if err != nil {
		return Loaded{}, err
	}
	tool := "curl --trace-ascii --trace-time"
	if hexDump {
		tool = "curl --trace --trace-time"
	}
	tls := false
	for _, b := range blocks {
		if b.what == "SSL data" || (b.dir == "Info" && (bytes.Contains(b.b, []byte("SSL connection")) || bytes.Contains(b.b, []byte("TLS")))) {
			tls = true
		}
	}
	var runs []*record.Run
	var skipped []Skipped
	for i := 0; i < len(blocks); i++ {
		if blocks[i].dir != "Send" || blocks[i].what != "header" {
			continue
		}
		j := i + 1
		for j < len(blocks) && !(blocks[j].dir == "Send" && blocks[j].what == "header") {
			j++
		}
		r, why := curlRun(blocks[i], blocks[i+1:j], tls, len(runs)+1)
		if why == "" {
			if err := checkRun(r); err != nil {
				why = "its blocks make no run: it " + err.Error()
			}
		}
		if why != "" {
			skipped = append(skipped, Skipped{URL: curlURL(blocks[i].b, tls), Reason: why})
		} else {
			r.Loaded = &record.Loaded{Format: "curl", Tool: tool + " (times of day, local; no date)"}
			runs = append(runs, r)
		}
		i = j - 1
	}
	if len(runs) == 0 {
		why := "it holds no request that got a response"
		if len(skipped) > 0 {
			why = skipped[0].URL + ": " + skipped[0].Reason
		}
		return Loaded{}, fmt.Errorf("This curl trace has nothing to draw: %s.", why)
	}
	return Loaded{Kind: "curl", Runs: runs, Skipped: skipped}, nil
}

// curlBlocks splits a trace into blocks and gives back each block's bytes.
func curlBlocks(lines []string) ([]curlBlock, bool, error) {
	var out []curlBlock
	hexDump, decided := false, false
	var dump []string // the current block's "OFFS: …" lines
	flush := func() {
		if len(out) == 0 || len(dump) == 0 {
			dump = dump[:0]
			return
		}
		b := &out[len(out)-1]
		b.b = curlBytes(dump, b.n, hexDump)
		dump = dump[:0]
	}
	day := 0.0
	for _, l := range lines {
		m := curlBlockRe.FindStringSubmatch(l)
		if m == nil {
			if len(out) > 0 && len(l) >= 6 && l[4] == ':' && l[5] == ' ' {
				if !decided {
					// The first dump is the request's: "GET …" in ASCII,
					// "47 45 54 20 …" in hex.
					hexDump, decided = curlHexRe.MatchString(l), true
				}
				dump = append(dump, l)
			}
			continue
		}
		flush()
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		s, _ := strconv.Atoi(m[3])
		us, _ := strconv.Atoi(m[4])
		t := day + float64(((h*60+mi)*60+s)*1000) + float64(us)/1000
		if len(out) > 0 && t < out[len(out)-1].t-12*3600e3 {
			day += 24 * 3600e3 // past midnight
			t += 24 * 3600e3
		}
		b := curlBlock{t: t, dir: "Info"}
		if m[5] == "=> " || m[5] == "<= " {
			k := curlKindRe.FindStringSubmatch(m[6])
			if k == nil {
				continue
			}
			b.dir, b.what = k[1], k[2]
			b.n, _ = strconv.Atoi(k[3])
		} else {
			b.b = []byte(m[6])
		}
		out = append(out, b)
		if len(out) > MaxChunks {
			return nil, false, fmt.Errorf("This curl trace holds more than %s blocks; chunkscope reads at most %s.", thousands(MaxChunks), thousands(MaxChunks))
		}
	}
	flush()
	return out, hexDump, nil
}

// curlHexRe is a line of --trace's hex dump ("0000: 47 45 54 20 …").
var curlHexRe = regexp.MustCompile(`^[0-9a-f]{4}: ([0-9a-f]{2} ){2}`)

// curlBytes gives back a block's n bytes from its dump lines. In hex, each
// line holds up to 16 bytes; in ASCII, a line's text, and the offsets say
// where a CRLF (or the line's width) broke it.
func curlBytes(dump []string, n int, hexDump bool) []byte {
	out := make([]byte, 0, n)
	for i, l := range dump {
		if hexDump {
			h := l[6:min(len(l), 6+48)]
			for f := range strings.FieldsSeq(h) {
				if len(f) != 2 {
					break
				}
				v, err := hex.DecodeString(f)
				if err != nil {
					break
				}
				out = append(out, v...)
			}
			continue
		}
		out = append(out, l[6:]...)
		next := n
		if i+1 < len(dump) {
			if v, err := strconv.ParseInt(dump[i+1][:4], 16, 64); err == nil {
				next = int(v)
			}
		}
		switch gap := next - len(out); {
		case gap == 2:
			out = append(out, '\r', '\n')
		case gap > 0 && gap < 1<<20:
			out = append(out, bytes.Repeat([]byte{'.'}, gap)...)
		}
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// curlURL is the URL a Send header block asked for.
func curlURL(req []byte, tls bool) string {
	line, rest, _ := bytes.Cut(req, []byte("\r\n"))
	f := strings.Fields(string(line))
	path := ""
	if len(f) >= 2 {
		path = f[1]
	}
	if strings.Contains(path, "://") {
		return path // to a proxy
	}
	host := ""
	for _, l := range strings.Split(string(rest), "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "host") {
			host = strings.TrimSpace(v)
		}
	}
	scheme := "http://"
	if tls {
		scheme = "https://"
	}
	return scheme + host + path
}

// curlRun is the record of one request: its Send header block and the
// blocks after it.
func curlRun(req curlBlock, blocks []curlBlock, tls bool, i int) (*record.Run, string) {
	method := "GET"
	if f := strings.Fields(string(req.b)); len(f) > 0 {
		method = f[0]
	}
	u := curlURL(req.b, tls)
	r := record.New(record.Plan{
		ID:       "curl-" + strconv.Itoa(i),
		Scenario: record.Upstream,
		Method:   method,
		URL:      u,
		Params:   map[string]string{"url": u},
		ReadMode: "network",
	})
	r.StartedAt = curlDate(req.t)
	p := h1.NewParser(method)
	w := &record.Wire{Events: []wire.Event{}, ContentLength: -1}
	headersAt := -1.0
	h2 := false
	var data []curlBlock
	for _, b := range blocks {
		if b.dir != "Recv" || b.what == "SSL data" {
			continue
		}
		at := b.t - req.t
		if b.what == "header" {
			if headersAt < 0 && (bytes.HasPrefix(b.b, []byte("HTTP/2")) || bytes.HasPrefix(b.b, []byte("HTTP/3"))) {
				h2 = true // curl traces HTTP/2 and 3 headers decoded, as lines: no HTTP/1 framing to parse
			}
			if headersAt < 0 {
				headersAt = at
			}
			if h2 {
				curlH2Header(r, b.b)
				continue
			}
			w.Events = append(w.Events, p.Feed(b.b, at)...)
			continue
		}
		data = append(data, b)
	}
	if headersAt < 0 {
		return nil, "no response was traced for it"
	}
	if h2 {
		r.Respond(r.Status, r.Headers, headersAt)
		for _, b := range data {
			r.Append(record.Chunk{T: b.t - req.t, N: b.n})
		}
		w = nil
	} else {
		s := p.Summary()
		h := map[string]string{}
		for k, vs := range s.Headers {
			h[strings.ToLower(k)] = strings.Join(vs, ", ")
		}
		r.Respond(s.Status, h, headersAt)
		// Each data block is a read: the body bytes in it, the framing
		// parsed off. A trace that shows the body without its framing
		// (a curl that decoded it first) is read as the body itself.
		framed := curlFramed(p, data, req.t)
		for _, b := range data {
			at := b.t - req.t
			if !framed {
				r.Append(record.Chunk{T: at, N: b.n})
				w.Events = append(w.Events, wire.Event{T: at, Kind: wire.KindRead, Bytes: b.n})
				continue
			}
			evs := p.Feed(b.b, at)
			w.Events = append(w.Events, evs...)
			n := 0
			for _, e := range evs {
				if wire.IsBody(e.Kind) {
					n += e.Bytes
				}
			}
			if n > 0 {
				r.Append(record.Chunk{T: at, N: n})
			}
		}
		s = p.Summary()
		w.Status, w.Proto, w.Framing, w.Chunks, w.ContentLength, w.BodyBytes, w.Complete = s.Status, s.Proto, s.Framing, s.Chunks, s.ContentLength, s.BodyBytes, s.Complete
		w.Headers = h
		if s.Err != "" {
			w.Error = s.Err
		}
		if !framed {
			w.Error = "this trace shows the body without its chunk framing (curl decoded it before tracing it)"
		}
		if len(w.Events) > 0 {
			w.TTFBMs, w.TotalMs = w.Events[0].T, w.Events[len(w.Events)-1].T
		}
	}
	if len(r.Chunks) == 0 {
		r.TTFBMs = r.HeadersMs
	}
	r.TotalMs = r.HeadersMs
	if len(r.Chunks) > 0 {
		r.TotalMs = r.Chunks[len(r.Chunks)-1].T
	}
	r.EndMs = max(r.EndMs, r.TotalMs)
	r.Wire = w
	r.Done = true
	if enc := r.Header("content-encoding"); enc != "" && enc != "identity" {
		r.Hop = r.Label() + " · encoded bytes (" + enc + ")"
	}
	r.Verdict = record.Explain(r)
	return r, ""
}

// curlFramed says whether the data blocks carry the HTTP/1.1 framing the
// headers announce: a parser fed a copy of them finds chunk-size lines,
// and no error.
func curlFramed(p *h1.Parser, data []curlBlock, t0 float64) bool {
	s := p.Summary()
	if s.Framing != wire.FramingChunked {
		return true // nothing to take off: the body is the data
	}
	probe := h1.NewParser("GET")
	head := []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
	probe.Feed(head, 0)
	sizes := 0
	for _, b := range data {
		for _, e := range probe.Feed(b.b, b.t-t0) {
			if wire.IsUnit(e.Kind) {
				sizes++
			}
		}
		if probe.Summary().Err != "" {
			return false
		}
	}
	return sizes > 0 || len(data) == 0
}

// curlH2Header records one traced header line of an HTTP/2 or 3 response.
func curlH2Header(r *record.Run, line []byte) {
	l := strings.TrimRight(string(line), "\r\n")
	if f := strings.Fields(l); len(f) >= 2 && strings.HasPrefix(f[0], "HTTP/") {
		r.Status, _ = strconv.Atoi(f[1])
		return
	}
	if k, v, ok := strings.Cut(l, ":"); ok {
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if old, ok := r.Headers[k]; ok {
			v = old + ", " + v
		}
		r.Headers[k] = v
	}
}

// curlDate writes a time of day as a date a run can hold: a curl trace has
// no date, so the day is 0000-01-01 (the card says the times are local).
func curlDate(ms float64) string {
	day := int(ms / (24 * 3600e3))
	ms -= float64(day) * 24 * 3600e3
	s := int(ms / 1000)
	us := int((ms - float64(s)*1000) * 1000)
	return fmt.Sprintf("0000-01-%02dT%02d:%02d:%02d.%06dZ", 1+day%28, s/3600, s/60%60, s%60, us)
}
