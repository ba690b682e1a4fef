package probe

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// csvStream writes three chunks of different sizes, as the streaming
// endpoint does: 0x1c, 0xe and 0xf bytes.
func csvStream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	for _, s := range []string{"One,Two,Three\nHello,world,1\n", "Hello,world,2\n", "Hello,world,10\n"} {
		io.WriteString(w, s)
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

func runMain(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestMainText(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(csvStream))
	defer ts.Close()
	code, out, errOut := runMain(ts.URL + "/csv")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", code, errOut)
	}
	// Event lines without their time: kind, bytes, detail.
	var events []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 && strings.Contains(f[0], ".") {
			events = append(events, strings.Join(f[1:], " "))
		}
	}
	for _, want := range []string{
		"read",
		"status 17 HTTP/1.1 200 OK",
		"headers-end 2 chunked",
		"chunk-size 4 1c (28 bytes)",
		"chunk-data 28",
		"chunk-size 3 e (14 bytes)",
		"chunk-size 3 f (15 bytes)",
		"last-chunk 3 0",
		"end 2",
	} {
		if !slices.ContainsFunc(events, func(e string) bool { return strings.HasPrefix(e, want) }) {
			t.Errorf("no event line %q in:\n%s", want, out)
		}
	}
	for _, want := range []string{"status 200 HTTP/1.1, ttfb ", ", framing chunked, 3 chunks, body 57 bytes, complete\n", "\npacing: 3 chunks over "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestMainJSON(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(csvStream))
	defer ts.Close()
	code, out, errOut := runMain("-json", "-http1.0", ts.URL)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q; want 0 and nothing", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	var kinds []string
	for _, line := range lines[:len(lines)-1] {
		var e Event
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("event line %q: %v", line, err)
		}
		kinds = append(kinds, e.Kind)
	}
	if len(kinds) < 4 || kinds[0] != KindRead || kinds[1] != KindStatus || kinds[len(kinds)-2] != KindClose || kinds[len(kinds)-1] != KindEnd {
		t.Errorf("event kinds %v; want read, status, …, close, end", kinds)
	}
	var res Result
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("summary line %q: %v", lines[len(lines)-1], err)
	}
	if res.Status != 200 || res.Proto != "HTTP/1.0" || res.Framing != FramingClose || res.BodyBytes != 57 || !res.Complete || res.Events != nil {
		t.Errorf("summary %+v; want 200 HTTP/1.0, framing close, 57 bytes, complete, no events", res)
	}
}

func TestMainExitCodes(t *testing.T) {
	// A port nobody listens on: listen, note it, stop listening.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()
	truncated, _ := rawServer(t, nil, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab")

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string // a substring; "" for an empty stderr
	}{
		{"no URL", nil, 2, "want one URL, got 0 arguments"},
		{"two URLs", []string{"http://a/", "http://b/"}, 2, "want one URL, got 2 arguments"},
		{"ftp", []string{"ftp://127.0.0.1/"}, 2, "only http:// and https:// are supported"},
		{"insecure over http", []string{"-insecure", "http://127.0.0.1/"}, 2, "-insecure and -cacert are for https:// URLs"},
		{"insecure and cacert", []string{"-insecure", "-cacert", "x.pem", "https://127.0.0.1/"}, 2, "exclude each other"},
		{"two protocols", []string{"-http1.1", "-http2", "https://127.0.0.1/"}, 2, "-http1.0, -http1.1 and -http2 exclude each other"},
		{"cacert without certificates", []string{"-cacert", "command_test.go", "https://127.0.0.1/"}, 2, "-cacert: command_test.go holds no PEM certificate"},
		{"no scheme", []string{"127.0.0.1:8000"}, 2, "chunkscope probe: "},
		{"unknown flag", []string{"-nope", "http://a/"}, 2, "flag provided but not defined: -nope"},
		{"bad timeout", []string{"-timeout", "0s", "http://a/"}, 2, "want a positive duration"},
		{"help", []string{"-h"}, 0, "usage: chunkscope probe"},
		{"connection refused", []string{refused}, 1, "dialing"},
		{"truncated", []string{"http://" + truncated + "/"}, 1, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runMain(tc.args...)
			if code != tc.code {
				t.Errorf("exit %d; want %d (stderr %q)", code, tc.code, errOut)
			}
			if tc.stderr == "" && errOut != "" || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("stderr %q; want it to contain %q", errOut, tc.stderr)
			}
		})
	}
}
