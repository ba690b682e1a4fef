package server

import (
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"

	appwire "chunkscope/app/wire"
)

// slowRead asks for path over a raw TCP connection on loopback and reads
// the answer at rate bytes a second, on average, for d; then it leaves.
// Its receive buffer is kept small (64 KiB), so what the server sends
// beyond that waits in the server's own socket buffer, then in its writes.
func slowRead(t *testing.T, addr, path string, rate int64, d time.Duration) (read int64) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(64 << 10)
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: chunkscope\r\nAccept-Encoding: identity\r\n\r\n", path)
	buf := make([]byte, 4<<10)
	start := time.Now()
	for time.Since(start) < d {
		conn.SetReadDeadline(time.Now().Add(time.Second))
		n, err := conn.Read(buf)
		read += int64(n)
		if err != nil {
			t.Fatalf("after %d bytes: %v", read, err)
		}
		// Keep the average: bytes so far / rate is when the next read may be.
		time.Sleep(time.Duration(float64(read)/float64(rate)*float64(time.Second)) - time.Since(start))
	}
	return read
}

// TestSlowReader: a client reading at 64 KiB/s holds the server back. Its
// handler's writes block (the send log's blockedMs) as soon as the socket
// buffers between them are full, and the server writes no more than its
// reader takes plus those buffers. Streaming, the heap stays flat while it
// waits; buffered, the whole body sits in the heap all along, however
// slowly it is read.
func TestSlowReader(t *testing.T) {
	if testing.Short() {
		t.Skip("reads slowly for 6 s")
	}
	const (
		MiB   = 1 << 20
		rate  = 64 << 10
		for_  = 3 * time.Second
		query = "rows=65536&pad=1005&per=64" // 64 MiB, produced with no delay
	)
	ts := startServer(t, Config{})
	tests := []struct {
		scenario           string
		minGrowth, maxGrow int64
	}{
		{"streaming", 0, 8 * MiB},
		{"buffered", 60 * MiB, 0},
	}
	for i, tc := range tests {
		t.Run(tc.scenario, func(t *testing.T) {
			settle(t, ts.URL)
			runtime.GC()
			id := fmt.Sprintf("slow-%d", i)
			read := slowRead(t, ts.Listener.Addr().String(), "/csv/"+tc.scenario+"?"+query+"&run="+id, rate, for_)
			samples, sends := readLogs(t, ts, id, "")
			var sent int64
			var blocked, longest float64
			for _, s := range sends {
				sent += s.N
				blocked += s.BlockedMs
				longest = max(longest, s.BlockedMs)
			}
			growth := peakGrowth(samples)
			t.Logf("read %.2f MiB at %d KiB/s in %s; the server wrote %.2f MiB in %d writes, blocked %.0f ms in all (longest %.0f ms); heap peak growth %.2f MiB over %d samples",
				float64(read)/MiB, rate>>10, for_, float64(sent)/MiB, len(sends), blocked, longest, float64(growth)/MiB, len(samples))
			if len(sends) == 0 || blocked < 0.5*float64(for_.Milliseconds()) {
				t.Errorf("the writes blocked %.0f ms in all; want ≥ half of the %s the client read slowly", blocked, for_)
			}
			if sent > read+16*MiB {
				t.Errorf("the server wrote %.1f MiB for a client that read %.1f MiB; want no more than it plus the socket buffers", float64(sent)/MiB, float64(read)/MiB)
			}
			if (tc.maxGrow > 0 && growth >= tc.maxGrow) || growth < tc.minGrowth {
				t.Errorf("heap peak growth %.1f MiB; want in [%d, %d) MiB (0: no bound)", float64(growth)/MiB, tc.minGrowth/MiB, tc.maxGrow/MiB)
			}
		})
	}
}

// lastSend is the last entry of a send log (the zero Send for none).
func lastSend(sends []appwire.Send) appwire.Send {
	if len(sends) == 0 {
		return appwire.Send{}
	}
	return sends[len(sends)-1]
}
