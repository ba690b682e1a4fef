package ui

import (
	"slices"
	"strconv"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/record"
)

// table is the comparison table: one row per lane, the figures a person
// compares, right-aligned in tabular digits so a column can be scanned.
type table struct {
	app.Compo

	Ilanes   []lane
	Iversion int
}

func newTable() *table { return &table{} }

func (t *table) Lanes(l []lane) *table { t.Ilanes = l; return t }
func (t *table) Version(v int) *table  { t.Iversion = v; return t }

func (t *table) remove(id string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		ctx.NewActionWithValue(actionName, act{Op: opRemove, Arg: id})
	}
}

func (t *table) Render() app.UI {
	if len(t.Ilanes) == 0 {
		return app.Div().ID("comparison").Class("empty")
	}
	heads := []string{"run", "status", "framing", "TTFB", "total", "reads", "bytes", "largest burst", "sent→arrived", "server peak", "client peak", "verdict", ""}
	// In a box of its own that scrolls: a long name never widens the page.
	return app.Div().Class("table-box").Body(app.Table().ID("comparison").Class("comparison").Body(
		app.THead().Body(app.Tr().Body(
			app.Range(heads).Slice(func(i int) app.UI { return app.Th().Text(heads[i]) }),
		)),
		app.TBody().Body(
			app.Range(t.Ilanes).Slice(func(i int) app.UI {
				l := t.Ilanes[i]
				r := l.Run
				return app.Tr().Class(l.class()).DataSet("scenario", r.Scenario).DataSet("id", r.ID).Body(
					app.Td().Class(nameClass(r)).Title(r.Method+" "+r.URL).Body(
						app.Span().Class("clamp").Text(name(r)), // the cell's title has it whole
						app.If(r.Loaded != nil, app.Span().Class("loaded").Title(loadedNote(r)).Text("loaded · recorded "+recorded(r))),
					),
					app.Td().Class("num").Text(status(r)),
					app.Td().Text(framing(r)),
					app.Td().Class("num").Text(msOr(r.TTFBMs, len(r.Chunks) > 0 || r.Done && r.Status != 0)),
					app.Td().Class("num").Text(msOr(r.TotalMs, r.Done && r.Status != 0)),
					app.Td().Class("num").Text(strconv.Itoa(len(r.Chunks))),
					app.Td().Class("num").Text(record.Size(r.Bytes)),
					app.Td().Class("num").Title("the most bytes that arrived back to back ("+record.BurstRule+")").Text(largestBurst(r)),
					app.Td().Class("num").Title("median and worst delay of a read's first byte behind the server's write of it").Text(sendDelay(r)),
					app.Td().Class("num").Text(growth(r.ServerPeakGrowth, r.Done && len(r.ServerMem) > 0)),
					app.Td().Class("num").Text(growth(r.ClientPeakGrowth, r.Done && len(r.ClientMem) > 0)),
					app.Td().Class("verdict-kind").DataSet("kind", r.Verdict.Kind).Title(r.Verdict.Detail).Text(r.Verdict.Kind),
					app.Td().Body(app.Button().Class("remove").Text("×").Title("Remove this run from the view (runs() keeps it)").
						Disabled(!r.Done).OnClick(t.remove(r.ID))),
				)
			}),
		),
	))
}

// status is a run's status as the table and the card show it.
func status(r *record.Run) string {
	switch {
	case r.Status != 0:
		return strconv.Itoa(r.Status)
	case r.Error != "":
		return "failed"
	case r.Done:
		return "—"
	}
	return "waiting"
}

// framing is how the body was delimited, as far as the run can tell.
func framing(r *record.Run) string {
	switch {
	case r.Wire != nil && r.Wire.Framing != "":
		return r.Wire.Framing
	case r.Header("content-length") != "":
		return "content-length"
	case r.Header("transfer-encoding") != "":
		return r.Header("transfer-encoding")
	case r.Status != 0 && r.Done:
		return "none visible"
	}
	return "—"
}

func msOr(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return record.Ms(v)
}

func growth(n int64, ok bool) string {
	if !ok {
		return "—"
	}
	return record.Size(n)
}

// nameClass is the name cell's class: a hop's short label is never
// broken (a URL may be, anywhere).
func nameClass(r *record.Run) string {
	if r.Hop != "" {
		return "name hop"
	}
	return "name"
}

// name is what a row reads: the hop of a hop-by-hop comparison, the
// scenario, or the whole upstream URL.
func name(r *record.Run) string {
	if r.Hop != "" {
		return r.Hop
	}
	if r.Scenario == record.Upstream {
		return r.Params["url"]
	}
	return r.Scenario
}

// largestBurst is the most bytes that arrived as one burst (record.Bursts):
// how much a buffer on the way let go at once.
func largestBurst(r *record.Run) string {
	b := record.Bursts(r.Chunks)
	if len(b) == 0 {
		return "—"
	}
	return record.Size(slices.Max(b))
}

// sendDelay is the median and worst send→arrival delay, where the server
// logged its sends.
func sendDelay(r *record.Run) string {
	d := record.SendDelays(r)
	if len(d) == 0 && r.Done && len(r.Sent) == 0 && r.Scenario == record.Upstream && r.Status != 0 && r.ServerProblem == "" {
		// An upstream's writes are its own handler's, not this server's;
		// a tagged hop (our nginx) whose event stream failed says why in
		// its card instead.
		return "not ours to log"
	}
	if len(d) == 0 || !r.Done {
		return "—"
	}
	slices.Sort(d)
	return record.Ms(d[len(d)/2]) + " / " + record.Ms(d[len(d)-1])
}
