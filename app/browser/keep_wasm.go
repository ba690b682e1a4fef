//go:build js && wasm

package browser

import (
	"runtime"
	"strings"
	"syscall/js"

	"chunkscope/app/scene"
)

// ExposeKeep installs window.chunkscope.load(text) and
// window.chunkscope.export(format[, scale]), both returning a Promise, and
// takes the files web/keep.js reads from the file picker and from a drop.
// The work runs on a goroutine: a js.FuncOf callback must not block the
// event loop that the page itself needs.
func ExposeKeep(k Keep) {
	obj := js.Global().Get("chunkscope")
	if obj.IsUndefined() || obj.IsNull() {
		obj = js.Global().Get("Object").New()
		js.Global().Set("chunkscope", obj)
	}
	promise := func(work func() (any, error)) js.Value {
		var exec js.Func
		exec = js.FuncOf(func(_ js.Value, args []js.Value) any {
			resolve, reject := args[0], args[1]
			go func() {
				defer exec.Release()
				v, err := work()
				if err != nil {
					reject.Invoke(js.Global().Get("Error").New(err.Error()))
					return
				}
				resolve.Invoke(v)
			}()
			return nil
		})
		return js.Global().Get("Promise").New(exec)
	}
	lib := js.Global().Get("chunkscopeKeep")
	obj.Set("load", js.FuncOf(func(_ js.Value, args []js.Value) any {
		var data []byte
		over := 0
		if len(args) > 0 && args[0].Type() == js.TypeString && !lib.IsUndefined() {
			// Measured before it is copied into Go: a text over the limit
			// never is (its UTF-8 bytes are at least its length).
			if n := lib.Call("length", args[0]).Int(); n > k.MaxBytes {
				over = n
			} else {
				data = bytesOf(lib.Call("encode", args[0]))
			}
		}
		return promise(func() (any, error) {
			defer freeCopies()
			if over > 0 {
				return k.Load(nil, "load()", over, true)
			}
			return k.Load(data, "load()", len(data), false)
		})
	}))
	obj.Set("export", js.FuncOf(func(_ js.Value, args []js.Value) any {
		format, scale := "", 1.0
		if len(args) > 0 && args[0].Type() == js.TypeString {
			format = args[0].String()
		}
		if len(args) > 1 && args[1].Type() == js.TypeNumber {
			scale = args[1].Float()
		}
		return promise(func() (any, error) { return k.Export(format, scale) })
	}))
	if lib.IsUndefined() {
		return
	}
	lib.Set("maxBytes", k.MaxBytes)
	file := js.FuncOf(func(_ js.Value, args []js.Value) any {
		data, name, size := bytesOf(args[0]), args[1].String(), args[2].Int()
		go func() {
			defer freeCopies()
			k.Load(data, name, size, false) // the page shows what became of it
		}()
		return nil
	})
	file.Value.Set("bytes", true) // hand it the file's bytes, not its text
	lib.Get("hooks").Set("file", file)
}

// freeCopies collects Go's garbage after a file: the copy of its bytes,
// and, through the finalizers of the js.Values that handed it over, the
// page's own text or bytes, which wasm_exec.js keeps until Go lets go of
// them. Otherwise a refused 243 MiB text stays in the JS heap until Go's
// heap happens to grow enough to collect.
func freeCopies() { runtime.GC() }

// bytesOf copies a Uint8Array into Go: once, with no UTF-8 step (a
// string's String() encodes it in JS, copies it into Go, then copies it
// again into a string: 19 s for 126 MiB on a loaded machine).
func bytesOf(u8 js.Value) []byte {
	b := make([]byte, u8.Get("length").Int())
	js.CopyBytesToGo(b, u8)
	return b
}

// Download saves text as a file named name, as if from a link.
func Download(name, mime, text string) {
	js.Global().Get("chunkscopeKeep").Call("download", name, mime, text)
}

// PNG paints the scene with the canvas painter on a canvas of its own, at
// scale device pixels per CSS pixel, and returns it as a data: URL.
func PNG(sc scene.Scene, scale float64) string {
	nums, strs := scene.Encode(sc)
	return js.Global().Get("chunkscopeKeep").Call("png", sc.W, sc.H, floatBytes(nums), strings.Join(strs, "\x01"), scale).String()
}

// Origin is the page's origin: a HAR wants absolute URLs.
func Origin() string { return js.Global().Get("location").Get("origin").String() }
