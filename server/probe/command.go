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
	"strings"
	"time"

	"chunkscope/app/wire"
)

// Main runs the command `chunkscope probe [flags] URL`; args are what
// follows "probe". It prints each event as it happens, one line each
// (ms since the request was written, kind, wire bytes, the chunk size or
// the line's text), then a summary line and a pacing line. With -json, each event is a JSON
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
	h2 := fs.Bool("http2", false, "send it over HTTP/2: DATA frames instead of chunks. To http:// cleartext HTTP/2 with prior knowledge (h2c); to https:// HTTP/2 agreed in the TLS handshake (ALPN h2 only)")
	h11 := fs.Bool("http1.1", false, "send HTTP/1.1 (the default to http://); to https:// offer only http/1.1 in the TLS handshake, where the default offers h2 and http/1.1 and takes the server's choice")
	insecure := fs.Bool("insecure", false, "https://: read the response whatever the server's certificate (self-signed, expired, another name); for a dev server only")
	cacert := fs.String("cacert", "", "https://: also trust the certificates in this PEM `FILE` (a dev CA, or the server's self-signed certificate)")
	outFile := fs.String("o", "", "also write the run as a chunkscope session `FILE` (JSON) that the page loads like a saved run (Load…)")
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
		fmt.Fprintf(fs.Output(), "usage: chunkscope probe [-http1.0 | -http1.1 | -http2] [-insecure | -cacert FILE] [-head] [-json] [-o FILE] [-H 'Name: value'] [-timeout D] http[s]://host:port/path?query\n\n"+
			"Sends one request over TCP (or TLS, for https://) and prints every read and the HTTP framing in\n"+
			"it (HTTP/1.x chunks, or HTTP/2 DATA frames), with times, then a summary, the body's pacing and\n"+
			"how the connection was made.\n\n"+
			"t = 0 is when the request has been written to the connected socket (over TLS: after the\n"+
			"handshake): every time (ttfb among them) leaves out the connect, the TLS handshake and the\n"+
			"writing of the request, which curl's time_starttransfer includes; the probe's ttfb compares with\n"+
			"curl's time_starttransfer - time_pretransfer. The connect and the handshake are given apart, as\n"+
			"durations before t = 0 (curl's time_connect and time_appconnect - time_connect).\n\n"+
			"Over https:// the certificate is checked against this machine's authorities; -cacert FILE adds a\n"+
			"dev CA (or a self-signed certificate), -insecure skips the check. Over TLS a read is what one\n"+
			"TLS record decrypted to, at most.\n\n")
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
	t, err := parseURL(req.URL)
	if err != nil {
		fmt.Fprintf(stderr, "chunkscope probe: %v\n", err)
		return 2
	}
	if msg := flagConflict(t.scheme, *http10, *h11, *h2, *insecure, *cacert); msg != "" {
		fmt.Fprintf(stderr, "chunkscope probe: %s\n", msg)
		return 2
	}
	req.TLS.Insecure = *insecure
	if *cacert != "" {
		if req.TLS.Roots, err = LoadRoots(*cacert); err != nil {
			fmt.Fprintf(stderr, "chunkscope probe: -cacert: %v\n", err)
			return 2
		}
	}
	if *outFile != "" {
		req.MaxEvents = 0 // kept for the file
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	// Ctrl-C stops the probe but still prints what it saw.
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()

	out := &printer{w: stdout}
	var pace pacing
	var print func(Event)
	if *asJSON {
		enc := json.NewEncoder(out)
		print = func(e Event) { out.check(enc.Encode(e)) }
	} else {
		fmt.Fprintf(out, "%10s  %-11s %8s  %s\n", "ms", "kind", "bytes", "detail")
		print = func(e Event) {
			line := fmt.Sprintf("%10.3f  %-11s %8d  %s", e.T, e.Kind, e.Bytes, detail(e))
			fmt.Fprintln(out, strings.TrimRight(line, " "))
		}
	}
	onEvent := func(e Event) { pace.add(e); print(e) }
	do := DoAny // http://: HTTP/1.x; https://: h2 or http/1.1, as the handshake agrees
	switch {
	case *h2:
		do = DoH2
	case *h11:
		do = Do
	}
	started := time.Now()
	res, err := do(ctx, req, onEvent)
	if *asJSON {
		out.check(json.NewEncoder(out).Encode(res))
	} else {
		fmt.Fprintln(out, summaryLine(res))
		fmt.Fprintln(out, pace.line())
		if res.Dial != nil {
			fmt.Fprintln(out, dialLine(*res.Dial))
		}
	}
	if *outFile != "" {
		if werr := writeRun(*outFile, req, res, started); werr != nil {
			fmt.Fprintf(stderr, "chunkscope probe: -o: %v\n", werr)
			return 1
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

// flagConflict says what is wrong with a combination of flags, or "".
func flagConflict(scheme string, http10, http11, http2, insecure bool, cacert string) string {
	n := 0
	for _, b := range []bool{http10, http11, http2} {
		if b {
			n++
		}
	}
	switch {
	case n > 1:
		return "-http1.0, -http1.1 and -http2 exclude each other: give one"
	case insecure && cacert != "":
		return "-insecure and -cacert exclude each other: -cacert checks the certificate, -insecure does not"
	case scheme != "https" && (insecure || cacert != ""):
		return "-insecure and -cacert are for https:// URLs; this one is " + scheme + "://"
	}
	return ""
}

// dialLine says how the connection was made, before t = 0.
func dialLine(d wire.Dial) string {
	t0 := time.UnixMicro(int64(d.T0EpochMs * 1000)).UTC().Format("15:04:05.000000")
	if d.TLSVersion == "" {
		return fmt.Sprintf("connection: connect %.3f ms, before t = 0 (%s UTC)", d.ConnectMs, t0)
	}
	return fmt.Sprintf("connection: connect %.3f ms, then %s handshake %.3f ms (ALPN %s, certificate %s), both before t = 0 (%s UTC)",
		d.ConnectMs, d.TLSVersion, d.TLSMs, cmpOr(d.ALPN, "none: HTTP/1.1"), d.Certificate, t0)
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
