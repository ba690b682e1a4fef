package talk

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestStreamingDeck: the shipped deck is valid, tells the story in 10 to
// 20 steps, some of them the seed's real Django (the lab's upstreams), and
// survives its own JSON schema.
func TestStreamingDeck(t *testing.T) {
	d := Streaming()
	if err := d.Check(); err != nil {
		t.Fatal(err)
	}
	if n := len(d.Steps); n < 10 || n > 20 {
		t.Errorf("%d steps; want 10 to 20", n)
	}
	django := 0
	for _, s := range d.Steps {
		if len(s.View.Upstreams) > 0 {
			django++
		}
	}
	if django < 2 {
		t.Errorf("%d steps read the lab's Django; want at least 2", django)
	}
	b, err := Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(b)
	if err != nil {
		t.Fatalf("the deck's own JSON is refused: %v", err)
	}
	if len(back.Steps) != len(d.Steps) || back.Steps[3].View.Wire != d.Steps[3].View.Wire {
		t.Errorf("round trip changed the deck")
	}
	for i, s := range d.Steps {
		if s.Notes == "" {
			t.Errorf("step %d has no speaker notes", i+1)
		}
		if len(s.View.Keys()) != s.View.Lanes() {
			t.Errorf("step %d: keys %v", i+1, s.View.Keys())
		}
	}
}

// TestShippedDecks: every deck file in web/decks/ decodes.
func TestShippedDecks(t *testing.T) {
	files, _ := filepath.Glob("../../web/decks/*.json")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".recorded.json") {
			continue
		}
		n++
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if n == 0 {
		t.Error("no deck in web/decks/")
	}
}

const good = `{"format":"chunkscope-deck","version":1,"title":"T","steps":[{"title":"S","lines":["a"],"view":{"scenarios":["streaming"],"body":"rows=20"}}]}`

// TestDecodeRefuses: each bad deck gets its one sentence.
func TestDecodeRefuses(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"broken JSON", `{"format":"chunkscope-deck",`, "This deck is not valid JSON: "},
		{"empty", "  ", "This deck file is empty."},
		{"array", `[]`, "not an object"},
		{"wrong field", strings.Replace(good, `"lines"`, `"bullets"`, 1), `This deck has the field "bullets", which the deck schema does not know`},
		{"wrong type", strings.Replace(good, `"version":1`, `"version":"1"`, 1), `This deck's "version" is a JSON string where the schema wants a int.`},
		{"unknown scenario", strings.Replace(good, `["streaming"]`, `["streamin"]`, 1), "Step 1 names the scenario streamin, which is not in the scenario table"},
		{"too many lines", strings.Replace(good, `["a"]`, `["a","b","c","d"]`, 1), "Step 1 has 4 lines; a step holds at most 3."},
		{"bad body", strings.Replace(good, `rows=20`, `rows=x`, 1), `Step 1 has a bad body "rows=x": rows: "x" is not a whole number`},
		{"other format", strings.Replace(good, `chunkscope-deck`, `chunkscope-session`, 1), `This file's "format" is "chunkscope-session"; a deck says "format": "chunkscope-deck".`},
		{"newer version", strings.Replace(good, `"version":1`, `"version":2`, 1), "This deck has version 2; this chunkscope reads deck version 1."},
		{"no steps", `{"format":"chunkscope-deck","version":1,"title":"T","steps":[]}`, "This deck has no steps."},
		{"upstream not a URL", strings.Replace(good, `"body"`, `"upstreams":[{"url":"ftp://x/y"}],"body"`, 1), `Step 1 has the upstream "ftp://x/y", which is not an http:// or https:// URL with a host.`},
		{"upstream without host", strings.Replace(good, `"body"`, `"upstreams":[{"url":"http:///csv"}],"body"`, 1), `Step 1 has the upstream "http:///csv", which is not an http:// or https:// URL with a host.`},
		{"too many lanes", strings.Replace(good, `"body"`, `"upstreams":[{"url":"http://a/1"},{"url":"http://a/2"},{"url":"http://a/3"},{"url":"http://a/4"},{"url":"http://a/5"},{"url":"http://a/6"},{"url":"http://a/7"},{"url":"http://a/8"}],"body"`, 1), "Step 1 has 9 lanes (scenarios and upstreams) in its view; at most 8."},
		{"long upstream label", strings.Replace(good, `"body"`, `"upstreams":[{"label":"`+strings.Repeat("n", 15)+`","url":"http://a/1"}],"body"`, 1), "Step 1 has an upstream label of 15 characters; at most 14 fit a lane."},
		{"bad read", strings.Replace(good, `"body"`, `"read":"slurp","body"`, 1), `Step 1 has read "slurp"; want auto, stream or buffer.`},
		{"trailing", good + "{}", "This deck is not valid JSON: '{' after top-level value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in))
			if err == nil {
				t.Fatalf("accepted; want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q; want it to hold %q", err, tc.want)
			}
			if strings.Count(err.Error(), "\n") > 0 || !strings.HasSuffix(err.Error(), ".") {
				t.Errorf("%q is not one sentence", err)
			}
		})
	}
	if _, err := Decode([]byte(good)); err != nil {
		t.Errorf("good deck refused: %v", err)
	}
}

// TestDecodeBoundsEveryArrayBeforeDecoding: a deck of up to a megabyte
// that holds far more steps, lines or scenarios than a deck may is refused
// with Check's sentence, having built next to nothing (before, the decoder
// built every step, line and scenario, then Check refused them).
func TestDecodeBoundsEveryArrayBeforeDecoding(t *testing.T) {
	step := `{"title":"S","view":{"scenarios":["streaming"]}}`
	many := func(item string, n int) string { return strings.TrimSuffix(strings.Repeat(item+",", n), ",") }
	for _, tc := range []struct{ name, in, want string }{
		{"empty steps", `{"format":"chunkscope-deck","version":1,"title":"T","steps":[` + many("{}", 300_000) + `]}`,
			"This deck has 300000 steps; a deck holds at most 40."},
		{"steps", `{"format":"chunkscope-deck","version":1,"title":"T","steps":[` + many(step, 41) + `]}`,
			"This deck has 41 steps; a deck holds at most 40."},
		{"empty lines", `{"format":"chunkscope-deck","version":1,"title":"T","steps":[` + step + `,{"title":"S","lines":[` + many(`""`, 300_000) + `]}]}`,
			"Step 2 has 300000 lines; a step holds at most 3."},
		{"scenarios", `{"format":"chunkscope-deck","version":1,"title":"T","steps":[{"title":"S","view":{"scenarios":[` + many(`"streaming"`, 80_000) + `]}}]}`,
			"Step 1 has 80000 scenarios in its view; at most 8."},
		{"nesting", `{"format":"chunkscope-deck","version":1,"title":"T","steps":[{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}]}`,
			"This deck nests arrays and objects more than 64 deep"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.in) > MaxBytes {
				t.Fatalf("the deck is %d bytes, over MaxBytes: the test would not reach the counts", len(tc.in))
			}
			var err error
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err = Decode([]byte(tc.in))
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want %q", err, tc.want)
			}
			// The text itself is copied once ([]byte(tc.in)).
			if got := after.TotalAlloc - before.TotalAlloc; got > uint64(len(tc.in))+64<<10 {
				t.Errorf("refusing it allocated %d bytes for a %d-byte deck; want about the text's copy", got, len(tc.in))
			}
		})
	}
}
