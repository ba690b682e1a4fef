//go:build js && wasm

package browser

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"syscall/js"
	"time"
	"unsafe"

	"chunkscope/app/chart"
	"chunkscope/app/record"
)

// batchEvery is how often the reader takes the pieces the JavaScript pump
// stamped: about once per frame, which is as often as anyone can see them.
const batchEvery = 16 * time.Millisecond

// maxErrorBody bounds what is kept of a non-2xx body.
const maxErrorBody = 512

// Read fetches url and reads its body to the end with the pump from
// web/chunkscope.js, reporting progress as it goes. Cancelling ctx aborts the
// request. Every stamp is performance.now() minus the instant just before
// fetch() was called.
func Read(ctx context.Context, url string, p Progress) (Result, error) {
	lib := js.Global().Get("chunkscopeLib")
	if lib.IsUndefined() {
		return Result{}, errors.New("web/chunkscope.js is not loaded")
	}
	perf := js.Global().Get("performance")
	abort := js.Global().Get("AbortController").New()
	stop := context.AfterFunc(ctx, func() { abort.Call("abort") })
	defer stop()

	opts := map[string]any{"cache": "no-store", "signal": abort.Get("signal")}
	t0 := perf.Call("now").Float()
	resp, err := await(js.Global().Call("fetch", url, opts))
	if err != nil {
		return Result{TotalMs: perf.Call("now").Float() - t0}, fmt.Errorf("fetch %s: %w", url, err)
	}
	r := Response{
		Status:    resp.Get("status").Int(),
		Headers:   headers(resp.Get("headers")),
		HeadersMs: perf.Call("now").Float() - t0,
	}
	p.OnResponse(r)

	if r.Status < 200 || r.Status > 299 {
		text, err := await(resp.Call("text"))
		res := Result{TotalMs: perf.Call("now").Float() - t0}
		if err != nil {
			return res, fmt.Errorf("reading the %d answer: %w", r.Status, err)
		}
		res.ErrorBody = text.String()
		if len(res.ErrorBody) > maxErrorBody {
			res.ErrorBody = res.ErrorBody[:maxErrorBody] + "…"
		}
		return res, nil
	}
	body := resp.Get("body")
	if body.IsNull() || body.IsUndefined() {
		return Result{TotalMs: r.HeadersMs}, nil
	}
	pump := lib.Get("Pump").New(body.Call("getReader"), t0)
	for {
		done := pump.Get("done").Bool() // read before take: nothing is lost
		if chunks := take(pump); len(chunks) > 0 || !done {
			p.OnChunks(chunks, perf.Call("now").Float()-t0)
		}
		if done {
			break
		}
		time.Sleep(batchEvery)
	}
	res := Result{TotalMs: pump.Get("doneAt").Float()}
	if msg := pump.Get("error").String(); msg != "" {
		if ctx.Err() != nil {
			return res, fmt.Errorf("stopped: %w", ctx.Err())
		}
		return res, fmt.Errorf("reading the body: %s", msg)
	}
	return res, nil
}

// take copies the pump's (t, n) pairs into Go.
func take(pump js.Value) []record.Chunk {
	u8 := pump.Call("take")
	n := u8.Get("byteLength").Int()
	if n == 0 {
		return nil
	}
	raw := make([]byte, n)
	js.CopyBytesToGo(raw, u8)
	chunks := make([]record.Chunk, n/16)
	for i := range chunks {
		t := math.Float64frombits(binary.LittleEndian.Uint64(raw[16*i:]))
		size := math.Float64frombits(binary.LittleEndian.Uint64(raw[16*i+8:]))
		chunks[i] = record.Chunk{T: t, N: int(size)}
	}
	return chunks
}

// headers reads a fetch Headers object; fetch already lower-cases names.
func headers(h js.Value) map[string]string {
	out := map[string]string{}
	entries := js.Global().Get("Array").Call("from", h.Call("entries"))
	for i := 0; i < entries.Length(); i++ {
		kv := entries.Index(i)
		out[kv.Index(0).String()] = kv.Index(1).String()
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

// Expose installs window.chunkscope.runs(), which returns the finished runs
// as plain objects (JSON.parse of runsJSON()). The function is kept for the
// page's lifetime, so it is never released.
func Expose(runsJSON func() string) {
	runs := js.FuncOf(func(js.Value, []js.Value) any {
		return js.Global().Get("JSON").Call("parse", runsJSON())
	})
	obj := js.Global().Get("chunkscope")
	if obj.IsUndefined() || obj.IsNull() {
		obj = js.Global().Get("Object").New()
		js.Global().Set("chunkscope", obj)
	}
	obj.Set("runs", runs)
}

func element(id string) js.Value {
	return js.Global().Get("document").Call("getElementById", id)
}

func columns(id string) int {
	el := element(id)
	if el.IsNull() {
		return 800
	}
	return js.Global().Get("chunkscopeLib").Call("plotColumns", el).Int()
}

func draw(id string, sc chart.Scene) {
	el := element(id)
	if el.IsNull() {
		return
	}
	lanes := make([]any, len(sc.Lanes))
	for i, l := range sc.Lanes {
		lanes[i] = map[string]any{
			"label": l.Label,
			"color": l.Color,
			"cum":   floatBytes(l.Cum),
			"ticks": floatBytes(l.Ticks),
			"ttfb":  l.TTFB,
			"done":  l.Done,
		}
	}
	js.Global().Get("chunkscopeLib").Call("draw", el, map[string]any{
		"tMax":  sc.TMax,
		"yMax":  sc.YMax,
		"lanes": lanes,
	})
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
