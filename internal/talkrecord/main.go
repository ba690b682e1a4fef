// Command talkrecord is make talk-record: it records a talk deck's runs
// into the session file (app/keep's schema, with the "talk" index of
// app/talk's recording version 2: each step's own runs) that talk mode
// replays when the speaker presses r or a live run fails. It starts the real binary and
// Debian's headless Chromium (internal/harness), opens the deck on /talk at
// 1280×720, and on every step presses Space, as the speaker would, and
// waits for the live run; then it writes every step's runs to one file.
//
//	go run ./internal/talkrecord -bin bin/chunkscope -chrome /usr/bin/chromium -deck streaming
//
// -deck is a deck shipped with the binary (streaming, or NAME for
// web/decks/NAME.json): the recording goes to web/decks/NAME.recorded.json,
// where the page fetches it, so the binary must be rebuilt to embed it
// (make talk-record does). -deck may also be a speaker's own deck file
// (a path ending in .json): the recording then goes beside it, as
// DECK.recorded.json, to be dropped on the talk page with the deck.
//
// A deck whose steps read upstreams (a view's "upstreams") is recorded
// with the lab running (internal/lab, on ports from -lab-port, 9100 by
// default, as make lab LAB_PORT=9100) and the server allowing its
// origins: the seed's real Django views, recorded so they play without
// Python.
//
// A step whose live run fails (an error, a status ≥ 400) stops the
// recording with a sentence saying which: a recording of failures would be
// no fallback.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"chunkscope/app/record"
	"chunkscope/app/talk"
	"chunkscope/internal/harness"
	"chunkscope/internal/lab"
)

func main() {
	bin := flag.String("bin", "bin/chunkscope", "the chunkscope binary (make build)")
	chrome := flag.String("chrome", "/usr/bin/chromium", "Chromium")
	deck := flag.String("deck", "streaming", "a deck shipped with the binary (streaming, or NAME for web/decks/NAME.json), or a deck file (a path ending in .json)")
	labPort := flag.Int("lab-port", 9100, "when a step of the deck reads upstreams: the lab's first port (internal/lab, as make lab LAB_PORT=9100); the deck's URLs name these ports")
	out := flag.String("out", "", "where to write the recording (default: web/decks/NAME.recorded.json for a shipped deck, DECK.recorded.json beside a deck file)")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("talk-record: ")
	src, err := openDeck(*deck)
	if err != nil {
		log.Fatal(err)
	}
	if *out == "" {
		*out = src.out
	}
	file, err := Record(*bin, *chrome, src, *labPort, os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, file, 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("talk-record: %d steps of %q recorded in %s (%d bytes)\n", len(src.deck.Steps), src.deck.Title, *out, len(file))
}

// source is the deck to record: how the page is given it, where the
// recording goes by default.
type source struct {
	deck talk.Deck
	name string // a shipped deck's name; "" for a file
	text string // a deck file's text
	out  string
}

var deckName = regexp.MustCompile(`^[a-z0-9-]{1,40}$`)

// openDeck reads -deck: a shipped deck's name or a deck file's path.
func openDeck(arg string) (source, error) {
	switch {
	case arg == "streaming":
		return source{deck: talk.Streaming(), name: arg, out: filepath.Join("web", "decks", "streaming.recorded.json")}, nil
	case deckName.MatchString(arg):
		path := filepath.Join("web", "decks", arg+".json")
		data, err := os.ReadFile(path)
		if err != nil {
			return source{}, fmt.Errorf("there is no deck named %s: %s cannot be read (%v)", arg, path, errors.Unwrap(err))
		}
		d, err := talk.Decode(data)
		if err != nil {
			return source{}, fmt.Errorf("%s: %v", path, err)
		}
		return source{deck: d, name: arg, out: filepath.Join("web", "decks", arg+".recorded.json")}, nil
	case strings.HasSuffix(arg, ".json"):
		data, err := os.ReadFile(arg)
		if err != nil {
			return source{}, fmt.Errorf("the deck file cannot be read: %v", err)
		}
		d, err := talk.Decode(data)
		if err != nil {
			return source{}, fmt.Errorf("%s: %v", arg, err)
		}
		return source{deck: d, text: string(data), out: strings.TrimSuffix(arg, ".json") + ".recorded.json"}, nil
	}
	return source{}, fmt.Errorf("DECK=%q is neither a shipped deck's name (letters, digits and -) nor a deck file ending in .json", arg)
}

// Record plays every step of the deck live in the real page and returns
// the session file of their runs.
func Record(bin, chrome string, src source, labPort int, stderr *os.File) ([]byte, error) {
	args, stopLab, err := startLab(src.deck, labPort, stderr)
	if err != nil {
		return nil, err
	}
	defer stopLab()
	base, stop, err := harness.StartServer(bin, stderr, args...)
	if err != nil {
		return nil, err
	}
	defer stop()
	browser, cancel, err := harness.StartBrowser(chrome)
	if err != nil {
		return nil, err
	}
	defer cancel()
	ctx, cancelTab := chromedp.NewContext(browser)
	defer cancelTab()
	ctx, cancelT := context.WithTimeout(ctx, 15*time.Minute)
	defer cancelT()

	page := base + "/talk"
	if src.name != "" && src.name != "streaming" {
		page += "?deck=" + src.name
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720), chromedp.Navigate(page)); err != nil {
		return nil, err
	}
	if err := poll(ctx, "the talk page", `!!document.querySelector("#talk") && !!window.chunkscopeKeep`); err != nil {
		return nil, err
	}
	if src.text != "" {
		raw, _ := json.Marshal(src.text)
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`window.chunkscopeKeep.hooks.file(`+string(raw)+`, "deck.json"), null`)); err != nil {
			return nil, err
		}
	}
	title, _ := json.Marshal(src.deck.Steps[0].Title)
	if err := poll(ctx, "the deck's first step", `document.querySelector("#talk").dataset.step === "1" && document.querySelector("#talk-title").textContent === `+string(title)); err != nil {
		return nil, err
	}

	var steps [][]*record.Run
	all := 0
	for i, s := range src.deck.Steps {
		n := strconv.Itoa(i + 1)
		if i > 0 {
			if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.PageDown)); err != nil {
				return nil, err
			}
			if err := poll(ctx, "step "+n, `document.querySelector("#talk").dataset.step === "`+n+`"`); err != nil {
				return nil, err
			}
		}
		before := all
		if err := chromedp.Do(ctx, chromedp.KeyEvent(" ")); err != nil {
			return nil, err
		}
		if err := poll(ctx, "step "+n+"'s live run", `(() => { const s = document.querySelector("#talk-status").textContent;
			return s.startsWith("live") && !s.includes("reading") || s.startsWith("recorded") || !!document.querySelector("#talk-error"); })()`); err != nil {
			return nil, err
		}
		runs, err := harness.WaitRuns(ctx, before+s.View.Lanes())
		if err != nil {
			return nil, fmt.Errorf("step %s: %w", n, err)
		}
		fresh := runs[before:]
		if len(fresh) != s.View.Lanes() {
			return nil, fmt.Errorf("step %s made %d runs; its view has %d lanes", n, len(fresh), s.View.Lanes())
		}
		all += len(fresh)
		var mine []*record.Run
		for j := range fresh {
			r := &fresh[j]
			switch {
			case r.Error != "":
				return nil, fmt.Errorf("step %s (%s): the live run failed: %s; nothing was written", n, r.Scenario, r.Error)
			case r.Status >= 400:
				return nil, fmt.Errorf("step %s (%s): the server answered %d; nothing was written", n, r.Scenario, r.Status)
			}
			if s.View.Wire && r.Wire == nil {
				return nil, fmt.Errorf("step %s (%s): the view probes the wire, the run has no wire probe; nothing was written", n, r.Scenario)
			}
			mine = append(mine, r)
		}
		steps = append(steps, mine)
		fmt.Fprintf(stderr, "talk-record: step %s/%d %q: %d run(s)\n", n, len(src.deck.Steps), s.Title, len(fresh))
	}
	link := "/talk"
	if src.name != "" && src.name != "streaming" {
		link += "?deck=" + src.name
	}
	file, err := talk.EncodeRecording(src.deck, steps, link, time.Now())
	if err != nil {
		return nil, err
	}
	// What the page will do with it: the talk recording's decoder, then
	// every step's own runs, found by its number and view.
	rec, err := talk.DecodeRecording(file)
	if err != nil {
		return nil, fmt.Errorf("the recording does not read back: %v", err)
	}
	for i, s := range src.deck.Steps {
		if rec.For(i, s.View) == nil {
			return nil, fmt.Errorf("step %d's runs are missing from the recording", i+1)
		}
	}
	return file, nil
}

// startLab starts the lab (the seed's Django under Gunicorn, behind nginx,
// …) on consecutive ports from port when a step of the deck reads
// upstreams, and returns the server's -upstream flags allowing its
// origins; nothing when no step does.
func startLab(d talk.Deck, port int, stderr *os.File) ([]string, func(), error) {
	needs := false
	for _, s := range d.Steps {
		needs = needs || len(s.View.Upstreams) > 0
	}
	if !needs {
		return nil, func() {}, nil
	}
	fmt.Fprintf(stderr, "talk-record: the deck reads upstreams: starting the lab on ports from %d\n", port)
	l, err := lab.Start(lab.Options{BasePort: port, Log: stderr})
	if err != nil {
		return nil, nil, fmt.Errorf("the deck reads upstreams, and the lab does not start: %w", err)
	}
	var args []string
	for _, u := range l.Upstreams() {
		args = append(args, "-upstream", u)
	}
	return args, l.Stop, nil
}

// poll waits up to a minute for a JavaScript condition.
func poll(ctx context.Context, what, cond string) error {
	c, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Poll[bool](cond, chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		return fmt.Errorf("waiting for %s: %w", what, err)
	}
	return nil
}
