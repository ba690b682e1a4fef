package server

import (
	"fmt"
	"net/http"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when any goroutine outlives the tests: a
// producer still running for a client that left, a sampler that never
// stopped, an /events stream nobody reads.
func TestMain(m *testing.M) {
	code := m.Run()
	// The tests' own idle keep-alive connections are not the server's.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goroutines outlived the tests:", err)
			code = 1
		}
	}
	os.Exit(code)
}
