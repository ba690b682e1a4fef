package ui

import (
	"encoding/json"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"chunkscope/app/talk"
)

// Nothing ends the talk: what talk mode does with web/talkstore.js (its
// service worker, the files kept in the browser, the probe of the server).

// talkStore is web/talkstore.js's object (undefined on the server).
func talkStore() app.Value { return app.Window().Get("chunkscopeTalkStore") }

// keptFile is a file kept in the browser: its name and text.
type keptFile struct {
	Name string `json:"name"`
	Text string `json:"text"`
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
// reload.
func keepFile(kind, name, text string) {
	if s := talkStore(); !s.IsUndefined() {
		s.Call("keep", kind, name, text)
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
		if json.Unmarshal([]byte(arg), &f) != nil {
			return true
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

// deckLabel says which deck and recording came from files, "" for the
// built-in deck with its shipped recording (its title slide names it).
func (t *Talk) deckLabel() string {
	var parts []string
	if t.deckName == "file" {
		parts = append(parts, "deck: "+t.fileName)
	}
	if t.recName != "" {
		parts = append(parts, "recording: "+t.recName)
	}
	return strings.Join(parts, " · ")
}

// talkDeckBar names the files the deck and recording came from, with the
// way back to the built-in deck (a label: the foot's clickable style).
func (t *Talk) talkDeckBar() app.UI {
	label := t.deckLabel()
	return app.If(label != "",
		app.Span().ID("talk-deck").Class("talk-deck").Text(label),
		app.Label().ID("talk-builtin").Class("talk-builtin").Text("built-in deck").
			OnClick(func(ctx app.Context, e app.Event) { t.keptCommand(ctx, "builtin", "") }),
	)
}
