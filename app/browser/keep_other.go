//go:build !(js && wasm)

package browser

import "chunkscope/app/scene"

// ExposeKeep needs a browser.
func ExposeKeep(Keep) {}

// Download needs a browser.
func Download(name, mime, text string) {}

// PNG needs a browser.
func PNG(sc scene.Scene, scale float64) string { return "" }

// Origin needs a browser.
func Origin() string { return "" }
