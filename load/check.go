package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// csvHeader is the first line of every body. It is written out here rather
// than taken from app/spec so that the check does not share a constant with
// the producer it checks.
const csvHeader = "One,Two,Three\n"

// bodyChecker compares a body, as it arrives, with the CSV that rows and pad
// describe: the header line, then "Hello,world" + pad dots + "," + N + "\n"
// for N = 1 … rows. It holds one expected line at a time, never the body, so
// a body of any size costs a few hundred bytes to check.
type bodyChecker struct {
	rows   int
	prefix []byte // "Hello,world" + dots + ","
	line   []byte // the expected line being compared
	off    int    // bytes of line already matched
	row    int    // the row that line holds; 0 is the header
	n      int64  // bytes matched so far
	done   bool   // every line matched: any further byte is one too many
}

func newBodyChecker(rows, pad int) *bodyChecker {
	return &bodyChecker{
		rows:   rows,
		prefix: []byte("Hello,world" + strings.Repeat(".", pad) + ","),
		line:   []byte(csvHeader),
	}
}

// Write checks the next bytes of the body. It returns an error saying where
// and how the body differs at the first byte that is not the expected one.
func (c *bodyChecker) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		if c.done {
			return written, fmt.Errorf("extra bytes after the end of the body (%d bytes): %q", c.n, head(p))
		}
		k := min(len(c.line)-c.off, len(p))
		want := c.line[c.off : c.off+k]
		if !bytes.Equal(want, p[:k]) {
			i := 0
			for want[i] == p[i] {
				i++
			}
			return written + i, fmt.Errorf("byte %d, %s column %d: got %q, want %q",
				c.n+int64(i), c.where(), c.off+i, head(p[i:k]), head(want[i:]))
		}
		c.off += k
		c.n += int64(k)
		written += k
		p = p[k:]
		if c.off == len(c.line) {
			c.nextLine()
		}
	}
	return written, nil
}

// Finish reports a body that ended before its last row.
func (c *bodyChecker) Finish() error {
	if !c.done {
		return fmt.Errorf("short body: ended after %d bytes, %s column %d (want %d rows)", c.n, c.where(), c.off, c.rows)
	}
	return nil
}

// Bytes is how many bytes matched so far.
func (c *bodyChecker) Bytes() int64 { return c.n }

func (c *bodyChecker) nextLine() {
	c.row++
	c.off = 0
	if c.row > c.rows {
		c.done = true
		return
	}
	c.line = append(c.line[:0], c.prefix...)
	c.line = strconv.AppendInt(c.line, int64(c.row), 10)
	c.line = append(c.line, '\n')
}

func (c *bodyChecker) where() string {
	if c.row == 0 {
		return "header line"
	}
	return "row " + strconv.Itoa(c.row)
}

// head shortens p for an error message.
func head(p []byte) []byte {
	return p[:min(len(p), 16)]
}
