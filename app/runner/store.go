package runner

import (
	"encoding/json"
	"sync"

	"chunkscope/app/record"
)

// Store keeps every finished run of this page load: the records, for the
// view to put back, and their JSON taken when each finished, for
// window.chunkscope.runs(). That call arrives on the browser's event loop,
// not on go-app's UI goroutine, hence the lock on the JSON.
type Store struct {
	all []*record.Run // UI goroutine only

	mu   sync.Mutex
	runs []json.RawMessage
	ids  []string
}

// Add stores a finished run, or replaces the stored run with the same id
// (a later addition to a finished run: uaMemory). A record is plain data:
// the only thing Marshal could refuse is a NaN or an infinity, which no
// record field is ever set to; such a run would be left out of runs().
func (s *Store) Add(r *record.Run) {
	b, err := json.Marshal(r)
	known := false
	for _, x := range s.all {
		known = known || x == r
	}
	if !known {
		s.all = append(s.all, r)
	}
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, id := range s.ids {
		if id == r.ID {
			s.runs[i] = b
			return
		}
	}
	s.runs = append(s.runs, b)
	s.ids = append(s.ids, r.ID)
}

// Len is how many runs JSON returns, without building it.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.runs)
}

// JSON returns the finished runs as a JSON array, oldest first.
func (s *Store) JSON() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.runs) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(s.runs) // RawMessages that were valid when added
	return string(b)
}
