package server

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/ui"
)

// pageHandler serves the page through go-app's handler. Everything it links
// to is served by this binary: go-app's defaults fetch an icon from the
// internet, which on a closed network keeps the service worker from ever
// installing.
func pageHandler(version string, web fs.FS) http.Handler {
	ui.Routes()
	return &app.Handler{
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
		BackgroundColor:       "#10141a",
		ThemeColor:            "#10141a",
		LoadingLabel:          "chunkscope is loading: {progress}%",
		Styles:                []string{"/web/chunkscope.css"},
		Scripts:               []string{"/web/chunkscope.js"},
		Version:               version,
		Resources:             embeddedResources{staticHandler(web)},
		ServiceWorkerTemplate: appWorkerJS,
	}
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

// staticHandler serves the files of web: only regular files, never a
// directory listing, never a path outside it (fs.FS refuses "..").
func staticHandler(web fs.FS) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			serveError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on static files")
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		info, err := fs.Stat(web, name)
		switch {
		case errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) || (err == nil && info.IsDir()):
			serveError(w, http.StatusNotFound, "not found: /web/"+name)
			return
		case err != nil:
			serveError(w, http.StatusInternalServerError, "reading /web/"+name+": "+err.Error())
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, web, name)
	})
}

// appWorkerJS is go-app's service worker with one change: it answers only
// for the page's own files and lets every other request (the measured
// /csv/... bodies above all) go to the network untouched, so no service
// worker sits between the server and the reader being measured.
const appWorkerJS = `const cacheName = "app-" + "{{.Version}}";
const resourcesToCache = {{.ResourcesToCache}};
const cachedPaths = new Set(resourcesToCache);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(cacheName)
      .then((cache) => cache.addAll(resourcesToCache))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keyList) =>
      Promise.all(
        keyList.map((key) => {
          if (key !== cacheName) {
            return caches.delete(key);
          }
        })
      )
    )
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (
    event.request.method !== "GET" ||
    url.origin !== self.location.origin ||
    !cachedPaths.has(url.pathname)
  ) {
    return; // not ours: straight to the network, no hop in between
  }
  event.respondWith(
    caches.match(event.request).then((response) => response || fetch(event.request))
  );
});
`
