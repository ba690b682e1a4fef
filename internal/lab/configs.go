package lab

import (
	"fmt"
	"strings"
)

// Pace is how the views yield rows: Rows in all, DelayMs before each row
// after the first.
type Pace struct{ Rows, DelayMs int }

// Paces are the two every configuration is checked at: the export
// (2,000 rows every 2 ms, ~4 s of sleeps, ~5 s with Python's own time) and
// a slow one whose whole body (310 B) is smaller than a proxy's buffer.
var Paces = []Pace{{Rows: 2000, DelayMs: 2}, {Rows: 20, DelayMs: 50}}

func (p Pace) String() string { return fmt.Sprintf("%s rows × %d ms", thousands(p.Rows), p.DelayMs) }

// Query is the pace as the views' query parameters.
func (p Pace) Query() string { return fmt.Sprintf("rows=%d&delay=%d", p.Rows, p.DelayMs) }

// NominalMs is the time the view sleeps in all.
func (p Pace) NominalMs() float64 { return float64((p.Rows - 1) * p.DelayMs) }

// Kind is a ground-truth behaviour: how a body arrived at the client.
type Kind string

const (
	Streams     Kind = "streams"                      // each row on its way as the view yields it
	Held        Kind = "held to the end"              // headers at once, the body at the end
	HeldAll     Kind = "held to the end, headers too" // nothing until the end
	Pieces4KiB  Kind = "released in ~4 KiB pieces"    // a proxy's buffer-sized pieces, the first late
	Batches     Kind = "released in ~200 ms batches"  // a proxy's timer, the first late
	CacheHit    Kind = "cache hit: whole at once"     // the second GET through a cache
	NotModified Kind = "304 Not Modified: no body"    // a revisit with If-None-Match
)

// Config is one configuration of the lab — an origin and a path — with the
// behaviour measured on it (NOTES.md, "Real stacks on these machines";
// lab/truth.md) and the layer that holds the bytes, if any.
type Config struct {
	Name    string
	Origin  string // a lab origin (Names)
	Path    string // one of the Path constants
	Gzip    bool   // send Accept-Encoding: gzip; the response is gzip
	Framing string // probe.FramingChunked, …: what the client gets
	Want    func(Pace) Kind
	// HeldBy names the layer that holds the body back, "" when it
	// streams: what a verdict should name.
	HeldBy string
	// Then, if set, is a second request for the same URL once the first
	// is read (a revisit, a cache hit), with its own row; ThenHeader adds
	// headers made from the first response.
	Then       *Config
	ThenHeader func(first Truth) map[string]string
	// Check, if set, checks more than the kind.
	Check func(p Pace, tr Truth) []string
}

// URL is c's URL at pace p in l. The run= parameter (ignored by the views)
// gives each origin its own URLs, so no cache serves one configuration's
// body for another's.
func (c Config) URL(l *Lab, p Pace) string {
	return l.URL(c.Origin) + c.Path + "?" + p.Query() + "&run=" + strings.ReplaceAll(c.Origin, "-", "")
}

// Header is c's request headers (Accept-Encoding: gzip when c.Gzip).
func (c Config) Header() map[string]string {
	h := map[string]string{}
	if c.Gzip {
		h["Accept-Encoding"] = "gzip"
	}
	return h
}

func always(k Kind) func(Pace) Kind { return func(Pace) Kind { return k } }

// Configs are the lab's configurations, in the truth table's order.
var Configs = []Config{
	{Name: "gunicorn: StreamingHttpResponse", Origin: "gunicorn", Path: PathStreaming, Framing: "chunked", Want: always(Streams),
		Check: func(p Pace, tr Truth) []string {
			if tr.Chunks != p.Rows {
				return []string{fmt.Sprintf("%d chunks; want %d, one per row", tr.Chunks, p.Rows)}
			}
			return nil
		}},
	{Name: "gunicorn: HttpResponse (Content-Length)", Origin: "gunicorn", Path: PathBuffered, Framing: "content-length",
		Want: always(HeldAll), HeldBy: "the view (HttpResponse builds the body whole)"},
	{Name: "gunicorn: GZipMiddleware, streaming", Origin: "gunicorn", Path: PathGzipStreaming, Gzip: true, Framing: "chunked",
		Want: always(Held), HeldBy: "Django's GZipMiddleware (compress_sequence never flushes)"},
	{Name: "gunicorn: ConditionalGetMiddleware, HttpResponse", Origin: "gunicorn", Path: PathETagBuffered, Framing: "content-length",
		Want: always(HeldAll), HeldBy: "the view (HttpResponse builds the body whole)",
		Check: func(p Pace, tr Truth) []string {
			if tr.Headers.Get("ETag") == "" {
				return []string{"no ETag; want one from ConditionalGetMiddleware"}
			}
			return nil
		},
		Then: &Config{Name: "… revisit with If-None-Match", Origin: "gunicorn", Path: PathETagBuffered, Want: always(NotModified),
			HeldBy: "the view (runs whole before the middleware answers 304)"},
		ThenHeader: func(first Truth) map[string]string {
			return map[string]string{"If-None-Match": first.Headers.Get("ETag")}
		}},
	{Name: "uwsgi: StreamingHttpResponse", Origin: "uwsgi", Path: PathStreaming, Framing: "close", Want: always(Streams),
		Check: func(p Pace, tr Truth) []string {
			if te, cl := tr.Headers.Get("Transfer-Encoding"), tr.Headers.Get("Content-Length"); te != "" || cl != "" {
				return []string{fmt.Sprintf("Transfer-Encoding %q, Content-Length %q; want neither (the close ends the body)", te, cl)}
			}
			return nil
		}},
	{Name: "uvicorn: StreamingHttpResponse", Origin: "uvicorn", Path: PathStreaming, Framing: "chunked", Want: always(Streams)},
	{Name: "daphne: StreamingHttpResponse", Origin: "daphne", Path: PathStreaming, Framing: "chunked",
		Want: always(HeldAll), HeldBy: "daphne (Django 3.2 iterates the sync generator on its event loop)"},
	{Name: "nginx stock → gunicorn", Origin: "nginx-stock", Path: PathStreaming, Framing: "chunked",
		Want: func(p Pace) Kind {
			if p.Rows >= 1000 {
				return Pieces4KiB
			}
			return HeldAll // 310 B: less than one buffer, and the headers wait with it
		},
		HeldBy: "nginx (proxy_buffering on with proxy_http_version 1.0)"},
	{Name: "nginx stock → gunicorn, view sends X-Accel-Buffering: no", Origin: "nginx-stock", Path: PathStreamingAccel, Framing: "chunked", Want: always(Streams)},
	{Name: "nginx proxy_buffering off → gunicorn", Origin: "nginx-buffering-off", Path: PathStreaming, Framing: "chunked", Want: always(Streams)},
	{Name: "nginx proxy_http_version 1.1 → gunicorn", Origin: "nginx-http11", Path: PathStreaming, Framing: "chunked", Want: always(Streams)},
	{Name: "nginx stock, gzip on → gunicorn", Origin: "nginx-gzip", Path: PathStreaming, Gzip: true, Framing: "chunked",
		Want: always(HeldAll), HeldBy: "nginx (gzip on with proxy buffering)"},
	{Name: "nginx proxy_buffering off, gzip on → gunicorn", Origin: "nginx-gzip-buffering-off", Path: PathStreaming, Gzip: true, Framing: "chunked", Want: always(Streams)},
	{Name: "Apache mod_proxy_http → gunicorn", Origin: "apache", Path: PathStreaming, Framing: "chunked", Want: always(Streams)},
	{Name: "Apache mod_proxy_http, mod_deflate → gunicorn", Origin: "apache-deflate", Path: PathStreaming, Gzip: true, Framing: "chunked", Want: always(Streams)},
	{Name: "HAProxy → gunicorn", Origin: "haproxy", Path: PathStreaming, Framing: "chunked",
		Want: always(Batches), HeldBy: "HAProxy (no option http-no-delay)"},
	{Name: "HAProxy, compression gzip → gunicorn", Origin: "haproxy-compression", Path: PathStreaming, Gzip: true, Framing: "chunked",
		Want: always(Batches), HeldBy: "HAProxy (no option http-no-delay)"},
	{Name: "HAProxy, option http-no-delay → gunicorn", Origin: "haproxy-no-delay", Path: PathStreaming, Framing: "chunked", Want: always(Streams)},
	{Name: "Varnish default VCL → gunicorn, first GET (miss)", Origin: "varnish", Path: PathStreaming, Framing: "chunked", Want: always(Streams),
		Then: &Config{Name: "… second GET (hit)", Origin: "varnish", Path: PathStreaming, Framing: "content-length",
			Want: always(CacheHit), HeldBy: "Varnish (a cached copy)",
			Check: func(p Pace, tr Truth) []string {
				var bad []string
				if tr.Headers.Get("Age") == "" {
					bad = append(bad, "no Age header; want one on a cache hit")
				}
				if ids := strings.Fields(tr.Headers.Get("X-Varnish")); len(ids) != 2 {
					bad = append(bad, fmt.Sprintf("X-Varnish %q; want two ids (this request's and the cached object's)", tr.Headers.Get("X-Varnish")))
				}
				return bad
			}}},
	{Name: "Varnish default VCL → gunicorn, view with never_cache, first GET", Origin: "varnish", Path: PathNoCache, Framing: "chunked", Want: always(Streams),
		Then: &Config{Name: "… second GET (not cached: streams again)", Origin: "varnish", Path: PathNoCache, Framing: "chunked", Want: always(Streams),
			Check: func(p Pace, tr Truth) []string {
				if ids := strings.Fields(tr.Headers.Get("X-Varnish")); len(ids) != 1 {
					return []string{fmt.Sprintf("X-Varnish %q; want one id (not served from the cache)", tr.Headers.Get("X-Varnish"))}
				}
				return nil
			}}},
}

// Judge checks one truth against c at pace p — status, framing, encoding
// and c.Want(p) — with loose bounds (the lab shares its machine), and
// returns what disagrees, nothing when it agrees.
func (c Config) Judge(p Pace, tr Truth) []string {
	var bad []string
	fail := func(format string, args ...any) { bad = append(bad, fmt.Sprintf(format, args...)) }
	k := c.Want(p)
	wantStatus := 200
	if k == NotModified {
		wantStatus = 304
	}
	if tr.Status != wantStatus || !tr.Complete {
		fail("status %d, complete %v; want %d, complete", tr.Status, tr.Complete, wantStatus)
		return bad
	}
	if c.Framing != "" && tr.Framing != c.Framing {
		fail("framing %s; want %s", tr.Framing, c.Framing)
	}
	if got := tr.Headers.Get("Content-Encoding"); k != NotModified && c.Gzip != (got == "gzip") {
		fail("Content-Encoding %q with Accept-Encoding gzip %v", got, c.Gzip)
	}
	nominal := p.NominalMs()
	switch k {
	case Streams:
		// The first row at once, the body spread over the run, rows
		// arriving at about the view's pace.
		if tr.FirstBodyMs > 300 {
			fail("first body byte at %.0f ms; want ≤ 300 ms", tr.FirstBodyMs)
		}
		if tr.P10Ms > 0.5*tr.LastBodyMs {
			fail("10%% of the body by %.0f ms of %.0f; want it in the first half", tr.P10Ms, tr.LastBodyMs)
		}
		if tr.Pieces < p.Rows/4 {
			fail("%d pieces for %d rows; want ≥ %d", tr.Pieces, p.Rows, p.Rows/4)
		}
		if limit := 3*float64(p.DelayMs) + 5; tr.MedianGapMs > limit {
			fail("a piece every %.1f ms (median); want ≤ %.0f ms", tr.MedianGapMs, limit)
		}
	case Held, HeldAll:
		// Most of the body in the last moment of a run of full length.
		if tr.LastBodyMs < 0.7*nominal {
			fail("body done at %.0f ms; want ≥ %.0f ms (70%% of the view's %.0f ms)", tr.LastBodyMs, 0.7*nominal, nominal)
		}
		if tr.EndShare < 0.8 {
			fail("%.0f%% of the body in the last tenth of the time; want ≥ 80%%", 100*tr.EndShare)
		}
		if k == HeldAll && tr.FirstByteMs < 0.7*nominal {
			fail("first byte at %.0f ms; want ≥ %.0f ms (nothing before the end)", tr.FirstByteMs, 0.7*nominal)
		}
		if k == Held && tr.FirstByteMs > 300 {
			fail("first byte (headers) at %.0f ms; want ≤ 300 ms", tr.FirstByteMs)
		}
	case Pieces4KiB:
		if tr.FirstBodyMs < 150 {
			fail("first body byte at %.1f ms; want ≥ 150 ms (held for a buffer's worth)", tr.FirstBodyMs)
		}
		if tr.MedianPiece < 3<<10 || tr.MedianPiece > 8<<10 {
			fail("median piece %d B; want 3–8 KiB", tr.MedianPiece)
		}
		if tr.Pieces < 3 {
			fail("%d pieces; want ≥ 3", tr.Pieces)
		}
	case Batches:
		if tr.FirstByteMs < 120 {
			fail("first byte at %.1f ms; want ≥ 120 ms (held for a batch)", tr.FirstByteMs)
		}
		if tr.MedianGapMs < 120 || tr.MedianGapMs > 500 {
			fail("a piece every %.0f ms (median); want 120–500 ms", tr.MedianGapMs)
		}
		if tr.Pieces < 3 || tr.Pieces > p.Rows/2 {
			fail("%d pieces for %d rows; want 3 to %d", tr.Pieces, p.Rows, p.Rows/2)
		}
	case CacheHit:
		if tr.LastBodyMs > 200 || tr.Pieces > 3 {
			fail("body done at %.0f ms in %d pieces; want ≤ 200 ms, ≤ 3 pieces (from the cache)", tr.LastBodyMs, tr.Pieces)
		}
	case NotModified:
		if tr.BodyBytes != 0 {
			fail("%d body bytes; want none", tr.BodyBytes)
		}
	}
	if c.Check != nil {
		bad = append(bad, c.Check(p, tr)...)
	}
	return bad
}

// thousands writes n with commas: 34,890.
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
