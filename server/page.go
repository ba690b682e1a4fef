package server

import (
	"net/http"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/ui"
)

// pageHandler serves the page through go-app's handler. Everything it links
// to is served by this binary: go-app's defaults fetch an icon from the
// internet, which on a closed network keeps the service worker from ever
// installing.
func pageHandler(version string, static http.Handler) http.Handler {
	ui.Routes()
	return refuseFetches(&app.Handler{
		Name:        "chunkscope",
		ShortName:   "chunkscope",
		Title:       "chunkscope — see an HTTP response arrive",
		Description: "Buffered versus streaming HTTP responses, chunk by chunk, in your browser.",
		Icon: app.Icon{
			Default:    "/web/icon.png",
			Large:      "/web/icon.png",
			SVG:        "/web/icon.svg",
			AppleTouch: "/web/icon.png",
		},
		BackgroundColor:         "#10141a",
		ThemeColor:              "#10141a",
		LoadingLabel:            "chunkscope is loading: {progress}%",
		Styles:                  []string{"/web/chunkscope.css", "/web/talk.css", "/web/talkprint.css"},
		Scripts:                 []string{"/web/chunkscope.js", "/web/keep.js", "/web/talk.js", "/web/talkstore.js"},
		Version:                 version,
		Resources:               embeddedResources{static},
		WasmContentLengthHeader: wasmLengthHeader,
		ServiceWorkerTemplate:   appWorkerJS,
	})
}

// goAppFetches are the paths go-app v9.8.0's handler answers by fetching
// http://{the request's Host}/web/{name} and caching the answer, Content-Type
// included, for every later visitor (Handler.serveProxyResource): a forged
// Host would make this server fetch any address and serve what it got from
// its own origin. They are answered by ownFile instead, and the page
// handler refuses them too, should a path ever reach it another way.
var goAppFetches = []string{"/robots.txt", "/sitemap.xml", "/ads.txt"}

// ownFile answers for path with web/'s file of that name, or 404: never
// with anything from elsewhere.
func ownFile(static *staticFiles, path string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := static.files[strings.TrimPrefix(path, "/")]; !ok {
			serveError(w, http.StatusNotFound, "not found: "+path)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = path, ""
		static.ServeHTTP(w, r2)
	})
}

// refuseFetches keeps goAppFetches from go-app's handler.
func refuseFetches(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range goAppFetches {
			if r.URL.Path == p {
				serveError(w, http.StatusNotFound, "not found: "+p)
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// embeddedResources tells go-app that /web/ is served from the embedded
// files, not from a directory next to the binary.
type embeddedResources struct{ files http.Handler }

func (embeddedResources) Package() string { return "" }
func (embeddedResources) Static() string  { return "" }
func (embeddedResources) AppWASM() string { return "/web/app.wasm" }

func (e embeddedResources) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.StripPrefix("/web", e.files).ServeHTTP(w, r)
}

// appWorkerJS is go-app's service worker without its fetch handler: it
// installs (so go-app still learns of a new build and reloads into it) and
// clears the caches of earlier versions (go-app's "app-…", never the talk
// worker's "talk-…", which it keeps for itself), but it sees no request. A worker
// with a fetch handler, even one that declines every request it does not
// cache, is handed every request of the pages it controls, the measured
// ones included: Chromium reported workerStart ≠ 0 for them, and for the
// pump's dedicated worker (web/chunkscope.js), which the Static Routing API
// does not cover, the fetch event cost 7–50 ms before the request left.
// Without a fetch handler the browser sends every request straight to the
// network (workerStart 0); the page's files come from the HTTP cache
// (ETags) instead, which measured as fast on a reload (make bench, "Page
// load").
//
// Talk mode needs its files with no server (a reload on stage): it has a
// worker of its own, web/talk-worker.js, scoped to /talk so the explorer
// is not controlled, whose static routes send every request but the
// page's own files to the network without a fetch event; the pump's
// dedicated worker, a client of /web/chunkscope.js, stays under this one
// (e2e TestTalkWorkerLeavesMeasuredRequests measures workerStart on both
// pages).
const appWorkerJS = `const cacheName = "app-" + "{{.Version}}";

self.addEventListener("install", (event) => {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keyList) =>
      Promise.all(keyList.filter((key) => key.startsWith("app-")).map((key) => caches.delete(key)))
    )
  );
});
`
