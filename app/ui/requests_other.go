//go:build !(js && wasm)

package ui

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// jsOut: outside the browser nothing calls window.chunkscope.
func jsOut(v app.Value) any { return v }
