package record

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
// Writes are matched to reads by fraction of the body, not by byte: a
// compressed body is written in fewer bytes than the browser reads, and
// the fractions still line up. Sends are on the page's clock already
// (mapped with the clock offset, good to ±ClockErrorMs), so a delay can be
// a little below zero. Nil without a send log or without body bytes.
func Delays(r *Run) []Delay {
	var sentTotal int64
	for _, s := range r.Sent {
		sentTotal += s.N
	}
	if sentTotal == 0 || r.Bytes == 0 {
		return nil
	}
	scale := float64(r.Bytes) / float64(sentTotal)
	out := make([]Delay, 0, len(r.Chunks)+len(r.Sent))
	var readEnd, sentBytes int64 // bytes read through read i; written through write j
	j := 0
	sentEnd := func() int64 { return int64(float64(sentBytes+r.Sent[j].N)*scale + 0.5) }
	for _, c := range r.Chunks {
		off := readEnd
		readEnd += int64(c.N)
		for off < readEnd {
			// The last write takes whatever is left: rounding never leaves
			// a read without a write.
			for j < len(r.Sent)-1 && sentEnd() <= off {
				sentBytes += r.Sent[j].N
				j++
			}
			end := readEnd
			if j < len(r.Sent)-1 {
				end = min(end, sentEnd())
			}
			out = append(out, Delay{Off: off, N: end - off, Ms: c.T - r.Sent[j].T})
			off = end
		}
	}
	return out
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
