// Package sse reads Server-Sent Events streams as chunkscope's endpoints
// write them (/events, /wire): "event: NAME" then "data: JSON" lines. The
// tests, make bench and make load read them through it.
package sse

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// maxLine bounds one line (a wire summary with its headers is the largest).
const maxLine = 1 << 20

// Read calls fn with each event's name and data until fn returns false, the
// stream ends, or a line is malformed. It returns fn's error, if any, or
// the reader's.
func Read(r io.Reader, fn func(event, data string) (more bool, err error)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, maxLine)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			more, err := fn(event, strings.TrimPrefix(line, "data: "))
			if err != nil {
				return fmt.Errorf("event %s: %w", event, err)
			}
			if !more {
				return nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return io.ErrUnexpectedEOF
}
