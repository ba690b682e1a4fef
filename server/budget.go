package server

import "sync"

// budget counts the bytes that buffered bodies in flight hold together, so
// that a request which would push them over max is refused before anything
// is allocated (and a demo box does not swap itself to death).
type budget struct {
	mu    sync.Mutex
	max   int64
	inUse int64
}

// reserve takes n bytes if they fit.
func (b *budget) reserve(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.max-b.inUse {
		return false
	}
	b.inUse += n
	return true
}

func (b *budget) free(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.inUse -= n
}

func (b *budget) held() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.inUse
}
