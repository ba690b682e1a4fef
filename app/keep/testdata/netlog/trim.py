#!/usr/bin/env python3
"""Trim a Chrome NetLog to the requests whose URL contains a string, their
HTTP stream jobs, their sockets and their HTTP/2 streams, keeping the file's own constants and
events as Chrome wrote them (one event a line). --unclosed writes the
file as a browser killed while recording leaves it: no closing, the last
event cut in half, a third of the events gone.

usage: trim.py IN.json OUT.json URL-PART [--unclosed]
"""
import json, sys

src, dst, part = sys.argv[1:4]
unclosed = "--unclosed" in sys.argv
text = open(src).read().rstrip()
try:
    d = json.loads(text)
except ValueError:  # an unclosed file: end it where its last whole event ends
    text = text[: text.rstrip().rfind("},") + 1]
    d = json.loads(text + "]}")
c = d["constants"]
et = c["logEventTypes"]
st = c["logSourceType"]
evs = d["events"]
reqs = {e["source"]["id"] for e in evs
        if e["source"]["type"] == st["URL_REQUEST"] and part in json.dumps(e.get("params", {}).get("url", ""))}
jobs = {e["params"]["source_dependency"]["id"] for e in evs
        if e["source"]["id"] in reqs and e["type"] == et["HTTP_STREAM_REQUEST_BOUND_TO_JOB"]}
socks = {e["source"]["id"] for e in evs
         if e["type"] == et["SOCKET_IN_USE"] and e.get("params", {}).get("source_dependency", {}).get("id") in jobs}
# HTTP/2: the session's events about the request's stream (its headers
# sent and received, its DATA frames), found by the job it names.
streams = {(e["source"]["id"], e["params"]["stream_id"]) for e in evs
           if e["type"] == et["HTTP2_SESSION_SEND_HEADERS"] and e["params"].get("source_dependency", {}).get("id") in jobs}
h2 = {et[n] for n in ("HTTP2_SESSION_SEND_HEADERS", "HTTP2_SESSION_RECV_HEADERS", "HTTP2_SESSION_RECV_DATA")}
keep = [e for e in evs if e["source"]["id"] in reqs | jobs | socks
        or (e["type"] in h2 and (e["source"]["id"], e.get("params", {}).get("stream_id")) in streams)]
if unclosed:
    keep = keep[: len(keep) * 2 // 3]
lines = [json.dumps(e, separators=(",", ":")) for e in keep]
out = '{"constants":' + json.dumps(c, separators=(",", ":")) + ',\n"events": [\n' + ",\n".join(lines)
if unclosed:
    out = out[: len(out) - len(lines[-1]) // 2]
else:
    out += "\n]}\n"
open(dst, "w").write(out)
print(dst, len(out), "bytes,", len(keep), "events,", len(reqs), "requests")
