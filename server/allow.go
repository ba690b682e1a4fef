package server

import (
	"fmt"
	"net/url"
	"strings"
)

// A port wildcard: -upstream http://127.0.0.1:* allows every port of that
// host (a local stack of many ports in one flag), never this server's own
// listener (Config.Listen).
const anyPort = ":*"

// parseWildcard reads an -upstream value with a port wildcard; ok is false
// when raw has none. The origin is checked as ParseUpstream checks one with
// a port, so the two accept the same schemes and hosts.
func parseWildcard(raw string) (origin string, ok bool, err error) {
	base, found := strings.CutSuffix(strings.TrimSuffix(raw, "/"), anyPort)
	if !found {
		return "", false, nil
	}
	o, err := ParseUpstream(base + ":1")
	if err != nil || !strings.HasSuffix(o, ":1") {
		return "", true, fmt.Errorf("-upstream %q: want an origin, http://host:port, or http://host:* for every port of a host", raw)
	}
	return strings.TrimSuffix(o, ":1") + anyPort, true, nil
}

// allows says whether u's origin is allowed by -upstream: named exactly, or
// its host named with a port wildcard (and u is not this very server).
func (s *Server) allows(u *url.URL) bool {
	origin := u.Scheme + "://" + u.Host
	for _, allowed := range s.cfg.Upstreams {
		if origin == allowed {
			return true
		}
		if host, ok := strings.CutSuffix(allowed, anyPort); ok && u.Port() != "" && strings.EqualFold(u.Scheme+"://"+hostOnly(u), host) {
			return s.cfg.Listen == nil || !IsSelf(s.cfg.Listen, origin)
		}
	}
	return false
}

// hostOnly is u's host without its port, IPv6 brackets kept as an origin
// writes them.
func hostOnly(u *url.URL) string {
	h := u.Hostname()
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// notAllowed is the refusal of an origin -upstream does not allow: it names
// the flag that would.
func notAllowed(origin string, allowed []string) error {
	host := origin
	if i := strings.LastIndex(origin, ":"); i > strings.Index(origin, "://")+2 && !strings.HasSuffix(origin, "]") {
		host = origin[:i]
	}
	flag := "start chunkscope with -upstream " + origin + " to allow it (or -upstream " + host + anyPort + " for every port of that host)"
	if len(allowed) == 0 {
		return fmt.Errorf("url: %s is not allowed: %s", origin, flag)
	}
	return fmt.Errorf("url: %s is not one of the allowed upstreams (%s): %s", origin, strings.Join(allowed, ", "), flag)
}
