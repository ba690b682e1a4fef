package runner

import (
	"fmt"
	"slices"
	"testing"

	"chunkscope/app/record"
)

// loadedRuns are n finished runs, as a HAR's entries arrive.
func loadedRuns(n int) []*record.Run {
	out := make([]*record.Run, n)
	for i := range out {
		r := record.New(record.Plan{ID: fmt.Sprintf("har-%d", i+1), Scenario: record.Upstream})
		r.Finish(record.End{TotalMs: 10})
		out[i] = r
	}
	return out
}

func viewIDs(rn *Runner) []string {
	var ids []string
	for _, r := range rn.View {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestChooseAnyRowAsALane: every stored run can be chosen, whatever the
// view holds; the view draws at most MaxLanes, the longest-drawn lane
// leaving for the chosen one; choosing a lane again changes nothing.
func TestChooseAnyRowAsALane(t *testing.T) {
	rn := &Runner{Draw: func() {}}
	if _, err := rn.Load(loadedRuns(20)); err != nil {
		t.Fatal(err)
	}
	if got := viewIDs(rn); len(got) != MaxLanes || got[0] != "har-1" {
		t.Fatalf("after load the view is %v; want the first %d entries", got, MaxLanes)
	}
	for _, tc := range []struct {
		name, id, left string
		view           []string
	}{
		{"a 9th replaces the first lane", "har-15", "har-1", []string{"har-2", "har-3", "har-4", "har-5", "har-6", "har-7", "har-8", "har-15"}},
		{"a 10th replaces the next", "har-20", "har-2", []string{"har-3", "har-4", "har-5", "har-6", "har-7", "har-8", "har-15", "har-20"}},
		{"one already drawn changes nothing", "har-15", "", []string{"har-3", "har-4", "har-5", "har-6", "har-7", "har-8", "har-15", "har-20"}},
		{"one that left can come back", "har-1", "har-3", []string{"har-4", "har-5", "har-6", "har-7", "har-8", "har-15", "har-20", "har-1"}},
	} {
		left, err := rn.Choose(tc.id)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		gotLeft := ""
		if left != nil {
			gotLeft = left.ID
		}
		if gotLeft != tc.left || !slices.Equal(viewIDs(rn), tc.view) {
			t.Errorf("%s: left %q, view %v; want left %q, view %v", tc.name, gotLeft, viewIDs(rn), tc.left, tc.view)
		}
	}
	rn.Remove("har-1")
	if _, err := rn.Choose("har-9"); err != nil || len(rn.View) != MaxLanes {
		t.Errorf("a free lane: %v, %d lanes; want it taken with nothing leaving", err, len(rn.View))
	}
	if _, err := rn.Choose("nope"); err == nil {
		t.Errorf("an unknown id was chosen; want a sentence")
	}
	if n := len(rn.Store().Runs()); n != 20 {
		t.Errorf("the store holds %d runs; want all 20, whatever the view", n)
	}
}
