// Package spec is the run spec: which scenario to run and the query
// parameters that shape its body. It is the one parser of those parameters,
// used by the server (a bad value gets 400 with the parser's message) and by
// the page (the same message is shown before any request is sent). It has no
// dependency on net/http or syscall/js, so both builds can import it.
package spec

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Hard caps on what one request may ask for. They keep a demo box alive
// when somebody pastes a link with an extra zero. A server may lower them
// (its flags fill a Limits); it cannot raise them, so the page, which
// checks against these, never refuses what a server would accept.
const (
	MaxRows       = 50_000_000
	MaxBodyBytes  = 4 << 30 // 4 GiB
	MaxTotalDelay = 5 * time.Minute
	MaxPad        = 1 << 20 // 1 MiB of padding per row
)

// Limits are the caps a parser enforces.
type Limits struct {
	Rows       int
	BodyBytes  int64
	TotalDelay time.Duration
}

// DefaultLimits are the hard caps.
func DefaultLimits() Limits {
	return Limits{Rows: MaxRows, BodyBytes: MaxBodyBytes, TotalDelay: MaxTotalDelay}
}

// Check refuses limits above the hard caps or below what any body needs.
func (l Limits) Check() error {
	switch {
	case l.Rows < 0 || l.Rows > MaxRows:
		return fmt.Errorf("max rows %d is outside 0..%d", l.Rows, MaxRows)
	case l.BodyBytes < int64(len(Header)) || l.BodyBytes > MaxBodyBytes:
		return fmt.Errorf("max body %d bytes is outside %d..%d", l.BodyBytes, len(Header), int64(MaxBodyBytes))
	case l.TotalDelay < 0 || l.TotalDelay > MaxTotalDelay:
		return fmt.Errorf("max total delay %s is outside 0..%s", l.TotalDelay, MaxTotalDelay)
	}
	return nil
}

// Defaults, the same as the seed's views where the seed has one.
const (
	DefaultRows = 1000
	DefaultPer  = 1
)

// Spec is what one run asks the server for.
type Spec struct {
	Rows  int           // data rows after the header line
	Delay time.Duration // pause before each group of rows (a slow database)
	Per   int           // rows per group; the streaming handler flushes once per group
	Pad   int           // extra bytes per row, so large bodies are cheap to ask for
	// Run tags the request with the page's run id, so the server's memory
	// samples for it can be followed at /events?run=ID. Optional.
	Run string
}

// Default returns the spec used when no parameter is given.
func Default() Spec { return Spec{Rows: DefaultRows, Per: DefaultPer} }

// BodyParams lists the query parameters that Parse understands.
var BodyParams = []string{"rows", "delay", "per", "pad", "run"}

// Parse reads a spec from query parameters. Every parameter it does not know
// is an error, and so is a repeated one: a typo must not silently fall back
// to a default. The error is one line that names the parameter.
func Parse(q url.Values) (Spec, error) {
	return DefaultLimits().Parse(q)
}

// ParseAllowing is Parse for callers whose URLs carry more parameters of
// their own (the page's scenario and autorun, say): those names are skipped,
// every other unknown name is still an error.
func ParseAllowing(q url.Values, extra ...string) (Spec, error) {
	return DefaultLimits().Parse(q, extra...)
}

// Parse is the parser under the limits l; extra names are skipped as in
// ParseAllowing.
func (l Limits) Parse(q url.Values, extra ...string) (Spec, error) {
	s := Default()
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names) // report the same parameter first every time
	for _, name := range names {
		vals := q[name]
		if contains(extra, name) {
			continue
		}
		if len(vals) != 1 {
			return Spec{}, fmt.Errorf("%s: given %d times, want once", ParamName(name), len(vals))
		}
		v := strings.TrimSpace(vals[0])
		var err error
		switch name {
		case "rows":
			s.Rows, err = parseInt(v, 0, l.Rows)
		case "per":
			s.Per, err = parseInt(v, 1, MaxRows)
		case "pad":
			s.Pad, err = parseInt(v, 0, MaxPad)
		case "delay":
			s.Delay, err = ParseDelay(v, l.TotalDelay)
		case "run":
			s.Run, err = ParseRunID(v)
		default:
			return Spec{}, fmt.Errorf("%s: unknown parameter (known: %s)", ParamName(name), strings.Join(BodyParams, ", "))
		}
		if err != nil {
			return Spec{}, fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := s.Check(l); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// Check verifies s against the limits, the caps that depend on several
// parameters at once included.
func (s Spec) Check(l Limits) error {
	if s.Rows < 0 || s.Rows > l.Rows {
		return fmt.Errorf("rows: %d is outside 0..%d", s.Rows, l.Rows)
	}
	if s.Per < 1 || s.Per > MaxRows {
		return fmt.Errorf("per: %d is outside 1..%d", s.Per, MaxRows)
	}
	if s.Pad < 0 || s.Pad > MaxPad {
		return fmt.Errorf("pad: %d is outside 0..%d", s.Pad, MaxPad)
	}
	if s.Delay < 0 {
		return fmt.Errorf("delay: %s is negative", s.Delay)
	}
	if n := s.BodySize(); n > l.BodyBytes {
		return fmt.Errorf("rows: the body would be %d bytes, over the cap of %d (lower rows or pad)", n, l.BodyBytes)
	}
	// Compare in groups so that a huge delay times many groups cannot overflow.
	if s.Delay > 0 && int64(s.Groups()) > int64(l.TotalDelay/s.Delay) {
		return fmt.Errorf("delay: %d groups × %s is over the total cap of %s (lower delay or rows, or raise per)", s.Groups(), s.Delay, l.TotalDelay)
	}
	return nil
}

// Groups is how many groups of rows the body is produced in: one pause and,
// when streaming, one flush per group. The header line travels with the
// first group; a body with no rows is one group holding only the header.
func (s Spec) Groups() int {
	if s.Rows == 0 {
		return 1
	}
	return (s.Rows + s.Per - 1) / s.Per
}

// TotalDelay is the time the producer spends pausing.
func (s Spec) TotalDelay() time.Duration { return time.Duration(s.Groups()) * s.Delay }

// Header is the first line of every body, as in the seed.
const Header = "One,Two,Three\n"

// rowFixed is the length of "Hello,world," plus the newline; the row number
// and the padding come on top.
const rowFixed = len("Hello,world,") + 1

// BodySize is the exact length of the body, computed without producing it:
// the caps and the buffered handler's allocation both need it up front.
func (s Spec) BodySize() int64 {
	n := int64(len(Header))
	n += int64(s.Rows) * int64(rowFixed+s.Pad)
	n += digitsUpTo(int64(s.Rows))
	return n
}

// digitsUpTo is the number of decimal digits written for 1..n.
func digitsUpTo(n int64) int64 {
	var total int64
	for d, lo := int64(1), int64(1); lo <= n; d, lo = d+1, lo*10 {
		hi := lo*10 - 1
		if hi > n {
			hi = n
		}
		total += d * (hi - lo + 1)
	}
	return total
}

// Values encodes the spec as query parameters, leaving defaults out so that
// links stay short.
func (s Spec) Values() url.Values {
	q := url.Values{}
	q.Set("rows", strconv.Itoa(s.Rows))
	if s.Delay != 0 {
		q.Set("delay", s.Delay.String())
	}
	if s.Per != DefaultPer {
		q.Set("per", strconv.Itoa(s.Per))
	}
	if s.Pad != 0 {
		q.Set("pad", strconv.Itoa(s.Pad))
	}
	if s.Run != "" {
		q.Set("run", s.Run)
	}
	return q
}

// ParamName prints a parameter name for an error message: as it is when it
// is a plain word, quoted (and cut) otherwise, so a name full of newlines or
// control bytes cannot break the one-line reason.
func ParamName(name string) string {
	plain := name != "" && len(name) <= 32
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			plain = false
			break
		}
	}
	if plain {
		return name
	}
	if len(name) > 32 {
		name = name[:32] + "…"
	}
	return strconv.Quote(name)
}

// MaxRunID is the longest run id accepted.
const MaxRunID = 64

// ParseRunID checks a run id: 1 to 64 letters, digits, '-' or '_', so it
// can travel in URLs and logs as it is.
func ParseRunID(v string) (string, error) {
	if v == "" || len(v) > MaxRunID {
		return "", fmt.Errorf("%q is not 1 to %d characters", v, MaxRunID)
	}
	for _, c := range v {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return "", fmt.Errorf("%q has a character other than letters, digits, - and _", v)
		}
	}
	return v, nil
}

func parseInt(v string, lo, hi int) (int, error) {
	if v == "" {
		return 0, fmt.Errorf("empty, want a whole number in %d..%d", lo, hi)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < int64(lo) || n > int64(hi) {
		return 0, fmt.Errorf("%q is not a whole number in %d..%d", v, lo, hi)
	}
	return int(n), nil
}

// ParseDelay reads a Go duration from 0 to max ("0" alone allowed), or
// says in a phrase why v is not one: for delay= here and /events' every=.
func ParseDelay(v string, max time.Duration) (time.Duration, error) {
	if v == "" {
		return 0, fmt.Errorf("empty, want a Go duration such as 100ms")
	}
	if v == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a Go duration such as 100ms or 1.5s", v)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", v)
	}
	if d > max {
		return 0, fmt.Errorf("%q is over the cap of %s", v, max)
	}
	return d, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
