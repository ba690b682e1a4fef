package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"chunkscope/app/wire"
)

// Protocols an https:// probe offers in the TLS handshake (ALPN).
const (
	ALPNH2     = "h2"
	ALPNHTTP11 = "http/1.1"
)

// TLS says how an https:// server's certificate is checked.
type TLS struct {
	// Insecure reads the response whatever the certificate (an
	// unknown authority, expired, another name): for a dev server only.
	Insecure bool
	// Roots, if not nil, are the authorities the certificate must chain
	// to instead of this machine's (LoadRoots: them and a dev CA).
	Roots *x509.CertPool
	// Flags names, in a refused certificate's sentence, the flags that
	// would accept it; zero: chunkscope probe's -cacert and -insecure.
	Flags CertFlags
}

// CertFlags are the names of the flags that accept a certificate.
type CertFlags struct {
	CACert   string // e.g. "-cacert"
	Insecure string // e.g. "-insecure"
	Give     string // how the sentence asks for them: "give" (ProbeFlags), "start chunkscope with"
}

// ProbeFlags are chunkscope probe's.
var ProbeFlags = CertFlags{CACert: "-cacert", Insecure: "-insecure", Give: "give"}

// LoadRoots reads a PEM file of certificates (a dev CA, or a self-signed
// server certificate itself) and returns this machine's authorities with
// them added. It says in one sentence what is wrong with a file that holds
// none.
func LoadRoots(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate (-----BEGIN CERTIFICATE-----)", file)
	}
	return pool, nil
}

// target is a probe URL taken apart.
type target struct {
	scheme string // "http" or "https"
	addr   string // host:port to dial
	host   string // the Host header (and :authority)
	name   string // the host name or address the certificate must name
	path   string // the request target, path?query
}

// parseURL checks an http:// or https:// URL.
func parseURL(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, fmt.Errorf("probe: %w", err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return target{}, fmt.Errorf("probe: URL %q: only http:// and https:// are supported", raw)
	case u.Host == "":
		return target{}, fmt.Errorf("probe: URL %q has no host", raw)
	case u.User != nil:
		return target{}, fmt.Errorf("probe: URL %q: user info is not supported", raw)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return target{
		scheme: u.Scheme,
		addr:   net.JoinHostPort(u.Hostname(), port),
		host:   strings.TrimSuffix(u.Host, ":"), // "host:" means the default port
		name:   u.Hostname(),
		path:   u.RequestURI(),
	}, nil
}

// IsTLS says whether a probe URL is an https:// one.
func IsTLS(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "https"
}

// dialed is a connection to a probe's server: plain TCP, or TLS over it.
type dialed struct {
	net.Conn
	target
	info wire.Dial
}

// zero marks t = 0, the request written, and returns it.
func (c *dialed) zero() time.Time {
	t := time.Now()
	c.info.T0EpochMs = float64(t.UnixMicro()) / 1000
	return t
}

// alpn is the protocol the TLS handshake agreed on ("" for none, or
// plain TCP).
func (c *dialed) alpn() string { return c.info.ALPN }

// dial parses req's URL and connects to it; over https it does the TLS
// handshake, offering the protocols in offer (ALPN; none: the server
// speaks HTTP/1.x). Closing the connection also releases its tie to ctx:
// a read blocked on a silent server ends when ctx does.
func dial(ctx context.Context, req Request, offer []string) (*dialed, error) {
	t, err := parseURL(req.URL)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	begin := time.Now()
	c, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, fmt.Errorf("probe: dialing %s: %w", t.addr, err)
	}
	conn := &dialed{Conn: watch(ctx, c), target: t, info: wire.Dial{ConnectMs: ms(time.Since(begin))}}
	if t.scheme != "https" {
		return conn, nil
	}
	cfg := &tls.Config{
		ServerName:         t.name,
		NextProtos:         offer,
		RootCAs:            req.TLS.Roots,
		InsecureSkipVerify: req.TLS.Insecure,
		MinVersion:         tls.VersionTLS12,
	}
	tc := tls.Client(conn.Conn, cfg)
	begin = time.Now()
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		if cert := CertProblem(t.addr, t.name, err, req.TLS.Flags); cert != nil {
			return nil, cert
		}
		if strings.Contains(err.Error(), "no application protocol") && len(offer) == 1 {
			return nil, noProtocol(t.addr, offer[0], "it refused ALPN "+offer[0])
		}
		return nil, fmt.Errorf("probe: TLS handshake with %s: %w", t.addr, ctxErr(ctx, err))
	}
	st := tc.ConnectionState()
	conn.info.TLSMs = ms(time.Since(begin))
	conn.info.TLSVersion = tls.VersionName(st.Version)
	conn.info.ALPN = st.NegotiatedProtocol
	conn.info.Certificate = "checked"
	if req.TLS.Insecure {
		conn.info.Certificate = "not checked"
	}
	conn.Conn = tc // closing it closes the watched connection under it
	return conn, nil
}

// noProtocol says that the server at addr does not speak the one
// protocol the probe offered in the TLS handshake, and how to probe it.
func noProtocol(addr, offered, why string) error {
	name, other := "HTTP/2", "HTTP/1.1 (-http1.1, or no flag)"
	if offered != ALPNH2 {
		name, other = "HTTP/1.1", "HTTP/2 (-http2, or no flag)"
	}
	return fmt.Errorf("probe: %s does not speak %s over TLS (%s): probe it over %s", addr, name, why, other)
}

// CertError is a certificate the probe refused: the problem, the flags
// that would accept it, and the certificate's particulars, as one
// sentence in that order (so that a clipped sentence keeps the flags).
type CertError struct {
	Addr    string // host:port
	Problem string // "has a self-signed TLS certificate", "has an expired TLS certificate", …
	Fix     string // what would accept it
	Detail  string // which certificate: "CN=…", "expired on …"
	Err     error  // crypto/x509's error
}

func (e *CertError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("probe: %s %s: %s", e.Addr, e.Problem, e.Fix)
	}
	return fmt.Sprintf("probe: %s %s: %s (%s)", e.Addr, e.Problem, e.Fix, e.Detail)
}

func (e *CertError) Unwrap() error { return e.Err }

// CertProblem turns a certificate refused in a TLS handshake with addr,
// for the host name (or address) name, into one sentence that names the
// problem and the flag that would accept it; nil for other errors.
func CertProblem(addr, name string, err error, flags CertFlags) *CertError {
	if flags == (CertFlags{}) {
		flags = ProbeFlags
	}
	var (
		unknown x509.UnknownAuthorityError
		invalid x509.CertificateInvalidError
		host    x509.HostnameError
	)
	ce := &CertError{Addr: addr, Err: err}
	insecure := flags.Insecure + " to skip the check"
	switch {
	case errors.As(err, &unknown):
		c := unknown.Cert
		ce.Problem, ce.Detail = "has a TLS certificate from an authority this machine does not trust", "no certificate"
		switch {
		case c != nil && c.Subject.String() == c.Issuer.String():
			ce.Problem, ce.Detail = "has a self-signed TLS certificate", subject(c)
		case c != nil:
			ce.Detail = "issued by " + c.Issuer.String()
		}
		ce.Fix = flags.Give + " " + flags.CACert + " FILE (it, or its CA, as PEM) or " + insecure
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		c, now := invalid.Cert, time.Now().UTC()
		ce.Problem, ce.Detail = "has an expired or not yet valid TLS certificate", invalid.Error()
		switch {
		case c != nil && now.After(c.NotAfter):
			ce.Problem, ce.Detail = "has an expired TLS certificate", "it expired on "+c.NotAfter.UTC().Format(time.RFC3339)+"; "+subject(c)
		case c != nil:
			ce.Problem, ce.Detail = "has a TLS certificate that is not valid yet", "valid from "+c.NotBefore.UTC().Format(time.RFC3339)+"; "+subject(c)
		}
		ce.Fix = "renew it, or " + flags.Give + " " + insecure
	case errors.As(err, &invalid):
		ce.Problem, ce.Detail = "has a TLS certificate that is not valid", invalid.Error()
		ce.Fix = flags.Give + " " + insecure
	case errors.As(err, &host):
		ce.Problem = "has a TLS certificate for " + names(host.Certificate) + ", not " + name
		if c := host.Certificate; c != nil && c.Subject.CommonName != "" {
			ce.Detail = "CN=" + c.Subject.CommonName
		}
		ce.Fix = "use one of its names, or " + flags.Give + " " + insecure
	default:
		var verr *tls.CertificateVerificationError
		if !errors.As(err, &verr) {
			return nil
		}
		ce.Problem, ce.Detail = "has a TLS certificate that was refused", verr.Err.Error()
		ce.Fix = flags.Give + " " + insecure
	}
	return ce
}

// subject names a certificate in a few words.
func subject(c *x509.Certificate) string {
	if c == nil {
		return "no certificate"
	}
	if c.Subject.CommonName != "" {
		return "CN=" + c.Subject.CommonName
	}
	if n := names(c); n != "" {
		return "for " + n
	}
	return c.Subject.String()
}

// names lists what a certificate is for: its DNS names and addresses.
func names(c *x509.Certificate) string {
	if c == nil {
		return "other names"
	}
	var out []string
	out = append(out, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	if len(out) == 0 && c.Subject.CommonName != "" {
		out = append(out, c.Subject.CommonName+" (CN only, which is no longer accepted)")
	}
	if len(out) == 0 {
		return "no name"
	}
	return strings.Join(out, ", ")
}
