package keep

import (
	"bytes"
	"encoding/json"
	"strings"
)

// foreign names, in one sentence, a file chunkscope cannot read but knows
// the look of — what it is and what to do with it — or "" for any other
// file. It reads at most the file's first element.
func foreign(data []byte) string {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	switch {
	case len(data) >= 4 && (bytes.Equal(data[:4], []byte{0xd4, 0xc3, 0xb2, 0xa1}) || bytes.Equal(data[:4], []byte{0xa1, 0xb2, 0xc3, 0xd4}) ||
		bytes.Equal(data[:4], []byte{0x0a, 0x0d, 0x0d, 0x0a})):
		return "This file is a packet capture (pcap or pcapng): chunkscope does not read packets; " +
			"open the capture in Wireshark and export the HTTP conversation, or record the request with curl --trace-ascii F --trace-time or a Chrome NetLog (chrome://net-export)."
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return ""
	}
	low := bytes.ToLower(trimmed[:min(len(trimmed), 512)])
	if bytes.HasPrefix(low, []byte("<!doctype html")) || bytes.HasPrefix(low, []byte("<html")) {
		return "This file is an HTML page, not a recording of a response: chunkscope reads a HAR with _chunks, a Chrome NetLog, a curl trace or its own saved runs."
	}
	var first map[string]json.RawMessage
	switch trimmed[0] {
	case '[':
		// Only a start that looks like one is decoded: a saved runs()
		// array's first run may be most of a large file.
		head := trimmed[:min(len(trimmed), 4096)]
		if !bytes.Contains(head, []byte(`"Network.`)) && !bytes.Contains(head, []byte(`"Page.`)) && !bytes.Contains(head, []byte(`\"method\"`)) &&
			!bytes.Contains(head, []byte(`"ph"`)) && !bytes.Contains(head, []byte(`"Target.`)) && !bytes.Contains(head, []byte(`"Runtime.`)) {
			return ""
		}
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		if _, err := dec.Token(); err != nil || !dec.More() || dec.Decode(&first) != nil {
			return ""
		}
	case '{':
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		if _, err := dec.Token(); err != nil {
			return ""
		}
		// The first member names the file: a trace's traceEvents, a
		// DevTools log saved as {"events": […]} or {"log": [...]}.
		t, err := dec.Token()
		key, _ := t.(string)
		if err != nil {
			return ""
		}
		switch key {
		case "traceEvents", "metadata":
			return chromeTrace
		}
		return ""
	default:
		return ""
	}
	method := jsonString(first["method"])
	if msg := jsonString(first["message"]); method == "" && msg != "" {
		// chromedriver's performance log: each entry's message is a JSON
		// text holding {"message": {"method", "params"}}.
		var inner struct {
			Message struct {
				Method string `json:"method"`
			} `json:"message"`
		}
		if json.Unmarshal([]byte(msg), &inner) == nil {
			method = inner.Message.Method
		}
	}
	switch {
	case strings.HasPrefix(method, "Network.") || strings.HasPrefix(method, "Page.") || strings.HasPrefix(method, "Target.") || strings.HasPrefix(method, "Runtime."):
		return "This file is a DevTools-protocol log (" + method + " events, as Puppeteer, chromedriver's performance log or Browsertime record them): " +
			"convert it with chrome-har (npm, sitespeed.io's) to a HAR with _chunks, the reads of every response, and load that HAR."
	case first["ph"] != nil && first["ts"] != nil:
		return chromeTrace
	}
	return ""
}

// chromeTrace is the sentence for a Chrome performance trace.
const chromeTrace = "This file is a Chrome performance trace (the DevTools Performance panel, chrome://tracing): it has no per-read arrivals chunkscope can draw; " +
	"record a NetLog instead (chrome://net-export, or Chromium's --log-net-log=FILE)."

// jsonString is a JSON string's value, or "" for anything else.
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}
