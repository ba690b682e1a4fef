package probe

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestDoH2(t *testing.T) {
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			http.Error(w, "want HTTP/2", http.StatusHTTPVersionNotSupported)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; i < 4; i++ {
			io.WriteString(w, "piece\n")
			w.(http.Flusher).Flush()
			time.Sleep(10 * time.Millisecond)
		}
	}))
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	ts.Config.Protocols = &p
	ts.Start()
	defer ts.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := DoH2(ctx, Request{URL: ts.URL + "/x?y=1", Header: map[string]string{"X-Test": "1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.Proto != "HTTP/2.0" || res.Framing != FramingH2 || res.Chunks != 4 || res.BodyBytes != 24 || !res.Complete {
		t.Fatalf("got %+v; want 200 HTTP/2.0, 4 DATA frames, 24 bytes, complete", res.Summary)
	}
	if res.Headers.Get("Content-Type") != "text/plain" || res.TTFBMs <= 0 || res.TotalMs < res.TTFBMs+20 {
		t.Errorf("content-type %q, ttfb %.1f, total %.1f; want text/plain and the frames 10 ms apart", res.Headers.Get("Content-Type"), res.TTFBMs, res.TotalMs)
	}
	if got := len(BodyReadTimes(res.Events)); got != 4 {
		t.Errorf("%d body reads; want 4", got)
	}

	var out, errb bytes.Buffer
	if code := Main([]string{"-http2", ts.URL + "/"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "framing h2-frames, 4 DATA frames") {
		t.Errorf("probe -http2: exit %d, %q %q", code, out.String(), errb.String())
	}
	if code := Main([]string{"-http2", "-http1.0", ts.URL + "/"}, &out, &errb); code != 2 {
		t.Errorf("-http2 -http1.0: exit %d; want 2", code)
	}
}
