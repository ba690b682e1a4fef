package ui

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/keep"
	"chunkscope/app/record"
	"chunkscope/app/runner"
)

// A chain is the same resource named at each hop of the user's stack,
// outermost first (a CDN, nginx, Gunicorn): read one after the other with
// the same request, one lane each, and compared (record.CompareChain) to
// say between which two hops the pacing changed. It is the hop-by-hop
// view's machinery (hopView, runner.StartHops) with the user's hops.

// parseChain reads chain='s value: URLs separated by new lines (linkQuery
// puts them so, from the link's own commas) or by commas, spaces or new
// lines as typed in the chain field.
func parseChain(value string) ([]string, error) {
	sep := func(c rune) bool { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	if strings.Contains(value, "\n") {
		sep = func(c rune) bool { return c == '\n' }
	}
	var out []string
	for _, raw := range strings.FieldsFunc(value, sep) {
		u, err := checkUpstream(raw)
		if err != nil {
			return nil, fmt.Errorf("chain: %w", err)
		}
		if u == "" {
			continue
		}
		if slices.Contains(out, u) {
			return nil, fmt.Errorf("chain: %s is named twice; name each hop once, outermost first", u)
		}
		out = append(out, u)
	}
	switch {
	case len(out) == 0:
		return nil, fmt.Errorf("chain: no URL; name the same resource at each hop, outermost first (chain=URL,URL,…)")
	case len(out) > record.MaxChainHops:
		return nil, fmt.Errorf("chain: %d hops; a chain holds at most %d", len(out), record.MaxChainHops)
	}
	return out, nil
}

// chainConflict says why a parameter does not go with chain=.
func chainConflict(name string) string {
	switch name {
	case "hops":
		return "runs this server's own hops"
	case "url":
		return "names another lane"
	case "compare", "scenario":
		return "names this server's scenarios"
	}
	return "shapes this server's scenarios, not the chain's body (each URL carries its own query)"
}

// linkQuery parses the page's query. chain='s URLs are each
// percent-encoded and separated by literal commas, so a comma inside a URL
// (%2C) stays in it: they are split on the raw query's commas before
// decoding, and handed on one a line.
func linkQuery(raw string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return q, err
	}
	for _, part := range strings.Split(raw, "&") {
		key, value, _ := strings.Cut(part, "=")
		if k, err := url.QueryUnescape(key); err != nil || k != "chain" {
			continue
		}
		var items []string
		for _, item := range strings.Split(value, ",") {
			u, err := url.QueryUnescape(item)
			if err != nil {
				return q, fmt.Errorf("chain: %q is not percent-encoded", item)
			}
			items = append(items, u)
		}
		q["chain"] = []string{strings.Join(items, "\n")}
	}
	return q, nil
}

// rawQuery is the view's query as a link writes it: chain='s URLs each
// percent-encoded, separated by commas (linkQuery reads it back).
func (v view) rawQuery(autorun bool) string {
	q := v.query(autorun)
	q.Del("chain")
	out := q.Encode()
	if len(v.Chain) == 0 {
		return out
	}
	items := make([]string, len(v.Chain))
	for i, u := range v.Chain {
		items[i] = url.QueryEscape(u)
	}
	if out != "" {
		out += "&"
	}
	return out + "chain=" + strings.Join(items, ",")
}

// chainLabel is a chain hop's lane label: its place and where it listens
// (":8080" on loopback), short enough for the chart's margin.
func chainLabel(i int, raw string) string {
	where := raw
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		where = u.Host
		if h := u.Hostname(); (h == "127.0.0.1" || h == "localhost" || h == "::1") && u.Port() != "" {
			where = ":" + u.Port()
		}
	}
	return strconv.Itoa(i+1) + " · " + where
}

// chainHops are the chain's hops as the hop list shows them, with their
// plans: read as reader says (its read mode, wire probe and pace).
func chainHops(urls []string, reader runner.Plan) []hop {
	hops := make([]hop, len(urls))
	for i, u := range urls {
		what := "the resource at hop " + strconv.Itoa(i+1)
		switch i {
		case 0:
			what += ", the outermost"
		case len(urls) - 1:
			what += ", the innermost (nearest the app)"
		}
		p := reader
		p.Upstream, p.Hop, p.Scenario = u, chainLabel(i, u), ""
		hops[i] = hop{Label: p.Hop, What: what + ": " + u, Plan: p}
	}
	return hops
}

// startChain reads the chain the form names, one hop after the other, as
// one view.
func (p *Page) startChain(ctx app.Context, urls []string) error {
	reader, err := p.form.reader()
	if err != nil {
		return err
	}
	if p.runs.Running {
		return fmt.Errorf("runs are still being read: wait for them, or press Stop, before running the chain")
	}
	hops := chainHops(urls, reader)
	plans := make([]runner.Plan, len(hops))
	for i, h := range hops {
		plans[i] = h.Plan
	}
	if err := p.runs.StartHops(host{ctx}, plans); err != nil {
		return err
	}
	p.hop = hopView{Active: true, Chain: urls, Hops: hops}
	p.form.Chain = strings.Join(urls, " ")
	return nil
}

// chainOf compares the chain view's runs (record.CompareChain); ok is false
// when the view is not a chain.
func (p *Page) chainOf() (record.Chain, bool) {
	if !p.hop.Active || len(p.hop.Chain) == 0 {
		return record.Chain{}, false
	}
	var runs []*record.Run
	for _, r := range p.runs.View {
		if r.Hop != "" {
			runs = append(runs, r)
		}
	}
	return record.CompareChain(runs), true
}

// restoreChain makes a loaded file's chain (keep.View.Chain) the view
// again, as it was saved: the same hops in the same order, its sentence
// said from the loaded records (chainOf). Only into an empty view, whose
// runs are then the file's.
func (p *Page) restoreChain(v *keep.View, empty bool) {
	if !empty || v == nil || len(v.Chain) == 0 || len(v.Chain) > record.MaxChainHops {
		return
	}
	p.hop = hopView{Active: true, Chain: slices.Clone(v.Chain), Hops: chainHops(v.Chain, runner.Plan{})}
	p.form.Chain = strings.Join(v.Chain, " ")
}

// chainJSON holds window.chunkscope.chain()'s answer: taken on the UI
// goroutine at each render, read on the browser's event loop.
type chainJSON struct {
	mu   sync.Mutex
	json string
}

func (c *chainJSON) set(ch record.Chain, ok bool) {
	s := "null"
	if ok {
		b, _ := json.Marshal(ch) // plain data
		s = string(b)
	}
	c.mu.Lock()
	c.json = s
	c.mu.Unlock()
}

func (c *chainJSON) get() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.json == "" {
		return "null"
	}
	return c.json
}

// chainForm is the chain's field and button: the same resource at each hop
// of the user's stack, outermost first.
type chainForm struct {
	app.Compo

	Iform    *form
	Irunning bool
}

func newChainForm() *chainForm { return &chainForm{} }

func (c *chainForm) Form(f *form) *chainForm   { c.Iform = f; return c }
func (c *chainForm) Running(v bool) *chainForm { c.Irunning = v; return c }

func (c *chainForm) Render() app.UI {
	f := c.Iform
	if f == nil {
		f = &form{}
	}
	// A second row of controls, in the controls' own box: what the chain
	// and the request are.
	return app.Section().Class("controls chain-controls").Body(app.Div().Class("fields").Body(
		app.Label().Class("upstream chain-field").Title("The same resource at each hop of your stack, outermost first (a CDN, nginx, your app server), separated by spaces; each origin allowed with -upstream. Read one after the other with the same request, one lane each.").Body(
			app.Span().Text("your stack, outermost first"),
			app.Input().ID("chain").Type("text").Value(f.Chain).
				Placeholder("http://127.0.0.1:8080/export.csv http://127.0.0.1:8000/export.csv").
				OnInput(func(ctx app.Context, e app.Event) { f.Chain = ctx.JSSrc().Get("value").String() }),
		),
		app.Button().ID("chain-run").Text("Find the hop").Disabled(c.Irunning).
			Title("Read the resource at each hop, outermost first, one after the other, and say where the pacing changed").
			OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(actionName, act{Op: opChain}) }),
		app.Label().Class("headers").Title(headersTitle).Body(
			app.Span().Text("request headers"),
			app.Textarea().ID("headers").Rows(1).Cols(30).Text(f.Headers).
				Placeholder("Cookie: sessionid=…   (one a line)").
				OnInput(func(ctx app.Context, e app.Event) { f.Headers = ctx.JSSrc().Get("value").String() }),
		),
		app.Label().Class("check").Title("Put the values of Cookie, Authorization and the headers marked ! in the link, a saved file and a HAR too (left out unless you ask; each says what it left out)").Body(
			app.Input().ID("secrets-in-link").Type("checkbox").Checked(f.SecretsInLink).
				OnChange(func(ctx app.Context, e app.Event) { f.SecretsInLink = ctx.JSSrc().Get("checked").Bool() }),
			app.Span().Text("secrets in the link and files"),
		),
	))
}

// headersTitle explains the request headers field.
const headersTitle = "Request headers sent with every read of your app (its URL, each hop of a chain) and with its wire probe, one \"Name: value\" a line: " +
	"Cookie or Authorization for an export behind a login, Accept-Encoding (a value, or off), If-None-Match, any header by name. " +
	"chunkscope's server sets them on the request it makes (a browser may not set a Cookie on a fetch). " +
	"Cookie, Authorization and a line starting with ! are secrets: never in a link, a saved file or a HAR unless you tick “secrets in the link and files”; each says what it left out. " +
	"This server's own scenarios do not take them."
