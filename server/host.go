package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// A browser that a DNS-rebinding page has pointed at this server's address
// sends that page's name as Host, and treats the answer as the page's own
// origin. So with Config.CheckHost the server answers only to a Host that
// names it: a loopback name or address, an IP address the request came in
// on (the listening address, or one of the machine's when it listens on
// every one), or a name given with -host. The port is not part of the
// check (a port forward may change it), and a request without a Host
// (HTTP/1.0) has no name to check.

// ParseHost checks a -host value and returns it as the check compares it:
// lower case, without a trailing dot or brackets.
func ParseHost(raw string) (string, error) {
	name := hostName(raw)
	if name == "" || strings.ContainsAny(raw, " /\\?#@%,;\t\r\n") {
		return "", fmt.Errorf("-host %q: want a host name or address, like talk.example or 192.0.2.7", raw)
	}
	if h, _, err := net.SplitHostPort(raw); err == nil {
		return "", fmt.Errorf("-host %q: give the name alone, without the port (%s)", raw, h)
	}
	return name, nil
}

// hostName is a Host header's name: the port, brackets and a trailing dot
// off, in lower case (an address in its one canonical spelling).
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if a, err := netip.ParseAddr(host); err == nil {
		return a.String() // one spelling per address: 2001:DB8:0::7 is 2001:db8::7
	}
	return strings.ToLower(host)
}

// refuseHost returns why r's Host is not one this server answers to, in
// one line, or "" when it is.
func (s *Server) refuseHost(r *http.Request) string {
	name := hostName(r.Host)
	if name == "" || name == "localhost" || strings.HasSuffix(name, ".localhost") || slices.Contains(s.cfg.Hosts, name) {
		return ""
	}
	if ip, err := netip.ParseAddr(name); err == nil {
		ip = ip.Unmap()
		if ip.IsLoopback() {
			return ""
		}
		if local, ok := localAddr(r); ok {
			if ap, err := netip.ParseAddrPort(local); err == nil && ap.Addr().WithZone("").Unmap() == ip.WithZone("") {
				return ""
			}
		}
	}
	also := ""
	if len(s.cfg.Hosts) > 0 {
		also = ", " + strings.Join(s.cfg.Hosts, ", ")
	}
	return fmt.Sprintf("Host %q is not a name this server answers to (localhost, loopback addresses, the address it listens on%s): start chunkscope with -host %s to allow it",
		r.Host, also, name)
}
