package server

import (
	"hash/maphash"
	"slices"
	"time"
)

// Run ids belong to the client that tags them (runOwner): each client has
// its own namespace, so no client can take, reuse, block or read another's
// id. The server remembers the ids a client used, so that within an id's
// life a late reader of /events never gets another run's samples under a
// reused id; it remembers them in a set bounded per client and in all, and
// forgets each after idLife.
const (
	// idLife is how long an id is remembered (refused if tagged again)
	// after its run began. A run lasts at most -max-stream (10 minutes by
	// default) and a reader waits waitForRun for it: an hour is past both.
	// An id is also refused for as long as its run's samples are kept
	// (keepRuns), whatever its age.
	idLife = time.Hour
	// maxIDsPerClient is how many ids one client may have remembered: a
	// page that tags a run every second for the idLife uses 3,600. A client
	// that tags more has its own oldest ids forgotten (its newest 4,096
	// are still refused if reused): it never blocks, and never touches
	// another client's ids.
	maxIDsPerClient = 4096
	// maxIDs bounds the ids remembered in all, whatever the number of
	// clients: past it, the expired ids go, then the oldest ids of the
	// clients that hold the most, down to 7/8 of it. One client (one
	// address, an IPv6 /64) holds at most maxIDsPerClient, so it takes 16
	// clients at their cap before anyone's ids are forgotten early, and
	// a client with k ids keeps them all while at most 57,344/k clients
	// hold ids. 65,536 ids, each of its own
	// client (the costliest shape), held 9.6 MiB (TestIDSetMemory).
	maxIDs = 1 << 16
)

// idSet is the set of remembered run ids, per client. Ids are kept as a
// 64-bit keyed hash of client and id (an unknown seed: no client can
// aim a collision), so a long id costs no more than a short one.
type idSet struct {
	seed      maphash.Seed
	life      time.Duration
	perClient int
	max       int
	epoch     time.Time
	stamps    map[uint64]time.Duration // hash(owner, id) → when it was taken, since epoch
	clients   map[string]*clientIDs
	n         int // entries in all the clients' lists
}

// clientIDs is one client's remembered ids, oldest first.
type clientIDs struct{ taken []takenID }

type takenID struct {
	key uint64
	at  time.Duration // since the set's epoch
}

func newIDSet(perClient, max int, life time.Duration) *idSet {
	return &idSet{seed: maphash.MakeSeed(), life: life, perClient: perClient, max: max,
		epoch: time.Now(), stamps: map[uint64]time.Duration{}, clients: map[string]*clientIDs{}}
}

func (s *idSet) key(owner, id string) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	h.WriteString(owner)
	h.WriteByte(0) // neither an address nor an id holds a NUL
	h.WriteString(id)
	return h.Sum64()
}

// take records that owner tagged a run id at now, unless owner used that id
// within its life: then it reports false and records nothing.
func (s *idSet) take(owner, id string, now time.Time) bool {
	k, t := s.key(owner, id), now.Sub(s.epoch)
	if c := s.clients[owner]; c != nil {
		s.expire(owner, c, t)
	}
	if _, ok := s.stamps[k]; ok { // expire left only the live ones
		return false
	}
	c := s.clients[owner]
	if c == nil {
		c = &clientIDs{}
		s.clients[owner] = c
	}
	if len(c.taken) >= s.perClient {
		s.forgetOldest(owner, c)
	}
	c.taken = append(c.taken, takenID{key: k, at: t})
	s.stamps[k] = t
	s.n++
	if s.n > s.max {
		s.sweep(t)
	}
	return true
}

// expire forgets owner's ids older than the life; a client left with none
// is forgotten too.
func (s *idSet) expire(owner string, c *clientIDs, t time.Duration) {
	for len(c.taken) > 0 && t-c.taken[0].at >= s.life {
		s.forgetOldest(owner, c)
	}
}

// forgetOldest forgets owner's oldest id.
func (s *idSet) forgetOldest(owner string, c *clientIDs) {
	e := c.taken[0]
	c.taken = c.taken[1:]
	if at, ok := s.stamps[e.key]; ok && at == e.at {
		delete(s.stamps, e.key)
	}
	s.n--
	if len(c.taken) == 0 {
		delete(s.clients, owner)
	}
}

// sweep brings the set under max: every client's expired ids go, then, if
// it is still over 7/8 of max, the clients holding the most lose their
// oldest ids until none holds more than the level that fits (water
// filling): a client with few ids keeps them while others have more. It
// runs at most once every max/8 takes.
func (s *idSet) sweep(t time.Duration) {
	for owner, c := range s.clients {
		s.expire(owner, c, t)
	}
	low := s.max * 7 / 8
	if s.n <= low {
		return
	}
	counts := make([]int, 0, len(s.clients))
	for _, c := range s.clients {
		counts = append(counts, len(c.taken))
	}
	level := fillLevel(counts, low)
	for owner, c := range s.clients {
		for len(c.taken) > level {
			s.forgetOldest(owner, c)
		}
	}
}

// fillLevel is the highest level L such that the counts, each cut to at
// most L, add up to no more than total.
func fillLevel(counts []int, total int) int {
	if len(counts) == 0 {
		return 0
	}
	slices.Sort(counts)
	// With the counts ascending, cutting at L keeps counts[i] whole below
	// the first count over L, and L of each from there.
	sum := 0
	for i, c := range counts {
		rest := len(counts) - i // counts from i on, each cut to L ≥ counts[i-1]
		if sum+c*rest > total {
			return max((total-sum)/rest, 0)
		}
		sum += c
	}
	return counts[len(counts)-1]
}

// len is the number of ids remembered.
func (s *idSet) len() int { return s.n }
