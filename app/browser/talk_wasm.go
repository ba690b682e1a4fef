//go:build js && wasm

package browser

import (
	"syscall/js"
)

// Talk is what talk mode's page asks of web/talk.js: the commands it hears
// (keys, the embedding page's postMessage), the files picked or dropped.
type Talk struct {
	Command func(cmd, arg string)
	File    func(text, name string, size int) // size: the file's bytes as keep.js measured them, -1 if it did not say
}

// ExposeTalk hands web/talk.js the talk page's hooks. They live as long as
// the page, so they are never released.
func ExposeTalk(t Talk) {
	lib := js.Global().Get("chunkscopeTalk")
	if lib.IsUndefined() {
		return
	}
	lib.Get("hooks").Set("command", js.FuncOf(func(_ js.Value, args []js.Value) any {
		t.Command(args[0].String(), args[1].String())
		return nil
	}))
	if keep := js.Global().Get("chunkscopeKeep"); !keep.IsUndefined() {
		keep.Get("hooks").Set("file", js.FuncOf(func(_ js.Value, args []js.Value) any {
			size := -1
			if len(args) > 2 && args[2].Type() == js.TypeNumber {
				size = args[2].Int()
			}
			t.File(args[0].String(), args[1].String(), size)
			return nil
		}))
	}
}

// TalkPost tells the notes window (BroadcastChannel) and, when framed, the
// embedding page (postMessage) what happened: kind is "state", "ready" or
// "run", data a JSON object.
func TalkPost(kind, data string) {
	if lib := js.Global().Get("chunkscopeTalk"); !lib.IsUndefined() {
		lib.Call("post", kind, data)
	}
}

// FetchText GETs a file of this origin: its status and text. On a goroutine
// only (it waits for a promise).
func FetchText(url string) (int, string, error) {
	v, err := await(js.Global().Get("chunkscopeTalk").Call("fetchText", url))
	if err != nil {
		return 0, "", err
	}
	return v.Get("status").Int(), v.Get("text").String(), nil
}

// Framed is true inside an iframe.
func Framed() bool { return !js.Global().Get("parent").Equal(js.Global().Get("window")) }

// Isolated is crossOriginIsolated: whether measureUserAgentSpecificMemory
// can be offered.
func Isolated() bool { return js.Global().Get("crossOriginIsolated").Truthy() }

// Height is the height, in CSS pixels, of the element with that id.
func Height(id string) float64 {
	el := element(id)
	if el.IsNull() {
		return 0
	}
	return el.Get("clientHeight").Float()
}

// ViewportWidth is window.innerWidth.
func ViewportWidth() float64 { return js.Global().Get("innerWidth").Float() }
