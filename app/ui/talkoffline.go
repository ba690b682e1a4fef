package ui

import (
	"encoding/json"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/talk"
)

// Nothing ends the talk: what talk mode does with web/talkstore.js (its
// service worker, the files kept in the browser, the probe of the server).

// talkStore is web/talkstore.js's object (undefined on the server).
func talkStore() app.Value { return app.Window().Get("chunkscopeTalkStore") }

// keptFile is a file kept in the browser: its name and text; for a
// recording, the deck it was opened on (deckKey).
type keptFile struct {
	Name string `json:"name"`
	Text string `json:"text"`
	Deck string `json:"deck,omitempty"`
}

// deckKey names the deck shown, for the recording kept with it: a
// shipped deck's name, or "file:" and the deck file's name.
func (t *Talk) deckKey() string {
	switch {
	case t.deckName == "file":
		return "file:" + t.fileName
	case t.loading != "":
		return t.loading
	}
	return t.deckName
}

// restoreKept shows the deck kept from a file, unless the address names a
// deck, before the first render; the recording kept with it arrives later
// (IndexedDB) as the "stored-recording" command. Then it asks whether the
// server answers ("offline").
func (t *Talk) restoreKept(ctx app.Context) {
	s := talkStore()
	if s.IsUndefined() {
		return
	}
	if ctx.Page().URL().Query().Get("deck") == "" {
		var f keptFile
		if raw := s.Call("storedDeck").String(); raw != "" && json.Unmarshal([]byte(raw), &f) == nil {
			if d, err := talk.Decode([]byte(f.Text)); err == nil {
				t.deck, t.deckName, t.fileName = d, "file", f.Name
			} else {
				t.problem = "The deck kept in this browser (" + f.Name + ") is refused: " + err.Error()
			}
		}
	}
	s.Call("restoreRecording")
	s.Call("probe")
}

// keepFile keeps a deck or recording the speaker opened for the next
// reload; a recording with the deck it goes with (deck).
func keepFile(kind, name, text, deck string) {
	if s := talkStore(); !s.IsUndefined() {
		s.Call("keep", kind, name, text, deck)
	}
}

// keptCommand does talkstore.js's commands and the built-in deck button's;
// false when cmd is not one of them.
func (t *Talk) keptCommand(ctx app.Context, cmd, arg string) bool {
	switch cmd {
	case "offline":
		t.offline = arg == "1"
		t.playIfOffline(ctx)
	case "stored-recording":
		var f keptFile
		if json.Unmarshal([]byte(arg), &f) != nil || f.Deck != t.deckKey() {
			return true // another deck's recording: not this one's
		}
		rec, err := talk.DecodeRecording([]byte(f.Text))
		if err != nil {
			t.problem = "The recording kept in this browser (" + f.Name + ") is refused: " + err.Error()
			return true
		}
		t.setRecording(rec)
		t.recName = f.Name
		t.playIfOffline(ctx)
		t.announce()
	case "builtin":
		if s := talkStore(); !s.IsUndefined() {
			s.Call("forget")
		}
		t.deck, t.deckName, t.fileName, t.recName, t.recFrom, t.rec, t.recAt = talk.Deck{}, "", "", "", "", nil, ""
		t.problem = ""
		t.leaveStep()
		t.loadDeck(ctx, "streaming")
		ctx.Navigate(t.stepURL(0))
	default:
		return false
	}
	return true
}

// playIfOffline plays the step's recording when the server does not answer
// and the step shows nothing yet: a reload with the server gone opens the
// step and plays its recording, marked as recorded.
func (t *Talk) playIfOffline(ctx app.Context) {
	if !t.offline || len(t.deck.Steps) == 0 || t.live || t.replay != nil || t.runs.Running || t.recorded() == nil {
		return
	}
	t.playRecorded(ctx)
}

// deckLabel names the files the deck and the recording came from ("" for
// the built-in deck with its shipped recording: its title slide names it).
func (t *Talk) deckLabel() string {
	switch {
	case t.deckName == "file" && t.recName != "":
		return t.fileName + " + recording"
	case t.deckName == "file":
		return t.fileName
	}
	return t.recName
}

// talkOpenLabel opens a deck or recording; once one came from a file it
// names it instead (still opening another), and "built-in deck" goes back.
// The foot has room for one name on a projector: the recording's name is
// the title of the label when the deck's is shown.
func (t *Talk) talkOpenLabel() app.UI {
	label := t.deckLabel()
	title := "Open another deck or recording"
	if t.recName != "" {
		title += " (the recording shown: " + t.recName + ")"
	}
	return app.If(label == "", app.Label().For("keep-file").Text("open a deck or recording")).Else(
		app.Label().ID("talk-deck").For("keep-file").Title(title).Text(label),
		app.Label().ID("talk-builtin").Text("built-in deck").
			// As a command (web/talk.js's hook): the page's own context
			// navigates; this label's is gone once the deck changes.
			OnClick(func(app.Context, app.Event) {
				app.Window().Get("chunkscopeTalk").Get("hooks").Call("command", "builtin", "")
			}),
	)
}
