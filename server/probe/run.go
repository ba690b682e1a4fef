package probe

import (
	"fmt"
	"net/textproto"
	"os"
	"time"

	"chunkscope/app/keep"
	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// secretHeaders are request headers whose values a run record never
// holds: the record says they were sent, not what they were.
var secretHeaders = []string{"Authorization", "Cookie", "Proxy-Authorization"}

// LeftOut is what a run record holds in place of a secret header's value.
const LeftOut = "(sent; left out of this file)"

// Run makes a probe's Result into a run record, the page's own type: a
// probe-only run (source "wire", as the page's HTTP/1.0 and HTTP/2
// scenarios), of scenario "upstream" with the URL probed, whose pieces are
// the socket reads that carried body bytes and whose wire lane is every
// event. started is when the probe began (the record's startedAt); the
// record's t0EpochMs is the probe's t = 0, the request written. The values
// of Authorization, Cookie and Proxy-Authorization are left out.
func Run(req Request, res Result, started time.Time) *record.Run {
	method := "GET"
	if req.Head {
		method = "HEAD"
	}
	r := record.New(record.Plan{
		ID:       "probe-" + started.UTC().Format("20060102T150405.000000"),
		Scenario: record.Upstream,
		Method:   method,
		URL:      req.URL,
		Params:   map[string]string{"url": req.URL},
		ReadMode: "stream",
		Source:   record.SourceWire,
		Started:  started,
	})
	r.StartWire()
	r.AddWire(res.Events)
	r.FinishWire(wire.Summary{
		Status: res.Status, Proto: res.Proto, Headers: res.Headers, Trailer: res.Trailer,
		Framing: res.Framing, Chunks: res.Chunks, ContentLength: res.ContentLength,
		BodyBytes: res.BodyBytes, Complete: res.Complete, Err: res.Err,
		TTFBMs: res.TTFBMs, TotalMs: res.TotalMs, Dropped: res.Dropped, Dial: res.Dial,
		Request: savedHeaders(req.Header),
	}, nil) // a failed probe's error is res.Err: what it saw before is kept
	if res.Dial != nil {
		r.T0EpochMs = res.Dial.T0EpochMs
	}
	r.Finish(record.End{})
	return r
}

// savedHeaders are the request headers a record keeps, named as /wire's
// summary names them, secrets' values left out.
func savedHeaders(h map[string]string) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := map[string]string{}
	for name, v := range h {
		canon := textproto.CanonicalMIMEHeaderKey(name)
		for _, s := range secretHeaders {
			if canon == s {
				v = LeftOut
			}
		}
		out[canon] = v
	}
	return out
}

// writeRun writes the probe's run as a session file the page loads (Load…,
// or window.chunkscope.load).
func writeRun(file string, req Request, res Result, started time.Time) error {
	if res.Dropped > 0 {
		return fmt.Errorf("the probe kept %d events and dropped %d: the run is too long for one file", len(res.Events), res.Dropped)
	}
	b, err := keep.Encode([]*record.Run{Run(req, res, started)}, keep.View{Align: "start"}, time.Now())
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}
