package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// In caps mode more clients ask than the server's -max-runs lets in at
// once: a refusal is the server doing its job, not an error, as long as it
// is the documented one — 503, a Retry-After saying when to come back, and
// one line saying why.

// maxReason is the longest refusal body accepted: the server's reason is
// one short sentence, so anything longer is not that reason.
const maxReason = 512

// minJitter is the jitter's range when Retry-After is 0 (or a date already
// past): the client still waits a little rather than hammer the cap.
const minJitter = 100 * time.Millisecond

// refusal checks a 503 as the caps allow it to look: Retry-After as
// delay-seconds or an HTTP date (now is the clock to read a date against),
// and a body of exactly one non-empty line. It returns how long the server
// asked the client to wait, or why the 503 is an error.
func refusal(resp *http.Response, now time.Time) (time.Duration, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReason+1))
	if err != nil {
		return 0, fmt.Errorf("503: reading its reason: %w", err)
	}
	reason := strings.TrimSpace(string(body))
	ra := resp.Header.Values("Retry-After")
	if len(ra) == 0 {
		return 0, fmt.Errorf("503 without Retry-After: %q", head(body))
	}
	if len(ra) > 1 {
		return 0, fmt.Errorf("503 with %d Retry-After headers %q", len(ra), ra)
	}
	wait, err := parseRetryAfter(ra[0], now)
	if err != nil {
		return 0, fmt.Errorf("503: %w", err)
	}
	switch {
	case len(body) > maxReason:
		return 0, fmt.Errorf("503 whose reason is over %d bytes: %q…", maxReason, head(body))
	case reason == "":
		return 0, fmt.Errorf("503 without a reason (body %q)", body)
	case !bytes.HasSuffix(body, []byte("\n")) || bytes.Count(body, []byte("\n")) != 1:
		return 0, fmt.Errorf("503 whose reason is not one line: %q", body)
	}
	return wait, nil
}

// parseRetryAfter reads a Retry-After value (RFC 9110 §10.2.3): a number
// of seconds (digits only), or an HTTP date, which says how long from now.
// A date already past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, fmt.Errorf("empty Retry-After")
	}
	if strings.Trim(v, "0123456789") == "" {
		// Bounded so that the multiplication cannot overflow; a day is
		// already far beyond any load this command runs.
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > 86400 {
			return 0, fmt.Errorf("Retry-After %q: want at most 86400 seconds", v)
		}
		return time.Duration(n) * time.Second, nil
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, fmt.Errorf("Retry-After %q: neither seconds nor an HTTP date", v)
	}
	return max(t.Sub(now), 0), nil
}

// backoff is how long a refused client waits: what the server asked for,
// as a floor, plus a jitter of up to half of it again (r in [0, 1) picks
// where in that range). Without the jitter, the clients refused in the same
// instant — hundreds of them at the start — would all come back in the
// same instant a second later, be refused together again, and so on in
// lock-step: a herd the cap sees as one burst per second.
func backoff(retryAfter time.Duration, r float64) time.Duration {
	return retryAfter + time.Duration(r*float64(max(retryAfter/2, minJitter)))
}
