package server

import (
	"net/http"

	appwire "chunkscope/app/wire" // server has its own wire
)

// sendHeaders reads the page's own request headers from a /upstream
// request (appwire.SendHeader): what the upstream request carries beside
// the browser's own, a Cookie or an Authorization a fetch may not set. Their
// values are never logged or echoed; a bad one is refused by name.
func sendHeaders(r *http.Request) (map[string]string, error) {
	v := r.Header.Get(appwire.SendHeader)
	if v == "" {
		return nil, nil
	}
	return appwire.DecodeHeaders(v)
}

// setSendHeaders moves the page's own headers from SendHeader onto the
// upstream request (checked before: see upstream).
func setSendHeaders(in *http.Request, out http.Header) {
	h, _ := sendHeaders(in)
	out.Del(appwire.SendHeader)
	for name, v := range h {
		out.Set(name, v)
	}
}
