package record

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"chunkscope/app/wire"
)

// Verdict says in a sentence or two why a run did or did not stream, from
// everything the record holds — the reads, the headers, and where present
// the wire (the probe's view of the same request) and the server's send log
// — and lists that evidence. It never claims more than the evidence shows:
// when only the arrivals are known, it says how the body arrived, not how
// it was sent.
type Verdict struct {
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
	// Layer names the layer that most likely held the bytes, in plain
	// words ("" when nothing held them or nothing can tell).
	Layer string `json:"layer,omitempty"`
	// Evidence lists what the verdict was drawn from, one fact a line.
	Evidence []string `json:"evidence,omitempty"`
}

// Verdict kinds. They are in saved files, tests and scripts: a kind is
// only ever added, never renamed.
const (
	KindRunning  = "running"
	KindError    = "error"
	KindNoBody   = "no-body"
	KindOnePiece = "one-piece" // everything arrived together, sent or held whole
	KindStreamed = "streamed"  // pieces arrived spread over the run, as they were sent
	KindBurst    = "burst"     // released in a few bursts by a buffer, though sent in many pieces
	KindMerged   = "merged"    // sent in many pieces, seen by the client in few: nothing held them
	KindDelayed  = "delayed-first-byte"
	// KindBatched: released in pieces of about one size, or at about one
	// interval, slower than a person sees a stream — a buffer or a timer on
	// the way (nginx's 4 KiB proxy buffers, HAProxy's ~200 ms) — where
	// chunkscope cannot see the writes to prove it (an upstream).
	KindBatched = "batched"
)

// BurstMs is how close together pieces may arrive and still count as
// arriving at once: below a frame or three, nobody sees a stream.
const BurstMs = 50

// LateMs is the shortest wait for the first body byte that counts as late:
// a delay a person notices, and well over what the page itself adds to a
// first read (80–180 ms measured: NOTES.md; ~250 ms seen in the e2e
// tests on a loaded machine). A body whose first byte is
// late is never called nobody's doing; a stream whose first byte is late
// and 4 or more of its own intervals long has a delayed first byte.
const LateMs = 500

// lateCadences is how many of the body's own intervals the wait for its
// first byte must last to be a delay rather than the stream's pace (a
// batch's first piece comes one interval in): a margin, so the same
// request read three times gets the same kind.
const lateCadences = 4

// BatchMinBytes is the smallest median piece a batched body has: a stream
// of rows or events arrives in pieces of tens or hundreds of bytes; a
// buffer or a timer lets go of kilobytes.
const BatchMinBytes = 1024

// evidence is what Explain reads, gathered once.
type evidence struct {
	reads          []Chunk
	ttfb, spread   float64
	total          float64
	headers        float64 // when the headers came
	bursts         []Burst // reads back to back, against the body's own cadence (BurstsOf)
	cad            Cadence
	wireN          int // body pieces on the wire (the same response's only)
	wireChunks     int // HTTP chunks or DATA frames: each one a flush, or a buffer let go
	wireSpread     float64
	wireFirst      float64  // the first body piece on the wire, ms since the probe's request
	wireHalf       float64  // when half the body's bytes had come on the wire
	wireOther      []string // how the probe's response differed: then none of the above is set
	sentN, flushed int      // writes in the send log, and how many were flushed
	sentBytes      int64    // the bytes of those writes
	sentSpread     float64  // first write to last, ms
	firstSent      float64  // the first write, on the page's clock
	maxSendGap     float64  // the longest pause between two writes
	delays         []float64
	encoding       string // Content-Encoding: the send log counts compressed bytes
	cache          Cache
}

func gather(r *Run) evidence {
	e := evidence{encoding: r.Header("content-encoding"), reads: r.Chunks, ttfb: r.TTFBMs, spread: r.Spread(), total: r.TotalMs,
		headers: r.HeadersMs, bursts: BurstsOf(r.Chunks), cache: CacheOf(r.Header)}
	e.cad = CadenceOf(e.bursts)
	if r.Wire != nil {
		e.wireOther = WireDiffers(r)
	}
	if r.Wire != nil && e.wireOther == nil {
		var last float64
		var total, sofar int64
		for _, ev := range r.Wire.Events {
			if wire.IsBody(ev.Kind) && ev.Bytes > 0 {
				total += int64(ev.Bytes)
			}
		}
		for _, ev := range r.Wire.Events {
			if !wire.IsBody(ev.Kind) || ev.Bytes <= 0 {
				continue
			}
			if e.wireN == 0 {
				e.wireFirst = ev.T
			}
			if sofar < (total+1)/2 && sofar+int64(ev.Bytes) >= (total+1)/2 {
				e.wireHalf = ev.T
			}
			sofar += int64(ev.Bytes)
			last = ev.T
			e.wireN++
		}
		e.wireSpread = last - e.wireFirst
		e.wireChunks = r.Wire.Chunks
	}
	if n := len(r.Sent); n > 0 {
		totals := Sends(r.Sent)
		e.sentN, e.flushed, e.sentBytes = totals.Writes, totals.Flushed, totals.Bytes
		e.firstSent = r.Sent[0].T
		e.sentSpread = r.Sent[n-1].T - r.Sent[0].T
		for i := 1; i < n; i++ {
			e.maxSendGap = max(e.maxSendGap, r.Sent[i].T-r.Sent[i-1].T)
		}
		e.delays = SendDelays(r)
	}
	return e
}

// Explain derives the verdict from the record.
func Explain(r *Run) Verdict {
	switch {
	case !r.Done:
		return Verdict{Kind: KindRunning, Detail: fmt.Sprintf("Reading: %s in %s so far.", Size(r.Bytes), pieces(len(r.Chunks)))}
	case r.Error != "":
		return Verdict{Kind: KindError, Detail: "The request failed: " + r.Error, Evidence: arrivals(r)}
	case r.Status == 304 && len(r.Chunks) > 0:
		// A browser's own record (a NetLog) of a revalidation: the server
		// said the stored copy is still good, and the cache read it out.
		return Verdict{Kind: KindNoBody, Detail: fmt.Sprintf("304 from the server after %s: no body came over the network; the %s (%s) are the browser's cache reading out its stored copy, not the network's pace.", Sec(r.HeadersMs), pieces(len(r.Chunks)), Size(r.Bytes)),
			Evidence: arrivals(r)}
	case r.Status == 204 || r.Status == 304:
		return Verdict{Kind: KindNoBody, Detail: fmt.Sprintf("%d: no body by definition, so no Content-Length and no chunked framing; the headers came after %s.", r.Status, Sec(r.HeadersMs))}
	case r.Status >= 300 && r.Status < 400 && r.Loaded != nil && len(r.Chunks) == 0 && r.Bytes == 0:
		// A file's bodiless 3xx (a page load's redirect) is one of its
		// steps, not a failure; a run chunkscope made itself expected a
		// body, so its 3xx is still the error below.
		to := ""
		if loc := r.Header("location"); loc != "" {
			if len(loc) > 200 {
				loc = strings.ToValidUTF8(loc[:200], "") + "…"
			}
			to = " to " + loc
		}
		return Verdict{Kind: KindNoBody, Detail: fmt.Sprintf("%d: a redirect%s, with no body; the headers came after %s.", r.Status, to, Sec(r.HeadersMs))}
	case r.Status < 200 || r.Status > 299:
		reason := Excerpt(r.ErrorBody, r.Header("content-type"))
		if reason == "" {
			reason = "no reason given"
		}
		return Verdict{Kind: KindError, Detail: fmt.Sprintf("The server answered %d: %s", r.Status, reason)}
	case r.Method == "HEAD":
		return Verdict{Kind: KindNoBody, Detail: fmt.Sprintf("HEAD: the headers a GET would get (after %s), and no body by definition.", Sec(r.HeadersMs))}
	case len(r.Chunks) == 0:
		return Verdict{Kind: KindNoBody, Detail: fmt.Sprintf("No body arrived; the headers came after %s.", Ms(r.HeadersMs))}
	}
	e := gather(r)
	v := judge(r, e)
	if e.cache.Hit {
		v.Detail += " It was a cache hit (" + e.cache.Says + "): " + e.cache.Name + "'s stored copy, not the app's own sending — a miss, or a response the app marks private or no-store, shows that."
	}
	if e.wireOther != nil {
		v.Detail += " The wire probe got another response (" + strings.Join(e.wireOther, "; ") +
			"): its lane is not this response, and nothing here is drawn from it."
	}
	v.Evidence = append(arrivals(r), e.facts(r)...)
	return v
}

// judge picks the kind, the sentence and the layer.
func judge(r *Run, e evidence) Verdict {
	framing := capitalize(framingOf(r, e))
	manyWire := e.wireN >= 2 && e.wireSpread >= BurstMs
	manySent := e.sentN >= 2 && e.sentSpread >= BurstMs
	// sentAtOnce: every write within a burst, so however the reads spread,
	// no pace of the handler's is in them.
	sentAtOnce := e.sentN >= 2 && e.sentSpread < BurstMs
	// netPrompt: written at once, and the browser's network stack had the
	// response's first and last bytes within a burst of the writes
	// (Resource Timing): a read that came later was the page's own lag
	// (80–180 ms on a loaded machine), not a layer holding the bytes.
	netPrompt := sentAtOnce && promptOnTheNetwork(r, e)
	held := len(e.delays) > 0 && e.delays[0] >= BurstMs && !netPrompt // the first bytes waited somewhere
	atOnce := len(e.reads) == 1 || e.spread < BurstMs
	// late: the first byte came late, for a person and for the page,
	// counted from when the request left (a request the browser sent late
	// is not a response held): then the bytes were held somewhere, and no
	// sentence may say nobody held them.
	late := e.ttfb-requestLeft(r) >= LateMs && !netPrompt
	// sentLate: nothing was written until (about) when it arrived: the
	// handler produced the body whole first.
	sentLate := e.sentN == 0 || e.firstSent >= e.ttfb-max(BurstMs, 0.2*e.ttfb)
	quick := (atOnce || sentAtOnce) && !held
	// wireEarly: on the wire, half the body had come before a first byte
	// would count as late: the probe's response was not held either.
	wireEarly := e.wireN > 0 && e.wireHalf < LateMs
	switch {
	case atOnce && manySent && held:
		who, layer := heldBy(e)
		return Verdict{Kind: KindOnePiece, Layer: layer, Detail: fmt.Sprintf(
			"%s. %s %d pieces over %s%s, yet the body arrived at once after %s (%s in %s): %s held it.",
			framing, wrote(e), e.sentN, Sec(e.sentSpread), flushedPart(e), Sec(e.ttfb), Size(r.Bytes), pieces(len(e.reads)), who)}
	case quick && e.sentN >= 2 && e.flushed == 0 && e.wireChunks < 2:
		// Never flushed: the writes were not sent, net/http's buffer took
		// them and let go of them when it filled or the handler returned.
		how := "net/http let them go back to back as its buffers filled"
		if e.sentBytes <= 2048 {
			how = "net/http's 2 KB response buffer held them all until the handler returned and sent the body in one piece"
		}
		return Verdict{Kind: KindOnePiece, Layer: "the handler: it never flushed", Detail: fmt.Sprintf(
			"%s. The handler wrote %d pieces within %s and never flushed: %s, and %s.",
			framing, e.sentN, Ms(e.sentSpread), how, arrived(r, e))}
	case quick && !late && ((e.sentN >= 2 && e.flushed > 0) || (e.sentN < 2 && wireEarly && (e.wireChunks >= 2 || manyWire))):
		n, spread, where := e.sentN, e.sentSpread, "the handler wrote it"
		if e.encoding != "" {
			where = "the compressed body went to net/http"
		}
		if e.sentN < 2 {
			n, spread, where = max(e.wireChunks, e.wireN), e.wireSpread, "it left the server"
		}
		if !atOnce {
			// All written within a burst, read over longer: the reader's
			// pace or the transfer spread them, not the handler.
			return Verdict{Kind: KindMerged, Layer: "nobody: the server had sent it all at once", Detail: fmt.Sprintf(
				"%s. %s in %d pieces over %s, and %s: not a server problem — nothing held the bytes back.",
				framing, capitalize(where), n, Sec(spread), arrived(r, e))}
		}
		return Verdict{Kind: KindMerged, Layer: "nobody: the client merged what arrived", Detail: fmt.Sprintf(
			"%s. %s in %d pieces over %s, and they reached the browser close enough together that its reader saw %s: "+
				"not a server problem — nothing held the bytes back, they were produced faster than a reader sees a stream.",
			framing, capitalize(where), n, Sec(spread), pieces(len(e.reads)))}
	case atOnce:
		return Verdict{Kind: KindOnePiece, Layer: wholeLayer(r, e, late), Detail: fmt.Sprintf("%s. The body arrived all at once after %s (%s in %s)%s%s.",
			framing, Dur(e.ttfb), Size(r.Bytes), pieces(len(e.reads)), waited(e, late), howSent(e))}
	case (e.ttfb >= e.spread || e.sentN == 1) && sentLate && !manyWire && (r.Header("content-length") != "" || e.sentN > 0) && e.maxSendGap < BurstMs:
		// Nothing for most of the run, then the whole announced body back
		// to back: a large body sent in one piece takes a while to read.
		return Verdict{Kind: KindOnePiece, Layer: wholeLayer(r, e, late), Detail: fmt.Sprintf("%s. Nothing arrived for %s, then the whole %s in %s over %s%s.",
			framing, Sec(e.ttfb), Size(r.Bytes), pieces(len(e.reads)), Sec(e.spread), howSent(e))}
	case len(e.bursts) >= 2 && held && (e.sentN >= 2*len(e.bursts)):
		who, layer := heldBy(e)
		return Verdict{Kind: KindBurst, Layer: layer, Detail: fmt.Sprintf(
			"%s. %s %d pieces over %s%s, but they arrived in %d bursts of about %s, ~%s apart: %s released them each time about that much had gathered.",
			framing, wrote(e), e.sentN, Sec(e.sentSpread), flushedPart(e), len(e.bursts), Size(medianBurst(e.bursts)), Dur(e.cad.Interval), who)}
	case batched(r, e):
		return judgeBatched(r, e, framing)
	case late && (e.cad.Bursts < 2 || e.ttfb-requestLeft(r) >= lateCadences*e.cad.Interval):
		layer, why := outside(r, "it sent nothing for "+Sec(e.ttfb)), "nothing reached the browser before"
		if held {
			who, l := heldBy(e)
			layer, why = l, "the first bytes were sent early but "+who+" held them until"
		} else if e.sentN > 0 {
			layer, why = "the handler: it wrote nothing for a while", "the handler wrote nothing before"
		}
		return Verdict{Kind: KindDelayed, Layer: layer, Detail: fmt.Sprintf("%s. The first byte came only after %s of %s (%s), then %s over %s.",
			framing, Sec(e.ttfb), Sec(e.total), why+" "+Sec(e.ttfb), pieces(len(e.reads)), Sec(e.spread))}
	default:
		return Verdict{Kind: KindStreamed, Detail: fmt.Sprintf("%s, and the body streamed: the first byte after %s, then %s spread over %s (%s).",
			framing, Dur(e.ttfb), pieces(len(e.reads)), Sec(e.spread), cadenceWords(e.cad))}
	}
}

// requestLeft is when the request left the browser (Resource Timing's
// requestStart), 0 when the browser did not say: a fetch() the page's
// worker sent late waited on the page's side, not on the server's.
func requestLeft(r *Run) float64 {
	if r.Timing != nil && r.Timing.RequestStartMs > 0 {
		return r.Timing.RequestStartMs
	}
	return 0
}

// promptOnTheNetwork says whether the browser's network stack (Resource
// Timing) had the response's first byte within BurstMs of the server's
// first write — counted from when the request left, so neither a late
// request nor the send log's clock offset reads as a holding — and its
// last within BurstMs of the writes' spread after that.
func promptOnTheNetwork(r *Run, e evidence) bool {
	t := r.Timing
	if t == nil || t.ResponseStartMs <= 0 || t.ResponseEndMs <= 0 || len(r.Sent) == 0 {
		return false
	}
	firstWrite := r.Sent[0].T - r.ClockOffsetMs // on the server's clock: since the request arrived
	return t.ResponseStartMs-requestLeft(r)-max(firstWrite, 0) < BurstMs && t.ResponseEndMs-t.ResponseStartMs < BurstMs+e.sentSpread
}

// batched says whether a body came in batches (KindBatched): four bursts
// or more, at least BurstMs apart (slower than a person sees a stream), of
// kilobytes (BatchMinBytes), all one size (a buffer's) or at one interval
// (a timer's). Not for a paced reader (its own pace makes the batches),
// and not when the send log shows the handler wrote about as often as the
// body arrived (its own pace).
func batched(r *Run, e evidence) bool {
	c := e.cad
	if r.Pace != "" || c.Bursts < 4 || c.Interval < BurstMs || c.Size < BatchMinBytes || !(c.Even || c.Regular) {
		return false
	}
	return e.sentN == 0 || e.sentN >= 2*c.Bursts
}

// judgeBatched words a batched body: its pieces' size and interval, the
// first one's wait, and who let them go.
func judgeBatched(r *Run, e evidence, framing string) Verdict {
	c := e.cad
	var layer string
	switch {
	case seesInside(r):
		_, layer = heldBy(e)
	case c.Even:
		layer = outside(r, "it let the body go "+Size(c.Size)+" at a time, a buffer's size")
	default:
		layer = outside(r, "it let the body go every ~"+Dur(c.Interval)+", whatever had gathered")
	}
	unless := "an app that itself writes ~" + Size(c.Size) + " every ~" + Dur(c.Interval) + " would look the same"
	if seesInside(r) {
		unless = fmt.Sprintf("the handler wrote %d pieces over %s%s", e.sentN, Sec(e.sentSpread), flushedPart(e))
	}
	return Verdict{Kind: KindBatched, Layer: layer, Detail: fmt.Sprintf(
		"%s. The body was released in ~%s pieces every ~%s: %d of them over %s, the first after %s. Something on the way gathers what is written and lets it go in batches (%s).",
		framing, Size(c.Size), Dur(c.Interval), c.Bursts, Sec(e.spread), Dur(e.ttfb), unless)}
}

// cadenceWords says how a stream's pieces followed each other: "a burst
// every ~2.1 ms, the largest 172 B".
func cadenceWords(c Cadence) string {
	if c.Bursts < 2 {
		return "one burst of " + Size(c.Largest)
	}
	return fmt.Sprintf("%d bursts, one every ~%s; the largest %s", c.Bursts, Dur(c.Interval), Size(c.Largest))
}

// waited says, for a body that came whole and late, what came before it:
// the headers alone (the response was begun, its body held), or nothing.
func waited(e evidence, late bool) string {
	if !late || e.headers <= 0 {
		return "" // (no headers time: a record from elsewhere)
	}
	if e.headers < e.ttfb-BurstMs {
		return " — the headers had come after " + Dur(e.headers) + ", and nothing of the body before it"
	}
	return " — nothing came before it, not even the headers"
}

// wholeLayer names who had the body whole before it left: a cache that
// served it (its headers say so), the handler or its compressor (the send
// log shows it), or — where chunkscope cannot see inside — the upstream,
// with what its headers name and how long it held the body.
func wholeLayer(r *Run, e evidence, late bool) string {
	switch {
	case e.cache.Hit:
		return "the cache: " + e.cache.Name + " (" + e.cache.Says + ") served a stored copy, whole — not the app, and not now"
	case seesInside(r):
		return sentWhole(e)
	case late && e.encoding != "" && e.headers > 0 && e.headers < e.ttfb-BurstMs:
		return outside(r, "most likely its compressor (Content-Encoding: "+e.encoding+
			"): the headers left at once, the body only when it was complete — a compressor that never flushes does this (Django's GZipMiddleware on a streaming response, nginx's gzip)")
	case late && e.headers > 0 && e.headers < e.ttfb-BurstMs:
		return outside(r, "it sent the headers at once and held the body for "+Sec(e.ttfb))
	case late:
		return outside(r, "it sent nothing, not even the headers, for "+Sec(e.ttfb))
	case e.wireN >= 1:
		return outside(r, "the body left it in one piece")
	}
	return ""
}

// wrote is who made the logged writes: the handler, or for a compressed
// body the compressor's output (a few hundred bytes a write, however the
// handler wrote the rows).
func wrote(e evidence) string {
	if e.encoding != "" {
		return "The compressed body went to net/http in"
	}
	return "The handler wrote"
}

// arrived says how the body reached the page's reader: at once, or — when
// the writes were made at once but the reads spread — over the time the
// reader's pace or the transfer took, which is not the server's doing.
func arrived(r *Run, e evidence) string {
	if len(e.reads) == 1 || e.spread < BurstMs {
		return fmt.Sprintf("the body arrived at once after %s (%s in %s)", Dur(e.ttfb), Size(r.Bytes), pieces(len(e.reads)))
	}
	by := "as fast as the transfer went"
	if r.Pace != "" {
		by = "at the reader's pace (" + r.Pace + ")"
	}
	return fmt.Sprintf("the page read it from %s on, over %s (%s in %s), %s", Dur(e.ttfb), Sec(e.spread), Size(r.Bytes), pieces(len(e.reads)), by)
}

// heldBy names what held bytes the handler wrote: net/http's own response
// buffer when the handler never flushed, something between otherwise.
func heldBy(e evidence) (who, layer string) {
	if e.flushed == 0 {
		return "net/http's response buffer (the handler never flushed)", "the handler: it never flushed"
	}
	return "a layer between the handler and the browser (a proxy or a middleware that buffers)", "a proxy or middleware between the handler and the client"
}

func flushedPart(e evidence) string { return ", " + FlushedWords(e.sentN, e.flushed) }

// FlushedWords says how many of a body's writes were flushed, in the words
// the verdict and the chart's sent lane share: "never flushed", "each
// flushed", "5 of them flushed".
func FlushedWords(writes, flushed int) string {
	switch {
	case flushed == 0:
		return "never flushed"
	case flushed >= writes:
		return "each flushed"
	default:
		return fmt.Sprintf("%d of them flushed", flushed)
	}
}

// howSent says what is known of how a body that arrived whole was sent.
func howSent(e evidence) string {
	switch {
	case e.sentN == 1 && e.encoding != "":
		// The log sees the compressor's output: whether the handler or
		// the compressing layer had the whole body first, it cannot tell.
		return "; it left the server compressed (Content-Encoding: " + e.encoding + ") in one write: the handler or a compression middleware had the whole body first"
	case e.sentN == 1:
		return "; the handler wrote it in one write"
	case e.sentN > 1:
		return fmt.Sprintf("; the handler wrote it in %d pieces within %s", e.sentN, Ms(e.sentSpread))
	case e.wireN == 1:
		return "; it left the server in one piece (wire)"
	case e.wireN > 1 && e.wireHalf >= LateMs:
		return fmt.Sprintf("; on the wire (the probe's own request) it came in %d pieces from %s to %s, half of its bytes only after %s: held before it left the upstream, not by the browser",
			e.wireN, Dur(e.wireFirst), Dur(e.wireFirst+e.wireSpread), Dur(e.wireHalf))
	case e.wireN > 1:
		return fmt.Sprintf("; on the wire it came in %d pieces within %s", e.wireN, Ms(e.wireSpread))
	case e.wireOther != nil:
		return "; how it left the server is not measured here (the wire probe got another response)"
	}
	return "; how it left the server is not measured here (tick “probe the wire too” to see it)"
}

func sentWhole(e evidence) string {
	if e.encoding != "" && e.sentN == 1 {
		return "the handler or a compression middleware: the body was produced and compressed whole before its first write"
	}
	if e.sentN >= 1 {
		return "the handler: it produced the body whole"
	}
	return ""
}

func framingOf(r *Run, e evidence) string {
	cl, te := r.Header("content-length"), r.Header("transfer-encoding")
	switch {
	case r.Wire != nil && r.Wire.Proto == wire.ProtoHTTP2 && r.Source == SourceWire:
		return fmt.Sprintf("HTTP/2 has no chunked encoding: the body came in %d DATA frames", r.Wire.Chunks)
	case r.Wire != nil && r.Wire.Proto == wire.ProtoHTTP10 && cl == "":
		return "HTTP/1.0 has no chunked encoding: there was no Content-Length, and the body ended when the connection closed"
	case r.Upstream != nil && r.Upstream.Framing == wire.FramingClose:
		return "the upstream sent neither Content-Length nor Transfer-Encoding (" + r.Upstream.Proto + "): its body ended when it closed the connection"
	case r.Wire != nil && e.wireOther == nil && r.Wire.Framing == wire.FramingClose && cl == "" && r.Scenario == Upstream:
		return "the upstream sent neither Content-Length nor chunked framing: its body ended when it closed the connection (the /upstream hop passed it on to the browser chunked)"
	case cl != "":
		return "Content-Length was set (" + cl + " bytes)"
	case strings.Contains(te, "chunked"):
		return "there was no Content-Length, so the response used Transfer-Encoding: chunked"
	case r.Upstream != nil && r.Upstream.Framing == wire.FramingH2:
		return "there was no Content-Length, and the upstream answered the hop in HTTP/2, which has no chunked encoding: its body came in DATA frames"
	}
	return "neither Content-Length nor chunked framing was visible to the browser"
}

func medianBurst(b []Burst) int64 {
	s := make([]int64, len(b))
	for i, x := range b {
		s[i] = x.N
	}
	slices.Sort(s)
	return s[len(s)/2]
}

// arrivals is the first line of evidence: what the browser read.
func arrivals(r *Run) []string {
	if len(r.Chunks) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("arrived: %s in %s, from %s to %s", Size(r.Bytes), pieces(len(r.Chunks)), Sec(r.TTFBMs), Sec(r.Chunks[len(r.Chunks)-1].T))}
}

// facts lists the rest of the evidence and the hints the headers give.
func (e evidence) facts(r *Run) []string {
	var out []string
	if e.sentN > 0 {
		out = append(out, fmt.Sprintf("sent: %d writes over %s%s", e.sentN, Sec(e.sentSpread), flushedPart(e)))
	}
	out = append(out, fmt.Sprintf("first byte: the headers after %s, the body's first byte after %s", Ms(e.headers), Ms(e.ttfb)))
	if c := e.cad; c.Bursts > 1 && c.Bursts < len(e.reads) || c.Bursts > 2 {
		out = append(out, fmt.Sprintf("bursts: %d, of about %s, one every ~%s; the largest %s, the longest pause %s (a burst is %s)",
			c.Bursts, Size(c.Size), Dur(c.Interval), Size(c.Largest), Dur(c.LongGap), BurstRule))
	}
	if len(e.delays) > 0 {
		d := append([]float64(nil), e.delays...)
		slices.Sort(d)
		out = append(out, fmt.Sprintf("send→arrival delay: median %s, worst %s (clock offset ± %s)", Ms(d[len(d)/2]), Ms(d[len(d)-1]), Ms(r.ClockErrorMs)))
	}
	if w := r.Wire; w != nil && w.Framing != "" {
		if e.wireOther != nil {
			out = append(out, fmt.Sprintf("on the wire: another response (%s), not used here: %s, %d chunks, %d B", strings.Join(e.wireOther, "; "), w.Framing, w.Chunks, w.BodyBytes))
		} else {
			out = append(out, fmt.Sprintf("on the wire: %s, %d body pieces over %s, the first after %s", w.Framing, e.wireN, Sec(e.wireSpread), Ms(e.wireFirst)))
		}
	}
	if w := r.Wire; w != nil && len(w.Request) > 0 {
		names := make([]string, 0, len(w.Request))
		for name := range w.Request {
			names = append(names, canonical(name))
		}
		slices.Sort(names)
		out = append(out, "the probe sent the page's "+strings.Join(names, ", "))
	}
	if cl := r.Header("content-length"); cl != "" {
		out = append(out, "Content-Length: "+cl)
	}
	if te := r.Header("transfer-encoding"); te != "" {
		out = append(out, "Transfer-Encoding: "+te)
	}
	if ce := r.Header("content-encoding"); ce != "" {
		out = append(out, "Content-Encoding: "+ce+" (a compressor must flush for the body to stream)")
	}
	if e.cache.Hit {
		out = append(out, "cache: a hit in "+e.cache.Name+" ("+e.cache.Says+"): the body came from its store")
	}
	if n := Named(r.Header); n != "" {
		out = append(out, "named by the response: "+n)
	}
	if xa := r.Header("x-accel-buffering"); xa != "" {
		out = append(out, "X-Accel-Buffering: "+xa+" (nginx does not buffer this response)")
	}
	if c := e.cad; batched(r, e) && !seesInside(r) {
		if c.Even {
			out = append(out, "hint: pieces of exactly "+Size(c.Size)+" are a buffer's size — nginx in front of an app buffers through 4 KiB/8 KiB buffers on its stock settings; X-Accel-Buffering: no from the app, proxy_buffering off or proxy_http_version 1.1 each let a stream through (the lab)")
		}
		if !c.Even && c.Interval >= 150 && c.Interval <= 250 {
			out = append(out, "hint: a release every ~200 ms whatever the size is a timer's — HAProxy 2.6 in front of Gunicorn does this without option http-no-delay (the lab)")
		}
	}
	if ct := r.Header("content-type"); ct != "" && !strings.EqualFold(r.Header("x-content-type-options"), "nosniff") {
		out = append(out, "Content-Type: "+ct+" without X-Content-Type-Options: nosniff (Chromium's fetch() was measured not to hold the first bytes back for it; other readers may sniff)")
	}
	return out
}

func pieces(n int) string { return Plural(n, "read") }

// Plural is "1 read" or "n reads" ("n entries" for an "entry").
func Plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "y") {
		return strconv.Itoa(n) + " " + strings.TrimSuffix(what, "y") + "ies"
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Dur formats a duration for a sentence: in ms below 0.1 s, in s above.
func Dur(ms float64) string {
	if ms < 100 {
		return Ms(ms)
	}
	return Sec(ms)
}

// Sec formats milliseconds as seconds for sentences ("2.00 s").
func Sec(ms float64) string { return strconv.FormatFloat(ms/1000, 'f', 2, 64) + " s" }

// Ms formats milliseconds ("12.3 ms").
func Ms(ms float64) string { return strconv.FormatFloat(ms, 'f', 1, 64) + " ms" }

// Size formats a byte count with binary units.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, u := float64(n)/unit, "KiB"
	for _, next := range []string{"MiB", "GiB"} {
		if v < unit {
			break
		}
		v, u = v/unit, next
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + u
}

// excerptRunes bounds what a verdict quotes of an error body.
const excerptRunes = 160

// Excerpt is a short plain-text excerpt of an error body: an upstream's 404
// page is HTML, and its markup dumped into a sentence reads as noise. Tags,
// scripts and styles go, entities are decoded, whitespace collapses, and
// the text is clipped.
func Excerpt(body, contentType string) string {
	s := body
	if strings.Contains(contentType, "html") || strings.HasPrefix(strings.TrimSpace(s), "<") {
		s = stripTags(s)
	}
	s = strings.Join(strings.Fields(s), " ")
	if rs := []rune(s); len(rs) > excerptRunes {
		s = strings.TrimSpace(string(rs[:excerptRunes])) + "…"
	}
	return s
}

// stripTags removes markup, and the content of script and style elements.
func stripTags(s string) string {
	var b strings.Builder
	lower := strings.ToLower(s)
	for i := 0; i < len(s); {
		if s[i] != '<' {
			b.WriteByte(s[i])
			i++
			continue
		}
		for _, skip := range []string{"script", "style"} {
			if strings.HasPrefix(lower[i+1:], skip) {
				if end := strings.Index(lower[i:], "</"+skip); end >= 0 {
					i += end
				}
			}
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break
		}
		i += end + 1
		b.WriteByte(' ')
	}
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#39;", "'", "&nbsp;", " ").Replace(b.String())
}
