package ui

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"chunkscope/app/spec"
)

// pageParams are the page's own URL parameters, beside the body parameters
// that spec parses.
var pageParams = []string{"scenario", "compare", "autorun", "read", "wire", "url"}

// Read modes: how the page reads a body.
const (
	readAuto   = "auto"   // buffer-read for buffered, stream-read for streaming
	readStream = "stream" // count each piece and drop it
	readBuffer = "buffer" // keep every piece until the end, as response.arrayBuffer() would
)

var readModes = []string{readAuto, readStream, readBuffer}

// form is what the controls hold, as typed. An empty field means the
// parameter's default.
type form struct {
	Scenario string
	Read     string
	Wire     bool
	Upstream string // an upstream URL: read it instead of a scenario
	Rows     string
	Delay    string
	Per      string
	Pad      string
}

// view is what the page shows and runs: one scenario, or a comparison of
// buffered and streaming with the same body.
type view struct {
	Scenario string
	Compare  bool
	Wire     bool   // also probe the wire, after each run
	Read     string // one of readModes
	Upstream string // read this -upstream URL instead of a scenario
	Spec     spec.Spec
}

// readMode is the read mode a scenario's run uses in this view.
func (v view) readMode(scenario string) string {
	if v.Read != readAuto {
		return v.Read
	}
	if scenario == "buffered" {
		return readBuffer
	}
	return readStream
}

func checkRead(mode string) error {
	for _, m := range readModes {
		if mode == m {
			return nil
		}
	}
	return fmt.Errorf("read: %q is not one of %s", mode, strings.Join(readModes, ", "))
}

// parse checks the form with the server's own parser, so the page refuses
// exactly what the server would refuse, with the same words.
func (f form) parse() (view, error) {
	if _, ok := spec.Lookup(f.Scenario); !ok {
		return view{}, fmt.Errorf("scenario: %q is not one of %s", f.Scenario, strings.Join(spec.Names(), ", "))
	}
	if err := checkRead(f.Read); err != nil {
		return view{}, err
	}
	q := url.Values{}
	for name, v := range map[string]string{"rows": f.Rows, "delay": f.Delay, "per": f.Per, "pad": f.Pad} {
		if v = strings.TrimSpace(v); v != "" {
			q.Set(name, v)
		}
	}
	s, err := spec.Parse(q)
	if err != nil {
		return view{}, err
	}
	if s.Run != "" {
		return view{}, fmt.Errorf("run: the page chooses run ids itself")
	}
	up, err := checkUpstream(f.Upstream)
	if err != nil {
		return view{}, err
	}
	return view{Scenario: f.Scenario, Read: f.Read, Wire: f.Wire, Upstream: up, Spec: s}, nil
}

// checkUpstream checks the form of an upstream URL; whether the server
// allows it, only the server knows (it answers 400 with a reason).
func checkUpstream(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return "", fmt.Errorf("url: %q is not an http://host:port/path URL", raw)
	}
	return raw, nil
}

// formFromSpec fills the controls from a parsed spec.
func formFromSpec(scenario, read string, s spec.Spec) form {
	f := form{Scenario: scenario, Read: read, Rows: strconv.Itoa(s.Rows), Per: strconv.Itoa(s.Per), Pad: strconv.Itoa(s.Pad), Delay: "0"}
	if s.Delay > 0 {
		f.Delay = s.Delay.String()
	}
	return f
}

// parseURL reads the page's state from its URL. On error it still returns
// the form as typed in the URL, so the page can show what was wrong.
func parseURL(q url.Values) (v view, autorun bool, f form, err error) {
	f = formFromSpec("streaming", readAuto, spec.Default())
	for _, name := range pageParams {
		if len(q[name]) > 1 {
			return view{}, false, f, fmt.Errorf("%s: given %d times, want once", name, len(q[name]))
		}
	}
	if sc := q.Get("scenario"); sc != "" {
		f.Scenario = sc
	}
	if m := q.Get("read"); m != "" {
		f.Read = m
	}
	for name, dst := range map[string]*string{"rows": &f.Rows, "delay": &f.Delay, "per": &f.Per, "pad": &f.Pad} {
		if vals := q[name]; len(vals) > 0 {
			*dst = vals[0]
		}
	}
	compare, err := parseFlag(q, "compare")
	if err != nil {
		return view{}, false, f, err
	}
	autorun, err = parseFlag(q, "autorun")
	if err != nil {
		return view{}, false, f, err
	}
	if f.Wire, err = parseFlag(q, "wire"); err != nil {
		return view{}, false, f, err
	}
	f.Upstream = q.Get("url")
	up, err := checkUpstream(f.Upstream)
	if err != nil {
		return view{}, false, f, err
	}
	if _, ok := spec.Lookup(f.Scenario); !ok {
		return view{}, false, f, fmt.Errorf("scenario: %q is not one of %s", f.Scenario, strings.Join(spec.Names(), ", "))
	}
	if err := checkRead(f.Read); err != nil {
		return view{}, false, f, err
	}
	s, err := spec.ParseAllowing(q, pageParams...)
	if err != nil {
		return view{}, false, f, err
	}
	if s.Run != "" {
		return view{}, false, f, fmt.Errorf("run: the page chooses run ids itself")
	}
	nf := formFromSpec(f.Scenario, f.Read, s)
	nf.Wire, nf.Upstream = f.Wire, up
	return view{Scenario: f.Scenario, Compare: compare, Read: f.Read, Wire: f.Wire, Upstream: up, Spec: s}, autorun, nf, nil
}

func parseFlag(q url.Values, name string) (bool, error) {
	switch q.Get(name) {
	case "", "0":
		return false, nil
	case "1":
		return true, nil
	default:
		return false, fmt.Errorf("%s: %q is not 0 or 1", name, q.Get(name))
	}
}

// query encodes the view as the page's URL query, so a link reproduces it.
func (v view) query(autorun bool) url.Values {
	q := v.Spec.Values()
	q.Set("scenario", v.Scenario)
	if v.Read != readAuto {
		q.Set("read", v.Read)
	}
	if v.Compare {
		q.Set("compare", "1")
	}
	if v.Wire {
		q.Set("wire", "1")
	}
	if v.Upstream != "" {
		q.Set("url", v.Upstream)
	}
	if autorun {
		q.Set("autorun", "1")
	}
	return q
}
