package runner

import (
	"encoding/json"
	"fmt"
	"strconv"

	"chunkscope/app/record"
)

// Load puts runs from a file into the page: every one into runs() (and so
// into the earlier runs a person can put back), the first ones that fit
// into the view as lanes. It returns how many joined the view. A view that
// is being read, or full, takes none and changes nothing.
func (rn *Runner) Load(runs []*record.Run) (int, error) {
	if rn.Running {
		return 0, fmt.Errorf("Runs are still being read: wait for them, or press Stop, before loading a file.")
	}
	free := MaxLanes - len(rn.View)
	if free <= 0 {
		return 0, fmt.Errorf("This view holds %d runs, as many as fit: remove one, or Clear, then load the file again.", len(rn.View))
	}
	ids := map[string]bool{}
	for _, r := range rn.store.all {
		ids[r.ID] = true
	}
	added := 0
	for _, r := range runs {
		// The same file loaded twice, or a run loaded beside itself: ids
		// stay unique, so runs(), put-back and remove tell them apart.
		id := r.ID
		for n := 2; ids[id]; n++ {
			id = r.ID + "~" + strconv.Itoa(n)
		}
		r.ID, ids[id] = id, true
		rn.store.addNew(r)
		if added < free {
			rn.View = append(rn.View, r)
			added++
		}
	}
	rn.Version++
	rn.draw()
	return added, nil
}

// Runs is every finished run of this page load, loaded ones too, oldest
// first (UI goroutine only).
func (s *Store) Runs() []*record.Run { return s.all }

// addNew stores a run that is in no list yet, under an id no stored run
// has (a loaded one): Add's search for the run to replace, which would make
// loading a HAR of thousands of entries quadratic, is not needed.
func (s *Store) addNew(r *record.Run) {
	s.all = append(s.all, r)
	b, err := json.Marshal(r)
	if err != nil {
		return // as Add: left out of runs()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs = append(s.runs, b)
	s.ids = append(s.ids, r.ID)
}

// Choose puts a stored run (a row of the request list) into the view as a
// lane. The view draws at most MaxLanes: when it is full, the lane that has
// been in it longest (the first) leaves it for the chosen one, and is
// returned; it stays in runs() and in the list. A run already in the view
// changes nothing.
func (rn *Runner) Choose(id string) (left *record.Run, err error) {
	if rn.inView(id) {
		return nil, nil
	}
	if rn.Running {
		return nil, fmt.Errorf("Runs are still being read: wait for them, or press Stop, before choosing another lane.")
	}
	var chosen *record.Run
	for _, r := range rn.store.all {
		if r.ID == id {
			chosen = r
			break
		}
	}
	if chosen == nil {
		return nil, fmt.Errorf("There is no run %q in this page.", id)
	}
	if len(rn.View) >= MaxLanes {
		left = rn.View[0]
		rn.View = append(rn.View[:0:0], rn.View[1:]...)
	}
	rn.View = append(rn.View, chosen)
	rn.Version++
	rn.draw()
	return left, nil
}
