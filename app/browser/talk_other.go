//go:build !(js && wasm)

package browser

// Talk is talk mode's hooks (see talk_wasm.go).
type Talk struct {
	Command func(cmd, arg string)
	File    func(text, name string, size int)
}

// ExposeTalk is only available in the browser.
func ExposeTalk(t Talk) {}

// TalkPost is only available in the browser.
func TalkPost(kind, data string) {}

// FetchText is only available in the browser.
func FetchText(url string) (int, string, error) { return 0, "", errNoBrowser }

// Framed is only meaningful in the browser.
func Framed() bool { return false }

// Isolated is only meaningful in the browser.
func Isolated() bool { return false }

// Height is only meaningful in the browser.
func Height(id string) float64 { return 0 }

// ViewportWidth is only meaningful in the browser.
func ViewportWidth() float64 { return 1280 }
