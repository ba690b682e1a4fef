package ui

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/browser"
	"chunkscope/app/record"
	"chunkscope/app/runner"
	"chunkscope/app/spec"
	"chunkscope/app/wire"
)

// hop is one way the hop-by-hop comparison sends the form's request:
// Label names its lane (short enough for the chart's left margin), What
// says what is between the page and the producer.
type hop struct {
	Label, What string
	Plan        runner.Plan
}

// hopScenarios are the hops inside this server: the same CSV producer,
// directly and behind each layer the scenario table has.
var hopScenarios = []struct{ label, scenario, what string }{
	{"direct", "streaming", "GET /csv/streaming: the chunked stream, flushed per group, nothing between"},
	{"proxy → chunked", "proxy-chunked", "httputil.ReverseProxy, default FlushInterval, in front of the chunked stream"},
	{"proxy → sized", "proxy-length", "the same default proxy in front of the stream with a Content-Length"},
	{"proxy flush -1", "proxy-flush", "the proxy with FlushInterval: -1 in front of the stream with a Content-Length"},
	{"gzip buffering", "gzip-buffered", "a gzip middleware that compresses the whole body first"},
	{"gzip flushing", "gzip-streaming", "a gzip middleware that flushes the compressor after each group"},
}

// nginxHops are the nginx locations (internal/nginx) run as hops, by
// location.
var nginxHops = map[string]struct{ label, what string }{
	"/stock/":         {"nginx stock", "nginx with its stock proxy settings — proxy_http_version 1.0 (the upstream cannot chunk), proxy_buffering on — in front of /csv/streaming"},
	"/buffering-on/":  {"nginx buffer on", "nginx, proxy_buffering on (its default) and proxy_http_version 1.1, in front of /csv/streaming"},
	"/buffering-off/": {"nginx buffer off", "nginx, proxy_buffering off (the seed's \"Allow chunked responses\") and proxy_http_version 1.1, in front of /csv/streaming"},
}

// hopPlans lays out every hop the server offers for one request: the
// scenarios' hops, nginx's locations, and each other allowed -upstream asked
// for the same /csv/streaming path. All get the same body, and are read as
// reader says (its read mode, wire probe and pace). Hops past MaxHopLanes
// are returned in left, never dropped silently; missing says what is not
// there and why.
func hopPlans(s spec.Spec, reader runner.Plan, h wire.Hops) (hops []hop, left, missing []string) {
	query := s.Values().Encode()
	read := func(p runner.Plan) runner.Plan { // every hop read alike
		p.Read, p.Wire, p.Pace = reader.Read, reader.Wire, reader.Pace
		return p
	}
	for _, sc := range hopScenarios {
		hops = append(hops, hop{Label: sc.label, What: sc.what,
			Plan: read(runner.Plan{Scenario: sc.scenario, Hop: sc.label, Spec: s})})
	}
	if h.Nginx == "" {
		problem := h.NginxProblem
		if problem == "" {
			problem = "not started"
		}
		missing = append(missing, "nginx: "+problem)
	}
	for _, loc := range h.NginxLocations {
		n, ok := nginxHops[loc]
		if h.Nginx == "" || !ok {
			continue
		}
		u := h.Nginx + loc + "csv/streaming?" + query
		hops = append(hops, hop{Label: n.label, What: n.what + " (" + h.Nginx + loc + ")",
			Plan: read(runner.Plan{Upstream: u, Tagged: true, Hop: n.label})})
	}
	if len(h.Upstreams) == 0 {
		missing = append(missing, "upstreams: none allowed (start chunkscope with -upstream http://HOST:PORT)")
	}
	for _, origin := range h.Upstreams {
		label := originLabel(origin)
		hops = append(hops, hop{Label: label, What: "the -upstream " + origin + ", asked for the same /csv/streaming path (read through this server's /upstream, which flushes every write)",
			Plan: read(runner.Plan{Upstream: origin + "/csv/streaming?" + query, Hop: label})})
	}
	if len(hops) > runner.MaxHopLanes {
		for _, x := range hops[runner.MaxHopLanes:] {
			left = append(left, x.Label)
		}
		hops = hops[:runner.MaxHopLanes]
	}
	return hops, left, missing
}

// originLabel is an -upstream origin's lane label: its host and port, over
// TLS (https://) or not.
func originLabel(origin string) string {
	if _, host, ok := strings.Cut(origin, "://"); ok {
		return host
	}
	return origin
}

// hopView is the page's hop-by-hop state: whether the view is one, and
// what its hop list says.
type hopView struct {
	Active bool
	// Chain is the user's chain (chain.go), outermost first; nil in the
	// hop-by-hop view of the server's own hops.
	Chain   []string
	Hops    []hop
	Left    []string // hops past the view's lanes, named
	Missing []string // hops not offered, and why
	Body    string   // the request's body parameters, as a query
	// Found is the chain's comparison (record.CompareChain), at render.
	Found record.Chain
	// Against says which hops changed the pacing against direct
	// (hopFindings), at render.
	Against string
}

// chainShown is the view's chain, its hops outermost first, when the view
// is one; nil otherwise.
func (v hopView) chainShown() []string {
	if !v.Active {
		return nil
	}
	return v.Chain
}

// hopFindings compares each hop of the server's own hop-by-hop view with
// direct, by the chain's rule (record.PacingChange): the hops that changed
// the pacing and how, "" until every hop is read.
func hopFindings(runs []*record.Run) string {
	var direct *record.Run
	for _, r := range runs {
		if !r.Done {
			return ""
		}
		if r.Hop == hopScenarios[0].label {
			direct = r
		}
	}
	if direct == nil || direct.Status != 200 || direct.Error != "" {
		return ""
	}
	var changed, same []string
	for _, r := range runs {
		if r == direct || r.Hop == "" {
			continue
		}
		if r.Status != 200 || r.Error != "" {
			changed = append(changed, r.Hop+": failed ("+r.Verdict.Kind+")")
			continue
		}
		if d := record.PacingChange(r, direct); len(d) > 0 {
			changed = append(changed, r.Hop+": "+strings.Join(d, ", "))
		} else {
			same = append(same, r.Hop)
		}
	}
	switch {
	case len(changed) == 0:
		return "Against direct, no hop changed the pacing."
	case len(same) == 0:
		return "Against direct, every hop changed the pacing — " + strings.Join(changed, "; ") + "."
	}
	return "Against direct, the pacing changed through " + strings.Join(changed, "; ") + ". " +
		capitalize(strings.Join(same, ", ")) + " paced it as direct did."
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// startHops reads the server's hops (GET /hops), then runs the form's
// request through each, one after the other, as one view.
func (p *Page) startHops(ctx app.Context) error {
	s, err := p.form.body()
	if err != nil {
		return err
	}
	reader, err := p.form.reader()
	if err != nil {
		return err
	}
	if p.runs.Running {
		return fmt.Errorf("runs are still being read: wait for them, or press Stop, before running the hops")
	}
	p.hop = hopView{Active: true, Body: s.Values().Encode()}
	ctx.Async(func() {
		status, text, err := browser.FetchText("/hops")
		var h wire.Hops
		switch {
		case err != nil:
		case status != 200:
			err = fmt.Errorf("GET /hops: %d %s", status, strings.TrimSpace(text))
		default:
			if e := json.Unmarshal([]byte(text), &h); e != nil {
				err = fmt.Errorf("GET /hops: %v", e)
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.hop.Active = false // nothing ran: the view is still the one before
				p.formErr = "Could not learn the server's hops: " + err.Error()
				return
			}
			hops, left, missing := hopPlans(s, reader, h)
			p.hop.Hops, p.hop.Left, p.hop.Missing = hops, left, missing
			plans := make([]runner.Plan, len(hops))
			for i, x := range hops {
				plans[i] = x.Plan
			}
			if err := p.runs.StartHops(host{ctx}, plans); err != nil {
				p.hop.Active = false
				p.formErr = err.Error()
				return
			}
			p.writeURL(ctx)
		})
	})
	return nil
}

// hopList names the hops of a hop-by-hop view, what each is, and the hops
// that are not in it and why.
type hopList struct {
	app.Compo

	Iview hopView
}

func newHopList() *hopList { return &hopList{} }

func (l *hopList) View(v hopView) *hopList { l.Iview = v; return l }

func (l *hopList) Render() app.UI {
	v := l.Iview
	if !v.Active {
		return app.Div().ID("hops").Class("empty")
	}
	body := v.Body
	if body == "" {
		body = "the default body"
	}
	head := fmt.Sprintf("Hop by hop: the same request (%s) through each hop, one after the other, one lane each.", body)
	if len(v.Chain) > 0 {
		head = "Your stack, hop by hop: the same request to each hop, outermost first, one after the other, one lane each."
	}
	return app.Section().ID("hops").Class("hops").Body(
		app.P().Class("hops-head").Text(head),
		app.If(len(v.Chain) == 0 && v.Against != "", app.P().ID("hops-against").Text(v.Against)),

		app.Ul().Body(
			app.Range(v.Hops).Slice(func(i int) app.UI {
				return app.Li().DataSet("hop", v.Hops[i].Label).Body(
					app.B().Text(v.Hops[i].Label), app.Text(": "+v.Hops[i].What))
			}),
			app.Range(v.Missing).Slice(func(i int) app.UI {
				return app.Li().Class("missing").Text(v.Missing[i])
			}),
		),
		app.If(len(v.Left) > 0, app.P().ID("hops-left").Class("error").Text(fmt.Sprintf(
			"Left out, past the %d lanes a hop comparison holds: %s.", runner.MaxHopLanes, strings.Join(v.Left, ", ")))),
	)
}
