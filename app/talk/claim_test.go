package talk

import (
	"os"
	"strings"
	"testing"

	"chunkscope/app/record"
	"chunkscope/app/wire"
)

// run builds a finished run for the claim table.
func run(scenario string, ttfb float64, reads int, verdict string, edit func(*record.Run)) *record.Run {
	r := &record.Run{Scenario: scenario, Status: 200, Done: true, TTFBMs: ttfb, TotalMs: 2000, Headers: map[string]string{},
		Verdict: record.Verdict{Kind: verdict}}
	for i := 0; i < reads; i++ {
		r.Chunks = append(r.Chunks, record.Chunk{T: ttfb + float64(i)*10, N: 15})
		r.Bytes += 15
	}
	if edit != nil {
		edit(r)
	}
	return r
}

func wired(framing string, chunks int, body int64) func(*record.Run) {
	return func(r *record.Run) { r.Wire = &record.Wire{Framing: framing, Chunks: chunks, BodyBytes: body} }
}

// TestClaimCheck: each claim kind holds on the runs that show it and not on
// the runs the four contradicting steps used to show, saying what it saw.
func TestClaimCheck(t *testing.T) {
	buffered := run("buffered", 2030, 1, record.KindOnePiece, nil)
	streaming := run("streaming", 110, 20, record.KindStreamed, nil)
	for _, tc := range []struct {
		name  string
		claim Claim
		runs  []*record.Run
		held  bool
		shown string
	}{
		{"one piece", Claim{Kind: ClaimOnePiece}, []*record.Run{buffered}, true, "buffered: 1 read, first byte 2.03 s of 2.00 s"},
		{"streaming is not one piece", Claim{Kind: ClaimOnePiece}, []*record.Run{streaming}, false, "20 reads"},
		{"streamed", Claim{Kind: ClaimStreamed}, []*record.Run{streaming}, true, "streaming: 20 reads from 110 ms"},
		{"streamed needs min reads", Claim{Kind: ClaimStreamed, Min: 30}, []*record.Run{streaming}, false, "20 reads"},
		{"chunked", Claim{Kind: ClaimChunked}, []*record.Run{run("streaming", 110, 20, record.KindStreamed, wired("chunked", 20, 305))}, true, "20 chunks on the wire"},
		{"one chunk", Claim{Kind: ClaimOneChunk}, []*record.Run{run("single-write", 2030, 1, record.KindOnePiece, wired("chunked", 1, 4305))}, true, "4.2 KiB in 1 chunk"},
		// Step 8 at 20 rows of 15 bytes: net/http set a Content-Length.
		{"one chunk, but a length", Claim{Kind: ClaimOneChunk}, []*record.Run{run("single-write", 2030, 1, record.KindOnePiece, wired("content-length", 0, 305))}, false, "framing content-length, 0 chunks"},
		{"one chunk, but twenty", Claim{Kind: ClaimOneChunk}, []*record.Run{run("streaming", 110, 20, record.KindStreamed, wired("chunked", 20, 305))}, false, "in 20 chunks"},
		{"no wire probe", Claim{Kind: ClaimChunked}, []*record.Run{streaming}, false, "no wire probe in this run"},
		{"close", Claim{Kind: ClaimClose}, []*record.Run{run("http10", 100, 20, record.KindStreamed, wired("close", 0, 305))}, true, "framing close, 20 reads"},
		{"length and reads", Claim{Kind: ClaimLengthReads}, []*record.Run{run("content-length", 100, 20, record.KindStreamed, func(r *record.Run) { r.Headers["content-length"] = "305" })}, true, "Content-Length 305, 20 reads"},
		{"no length", Claim{Kind: ClaimLengthReads}, []*record.Run{streaming}, false, "no Content-Length"},
		{"h2 frames", Claim{Kind: ClaimFrames}, []*record.Run{run("http2", 100, 20, record.KindStreamed, wired("h2-frames", 20, 305))}, true, "20 DATA frames on the wire"},
		{"no body", Claim{Kind: ClaimNoBody}, []*record.Run{run("head-streaming", 108, 0, record.KindNoBody, nil), run("no-content", 9, 0, record.KindNoBody, func(r *record.Run) { r.Status = 204 })}, true, "200 0 B, 204 0 B"},
		{"a body", Claim{Kind: ClaimNoBody}, []*record.Run{streaming}, false, "200 300 B"},
		// Step 9 at a slow pace: one read per chunk.
		{"reads are chunks", Claim{Kind: ClaimReadsNotChunk}, []*record.Run{run("streaming", 70, 20, record.KindStreamed, wired("chunked", 20, 3106))}, false, "20 chunks on the wire, 20 reads in the page"},
		{"reads merged", Claim{Kind: ClaimReadsNotChunk}, []*record.Run{run("streaming", 5, 4, record.KindMerged, wired("chunked", 200, 348908))}, true, "200 chunks on the wire, 4 reads in the page"},
		{"earlier", Claim{Kind: ClaimEarlier, Lane: 2, Than: 1}, []*record.Run{buffered, streaming}, true, "streaming 110 ms, buffered 2.03 s: 18×"},
		{"not earlier enough", Claim{Kind: ClaimEarlier, Lane: 2, Than: 1, Times: 20}, []*record.Run{buffered, streaming}, false, "18×"},
		{"heap more", Claim{Kind: ClaimHeapMore, Than: 2}, []*record.Run{
			run("buffered", 1000, 3, record.KindOnePiece, func(r *record.Run) { r.ServerPeakGrowth = 4434744; r.ServerMem = []wire.Sample{{}} }),
			run("streaming", 60, 35, record.KindStreamed, func(r *record.Run) { r.ServerPeakGrowth = 228384; r.ServerMem = []wire.Sample{{}} }),
		}, true, "buffered +4.2 MiB, streaming +223.0 KiB: 19×"},
		{"no samples", Claim{Kind: ClaimHeapMore, Than: 2}, []*record.Run{buffered, streaming}, false, "no server memory samples"},
		{"still running", Claim{Kind: ClaimOnePiece}, []*record.Run{run("buffered", 0, 0, record.KindRunning, func(r *record.Run) { r.Done = false })}, false, "buffered is still running"},
		{"failed", Claim{Kind: ClaimStreamed}, []*record.Run{run("streaming", 0, 0, record.KindError, func(r *record.Run) { r.Error = "Failed to fetch" })}, false, "streaming failed"},
		{"a lane missing", Claim{Kind: ClaimEarlier, Lane: 2, Than: 1}, []*record.Run{buffered}, false, "not all there"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			held, shown := tc.claim.Check(tc.runs)
			if held != tc.held || !strings.Contains(shown, tc.shown) {
				t.Errorf("got %v, %q; want %v, holding %q", held, shown, tc.held, tc.shown)
			}
		})
	}
}

// TestClaimRefused: a deck's bad claim is one sentence naming the step.
func TestClaimRefused(t *testing.T) {
	step := func(claim string) string {
		return `{"format":"chunkscope-deck","version":1,"title":"T","steps":[{"title":"S","view":{"scenarios":["buffered","streaming"]},"claim":` + claim + `}]}`
	}
	// Two scenarios and two upstreams: lanes 1 to 4 (a claim about an
	// upstream's lane was refused when only scenarios counted).
	lanes4 := func(claim string) string {
		return `{"format":"chunkscope-deck","version":1,"title":"T","steps":[{"title":"S","view":{"scenarios":["buffered","streaming"],"upstreams":[{"url":"http://127.0.0.1:9100/a"},{"url":"http://127.0.0.1:9100/b"}]},"claim":` + claim + `}]}`
	}
	for _, tc := range []struct{ name, claim, want string }{
		{"unknown kind", `{"kind":"fast","says":"x"}`, `Step 1 has a claim of kind "fast"; known: one-piece`},
		{"no sentence", `{"kind":"streamed"}`, `Step 1 has a claim without "says"`},
		{"lane out of range", `{"kind":"streamed","says":"x","lane":3}`, "Step 1 has a claim about lane 3; its view has lanes 1 to 2."},
		{"compare with itself", `{"kind":"first-byte-earlier","says":"x","lane":2,"than":2}`, "comparing lane 2 with lane 2"},
		{"compare with nothing", `{"kind":"heap-more","says":"x"}`, "comparing lane 1 with lane 0"},
		{"unknown field", `{"kind":"streamed","says":"x","factor":3}`, `the field "factor"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(step(tc.claim)))
			if tc.name == "lane out of range" {
				if _, err4 := Decode([]byte(lanes4(`{"kind":"chunked","says":"x","lane":5}`))); err4 == nil || !strings.Contains(err4.Error(), "Step 1 has a claim about lane 5; its view has lanes 1 to 4.") {
					t.Errorf("two scenarios and two upstreams, lane 5: got %v; want lanes 1 to 4", err4)
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v; want %q", err, tc.want)
			}
		})
	}
	for _, good := range []string{`{"kind":"first-byte-earlier","says":"Streaming first.","lane":2,"than":1,"times":10}`,
		`{"kind":"first-byte-earlier","says":"Django streaming first.","lane":4,"than":3}`, `{"kind":"chunked","says":"Gunicorn chunks.","lane":4}`} {
		if _, err := Decode([]byte(lanes4(good))); err != nil {
			t.Errorf("a good claim %s refused: %v", good, err)
		}
	}
}

// TestDecodeSaysLineAndColumn: broken JSON is placed as an editor counts.
func TestDecodeSaysLineAndColumn(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"second line", "{\n  \"format\" \"chunkscope-deck\"}", "at line 2, column 12."},
		{"leading blank lines", "\n\n{\"format\": x}", "at line 3, column 12."},
		{"after a multibyte title", "{\"title\": \"Ünïcode\",\n\"x\": ]}", "at line 2, column 6."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v; want %q", err, tc.want)
			}
		})
	}
}

// TestEveryStepClaimsAndItsRecordingHolds: every step of the shipped deck
// states a claim, and the shipped recording (web/decks/streaming.recorded.
// json, make talk-record) shows each one: the same check the page makes.
func TestEveryStepClaimsAndItsRecordingHolds(t *testing.T) {
	data, err := os.ReadFile("../../web/decks/streaming.recorded.json")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := DecodeRecording(data)
	if err != nil {
		t.Fatal(err)
	}
	// Each step's runs as the page finds them: the step's own (For).
	for i, s := range Streaming().Steps {
		if s.Claim == nil {
			t.Errorf("step %d %q states no claim", i+1, s.Title)
			continue
		}
		runs := rec.For(i, s.View)
		if runs == nil {
			t.Errorf("step %d %q: no recorded runs (make talk-record)", i+1, s.Title)
			continue
		}
		if held, shown := s.Claim.Check(runs); !held {
			t.Errorf("step %d %q: the recording does not show %q: %s", i+1, s.Title, s.Claim.Says, shown)
		}
	}
}
