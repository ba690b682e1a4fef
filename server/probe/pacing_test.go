package probe

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestMainPacing: the summary is followed by a pacing line — how many
// units (chunks, DATA frames, body reads), one every how long, and the
// longest gap — the figures a person reads a stream by.
func TestMainPacing(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for i := 0; i < 6; i++ {
			if i == 4 {
				time.Sleep(120 * time.Millisecond) // one long gap, before the fifth chunk
			}
			io.WriteString(w, "Hello,world,1\n")
			rc.Flush()
			time.Sleep(5 * time.Millisecond)
		}
	}))
	defer ts.Close()
	code, out, _ := runMain(ts.URL + "/csv")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	re := regexp.MustCompile(`\npacing: 6 chunks, one every ~([0-9.]+) ms \(from [0-9.,]+ to [0-9.,]+ ms\); largest gap ([0-9.]+) ms, before the one at [0-9.,]+ ms\n$`)
	m := re.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no pacing line as the last line:\n%s", out)
	}
	every, _ := strconv.ParseFloat(m[1], 64)
	gap, _ := strconv.ParseFloat(m[2], 64)
	if gap < 120 || every < 5 || every > gap {
		t.Errorf("one every %.1f ms, largest gap %.1f ms; want ~30 and ≥ 120", every, gap)
	}
}

// TestMainUsageSaysWhereTimeStarts: -h defines t = 0, which curl's
// time_starttransfer does not share.
func TestMainUsageSaysWhereTimeStarts(t *testing.T) {
	code, _, errOut := runMain("-h")
	if code != 0 || !strings.Contains(errOut, "t = 0 is when the request had been written to the socket") || !strings.Contains(errOut, "time_starttransfer") {
		t.Errorf("exit %d, usage:\n%s\nwant it to define t = 0 beside curl's time_starttransfer", code, errOut)
	}
}

// TestHTTP2AgainstHTTP1Server: -http2 against a server that speaks only
// HTTP/1 says so in a sentence, not "http2: frame too large".
func TestHTTP2AgainstHTTP1Server(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(csvStream)) // HTTP/1.1 only: it answers the preface with a 400
	defer ts.Close()
	code, _, errOut := runMain("-http2", ts.URL+"/csv")
	if code != 1 || !strings.Contains(errOut, `answered in HTTP/1 ("HTTP/1.1 `) ||
		!strings.Contains(errOut, "probe it without -http2") || strings.Contains(errOut, "frame too large") {
		t.Errorf("exit %d, stderr %q; want 1 and a sentence saying the server answered in HTTP/1", code, errOut)
	}
}
