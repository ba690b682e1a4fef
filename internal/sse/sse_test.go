package sse

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	stream := "id: 0\nevent: sample\ndata: {\"t\":1}\n\nid: 1\nevent: sample\ndata: {\"t\":2}\n\nevent: end\ndata: {}\n\n"
	var got []string
	err := Read(strings.NewReader(stream), func(event, data string) (bool, error) {
		got = append(got, event+" "+data)
		return event != "end", nil
	})
	if err != nil || strings.Join(got, "|") != `sample {"t":1}|sample {"t":2}|end {}` {
		t.Errorf("got %q, %v", got, err)
	}
	if err := Read(strings.NewReader("event: sample\ndata: 1\n"), func(string, string) (bool, error) { return true, nil }); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a stream cut before its end: %v; want io.ErrUnexpectedEOF", err)
	}
	boom := errors.New("boom")
	if err := Read(strings.NewReader("event: x\ndata: 1\n"), func(string, string) (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Errorf("fn's error: %v; want boom", err)
	}
}
