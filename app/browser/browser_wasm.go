//go:build js && wasm

package browser

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"syscall/js"
	"time"
	"unsafe"

	"chunkscope/app/record"
	"chunkscope/app/scene"
	"chunkscope/app/spec"
	"chunkscope/app/wire"
)

// batchEvery is how often the reader takes the pieces the JavaScript pump
// stamped: about once per frame, which is as often as anyone can see them.
const batchEvery = 16 * time.Millisecond

// quietFor is how long after t = 0 the page leaves the main thread to the
// request: Go waits on one promise (Pump.quiet in web/chunkscope.js) rather
// than taking batches, the pump's worker posts no stamps, and the server's
// event stream sends nothing (eventsEvery). The page draws nothing that
// early anyway (app/runner drawEvery); a fast body is read whole inside
// it. Measured with the rest of that change (/events every=, the UA
// measurement awaited): a 16 MiB read's main thread went from 7–11 to
// 4 ms of CPU inside [t0, end] (make bench, CPU table; README "Fidelity").
const quietFor = 100 * time.Millisecond

// eventsEvery is how often the server's event stream of a run may send
// (its every=): samples are still taken every 10 ms, and come in batches.
// Each delivery is a task on the main thread the body's reads share, and
// the page draws every 100 ms; the first comes no sooner than eventsEvery
// after the request arrived, so none lands in the quiet window.
const eventsEvery = quietFor

// clientEvery is how often the page samples its own memory while a body is
// read (and once at the end). runtime.ReadMemStats and performance.memory
// cost the main thread 1–9 ms a sample here, at every batch that was a
// core's worth of the measured interval on a 2-core machine; the chart
// shows memory at 100 ms steps anyway.
const clientEvery = 50 * time.Millisecond

// maxErrorBody bounds what is kept of a non-2xx body.
const maxErrorBody = 512

// settleWait bounds the wait for the page's own start-up (chunkscopeLib.settle)
// before a run's request: the document's load, go-app's service worker
// installing on a first visit, its first render.
const settleWait = 5 * time.Second

// Read fetches req.URL and reads its body to the end with the pump from
// web/chunkscope.js, reporting progress about once per frame. Cancelling
// ctx aborts the request. t = 0 is performance.now() just before the pump
// called fetch(); every stamp, the Resource Timing entry's included, is ms
// since then.
//
// Nothing of the page's own runs inside the measured interval: Read first
// waits for the page's start-up to end (settle), opens the server's event
// stream and times the /clock round trips, collects the Go heap, and only
// then has the pump send the request. The pump owns the hot path (fetch,
// its resolution, the first read() in flight); Go learns of the response by
// polling, once per frame, as it takes the batches.
func Read(ctx context.Context, req Request, p Progress) (Result, error) {
	lib := js.Global().Get("chunkscopeLib")
	if lib.IsUndefined() {
		return Result{}, errors.New("web/chunkscope.js is not loaded")
	}
	perf := js.Global().Get("performance")
	now := func() float64 { return perf.Call("now").Float() }
	var res Result

	awaitFor(lib.Call("settle", settleWait.Milliseconds()), settleWait+time.Second)
	// The page's pump worker, started with the page (or now, outside the
	// measured interval).
	pump, err := await(lib.Get("Pump").Call("open"))
	if err != nil {
		return res, err
	}
	defer pump.Call("close")
	stop := context.AfterFunc(ctx, func() { pump.Call("abort") })
	defer stop()
	// Each run starts from a collected heap: otherwise what an earlier run
	// left (a buffered body, say) raises the GC's goal, garbage piles up
	// under it, and this run's growth would be the last one's. It comes
	// before the event stream and the /clock round trips, so that what it
	// sets off (the JavaScript values it lets go of) is over before t = 0.
	runtime.GC()
	var events js.Value
	if req.RunID != "" {
		events = lib.Get("EventStream").New("/events?run="+req.RunID+"&batch=1&every="+eventsEvery.String(), "sample", true, "the server's event stream closed")
		defer events.Call("close")
		awaitFor(events.Get("opened"), 2*time.Second)
		var ok bool
		if res.ClockOffsetMs, res.ClockErrorMs, ok = estimateOffset(now); !ok {
			res.ServerProblem = "no /clock round trip succeeded: server times are unshifted, their offset unknown"
		}
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("stopped: %w", ctx.Err())
	}

	baseline := clientSample(lib, 0) // before fetch: what the run grows from
	header := map[string]any{}
	for k, v := range req.Header {
		header[k] = v
	}
	opts := map[string]any{"cache": "no-store", "method": cmp.Or(req.Method, "GET"), "headers": header}
	if p.OnStart != nil {
		p.OnStart()
	}
	pump.Call("start", req.URL, opts, req.Keep, paceJS(req.Pace), quietFor.Milliseconds())
	p.OnBatch(Batch{Client: []wire.Sample{baseline}})
	// The quiet window: Go waits on one promise, settled early by the end
	// of the body, and does nothing on the main thread the reads might need.
	awaitFor(pump.Call("quiet"), time.Second)

	// The response: the pump stamped it; Go hears of it at the next frame.
	for !pump.Get("responded").Bool() && !pump.Get("done").Bool() {
		time.Sleep(batchEvery)
	}
	t0 := pump.Get("t0").Float() // on this page's clock
	res.T0EpochMs = perf.Get("timeOrigin").Float() + t0
	since := func() float64 { return now() - t0 }
	if pump.Get("fetchFailed").Bool() {
		res.TotalMs = pump.Get("doneAt").Float()
		if ctx.Err() != nil {
			return res, fmt.Errorf("stopped: %w", ctx.Err())
		}
		return res, fmt.Errorf("fetch %s: %s", req.URL, pump.Get("error").String())
	}
	r := Response{
		Status:    pump.Get("status").Int(),
		Headers:   headers(pump.Get("headers").String()),
		HeadersMs: pump.Get("headersAt").Float(),
	}
	p.OnResponse(r)

	// serverBatch takes the server samples that arrived, on our clock;
	// sentBatch the entries of its send log.
	serverBatch := func() []wire.Sample {
		samples, err := wire.SamplesFromNumbers(takePacked(events, "items", wire.SampleFields))
		if err != nil {
			res.ServerProblem = "undecodable server samples: " + err.Error()
		}
		for i := range samples {
			samples[i].T += res.ClockOffsetMs
		}
		return samples
	}
	sentBatch := func() []wire.Send {
		sends, err := wire.SendsFromNumbers(takePacked(events, "sent", wire.SendFields))
		if err != nil {
			res.ServerProblem = "undecodable send log: " + err.Error()
		}
		for i := range sends {
			sends[i].T += res.ClockOffsetMs
			if sends[i].FlushMs > 0 {
				sends[i].FlushMs += res.ClockOffsetMs
			}
		}
		return sends
	}

	// buffer-read: the whole body in Go's heap, one slice per batch, so it
	// costs the body's size and no more (no doubling on the way).
	var body [][]byte
	sampled := time.Now()
	for {
		done := pump.Get("done").Bool() // read before taking: nothing is lost
		chunks := take(pump)
		if req.Keep {
			if b := copyBytes(pump.Call("takeBytes")); b != nil {
				body = append(body, b)
			}
		}
		elapsed := since()
		var client []wire.Sample
		if done || time.Since(sampled) >= clientEvery {
			client, sampled = []wire.Sample{clientSample(lib, elapsed)}, time.Now()
		}
		p.OnBatch(Batch{Chunks: chunks, ElapsedMs: elapsed, Client: client, Server: serverBatch(), Sent: sentBatch()})
		if done {
			break
		}
		// A stopped reader reads again once the server has let go of the
		// response (its event stream ended): the browser then says how the
		// body ends — whole, or cut.
		if !req.Pace.Full() && !events.IsUndefined() && events.Get("ended").Bool() &&
			pump.Get("heldAt").Float() >= 0 && pump.Get("resumedAt").Float() < 0 {
			pump.Call("resume")
		}
		time.Sleep(batchEvery)
	}
	res.TotalMs = pump.Get("doneAt").Float()
	res.StoppedMs = max(0, pump.Get("heldAt").Float())
	res.ResumedMs = max(0, pump.Get("resumedAt").Float())
	// measureUserAgentSpecificMemory is started once the body is read: it
	// costs the main thread, so not while a read is in flight.
	if lib.Get("UAMemory").Call("available").Bool() {
		res.UA = &UAMeasurement{v: lib.Get("UAMemory").New(t0)}
	}
	if r.Status < 200 || r.Status > 299 {
		if msg := pump.Get("error").String(); msg != "" {
			return res, fmt.Errorf("reading the %d answer: %s", r.Status, msg)
		}
		res.ErrorBody = pump.Get("errorBody").String()
		if len(res.ErrorBody) > maxErrorBody {
			res.ErrorBody = res.ErrorBody[:maxErrorBody] + "…"
		}
		return res, nil
	}
	if msg := pump.Get("error").String(); msg != "" {
		if ctx.Err() != nil {
			return res, fmt.Errorf("stopped: %w", ctx.Err())
		}
		return res, fmt.Errorf("reading the body: %s", msg)
	}
	res.Timing = resourceTiming(pump)

	// The server's last sample comes when its handler returns, just after
	// the last byte: wait a little for it, then give up honestly.
	if !events.IsUndefined() {
		deadline := time.Now().Add(serverEndWait)
		for !events.Get("ended").Bool() && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(batchEvery)
			p.OnBatch(Batch{ElapsedMs: since(), Server: serverBatch(), Sent: sentBatch()})
		}
		p.OnBatch(Batch{ElapsedMs: since(), Server: serverBatch(), Sent: sentBatch()})
		switch {
		case res.ServerProblem != "":
		case events.Get("ended").Bool():
		case events.Get("error").String() != "":
			res.ServerProblem = events.Get("error").String()
		default:
			res.ServerProblem = fmt.Sprintf("the server's last memory sample did not arrive within %s", serverEndWait)
		}
	}
	runtime.KeepAlive(body) // held to the end, as a buffered read holds it
	return res, nil
}

// paceJS is the pace as the pump's worker takes it (Reader.paced in
// web/chunkscope.js): null for full speed.
func paceJS(p spec.Pace) any {
	if p.Full() {
		return nil
	}
	return map[string]any{
		"rate":    float64(p.Rate),
		"pauseMs": float64(p.Pause.Microseconds()) / 1000,
		"atBytes": float64(p.AtBytes),
		"atMs":    float64(p.AtTime.Microseconds()) / 1000,
		"byTime":  p.ByTime,
		"stop":    p.Kind == spec.PaceStop,
		"never":   p.Never(),
	}
}

// timingWait bounds the wait for the request's Resource Timing entry,
// which the browser adds about when the body has arrived.
const timingWait = time.Second

// resourceTiming waits for the browser's entry of the pump's request; nil
// when it does not come.
func resourceTiming(pump js.Value) *record.ResourceTiming {
	deadline := time.Now().Add(timingWait)
	for {
		if raw := pump.Call("timing").String(); raw != "" {
			var t record.ResourceTiming
			if json.Unmarshal([]byte(raw), &t) != nil {
				return nil
			}
			return &t
		}
		if time.Now().After(deadline) {
			return nil
		}
		time.Sleep(batchEvery)
	}
}

// awaitFor is await bounded by d; it reports whether the promise settled
// in time (its result is not needed). A promise that settles later still
// finds its callback: it is released only once called.
func awaitFor(promise js.Value, d time.Duration) bool {
	select {
	case <-settled(promise):
		return true
	case <-time.After(d):
		return false
	}
}

// settled is closed once the promise settles, either way.
func settled(promise js.Value) <-chan struct{} {
	done := make(chan struct{})
	var f js.Func
	f = js.FuncOf(func(js.Value, []js.Value) any {
		close(done)
		f.Release()
		return nil
	})
	promise.Call("then", f, f)
	return done
}

// UAMeasurement is a measureUserAgentSpecificMemory() under way.
type UAMeasurement struct{ v js.Value }

// Wait waits until the measurement resolves or ctx ends. It waits on the
// promise, not by polling: a measurement can take 20 s, and the runs before
// would each wake the main thread four times a second, inside later runs.
func (u *UAMeasurement) Wait(ctx context.Context) (record.UAMemory, error) {
	select {
	case <-settled(u.v.Get("settled")):
	case <-ctx.Done():
		return record.UAMemory{}, ctx.Err()
	}
	m := record.UAMemory{T: u.v.Get("t").Float(), Bytes: uint64(u.v.Get("bytes").Float()), Error: u.v.Get("error").String()}
	return m, nil
}

// ReadWire follows a /wire stream to its end, handing over its events
// about once per frame, and returns the probe's summary.
func ReadWire(ctx context.Context, url string, onEvents func([]wire.Event)) (wire.Summary, error) {
	lib := js.Global().Get("chunkscopeLib")
	ev := lib.Get("EventStream").New(url, "wire", false, "the wire probe's stream failed (a 400 says why: open the /wire URL)")
	defer ev.Call("close")
	take := func() error {
		var events []wire.Event
		if err := json.Unmarshal([]byte(ev.Call("take").String()), &events); err != nil {
			return fmt.Errorf("wire events: %w", err)
		}
		if len(events) > 0 {
			onEvents(events)
		}
		return nil
	}
	for !ev.Get("ended").Bool() {
		select {
		case <-ctx.Done():
			return wire.Summary{}, fmt.Errorf("stopped: %w", ctx.Err())
		case <-time.After(batchEvery):
		}
		if err := take(); err != nil {
			return wire.Summary{}, err
		}
	}
	if err := take(); err != nil {
		return wire.Summary{}, err
	}
	if msg := ev.Get("error").String(); msg != "" {
		return wire.Summary{}, errors.New(msg)
	}
	var sum wire.Summary
	if err := json.Unmarshal([]byte(ev.Get("summary").String()), &sum); err != nil {
		return wire.Summary{}, fmt.Errorf("wire summary: %w", err)
	}
	return sum, nil
}

// serverEndWait bounds the wait for the server's "end" event.
const serverEndWait = 3 * time.Second

// estimateOffset times three /clock round trips and takes the fastest:
// a request takes about half a round trip to reach the server, so a
// server time t is about t + rtt/2 on the page's clock, give or take rtt/2.
func estimateOffset(now func() float64) (offset, errMs float64, ok bool) {
	best := math.Inf(1)
	for i := 0; i < 3; i++ {
		start := now()
		resp, err := await(js.Global().Call("fetch", "/clock", map[string]any{"cache": "no-store"}))
		if err != nil || resp.Get("status").Int() != 204 {
			continue
		}
		best = math.Min(best, now()-start)
	}
	if math.IsInf(best, 1) {
		return 0, 0, false
	}
	return best / 2, best / 2, true
}

// clientSample reads the page's memory: the Go heap always, the JS heap
// where the browser tells it (performance.memory, Chromium).
func clientSample(lib js.Value, t float64) wire.Sample {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := wire.Sample{T: t, Heap: ms.HeapAlloc}
	if v := lib.Call("memory").Get("jsHeap"); v.Type() == js.TypeNumber {
		s.JSHeap = uint64(v.Float())
	}
	return s
}

// copyBytes copies a Uint8Array into Go memory; nil when it is empty.
func copyBytes(u8 js.Value) []byte {
	n := u8.Get("byteLength").Int()
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	js.CopyBytesToGo(b, u8)
	return b
}

// MemorySources says, in one sentence, which memory figures are live in
// this browser.
func MemorySources() string {
	g := js.Global()
	js1 := "performance.memory: absent (not Chromium)"
	if m := g.Get("performance").Get("memory"); !m.IsUndefined() {
		js1 = "performance.memory (JS heap, dashed): live"
	}
	ua := "measureUserAgentSpecificMemory: unavailable (the page is not cross-origin isolated)"
	if g.Get("chunkscopeLib").Get("UAMemory").Call("available").Bool() {
		ua = "measureUserAgentSpecificMemory: live, once per run (it resolves after a GC, often seconds after the run; the summary shows it then)"
	}
	return "Client memory sources — Go wasm heap (runtime.ReadMemStats, solid): live; " + js1 + "; " + ua + "."
}

// take copies the pump's (t, n) pairs into Go.
func take(pump js.Value) []record.Chunk {
	v := floats(pump.Call("take"))
	if len(v) == 0 {
		return nil
	}
	chunks := make([]record.Chunk, len(v)/2)
	for i := range chunks {
		chunks[i] = record.Chunk{T: v[2*i], N: int(v[2*i+1])}
	}
	return chunks
}

// floats reads a Uint8Array of little-endian float64s into Go: the
// inverse of floatBytes.
func floats(u8 js.Value) []float64 {
	raw := copyBytes(u8)
	v := make([]float64, len(raw)/8)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	return v
}

// headers decodes the pump's [[name, value], …]; fetch already
// lower-cases names.
func headers(raw string) map[string]string {
	var pairs [][2]string
	json.Unmarshal([]byte(raw), &pairs)
	out := make(map[string]string, len(pairs))
	for _, kv := range pairs {
		out[kv[0]] = kv[1]
	}
	return out
}

// await blocks the calling goroutine until the promise settles. It must
// not run inside a js.FuncOf callback (that would block the event loop
// the promise needs): call it from ctx.Async.
func await(promise js.Value) (js.Value, error) {
	ok := make(chan js.Value, 1)
	fail := make(chan js.Value, 1)
	onOK := js.FuncOf(func(_ js.Value, args []js.Value) any { ok <- args[0]; return nil })
	onFail := js.FuncOf(func(_ js.Value, args []js.Value) any { fail <- args[0]; return nil })
	defer onOK.Release()
	defer onFail.Release()
	promise.Call("then", onOK, onFail)
	select {
	case v := <-ok:
		return v, nil
	case e := <-fail:
		if msg := e.Get("message"); msg.Type() == js.TypeString {
			return js.Undefined(), errors.New(msg.String())
		}
		return js.Undefined(), errors.New(e.Call("toString").String())
	}
}

// Expose installs window.chunkscope: runs() returns the finished runs as
// plain objects (JSON.parse of api.RunsJSON()); count() how many, at no
// cost; chain() the chain view's comparison ({hops, changedAt, sentence},
// null when the view is not a chain); scene() the chart's last painted scene (app/scene's primitives) and
// its options; benchFrame(chunks, frames) returns api.BenchFrame's JSON,
// parsed. The functions live as long as the page, so they are never
// released.
func Expose(api API) {
	runs := js.FuncOf(func(js.Value, []js.Value) any {
		return js.Global().Get("JSON").Call("parse", api.RunsJSON())
	})
	bench := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) != 2 || args[0].Type() != js.TypeNumber || args[1].Type() != js.TypeNumber {
			return js.Global().Get("Error").New("benchFrame(chunks, frames): two numbers, please")
		}
		return js.Global().Get("JSON").Call("parse", api.BenchFrame(args[0].Int(), args[1].Int()))
	})
	obj := js.Global().Get("chunkscope")
	if obj.IsUndefined() || obj.IsNull() {
		obj = js.Global().Get("Object").New()
		js.Global().Set("chunkscope", obj)
	}
	sceneFn := js.FuncOf(func(js.Value, []js.Value) any {
		return js.Global().Get("JSON").Call("parse", api.SceneJSON())
	})
	obj.Set("runs", runs)
	obj.Set("count", js.FuncOf(func(js.Value, []js.Value) any { return api.Count() }))
	obj.Set("scene", sceneFn)
	obj.Set("benchFrame", bench)
	obj.Set("chain", js.FuncOf(func(js.Value, []js.Value) any {
		if api.ChainJSON == nil {
			return js.Null()
		}
		return js.Global().Get("JSON").Call("parse", api.ChainJSON())
	}))
	// When the page became usable, in ms since navigation: make bench reads
	// it as "interactive".
	obj.Set("readyMs", Now())
}

// Now is performance.now().
func Now() float64 { return js.Global().Get("performance").Call("now").Float() }

func element(id string) js.Value {
	return js.Global().Get("document").Call("getElementById", id)
}

func width(id string) float64 {
	el := element(id)
	if el.IsNull() {
		return 1000
	}
	return js.Global().Get("chunkscopeLib").Call("chartWidth", el).Float()
}

// encoder keeps its buffers from frame to frame; paint runs on go-app's UI
// goroutine only.
var encoder scene.Encoder

// paint hands the scene to the painter as one Float64Array's bytes and one
// string (scene.Encode): two copies a frame, whatever the chart holds.
func paint(id string, sc scene.Scene) {
	el := element(id)
	if el.IsNull() {
		return
	}
	nums, strs := encoder.Encode(sc)
	js.Global().Get("chunkscopeLib").Call("paint", el, sc.W, sc.H, floatBytes(nums), strings.Join(strs, "\x01"), 0, sc.Zoom)
}

// floatBytes hands a []float64 to JavaScript as the bytes of a
// Float64Array in one copy.
func floatBytes(v []float64) js.Value {
	u8 := js.Global().Get("Uint8Array").New(len(v) * 8)
	if len(v) > 0 {
		js.CopyBytesToJS(u8, unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*8))
	}
	return u8
}

// takePacked takes what an EventStream gathered in one of its lists since
// the last call, packed as numbers (app/wire SampleFields, SendFields);
// nothing when there is no stream.
func takePacked(events js.Value, list string, fields []string) []float64 {
	if events.IsUndefined() {
		return nil
	}
	return floats(events.Call("takePacked", list, strings.Join(fields, ",")))
}
