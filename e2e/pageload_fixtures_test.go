package e2e

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// The page-load fixtures: one page load of a shop (a document, its
// stylesheets, scripts, fonts, images, API calls, a few third parties,
// redirects, 204 beacons and 304s, and one slow streamed CSV export: the
// request that matters), written as two tools write a HAR:
//
//   - testdata/pageload-chrome-har.har as sitespeed.io's chrome-har
//     (Browsertime): log.creator "chrome-har"; each entry starts at its
//     network request's start; _chunks [{ts, bytes}] with ts in ms from the
//     page's start (fractions kept) and bytes decoded (Network.dataReceived's
//     dataLength); _resourceType, _requestId, _priority, _transferSize;
//     timings with _blocked_queueing; bodiless entries carry no _chunks.
//   - testdata/pageload-webpagetest.har as WebPageTest writes one: creator
//     "WebPagetest"; each entry starts at its request's send (after DNS,
//     connect and TLS, which are in its timings); whole-ms times; _chunks
//     bytes as they came off the network (encoded), with the WPT request
//     fields (_load_start, _ttfb_ms, _bytesIn, _objectSize, _contentType,
//     _full_url, _host, _url, _protocol, _index).
//
// Both are generated from one deterministic description of the page, so
// the same request has the same URL, status and reads in both. Regenerate
// with: go test ./e2e -run TestPageLoadFixtures -update-pageload
var updatePageload = flag.Bool("update-pageload", false, "write e2e/testdata/pageload-*.har from their generator")

// TestPageLoadFixtures: the committed fixtures are their generator's
// output, and hold the page load the browser tests count on.
func TestPageLoadFixtures(t *testing.T) {
	for _, tc := range []struct {
		file    string
		write   func([]pageEntry) any
		creator string
	}{
		{"testdata/pageload-chrome-har.har", chromeHAR, "chrome-har"},
		{"testdata/pageload-webpagetest.har", webPageTestHAR, "WebPagetest"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := json.MarshalIndent(tc.write(shopPageLoad()), "", " ")
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, '\n')
			if *updatePageload {
				if err := os.WriteFile(tc.file, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, b) {
				t.Fatalf("%s is not its generator's output: run go test ./e2e -run TestPageLoadFixtures -update-pageload", tc.file)
			}
			var f struct {
				Log struct {
					Creator struct{ Name string }
					Entries []struct {
						Chunks []json.RawMessage `json:"_chunks"`
					}
				}
			}
			if err := json.Unmarshal(got, &f); err != nil {
				t.Fatal(err)
			}
			withChunks := 0
			for _, e := range f.Log.Entries {
				if len(e.Chunks) > 0 {
					withChunks++
				}
			}
			if f.Log.Creator.Name != tc.creator || len(f.Log.Entries) < 100 || withChunks < 100 {
				t.Errorf("creator %q, %d entries, %d with _chunks; want %q and 100+ of each", f.Log.Creator.Name, len(f.Log.Entries), withChunks, tc.creator)
			}
		})
	}
}

// pageEntry is one request of the page load, in ms from the page's first
// request.
type pageEntry struct {
	url, mime, resType string
	status             int
	start              float64 // the request's start (before DNS, connect)
	dns, connect, ssl  float64 // -1: none (a reused connection)
	blocked, send      float64
	wait               float64 // to the first byte
	reads              []pageRead
	gzip               bool // encoded bytes are fewer than decoded
	redirect           string
}

// pageRead is a piece of the body: when it was read (ms after the first
// byte) and its decoded and encoded sizes.
type pageRead struct {
	after          float64
	bytes, encoded int
}

// pageStart is when the page's first request left.
var pageStart = time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)

// exportURL is the page load's slow request: a CSV export streamed a row
// group at a time, the request a person opens the file to find.
const exportURL = "https://shop.example.test/account/orders/export.csv?year=2026"

// shopPageLoad is the page load: 129 requests (118 with a body), deterministic.
func shopPageLoad() []pageEntry {
	seed := uint32(2026)
	rnd := func() float64 { // a small LCG: the same page on every run
		seed = seed*1664525 + 1013904223
		return float64(seed>>8) / float64(1<<24)
	}
	ms := func(lo, hi float64) float64 { return math.Round((lo+(hi-lo)*rnd())*1000) / 1000 }
	body := func(size int, rate float64, gzip bool) []pageRead {
		// A body read in pieces of up to 16 KiB at rate bytes per ms.
		var out []pageRead
		at := 0.0
		for left := size; left > 0; {
			n := min(left, 1024*(4+int(12*rnd())))
			left -= n
			enc := n
			if gzip {
				enc = n * 3 / 10
			}
			out = append(out, pageRead{after: math.Round(at*1000) / 1000, bytes: n, encoded: enc})
			at += float64(n)/rate + ms(0, 2)
		}
		return out
	}
	hosts := map[string]bool{}
	entry := func(u, mime, typ string, start float64, size int, gzip bool) pageEntry {
		host := strings.SplitN(strings.TrimPrefix(u, "https://"), "/", 2)[0]
		e := pageEntry{url: u, mime: mime, resType: typ, status: 200, start: start, dns: -1, connect: -1, ssl: -1,
			blocked: ms(0.5, 8), send: ms(0.1, 0.6), wait: ms(15, 90), gzip: gzip}
		if !hosts[host] { // the first request to a host opens its connection
			hosts[host] = true
			e.dns, e.connect = ms(5, 40), ms(20, 60)
			e.ssl = ms(10, e.connect-5)
		}
		e.reads = body(size, ms(400, 3000), gzip)
		return e
	}
	var out []pageEntry
	add := func(e pageEntry) { out = append(out, e) }
	add(pageEntry{url: "https://example.test/", mime: "", resType: "document", status: 301, start: 0, dns: 12.4, connect: 31.2, ssl: 20.1,
		blocked: 1.2, send: 0.3, wait: 41.7, redirect: "https://shop.example.test/"})
	doc := entry("https://shop.example.test/", "text/html", "document", 90.5, 48*1024, true)
	doc.wait = 182.3
	add(doc)
	t := 300.0
	for i := range 12 {
		add(entry(fmt.Sprintf("https://shop.example.test/static/css/%s.%x.css", []string{"base", "grid", "theme", "forms", "icons", "print"}[i%6], 0xa11ce+i*977), "text/css", "stylesheet", t+ms(0, 40), 8*1024+int(40*1024*rnd()), true))
	}
	for i := range 40 {
		host := "shop.example.test"
		if i%5 == 4 {
			host = "cdn.example.test"
		}
		add(entry(fmt.Sprintf("https://%s/static/js/chunk-%d.%x.js", host, i, 0xbeef0+i*4099), "application/javascript", "script", t+ms(10, 600), 4*1024+int(180*1024*rnd()), true))
	}
	for _, f := range []string{"inter-400", "inter-600", "inter-700", "mono-400"} {
		add(entry("https://fonts.example.net/s/"+f+".woff2", "font/woff2", "font", 650+ms(0, 80), 20*1024+int(30*1024*rnd()), false))
	}
	for i := range 52 {
		ext, mime := "webp", "image/webp"
		if i%4 == 0 {
			ext, mime = "png", "image/png"
		}
		e := entry(fmt.Sprintf("https://cdn.example.test/img/products/%04d-400.%s", 1200+i*7, ext), mime, "image", 700+ms(0, 1800), 6*1024+int(120*1024*rnd()), false)
		if i%13 == 5 { // revalidated: 304, no body
			e.status, e.reads = 304, nil
		}
		add(e)
	}
	for i, p := range []string{"cart", "user", "recommendations?limit=12", "stock?ids=1200,1207,1214", "prices?currency=EUR", "banners", "reviews?product=1207", "shipping/estimate", "wishlist", "search/suggest?q=sh"} {
		add(entry("https://shop.example.test/api/v2/"+p, "application/json", "xhr", 900+float64(i)*85+ms(0, 30), 300+int(6000*rnd()), true))
	}
	for i := range 6 { // analytics beacons: 204, no body
		e := entry(fmt.Sprintf("https://analytics.example.org/collect?v=2&t=%s&n=%d", []string{"pageview", "timing", "event"}[i%3], i), "", "ping", 1200+float64(i)*400+ms(0, 50), 0, false)
		e.status, e.reads = 204, nil
		add(e)
	}
	exp := entry(exportURL, "text/csv", "fetch", 2300, 0, false)
	exp.wait = 412.6
	at := 0.0
	for i := range 40 { // one row group every ~100 ms, flushed as made
		n := 1400 + int(300*rnd())
		exp.reads = append(exp.reads, pageRead{after: math.Round(at*1000) / 1000, bytes: n, encoded: n + 6})
		at += 95 + ms(0, 15)
		_ = i
	}
	add(exp)
	add(entry("https://shop.example.test/sw.js", "text/javascript", "script", 2900, 9*1024, true))
	add(entry("https://shop.example.test/manifest.webmanifest", "application/manifest+json", "manifest", 2950, 800, false))
	return out
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// respHeaders are an entry's response headers.
func (e pageEntry) respHeaders(lower bool) []harNV {
	name := func(s string) string {
		if lower { // HTTP/2, as chrome-har passes them on
			return strings.ToLower(s)
		}
		return s
	}
	var h []harNV
	if e.mime != "" {
		h = append(h, harNV{name("Content-Type"), e.mime})
	}
	if e.gzip {
		h = append(h, harNV{name("Content-Encoding"), "gzip"})
	}
	if e.redirect != "" {
		h = append(h, harNV{name("Location"), e.redirect})
	}
	if e.url == exportURL {
		h = append(h, harNV{name("Cache-Control"), "no-store"})
	}
	return h
}

func (e pageEntry) size() (decoded, encoded int) {
	for _, r := range e.reads {
		decoded += r.bytes
		encoded += r.encoded
	}
	return
}

// headersAt is when the first byte came, from the request's start.
func (e pageEntry) headersAt() float64 {
	return e.blocked + math.Max(0, e.dns) + math.Max(0, e.connect) + e.send + e.wait
}

func (e pageEntry) total() float64 {
	t := e.headersAt()
	if n := len(e.reads); n > 0 {
		t += e.reads[n-1].after
	}
	return t
}

func statusText(s int) string {
	return map[int]string{200: "OK", 204: "No Content", 301: "Moved Permanently", 304: "Not Modified"}[s]
}

func date(ms float64) string {
	return pageStart.Add(time.Duration(math.Round(ms*1000)) * time.Microsecond).Format("2006-01-02T15:04:05.000Z")
}

// round3 keeps three decimals, as DevTools' timestamps have.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// chromeHAR writes the page load as chrome-har does.
func chromeHAR(page []pageEntry) any {
	var entries []map[string]any
	for i, e := range page {
		dec, enc := e.size()
		start := math.Round(e.start) // HAR dates have ms precision; chrome-har's ts count from the page's start
		t := map[string]any{"blocked": round3(e.blocked), "dns": round3(e.dns), "ssl": round3(e.ssl), "connect": round3(e.connect),
			"send": round3(e.send), "wait": round3(e.wait), "receive": round3(e.total() - e.headersAt()), "_blocked_queueing": round3(e.blocked * 0.8)}
		entry := map[string]any{
			"cache": map[string]any{}, "startedDateTime": date(start), "_requestId": fmt.Sprintf("4127.%d", i+1),
			"_initialPriority": "High", "_priority": "High", "pageref": "page_1",
			"request": map[string]any{"method": "GET", "url": e.url, "queryString": []any{}, "headersSize": -1, "bodySize": 0, "cookies": []any{},
				"headers": []harNV{{":method", "GET"}, {"accept", "*/*"}}, "httpVersion": "h2"},
			"time": round3(e.total()), "_initiator_type": "parser", "_resourceType": e.resType,
			"response": map[string]any{"httpVersion": "h2", "redirectURL": e.redirect, "status": e.status, "statusText": statusText(e.status),
				"content":     map[string]any{"mimeType": cmpOr(e.mime, "x-unknown"), "size": dec, "compression": dec - enc},
				"headersSize": -1, "bodySize": enc, "_transferSize": enc + 200, "cookies": []any{}, "headers": e.respHeaders(true)},
			"serverIPAddress": "192.0.2.20", "connection": fmt.Sprint(100 + i%6), "timings": t,
		}
		if len(e.reads) > 0 {
			var chunks []map[string]any
			for _, r := range e.reads {
				chunks = append(chunks, map[string]any{"ts": round3(start + e.headersAt() + r.after), "bytes": r.bytes})
			}
			entry["_chunks"] = chunks
		}
		entries = append(entries, entry)
	}
	last := page[len(page)-1]
	return map[string]any{"log": map[string]any{
		"version": "1.2",
		"creator": map[string]any{"name": "chrome-har", "version": "0.13.2", "comment": "https://github.com/sitespeedio/chrome-har"},
		"pages": []any{map[string]any{"id": "page_1", "startedDateTime": date(0), "title": "https://shop.example.test/",
			"pageTimings": map[string]any{"onContentLoad": 1412.345, "onLoad": round3(last.start + last.total())}, "_url": "https://example.test/"}},
		"entries": entries,
	}}
}

// webPageTestHAR writes the page load as WebPageTest does.
func webPageTestHAR(page []pageEntry) any {
	var entries []map[string]any
	for i, e := range page {
		dec, enc := e.size()
		connectEnd := math.Round(e.start + e.blocked + math.Max(0, e.dns) + math.Max(0, e.connect))
		sendStart := connectEnd // WPT's entry starts at the request's send
		ttfb := math.Round(e.send + e.wait)
		download := 0.0
		if n := len(e.reads); n > 0 {
			download = math.Round(e.reads[n-1].after)
		}
		whole := func(v float64) float64 {
			if v < 0 {
				return -1
			}
			return math.Round(v)
		}
		host := strings.SplitN(strings.TrimPrefix(e.url, "https://"), "/", 2)[0]
		entry := map[string]any{
			"pageref": "page_1_0_1", "startedDateTime": date(sendStart), "time": whole(e.blocked) + math.Max(0, whole(e.dns)) + math.Max(0, whole(e.connect)) + ttfb + download,
			"request": map[string]any{"method": "GET", "url": e.url, "headersSize": 210, "bodySize": -1, "cookies": []any{},
				"headers": []harNV{{"accept", "*/*"}}, "httpVersion": "HTTP/2", "queryString": []any{}},
			"response": map[string]any{"status": e.status, "statusText": statusText(e.status), "httpVersion": "HTTP/2", "headersSize": 180, "bodySize": enc,
				"headers": e.respHeaders(false), "cookies": []any{}, "content": map[string]any{"size": dec, "mimeType": e.mime}, "redirectURL": e.redirect},
			"cache": map[string]any{},
			"timings": map[string]any{"blocked": whole(e.blocked), "dns": whole(e.dns), "connect": whole(e.connect), "ssl": whole(e.ssl),
				"send": 0, "wait": ttfb, "receive": download},
			"_index": i, "_number": i + 1, "_host": host, "_url": strings.TrimPrefix(e.url, "https://"+host), "_full_url": e.url,
			"_protocol": "HTTP/2", "_request_type": "GET", "_responseCode": e.status, "_contentType": e.mime,
			"_load_start": sendStart, "_ttfb_ms": ttfb, "_download_ms": download, "_load_ms": ttfb + download,
			"_bytesIn": enc + 180, "_objectSize": enc, "_objectSizeUncompressed": dec,
		}
		if len(e.reads) > 0 {
			var chunks []map[string]any
			for _, r := range e.reads {
				chunks = append(chunks, map[string]any{"ts": math.Round(sendStart + ttfb + r.after), "bytes": r.encoded})
			}
			entry["_chunks"] = chunks
		}
		entries = append(entries, entry)
	}
	last := page[len(page)-1]
	return map[string]any{"log": map[string]any{
		"version": "1.1",
		"creator": map[string]any{"name": "WebPagetest", "version": "21.07"},
		"browser": map[string]any{"name": "Chrome", "version": "118.0.5993.88"},
		"pages": []any{map[string]any{"startedDateTime": date(0), "title": "Run 1, First View for https://example.test/", "id": "page_1_0_1",
			"pageTimings": map[string]any{"onLoad": math.Round(last.start + last.total()), "onContentLoad": 1412, "_startRender": 1180},
			"_URL":        "https://example.test/", "_run": 1, "_cached": 0}},
		"entries": entries,
	}}
}
