package main

import (
	"fmt"
	"syscall"
)

// fdMargin is what the load command and the server each need beyond one
// descriptor per client: the observer's two connections, the listener,
// the server's pipes, the runtime's own.
const fdMargin = 64

// fdsNeeded is the open files the load command needs for clients
// connections, and the server as many again for its side of them.
func fdsNeeded(clients int) uint64 { return uint64(clients) + fdMargin }

// noFileSoft says what soft limit on open files (RLIMIT_NOFILE) to set for
// need descriptors, given the current soft and hard limits: the current one
// when it is enough, the hard limit when that is (as Go itself does at
// start-up since Go 1.19), and an error naming the fix when even the hard
// limit is too low, which only root can raise.
func noFileSoft(cur, hard, need uint64) (uint64, error) {
	switch {
	case cur >= need:
		return cur, nil
	case hard >= need:
		return hard, nil
	default:
		return 0, fmt.Errorf("open files: need %d, the hard limit is %d: raise it (as root: ulimit -Hn %d, or LimitNOFILE= in a unit) or ask for fewer -clients", need, hard, need)
	}
}

// raiseNoFile makes sure this process may open need files, raising its soft
// limit when needed. The server it starts inherits the limits and, being a
// Go program, raises its own soft limit to the hard one at start-up: the
// hard limit is what both must fit under.
func raiseNoFile(need uint64) (soft uint64, err error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("open files: reading the limit: %w", err)
	}
	want, err := noFileSoft(uint64(lim.Cur), uint64(lim.Max), need)
	if err != nil || want == uint64(lim.Cur) {
		return want, err
	}
	lim.Cur = want
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("open files: raising the soft limit to %d: %w", want, err)
	}
	return want, nil
}
