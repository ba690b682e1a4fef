package record

import (
	"strconv"
	"strings"
)

// Layers: what the response itself says about who served it, in the words
// the verdict uses. chunkscope sees inside its own server (the send log);
// of an upstream it sees only what arrived and what the headers name.

// Upstream words: where chunkscope cannot see inside, it names the upstream
// as a whole, never "the handler".
const upstreamWords = "the upstream (its server or a proxy in front of it)"

// Cache is what the response's headers say of a cache on the way.
type Cache struct {
	Hit  bool   // Age over 0, X-Varnish with two ids, or an X-Cache-style HIT
	Name string // "Varnish", or the Via entry that names one; "a cache" when unnamed
	// Says is the headers that said so, as they came ("Age: 12, X-Varnish:
	// 32770 3").
	Says string
}

// CacheOf reads a cache hit from a response's headers: Age (RFC 9111: the
// response came from a cache, this many seconds old), X-Varnish (Varnish:
// one id on a miss, this request's and the stored object's on a hit),
// X-Cache / X-Cache-Status / CF-Cache-Status (HIT or MISS). Absent: Hit
// false.
func CacheOf(h func(string) string) Cache {
	var c Cache
	var says []string
	if age := strings.TrimSpace(h("age")); age != "" {
		if n, err := strconv.Atoi(age); err == nil && n > 0 {
			c.Hit = true
			says = append(says, "Age: "+age)
		}
	}
	if xv := strings.TrimSpace(h("x-varnish")); xv != "" {
		c.Name = "Varnish"
		if len(strings.Fields(xv)) >= 2 {
			c.Hit = true
			says = append(says, "X-Varnish: "+xv)
		}
	}
	for _, name := range []string{"x-cache", "x-cache-status", "cf-cache-status"} {
		if v := h(name); strings.Contains(strings.ToUpper(v), "HIT") {
			c.Hit = true
			says = append(says, canonical(name)+": "+v)
		}
	}
	if !c.Hit {
		return Cache{}
	}
	if c.Name == "" {
		c.Name = viaNamed(h("via"))
	}
	if c.Name == "" {
		c.Name = "a cache"
	}
	c.Says = strings.Join(says, ", ")
	return c
}

// viaNamed is the product a Via header's last entry (the hop nearest the
// client) names: "1.1 varnish (Varnish/7.1)" → "varnish (Varnish/7.1)".
func viaNamed(via string) string {
	if via == "" {
		return ""
	}
	entries := strings.Split(via, ",")
	last := strings.TrimSpace(entries[len(entries)-1])
	if _, rest, ok := strings.Cut(last, " "); ok {
		return strings.TrimSpace(rest)
	}
	return last
}

// Named is what the response's headers name of the servers and proxies on
// its way: "Server: nginx/1.22.1; Via: 1.1 varnish (Varnish/7.1)", "" when
// they name none.
func Named(h func(string) string) string {
	var out []string
	for _, name := range []string{"server", "via", "x-served-by", "x-powered-by"} {
		if v := strings.TrimSpace(h(name)); v != "" {
			out = append(out, canonical(name)+": "+v)
		}
	}
	return strings.Join(out, "; ")
}

// canonical spells a lower-case header name as it is usually written.
func canonical(name string) string {
	parts := strings.Split(name, "-")
	for i, p := range parts {
		switch p {
		case "cf":
			parts[i] = "CF"
		case "x":
			parts[i] = "X"
		default:
			parts[i] = capitalize(p)
		}
	}
	return strings.Join(parts, "-")
}

// seesInside says whether chunkscope saw the body leave the handler (its
// send log): only then can a verdict name the handler.
func seesInside(r *Run) bool { return len(r.Sent) > 0 }

// outside names the layer chunkscope cannot see inside, with what the
// headers name of it, and what it did: "the upstream (its server or a proxy
// in front of it; Server: daphne): it …". A run of chunkscope's own
// scenario without a send log (a probe-only run) names the server; a run
// of no scenario (loaded from another tool's file) is an upstream's.
func outside(r *Run, did string) string {
	ours := r.Scenario != Upstream && r.Scenario != "" // "": a run from elsewhere (a HAR, a test)
	who := upstreamWords
	if ours {
		who = "the server (its send log was not recorded)"
	}
	if n := Named(r.Header); n != "" {
		who = strings.TrimSuffix(who, ")") + "; " + n + ")"
		if ours {
			who = "the server (" + n + "; its send log was not recorded)"
		}
	}
	if did == "" {
		return who
	}
	return who + ": " + did
}
