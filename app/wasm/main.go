//go:build js && wasm

// Command wasm is the page's entry point, built to web/app.wasm. It imports
// no server code and no net/http client: the body is read with fetch.
package main

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/ui"
)

func main() {
	ui.Routes()
	app.RunWhenOnBrowser()
}
