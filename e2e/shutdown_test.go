package e2e

import (
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"chunkscope/internal/harness"
)

// TestGracefulShutdown: on SIGTERM the server stops taking connections,
// gives running streams its grace period, then closes them and exits 0.
func TestGracefulShutdown(t *testing.T) {
	bin := os.Getenv("CHUNKSCOPE_BIN")
	if bin == "" {
		t.Skip("CHUNKSCOPE_BIN unset (make test sets it)")
	}
	srv, err := harness.Start(bin, os.Stderr, "-shutdown-grace", "500ms")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	addr := strings.TrimPrefix(srv.Base, "http://")
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A 10 s stream, well past the grace period.
	fmt.Fprintf(conn, "GET /csv/streaming?rows=100&delay=100ms HTTP/1.1\r\nHost: localhost\r\n\r\n")
	first := make([]byte, 64)
	if _, err := conn.Read(first); err != nil {
		t.Fatalf("no first byte: %v", err)
	}
	signalled := time.Now()
	if err := srv.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	rest, err := io.ReadAll(conn) // until the server closes it
	closedAfter := time.Since(signalled)
	if err != nil {
		t.Fatalf("reading the stream: %v (after %s)", err, closedAfter)
	}
	if closedAfter < 400*time.Millisecond || closedAfter > 2*time.Second {
		t.Errorf("the stream was closed %s after SIGTERM; want about the 500ms grace", closedAfter)
	}
	if strings.Contains(string(rest), "\r\n0\r\n\r\n") {
		t.Error("the stream ended normally; want it cut at the end of the grace period")
	}
	select {
	case <-srv.Done():
		if err := srv.Err(); err != nil {
			t.Errorf("exit: %v; want 0", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the server did not exit 3 s after SIGTERM")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("the server still accepts connections after exiting")
	}
}
