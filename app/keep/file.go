// Package keep keeps runs: the session file (a versioned JSON schema whose
// runs are the very records window.chunkscope.runs() returns), its strict
// decoder, HAR 1.2 export and import (with the _chunks convention of
// WebPageTest and sitespeed.io's chrome-har), the SVG painter of the
// chart's scene, and the replay timeline. It is plain Go with no browser
// code, so all of it is tested natively and the same in the wasm.
package keep

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"chunkscope/app/keep/jsonlimit"
	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// Format is the session file's "format": what tells our file from any
// other JSON.
const Format = "chunkscope-session"

// Version is the session file's schema version. Its runs carry their own
// (record.Version).
const Version = 1

// Limits of what a file may hold. A file over MaxBytes is refused before
// it is read (web/keep.js) or decoded; then every array and map a decoder
// would build is counted (Limits) in one pass over the bytes that
// allocates nothing per element, and a file over any count is refused
// before it is decoded. So no file makes the page build more than the
// limits' worth of records, whatever it holds.
//
// They are generous for real files: a streaming run of 256 MiB with its
// wire probe saves as a 39 MB session file (302 reads, 141,369 writes of
// its send log, 200,000 wire events, 644 server samples); a stream of two
// million rows as 92 MB (567,099 writes, 18,145 reads); a WebPageTest page
// load is a HAR of a few hundred entries. And they bound what a file costs
// the page: a run at these limits (a million chunks, a million samples,
// two million writes, a million wire events, in 14 MiB of empty elements)
// loads in 16 s with the renderer at 1.1 GB, on a loaded 2-core machine
// (e2e TestFileAtTheLimitsLoads); before, the 85 million samples of the
// issue's file killed it.
const (
	MaxBytes      = 128 << 20
	MaxRuns       = 10_000
	MaxEntries    = 10_000
	MaxPages      = 10_000
	MaxChunks     = 1_000_000
	MaxSamples    = 1_000_000
	MaxSends      = 2_000_000
	MaxWireEvents = 1_000_000
	MaxFields     = 1_000_000
	MaxEvidence   = 100_000
	MaxDepth      = 1000
)

// Limits are the counts a file is held to before it is decoded, each with
// what it counts as a sentence names it. A test checks that every slice
// and map of the decoded types is counted by one.
var Limits = []Limit{
	{What: "runs", Limit: jsonlimit.Limit{Names: []string{"", "runs"}, Total: MaxRuns}},
	{What: "HAR entries", Limit: jsonlimit.Limit{Names: []string{"entries"}, Total: MaxEntries}},
	{What: "HAR pages", Limit: jsonlimit.Limit{Names: []string{"pages"}, Total: MaxPages}},
	{What: "chunks", Limit: jsonlimit.Limit{Names: []string{"chunks", "_chunks", "encodedReads"}, Total: MaxChunks}},
	{What: "memory samples (serverMem, clientMem)", Limit: jsonlimit.Limit{Names: []string{"serverMem", "clientMem"}, Total: MaxSamples}},
	{What: "writes in send logs (sent)", Limit: jsonlimit.Limit{Names: []string{"sent"}, Total: MaxSends}},
	{What: "wire events", Limit: jsonlimit.Limit{Names: []string{"events"}, Total: MaxWireEvents}},
	{What: "header fields, cookies and parameters", Limit: jsonlimit.Limit{Names: []string{"headers", "params", "cookies", "queryString", "hopHeaders", "requestHeaders"}, Total: MaxFields}},
	{What: "fields of requests (a HAR entry's request, a wire probe's request headers)", Limit: jsonlimit.Limit{Names: []string{"request"}, Total: MaxFields}},
	{What: "lines of verdict evidence", Limit: jsonlimit.Limit{Names: []string{"evidence"}, Total: MaxEvidence}},
	{What: "differences of wire probes' responses (wire.differs)", Limit: jsonlimit.Limit{Names: []string{"differs"}, Total: MaxEvidence}},
	{What: "names of secrets and hops of a chain", Limit: jsonlimit.Limit{Names: []string{"leftOut", "included", "chain"}, Total: MaxFields}},
}

// Limit is one count of Limits: What names what it counts.
type Limit struct {
	What string
	jsonlimit.Limit
}

// checkCounts refuses, in one sentence naming the limit, a file that holds
// more than a limit allows, before anything of it is decoded.
func checkCounts(data []byte) error {
	ls := make([]jsonlimit.Limit, len(Limits))
	for i, l := range Limits {
		ls[i] = l.Limit
	}
	over, err := jsonlimit.Scan(data, ls, MaxDepth)
	if err != nil {
		return fmt.Errorf("This file nests arrays and objects more than %s levels deep; chunkscope reads at most %s.", thousands(MaxDepth), thousands(MaxDepth))
	}
	if over == nil {
		return nil
	}
	l := Limits[over.Limit]
	return fmt.Errorf("This file holds %s %s; chunkscope loads at most %s.", thousands(over.Count), l.What, thousands(l.Total))
}

// TooBig is the sentence for a file of size bytes over MaxBytes; atLeast
// when size only bounds it from below (a text's length in UTF-16 units,
// which its UTF-8 bytes are at least).
func TooBig(size int, atLeast bool) error {
	is, limit := "is", strconv.Itoa(MaxBytes>>20)+" MiB"
	if atLeast {
		is = "is at least"
	}
	n := record.Size(int64(size))
	if strings.HasPrefix(n, strconv.Itoa(MaxBytes>>20)+".0 ") {
		n = thousands(size) + " bytes" // just over: 128.0 MiB would read as the limit itself
		limit += " (" + thousands(MaxBytes) + " bytes)"
	}
	return fmt.Errorf("This file %s %s; chunkscope loads files of at most %s.", is, n, limit)
}

// File is a saved session: the view's runs, in lane order, and its
// settings.
type File struct {
	Format  string        `json:"format"`  // always Format
	Version int           `json:"version"` // Version
	SavedAt string        `json:"savedAt"` // RFC 3339, UTC
	View    View          `json:"view"`
	Runs    []*record.Run `json:"runs"`
	// Secrets says which values of the runs' request headers the file
	// left out, and which it holds as the user asked (secrets.go); absent
	// when no run sent a secret.
	Secrets *Secrets `json:"secrets,omitempty"`
}

// View is the settings a view is drawn with.
type View struct {
	Align string `json:"align"` // scene.AlignStart or scene.AlignFirstByte
	// Link is the page's query for this view (scenario, rows, …), so the
	// controls can be set as they were.
	Link string `json:"link,omitempty"`
	// Chain is the view's chain, its hops' URLs outermost first, when it
	// is one: loaded back, the view is that chain again, its sentence
	// said from the same records.
	Chain []string `json:"chain,omitempty"`
}

// Encode writes a session file of runs, indented so a person can read it
// in a bug report, every secret of their request headers left out.
func Encode(runs []*record.Run, v View, now time.Time) ([]byte, error) {
	return EncodeWith(runs, v, now, Options{})
}

// EncodeWith is Encode with what the user asked: the secrets' values to
// hold. The file says which values it left out and which it holds.
func EncodeWith(runs []*record.Run, v View, now time.Time, opt Options) ([]byte, error) {
	if runs == nil {
		runs = []*record.Run{}
	}
	runs, secrets := withSecrets(runs, opt.Secrets)
	f := File{Format: Format, Version: Version, SavedAt: now.UTC().Format(time.RFC3339Nano), View: v, Runs: runs, Secrets: secrets}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		// Only a NaN or an infinity could do this; no record holds one.
		return nil, fmt.Errorf("the runs cannot be written as JSON: %w", err)
	}
	return b, nil
}

// Loaded is what a file gave: runs to draw, the view's settings when it
// was a session file, and the HAR entries that could not be drawn, each
// with the reason.
type Loaded struct {
	Kind    string // "json" or "har"
	Runs    []*record.Run
	View    *View
	Skipped []Skipped
}

// Skipped is a HAR entry that cannot become a lane.
type Skipped struct {
	URL    string
	Reason string
}

// Decode reads a session file, a bare runs() array, or a HAR. Whatever is
// wrong with it is said in one sentence (the error's text); nothing is
// returned then, so a caller changes nothing.
func Decode(data []byte) (Loaded, error) {
	if len(data) > MaxBytes {
		return Loaded{}, TooBig(len(data), false)
	}
	// Files other tools write that are not a HAR (evidence.go): a Chrome
	// NetLog may be unclosed, and a curl trace is not JSON at all.
	if l, err, ok := decodeEvidence(data); ok {
		return l, err
	}
	if err := checkCounts(data); err != nil {
		return Loaded{}, err
	}
	// HAR 1.2: a reader must accept a byte order mark.
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))
	if len(trimmed) == 0 {
		return Loaded{}, errors.New("This file is empty: there is nothing to load.")
	}
	if !json.Valid(trimmed) {
		return Loaded{}, brokenJSON(trimmed)
	}
	if trimmed[0] == '[' {
		var runs []*record.Run
		if err := json.Unmarshal(trimmed, &runs); err != nil {
			return Loaded{}, notOurs(err)
		}
		if err := checkRuns(runs); err != nil {
			return Loaded{}, err
		}
		redactLoaded(runs, nil)
		return Loaded{Kind: "json", Runs: runs}, nil
	}
	var head struct {
		Format  *string         `json:"format"`
		Version *int            `json:"version"`
		Log     json.RawMessage `json:"log"`
	}
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &head) != nil {
		return Loaded{}, errors.New("This file is JSON, but neither a chunkscope session nor a HAR: there is nothing in it to draw.")
	}
	switch {
	case head.Format != nil && *head.Format == Format:
	case head.Log != nil:
		return decodeHAR(trimmed)
	default:
		return Loaded{}, errors.New(`This file is JSON, but neither a chunkscope session (no "format": "chunkscope-session") nor a HAR (no "log"): there is nothing in it to draw.`)
	}
	if head.Version == nil || *head.Version != Version {
		v := "no version"
		if head.Version != nil {
			v = "version " + strconv.Itoa(*head.Version)
		}
		return Loaded{}, fmt.Errorf("This session file has %s; this chunkscope reads version %d only (a newer chunkscope may read it).", v, Version)
	}
	var f File
	if err := json.Unmarshal(trimmed, &f); err != nil {
		return Loaded{}, notOurs(err)
	}
	if err := checkRuns(f.Runs); err != nil {
		return Loaded{}, err
	}
	redactLoaded(f.Runs, f.Secrets.included())
	return Loaded{Kind: "json", Runs: f.Runs, View: &f.View}, nil
}

// brokenJSON names where the JSON breaks.
func brokenJSON(data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("This file is not valid JSON: %s at byte %d.", strings.TrimPrefix(syn.Error(), "invalid character "), syn.Offset)
	}
	return fmt.Errorf("This file is not valid JSON: %v.", err)
}

// notOurs says what a well-formed file got wrong: a number no float holds
// (JSON cannot spell NaN or infinity, but 1e999 is as bad), or a field of
// the wrong type.
func notOurs(err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		if strings.HasPrefix(typ.Value, "number") {
			return fmt.Errorf("This file's %s is %s: not a finite number a run can hold.", typ.Field, typ.Value)
		}
		return fmt.Errorf("This file's %s is a %s where a run has a %s: it was not written by chunkscope.", typ.Field, typ.Value, typ.Type)
	}
	return fmt.Errorf("This file cannot be read as chunkscope runs: %v.", err)
}

// checkRuns refuses records no run could have produced: the drawing and
// the verdict trust every figure of a record.
func checkRuns(runs []*record.Run) error {
	if len(runs) == 0 {
		return errors.New("This file holds no runs: there is nothing to draw.")
	}
	total := 0
	for i, r := range runs {
		if r == nil {
			return fmt.Errorf("Run %d of this file is null, not a run.", i+1)
		}
		total += len(r.Chunks)
		if total > MaxChunks {
			return fmt.Errorf("This file holds more than %s chunks; chunkscope loads at most %s.", thousands(MaxChunks), thousands(MaxChunks))
		}
		if err := checkRun(r); err != nil {
			return fmt.Errorf("Run %d (%s) %s.", i+1, cmpOr(r.Scenario, "unnamed"), err.Error())
		}
	}
	return nil
}

// Clip shortens s to n bytes, at a rune, with "…" when it cut: what a
// sentence or a cell quotes of a long name.
func Clip(s string, n int) string { return clip(s, n) }

// clip shortens s to n bytes for a sentence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// checkRun says what is absurd about one record, as the end of a sentence.
func checkRun(r *record.Run) error {
	switch {
	case r.Version < 1 || r.Version > record.Version:
		return fmt.Errorf("has record version %d; this chunkscope reads versions 1 to %d", r.Version, record.Version)
	case r.ID == "":
		return errors.New("has no id")
	}
	// The page prints its time of day (earlier runs, the table's mark).
	if _, err := time.Parse(time.RFC3339Nano, r.StartedAt); err != nil {
		return fmt.Errorf("has startedAt %s, not an RFC 3339 date", strconv.Quote(clip(r.StartedAt, 40)))
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"headersMs", r.HeadersMs}, {"ttfbMs", r.TTFBMs}, {"totalMs", r.TotalMs}, {"endMs", r.EndMs}} {
		if err := checkTime(f.name, f.v); err != nil {
			return err
		}
	}
	if r.Bytes < 0 {
		return fmt.Errorf("has %d bytes; a count cannot be negative", r.Bytes)
	}
	var sum int64
	prev := 0.0
	for i, c := range r.Chunks {
		if err := checkTime("chunk "+strconv.Itoa(i+1)+"'s time", c.T); err != nil {
			return err
		}
		if c.N < 0 {
			return fmt.Errorf("has chunk %d of %d bytes; a count cannot be negative", i+1, c.N)
		}
		if c.T < prev {
			return fmt.Errorf("has chunk %d at %s before chunk %d at %s; chunks must be in time order", i+1, record.Ms(c.T), i, record.Ms(prev))
		}
		prev = c.T
		sum += int64(c.N)
	}
	if sum != r.Bytes {
		return fmt.Errorf("has chunks that add up to %d bytes, but says it holds %d", sum, r.Bytes)
	}
	for _, list := range []struct {
		name    string
		samples []wire.Sample
	}{{"serverMem", r.ServerMem}, {"clientMem", r.ClientMem}} {
		for i, s := range list.samples {
			if err := checkTime(list.name+" sample "+strconv.Itoa(i+1)+"'s time", s.T); err != nil {
				return err
			}
		}
	}
	if r.Wire != nil {
		for i, e := range r.Wire.Events {
			if err := checkTime("wire event "+strconv.Itoa(i+1)+"'s time", e.T); err != nil {
				return err
			}
		}
	}
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	if r.Params == nil {
		r.Params = map[string]string{}
	}
	if r.Chunks == nil {
		r.Chunks = []record.Chunk{}
	}
	if r.ServerMem == nil {
		r.ServerMem = []wire.Sample{}
	}
	if r.ClientMem == nil {
		r.ClientMem = []wire.Sample{}
	}
	return nil
}

// checkTime refuses a negative or non-finite time.
func checkTime(name string, v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("has %s %v; times must be finite", name, v)
	case v < 0:
		return fmt.Errorf("has %s %s; times cannot be negative", name, record.Ms(v))
	}
	return nil
}

// thousands writes n with thousands separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
