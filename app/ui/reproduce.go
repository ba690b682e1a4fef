package ui

import (
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"chunkscope/app/record"
	"chunkscope/app/spec"
	"chunkscope/app/wire"
)

// reproduction is what a bug report needs to show a run outside the page:
// the request as curl sends it (raw, so the framing shows), and the same
// through chunkscope's probe (every chunk with its time). recordJSON is the
// rest: the run's record.
type reproduction struct {
	Curl  string
	Probe string
}

// reproduce builds a run's reproduction for the server at origin
// (http://host:port), each secret of the page's request headers a
// placeholder the user fills ("Cookie: <your Cookie>"). The run tag is
// left out: it only names the page's memory samples, and an id is used
// once.
func reproduce(r *record.Run, origin string) reproduction {
	return reproduceWith(r, origin, nil)
}

// placeholder is what a command holds in place of a secret's value.
func placeholder(name string) string { return "<your " + name + ">" }

// selfSigned is the one line an https command ends with: a shell comment,
// so the command still runs as pasted.
const (
	selfSignedCurl  = "  # a self-signed certificate: add -k (or --cacert FILE)"
	selfSignedProbe = "  # a self-signed certificate: add -insecure (or -cacert FILE)"
)

// reproduceWith is reproduce with the secrets the user asked to have in
// the commands: a secret the run sent (record.RequestHeaders keeps it as
// wire.LeftOut) takes its value from secrets, else a placeholder.
func reproduceWith(r *record.Run, origin string, secrets map[string]string) reproduction {
	target := r.Params["url"] // an upstream: its own URL
	var curl, probe []string
	headers := map[string]string{}
	if r.Scenario != record.Upstream {
		sc, _ := spec.Lookup(r.Scenario)
		q := url.Values{}
		for k, v := range r.Params {
			q.Set(k, v)
		}
		target = origin + sc.Path
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
		switch sc.Proto {
		case spec.ProtoHTTP10:
			curl, probe = append(curl, "--http1.0"), append(probe, "-http1.0")
		case spec.ProtoHTTP2:
			curl, probe = append(curl, "--http2-prior-knowledge"), append(probe, "-http2")
		}
		if sc.Method == "HEAD" {
			curl, probe = append(curl, "--head"), append(probe, "-head")
		}
		for k, v := range sc.Header {
			headers[k] = v
		}
	}
	// The page's own request headers (a Cookie, an If-None-Match…), sent
	// with an upstream's read and its probe alike.
	for name, v := range r.RequestHeaders {
		if v == wire.LeftOut {
			v = placeholder(name)
			if s, ok := secrets[name]; ok {
				v = s
			}
		}
		headers[name] = v
	}
	// The browser asked for compression (Accept-Encoding is its own to
	// set, not the page's): where the answer was compressed, the commands
	// ask for that encoding too, or they would read another response.
	if ce := r.Header("content-encoding"); ce != "" && headers["Accept-Encoding"] == "" {
		headers["Accept-Encoding"] = ce
	}
	// A reader paced to a rate: curl reads at it too.
	if p, err := spec.ParsePace(r.Pace); err == nil && p.Kind == spec.PaceRate {
		curl = append(curl, "--limit-rate", strconv.FormatInt(p.Rate, 10))
	}
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		h := shellQuote(k + ": " + headers[k])
		curl, probe = append(curl, "-H", h), append(probe, "-H", h)
	}
	rp := reproduction{
		// -N: no buffering in curl; --raw: chunk sizes as sent; -v: headers.
		Curl:  strings.Join(append(append([]string{"curl", "-svN", "--raw"}, curl...), shellQuote(target), "-o", "-"), " "),
		Probe: strings.Join(append(append([]string{"chunkscope", "probe"}, probe...), shellQuote(target)), " "),
	}
	if strings.HasPrefix(target, "https://") {
		rp.Curl += selfSignedCurl
		rp.Probe += selfSignedProbe
	}
	return rp
}

// recordJSON is the run's record as window.chunkscope.runs() gives it,
// indented for a bug report.
func recordJSON(r *record.Run) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // a URL's & stays readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return "the record could not be written: " + err.Error()
	}
	return b.String()
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
