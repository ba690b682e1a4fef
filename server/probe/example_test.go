package probe_test

import (
	"fmt"
	"strings"

	"chunkscope/server/probe"
)

// A chunked response arriving in two reads, 20 ms apart.
func ExampleParser() {
	p := probe.NewParser("GET")
	var events []probe.Event
	events = append(events, p.Feed([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"), 0.4)...)
	events = append(events, p.Feed([]byte("lo\r\n0\r\n\r\n"), 20.4)...)
	for _, e := range events {
		fmt.Println(strings.TrimRight(fmt.Sprintf("%5.1f ms  %-11s %3d  %s", e.T, e.Kind, e.Bytes, e.Text), " "))
	}
	s := p.Summary()
	fmt.Println(s.Status, s.Framing, s.Chunks, s.BodyBytes, s.Complete)
	// Output:
	//   0.4 ms  read         53
	//   0.4 ms  status       17  HTTP/1.1 200 OK
	//   0.4 ms  header       28  Transfer-Encoding: chunked
	//   0.4 ms  headers-end   2  chunked
	//   0.4 ms  chunk-size    3  5
	//   0.4 ms  chunk-data    3
	//  20.4 ms  read          9
	//  20.4 ms  chunk-data    2
	//  20.4 ms  last-chunk    3  0
	//  20.4 ms  end           2
	// 200 chunked 1 5 true
}
