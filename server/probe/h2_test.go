package probe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2cServer starts a server that speaks cleartext HTTP/2 (and HTTP/1).
func h2cServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	ts := httptest.NewUnstartedServer(h)
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	ts.Config.Protocols = &p
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

func TestDoH2(t *testing.T) {
	ts := h2cServer(t, func(w http.ResponseWriter, r *http.Request) {
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
	})

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

// TestDoH2MaxEvents: DoH2 keeps events as Do does, MaxEvents below the
// default included, and counts those it drops.
func TestDoH2MaxEvents(t *testing.T) {
	ts := h2cServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "one")
		w.(http.Flusher).Flush()
		io.WriteString(w, "two")
	})
	tests := []struct {
		name      string
		maxEvents int
		keepAll   bool // else keep MaxEvents, or none if negative
	}{
		{"zero keeps them all (up to DefaultMaxEvents)", 0, true},
		{"three keeps the first three, counts the rest dropped", 3, false},
		{"negative keeps none, counts none dropped", -1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var all []Event
			res, err := DoH2(ctx, Request{URL: ts.URL + "/", MaxEvents: tc.maxEvents}, func(e Event) { all = append(all, e) })
			if err != nil {
				t.Fatalf("DoH2: %v", err)
			}
			wantKept, wantDropped := len(all), 0
			switch {
			case tc.maxEvents < 0:
				wantKept = 0
			case !tc.keepAll:
				wantKept, wantDropped = tc.maxEvents, len(all)-tc.maxEvents
			}
			if len(all) <= 3 {
				t.Fatalf("onEvent saw %d events; want more than 3 for this test to mean anything", len(all))
			}
			if len(res.Events) != wantKept || res.Dropped != wantDropped {
				t.Errorf("kept %d, dropped %d of %d events; want %d kept, %d dropped", len(res.Events), res.Dropped, len(all), wantKept, wantDropped)
			}
			if got, want := fmt.Sprint(res.Events), fmt.Sprint(all[:wantKept]); got != want {
				t.Errorf("kept %s; want the first %d seen, %s", got, wantKept, want)
			}
		})
	}
}

// hostileH2 starts a server for one connection that reads and drops all
// the client sends, writes prefix (its SETTINGS, say), then writes repeat
// over and over until the client hangs up. It returns the URL to probe.
func hostileH2(t *testing.T, prefix, repeat []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	batch := bytes.Repeat(repeat, max(1, (64<<10)/len(repeat))) // fewer writes, and no allocation per write
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		go io.Copy(io.Discard, conn) // the preface, SETTINGS, their ACKs: ends when conn closes
		if _, err := conn.Write(prefix); err != nil {
			return
		}
		for {
			if _, err := conn.Write(batch); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return "http://" + ln.Addr().String() + "/"
}

// h2Frames returns the frames that write writes.
func h2Frames(write func(fr *http2.Framer)) []byte {
	var b bytes.Buffer
	write(http2.NewFramer(&b, nil))
	return b.Bytes()
}

// hpackBlock encodes name, value pairs with a fresh HPACK encoder.
func hpackBlock(nameValues ...string) []byte {
	var b bytes.Buffer
	enc := hpack.NewEncoder(&b)
	for i := 0; i+1 < len(nameValues); i += 2 {
		enc.WriteField(hpack.HeaderField{Name: nameValues[i], Value: nameValues[i+1]})
	}
	return b.Bytes()
}

// TestDoH2HostileServer: a server that sends frames without end, however
// it does, makes DoH2 stop with an error naming the limit it hit, at
// once, having allocated a bounded amount of memory. Before these limits,
// endless HEADERS frames grew the probe to 1.35 GB in 10 s.
func TestDoH2HostileServer(t *testing.T) {
	// The bounds: all the probe allocated (TotalAlloc growth, garbage
	// included; the server writes prebuilt bytes) and what it still holds
	// once it returned (HeapAlloc growth after a GC, with the Result alive),
	// events included: they are a few thousand here. Measured with
	// go test -run TestDoH2HostileServer -v ./server/probe: at most 1.8 MiB
	// allocated and 0.1 MiB held.
	const maxAlloc, maxHeld = 16 << 20, 4 << 20
	settings := h2Frames(func(fr *http2.Framer) {
		fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 100})
		fr.WriteSettingsAck()
	})
	status200 := hpackBlock(":status", "200")
	// A field the decoder adds to its table: each later 0xbe byte (index
	// 62, the table's newest entry) decodes to its 4 KB again.
	big := hpackBlock(":status", "200", "x-big", strings.Repeat("b", 4000))
	field1K := hpackBlock("x-junk", strings.Repeat("j", 1000))
	tests := []struct {
		name           string
		prefix, repeat []byte
		want           string // in the error, the Result's Err and the last event
	}{
		{
			name: "endless CONTINUATION frames of header fields hit MaxHeaderBytes as decoded",
			prefix: slices.Concat(settings, h2Frames(func(fr *http2.Framer) {
				fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: status200})
			})),
			repeat: h2Frames(func(fr *http2.Framer) { fr.WriteContinuation(1, false, field1K) }),
			want:   "header fields longer than 1048576 bytes in all, decoded",
		},
		{
			// 0x20 sets the HPACK table's size to 0: allowed anywhere while
			// the table is empty, and it decodes to no field at all.
			name: "endless CONTINUATION frames that decode to nothing hit MaxHeaderBytes as sent",
			prefix: slices.Concat(settings, h2Frames(func(fr *http2.Framer) {
				fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: status200})
			})),
			repeat: h2Frames(func(fr *http2.Framer) { fr.WriteContinuation(1, false, bytes.Repeat([]byte{0x20}, 1000)) }),
			want:   "HEADERS and CONTINUATION frames longer than 1048576 bytes in all",
		},
		{
			name: "header fields that decode far larger than sent hit MaxHeaderBytes as decoded",
			prefix: slices.Concat(settings, h2Frames(func(fr *http2.Framer) {
				fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: big})
			})),
			repeat: h2Frames(func(fr *http2.Framer) { fr.WriteContinuation(1, false, bytes.Repeat([]byte{0xbe}, 1000)) }),
			want:   "header fields longer than 1048576 bytes in all, decoded",
		},
		{
			name: "endless empty CONTINUATION frames hit the cap on frames that bring nothing",
			prefix: slices.Concat(settings, h2Frames(func(fr *http2.Framer) {
				fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: status200})
			})),
			repeat: h2Frames(func(fr *http2.Framer) { fr.WriteContinuation(1, false, nil) }),
			want:   "more than 1000 frames in a row with nothing of the response",
		},
		{
			name:   "endless 1xx responses hit the interim cap, as in HTTP/1",
			prefix: settings,
			repeat: h2Frames(func(fr *http2.Framer) {
				fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hpackBlock(":status", "103", "link", "</a.css>; rel=preload"), EndHeaders: true})
			}),
			want: "more than 10 interim (1xx) responses",
		},
		{
			name:   "endless final responses: the second header block must be trailers ending the stream",
			prefix: settings,
			repeat: h2Frames(func(fr *http2.Framer) {
				fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: append(status200, field1K...), EndHeaders: true})
			}),
			want: "HEADERS after the final response's without END_STREAM",
		},
		{
			name:   "endless PING frames hit the cap on frames that bring nothing",
			prefix: settings,
			repeat: h2Frames(func(fr *http2.Framer) { fr.WritePing(false, [8]byte{1}) }),
			want:   "more than 1000 frames in a row with nothing of the response",
		},
		{
			name:   "endless SETTINGS frames hit the cap on frames that bring nothing",
			prefix: settings,
			repeat: h2Frames(func(fr *http2.Framer) {
				fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 100})
			}),
			want: "more than 1000 frames in a row with nothing of the response",
		},
		{
			name:   "endless frames of an unknown type hit the cap on frames that bring nothing",
			prefix: settings,
			repeat: h2Frames(func(fr *http2.Framer) { fr.WriteRawFrame(0xfa, 0, 0, bytes.Repeat([]byte{'u'}, 1000)) }),
			want:   "more than 1000 frames in a row with nothing of the response",
		},
		{
			name:   "endless WINDOW_UPDATE frames hit the cap on frames that bring nothing",
			prefix: settings,
			repeat: h2Frames(func(fr *http2.Framer) { fr.WriteWindowUpdate(0, 1) }),
			want:   "more than 1000 frames in a row with nothing of the response",
		},
		{
			name: "endless DATA on another stream hits the cap on frames that bring nothing",
			prefix: slices.Concat(settings, h2Frames(func(fr *http2.Framer) {
				fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: status200, EndHeaders: true})
			})),
			repeat: h2Frames(func(fr *http2.Framer) { fr.WriteData(3, false, bytes.Repeat([]byte{'d'}, 1000)) }),
			want:   "more than 1000 frames in a row with nothing of the response",
		},
		{
			name: "endless empty DATA frames hit the cap on frames that bring nothing",
			prefix: slices.Concat(settings, h2Frames(func(fr *http2.Framer) {
				fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: status200, EndHeaders: true})
			})),
			repeat: h2Frames(func(fr *http2.Framer) { fr.WriteData(1, false, nil) }),
			want:   "more than 1000 frames in a row with nothing of the response",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			url := hostileH2(t, tc.prefix, tc.repeat)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var before, after, held runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			res, err := DoH2(ctx, Request{URL: url}, nil)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			runtime.GC()
			runtime.ReadMemStats(&held)
			alloc, kept := after.TotalAlloc-before.TotalAlloc, int64(held.HeapAlloc)-int64(before.HeapAlloc)
			t.Logf("%v, %d events, allocated %.1f MiB, held %.1f MiB: %v", took, len(res.Events), float64(alloc)/(1<<20), float64(kept)/(1<<20), err)

			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("DoH2 = %v; want an error saying %q", err, tc.want)
			}
			if res.Err != err.Error() || res.Complete {
				t.Errorf("Result.Err %q, complete %v; want %q, incomplete", res.Err, res.Complete, err)
			}
			if last := res.Events[len(res.Events)-1]; last.Kind != KindError || !strings.Contains(last.Text, tc.want) {
				t.Errorf("last event %+v; want an error event saying %q", last, tc.want)
			}
			if took > 5*time.Second {
				t.Errorf("took %v; want it stopped within 5 s", took)
			}
			if alloc > maxAlloc {
				t.Errorf("allocated %d bytes; want at most %d", alloc, maxAlloc)
			}
			if kept > maxHeld {
				t.Errorf("holds %d more bytes after it returned; want at most %d", kept, maxHeld)
			}
			runtime.KeepAlive(res)
		})
	}
}
