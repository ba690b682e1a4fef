package ui

import (
	"encoding/json"
	"fmt"
	"sync"

	"chunkscope/app/record"
)

// runStore keeps every finished run, as JSON taken when it finished, for
// window.chunkscope.runs(). That call arrives on the browser's event loop,
// not on go-app's UI goroutine, hence the lock.
type runStore struct {
	mu   sync.Mutex
	runs []json.RawMessage
	ids  []string
}

// add stores a finished run, or replaces the stored run with the same id.
func (s *runStore) add(r *record.Run) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encoding run %s: %w", r.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, id := range s.ids {
		if id == r.ID { // a later addition to a finished run (uaMemory)
			s.runs[i] = b
			return nil
		}
	}
	s.runs = append(s.runs, b)
	s.ids = append(s.ids, r.ID)
	return nil
}

// JSON returns the finished runs as a JSON array, oldest first.
func (s *runStore) JSON() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.runs) == 0 {
		return "[]"
	}
	b, err := json.Marshal(s.runs)
	if err != nil {
		return "[]" // RawMessages that were valid when added cannot fail here
	}
	return string(b)
}
