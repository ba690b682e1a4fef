package ui

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/keep"
	"chunkscope/app/record"
	"chunkscope/app/runner"
	"chunkscope/app/scene"
)

// The request list: a page load (a HAR of hundreds of entries) as rows a
// person searches, sorts and draws. Every stored run is a row; any row
// can be a lane and back. The chart draws at most runner.MaxLanes lanes:
// choosing another replaces the lane drawn longest (runner.Choose), and
// the list says so before and after.

// opChoose draws a row as a lane (Arg: a run id); taking one out is
// opRemove's.
const opChoose = "choose"

// requestPage is how many rows the list renders at once: a page load of
// thousands stays as quick to filter as one of ten.
const requestPage = 25

// requestRow is one row of the list, as window.chunkscope.requests()
// returns it.
type requestRow struct {
	Index   int     `json:"index"` // in requests(): after the filter and the sort
	ID      string  `json:"id"`
	URL     string  `json:"url"`
	Host    string  `json:"host"`
	Path    string  `json:"path"` // with its query
	Type    string  `json:"type"` // document, script, image… from the MIME type (or the path's extension)
	MIME    string  `json:"mime"`
	Status  int     `json:"status"`
	Bytes   int64   `json:"bytes"`
	Encoded bool    `json:"encoded"` // bytes as they came off the network (WebPageTest's), not decoded
	TTFBMs  float64 `json:"ttfbMs"`  // -1: no body byte
	Reads   int     `json:"reads"`   // pieces of the body read
	StartMs float64 `json:"startMs"` // on its page's time (since the page's first request); -1 unknown
	Lane    bool    `json:"lane"`    // drawn now
	From    string  `json:"from"`    // the file it was loaded from; "" for this page's own runs

	hay string // what the filter searches, lower case
}

// requestColumns are the list's sortable columns: key and heading.
var requestColumns = []struct{ key, head, title string }{
	{"start", "start", "when its request started, on its page's time (since the page's first request)"},
	{"url", "URL", "host and path; the whole URL is the cell's title"},
	{"type", "type", "from the response's MIME type, else the path's extension"},
	{"status", "status", ""},
	{"size", "size", "body bytes read (a WebPageTest file's: as they came off the network, encoded; each cell says)"},
	{"ttfb", "TTFB", "the first body byte, from the request's start"},
	{"reads", "reads", "pieces of the body read"},
}

// requestState is what the list shows: published for window.chunkscope on
// every render (the UI goroutine writes, the browser's event loop reads).
type requestState struct {
	Filter   string  `json:"filter"`
	Sort     string  `json:"sort"`
	Desc     bool    `json:"desc"`
	Page     int     `json:"page"` // from 0
	Pages    int     `json:"pages"`
	PageSize int     `json:"pageSize"`
	Total    int     `json:"total"`    // rows in the page
	Matched  int     `json:"matched"`  // rows the filter keeps
	FilterMs float64 `json:"filterMs"` // the last filter and sort, in Go
	Lanes    int     `json:"lanes"`
	MaxLanes int     `json:"maxLanes"`
	Note     string  `json:"note"` // the last choice's sentence
	rows     []requestRow
}

var published struct {
	sync.Mutex
	s requestState
}

func publish(s requestState) {
	published.Lock()
	published.s = s
	published.Unlock()
}

// Published is the list as last shown: its state and its matched rows.
func publishedList() requestState {
	published.Lock()
	defer published.Unlock()
	return published.s
}

// requestNote is the sentence of the last choice (UI goroutine only).
var requestNote string

// requests is the list component.
type requests struct {
	app.Compo

	Iruns    []*record.Run // every stored run, oldest first
	Iview    []*record.Run
	Iversion int
	Ialign   string
	Inote    string

	filter string
	sort   string
	desc   bool
	page   int

	memo    memoKey
	all     []requestRow // every row, in store order
	matched []requestRow
	tookMs  float64
}

type memoKey struct {
	runs, version int
	filter, sort  string
	desc          bool
}

// requestList is the list, when the page holds more runs than fit as lanes
// and some were loaded from a file; else nothing.
func (p *Page) requestList() app.UI {
	all := p.runs.Store().Runs()
	if !showRequests(all) {
		return app.Div().ID("requests").Class("empty")
	}
	return &requests{Iruns: all, Iview: p.runs.View, Iversion: p.runs.Version, Ialign: p.align, Inote: requestNote}
}

func showRequests(all []*record.Run) bool {
	if len(all) <= runner.MaxLanes {
		return false
	}
	for _, r := range all {
		if r.Loaded != nil {
			return true
		}
	}
	return false
}

func (l *requests) onFilter(ctx app.Context, e app.Event) {
	l.filter, l.page = ctx.JSSrc().Get("value").String(), 0
}

func (l *requests) onSort(key string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		if l.sort == key || (l.sort == "" && key == "start") {
			l.desc = !l.desc
		} else {
			// Figures read largest first; names and times from the start.
			l.sort, l.desc = key, key == "size" || key == "ttfb" || key == "reads" || key == "status"
		}
		l.page = 0
	}
}

func (l *requests) onPage(d int) app.EventHandler {
	return func(ctx app.Context, e app.Event) { l.page += d }
}

// onLane draws a row or takes it out. The row's id is read from the box
// (data-id), not captured: go-app keeps an element's first handler when
// only a closure's captured values differ, and sorting moves rows.
func (l *requests) onLane(ctx app.Context, e app.Event) {
	src := ctx.JSSrc()
	op := opChoose
	if !src.Get("checked").Bool() {
		op = opRemove
	}
	ctx.NewActionWithValue(actionName, act{Op: op, Arg: src.Get("dataset").Get("id").String()})
}

func (l *requests) onAlign(ctx app.Context, e app.Event) {
	a := scene.AlignStart
	if ctx.JSSrc().Get("checked").Bool() {
		a = scene.AlignPage
	}
	ctx.NewActionWithValue(actionName, act{Op: opAlign, Arg: a})
}

// refresh builds the rows again when the runs, the view, the filter or
// the sort changed, and times the filter and sort.
func (l *requests) refresh() {
	key := memoKey{len(l.Iruns), l.Iversion, l.filter, l.sort, l.desc}
	if key == l.memo && l.all != nil {
		return
	}
	if key.runs != l.memo.runs || key.version != l.memo.version || l.all == nil {
		l.all = requestRows(l.Iruns, l.Iview)
	}
	l.memo = key
	t := time.Now()
	l.matched = filterRows(l.all, l.filter, l.sort, l.desc)
	l.tookMs = float64(time.Since(t).Microseconds()) / 1000
}

func (l *requests) Render() app.UI {
	l.refresh()
	pages := max(1, (len(l.matched)+requestPage-1)/requestPage)
	l.page = max(0, min(l.page, pages-1))
	from, to := l.page*requestPage, min(len(l.matched), (l.page+1)*requestPage)
	shown := l.matched[from:to]
	publish(requestState{Filter: l.filter, Sort: cmpOr(l.sort, "start"), Desc: l.desc, Page: l.page, Pages: pages, PageSize: requestPage,
		Total: len(l.all), Matched: len(l.matched), FilterMs: l.tookMs, Lanes: len(l.Iview), MaxLanes: runner.MaxLanes, Note: l.Inote, rows: l.matched})

	colors := map[string]string{}
	for _, ln := range colorLanes(l.Iview) {
		colors[ln.Run.ID] = ln.class()
	}
	rule := fmt.Sprintf("%d of %d lanes drawn. Tick a row to draw it; at most %d are drawn, so a %s replaces the lane drawn longest",
		len(l.Iview), runner.MaxLanes, runner.MaxLanes, ordinal(runner.MaxLanes+1))
	if len(l.Iview) >= runner.MaxLanes {
		rule += " (now " + l.Iview[0].Label() + ")"
	}
	count := fmt.Sprintf("%d of %d requests", len(l.matched), len(l.all))
	if len(l.matched) > 0 {
		count = fmt.Sprintf("rows %d–%d of %d matching (%d requests)", from+1, to, len(l.matched), len(l.all))
	}
	return app.Section().ID("requests").Class("requests").Body(
		app.Div().Class("requests-bar").Body(
			app.H2().Text("Requests"),
			app.Input().ID("requests-filter").Type("search").Value(l.filter).Placeholder("filter: part of a URL, a type, a status").OnInput(l.onFilter),
			app.Label().Class("inline").Title("Each lane starts where its request did, after the page's first request, as in a waterfall").Body(
				app.Input().ID("requests-page-time").Type("checkbox").Checked(l.Ialign == scene.AlignPage).OnChange(l.onAlign),
				app.Text(" align lanes on the page's time"),
			),
			app.Span().ID("requests-count").Class("note").Text(count),
			app.Button().ID("requests-prev").Text("‹ previous").Disabled(l.page == 0).OnClick(l.onPage(-1)),
			app.Button().ID("requests-next").Text("next ›").Disabled(l.page >= pages-1).OnClick(l.onPage(1)),
		),
		app.P().ID("requests-rule").Class("note").Text(rule+"."),
		app.If(l.Inote != "", app.P().ID("requests-note").Class("note chosen").Text(l.Inote)),
		app.Div().Class("table-box").Body(app.Table().ID("requests-table").Class("comparison requests-table").Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Text("lane"),
				app.Range(requestColumns).Slice(func(i int) app.UI {
					c := requestColumns[i]
					mark := ""
					if cmpOr(l.sort, "start") == c.key {
						mark = " ▲"
						if l.desc {
							mark = " ▼"
						}
					}
					return app.Th().DataSet("sort", c.key).Title(c.title).
						OnClick(l.onSort(c.key)).Text(c.head + mark)
				}),
			)),
			app.TBody().Body(
				app.Range(shown).Slice(func(i int) app.UI {
					r := shown[i]
					return app.Tr().Class(colors[r.ID]).DataSet("id", r.ID).DataSet("index", r.Index).Body(
						app.Td().Class("lane").Body(
							app.Input().Type("checkbox").Class("lane-toggle").DataSet("id", r.ID).Checked(r.Lane).Title("Draw this request as a lane").OnChange(l.onLane)),
						app.Td().Class("num").Text(msOr(r.StartMs, r.StartMs >= 0)),
						app.Td().Class("url").Title(r.URL).Body(
							app.Span().Class("host").Text(r.Host), app.Text(keep.Clip(r.Path, 120)),
						),
						app.Td().Title(r.MIME).Text(r.Type),
						app.Td().Class("num").Text(statusText(r.Status)),
						app.Td().Class("num").Title(sizeNote(r.Encoded)).Text(record.Size(r.Bytes)),
						app.Td().Class("num").Text(msOr(r.TTFBMs, r.TTFBMs >= 0)),
						app.Td().Class("num").Text(strconv.Itoa(r.Reads)),
					)
				}),
			),
		)),
	)
}

// sizeNote says what a size counts: WebPageTest's _chunks count the
// bytes that came off the network (encoded), the others the body.
func sizeNote(encoded bool) string {
	if encoded {
		return "bytes as they came off the network (encoded): WebPageTest counts them so"
	}
	return "body bytes, decoded"
}

func statusText(s int) string {
	if s == 0 {
		return "—"
	}
	return strconv.Itoa(s)
}

func ordinal(n int) string {
	switch n % 10 {
	case 1:
		if n%100 != 11 {
			return strconv.Itoa(n) + "st"
		}
	case 2:
		if n%100 != 12 {
			return strconv.Itoa(n) + "nd"
		}
	case 3:
		if n%100 != 13 {
			return strconv.Itoa(n) + "rd"
		}
	}
	return strconv.Itoa(n) + "th"
}

// requestRows makes a row of every stored run: where it sits on its
// page's time, and whether it is drawn.
func requestRows(all, view []*record.Run) []requestRow {
	drawn := map[string]bool{}
	for _, r := range view {
		drawn[r.ID] = true
	}
	at, starts := startsOf(all)
	rows := make([]requestRow, len(all))
	for i, r := range all {
		u := name(r)
		if r.URL != "" && r.Scenario == record.Upstream {
			u = r.URL
		}
		host, p := splitURL(u)
		mime := strings.TrimSpace(strings.SplitN(r.Header("content-type"), ";", 2)[0])
		row := requestRow{ID: r.ID, URL: u, Host: host, Path: p, MIME: mime, Type: resourceType(mime, p), Status: r.Status,
			Bytes: r.Bytes, TTFBMs: -1, Reads: len(r.Chunks), StartMs: -1, Lane: drawn[r.ID]}
		if len(r.Chunks) > 0 {
			row.TTFBMs = r.TTFBMs
		}
		if at[i] > 0 && starts[i] > 0 {
			row.StartMs = at[i] - starts[i]
		}
		if r.Loaded != nil {
			row.From = r.Loaded.From
			row.Encoded = strings.HasPrefix(strings.ToLower(r.Loaded.Tool), "webpagetest")
		}
		row.hay = strings.ToLower(u + " " + row.Type + " " + mime + " " + strconv.Itoa(r.Status))
		rows[i] = row
	}
	return rows
}

// filterRows keeps the rows whose URL, type, MIME type or status holds
// every word of filter (any case), sorted by a column, and numbers them.
func filterRows(all []requestRow, filter, by string, desc bool) []requestRow {
	words := strings.Fields(strings.ToLower(filter))
	keep := make([]int, 0, len(all))
next:
	for i := range all {
		for _, w := range words {
			if !strings.Contains(all[i].hay, w) {
				continue next
			}
		}
		keep = append(keep, i)
	}
	// Indices are sorted, not the rows: moving a thousand structs of
	// strings costs the wasm more than comparing them.
	slices.SortStableFunc(keep, func(a, b int) int {
		c := compareBy(&all[a], &all[b], by)
		if desc {
			c = -c
		}
		return c
	})
	out := make([]requestRow, len(keep))
	for i, k := range keep {
		out[i] = all[k]
		out[i].Index = i
	}
	return out
}

func compareBy(a, b *requestRow, by string) int {
	switch by {
	case "url":
		return cmp.Or(cmp.Compare(a.Host, b.Host), cmp.Compare(a.Path, b.Path))
	case "type":
		return cmp.Compare(a.Type, b.Type)
	case "status":
		return cmp.Compare(a.Status, b.Status)
	case "size":
		return cmp.Compare(a.Bytes, b.Bytes)
	case "ttfb":
		return cmp.Compare(a.TTFBMs, b.TTFBMs)
	case "reads":
		return cmp.Compare(a.Reads, b.Reads)
	}
	return cmp.Compare(a.StartMs, b.StartMs)
}

// splitURL is a URL's host and the rest (path and query), as the list
// reads it; a path of this server has no host.
func splitURL(raw string) (host, rest string) {
	i := strings.Index(raw, "://")
	if i < 0 {
		return "", raw
	}
	host, rest = raw[i+3:], "/"
	if j := strings.IndexAny(host, "/?#"); j >= 0 {
		host, rest = host[:j], host[j:]
		if rest[0] != '/' {
			rest = "/" + rest
		}
	}
	if k := strings.LastIndexByte(host, '@'); k >= 0 {
		host = host[k+1:] // never a password in a list
	}
	return host, strings.SplitN(rest, "#", 2)[0]
}

// resourceType names what a response is, as a browser's network panel
// does: from its MIME type, else its path's extension.
func resourceType(mime, p string) string {
	m := strings.ToLower(mime)
	switch {
	case m == "text/html" || m == "application/xhtml+xml":
		return "document"
	case m == "text/css":
		return "stylesheet"
	case strings.Contains(m, "javascript") || strings.Contains(m, "ecmascript"):
		return "script"
	case strings.HasPrefix(m, "image/"):
		return "image"
	case strings.HasPrefix(m, "font/") || strings.Contains(m, "font"):
		return "font"
	case strings.Contains(m, "json"):
		return "json"
	case strings.HasPrefix(m, "video/") || strings.HasPrefix(m, "audio/"):
		return "media"
	case m == "application/wasm":
		return "wasm"
	case m == "text/event-stream":
		return "event-stream"
	case strings.HasPrefix(m, "text/"):
		return "text"
	case m != "":
		return "other"
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	switch strings.ToLower(path.Ext(p)) {
	case ".html", ".htm":
		return "document"
	case ".css":
		return "stylesheet"
	case ".js", ".mjs":
		return "script"
	case ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg", ".ico":
		return "image"
	case ".woff", ".woff2", ".ttf", ".otf":
		return "font"
	case ".json":
		return "json"
	}
	return "—"
}

// pageStartsOf is, for each run, its page's first request in ms since
// the epoch: a loaded file's runs are one page (its earliest entry), this
// page's own runs another (its earliest run); 0 when none of a page's runs
// says when it started.
func pageStartsOf(all []*record.Run) []float64 {
	_, starts := startsOf(all)
	return starts
}

// startsOf is each run's own start (0: unknown) and its page's first
// request (pageStartsOf), in ms since the epoch.
func startsOf(all []*record.Run) (at, starts []float64) {
	first := map[string]float64{}
	keys := make([]string, len(all))
	at = make([]float64, len(all))
	for i, r := range all {
		k := ""
		if r.Loaded != nil {
			k = r.Loaded.From + "\x00" + r.Loaded.At
		}
		keys[i] = k
		if t, ok := scene.StartEpochMs(r); ok {
			at[i] = t
			if first[k] == 0 || t < first[k] {
				first[k] = t
			}
		}
	}
	for k, t := range pageBegan {
		if f, ok := first[k]; ok && t < f {
			first[k] = t
		}
	}
	starts = make([]float64, len(all))
	for i, k := range keys {
		starts[i] = first[k]
	}
	return at, starts
}

// pageBegan is, for each loaded file (its Loaded.From and At), when its
// page load began, where the file says (keep.HARPageStart): its first
// request may be an entry that is not a run (UI goroutine only).
var pageBegan = map[string]float64{}

// pageStore is the page's stored runs, for the chart's page-time
// alignment (set once the page is mounted; UI goroutine only).
var pageStore *runner.Store

// pageStartCache is pageStarts' work, kept while no run is stored.
var pageStartCache struct {
	n  int
	at map[string]float64
}

// pageStarts is, for the lanes, each one's page's first request
// (scene.Options.PageStartMs), from every stored run of this page.
func pageStarts(lanes []*record.Run) []float64 {
	var all []*record.Run
	if pageStore != nil {
		all = pageStore.Runs()
	}
	if pageStartCache.at == nil || pageStartCache.n != len(all) {
		starts := pageStartsOf(all)
		at := make(map[string]float64, len(all))
		for i, r := range all {
			at[r.ID] = starts[i]
		}
		pageStartCache.n, pageStartCache.at = len(all), at
	}
	at := pageStartCache.at
	out := make([]float64, len(lanes))
	for i, r := range lanes {
		out[i] = at[r.ID]
		if out[i] == 0 { // a run not stored yet (being read): its own start
			out[i], _ = scene.StartEpochMs(r)
		}
	}
	return out
}

// choose draws a stored run as a lane (runner.Choose), and says what left.
func (p *Page) choose(id string) error {
	left, err := p.runs.Choose(id)
	if err != nil {
		return err
	}
	p.stopReplay()
	requestNote = ""
	if left != nil {
		requestNote = fmt.Sprintf("%s is drawn in place of %s: %d lanes are drawn at most, and %s had been drawn longest (it is still in the list).",
			laneName(id, p.runs.View), left.Label(), runner.MaxLanes, left.Label())
	}
	return nil
}

func laneName(id string, view []*record.Run) string {
	for _, r := range view {
		if r.ID == id {
			return r.Label()
		}
	}
	return id
}

// exposeRequests installs window.chunkscope.requests() (the rows the list
// holds after its filter and sort, every page of them), requestList()
// (its filter, sort, page and counts) and chooseRequest(which[, lane]): a
// Promise that draws a row as a lane (lane true, the default) or takes it
// out (false). which is a row's index in requests(), its id, its URL, or
// a part of its URL (the first row holding it); the Promise resolves to
// the sentence the list shows (what left the view, or "").
func (p *Page) exposeRequests(ctx app.Context) {
	pageStore = p.runs.Store()
	obj := app.Window().Get("chunkscope")
	if !obj.Truthy() {
		return // browser.Expose made it first
	}
	parse := func(v any) any {
		b, err := json.Marshal(v)
		if err != nil {
			return nil
		}
		// A js.Value: syscall/js cannot pass go-app's wrapper back to JS.
		return jsOut(app.Window().Get("JSON").Call("parse", string(b)))
	}
	obj.Set("requests", app.FuncOf(func(app.Value, []app.Value) any {
		rows := publishedList().rows
		if rows == nil {
			rows = []requestRow{}
		}
		return parse(rows)
	}))
	obj.Set("requestList", app.FuncOf(func(app.Value, []app.Value) any { return parse(publishedList()) }))
	obj.Set("chooseRequest", app.FuncOf(func(_ app.Value, args []app.Value) any {
		var which any
		lane := true
		if len(args) > 0 {
			switch args[0].Type() {
			case app.TypeNumber:
				which = args[0].Int()
			case app.TypeString:
				which = args[0].String()
			}
		}
		if len(args) > 1 && args[1].Type() == app.TypeBoolean {
			lane = args[1].Bool()
		}
		var exec app.Func
		exec = app.FuncOf(func(_ app.Value, pr []app.Value) any {
			resolve, reject := pr[0], pr[1]
			go func() {
				defer exec.Release()
				note, err := onUI(ctx, func() (string, error) {
					defer p.Update()
					return p.chooseRow(which, lane)
				})
				if err != nil {
					reject.Invoke(app.Window().Get("Error").New(err.Error()))
					return
				}
				resolve.Invoke(note)
			}()
			return nil
		})
		return jsOut(app.Window().Get("Promise").New(exec))
	}))
}

// chooseRow finds a row of the list and draws it or takes it out.
func (p *Page) chooseRow(which any, lane bool) (string, error) {
	rows := publishedList().rows
	id := ""
	switch w := which.(type) {
	case int:
		if w < 0 || w >= len(rows) {
			return "", fmt.Errorf("chooseRequest: row %d is not in the list (it holds %d rows).", w, len(rows))
		}
		id = rows[w].ID
	case string:
		for _, r := range rows {
			if r.ID == w || r.URL == w {
				id = r.ID
				break
			}
		}
		for _, r := range rows {
			if id == "" && w != "" && strings.Contains(r.URL, w) {
				id = r.ID
			}
		}
		if id == "" {
			return "", fmt.Errorf("chooseRequest: no row of the list has the id or URL %q.", keep.Clip(w, 80))
		}
	default:
		return "", errors.New("chooseRequest(which[, lane]): which is a row's index in requests(), its id or (a part of) its URL.")
	}
	if !lane {
		p.runs.Remove(id)
		return "", nil
	}
	if err := p.choose(id); err != nil {
		return "", err
	}
	return requestNote, nil
}
