package server

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseUpstreamPortWildcard(t *testing.T) {
	for raw, want := range map[string]string{
		"http://127.0.0.1:*":  "http://127.0.0.1:*",
		"http://127.0.0.1:*/": "http://127.0.0.1:*",
		"http://localhost:*":  "http://localhost:*",
		"http://[::1]:*":      "http://[::1]:*",
		"http://u@x:*":        "",
		"http://x:*/path":     "",
	} {
		got, err := ParseUpstream(raw)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ParseUpstream(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
}

// TestPortWildcard: -upstream http://127.0.0.1:* lets /upstream and /wire
// reach any port of that host — a local stack in one flag — but not another
// host, nor this server's own listener; a refusal names the flag that
// would allow the URL.
func TestPortWildcard(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "from the upstream")
	}))
	defer upstream.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := startOn(t, ln, Config{Upstreams: []string{"http://127.0.0.1:*", "http://127.0.0.2:9"}, Listen: ln.Addr()})
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/upstream?url=" + upstream.URL + "/x", 200, "from the upstream"},
		{"/upstream?url=" + ts.URL + "/csv/streaming", 400, "url: " + ts.URL + " is not one of the allowed upstreams (http://127.0.0.1:*, http://127.0.0.2:9): start chunkscope with -upstream " + ts.URL + " to allow it"},
		{"/upstream?url=http://127.0.0.2:8000/x", 400, "url: http://127.0.0.2:8000 is not one of the allowed upstreams (http://127.0.0.1:*, http://127.0.0.2:9): start chunkscope with -upstream http://127.0.0.2:8000 to allow it (or -upstream http://127.0.0.2:* for every port of that host)"},
		{"/upstream?url=http://127.0.0.1/x", 400, "is not one of the allowed upstreams"},
		{"/wire?url=http://localhost:1/x", 400, "start chunkscope with -upstream http://localhost:1 to allow it (or -upstream http://localhost:* for every port of that host)"},
	}
	for _, tc := range tests {
		status, body, _ := getFull(t, ts.URL+tc.path)
		if status != tc.status || !strings.Contains(body, tc.body) {
			t.Errorf("%s: %d %q; want %d with %q", tc.path, status, body, tc.status, tc.body)
		}
	}
	// /hops names no wildcard as a hop: it names no one origin.
	_, body, _ := getFull(t, ts.URL+"/hops")
	if strings.Contains(body, "*") || !strings.Contains(body, "http://127.0.0.2:9") {
		t.Errorf("/hops = %s; want the named upstream and no wildcard", body)
	}
}
