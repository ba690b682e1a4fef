package main

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
)

// loopbackBase checks that raw is the base URL of a server on this machine
// (http, host in 127.0.0.0/8, localhost or [::1], no path beyond "/") and
// returns it without a trailing slash. Anything else is refused: a load test
// aimed at another machine is an attack, not a measurement.
func loopbackBase(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("-url %q: %w", raw, err)
	}
	if u.Scheme != "http" {
		return "", fmt.Errorf("-url %q: want http://HOST:PORT on loopback (chunkscope serves plain http)", raw)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("-url %q: want only http://HOST:PORT, no user, path or query", raw)
	}
	host := u.Hostname()
	if !isLoopbackHost(host) {
		return "", fmt.Errorf("-url %q: %q is not loopback (127.0.0.0/8, localhost, [::1]); load tests must never target another machine", raw, host)
	}
	return "http://" + u.Host, nil
}

// isLoopbackHost reports whether host is "localhost" or a loopback IP
// literal. Other names are refused even if they resolve to loopback today:
// what they resolve to can change.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackOnly is a net.Dialer Control hook that refuses to connect to a
// non-loopback address. It runs after name resolution, so it also holds if
// "localhost" resolves somewhere odd.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("dialing %s: %w", address, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("dialing %s: not a loopback address; load tests must never target another machine", address)
	}
	return nil
}
