package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"chunkscope/internal/harness"
)

// TestUpstreamPageDoesNotRunHere: an upstream's HTML page, opened through
// /upstream on chunkscope's origin, must not run as chunkscope. The red
// team's page loaded its script through /upstream too (so 'self' allowed
// it), drove the speaker's talk window over the chunkscope-talk
// BroadcastChannel and registered a service worker for /. Here the talk
// window must stay on its step, the script must never be fetched, and no
// service worker of the upstream's may be registered.
func TestUpstreamPageDoesNotRunHere(t *testing.T) {
	bin := binaryAndBrowser(t)
	var mu sync.Mutex
	hits := map[string]int{}
	var upURL string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		switch r.URL.Path {
		case "/evil.html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<!doctype html><title>evil</title><script src="/upstream?url=%s/evil.js"></script>`, upURL)
		default: // evil.js, sw.js
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprint(w, `new BroadcastChannel("chunkscope-talk").postMessage({type: "command", cmd: "next", arg: ""});`)
		}
	}))
	defer up.Close()
	upURL = up.URL
	front, err := harness.Start(bin, os.Stderr, "-upstream", up.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer front.Stop()

	talkTab := tabFor(t, 2*time.Minute)
	if err := chromedp.Do(talkTab, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(front.Base+"/talk")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, talkTab, "the first step", `!!document.querySelector("#talk") && document.querySelector("#talk").dataset.step === "1"`)

	// A link to the upstream's page, opened in another tab of the same
	// browser: it is an attachment (a download, never rendered here).
	evil := tab(t)
	chromedp.Do(evil, chromedp.Navigate(front.Base+"/upstream?url="+up.URL+"/evil.html")) // aborted by the download: no error to check
	// The page's own tab loading the script and the worker through
	// /upstream (what the evil page's markup would do): both refused.
	refused := eval[bool](t, talkTab, fmt.Sprintf(`(async () => {
		const script = await new Promise((ok) => {
			const s = document.createElement("script");
			s.src = "/upstream?url=%[1]s/evil.js";
			s.onload = () => ok(false);
			s.onerror = () => ok(true);
			document.head.append(s);
		});
		const worker = await navigator.serviceWorker.register("/upstream?url=%[1]s/sw.js", {scope: "/"}).then(() => false, () => true);
		return script && worker;
	})()`, up.URL))
	if !refused {
		t.Error("a script or a service worker from the upstream loaded through /upstream; want both refused")
	}
	time.Sleep(time.Second) // a message on the channel would have arrived by now
	if step := eval[string](t, talkTab, `document.querySelector("#talk").dataset.step`); step != "1" {
		t.Errorf("the talk window moved to step %s; want it on step 1 (the upstream's script must not drive it)", step)
	}
	regs := eval[int](t, talkTab, `navigator.serviceWorker.getRegistrations().then((rs) => rs.filter((r) => (r.active || r.installing || r.waiting || {}).scriptURL?.includes("/upstream")).length)`)
	if regs != 0 {
		t.Errorf("%d service workers of the upstream's registered; want none", regs)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits["/evil.js"] != 0 || hits["/sw.js"] != 0 {
		t.Errorf("the upstream served its script %d times and its worker %d times; want neither (refused before the hop)", hits["/evil.js"], hits["/sw.js"])
	}
}
