package ui

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"chunkscope/app/runner"
	"chunkscope/app/scene"
	"chunkscope/app/spec"
)

// pageParams are the page's own URL parameters, beside the body parameters
// that spec parses (run excepted: the page chooses run ids itself).
var pageParams = []string{"scenario", "compare", "url", "hops", "chain", "read", "wire", "align", "autorun", "pace", "header", "secrets"}

// repeatable are the page's parameters a link may give more than once:
// url= once per upstream lane.
var repeatable = []string{"url", "header"}

// bodyParams are the body parameters a link may give.
var bodyParams = []string{"rows", "delay", "per", "pad"}

var readModes = []string{runner.ReadAuto, runner.ReadStream, runner.ReadBuffer}

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
	Pace     string // the reader's pace (spec.ParsePace); empty: full speed
	// Chain is the chain field as typed: the same resource at each hop of
	// a stack, outermost first, separated by spaces, commas or new lines.
	Chain string
	// Headers is the request headers field as typed, one "Name: value" a
	// line ("!Name: value" marks a secret: headers.go); SecretsInLink puts
	// the secrets in the link too, as the user asked.
	Headers       string
	SecretsInLink bool
}

// view is what a link asks the page to show and run: one lane per
// scenario, then the upstream's, all with the same body, read mode and
// wire probe.
type view struct {
	Scenarios []string
	Upstream  string // read this -upstream URL too (after the scenarios), "" for none
	// MoreUpstreams are the further url= of a link, read after Upstream:
	// a link holds every lane of the view.
	MoreUpstreams []string
	// Chain is chain=URL,URL,…: the same resource at each hop, outermost
	// first (chain.go); the view is then the chain's.
	Chain []string
	// Headers are the link's header= lines (headers.go), Secrets its
	// secrets=1: the user asked for the secrets in the link.
	Headers []string
	Secrets bool
	Wire    bool   // also probe the wire, after each run
	Read    string // one of readModes
	Align   string // scene.AlignStart or scene.AlignFirstByte
	Spec    spec.Spec
	Pace    spec.Pace // the page reader's pace, the same for every lane
	Hops    bool      // hops=1: the body through every hop the server offers (hops.go)
}

// plans is the view's runs, in lane order.
func (v view) plans() []runner.Plan {
	var out []runner.Plan
	for _, name := range v.Scenarios {
		out = append(out, runner.Plan{Scenario: name, Spec: v.Spec, Read: v.Read, Wire: v.Wire, Pace: v.Pace})
	}
	lines, _ := parseHeaderLines(strings.Join(v.Headers, "\n")) // checked by parseURL
	header, marked := headerMap(lines)
	for _, u := range v.upstreams() {
		out = append(out, runner.Plan{Upstream: u, Read: v.Read, Wire: v.Wire, Pace: v.Pace, Header: header, Secret: marked})
	}
	return out
}

// upstreams are the view's upstream lanes, in order.
func (v view) upstreams() []string {
	if v.Upstream == "" {
		return nil
	}
	return append([]string{v.Upstream}, v.MoreUpstreams...)
}

func checkRead(mode string) error {
	if slices.Contains(readModes, mode) {
		return nil
	}
	return fmt.Errorf("read: %q is not one of %s", mode, strings.Join(readModes, ", "))
}

func checkScenario(param, name string) error {
	if _, ok := spec.Lookup(name); !ok {
		return fmt.Errorf("%s: %q is not one of %s", param, name, strings.Join(spec.Names(), ", "))
	}
	return nil
}

// body checks the form's body fields with the server's own parser, so the
// page refuses exactly what the server would refuse, with the same words.
func (f form) body() (spec.Spec, error) {
	q := url.Values{}
	for name, v := range map[string]string{"rows": f.Rows, "delay": f.Delay, "per": f.Per, "pad": f.Pad} {
		if v = strings.TrimSpace(v); v != "" {
			q.Set(name, v)
		}
	}
	return spec.Parse(q)
}

// reader is how the form's runs are read — read mode, wire probe, pace —
// as a plan that still lacks what to read.
func (f form) reader() (runner.Plan, error) {
	if err := checkRead(f.Read); err != nil {
		return runner.Plan{}, err
	}
	pace, err := spec.ParsePace(f.Pace)
	if err != nil {
		return runner.Plan{}, err
	}
	lines, err := parseHeaderLines(f.Headers)
	if err != nil {
		return runner.Plan{}, err
	}
	header, marked := headerMap(lines)
	return runner.Plan{Read: f.Read, Wire: f.Wire, Pace: pace, Header: header, Secret: marked}, nil
}

// plan is the one run the form names: its upstream URL when one is given
// (the scenario fields do not apply to it), else its scenario.
func (f form) plan() (runner.Plan, error) {
	p, err := f.reader()
	if err != nil {
		return runner.Plan{}, err
	}
	if p.Upstream, err = checkUpstream(f.Upstream); err != nil {
		return runner.Plan{}, err
	}
	if p.Upstream != "" {
		return p, nil
	}
	if err := checkScenario("scenario", f.Scenario); err != nil {
		return runner.Plan{}, err
	}
	if p.Spec, err = f.body(); err != nil {
		return runner.Plan{}, err
	}
	p.Scenario = f.Scenario
	return p, nil
}

// checkUpstream checks the form of an upstream URL; whether the server
// allows it, only the server knows (it answers 400 with a reason).
func checkUpstream(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("url: %q is not an http:// or https://host:port/path URL", raw)
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

// firstVisit is the body the bare page (no parameters) starts with: 20
// rows, one every 100 ms — two seconds of production, like a slow export —
// so that the first Compare shows the seed's point: the buffered body waits
// for the last row, the stream starts at once. A link that names a body, or
// any parameter, keeps the server's defaults (spec.Default) for what it
// leaves out, as it always has; so does curl.
var firstVisit = spec.Spec{Rows: 20, Delay: 100 * time.Millisecond, Per: spec.DefaultPer}

// legacyPair is what compare=1 has always meant.
var legacyPair = []string{"buffered", "streaming"}

// parseURL reads the page's state from its URL. A link whose parameters
// conflict is refused with a sentence rather than read one way while the
// controls say another. On error it still returns the form as typed in the
// URL, so the page can show what was wrong.
func parseURL(q url.Values) (v view, autorun bool, f form, err error) {
	if len(q) == 0 {
		v = view{Scenarios: []string{"streaming"}, Read: runner.ReadAuto, Align: scene.AlignStart, Spec: firstVisit}
		return v, false, formFromSpec("streaming", runner.ReadAuto, firstVisit), nil
	}
	f = formFromSpec("streaming", runner.ReadAuto, spec.Default())
	known := append(slices.Clone(pageParams), bodyParams...)
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range q {
			if !yield(k) {
				return
			}
		}
	}) {
		switch {
		case name == "run":
			return view{}, false, f, fmt.Errorf("run: the page chooses run ids itself")
		case !slices.Contains(known, name):
			return view{}, false, f, fmt.Errorf("%s: unknown parameter (this page's parameters: %s)", spec.ParamName(name), strings.Join(known, ", "))
		case len(q[name]) > 1 && !slices.Contains(repeatable, name):
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
	f.Upstream = q.Get("url")
	f.Pace = q.Get("pace")
	if autorun, err = parseFlag(q, "autorun"); err != nil {
		return view{}, false, f, err
	}
	if f.Wire, err = parseFlag(q, "wire"); err != nil {
		return view{}, false, f, err
	}
	v.Wire = f.Wire
	if v.Upstream, err = checkUpstream(f.Upstream); err != nil {
		return view{}, false, f, err
	}
	for _, raw := range q["url"][min(1, len(q["url"])):] {
		u, err := checkUpstream(raw)
		if err == nil && u == "" {
			err = fmt.Errorf("url: given empty")
		}
		if err != nil {
			return view{}, false, f, err
		}
		v.MoreUpstreams = append(v.MoreUpstreams, u)
	}
	if err := checkRead(f.Read); err != nil {
		return view{}, false, f, err
	}
	v.Read = f.Read
	if v.Pace, err = spec.ParsePace(f.Pace); err != nil {
		return view{}, false, f, err
	}
	f.Headers = strings.Join(q["header"], "\n")
	if _, err := parseHeaderLines(f.Headers); err != nil {
		return view{}, false, f, err
	}
	v.Headers = q["header"]
	if v.Secrets, err = parseFlag(q, "secrets"); err != nil {
		return view{}, false, f, err
	}
	f.SecretsInLink = v.Secrets
	switch a := q.Get("align"); a {
	case "", scene.AlignStart:
		v.Align = scene.AlignStart
	case scene.AlignFirstByte:
		v.Align = a
	default:
		return view{}, false, f, fmt.Errorf("align: %q is not %s or %s", a, scene.AlignStart, scene.AlignFirstByte)
	}
	if v.Hops, err = parseFlag(q, "hops"); err != nil {
		return view{}, false, f, err
	}
	if q.Has("chain") {
		if v.Chain, err = parseChain(q.Get("chain")); err != nil {
			return view{}, false, f, err
		}
		f.Chain = strings.Join(v.Chain, " ")
		for _, name := range append([]string{"hops", "compare", "scenario", "url"}, bodyParams...) {
			if q.Has(name) {
				return view{}, false, f, fmt.Errorf("chain= reads the URLs it names, at each hop, but %s= %s: drop one of the two", name, chainConflict(name))
			}
		}
		nf := formFromSpec(f.Scenario, f.Read, spec.Default())
		nf.Wire, nf.Pace, nf.Chain, nf.Headers, nf.SecretsInLink = f.Wire, v.Pace.String(), f.Chain, f.Headers, f.SecretsInLink
		return v, autorun, nf, nil
	}
	if v.Hops {
		for _, name := range []string{"compare", "scenario", "url"} {
			if q.Has(name) {
				return view{}, false, f, fmt.Errorf("hops=1 runs the body through every hop the server offers, but %s= names what to read: drop one of the two", name)
			}
		}
	} else if v.Scenarios, err = parseCompare(q, v.Upstream); err != nil {
		return view{}, false, f, err
	}
	if len(v.Scenarios) > 0 {
		f.Scenario = v.Scenarios[len(v.Scenarios)-1]
		if sc := q.Get("scenario"); sc != "" && slices.Contains(v.Scenarios, sc) {
			f.Scenario = sc
		}
	}
	s, err := spec.ParseAllowing(q, pageParams...)
	if err != nil {
		return view{}, false, f, err
	}
	v.Spec = s
	nf := formFromSpec(f.Scenario, f.Read, s)
	nf.Wire, nf.Upstream, nf.Pace, nf.Headers, nf.SecretsInLink = f.Wire, v.Upstream, v.Pace.String(), f.Headers, f.SecretsInLink
	return v, autorun, nf, nil
}

// parseCompare reads which scenarios a link names: compare=1 (buffered
// then streaming, as links shared before keep meaning), compare=a,b,…, or
// scenario=NAME; with url= alone, none.
func parseCompare(q url.Values, upstream string) ([]string, error) {
	sc, cmp := q.Get("scenario"), q.Get("compare")
	var names []string
	switch cmp {
	case "", "0":
	case "1":
		names = slices.Clone(legacyPair)
	default:
		for name := range strings.SplitSeq(cmp, ",") {
			name = strings.TrimSpace(name)
			if err := checkScenario("compare", name); err != nil {
				return nil, err
			}
			if slices.Contains(names, name) {
				return nil, fmt.Errorf("compare: %s is named twice", name)
			}
			names = append(names, name)
		}
	}
	lanes := len(names) + len(q["url"])
	if lanes > runner.MaxLanes {
		return nil, fmt.Errorf("compare: %d runs; a view holds at most %d", lanes, runner.MaxLanes)
	}
	switch {
	case sc != "" && checkScenario("scenario", sc) != nil:
		return nil, checkScenario("scenario", sc)
	case names != nil && sc != "" && !slices.Contains(names, sc):
		what := "compare=" + cmp + " reads " + strings.Join(names, " then ")
		return nil, fmt.Errorf("%s, but scenario=%s names another: write compare=%s,%s to read them all, or drop one of the two", what, sc, strings.Join(names, ","), sc)
	case names != nil:
		return names, nil
	case upstream != "":
		// Links written by earlier pages always carried scenario=streaming
		// (the menu's default) beside url=: read as the upstream alone.
		if sc != "" && sc != "streaming" {
			return nil, fmt.Errorf("scenario=%s and url=… each name something to read: write compare=%s&url=… to read both, or drop one", sc, sc)
		}
		var given []string
		for _, name := range bodyParams {
			if q.Has(name) {
				given = append(given, name)
			}
		}
		if len(given) > 0 {
			return nil, fmt.Errorf("%s: these shape this server's scenarios, not an upstream's body; drop them, or add compare=NAME to read a scenario beside the upstream", strings.Join(given, ", "))
		}
		return nil, nil
	case sc != "":
		return []string{sc}, nil
	}
	return []string{"streaming"}, nil
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
	q := url.Values{}
	if len(v.Scenarios) > 0 || v.Hops {
		q = v.Spec.Values()
	}
	switch {
	case v.Hops:
		q.Set("hops", "1")
	case slices.Equal(v.Scenarios, legacyPair):
		q.Set("compare", "1")
	case len(v.Scenarios) == 1 && v.Upstream == "":
		q.Set("scenario", v.Scenarios[0])
	case len(v.Scenarios) > 0:
		q.Set("compare", strings.Join(v.Scenarios, ","))
	}
	if v.Read != runner.ReadAuto && v.Read != "" {
		q.Set("read", v.Read)
	}
	if v.Wire {
		q.Set("wire", "1")
	}
	for _, u := range v.upstreams() {
		q.Add("url", u)
	}
	if len(v.Chain) > 0 {
		q.Set("chain", strings.Join(v.Chain, ","))
	}
	q["header"] = v.Headers
	if len(v.Headers) == 0 {
		q.Del("header")
	}
	if v.Secrets {
		q.Set("secrets", "1")
	}
	if v.Align == scene.AlignFirstByte {
		q.Set("align", v.Align)
	}
	if p := v.Pace.String(); p != "" {
		q.Set("pace", p)
	}
	if autorun {
		q.Set("autorun", "1")
	}
	return q
}
