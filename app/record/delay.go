package record

import "chunkscope/app/wire"

// BlockedMs is the shortest wait that counts as a blocked write: a write to
// a socket with room returns in microseconds on loopback; one that waits a
// millisecond or more waited for the client to read.
const BlockedMs = 1

// SendTotals sums a send log, the one count the chart, the card and the
// verdict give.
type SendTotals struct {
	Writes, Flushed int     // an entry merged from k writes counts k
	Bytes           int64   // as written: compressed for a compressed body
	BlockedMs       float64 // every write's wait, in all
	LongestMs       float64 // the longest one entry waited
	Blocked         bool    // some write waited BlockedMs or more: the client held the server back
}

// Sends is the totals of a send log.
func Sends(sent []wire.Send) SendTotals {
	var t SendTotals
	for _, s := range sent {
		n := max(1, s.Writes)
		t.Writes += n
		if s.FlushMs > 0 {
			t.Flushed += n
		}
		t.Bytes += s.N
		t.BlockedMs += s.BlockedMs
		t.LongestMs = max(t.LongestMs, s.BlockedMs)
	}
	t.Blocked = t.LongestMs >= BlockedMs
	return t
}

// Delay is how long a stretch of the body took from the server's write to
// the browser's read: bytes [Off, Off+N) of the body as read, all written by
// one write and read by one read(), so they share one delay.
type Delay struct {
	Off, N int64
	Ms     float64
}

// Delays splits the body at every read's and every write's boundary and
// gives each stretch its delay, from the send log and the reads: a flat
// line near zero when nothing held bytes back, a sawtooth when a buffer
// let them go in bursts, a cliff when everything waited for the end.
//
// A compressed body is read decoded, in more bytes than were written:
// where the server noted how much of the body before compression a write
// completes (wire.Send.Plain, after each flush of our gzip scenarios), the
// bytes up to there belong to that write — the writes in between carried
// parts nobody could decode yet. Otherwise writes are matched to reads by
// fraction of the body (an upstream's compressed body, say), which is
// exact for a body read as written. Sends are on the page's clock already
// (mapped with the clock offset, good to ±ClockErrorMs), so a delay can be
// a little below zero. Nil without a send log or without body bytes.
func Delays(r *Run) []Delay {
	ends := sendEnds(r)
	if ends == nil {
		return nil
	}
	out := make([]Delay, 0, len(r.Chunks)+len(r.Sent))
	var readEnd int64
	j := 0
	for _, c := range r.Chunks {
		off := readEnd
		readEnd += int64(c.N)
		for off < readEnd {
			// The last write takes whatever is left: rounding never leaves
			// a read without a write.
			for j < len(ends)-1 && ends[j] <= off {
				j++
			}
			end := readEnd
			if j < len(ends)-1 {
				end = min(end, ends[j])
			}
			out = append(out, Delay{Off: off, N: end - off, Ms: c.T - r.Sent[j].T})
			off = end
		}
	}
	return out
}

// sendEnds is, per write, the offset in the body as read where the bytes
// it carried end: by its Plain count when the server noted them, by
// fraction otherwise. Nil when nothing was sent or read.
func sendEnds(r *Run) []int64 {
	var sentTotal int64
	plain := false
	for _, s := range r.Sent {
		sentTotal += s.N
		plain = plain || s.Plain > 0
	}
	if sentTotal == 0 || r.Bytes == 0 {
		return nil
	}
	ends := make([]int64, len(r.Sent))
	var sent, last int64
	for j, s := range r.Sent {
		sent += s.N
		switch {
		case plain:
			// Writes with no count carried what the next counted one
			// completes: they end where the last counted one did.
			last = max(last, min(s.Plain, r.Bytes))
			ends[j] = last
		default:
			ends[j] = int64(float64(sent)*float64(r.Bytes)/float64(sentTotal) + 0.5)
		}
	}
	return ends
}

// SendDelays is, for each read, how long its first byte took from the
// server's write to the browser's read (Delays, at each read's start). A
// read's later bytes waited less; its first byte is the one that says
// whether something held the body back. Nil without a send log.
func SendDelays(r *Run) []float64 {
	d := Delays(r)
	if d == nil {
		return nil
	}
	out := make([]float64, 0, len(r.Chunks))
	var off int64
	k := 0
	for _, c := range r.Chunks {
		for k < len(d) && d[k].Off < off {
			k++
		}
		if k < len(d) {
			out = append(out, d[k].Ms)
		}
		off += int64(c.N)
	}
	return out
}
