package probe

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// FuzzParser feeds a response whole and cut at points drawn from seed,
// then closes. The seeds are real responses, in testdata/fuzz/FuzzParser.
// Whatever the input, the parser must not panic, its read events must
// cover the input, both feedings must parse alike, nothing may be parsed
// after an error, and a complete message must be covered by its events.
func FuzzParser(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"), false, int64(1))
	f.Fuzz(func(t *testing.T, in []byte, head bool, seed int64) {
		method := "GET"
		if head {
			method = "HEAD"
		}
		r := rand.New(rand.NewPCG(uint64(seed), 0))
		var cuts []int
		for i := 1; i < len(in); i++ {
			if r.IntN(4) == 0 {
				cuts = append(cuts, i)
			}
		}
		wholeEvents, wholeSum := parse(method, string(in), nil, true)
		evs, sum := parse(method, string(in), cuts, true)

		if n := readBytes(wholeEvents); n != len(in) {
			t.Errorf("read events fed whole cover %d bytes; want %d", n, len(in))
		}
		if n := readBytes(evs); n != len(in) {
			t.Errorf("read events fed in %d pieces cover %d bytes; want %d", len(cuts)+1, n, len(in))
		}
		if got, want := brief(evs), brief(wholeEvents); !reflect.DeepEqual(got, want) {
			t.Errorf("events fed in pieces at %v:\n got %q\nwant (fed whole) %q", cuts, got, want)
		}
		if !reflect.DeepEqual(sum, wholeSum) {
			t.Errorf("summary fed in pieces = %+v; fed whole %+v", sum, wholeSum)
		}
		checkAfterError(t, evs)
		if wholeSum.Complete && wholeSum.Err == "" {
			if got := parsedBytes(wholeEvents) + 2*wholeSum.Chunks; got != len(in) {
				t.Errorf("complete message: parsed events + 2 × %d chunks cover %d bytes; want %d", wholeSum.Chunks, got, len(in))
			}
		}
	})
}

// FuzzH2Frames feeds its input to the HTTP/2 probe as all the server
// sends (after the client's preface), then closes. The seeds are valid
// exchanges. Whatever the input, the probe must not panic, must end
// without waiting for its deadline, must report an error exactly when the
// response is not complete, and must keep its result bounded: events up
// to MaxEvents, every other one counted as dropped, and no more events or
// text than the input can justify.
func FuzzH2Frames(f *testing.F) {
	settings := func(fr *http2.Framer) {
		fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 250})
		fr.WriteSettingsAck()
	}
	f.Add(h2Frames(func(fr *http2.Framer) { // a streamed response: two flushes
		settings(fr)
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hpackBlock(":status", "200", "content-type", "text/plain"), EndHeaders: true})
		fr.WriteData(1, false, []byte("piece 1\n"))
		fr.WriteData(1, true, []byte("piece 2\n"))
	}))
	f.Add(h2Frames(func(fr *http2.Framer) { // an interim response, a Content-Length, an empty DATA frame ending the stream
		settings(fr)
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hpackBlock(":status", "103", "link", "</a.css>; rel=preload"), EndHeaders: true})
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hpackBlock(":status", "200", "content-length", "5"), EndHeaders: true})
		fr.WriteWindowUpdate(0, 1<<20)
		fr.WriteData(1, false, []byte("hello"))
		fr.WriteData(1, true, nil)
	}))
	f.Add(h2Frames(func(fr *http2.Framer) { // headers split by CONTINUATION, a PING, trailers
		settings(fr)
		block := hpackBlock(":status", "200", "trailer", "x-sum", "x-long", strings.Repeat("v", 100))
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block[:20]})
		fr.WriteContinuation(1, true, block[20:])
		fr.WritePing(false, [8]byte{7})
		fr.WriteData(1, false, []byte("body"))
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hpackBlock("x-sum", "42"), EndHeaders: true, EndStream: true})
	}))
	f.Add(h2Frames(func(fr *http2.Framer) { // a graceful GOAWAY that spares stream 1; no body
		settings(fr)
		fr.WriteGoAway(1, http2.ErrCodeNo, nil)
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hpackBlock(":status", "204"), EndHeaders: true, EndStream: true})
	}))
	f.Fuzz(func(t *testing.T, in []byte) {
		const maxEvents = 8
		client, server := net.Pipe()
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); io.Copy(io.Discard, server) }() // what the client writes; ends when it closes
		go func() { defer wg.Done(); server.Write(in); server.Close() }()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn := watch(ctx, client)
		seen, text := 0, 0
		res, err := exchangeH2(ctx, &dialed{Conn: conn, target: target{scheme: "http", addr: "pipe", host: "example.com", path: "/"}}, Request{MaxEvents: maxEvents}, func(e Event) {
			seen++
			text += len(e.Text)
		})
		conn.Close()
		wg.Wait()

		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the probe ran until its deadline on %d bytes that end with a close", len(in))
		}
		if (err == nil) != res.Complete {
			t.Errorf("error %v, complete %v; want an error exactly when incomplete", err, res.Complete)
		}
		if err != nil && res.Err != err.Error() {
			t.Errorf("Result.Err = %q; want the error, %q", res.Err, err)
		}
		if len(res.Events) != min(seen, maxEvents) || res.Dropped != seen-len(res.Events) {
			t.Errorf("kept %d, dropped %d of %d events; want %d kept, the rest dropped", len(res.Events), res.Dropped, seen, min(seen, maxEvents))
		}
		// Each frame of 9 bytes or more makes at most 3 events (2 reads
		// and the frame), each header block 2 (status, headers-end) and
		// each field, 1 byte or more, one; the end or the error one more.
		if limit := 2*len(in) + 8; seen > limit {
			t.Errorf("%d events from %d bytes; want at most %d", seen, len(in), limit)
		}
		// Field text is bounded by MaxHeaderBytes; all else is a short line.
		if limit := MaxHeaderBytes + 300*seen; text > limit {
			t.Errorf("events carry %d bytes of text; want at most %d", text, limit)
		}
	})
}
