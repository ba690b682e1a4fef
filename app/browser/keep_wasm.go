//go:build js && wasm

package browser

import (
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
		text, over := "", 0
		if len(args) > 0 && args[0].Type() == js.TypeString {
			// Measured before it is copied into Go: a text over the limit
			// never is (its UTF-8 bytes are at least its length).
			if n := textLength(lib, args[0]); n > k.MaxBytes {
				over = n
			} else {
				text = args[0].String()
			}
		}
		return promise(func() (any, error) {
			if over > 0 {
				return k.Load("", "load()", over, true)
			}
			return k.Load(text, "load()", len(text), false)
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
	lib.Get("hooks").Set("file", js.FuncOf(func(_ js.Value, args []js.Value) any {
		text, name, size := args[0].String(), args[1].String(), args[2].Int()
		go k.Load(text, name, size, false) // the page shows what became of it
		return nil
	}))
}

// textLength is a JS string's length in UTF-16 units, asked of
// web/keep.js (syscall/js reads no property of a string); 0 without it.
func textLength(lib, s js.Value) int {
	if lib.IsUndefined() {
		return 0
	}
	return lib.Call("length", s).Int()
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
