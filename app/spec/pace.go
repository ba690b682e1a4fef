package spec

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Pace is how the page's reader takes a body: at full speed (the default),
// at a chosen rate, with one pause, or not at all after a point (a dead
// client). It is the page's parameter pace=, parsed here once for the page
// and the tests:
//
//	full             read as fast as the browser gives (the default)
//	64KiB/s          at most this many bytes a second, on average
//	pause:2s@1MiB    at full speed, but pause 2 s once 1 MiB has been read
//	pause:2s@500ms   … or at the first read 500 ms after the request was sent
//	stop@1MiB        read 1 MiB, then never again (stop@1s: after 1 s)
//	dead             never read at all (stop@0)
//
// Sizes are B, KiB, MiB or GiB (binary, case-insensitive); times are Go
// durations.
type Pace struct {
	Kind  string        // PaceFull, PaceRate, PacePause or PaceStop
	Rate  int64         // PaceRate: bytes a second
	Pause time.Duration // PacePause: how long
	// When a pause or a stop begins: once AtBytes bytes have been read, or,
	// with ByTime, at the first read AtTime after the request was sent.
	AtBytes int64
	AtTime  time.Duration
	ByTime  bool
}

// The kinds of Pace.
const (
	PaceFull  = ""
	PaceRate  = "rate"
	PacePause = "pause"
	PaceStop  = "stop"
)

// Bounds of a pace: slower than 1 KiB/s a demo body takes hours; a pause
// or a point in time as long as the server's longest production.
const (
	MinRate = 1 << 10
	MaxRate = 1 << 30
	MaxWait = MaxTotalDelay
)

// paceForms is the one-line reminder every pace error ends with.
const paceForms = "want full, a rate (64KiB/s), pause:2s@1MiB, stop@1MiB or dead"

// ParsePace reads a pace= value; the error is one line.
func ParsePace(v string) (Pace, error) {
	v = strings.TrimSpace(v)
	fail := func(why string) (Pace, error) {
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return Pace{}, fmt.Errorf("pace: %q %s; %s", v, why, paceForms)
	}
	switch {
	case v == "" || v == "full":
		return Pace{}, nil
	case v == "dead":
		return Pace{Kind: PaceStop}, nil
	case strings.HasSuffix(v, "/s"):
		n, err := parseSize(strings.TrimSuffix(v, "/s"))
		if err != nil {
			return fail("is not a rate: " + err.Error())
		}
		if n < MinRate || n > MaxRate {
			return fail(fmt.Sprintf("is outside %s/s..%s/s", FormatSize(MinRate), FormatSize(MaxRate)))
		}
		return Pace{Kind: PaceRate, Rate: n}, nil
	case strings.HasPrefix(v, "pause:"):
		d, at, ok := strings.Cut(strings.TrimPrefix(v, "pause:"), "@")
		if !ok {
			return fail("says no point to pause at (@1MiB or @500ms)")
		}
		p := Pace{Kind: PacePause}
		var err error
		if p.Pause, err = time.ParseDuration(d); err != nil || p.Pause <= 0 || p.Pause > MaxWait {
			return fail(fmt.Sprintf("has no pause of a Go duration in 1ns..%s (2s, 500ms)", MaxWait))
		}
		if err := p.parseAt(at); err != nil {
			return fail(err.Error())
		}
		return p, nil
	case strings.HasPrefix(v, "stop@"):
		p := Pace{Kind: PaceStop}
		if err := p.parseAt(strings.TrimPrefix(v, "stop@")); err != nil {
			return fail(err.Error())
		}
		return p, nil
	}
	return fail("is not a pace")
}

// parseAt reads the point after @: a size, or a duration since the request.
func (p *Pace) parseAt(at string) error {
	if n, err := parseSize(at); err == nil {
		if n > MaxBodyBytes {
			return fmt.Errorf("has a point past the largest body (%s)", FormatSize(MaxBodyBytes))
		}
		p.AtBytes = n
		return nil
	}
	d, err := time.ParseDuration(at)
	if err != nil || d < 0 || d > MaxWait {
		return fmt.Errorf("has a point %q that is neither a size (1MiB) nor a Go duration in 0..%s (500ms)", at, MaxWait)
	}
	p.AtTime, p.ByTime = d, true
	return nil
}

// Full reports whether p is the default: read as fast as the browser gives.
func (p Pace) Full() bool { return p.Kind == PaceFull }

// Never reports whether p never reads at all (dead, stop@0).
func (p Pace) Never() bool { return p.Kind == PaceStop && !p.ByTime && p.AtBytes == 0 }

// String is p in ParsePace's syntax, canonical: "" for full speed, so that
// links and records that do not pace stay as they were.
func (p Pace) String() string {
	at := func() string {
		if p.ByTime {
			return p.AtTime.String()
		}
		return FormatSize(p.AtBytes)
	}
	switch p.Kind {
	case PaceRate:
		return FormatSize(p.Rate) + "/s"
	case PacePause:
		return "pause:" + p.Pause.String() + "@" + at()
	case PaceStop:
		if p.Never() {
			return "dead"
		}
		return "stop@" + at()
	}
	return ""
}

// Describe says what p does, for a person: "read at 64 KiB/s".
func (p Pace) Describe() string {
	at := func() string {
		if p.ByTime {
			return "at the first read " + p.AtTime.String() + " after the request"
		}
		return "once " + spaced(p.AtBytes) + " had been read"
	}
	switch p.Kind {
	case PaceRate:
		return "read at " + spaced(p.Rate) + "/s"
	case PacePause:
		return "paused " + p.Pause.String() + " " + at()
	case PaceStop:
		if p.Never() {
			return "never read (a dead client)"
		}
		return "stopped reading " + at() + " (a dead client from then on)"
	}
	return "full speed"
}

// spaced is FormatSize for a sentence: "64 KiB".
func spaced(n int64) string {
	s := FormatSize(n)
	i := strings.IndexFunc(s, func(c rune) bool { return c > '9' })
	return s[:i] + " " + s[i:]
}

var sizeUnits = []struct {
	name string
	n    int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

// parseSize reads "64KiB", "1.5MiB", "100B" or "0".
func parseSize(v string) (int64, error) {
	if v == "0" {
		return 0, nil
	}
	for _, u := range sizeUnits {
		if len(v) > len(u.name) && strings.EqualFold(v[len(v)-len(u.name):], u.name) {
			f, err := strconv.ParseFloat(v[:len(v)-len(u.name)], 64)
			if err != nil || !(f >= 0) || f*float64(u.n) > float64(MaxBodyBytes)*1024 {
				break
			}
			return int64(f * float64(u.n)), nil
		}
	}
	return 0, fmt.Errorf("%q is not a size such as 64KiB, 1.5MiB or 100B", v)
}

// FormatSize writes n in the largest unit that holds it whole ("64KiB",
// "1536KiB", "100B"), so that ParsePace reads it back exactly.
func FormatSize(n int64) string {
	for _, u := range sizeUnits {
		if n >= u.n && n%u.n == 0 {
			return strconv.FormatInt(n/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}
