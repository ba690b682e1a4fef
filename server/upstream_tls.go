package server

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"strings"

	"chunkscope/server/probe"
)

// UpstreamTLS says how the server checks an https:// upstream's
// certificate, for the hop (/upstream) and the wire probe (/wire) alike, so
// that both read the same server the same way.
type UpstreamTLS struct {
	Insecure bool           // -upstream-insecure: read it whatever its certificate
	Roots    *x509.CertPool // -upstream-cacert: this machine's authorities and the file's; nil: this machine's
}

// upstreamCertFlags name main's flags in a refused certificate's sentence.
var upstreamCertFlags = probe.CertFlags{CACert: "-upstream-cacert", Insecure: "-upstream-insecure", Give: "start chunkscope with"}

// probe is the wire probe's side of it.
func (t UpstreamTLS) probe() probe.TLS {
	return probe.TLS{Insecure: t.Insecure, Roots: t.Roots, Flags: upstreamCertFlags}
}

// transport is the hop's: Go's default transport (which offers h2 and
// http/1.1 over TLS, as a browser does) checking certificates as told.
func (t UpstreamTLS) transport() http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone() // ForceAttemptHTTP2 is kept: h2 with our TLS config
	tr.TLSClientConfig = &tls.Config{RootCAs: t.Roots, InsecureSkipVerify: t.Insecure, MinVersion: tls.VersionTLS12}
	return tr
}

// explain says why the hop could not read the upstream: a refused
// certificate in one sentence naming the problem and the flag that would
// accept it, any other error as it is.
func (t UpstreamTLS) explain(out *http.Request, err error) string {
	if out != nil && out.URL != nil && out.URL.Scheme == "https" {
		addr := out.URL.Host
		if out.URL.Port() == "" {
			addr = net.JoinHostPort(out.URL.Hostname(), "443")
		}
		if ce := probe.CertProblem(addr, out.URL.Hostname(), err, upstreamCertFlags); ce != nil {
			return strings.TrimPrefix(ce.Error(), "probe: ")
		}
	}
	return err.Error()
}
