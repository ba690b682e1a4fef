package ui

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/keep"
	"chunkscope/app/record"
	"chunkscope/app/spec"
	"chunkscope/app/wire"
)

// card is one run's detail: its request, headers, timings, memory and
// verdict, all from its record. With more than two lanes the cards start
// folded: the comparison table is the overview then.
type card struct {
	app.Compo

	Ilane    lane
	Ifolded  bool
	Iversion int
	showJSON bool // the record's JSON is laid out
}

func newCard() *card { return &card{} }

func (c *card) Lane(l lane) *card   { c.Ilane = l; return c }
func (c *card) Folded(f bool) *card { c.Ifolded = f; return c }
func (c *card) Version(v int) *card { c.Iversion = v; return c }

// title is a run's heading: its scenario's title, or the upstream.
func title(r *record.Run) string {
	if r.Scenario == record.Upstream {
		return "Upstream " + r.Params["url"]
	}
	if sc, ok := spec.Lookup(r.Scenario); ok {
		return sc.Title
	}
	return r.Scenario
}

func (c *card) Render() app.UI {
	r := c.Ilane.Run
	header := func(name string) string {
		if v := r.Header(name); v != "" {
			return v
		}
		return "—"
	}
	rows := [][2]string{
		{"status", status(r)},
		{"Transfer-Encoding", header("transfer-encoding")},
		{"Content-Length", header("content-length")},
		{"Content-Type", header("content-type")},
		{"Content-Encoding", header("content-encoding")},
		{"headers after (fetch resolved)", msOr(r.HeadersMs, r.Status != 0)},
		{"first byte, network (browser's Resource Timing)", networkTTFB(r)},
		{"first byte, first read() (TTFB)", msOr(r.TTFBMs, len(r.Chunks) > 0 || r.Done && r.Status != 0)},
		{"total", msOr(r.TotalMs, r.Done && r.Status != 0)},
		{"reads", strconv.Itoa(len(r.Chunks))},
		{"bytes", record.Size(r.Bytes) + " (" + strconv.FormatInt(r.Bytes, 10) + ")"},
		{"read mode", r.ReadMode + "-read"},
		{"server peak heap growth", growth(r.ServerPeakGrowth, r.Done && len(r.ServerMem) > 0)},
		{"client peak heap growth", growth(r.ClientPeakGrowth, r.Done && len(r.ClientMem) > 0)},
		{"server clock offset", clock(r)},
		{"page memory (browser's estimate)", uaMemory(r)},
	}
	rows = append(rows, paceRows(r)...)
	if u := r.Upstream; u != nil {
		rows = append(rows, [2]string{"upstream (as it answered the hop)",
			fmt.Sprintf("%s %d %s, framing %s; the headers above are its own", u.Proto, u.Status, u.StatusText, u.Framing)})
	}
	if w := r.Wire; w != nil {
		units := "HTTP chunks"
		if w.Framing == wire.FramingH2 {
			units = "DATA frames" // HTTP/2 has no chunks
		}
		rows = append(rows,
			[2]string{"wire (raw probe)", fmt.Sprintf("%s %d, framing %s, %d %s, %s", w.Proto, w.Status, w.Framing, w.Chunks, units, record.Size(w.BodyBytes))},
			[2]string{"wire first byte / end", fmt.Sprintf("%s / %s", record.Ms(w.TTFBMs), record.Ms(w.TotalMs))},
		)
		if d := w.Dial; d != nil && d.TLSVersion != "" {
			rows = append(rows, [2]string{"wire connection (before its t = 0)", fmt.Sprintf("connect %s, %s handshake %s (ALPN %s, certificate %s)",
				record.Ms(d.ConnectMs), d.TLSVersion, record.Ms(d.TLSMs), cmpOr(d.ALPN, "none: HTTP/1.1"), d.Certificate)})
		}
		if len(w.Request) > 0 {
			rows = append(rows, [2]string{"wire request (the page's headers)", requestWords(w.Request)})
		}
		if len(w.Differs) > 0 {
			rows = append(rows, [2]string{"wire: another response", strings.Join(w.Differs, "; ") + " — its lane is not this response, and the verdict uses none of it"})
		}
		if w.Error != "" {
			rows = append(rows, [2]string{"wire error", w.Error})
		}
	}
	// Colors come from classes, not style attributes: the page's CSP allows
	// no inline style.
	return app.Details().Class("summary", c.Ilane.class()).DataSet("scenario", r.Scenario).Open(!c.Ifolded).Body(
		app.Summary().Body(
			app.H3().Class(clampLong(title(r))).Title(title(r)).Text(title(r)),
			app.P().Class("verdict").DataSet("kind", r.Verdict.Kind).Text(r.Verdict.Detail),
		),
		app.Code().Class("url").Text(r.Method+" "+r.URL+sourceNote(r)),
		app.If(r.Loaded != nil, app.P().Class("loaded").Text(loadedNote(r))), // loadedNote is nil-safe: If evaluates its arguments
		app.If(r.Done, app.Button().Class("save-run").Text("Save this run").Title("Download this run alone as a JSON file").
			OnClick(sendAct(opSaveRun, r.ID))),
		app.Table().Body(
			app.Range(rows).Slice(func(i int) app.UI {
				return app.Tr().Body(app.Th().Text(rows[i][0]), app.Td().Text(rows[i][1]))
			}),
		),
		app.If(stopNote(r) != "", app.P().Class("pace-note").Text(stopNote(r))),
		app.If(r.ServerProblem != "", app.P().Class("warning").Text("Server memory: "+r.ServerProblem)),
		app.If(r.Verdict.Layer != "", app.P().Class("layer").Text("Held by: "+r.Verdict.Layer)),
		app.If(len(r.Verdict.Evidence) > 0, app.Ul().Class("evidence").Body(
			app.Range(r.Verdict.Evidence).Slice(func(i int) app.UI { return app.Li().Text(r.Verdict.Evidence[i]) }),
		)),
		c.renderReproduce(r),
	)
}

// renderReproduce is a finished run's reproduction, folded: the commands
// that show the same outside the page, and the record for a bug report —
// laid out only when asked for, since a long run's record is megabytes of
// text. Plain Go conditions, not app.If: go-app v9's If evaluates its
// arguments, so the record was encoded at every render of every card (four
// times a second while a run is read, on the main thread it shares).
func (c *card) renderReproduce(r *record.Run) app.UI {
	if !r.Done {
		return nil
	}
	u := app.Window().URL()
	rp := reproduce(r, u.Scheme+"://"+u.Host)
	var rec app.UI = app.Button().Class("show-json").Text("Show the record (JSON)").OnClick(func(ctx app.Context, e app.Event) { c.showJSON = true })
	if c.showJSON {
		rec = app.Pre().Class("record-json").Text(recordJSON(r))
	}
	return app.Details().Class("reproduce").Body(
		app.Summary().Text("Reproduce: curl, chunkscope probe, the record"),
		app.Pre().Class("command").Text(rp.Curl),
		app.Pre().Class("command").Text(rp.Probe),
		rec,
	)
}

func uaMemory(r *record.Run) string {
	switch {
	case r.UAMemory == nil:
		return "—"
	case r.UAMemory.Error != "":
		return "failed: " + r.UAMemory.Error
	}
	return fmt.Sprintf("%s (resolved at %s)", record.Size(int64(r.UAMemory.Bytes)), record.Sec(r.UAMemory.T))
}

func sourceNote(r *record.Run) string {
	if r.Source == record.SourceWire && r.Wire != nil {
		return " — read by the server's raw probe in " + r.Wire.Proto + ": the browser cannot speak it here"
	}
	return ""
}

// clock states the clock estimate and its error: the two clocks are never
// pretended to be one.
func clock(r *record.Run) string {
	if !r.Done || len(r.ServerMem) == 0 {
		return "—"
	}
	return fmt.Sprintf("+%.2f ms ± %.2f ms (half a /clock round trip)", r.ClockOffsetMs, r.ClockErrorMs)
}

// networkTTFB is when the browser's network stack saw the response's first
// byte (Resource Timing's responseStart), ms since t = 0: what the wire
// saw, before the page's own reader had its turn.
func networkTTFB(r *record.Run) string {
	t := r.Timing
	if t == nil || t.ResponseStartMs <= 0 {
		return "—"
	}
	s := record.Ms(t.ResponseStartMs)
	if t.ThroughWorker() {
		s += " (through a service worker!)"
	}
	return s
}

// loadedNote says where a loaded run came from and when it was recorded.
func loadedNote(r *record.Run) string {
	if r.Loaded == nil {
		return ""
	}
	s := "Loaded from " + r.Loaded.From + " (" + r.Loaded.Format
	if r.Loaded.Tool != "" {
		s += ", written by " + r.Loaded.Tool
	}
	return s + "); recorded " + recorded(r)
}

// recorded is a run's recording date, as a person reads it; a run whose
// file gave no date (a curl trace) its local time of day, and says so.
func recorded(r *record.Run) string {
	if keep.NoDate(r) {
		return timeOfDay(r)
	}
	s := strings.Replace(r.StartedAt, "T", " ", 1)
	if len(s) > 19 {
		s = s[:19]
	}
	return s + " UTC"
}

// timeOfDay is when a run started, its time of day only: "14:03:07 UTC",
// or, for a run whose file gave no date (a curl trace), its local time
// and that there is no date.
func timeOfDay(r *record.Run) string {
	if len(r.StartedAt) < 19 {
		return "an unknown time"
	}
	if keep.NoDate(r) {
		return r.StartedAt[11:19] + " local, " + keep.NoDateWords
	}
	return r.StartedAt[11:19] + " UTC"
}

// requestWords lists the headers the wire probe sent as the page's, in
// name order: "Accept-Encoding: gzip, deflate, br, zstd; Cookie: …".
func requestWords(h map[string]string) string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		names[i] = name + ": " + h[name]
	}
	return strings.Join(names, "; ")
}
