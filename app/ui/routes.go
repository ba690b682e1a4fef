// Package ui holds chunkscope's go-app components. The same Routes() is
// called by both builds: the wasm entry point and the server's go-app
// handler (which pre-renders the page).
package ui

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// Routes registers the page's routes with go-app: the explorer, and talk
// mode (/talk, /talk/N).
func Routes() {
	app.Route("/", &Page{})
	app.Route("/talk", &Talk{})
	app.RouteWithRegexp(`^/talk/[0-9]+$`, &Talk{})
}
