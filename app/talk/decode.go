package talk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"chunkscope/app/keep/jsonlimit"
	"chunkscope/app/spec"
)

// Decode reads a deck file. Anything wrong with it is one sentence (the
// error's text) and no deck, so a page that shows a deck keeps showing it.
// It is strict: an unknown field, an unknown scenario, bad body
// parameters, more than three lines to a step are all refused.
func Decode(data []byte) (Deck, error) {
	if len(data) > MaxBytes {
		return Deck{}, fmt.Errorf("This deck is %d bytes; a deck holds at most %d.", len(data), MaxBytes)
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return Deck{}, errors.New("This deck file is empty.")
	}
	if !json.Valid(trimmed) {
		// Unmarshal checks the whole text before it decodes anything: it
		// says where the text breaks, and builds nothing.
		var syn *json.SyntaxError
		if err := json.Unmarshal(trimmed, &struct{}{}); errors.As(err, &syn) {
			line, col := lineCol(data, len(data)-len(bytes.TrimLeftFunc(data, unicode.IsSpace))+int(syn.Offset))
			return Deck{}, fmt.Errorf("This deck is not valid JSON: %s at line %d, column %d.", strings.TrimPrefix(syn.Error(), "invalid character "), line, col)
		}
		return Deck{}, errors.New("This deck is not valid JSON.")
	}
	if trimmed[0] != '{' {
		return Deck{}, errors.New(`This deck is JSON, but not an object with "format": "chunkscope-deck".`)
	}
	if err := checkCounts(trimmed); err != nil {
		return Deck{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	var d Deck
	if err := dec.Decode(&d); err != nil {
		return Deck{}, fieldError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Deck{}, errors.New("This deck has something after its closing brace.")
	}
	if err := d.Check(); err != nil {
		return Deck{}, err
	}
	return d, nil
}

// lineCol is where byte offset off of data is, as an editor counts: line
// and column from 1, the column in characters. The decoder's offset is
// the byte after the one it stopped at.
func lineCol(data []byte, off int) (line, col int) {
	off = max(0, min(off-1, len(data)))
	before := data[:off]
	line = 1 + bytes.Count(before, []byte("\n"))
	if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, 1 + utf8.RuneCount(before)
}

// maxDepth is how deep a deck may nest: its own schema nests five.
const maxDepth = 64

// limits are the deck's arrays, counted before the deck is decoded, so a
// megabyte of empty steps or lines builds nothing: the same limits Check
// holds a decoded deck to, with the same sentences.
var limits = []jsonlimit.Limit{
	{Names: []string{"steps"}, Total: MaxSteps},
	{Names: []string{"lines"}, Each: MaxLines},
	{Names: []string{"scenarios"}, Each: MaxLanes},
	{Names: []string{"upstreams"}, Each: MaxLanes},
}

// checkCounts says which of the limits a deck's text goes over, or nil.
func checkCounts(text []byte) error {
	over, err := jsonlimit.Scan(text, limits, maxDepth)
	switch {
	case err != nil:
		return fmt.Errorf("This deck nests arrays and objects more than %d deep; a deck nests %d at most.", maxDepth, 5)
	case over == nil:
		return nil
	case over.Limit == 0:
		return fmt.Errorf("This deck has %d steps; a deck holds at most %d.", over.Count, MaxSteps)
	}
	step := "A step"
	if i := over.In("steps"); i >= 0 {
		step = "Step " + strconv.Itoa(i+1)
	}
	switch over.Limit {
	case 1:
		return fmt.Errorf("%s has %d lines; a step holds at most %d.", step, over.Count, MaxLines)
	case 3:
		return fmt.Errorf("%s has %d upstreams in its view; at most %d.", step, over.Count, MaxLanes)
	}
	return fmt.Errorf("%s has %d scenarios in its view; at most %d.", step, over.Count, MaxLanes)
}

// fieldError turns the decoder's complaint into a sentence.
func fieldError(err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("This deck's %q is a JSON %s where the schema wants a %s.", typ.Field, typ.Value, typ.Type)
	}
	if msg := err.Error(); strings.HasPrefix(msg, "json: unknown field ") {
		return fmt.Errorf("This deck has the field %s, which the deck schema does not know (known: format, version, title, author, steps; "+
			"a step: title, lines, view, notes, auto, claim; a view: scenarios, upstreams, body, read, wire, align, memory; an upstream: label, url; "+
			"a claim: kind, says, lane, than, times, min).", strings.TrimPrefix(msg, "json: unknown field "))
	}
	return fmt.Errorf("This deck cannot be read: %v.", err)
}

// Check says in one sentence what is wrong with a deck, or nil.
func (d Deck) Check() error {
	switch {
	case d.Format != Format:
		return fmt.Errorf(`This file's "format" is %q; a deck says "format": %q.`, d.Format, Format)
	case d.Version != Version:
		return fmt.Errorf("This deck has version %d; this chunkscope reads deck version %d.", d.Version, Version)
	case strings.TrimSpace(d.Title) == "":
		return errors.New("This deck has no title.")
	case utf8.RuneCountInString(d.Author) > MaxAuthor:
		return fmt.Errorf("This deck's author is %d characters; at most %d fit the title slide.", utf8.RuneCountInString(d.Author), MaxAuthor)
	case len(d.Steps) == 0:
		return errors.New("This deck has no steps.")
	case len(d.Steps) > MaxSteps:
		return fmt.Errorf("This deck has %d steps; a deck holds at most %d.", len(d.Steps), MaxSteps)
	}
	for i, s := range d.Steps {
		if err := s.check(); err != nil {
			return fmt.Errorf("Step %d %s.", i+1, err)
		}
	}
	return nil
}

// check says what is wrong with a step, as the end of a sentence.
func (s Step) check() error {
	switch {
	case strings.TrimSpace(s.Title) == "":
		return errors.New("has no title")
	case utf8.RuneCountInString(s.Title) > MaxTitleLen:
		return fmt.Errorf("has a title of %d characters; at most %d fit a projector", utf8.RuneCountInString(s.Title), MaxTitleLen)
	case len(s.Lines) > MaxLines:
		return fmt.Errorf("has %d lines; a step holds at most %d", len(s.Lines), MaxLines)
	case len(s.Notes) > MaxNotes:
		return fmt.Errorf("has %d bytes of notes; at most %d", len(s.Notes), MaxNotes)
	}
	for j, l := range s.Lines {
		if n := utf8.RuneCountInString(l); n > MaxLineLen {
			return fmt.Errorf("has line %d of %d characters; at most %d fit a projector", j+1, n, MaxLineLen)
		}
	}
	v := s.View
	switch {
	case v.Lanes() == 0:
		return errors.New("has no scenario or upstream in its view")
	case v.Lanes() > MaxLanes:
		return fmt.Errorf("has %d lanes (scenarios and upstreams) in its view; at most %d", v.Lanes(), MaxLanes)
	}
	for _, u := range v.Upstreams {
		if err := checkUpstream(u); err != nil {
			return err
		}
	}
	for _, name := range v.Scenarios {
		if _, ok := spec.Lookup(name); !ok {
			return fmt.Errorf("names the scenario %s, which is not in the scenario table (known: %s)", spec.ParamName(name), strings.Join(spec.Names(), ", "))
		}
	}
	if _, err := v.Spec(); err != nil {
		return fmt.Errorf("has a bad body %s: %v", strconv.Quote(v.Body), err)
	}
	switch v.Read {
	case "", "auto", "stream", "buffer":
	default:
		return fmt.Errorf("has read %s; want auto, stream or buffer", strconv.Quote(v.Read))
	}
	switch v.Align {
	case "", "start", "first-byte":
	default:
		return fmt.Errorf("has align %s; want start or first-byte", strconv.Quote(v.Align))
	}
	if s.Claim != nil {
		return s.Claim.check(v.Lanes())
	}
	return nil
}

// maxUpstreamLen bounds an upstream's URL, as a line of a deck file.
const maxUpstreamLen = 2048

// maxLabelLen bounds an upstream lane's label, in runes: what a lane's
// name shows on a projector (app/scene's compact layout).
const maxLabelLen = 14

// checkUpstream says what is wrong with a view's upstream, as the end of a
// sentence: its URL must be an absolute http or https URL. Whether the
// server reads it is the server's -upstream allowlist's say, at the run.
func checkUpstream(up Upstream) error {
	if n := utf8.RuneCountInString(up.Label); n > maxLabelLen {
		return fmt.Errorf("has an upstream label of %d characters; at most %d fit a lane", n, maxLabelLen)
	}
	u := up.URL
	if len(u) > maxUpstreamLen {
		return fmt.Errorf("has an upstream of %d bytes; at most %d", len(u), maxUpstreamLen)
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.User != nil {
		return fmt.Errorf("has the upstream %s, which is not an http:// or https:// URL with a host", strconv.Quote(u))
	}
	return nil
}

// Encode writes a deck as a speaker's file would hold it.
func Encode(d Deck) ([]byte, error) { return json.MarshalIndent(d, "", "  ") }
