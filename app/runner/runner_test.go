package runner

import (
	"strings"
	"testing"

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
