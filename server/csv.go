package server

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"chunkscope/app/spec"
)

// pieceSize bounds what the producer holds before handing bytes to its sink,
// so a huge group (per=1000000) streams in 64 KiB writes instead of being
// built whole: the streaming handler's memory must not grow with the group.
const pieceSize = 64 << 10

// sink receives the body: write may be called several times per group,
// endGroup once at the end of each group (where the streaming handler
// flushes).
type sink interface {
	write(p []byte) error
	endGroup() error
}

// produce writes the seed's CSV for s into dst: the header line, then
// "Hello,world,N" rows (the "world" field padded with s.Pad dots), in
// s.Groups() groups, each preceded by a pause of s.Delay. It is the only
// producer: the buffered and the streaming handler differ only in their sink,
// so their bodies are byte-identical. It returns ctx's error as soon as ctx is
// done, during a pause or between pieces.
func produce(ctx context.Context, s spec.Spec, dst sink) error {
	prefix := []byte("Hello,world" + strings.Repeat(".", s.Pad) + ",")
	// The buffer holds one group, up to a 64 KiB piece: a stream of small
	// groups should not hold 64 KiB each (200 streams of 2 KiB groups held
	// 13 MiB more than they needed, see make load). One padded row must fit.
	rowMax := len(prefix) + 24
	bufCap := min(pieceSize, len(spec.Header)+s.Per*rowMax)
	bufCap = max(bufCap, len(spec.Header)+rowMax)
	buf := make([]byte, 0, bufCap)
	var timer *time.Timer
	if s.Delay > 0 {
		timer = time.NewTimer(s.Delay)
		defer timer.Stop()
	}
	row := 1
	for g := 0; g < s.Groups(); g++ {
		if timer != nil {
			if g > 0 {
				timer.Reset(s.Delay)
			}
			select {
			case <-timer.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		} else if err := ctx.Err(); err != nil {
			return err
		}
		if g == 0 {
			buf = append(buf, spec.Header...)
		}
		last := min(row+s.Per-1, s.Rows)
		for ; row <= last; row++ {
			// The row's exact length, not rowMax: a group that fits one
			// piece (64 rows of 1 KiB) must leave in one write, one chunk.
			if len(buf)+len(prefix)+digits(row)+1 > cap(buf) {
				if err := dst.write(buf); err != nil {
					return err
				}
				buf = buf[:0]
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			buf = append(buf, prefix...)
			buf = strconv.AppendInt(buf, int64(row), 10)
			buf = append(buf, '\n')
		}
		if len(buf) > 0 {
			if err := dst.write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
		if err := dst.endGroup(); err != nil {
			return err
		}
	}
	return nil
}

// digits is the number of decimal digits of n > 0.
func digits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// memorySink holds the whole body, as Django's HttpResponse does. It keeps
// the pieces as produced rather than one growing slice: the heap then
// climbs with the rows, as the body is built, and never holds a doubled
// copy on the way (a 1 GiB body costs 1 GiB, not 2). Each piece is counted
// in hold as it is allocated; a piece the budget has no room for is not
// allocated, and write returns the *overBudget that says why. want, the
// size the body is expected to reach (0: unknown), keeps the last piece to
// what is left of it, so a 155-byte body holds 155 bytes, not 64 KiB.
type memorySink struct {
	pieces [][]byte
	size   int64
	want   int64
	hold   *hold
}

func (m *memorySink) write(p []byte) error {
	for len(p) > 0 {
		if n := len(m.pieces); n == 0 || len(m.pieces[n-1]) == cap(m.pieces[n-1]) {
			c := int64(pieceSize)
			if left := m.want - m.size; left > 0 {
				c = min(c, left)
			}
			c = max(c, int64(len(p)))
			if err := m.hold.grow(c); err != nil {
				return err
			}
			m.pieces = append(m.pieces, make([]byte, 0, c))
		}
		last := &m.pieces[len(m.pieces)-1]
		n := min(cap(*last)-len(*last), len(p))
		*last = append(*last, p[:n]...)
		p = p[n:]
		m.size += int64(n)
	}
	return nil
}

// Write is write for an io.Writer (a compressor's output).
func (m *memorySink) Write(p []byte) (int, error) {
	if err := m.write(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// drop lets the pieces go and gives their bytes back to the budget.
func (m *memorySink) drop() {
	var c int64
	for _, p := range m.pieces {
		c += int64(cap(p))
	}
	m.pieces, m.size = nil, 0
	m.hold.shrink(c)
}

func (m *memorySink) endGroup() error { return nil }

// writeTo sends the pieces in order.
func (m *memorySink) writeTo(w interface{ Write([]byte) (int, error) }) error {
	for _, p := range m.pieces {
		if _, err := w.Write(p); err != nil {
			return fmt.Errorf("writing body: %w", err)
		}
	}
	return nil
}

// flushSink writes each piece to the client and flushes at the end of every
// group, so each group leaves as it is produced.
type flushSink struct {
	w     interface{ Write([]byte) (int, error) }
	flush func() error
}

func (f flushSink) write(p []byte) error {
	if _, err := f.w.Write(p); err != nil {
		return fmt.Errorf("writing body: %w", err)
	}
	return nil
}

func (f flushSink) endGroup() error {
	if err := f.flush(); err != nil {
		return fmt.Errorf("flushing group: %w", err)
	}
	return nil
}
