package record

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"chunkscope/app/wire"
)

// MaxChainHops is how many hops a chain names (chain=URL,URL,…).
const MaxChainHops = 8

// A chain is the same resource read at each hop of a stack, outermost
// first (a CDN, nginx, Gunicorn), one run per hop. CompareChain says where
// the pacing changed, from the hops' records alone.
//
// Pacing is three figures per hop, all on screen: when the first body byte
// came (the table's TTFB; the rule counts it from when the request left, so
// the page's own lag before sending is no hop's), how many pieces the body came in and their median size, and the
// verdict's kind. Where every hop of the pair has a wire probe of the same
// response, the figures are the wire's (its socket reads that carried body
// bytes: "pieces on the wire"), which the page's reader does not blur;
// otherwise the page's (its bursts of reads, record.BurstsOf). A hop's pacing
// differs from the hop behind it when one of these holds:
//   - the first byte came ChainFirstByteMs or more later or earlier, and at
//     least twice (or half) as late;
//   - the body came in ChainPieceRatio times fewer or more pieces (the
//     larger count at least ChainMinPieces: a 3-piece body is not a pace);
//   - one verdict says the body flowed (streamed, merged) and the other that
//     it was held (batched, one-piece, burst), or the reverse.
type Chain struct {
	Hops []ChainHop `json:"hops"`
	// ChangedAt is the index of the hop (0 = outermost) whose pacing
	// differs from the hop behind it — the innermost such hop, the first the
	// stream meets on its way out — or -1 when none does (or the chain
	// cannot be compared: a hop failed, or is still being read).
	ChangedAt int `json:"changedAt"`
	// Changes are every hop whose pacing differs from the hop behind it,
	// innermost first (ChangedAt is the first of them).
	Changes []int `json:"changes"`
	// Sentence says it in words, with the figures it was drawn from.
	Sentence string `json:"sentence"`
}

// ChainHop is one hop as chain() reports it: what the table and lanes show.
type ChainHop struct {
	URL     string  `json:"url"`
	Name    string  `json:"name"`    // "nginx (:8080)": the Server its response names, and its port
	TTFBMs  float64 `json:"ttfbMs"`  // the page's first read
	Reads   int     `json:"reads"`   // reader.read() calls that returned bytes
	Bytes   int64   `json:"bytes"`   // body bytes the page read
	Verdict string  `json:"verdict"` // the run's verdict kind
}

// Thresholds of the pacing comparison (see Chain).
const (
	ChainFirstByteMs = 100
	ChainPieceRatio  = 4
	ChainMinPieces   = 8
)

// pacing is a hop's figures for the comparison.
type pacing struct {
	wire      bool    // figures from the wire probe
	firstMs   float64 // first body byte, as the rule counts it
	shownMs   float64 // the same as the page shows it: the table's TTFB, or the wire's first body byte
	pieces    int
	pieceSize int64 // median piece, bytes
	flowing   bool  // the verdict says the body flowed
	held      bool  // … or that it was held
}

// CompareChain compares the hops' records, outermost first.
func CompareChain(runs []*Run) Chain {
	c := Chain{Hops: make([]ChainHop, len(runs)), ChangedAt: -1, Changes: []int{}}
	names := hopNames(runs)
	for i, r := range runs {
		c.Hops[i] = ChainHop{URL: r.Params["url"], Name: names[i], TTFBMs: r.TTFBMs, Reads: len(r.Chunks), Bytes: r.Bytes, Verdict: r.Verdict.Kind}
	}
	switch {
	case len(runs) == 0:
		c.Sentence = "No chain: name the same resource at each hop, outermost first."
		return c
	case len(runs) == 1:
		c.Sentence = "One hop only: a chain needs two or more to say where the pacing changed."
		return c
	}
	for i, r := range runs {
		if !r.Done {
			c.Sentence = "Reading the chain: " + c.Hops[i].Name + " is not read yet."
			return c
		}
		if failed(r) {
			why := r.Verdict.Detail
			if why == "" {
				why = r.Error
			}
			why = strings.TrimSuffix(why, ".")
			if !strings.HasSuffix(why, "…") {
				why += "."
			}
			c.Sentence = "The chain cannot be compared: " + c.Hops[i].Name + " (hop " + strconv.Itoa(i+1) + ") failed — " + why
			return c
		}
	}
	var said []string
	for i := len(runs) - 2; i >= 0; i-- {
		outer, inner := runs[i], runs[i+1]
		diffs := PacingChange(outer, inner)
		if len(diffs) == 0 {
			continue
		}
		c.Changes = append(c.Changes, i)
		said = append(said, "between "+c.Hops[i].Name+" and "+c.Hops[i+1].Name+": "+strings.Join(diffs, "; ")+bodiesDiffer(outer, inner))
	}
	if len(c.Changes) > 0 {
		c.ChangedAt = c.Changes[0]
		c.Sentence = "The pacing changed " + strings.Join(said, "; and ") + "."
		return c
	}
	c.Sentence = unchanged(runs, c.Hops)
	return c
}

// PacingChange says how outer's pacing differs from inner's, inner → outer
// ("first byte on the wire 1.2 ms → 211 ms", "2,001 pieces of ~43 B → 22
// pieces of ~4.0 KiB on the wire", "streamed → batched"), nothing when it
// does not: the rule of a chain (see Chain), for any two finished runs of
// the same body.
func PacingChange(outer, inner *Run) []string {
	onWire := sameWire(outer) && sameWire(inner)
	return differences(pacingOf(outer, onWire), pacingOf(inner, onWire), outer.Verdict.Kind, inner.Verdict.Kind)
}

// failed says whether a hop gave no body to compare.
func failed(r *Run) bool {
	return r.Verdict.Kind == KindError || r.Error != "" || r.Status < 200 || r.Status > 299
}

// sameWire says whether the run has a wire probe of the same response as
// the page's read, with its events.
func sameWire(r *Run) bool {
	return r.Wire != nil && r.Wire.Error == "" && len(r.Wire.Differs) == 0 && len(r.Wire.Events) > 0
}

func pacingOf(r *Run, onWire bool) pacing {
	// The page's first read counts from when the request left the
	// browser (Resource Timing), so the page's own lag before sending is
	// no hop's.
	p := pacing{firstMs: max(r.TTFBMs-requestLeft(r), 0), shownMs: r.TTFBMs}
	switch r.Verdict.Kind {
	case KindStreamed, KindMerged:
		p.flowing = true
	case KindBatched, KindOnePiece, KindBurst:
		p.held = true
	}
	if onWire {
		p.wire = true
		sizes := wirePieces(r.Wire.Events)
		p.pieces = len(sizes)
		p.pieceSize = medianInt(sizes)
		p.firstMs = r.Wire.TTFBMs
		if first, ok := firstBodyMs(r.Wire.Events); ok {
			p.firstMs = first
		}
		p.shownMs = p.firstMs
		return p
	}
	bursts := BurstsOf(r.Chunks)
	p.pieces = len(bursts)
	sizes := make([]int64, len(bursts))
	for i, b := range bursts {
		sizes[i] = b.N
	}
	p.pieceSize = medianInt(sizes)
	return p
}

// wirePieces is the body bytes of each socket read that carried any: what
// the kernel had for the probe at each read, as lab/truth.md counts pieces.
func wirePieces(events []wire.Event) []int64 {
	var out []int64
	inRead := false
	for _, e := range events {
		switch {
		case e.Kind == wire.KindRead:
			inRead = false
		case (e.Kind == wire.KindChunkData || e.Kind == wire.KindBody || e.Kind == wire.KindDataFrame) && e.Bytes > 0:
			if !inRead {
				out = append(out, 0)
				inRead = true
			}
			out[len(out)-1] += int64(e.Bytes)
		}
	}
	return out
}

// firstBodyMs is when the wire's first body byte came.
func firstBodyMs(events []wire.Event) (float64, bool) {
	for _, e := range events {
		if (e.Kind == wire.KindChunkData || e.Kind == wire.KindBody || e.Kind == wire.KindDataFrame) && e.Bytes > 0 {
			return e.T, true
		}
	}
	return 0, false
}

func medianInt(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// differences says how the outer hop's pacing differs from the inner's,
// inner → outer, or nothing when it does not.
func differences(outer, inner pacing, outerKind, innerKind string) []string {
	var out []string
	where := ""
	if outer.wire {
		where = " on the wire"
	}
	lo, hi := min(outer.firstMs, inner.firstMs), max(outer.firstMs, inner.firstMs)
	if hi-lo >= ChainFirstByteMs && hi >= 2*lo {
		out = append(out, "first byte"+where+" "+roundMs(inner.shownMs)+" → "+roundMs(outer.shownMs))
	}
	few, many := min(outer.pieces, inner.pieces), max(outer.pieces, inner.pieces)
	if many >= ChainMinPieces && many >= ChainPieceRatio*max(few, 1) {
		out = append(out, piecesWords(inner)+" → "+piecesWords(outer)+where)
	}
	if (outer.flowing && inner.held) || (outer.held && inner.flowing) {
		out = append(out, innerKind+" → "+outerKind)
	}
	return out
}

// piecesWords is "2,001 pieces of ~18 B".
func piecesWords(p pacing) string {
	w := Count(p.pieces) + " piece"
	if p.pieces != 1 {
		w += "s"
	}
	if p.pieces > 1 {
		return w + " of ~" + Size(p.pieceSize)
	}
	return w + " of " + Size(p.pieceSize)
}

// bodiesDiffer warns when two hops answered with bodies of other lengths
// (one compressed, say): their pieces are not of the same bytes.
func bodiesDiffer(outer, inner *Run) string {
	if outer.Bytes == inner.Bytes {
		return ""
	}
	return " (their bodies differ: " + Count64(inner.Bytes) + " B → " + Count64(outer.Bytes) + " B)"
}

// unchanged is the sentence for a chain whose hops all paced the body alike.
func unchanged(runs []*Run, hops []ChainHop) string {
	onWire := true
	for _, r := range runs {
		onWire = onWire && sameWire(r)
	}
	var parts []string
	for i, r := range runs {
		p := pacingOf(r, onWire)
		parts = append(parts, hops[i].Name+" "+r.Verdict.Kind+", first byte "+roundMs(p.shownMs)+", "+piecesWords(p))
	}
	where := ""
	if onWire {
		where = " (on the wire)"
	}
	return "No hop changed the pacing" + where + ": " + strings.Join(parts, "; ") + "."
}

// roundMs is a time for a chain's sentence: whole ms ("220 ms"), tenths
// below 10 ms.
func roundMs(ms float64) string {
	if ms < 10 {
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return Count(int(ms+0.5)) + " ms"
}

// Count writes n with thousands separators ("2,001").
func Count(n int) string { return Count64(int64(n)) }

// Count64 writes n with thousands separators.
func Count64(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "-" + s
	}
	return s
}

// knownServers spells the products a Server header names as their own
// documentation does.
var knownServers = map[string]string{
	"nginx": "nginx", "gunicorn": "Gunicorn", "apache": "Apache", "uvicorn": "uvicorn", "daphne": "daphne",
	"haproxy": "HAProxy", "varnish": "Varnish", "caddy": "Caddy", "cloudflare": "Cloudflare", "uwsgi": "uWSGI",
	"hypercorn": "Hypercorn", "envoy": "Envoy", "traefik": "Traefik", "werkzeug": "Werkzeug", "waitress": "waitress",
}

// HopName names a hop for a chain's sentence: the product its response's
// Server header names and where it listens ("nginx (:8080)", "Gunicorn
// (:8000)", "Varnish (cdn.example)"), or where it listens alone.
func HopName(r *Run) string {
	product, where := hopParts(r)
	switch {
	case product != "" && where != "":
		return product + " (" + where + ")"
	case product != "":
		return product
	case where != "":
		return where
	}
	return r.Label()
}

// hopParts are the product a hop's Server header names and where it
// listens.
func hopParts(r *Run) (product, where string) {
	if u, err := url.Parse(r.Params["url"]); err == nil && u.Host != "" {
		where = u.Host
		if h := u.Hostname(); h == "127.0.0.1" || h == "localhost" || h == "::1" {
			if p := u.Port(); p != "" {
				where = ":" + p
			}
		}
	}
	if v := strings.TrimSpace(r.Headers["server"]); v != "" {
		product = strings.FieldsFunc(v, func(c rune) bool { return c == '/' || c == ' ' || c == '(' })[0]
		if known, ok := knownServers[strings.ToLower(product)]; ok {
			product = known
		}
	}
	return product, where
}

// hopNames names a chain's hops (HopName), except that a hop whose Server
// header is the same as a hop behind it is "the proxy at :PORT": a proxy
// that passes its upstream's Server on (Apache's mod_proxy_http, Varnish,
// HAProxy) would otherwise take the app server's name.
func hopNames(runs []*Run) []string {
	names := make([]string, len(runs))
	for i, r := range runs {
		names[i] = HopName(r)
		product, where := hopParts(r)
		if product == "" || where == "" {
			continue
		}
		for _, behind := range runs[i+1:] {
			if p, _ := hopParts(behind); p == product {
				names[i] = "the proxy at " + where
				break
			}
		}
	}
	return names
}
