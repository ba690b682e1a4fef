package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// sniffGap is how long the sniffing endpoint waits between its small first
// write and the rest.
const sniffGap = time.Second

// sniffCases are the responses TestSniffingHoldsNothing compares: a small
// first write, flushed, then the rest after sniffGap, with and without
// X-Content-Type-Options: nosniff.
var sniffCases = []struct{ contentType, nosniff string }{
	{"text/plain; charset=utf-8", ""}, {"text/plain; charset=utf-8", "nosniff"},
	{"", ""}, {"", "nosniff"}, // no Content-Type at all
	{"text/html; charset=utf-8", ""}, {"text/html; charset=utf-8", "nosniff"},
}

// TestSniffingHoldsNothing measures whether Chromium's MIME sniffing holds
// back the first bytes of a response a page reads with fetch() and
// getReader(): a text/plain (or untyped, or text/html) response without
// nosniff, whose first 20 bytes are flushed at once and the rest 1 s later,
// against the same with nosniff. If sniffing waited for 512 or 1024 bytes,
// or for the second write, the first read() would come after 1 s. It does
// not: on Chromium 156 the first read came after 22–65 ms on the main thread
// (six new connections at once) and 8–9 ms in a worker, the second after
// 1.00–1.06 s, in every case. So chunkscope has no scenario for it (README,
// "What each scenario shows"). Its own server and page: about 2.5 s.
func TestSniffingHoldsNothing(t *testing.T) {
	ctx := tab(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<!doctype html><title>sniff</title>")
	})
	mux.HandleFunc("/body", func(w http.ResponseWriter, r *http.Request) {
		if ct := r.URL.Query().Get("ct"); ct != "" {
			w.Header().Set("Content-Type", ct)
		} else {
			w.Header()["Content-Type"] = nil // no Content-Type, and no sniffing by net/http
		}
		if r.URL.Query().Get("nosniff") != "" {
			w.Header().Set("X-Content-Type-Options", "nosniff")
		}
		w.Header().Set("Cache-Control", "no-store")
		rc := http.NewResponseController(w)
		fmt.Fprint(w, "first,row,of,twenty\n") // 20 bytes
		rc.Flush()
		select {
		case <-time.After(sniffGap):
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, strings.Repeat("more,rows,after,1s\n", 100))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, c := range sniffCases {
		urls = append(urls, fmt.Sprintf("/body?ct=%s&nosniff=%s", strings.ReplaceAll(c.contentType, " ", "%20"), c.nosniff))
	}
	list, _ := json.Marshal(urls)
	// Each response read with fetch() and getReader(), as the page's pump
	// does: every read's time since the fetch began and its bytes. Once on
	// the page's main thread, then in a dedicated worker (where the page
	// reads its runs), each time all six at once.
	const read = `async (u) => {
		const t0 = performance.now();
		const resp = await fetch(u, {cache: "no-store"});
		const reader = resp.body.getReader(), reads = [];
		for (;;) {
			const {done, value} = await reader.read();
			if (done) break;
			reads.push([performance.now() - t0, value.byteLength]);
		}
		return reads;
	}`
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const urls = `+string(list)+`.map(u => new URL(u, location.href).href);
		const main = await Promise.all(urls.map(`+read+`));
		const src = "const one = " + (`+read+`).toString() + "; onmessage = async (e) => postMessage(await Promise.all(e.data.map(one)));";
		const w = new Worker(URL.createObjectURL(new Blob([src], {type: "text/javascript"})));
		const inWorker = await new Promise(resolve => { w.onmessage = (e) => resolve(e.data); w.postMessage(urls); });
		w.terminate();
		return JSON.stringify({main, worker: inWorker});
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Main, Worker [][][2]float64 }
	if err := json.Unmarshal([]byte(raw), &got); err != nil {
		t.Fatal(err)
	}
	gap := float64(sniffGap.Milliseconds())
	for where, all := range map[string][][][2]float64{"main thread": got.Main, "worker": got.Worker} {
		if len(all) != len(sniffCases) {
			t.Fatalf("%s: %d results; want %d", where, len(all), len(sniffCases))
		}
		for i, c := range sniffCases {
			name := fmt.Sprintf("%s: Content-Type %q, nosniff %q", where, c.contentType, c.nosniff)
			reads := all[i]
			if len(reads) < 2 {
				t.Errorf("%s: %d reads %v; want the first 20 bytes, then the rest", name, len(reads), reads)
				continue
			}
			t.Logf("%s: first read %.1f ms, %.0f bytes; second %.1f ms, %.0f bytes (%d reads)", name, reads[0][0], reads[0][1], reads[1][0], reads[1][1], len(reads))
			if reads[0][0] >= gap/2 || reads[0][1] != 20 {
				t.Errorf("%s: first read after %.1f ms with %.0f bytes; want the 20 flushed bytes well before the second write (%v): the browser held them to sniff", name, reads[0][0], reads[0][1], sniffGap)
			}
		}
	}
}
