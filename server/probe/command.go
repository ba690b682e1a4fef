package probe

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"
)

// Main runs the command `chunkscope probe [flags] URL`; args are what
// follows "probe". It prints each event as it happens, one line each
// (ms since the request was written, kind, wire bytes, the chunk size or
// the line's text), then a summary line. With -json, each event is a JSON
// object on its own line, and the last line is the Result (without its
// events).
//
// It returns the exit code: 0 for a complete, well-framed response; 1 for
// a network failure, a timeout, an interrupt, or a malformed or truncated
// response; 2 for bad flags or a bad URL.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("chunkscope probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	http10 := fs.Bool("http1.0", false, "send HTTP/1.0: the server cannot chunk, so the body ends with the close")
	head := fs.Bool("head", false, "send HEAD instead of GET: no body")
	h2 := fs.Bool("http2", false, "send it over cleartext HTTP/2 (h2c, prior knowledge): DATA frames instead of chunks")
	asJSON := fs.Bool("json", false, "print one JSON object per event per line, then the summary as JSON")
	// The endpoints may produce for up to 5 min; a probe should outlast them.
	timeout := fs.Duration("timeout", 6*time.Minute, "give up after this long")
	header := map[string]string{}
	fs.Func("H", "a request header, 'Name: value' (repeatable), e.g. -H 'Accept-Encoding: gzip'", func(v string) error {
		name, value, ok := strings.Cut(v, ":")
		if !ok || strings.TrimSpace(name) == "" {
			return fmt.Errorf("%q is not 'Name: value'", v)
		}
		header[strings.TrimSpace(name)] = strings.TrimSpace(value)
		return nil
	})
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: chunkscope probe [-http1.0 | -http2] [-head] [-json] [-H 'Name: value'] [-timeout D] http://host:port/path?query\n\n"+
			"Sends one request over plain TCP and prints every read and the HTTP framing in it, with times,\n"+
			"then a summary line and a pacing line (how often the body's chunks, DATA frames or reads came,\n"+
			"and the longest gap between two).\n\n"+
			"t = 0 is when the request had been written to the socket, after the connection was made: every\n"+
			"time (ttfb too) is the server's reply alone, without the connect. curl's time_starttransfer counts\n"+
			"from before the connect, so it reads higher by the connect and the write (on loopback ~1 ms).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2 // the flag package has printed the error and the usage
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "chunkscope probe: want one URL, got %d arguments\n", fs.NArg())
		fs.Usage()
		return 2
	}
	if *timeout <= 0 {
		fmt.Fprintf(stderr, "chunkscope probe: -timeout %s: want a positive duration\n", *timeout)
		return 2
	}
	req := Request{URL: fs.Arg(0), HTTP10: *http10, Head: *head, MaxEvents: -1, Header: header} // printed as they come: none kept
	if _, _, _, err := parseURL(req.URL); err != nil {
		fmt.Fprintf(stderr, "chunkscope probe: %v\n", err)
		return 2
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	// Ctrl-C stops the probe but still prints what it saw.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()

	out := &printer{w: stdout}
	var onEvent func(Event)
	var pace pacing
	if *asJSON {
		enc := json.NewEncoder(out)
		onEvent = func(e Event) { out.check(enc.Encode(e)) }
	} else {
		fmt.Fprintf(out, "%10s  %-11s %8s  %s\n", "ms", "kind", "bytes", "detail")
		onEvent = func(e Event) {
			pace.add(e)
			line := fmt.Sprintf("%10.3f  %-11s %8d  %s", e.T, e.Kind, e.Bytes, detail(e))
			fmt.Fprintln(out, strings.TrimRight(line, " "))
		}
	}
	do := Do
	if *h2 {
		if *http10 {
			fmt.Fprintln(stderr, "chunkscope probe: -http1.0 and -http2 exclude each other")
			return 2
		}
		do = DoH2
	}
	res, err := do(ctx, req, onEvent)
	if *asJSON {
		out.check(json.NewEncoder(out).Encode(res))
	} else {
		fmt.Fprintln(out, summaryLine(res))
		if p := pace.line(); p != "" {
			fmt.Fprintln(out, p)
		}
	}
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "chunkscope probe: %v\n", err)
		return 1
	case out.err != nil:
		fmt.Fprintf(stderr, "chunkscope probe: writing the output: %v\n", out.err)
		return 1
	case !res.Complete || res.Err != "":
		return 1
	}
	return 0
}

// detail is the last column of an event line.
func detail(e Event) string {
	switch {
	case e.Kind == KindChunkSize:
		return fmt.Sprintf("%s  (%d bytes)", e.Text, e.Size)
	case e.Kind == KindDataFrame:
		return fmt.Sprintf("DATA  (%d bytes)", e.Size)
	case e.Kind == KindHeadersEnd && e.Size > 0:
		return fmt.Sprintf("%s  (%d bytes)", e.Text, e.Size)
	}
	return e.Text
}

// summaryLine says in one line what the response was.
func summaryLine(r Result) string {
	var b strings.Builder
	if r.Status != 0 {
		fmt.Fprintf(&b, "status %d %s, ", r.Status, r.Proto)
	} else {
		b.WriteString("no status, ")
	}
	fmt.Fprintf(&b, "ttfb %.3f ms, total %.3f ms, ", r.TTFBMs, r.TotalMs)
	switch r.Framing {
	case "":
		b.WriteString("framing unknown, ")
	case FramingChunked:
		fmt.Fprintf(&b, "framing chunked, %d chunks, ", r.Chunks)
	case FramingH2:
		fmt.Fprintf(&b, "framing %s, %d DATA frames, ", r.Framing, r.Chunks)
	default:
		fmt.Fprintf(&b, "framing %s, ", r.Framing)
	}
	if r.ContentLength >= 0 {
		fmt.Fprintf(&b, "content-length %d, ", r.ContentLength)
	}
	fmt.Fprintf(&b, "body %d bytes, ", r.BodyBytes)
	switch {
	case r.Complete && r.Err == "":
		b.WriteString("complete")
	case r.Complete:
		b.WriteString("complete, then: " + r.Err)
	default:
		b.WriteString("incomplete: " + r.Err)
	}
	return b.String()
}

// printer keeps the first write error, so that a closed stdout is reported
// once at the end rather than at every event.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.w.Write(b)
	p.check(err)
	return n, err
}

func (p *printer) check(err error) {
	if p.err == nil {
		p.err = err
	}
}

// pacing follows how a body's units came: its HTTP chunks, its DATA frames,
// or — framed by Content-Length or the close — the reads that carried it.
type pacing struct {
	n                int
	first, last, gap float64 // ms: the first unit, the last, the longest gap before one
	gapAt            float64 // when the unit after the longest gap came
	chunks, frames   bool
}

func (p *pacing) add(e Event) {
	switch {
	case e.Kind == KindChunkSize && e.Size > 0:
		p.chunks = true
	case e.Kind == KindDataFrame && e.Size > 0:
		p.frames = true
	case e.Kind == KindBody && e.Bytes > 0:
	default:
		return
	}
	if p.n > 0 && e.T-p.last > p.gap {
		p.gap, p.gapAt = e.T-p.last, e.T
	}
	if p.n == 0 {
		p.first = e.T
	}
	p.n, p.last = p.n+1, e.T
}

// line is the pacing line: "pacing: 2,001 chunks, one every ~2.1 ms (from
// 1.203 to 4,201.667 ms); largest gap 249.1 ms, before the one at
// 2,133.5 ms". "" for a body of no units.
func (p *pacing) line() string {
	unit := "body reads"
	switch {
	case p.chunks:
		unit = "chunks"
	case p.frames:
		unit = "DATA frames"
	}
	switch {
	case p.n == 0:
		return ""
	case p.n == 1:
		return fmt.Sprintf("pacing: the body in one piece (%s) at %s ms", strings.TrimSuffix(unit, "s"), thousands(p.first, 3))
	}
	every := (p.last - p.first) / float64(p.n-1)
	return fmt.Sprintf("pacing: %s %s, one every ~%s ms (from %s to %s ms); largest gap %s ms, before the one at %s ms",
		thousands(float64(p.n), 0), unit, thousands(every, 1), thousands(p.first, 3), thousands(p.last, 3), thousands(p.gap, 1), thousands(p.gapAt, 1))
}

// thousands formats v with the given decimals and commas between thousands.
func thousands(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteString("." + frac)
	}
	return b.String()
}
