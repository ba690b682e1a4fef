package keep

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"chunkscope/app/record"
	"chunkscope/app/scene"
	"chunkscope/app/wire"
)

// live are two finished runs as the runner makes them: a stream of three
// reads with memory on both sides, and a buffered one.
func live() []*record.Run {
	s := record.New(record.Plan{ID: "a", Scenario: "streaming", URL: "/csv/streaming?rows=3&run=a", Started: time.Date(2026, 11, 25, 13, 17, 25, 123e6, time.UTC)})
	s.Respond(200, map[string]string{"transfer-encoding": "chunked", "content-type": "text/csv"}, 40)
	s.Progress([]record.Chunk{{T: 50, N: 28}, {T: 150, N: 14}, {T: 2250, N: 14}},
		[]wire.Sample{{T: 0, Heap: 4 << 20, JSHeap: 9 << 20}, {T: 250, Heap: 5 << 20}},
		[]wire.Sample{{T: 1, Heap: 2 << 20, RSS: 30 << 20}, {T: 260, Heap: 3 << 20, RSS: 31 << 20}}, 2250)
	s.Finish(record.End{TotalMs: 2255})
	b := record.New(record.Plan{ID: "b", Scenario: "buffered", URL: "/csv/buffered?rows=3&run=b", Started: time.Date(2026, 11, 25, 13, 17, 28, 0, time.UTC)})
	b.Respond(200, map[string]string{"content-length": "56"}, 1000)
	b.Progress([]record.Chunk{{T: 1001, N: 56}}, nil, nil, 1001)
	b.Finish(record.End{TotalMs: 1002})
	return []*record.Run{s, b}
}

func encode(t *testing.T, runs []*record.Run) []byte {
	t.Helper()
	b, err := Encode(runs, View{Align: scene.AlignStart}, time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestASavedFileLoadsAsTheSameRecords: a session file, and a bare runs()
// array, decode to the records saved, which lay out to the same scene.
func TestASavedFileLoadsAsTheSameRecords(t *testing.T) {
	runs := live()
	bare, _ := json.Marshal(runs)
	for name, data := range map[string][]byte{"session": encode(t, runs), "runs() array": bare, "session with a byte order mark": append([]byte("\ufeff"), encode(t, runs)...)} {
		got, err := Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got.Runs, runs) {
			t.Errorf("%s: the loaded records differ from the saved ones", name)
		}
		o := scene.Options{Width: 900}
		if a, b := scene.Build(scene.Lanes(runs), o), scene.Build(scene.Lanes(got.Runs), o); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the loaded records draw another scene", name)
		}
	}
}

// session is a saved file with one thing changed by edit.
func session(t *testing.T, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(encode(t, live()), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func run0(m map[string]any) map[string]any { return m["runs"].([]any)[0].(map[string]any) }
func chunk(m map[string]any, i int) map[string]any {
	return run0(m)["chunks"].([]any)[i].(map[string]any)
}

// TestBadFilesAreRefusedWithOneSentence: every bad file of the issue is
// refused, with a sentence that says what is wrong.
func TestBadFilesAreRefusedWithOneSentence(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"broken JSON", []byte(`{"format": "chunkscope-session", "runs": [`), "This file is not valid JSON"},
		{"empty", []byte("  \n"), "This file is empty"},
		{"unknown version", session(t, func(m map[string]any) { m["version"] = 7 }), "This session file has version 7; this chunkscope reads version 1 only"},
		{"no version", session(t, func(m map[string]any) { delete(m, "version") }), "This session file has no version"},
		{"not ours", []byte(`{"name": "package.json", "version": "1.0.0"}`), "neither a chunkscope session"},
		{"not ours: a number", []byte(`42`), "neither a chunkscope session nor a HAR"},
		{"no start date", session(t, func(m map[string]any) { run0(m)["startedAt"] = "" }), `Run 1 (streaming) has startedAt "", not an RFC 3339 date.`},
		{"no runs", session(t, func(m map[string]any) { m["runs"] = []any{} }), "This file holds no runs"},
		{"negative time", session(t, func(m map[string]any) { chunk(m, 1)["t"] = -3 }), "Run 1 (streaming) has chunk 2's time -3.0 ms; times cannot be negative."},
		{"negative headers time", session(t, func(m map[string]any) { run0(m)["headersMs"] = -1 }), "has headersMs -1.0 ms; times cannot be negative"},
		{"non-finite time", []byte(strings.Replace(string(encode(t, live())), `"totalMs": 2255`, `"totalMs": 1e999`, 1)), "not a finite number"},
		{"chunks out of order", session(t, func(m map[string]any) { chunk(m, 2)["t"] = 100 }), "has chunk 3 at 100.0 ms before chunk 2 at 150.0 ms; chunks must be in time order"},
		{"bytes that do not add up", session(t, func(m map[string]any) { run0(m)["bytes"] = 99 }), "has chunks that add up to 56 bytes, but says it holds 99"},
		{"wrong type", session(t, func(m map[string]any) { run0(m)["chunks"] = "many" }), "it was not written by chunkscope"},
		{"unknown record version", session(t, func(m map[string]any) { run0(m)["version"] = 9 }), "has record version 9"},
		{"a HAR without entries", []byte(`{"log": {"version": "1.2", "entries": []}}`), "This HAR has no entries"},
		{"a DevTools HAR", []byte(`{"log": {"version": "1.2", "creator": {"name": "WebInspector"}, "entries": [{"startedDateTime": "2026-11-25T13:17:25.123Z", "request": {"method": "GET", "url": "http://x/"}, "response": {"status": 200}, "timings": {"wait": 5, "receive": 3}}]}}`),
			"This HAR has 1 entry and none can be drawn: Chrome DevTools' HAR export has no per-read timings (_chunks)"},
		{"a Firefox HAR", har(`{"name": "Firefox", "version": "133.0"}`), "none can be drawn: Firefox's HAR export has no per-read timings (_chunks)"},
		{"a WebPageTest 2.x HAR", har(`{"name": "WebPagetest", "version": "2.19"}`), "none can be drawn: WebPagetest 2.19 wrote no per-read timings (_chunks) in this HAR"},
		{"a mitmproxy HAR", har(`{"name": "mitmproxy", "version": "11.0.0"}`), "none can be drawn: mitmproxy 11.0.0's HAR has no per-read timings (_chunks)"},
		{"a HAR of no creator", har(`{}`), "this HAR (its creator unnamed) has no per-read timings (_chunks)"},
		{"a DevTools-protocol log", []byte(`[{"method": "Network.requestWillBeSent", "params": {"requestId": "1"}}, {"method": "Network.dataReceived", "params": {}}]`),
			"This file is a DevTools-protocol log (Network.requestWillBeSent events, as Puppeteer, chromedriver's performance log or Browsertime record them): convert it with chrome-har"},
		{"a chromedriver performance log", []byte(`[{"level": "INFO", "message": "{\"message\":{\"method\":\"Network.responseReceived\",\"params\":{}},\"webview\":\"x\"}", "timestamp": 1}]`),
			"This file is a DevTools-protocol log (Network.responseReceived events"},
		{"a Chrome performance trace", []byte(`{"traceEvents": [{"ph": "X", "ts": 1, "name": "x"}]}`), "This file is a Chrome performance trace"},
		{"a bare trace event list", []byte(`[{"ph": "X", "ts": 1, "cat": "devtools.timeline", "name": "x"}]`), "This file is a Chrome performance trace"},
		{"a pcap", []byte("\xd4\xc3\xb2\xa1\x02\x00\x04\x00"), "This file is a packet capture (pcap or pcapng)"},
		{"an HTML page", []byte("<!DOCTYPE html><html><body>hi</body></html>"), "This file is an HTML page, not a recording of a response"},
		{"a curl trace without times", []byte("== Info: Connected to x\n=> Send header, 3 bytes (0x3)\n0000: GET\n"), "record it again with --trace-time"},
		{"a NetLog of nothing", []byte(`{"constants": {"logEventTypes": {"REQUEST_ALIVE": 1}, "logSourceType": {"URL_REQUEST": 1}, "logEventPhase": {"PHASE_BEGIN": 1, "PHASE_END": 2}}, "events": []}`),
			"This Chrome NetLog has nothing to draw: it holds no URL request that got a response."},
		{"a NetLog cut in its constants", []byte(`{"constants": {"logEventTypes": {"REQUEST_ALIVE": 1}, "logSourceT`), "This Chrome NetLog's constants cannot be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(tc.data)
			if err == nil {
				t.Fatalf("Decode accepted it (%d runs); want %q", len(got.Runs), tc.want)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.want) || strings.Count(strings.TrimSuffix(msg, "."), ". ") > 1 {
				t.Errorf("got %q; want one sentence containing %q", msg, tc.want)
			}
		})
	}
}

// TestFilesOverMaxBytesAreRefusedUnread: the size alone refuses a file,
// with the size and the limit; a text measured in UTF-16 units is "at
// least" that big.
func TestFilesOverMaxBytesAreRefusedUnread(t *testing.T) {
	if _, err := Decode(make([]byte, MaxBytes+1)); err == nil || err.Error() != "This file is 134,217,729 bytes; chunkscope loads files of at most 128 MiB (134,217,728 bytes)." {
		t.Errorf("a file of 128 MiB + 1 byte: %v; want refused for its size, in bytes", err)
	}
	for _, tc := range []struct {
		size    int
		atLeast bool
		want    string
	}{
		{243 << 20, false, "This file is 243.0 MiB; chunkscope loads files of at most 128 MiB."},
		{243 << 20, true, "This file is at least 243.0 MiB; chunkscope loads files of at most 128 MiB."},
		{257 << 20, false, "This file is 257.0 MiB; chunkscope loads files of at most 128 MiB."},
	} {
		if got := TooBig(tc.size, tc.atLeast).Error(); got != tc.want {
			t.Errorf("TooBig(%d, %v) = %q; want %q", tc.size, tc.atLeast, got, tc.want)
		}
	}
}

// many is n copies of item, comma-separated.
func many(item string, n int) string {
	var b strings.Builder
	b.Grow(n * (len(item) + 1))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(item)
	}
	return b.String()
}

// members is n members "k0": "", "k1": "", … of an object.
func members(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k` + strconv.Itoa(i) + `":""`)
	}
	return b.String()
}

// TestEveryArrayIsCountedBeforeDecoding: a file within MaxBytes that holds
// more of anything than its limit (empty elements, the cheapest there are)
// is refused with a sentence naming the count and the limit, having
// allocated next to nothing: before, the 243 MiB session of 1 chunk and 85
// million empty serverMem samples was decoded into 4 GB and killed the
// page, and a HAR of a million empty entries made a million skipped
// entries.
func TestEveryArrayIsCountedBeforeDecoding(t *testing.T) {
	run := func(fields string) string {
		return `{"format":"chunkscope-session","version":1,"runs":[{"version":1,"id":"x","startedAt":"2026-11-25T13:17:25Z","bytes":1,"chunks":[{"t":1,"n":1}]` + fields + `}]}`
	}
	entry := `{"startedDateTime":"2026-11-25T13:17:25Z","request":{"url":"http://x/"}}`
	for _, tc := range []struct{ name, text, want string }{
		{"runs of a bare runs() array", `[` + many(`{}`, MaxRuns+1) + `]`, "This file holds 10,001 runs; chunkscope loads at most 10,000."},
		{"runs of a session", `{"format":"chunkscope-session","version":1,"runs":[` + many(`{}`, MaxRuns+1) + `]}`, "This file holds 10,001 runs; chunkscope loads at most 10,000."},
		{"HAR entries: a million empty ones", `{"log":{"version":"1.2","entries":[` + many(`{}`, 1_000_000) + `]}}`, "This file holds 1,000,000 HAR entries; chunkscope loads at most 10,000."},
		{"HAR entries", `{"log":{"version":"1.2","entries":[` + many(entry, MaxEntries+1) + `]}}`, "This file holds 10,001 HAR entries; chunkscope loads at most 10,000."},
		{"HAR pages", `{"log":{"version":"1.2","pages":[` + many(`{}`, MaxPages+1) + `],"entries":[` + entry + `]}}`, "This file holds 10,001 HAR pages; chunkscope loads at most 10,000."},
		{"chunks", `[{"version":1,"id":"x","chunks":[` + many(`{}`, MaxChunks+1) + `]}]`, "This file holds 1,000,001 chunks; chunkscope loads at most 1,000,000."},
		{"HAR _chunks", `{"log":{"entries":[{"startedDateTime":"2026-11-25T13:17:25Z","_chunks":[` + many(`{}`, MaxChunks+1) + `]}]}}`, "This file holds 1,000,001 chunks; chunkscope loads at most 1,000,000."},
		{"serverMem: the issue's file, within MaxBytes", run(`,"serverMem":[` + many(`{}`, MaxSamples+1) + `]`), "This file holds 1,000,001 memory samples (serverMem, clientMem); chunkscope loads at most 1,000,000."},
		{"serverMem and clientMem together", run(`,"serverMem":[` + many(`{}`, MaxSamples/2) + `],"clientMem":[` + many(`{}`, MaxSamples/2+1) + `]`), "This file holds 1,000,001 memory samples"},
		{"serverMem spelled otherwise", run(`,"SERVERMEM":[` + many(`{}`, MaxSamples+1) + `]`), "This file holds 1,000,001 memory samples"},
		{"send log", run(`,"sent":[` + many(`{}`, MaxSends+1) + `]`), "This file holds 2,000,001 writes in send logs (sent); chunkscope loads at most 2,000,000."},
		{"wire events", run(`,"wire":{"events":[` + many(`{}`, MaxWireEvents+1) + `]}`), "This file holds 1,000,001 wire events; chunkscope loads at most 1,000,000."},
		{"headers", run(`,"headers":{` + members(MaxFields+1) + `}`), "This file holds 1,000,001 header fields, cookies and parameters; chunkscope loads at most 1,000,000."},
		{"HAR cookies", `{"log":{"entries":[{"request":{"cookies":[` + many(`{}`, MaxFields+1) + `]}}]}}`, "This file holds 1,000,001 header fields, cookies and parameters"},
		{"verdict evidence", run(`,"verdict":{"evidence":[` + many(`""`, MaxEvidence+1) + `]}`), "This file holds 100,001 lines of verdict evidence; chunkscope loads at most 100,000."},
		{"nesting", run(`,"x":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)), "This file nests arrays and objects more than 1,000 levels deep; chunkscope reads at most 1,000."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.text) > MaxBytes {
				t.Fatalf("the file is %d bytes: over MaxBytes, it would not reach the counts", len(tc.text))
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Decode([]byte(tc.text))
			runtime.ReadMemStats(&after)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("got %v; want %q", err, tc.want)
			}
			if got := after.TotalAlloc - before.TotalAlloc - uint64(len(tc.text)); got > 1<<20 { // but the text's copy
				t.Errorf("refusing a %s file allocated %s; want next to nothing", record.Size(int64(len(tc.text))), record.Size(int64(got)))
			}
		})
	}
}

// TestLimitsCountEveryListADecoderBuilds: every slice and map of the types
// a session file and a HAR decode into is counted by one of Limits, so a
// field added to the record cannot slip past the counts.
func TestLimitsCountEveryListADecoderBuilds(t *testing.T) {
	counted := func(name string) bool {
		for _, l := range Limits {
			for _, n := range l.Names {
				if strings.EqualFold(n, name) {
					return true
				}
			}
		}
		return false
	}
	seen := map[reflect.Type]bool{}
	var walk func(typ reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || seen[typ] {
			return
		}
		seen[typ] = true
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch {
			case ft == reflect.TypeOf(json.RawMessage{}):
			case ft.Kind() == reflect.Slice || ft.Kind() == reflect.Map:
				if !counted(name) {
					t.Errorf("%s.%s (%s) is decoded from a file but no limit counts it", path, name, ft)
				}
				walk(ft.Elem(), path+"."+name+"[]")
			default:
				walk(ft, path+"."+name)
			}
		}
	}
	walk(reflect.TypeOf(File{}), "session")
	walk(reflect.TypeOf(harFile{}), "har")
	if len(seen) < 10 {
		t.Errorf("walked %d types; the walk is broken", len(seen))
	}
}

// TestHARRoundTripKeepsTheRecords: our HAR carries the whole record
// (_chunkscope), and its _chunks put every read at its time on the page.
func TestHARRoundTripKeepsTheRecords(t *testing.T) {
	runs := live()
	data, err := HAR(runs, "http://127.0.0.1:8000", "test")
	if err != nil {
		t.Fatal(err)
	}
	var h harFile
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	if h.Log.Version != "1.2" || len(h.Log.Entries) != 2 || len(h.Log.Pages) != 1 {
		t.Fatalf("log %s with %d entries, %d pages; want 1.2, 2, 1", h.Log.Version, len(h.Log.Entries), len(h.Log.Pages))
	}
	e := h.Log.Entries[1] // buffered started 2.877 s after the page
	if e.Timings.Wait != 1001 || e.Timings.Receive != 1 || e.Request.URL != "http://127.0.0.1:8000/csv/buffered?rows=3&run=b" {
		t.Errorf("entry: wait %v receive %v url %s; want 1001, 1, the absolute URL", e.Timings.Wait, e.Timings.Receive, e.Request.URL)
	}
	if got := e.Chunks[0]; math.Abs(got.Ts-(2877+1001)) > 1e-6 || got.Bytes != 56 {
		t.Errorf("_chunks[0] = %+v; want ts 3878 (ms from the page's start), 56 bytes", got)
	}
	back, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if back.Kind != "har" || !reflect.DeepEqual(back.Runs, runs) {
		t.Errorf("the records from our HAR differ from the saved ones")
	}
}

// TestHARFromOtherToolsDrawsTheirChunks: a HAR written as chrome-har writes
// one (testdata/chrome-har.har, by hand from its source: _chunks ts in ms
// from the page's start) gives one lane per entry with chunks, each read at
// ts minus the entry's own start; entries without chunks are listed with
// the reason; an entry without a body (the 304) is a lane with no body.
func TestHARFromOtherToolsDrawsTheirChunks(t *testing.T) {
	data, err := os.ReadFile("../../e2e/testdata/chrome-har.har")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Runs) != 3 || len(got.Skipped) != 0 {
		t.Fatalf("%d runs, skipped %+v; want 3 (the 304 a lane with no body), none skipped", len(got.Runs), got.Skipped)
	}
	if r := got.Runs[2]; r.Status != 304 || len(r.Chunks) != 0 || r.Verdict.Kind != record.KindNoBody || r.HeadersMs != 19.2 || r.Hop != "" {
		t.Errorf("the 304: status %d, %d reads, verdict %s, headers %v ms, hop %q; want 304, none, no-body, 19.2 (send + wait), no label of its own", r.Status, len(r.Chunks), r.Verdict.Kind, r.HeadersMs, r.Hop)
	}
	r := got.Runs[1] // starts 500 ms after the page; chunks at ts 700, 1700, 2700
	var times []float64
	for _, c := range r.Chunks {
		times = append(times, c.T)
	}
	if !reflect.DeepEqual(times, []float64{200, 1200, 2200}) || r.Bytes != 3000 || r.TTFBMs != 200 {
		t.Errorf("chunks at %v, %d bytes, ttfb %v; want [200 1200 2200], 3000, 200", times, r.Bytes, r.TTFBMs)
	}
	if r.Verdict.Kind != record.KindStreamed || r.HeadersMs != 150 || r.Label() != "example.test/stream" {
		t.Errorf("verdict %s, headers %v, label %q; want streamed, 150 (blocked+dns+connect+send+wait), example.test/stream", r.Verdict.Kind, r.HeadersMs, r.Label())
	}
	if r.Loaded == nil || r.Loaded.Tool != "chrome-har 0.13.2" {
		t.Errorf("loaded %+v; want it marked as from chrome-har", r.Loaded)
	}
}

// TestSVGIsTheSceneAsXML: valid XML, one lane label per run, the page's
// fonts and the lanes' colors, twice the size at 2×.
func TestSVGIsTheSceneAsXML(t *testing.T) {
	sc := scene.Build(scene.Lanes(live()), scene.Options{Width: 900})
	sc.Prims = append(sc.Prims, scene.Prim{Kind: scene.Text, Text: `a <b> & "c"` + "\x01", Pts: []float64{1, 1}})
	for _, scale := range []float64{1, 2} {
		svg := SVG(sc, scale)
		d := xml.NewDecoder(strings.NewReader(svg))
		var lanes []string
		var width string
		for {
			tok, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("scale %v: not XML: %v", scale, err)
			}
			if se, ok := tok.(xml.StartElement); ok {
				at := map[string]string{}
				for _, a := range se.Attr {
					at[a.Name.Local] = a.Value
				}
				if se.Name.Local == "svg" {
					width = at["width"]
				}
				if se.Name.Local == "text" && at["font-weight"] == "bold" && at["text-anchor"] == "end" {
					lanes = append(lanes, at["fill"])
				}
			}
		}
		want := []string{scene.Palette[scene.Blue], scene.Palette[scene.Orange]}
		if !reflect.DeepEqual(lanes, want) {
			t.Errorf("scale %v: lane labels colored %v; want %v", scale, lanes, want)
		}
		if width != num(sc.W*scale) {
			t.Errorf("scale %v: width %s; want %s", scale, width, num(sc.W*scale))
		}
		if !strings.Contains(svg, `font-family="system-ui, sans-serif"`) {
			t.Errorf("no font named")
		}
	}
}

// TestReplayEndsOnTheLiveScene: a replay at its end is the records
// themselves; at any time before, each run is what the live run had.
func TestReplayEndsOnTheLiveScene(t *testing.T) {
	runs := live()
	runs[0].Sent = []wire.Send{{T: 45, N: 28, FlushMs: 45.1}, {T: 1100, N: 14, FlushMs: 1100.1}}
	p := NewReplay(runs, 0)
	o := scene.Options{Width: 900}
	if end := p.At(p.End()); !reflect.DeepEqual(scene.Build(scene.Lanes(end), o), scene.Build(scene.Lanes(runs), o)) {
		t.Errorf("the replay's last frame differs from the live scene")
	}
	mid := p.At(1000)
	if s := mid[0]; len(s.Chunks) != 2 || s.Bytes != 42 || s.Done || s.Verdict.Kind != record.KindRunning || s.EndMs != 1000 {
		t.Errorf("streaming at 1 s: %d chunks, %d bytes, done %v, %s, end %v; want 2, 42, running at 1000", len(s.Chunks), s.Bytes, s.Done, s.Verdict.Kind, s.EndMs)
	}
	if s := mid[0]; len(s.Sent) != 1 {
		t.Errorf("streaming at 1 s: %d writes in its sent lane; want the 1 made by then", len(s.Sent))
	}
	if b := mid[1]; b.Status != 200 || len(b.Chunks) != 0 {
		t.Errorf("buffered at 1 s: status %d, %d chunks; want its headers, no body yet", b.Status, len(b.Chunks))
	}
	if b := p.At(999)[1]; b.Status != 0 {
		t.Errorf("buffered at 999 ms has status %d; its headers came at 1000", b.Status)
	}
}

// TestSteppingRevealsOneReadAtATime: as many steps as reads, in time
// order across the runs.
func TestSteppingRevealsOneReadAtATime(t *testing.T) {
	p := NewReplay(live(), 0)
	if p.Reads() != 4 {
		t.Fatalf("%d reads; want 4", p.Reads())
	}
	wantT := []float64{0, 50, 150, 1001, 2250}
	for k := 0; k <= p.Reads(); k++ {
		runs, at := p.AtStep(k)
		n := len(runs[0].Chunks) + len(runs[1].Chunks)
		if n != k || at != wantT[k] {
			t.Errorf("step %d: %d reads shown at %v; want %d at %v", k, n, at, k, wantT[k])
		}
	}
}

// TestGapsAreShortenedInReplayTimeOnly: a 2 s wait costs the threshold in
// replay time; the records' times are untouched.
func TestGapsAreShortenedInReplayTimeOnly(t *testing.T) {
	p := NewReplay(live()[:1], 500) // events 0, 40, 50, 150, 2250, 2255
	if len(p.Gaps()) != 1 || p.Gaps()[0] != (Gap{150, 2250}) {
		t.Fatalf("gaps %v; want [150 2250]", p.Gaps())
	}
	if d := p.Duration(); d != 2255-2100+500 {
		t.Errorf("duration %v; want %v", d, 2255-2100+500)
	}
	for _, tc := range []struct{ run, replay float64 }{{0, 0}, {150, 150}, {1200, 400}, {2250, 650}, {2255, 655}} {
		if got := p.ReplayTime(tc.run); math.Abs(got-tc.replay) > 1e-9 {
			t.Errorf("ReplayTime(%v) = %v; want %v", tc.run, got, tc.replay)
		}
		if got := p.RunTime(tc.replay); math.Abs(got-tc.run) > 1e-9 {
			t.Errorf("RunTime(%v) = %v; want %v", tc.replay, got, tc.run)
		}
	}
	sc := scene.Build(scene.Lanes(live()[:1]), scene.Options{Width: 900})
	n := len(sc.Prims)
	Notes(&sc, 0.1, p.Gaps())
	var speed bool
	for _, pr := range sc.Prims[n:] {
		speed = speed || pr.Text == "×0.1 replay"
	}
	if !speed || len(sc.Prims) != n+4 {
		t.Errorf("notes: %d primitives, speed shown %v; want the speed, two strokes and a label", len(sc.Prims)-n, speed)
	}
}

// FuzzDecode: no file makes the decoder panic, and what it accepts has
// sane times and byte counts.
func FuzzDecode(f *testing.F) {
	runs := live()
	s, _ := Encode(runs, View{Align: "start"}, time.Unix(0, 0))
	h, _ := HAR(runs, "http://x", "fuzz")
	bare, _ := json.Marshal(runs)
	for _, seed := range [][]byte{s, h, bare, []byte(`{"log":{"entries":[{"startedDateTime":"2026-01-01T00:00:00Z","_chunks":[{"ts":1,"bytes":2}]}]}}`), []byte("[]"), []byte(`{"format":"chunkscope-session","version":1,"runs":[null]}`)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode(data)
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("refused without a sentence")
			}
			return
		}
		if len(got.Runs) == 0 {
			t.Fatal("accepted a file with no runs")
		}
		for _, r := range got.Runs {
			var sum int64
			prev := 0.0
			for _, c := range r.Chunks {
				if c.T < prev || math.IsNaN(c.T) || c.N < 0 {
					t.Fatalf("accepted chunk %+v after %v", c, prev)
				}
				prev = c.T
				sum += int64(c.N)
			}
			if sum != r.Bytes {
				t.Fatalf("accepted bytes %d for chunks of %d", r.Bytes, sum)
			}
			scene.Build(scene.Lanes([]*record.Run{r}), scene.Options{Width: 300})
		}
	})
}

// TestKeepJSReadsNoFileOverMaxBytes: web/keep.js, which reads a picked or
// dropped file, holds the same limit (the explorer sets it from Go; /talk
// reads files with the script's own).
func TestKeepJSReadsNoFileOverMaxBytes(t *testing.T) {
	js, err := os.ReadFile("../../web/keep.js")
	if err != nil {
		t.Fatal(err)
	}
	want := "maxBytes: " + strconv.Itoa(MaxBytes>>20) + " * 1024 * 1024"
	if !strings.Contains(string(js), want) {
		t.Errorf("web/keep.js has no %q: its limit differs from MaxBytes (%d)", want, MaxBytes)
	}
}

// TestHARExportSaysWhatHappened: an exported entry starts when its request
// left (t0EpochMs), not when the run was planned (startedAt), so runs read
// one after the other stay so in a HAR viewer; its timings split the time
// as the browser's Resource Timing did (wait is the network's first byte,
// not the first read); its protocol is the one the browser used, and a
// chunkscope response's reason phrase is Go's.
func TestHARExportSaysWhatHappened(t *testing.T) {
	planned := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	first := record.New(record.Plan{ID: "a", Scenario: "streaming", URL: "/csv/streaming", Started: planned})
	first.Respond(200, map[string]string{"transfer-encoding": "chunked"}, 40)
	first.Progress([]record.Chunk{{T: 60, N: 10}}, nil, nil, 60)
	first.Finish(record.End{TotalMs: 100, T0EpochMs: float64(planned.Add(180*time.Millisecond).UnixMicro()) / 1000,
		Timing: &record.ResourceTiming{StartMs: 0.5, ConnectStartMs: 1, ConnectEndMs: 1.5, RequestStartMs: 2, ResponseStartMs: 45, ResponseEndMs: 99, Protocol: "http/1.1"}})
	second := record.New(record.Plan{ID: "b", Scenario: "streaming", URL: "/csv/streaming", Started: planned}) // planned together, as a comparison plans its lanes
	second.Respond(200, nil, 5)
	second.Progress([]record.Chunk{{T: 5, N: 10}}, nil, nil, 5)
	second.Finish(record.End{TotalMs: 10, T0EpochMs: float64(planned.Add(2*time.Second).UnixMicro()) / 1000})
	data, err := HAR([]*record.Run{first, second}, "http://127.0.0.1:8000", "test")
	if err != nil {
		t.Fatal(err)
	}
	var h harFile
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	a, b := h.Log.Entries[0], h.Log.Entries[1]
	if a.StartedDateTime != "2026-12-06T10:00:00.18Z" || b.StartedDateTime != "2026-12-06T10:00:02Z" {
		t.Errorf("startedDateTime %s and %s; want when each request left: 10:00:00.18 and 10:00:02", a.StartedDateTime, b.StartedDateTime)
	}
	if got := h.Log.Pages[0].StartedDateTime; got != "2026-12-06T10:00:00.18Z" {
		t.Errorf("page started %s; want the first request's departure", got)
	}
	want := harTimings{Blocked: 1, DNS: -1, Connect: 0.5, SSL: -1, Send: 0, Wait: 43, Receive: 55}
	if a.Timings != want || a.Time != 99.5 {
		t.Errorf("timings %+v, time %v; want %+v, 99.5 (from Resource Timing)", a.Timings, a.Time, want)
	}
	if b.Timings.Wait != 5 || b.Timings.Connect != -1 {
		t.Errorf("without Resource Timing: %+v; want wait = the first read, connect -1", b.Timings)
	}
	if a.Response.HTTPVersion != "HTTP/1.1" || a.Response.StatusText != "OK" {
		t.Errorf("response %s %q; want HTTP/1.1 (nextHopProtocol) and OK", a.Response.HTTPVersion, a.Response.StatusText)
	}
	if b.Response.HTTPVersion != "unknown" {
		t.Errorf("without Resource Timing: %s; want unknown", b.Response.HTTPVersion)
	}
}

// har is a one-entry HAR without _chunks by the given creator.
func har(creator string) []byte {
	return []byte(`{"log": {"version": "1.2", "creator": ` + creator + `, "entries": [{"startedDateTime": "2026-11-25T13:17:25.123Z", "request": {"method": "GET", "url": "http://x/"}, "response": {"status": 200, "content": {"size": 10}}, "timings": {"wait": 5, "receive": 3}}]}}`)
}

// TestHARSaysWhatEachWriterMeans: WebPageTest's _chunks count bytes as
// they came (encoded) from when the request was sent (after DNS, connect
// and TLS); chrome-har's count decoded bytes from the request's start. A
// WebPageTest lane says so in its label and its headers come send + wait
// after its start; a chrome-har lane is labelled by its URL alone. An
// entry with a body but no _chunks in a file that has them is listed with
// its reason, and a redirect is a lane with no body.
func TestHARSaysWhatEachWriterMeans(t *testing.T) {
	entry := func(url string, status int, size int64, chunks string) string {
		return `{"startedDateTime": "2026-11-25T10:00:00.100Z", "pageref": "page_1", "time": 400,
			"request": {"method": "GET", "url": "` + url + `"},
			"response": {"status": ` + strconv.Itoa(status) + `, "redirectURL": "", "content": {"size": ` + strconv.FormatInt(size, 10) + `}, "bodySize": ` + strconv.FormatInt(size, 10) + `,
				"headers": [{"name": "Content-Encoding", "value": "gzip"}]},
			"timings": {"blocked": 5, "dns": 10, "connect": 20, "ssl": 15, "send": 1, "wait": 50, "receive": 300}` + chunks + `}`
	}
	file := func(creator string) []byte {
		return []byte(`{"log": {"version": "1.2", "creator": ` + creator + `,
			"pages": [{"id": "page_1", "startedDateTime": "2026-11-25T10:00:00.000Z", "title": "t", "pageTimings": {}}],
			"entries": [` + entry("https://example.test/big.js", 200, 5000, `, "_chunks": [{"ts": 200, "bytes": 1000}, {"ts": 400, "bytes": 700}]`) + `,
				` + entry("https://example.test/old", 301, 0, "") + `,
				` + entry("https://example.test/lost.css", 200, 900, "") + `]}}`)
	}
	for _, tc := range []struct {
		name, creator, label, tool string
		headers                    float64
	}{
		{"WebPageTest", `{"name": "WebPagetest", "version": "21.07"}`, "example.test/big.js · encoded bytes", "encoded", 51},
		{"chrome-har", `{"name": "chrome-har", "version": "1.3.1"}`, "example.test/big.js", "", 86},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := Decode(file(tc.creator))
			if err != nil {
				t.Fatal(err)
			}
			if len(l.Runs) != 2 || len(l.Skipped) != 1 || !strings.Contains(l.Skipped[0].Reason, "no _chunks, though its response has a body (900 bytes)") {
				t.Fatalf("%d runs, skipped %+v; want the entry and the redirect, and lost.css listed with its reason", len(l.Runs), l.Skipped)
			}
			r := l.Runs[0]
			if r.Label() != tc.label || r.HeadersMs != tc.headers || r.Bytes != 1700 {
				t.Errorf("label %q, headers %v ms, %d bytes; want %q, %v, 1700", r.Label(), r.HeadersMs, r.Bytes, tc.label, tc.headers)
			}
			if tc.tool != "" && !strings.Contains(r.Loaded.Tool, tc.tool) {
				t.Errorf("tool %q; want it to say %q", r.Loaded.Tool, tc.tool)
			}
			if red := l.Runs[1]; red.Status != 301 || len(red.Chunks) != 0 || red.Verdict.Kind != record.KindNoBody {
				t.Errorf("redirect: status %d, %d reads, verdict %s; want 301, none, no-body", red.Status, len(red.Chunks), red.Verdict.Kind)
			}
		})
	}
}
