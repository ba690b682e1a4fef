package runner

import (
	"strings"
	"testing"
	"time"

	"chunkscope/app/spec"
)

// TestCheckRefusesAStoppedReaderWithNoEventStream: a reader that stops
// learns that the server let go from the run's event stream; an upstream
// read untagged has none, so such a plan is refused with its reason.
func TestCheckRefusesAStoppedReaderWithNoEventStream(t *testing.T) {
	stop, _ := spec.ParsePace("stop@1MiB")
	dead, _ := spec.ParsePace("dead")
	rate, _ := spec.ParsePace("64KiB/s")
	tests := []struct {
		name string
		plan Plan
		want string // a part of the error; "" for none
	}{
		{"a scenario that stops", Plan{Scenario: "streaming", Pace: stop}, ""},
		{"a tagged upstream (our nginx) that stops", Plan{Upstream: "http://127.0.0.1:9/x", Tagged: true, Pace: dead}, ""},
		{"an upstream at a rate", Plan{Upstream: "http://127.0.0.1:9/x", Pace: rate}, ""},
		{"an upstream that stops", Plan{Upstream: "http://127.0.0.1:9/x", Pace: stop}, "the upstream http://127.0.0.1:9/x has none"},
		{"an upstream that never reads", Plan{Upstream: "http://127.0.0.1:9/x", Pace: dead}, "read it at a rate or with a pause"},
	}
	for _, tc := range tests {
		err := check([]Plan{{Scenario: "buffered"}, tc.plan})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v; want it run", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: %v; want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// nowHost runs everything at once, on the test's goroutine.
type nowHost struct{}

func (nowHost) Async(f func())    { f() }
func (nowHost) Dispatch(f func()) { f() }
func (nowHost) Next(f func())     { f() }

// TestNothingDrawnAtTheStartOfARequest: once a request is sent, the page
// neither redraws nor re-renders for drawEvery and renderEvery — the
// response and the first batches included — so none of its main-thread
// work lands at the start of the measured interval; then it does, at that
// pace.
func TestNothingDrawnAtTheStartOfARequest(t *testing.T) {
	draws, renders := 0, 0
	rn := &Runner{Draw: func() { draws++ }, Render: func() { renders++ }}
	rn.requestSent()
	for i := 0; i < 3; i++ { // the response, then batches
		rn.batch(nowHost{}, func() {})
	}
	if draws != 0 || renders != 0 {
		t.Errorf("%d redraws and %d re-renders right after the request was sent; want none", draws, renders)
	}
	rn.drawn = rn.drawn.Add(-drawEvery)
	rn.batch(nowHost{}, func() {})
	if draws != 1 || renders != 0 {
		t.Errorf("drawEvery after the request: %d redraws, %d re-renders; want 1 and 0", draws, renders)
	}
	rn.rendered = rn.rendered.Add(-renderEvery - time.Millisecond)
	rn.batch(nowHost{}, func() {})
	if renders != 1 {
		t.Errorf("renderEvery after the request: %d re-renders; want 1", renders)
	}
}
