// Package jsonlimit counts what a JSON text would make a decoder build —
// the elements of its arrays and the members of its objects, by the name
// of the member that holds them — in one pass over the bytes, allocating
// nothing in proportion to the text. A file's decoder calls Scan before
// json.Unmarshal, so a file of eighty million empty samples is refused for
// what it holds, not after the page has run out of memory building them.
//
// Names match as encoding/json matches them to struct fields: escapes
// undone, then case-insensitively (bytes.EqualFold), so "ServerMem" and
// "\u0073erverMem" are counted as serverMem too. Scan does not validate the
// text: on something that is not JSON it counts what it can and returns,
// and the decoder says what is wrong.
package jsonlimit

import (
	"bytes"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Limit bounds the arrays or objects held by members of some names: how
// many elements (or members) each may hold, and how many all of them
// together.
type Limit struct {
	// Names are the member names whose values this limit counts. "" names
	// the top-level value when it is an array (a bare array of runs).
	Names []string
	Each  int // most elements in one of them; 0: no limit
	Total int // most elements in all of them together; 0: no limit
}

// Over is a limit that a text goes over.
type Over struct {
	Limit int  // its index in the limits given to Scan
	Each  bool // one array (object) is over Each; else all are over Total
	Count int  // how many that one holds (Each), or all together (Total)
	// Path leads to the largest array (object) the limit counts: the
	// members and array elements from the top, the last being the array
	// itself. An array left open by a cut text counts as it stands.
	Path []Elem
}

// Elem is one step of a Path: the member Name in an object, or element
// Index of an array (Name "").
type Elem struct {
	Name  string
	Index int
}

// In is the index of the element of the array named name that the path
// goes through (steps[2].lines: In("steps") is 2), or -1.
func (o Over) In(name string) int {
	for i := 0; i+1 < len(o.Path); i++ {
		if o.Path[i].Name != "" && bytes.EqualFold([]byte(o.Path[i].Name), []byte(name)) && o.Path[i+1].Name == "" {
			return o.Path[i+1].Index
		}
	}
	return -1
}

// DeepError is a text nested deeper than Scan was told to follow.
type DeepError struct{ Max int }

func (e *DeepError) Error() string {
	return fmt.Sprintf("arrays and objects nested more than %d deep", e.Max)
}

// frame is an array or object being scanned.
type frame struct {
	count     int   // elements or members so far
	index     int32 // its index in the enclosing array, or -1
	name, end int32 // the member that holds it: its name's bytes in the text (raw), or -1 in an array or at the top
	limit     int16 // index of the limit counting it, or -1
	array     bool
}

// MaxText is the longest text Scan reads (offsets are 32-bit).
const MaxText = 1<<31 - 1

// Scan counts data against the limits and returns the first limit (in the
// order given) that it goes over, or nil. It follows at most maxDepth
// levels of nesting; deeper, it stops with a *DeepError. A text over
// MaxText bytes is an error.
func Scan(data []byte, limits []Limit, maxDepth int) (*Over, error) {
	if len(data) > MaxText {
		return nil, fmt.Errorf("a text of %d bytes, over %d", len(data), MaxText)
	}
	if len(limits) > 1<<15 {
		return nil, fmt.Errorf("%d limits, over %d", len(limits), 1<<15)
	}
	s := scanner{data: data, limits: limits, totals: make([]int, len(limits)), largest: make([]int, len(limits)), paths: make([][]Elem, len(limits)),
		stack: make([]frame, 0, min(maxDepth, 64))}
	if err := s.run(maxDepth); err != nil {
		return nil, err
	}
	for i, l := range limits {
		if l.Each > 0 && s.largest[i] > l.Each {
			return &Over{Limit: i, Each: true, Count: s.largest[i], Path: s.paths[i]}, nil
		}
		if l.Total > 0 && s.totals[i] > l.Total {
			return &Over{Limit: i, Count: s.totals[i], Path: s.paths[i]}, nil
		}
	}
	return nil, nil
}

type scanner struct {
	data    []byte
	limits  []Limit
	totals  []int
	largest []int
	paths   [][]Elem
	stack   []frame
}

// delim marks the bytes that end a number or a literal.
var delim = [256]bool{',': true, ':': true, ']': true, '}': true, '"': true, '[': true, '{': true, ' ': true, '\t': true, '\n': true, '\r': true}

func (s *scanner) run(maxDepth int) error {
	data := s.data
	expectKey := false    // in an object, before a member's name
	key, keyEnd := -1, -1 // the last member name seen, raw: its bytes
	afterColon := false   // after a member's name and colon
	for i := 0; i < len(data); {
		c := data[i]
		switch c {
		case ' ', '\t', '\n', '\r':
			i++
			continue
		case '"':
			j := i + 1
			for {
				k := bytes.IndexByte(data[j:], '"')
				if k < 0 {
					j = len(data)
					break
				}
				j += k
				// Escaped when an odd number of backslashes precede it.
				bs := 0
				for b := j - 1; b > i && data[b] == '\\'; b-- {
					bs++
				}
				if bs%2 == 0 {
					break
				}
				j++
			}
			if n := len(s.stack); n > 0 && !s.stack[n-1].array && expectKey {
				key, keyEnd = i+1, j
				expectKey = false
				s.add(&s.stack[n-1])
			} else {
				s.value()
			}
			afterColon = false
			i = j + 1
			continue
		case ':':
			afterColon = true
			i++
			continue
		case ',':
			if n := len(s.stack); n > 0 && !s.stack[n-1].array {
				expectKey = true
			}
			afterColon = false
			i++
			continue
		case '[', '{':
			s.value()
			// An empty one holds nothing to count: a value like any other.
			j := i + 1
			for j < len(data) && (data[j] == ' ' || data[j] == '\n' || data[j] == '\r' || data[j] == '\t') {
				j++
			}
			if j < len(data) && data[j] == c+2 { // ']' is '['+2, '}' is '{'+2
				afterColon = false
				i = j + 1
				continue
			}
			if len(s.stack) >= maxDepth {
				return &DeepError{Max: maxDepth}
			}
			f := frame{array: c == '[', limit: -1, index: -1, name: -1, end: -1}
			top := len(s.stack) == 0
			if !top {
				if p := &s.stack[len(s.stack)-1]; p.array {
					f.index = int32(p.count - 1)
				} else if afterColon {
					f.name, f.end = int32(key), int32(keyEnd)
				}
			}
			if f.name >= 0 || (top && f.array) {
				f.limit = int16(s.limitFor(f, top))
			}
			s.stack = append(s.stack, f)
			expectKey = c == '{'
			afterColon = false
			i++
			continue
		case ']', '}':
			if len(s.stack) > 0 {
				s.close()
			}
			expectKey = false
			afterColon = false
			i++
			continue
		}
		// A number, true, false, null, or something that is not JSON: one
		// value up to the next delimiter.
		s.value()
		afterColon = false
		for i < len(data) && !delim[data[i]] {
			i++
		}
	}
	for len(s.stack) > 0 {
		s.close()
	}
	return nil
}

// value counts a value starting inside the innermost frame, when it is an
// array: one element more.
func (s *scanner) value() {
	if n := len(s.stack); n > 0 && s.stack[n-1].array {
		s.add(&s.stack[n-1])
	}
}

// add counts one element (or member) of f.
func (s *scanner) add(f *frame) {
	f.count++
	if f.limit >= 0 {
		s.totals[f.limit]++
	}
}

// close ends the innermost frame, keeping the path to it when it is the
// largest its limit has seen.
func (s *scanner) close() {
	n := len(s.stack)
	if f := &s.stack[n-1]; f.limit >= 0 && (f.count > s.largest[f.limit] || s.paths[f.limit] == nil) {
		s.largest[f.limit] = f.count
		path := make([]Elem, 0, n)
		for _, g := range s.stack {
			if g.index >= 0 {
				path = append(path, Elem{Index: int(g.index)})
			}
			if g.name >= 0 {
				path = append(path, Elem{Name: unescape(s.data[g.name:g.end])})
			}
		}
		s.paths[f.limit] = path
	}
	s.stack = s.stack[:n-1]
}

// limitFor is the index of the limit that counts f, held by a member (or
// the top-level array), or -1.
func (s *scanner) limitFor(f frame, top bool) int {
	var name []byte
	if f.name >= 0 {
		name = s.data[f.name:f.end]
	}
	if bytes.IndexByte(name, '\\') >= 0 {
		name = []byte(unescape(name))
	}
	for i, l := range s.limits {
		for _, want := range l.Names {
			if (want == "" && top) || (want != "" && !top && bytes.EqualFold(name, []byte(want))) {
				return i
			}
		}
	}
	return -1
}

// maxName bounds the names unescaped: no limit's name is anywhere near it.
const maxName = 256

// unescape undoes a JSON string's escapes, as encoding/json does for a
// member name (bad escapes are dropped: such a text fails to decode
// anyway).
func unescape(raw []byte) string {
	if len(raw) > maxName {
		raw = raw[:maxName]
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i+1 >= len(raw) {
			out = append(out, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n := hex4(raw[i+1:])
			if n == 0 {
				continue
			}
			i += n
			if utf16.IsSurrogate(r) {
				if i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					if r2, n2 := hex4(raw[i+3:]); n2 > 0 {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							out = utf8.AppendRune(out, dec)
							i += 2 + n2
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			out = utf8.AppendRune(out, r)
		default:
			out = append(out, raw[i])
		}
	}
	return string(out)
}

// hex4 reads four hex digits: the rune and 4, or 0 and 0.
func hex4(b []byte) (rune, int) {
	if len(b) < 4 {
		return 0, 0
	}
	v, err := strconv.ParseUint(string(b[:4]), 16, 16)
	if err != nil {
		return 0, 0
	}
	return rune(v), 4
}
