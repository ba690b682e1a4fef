package talk

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// Claim is what a step's runs must show: a sentence for the audience and a
// kind the page checks against the runs (Check), so the screen says whether
// this run showed it — "✓ …", or "not shown this time: …" — instead of a
// bullet the chart may contradict.
type Claim struct {
	// Kind is one of the Claim* constants.
	Kind string `json:"kind"`
	// Says is the sentence shown with the check (at most MaxLineLen runes).
	Says string `json:"says"`
	// Lane is the lane the claim is about, 1-based (default 1).
	Lane int `json:"lane,omitempty"`
	// Than is the lane it is compared with (first-byte-earlier, heap-more).
	Than int `json:"than,omitempty"`
	// Times is the factor of a comparison (default 10).
	Times float64 `json:"times,omitempty"`
	// Min is the least count of reads, chunks or frames (default 10).
	Min int `json:"min,omitempty"`
}

// Claim kinds.
const (
	ClaimOnePiece      = "one-piece"          // the lane's body arrives in one piece at the end (its verdict)
	ClaimStreamed      = "streamed"           // the lane's body arrives in ≥ Min reads, spread over the run (its verdict)
	ClaimChunked       = "chunked"            // on the wire: chunked framing, ≥ Min chunks
	ClaimOneChunk      = "one-chunk"          // on the wire: chunked framing, exactly one chunk
	ClaimClose         = "close"              // on the wire: no length, no chunks, the body ends at the close; ≥ Min reads
	ClaimLengthReads   = "length-reads"       // a Content-Length, and ≥ Min reads
	ClaimFrames        = "h2-frames"          // HTTP/2: ≥ Min DATA frames, no chunked framing
	ClaimNoBody        = "no-body"            // every lane: a response and not one body byte
	ClaimReadsNotChunk = "reads-not-chunks"   // the page's reads are not the wire's chunks: another count
	ClaimEarlier       = "first-byte-earlier" // lane's first byte ≥ Times× earlier than Than's
	ClaimHeapMore      = "heap-more"          // lane's server heap grows ≥ Times× more than Than's
)

// ClaimKinds are the kinds, as a deck's error lists them.
var ClaimKinds = []string{ClaimOnePiece, ClaimStreamed, ClaimChunked, ClaimOneChunk, ClaimClose, ClaimLengthReads, ClaimFrames,
	ClaimNoBody, ClaimReadsNotChunk, ClaimEarlier, ClaimHeapMore}

// compares says whether a kind compares two lanes.
func compares(kind string) bool { return kind == ClaimEarlier || kind == ClaimHeapMore }

// check says what is wrong with a claim of a view of lanes lanes, as the
// end of a sentence.
func (c Claim) check(lanes int) error {
	known := false
	for _, k := range ClaimKinds {
		known = known || k == c.Kind
	}
	switch {
	case !known:
		return fmt.Errorf("has a claim of kind %s; known: %s", strconv.Quote(c.Kind), strings.Join(ClaimKinds, ", "))
	case strings.TrimSpace(c.Says) == "":
		return errors.New(`has a claim without "says", the sentence to show`)
	case len([]rune(c.Says)) > MaxLineLen:
		return fmt.Errorf("has a claim of %d characters; at most %d fit a projector", len([]rune(c.Says)), MaxLineLen)
	case c.Lane < 0 || c.Lane > lanes:
		return fmt.Errorf("has a claim about lane %d; its view has lanes 1 to %d", c.Lane, lanes)
	case compares(c.Kind) && (c.Than < 1 || c.Than > lanes || c.Than == c.lane()):
		return fmt.Errorf("has a %s claim comparing lane %d with lane %d; want two lanes of its view (1 to %d)", c.Kind, c.lane(), c.Than, lanes)
	case c.Times < 0 || math.IsNaN(c.Times) || math.IsInf(c.Times, 0):
		return errors.New("has a claim with a negative times")
	case c.Min < 0:
		return errors.New("has a claim with a negative min")
	}
	return nil
}

func (c Claim) lane() int { return max(1, c.Lane) }

func (c Claim) times() float64 {
	if c.Times > 0 {
		return c.Times
	}
	return 10
}

func (c Claim) least() int {
	if c.Min > 0 {
		return c.Min
	}
	return 10
}

// Check says whether runs (the step's lanes, in order) show the claim, and
// what they showed, in a few words ("4.2 KiB in 1 chunk"); when they do
// not, the words say what was seen instead, for "not shown this time: …".
func (c Claim) Check(runs []*record.Run) (held bool, shown string) {
	if len(runs) < c.lane() || compares(c.Kind) && len(runs) < c.Than {
		return false, "the step's runs are not all there"
	}
	for i, r := range runs {
		switch {
		case r == nil:
			return false, "lane " + strconv.Itoa(i+1) + " has not run"
		case !r.Done:
			return false, r.Label() + " is still running"
		case r.Error != "":
			return false, r.Label() + " failed"
		case r.Status == 0:
			return false, r.Label() + " got no response"
		}
	}
	a := runs[c.lane()-1]
	switch c.Kind {
	case ClaimOnePiece:
		return a.Verdict.Kind == record.KindOnePiece, a.Label() + ": " + reads(len(a.Chunks)) + ", first byte " + ms(a.TTFBMs) + " of " + ms(a.TotalMs)
	case ClaimStreamed:
		return a.Verdict.Kind == record.KindStreamed && len(a.Chunks) >= c.least(), a.Label() + ": " + reads(len(a.Chunks)) + " from " + ms(a.TTFBMs) + " to " + ms(a.TotalMs)
	case ClaimChunked, ClaimOneChunk, ClaimFrames:
		w := a.Wire
		if w == nil {
			return false, a.Label() + ": no wire probe in this run"
		}
		n := plural(w.Chunks, "chunk")
		want := wire.FramingChunked
		if c.Kind == ClaimFrames {
			n, want = plural(w.Chunks, "DATA frame"), wire.FramingH2
		}
		if w.Framing != want {
			return false, a.Label() + ": framing " + w.Framing + ", " + n
		}
		if c.Kind == ClaimOneChunk {
			return w.Chunks == 1, a.Label() + ": " + size(w.BodyBytes) + " in " + n
		}
		return w.Chunks >= c.least(), a.Label() + ": " + n + " on the wire"
	case ClaimClose:
		framing := "no wire probe"
		if a.Wire != nil {
			framing = a.Wire.Framing
		}
		return framing == wire.FramingClose && len(a.Chunks) >= c.least(), a.Label() + ": framing " + framing + ", " + reads(len(a.Chunks))
	case ClaimLengthReads:
		cl := a.Header("content-length")
		if cl == "" {
			return false, a.Label() + ": no Content-Length, " + reads(len(a.Chunks))
		}
		return len(a.Chunks) >= c.least(), a.Label() + ": Content-Length " + cl + ", " + reads(len(a.Chunks))
	case ClaimNoBody:
		var parts []string
		held = true
		for _, r := range runs {
			held = held && r.Bytes == 0
			parts = append(parts, strconv.Itoa(r.Status)+" "+size(r.Bytes))
		}
		return held, strings.Join(parts, ", ")
	case ClaimReadsNotChunk:
		if a.Wire == nil {
			return false, a.Label() + ": no wire probe in this run"
		}
		return a.Wire.Chunks > 0 && len(a.Chunks) != a.Wire.Chunks, plural(a.Wire.Chunks, "chunk") + " on the wire, " + reads(len(a.Chunks)) + " in the page"
	case ClaimEarlier:
		b := runs[c.Than-1]
		if len(a.Chunks) == 0 || len(b.Chunks) == 0 {
			return false, "a lane received no body"
		}
		k := b.TTFBMs / math.Max(a.TTFBMs, 0.1)
		return k >= c.times(), a.Label() + " " + ms(a.TTFBMs) + ", " + b.Label() + " " + ms(b.TTFBMs) + ": " + factor(k)
	case ClaimHeapMore:
		b := runs[c.Than-1]
		if len(a.ServerMem) == 0 || len(b.ServerMem) == 0 {
			return false, "no server memory samples"
		}
		k := float64(a.ServerPeakGrowth) / math.Max(float64(b.ServerPeakGrowth), 1)
		return k >= c.times(), a.Label() + " +" + record.Size(a.ServerPeakGrowth) + ", " + b.Label() + " +" + record.Size(b.ServerPeakGrowth) + ": " + factor(k)
	}
	return false, "unknown claim " + c.Kind
}

func reads(n int) string { return plural(n, "read") }

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func ms(v float64) string {
	if v >= 1000 {
		return strconv.FormatFloat(v/1000, 'f', 2, 64) + " s"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + " ms"
}

func size(n int64) string { return record.Size(n) }

func factor(k float64) string {
	if k >= 10 {
		return strconv.FormatFloat(k, 'f', 0, 64) + "×"
	}
	return strconv.FormatFloat(k, 'f', 1, 64) + "×"
}
