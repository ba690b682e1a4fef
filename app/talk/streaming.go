package talk

// Streaming is the deck chunkscope ships (/talk, or /talk?deck=streaming):
// the seed's story (streaming_django's README) told with live runs of the
// scenario table. Bodies are small and slow (20 rows, 100 ms apart) so each
// step reads in about two seconds and the pieces can be seen arriving.
func Streaming() Deck { return streamingDeck }

// slow is the body of most steps: 20 rows, one every 100 ms.
const slow = "rows=20&delay=100ms"

// wide is slow with rows padded to 200 bytes: 4.2 KiB, over net/http's
// 2 KB buffer, so a single write is chunked (in one chunk) rather than
// given a Content-Length.
const wide = "rows=20&delay=100ms&pad=200"

// fast is a stream with no delay: 200 chunks of 100 rows, about 340 KiB in
// a few milliseconds, which the browser reads in a few merged pieces.
const fast = "rows=20000&per=100"

// The lab's origins (internal/lab, make lab LAB_PORT=9100): the seed's
// Django under Gunicorn at 9100, behind nginx with stock proxy settings
// at 9104 and with proxy_buffering off at 9105. The Django steps read them
// through the server's /upstream, so chunkscope must run with
// -upstream 'http://127.0.0.1:*' (or the lab's printed flags); without
// them the steps play their recording. The query is the seed's: 20 rows,
// 100 ms apart, as the Go steps' slow body.
const (
	labGunicorn     = "http://127.0.0.1:9100"
	labNginxStock   = "http://127.0.0.1:9104"
	labNginxBufOff  = "http://127.0.0.1:9105"
	djangoRows      = "?rows=20&delay=100"
	djangoBuffered  = "/download_csv" + djangoRows
	djangoStreaming = "/download_csv_streaming" + djangoRows
	labNotes        = " Needs the lab: make lab LAB_PORT=9100, and chunkscope started with -upstream 'http://127.0.0.1:*'; without it the step plays its recording (made by make talk-record, which starts the lab itself)."
)

var streamingDeck = Deck{
	Format: Format, Version: Version,
	Title: "How does a streaming response work, exactly?",
	Steps: []Step{
		{
			Title: "Buffered: build it all, then send",
			Lines: []string{"Django's HttpResponse: the body is built in memory.", "Nothing leaves until the last row exists.", "Time to first byte = the whole production time."},
			View:  View{Scenarios: []string{"buffered"}, Body: slow},
			Claim: &Claim{Kind: ClaimOnePiece, Says: "The whole body arrives in one piece, at the end."},
			Notes: "PageDown plays it. 20 CSV rows, one every 100 ms, as the seed's big_csv. Watch the single step at the end: TTFB is about 2 s, the whole time it took to produce the rows.",
		},
		{
			Title: "Streaming: send as you go",
			Lines: []string{"StreamingHttpResponse: each row leaves when it exists.", "The first byte comes after the first row.", "The server holds one row, not the body."},
			View:  View{Scenarios: []string{"streaming"}, Body: slow},
			Claim: &Claim{Kind: ClaimStreamed, Says: "The rows arrive as produced: ≥ 10 reads."},
			Notes: "Same rows, same pace. The staircase climbs as the rows are produced. TTFB is about 100 ms.",
		},
		{
			Title: "Side by side",
			Lines: []string{"Same rows, same pace, same total time.", "The difference is when the client can start."},
			View:  View{Scenarios: []string{"buffered", "streaming"}, Body: slow},
			Claim: &Claim{Kind: ClaimEarlier, Lane: 2, Than: 1, Says: "Streaming's first byte ≥ 10× earlier."},
			Notes: "Both finish at about 2 s. Streaming does not make the work faster: it lets the client start 1.9 s earlier.",
		},
		{
			Title: "The seed's Django, under Gunicorn",
			Lines: []string{"The seed's two views, real Django under Gunicorn.", "HttpResponse waits for the last row; StreamingHttpResponse does not."},
			View: View{Upstreams: []Upstream{{Label: "Django buffer", URL: labGunicorn + djangoBuffered}, {Label: "Django stream", URL: labGunicorn + djangoStreaming}},
				Body: slow},
			Claim: &Claim{Kind: ClaimEarlier, Lane: 2, Than: 1, Says: "StreamingHttpResponse: first byte ≥ 10× earlier."},
			Notes: "The seed's download_csv and download_csv_streaming (Django 3.2, Gunicorn sync workers), 20 rows 100 ms apart: the same story as Go's two lanes before, told by the real stack." + labNotes,
		},
		{
			Title: "The server: no length, so chunked",
			Lines: []string{"No Content-Length: HTTP/1.1 frames the body in chunks.", "One chunk per flush: see the hex sizes on the wire."},
			View:  View{Scenarios: []string{"streaming"}, Body: slow, Wire: true},
			Claim: &Claim{Kind: ClaimChunked, Says: "Chunked framing on the wire: ≥ 10 chunks."},
			Notes: "In the seed it is Gunicorn that adds Transfer-Encoding: chunked; here net/http does. The wire lane is a raw TCP probe: each label is an HTTP chunk's hex size, like curl --raw.",
		},
		{
			// Django's lane and its wire lane only: with Go's beside it
			// (four lanes) the chart's type fell under 28 px whenever the
			// fallback's sentence took a row. Step 5 shows Go's chunks.
			Title: "Gunicorn chunks it too",
			Lines: []string{"Gunicorn frames a StreamingHttpResponse in chunks.", "One chunk per row, as Go's flushes in the step before."},
			View: View{Upstreams: []Upstream{{Label: "Django stream", URL: labGunicorn + djangoStreaming}},
				Body: slow, Wire: true},
			Claim: &Claim{Kind: ClaimChunked, Says: "Gunicorn: chunked framing, ≥ 10 chunks."},
			Notes: "HTTP/1.1, no Content-Length: Gunicorn's sync worker sends Transfer-Encoding: chunked and writes each row the generator yields as its own chunk, as net/http did for Go's flushes in the step before (compare the wire lanes' hex sizes)." + labNotes,
		},
		{
			Title: "HTTP/1.0: no chunks, still a stream",
			Lines: []string{"HTTP/1.0 has no chunked encoding.", "The body ends when the connection closes.", "The flushed rows still arrive as produced."},
			View:  View{Scenarios: []string{"http10"}, Body: slow},
			Claim: &Claim{Kind: ClaimClose, Says: "No chunks, ends at the close, ≥ 10 reads."},
			Notes: "Browsers cannot speak HTTP/1.0, so the server's raw probe sends the request. Gunicorn's first condition for chunking is HTTP/1.1.",
		},
		{
			Title: "A Content-Length, and still streamed",
			Lines: []string{"Gunicorn: a length means no chunking.", "Go: a known length streams without chunks."},
			View:  View{Scenarios: []string{"content-length"}, Body: slow, Wire: true},
			Claim: &Claim{Kind: ClaimLengthReads, Says: "A Content-Length, and still ≥ 10 reads."},
			Notes: "The handler announces the length first and flushes each row: no chunk framing on the wire, yet the body arrives progressively.",
		},
		{
			Title: "HEAD, 204, 304: no body at all",
			Lines: []string{"No body, so nothing to chunk.", "HEAD: the headers leave at the first flush, no body follows."},
			View:  View{Scenarios: []string{"head-streaming", "no-content", "not-modified"}, Body: slow},
			Claim: &Claim{Kind: ClaimNoBody, Says: "Three responses, not one body byte."},
			Notes: "The three lanes show only the headers' arrival; each lane ends with its response. HEAD on the streaming endpoint gets its headers at the first flush; Go still runs the handler for its 2 s and throws the rows away (the explorer's memory panel shows it).",
		},
		{
			Title: "One item: chunked is not streaming",
			Lines: []string{"An iterator with a single item: one chunk, at the end.", "Chunked framing alone does not make a stream."},
			View:  View{Scenarios: []string{"single-write", "streaming"}, Body: wide, Wire: true},
			Claim: &Claim{Kind: ClaimOneChunk, Says: "Chunked framing, and exactly one chunk."},
			Notes: "The seed's HttpResponse seen from the WSGI side. Rows padded to 200 bytes, so the body (4.2 KiB) is over net/http's 2 KB buffer: under it, net/http would set a Content-Length itself and there would be no chunk at all.",
		},
		{
			Title: "The client reads pieces, not chunks",
			Lines: []string{"The browser's reads need not match the wire's chunks.", "A fast stream: 200 chunks, merged into a few reads."},
			View:  View{Scenarios: []string{"streaming"}, Body: fast, Wire: true},
			Claim: &Claim{Kind: ClaimReadsNotChunk, Says: "The page's reads are not the wire's chunks."},
			Notes: "20,000 rows in 200 flushes with no delay: about 340 KiB in a few milliseconds. The wire lane ticks every chunk; the browser lane ticks each read(), and Chromium merges what arrives. A slow stream (step 5) shows one read per chunk.",
		},
		{
			Title: "Memory on both sides",
			Lines: []string{"Buffered holds the whole body on the server, and in the page.", "Streaming holds one group at a time."},
			View:  View{Scenarios: []string{"buffered", "streaming"}, Body: "rows=20000&per=1000&pad=200&delay=50ms", Memory: true},
			Claim: &Claim{Kind: ClaimHeapMore, Than: 2, Says: "The buffered server heap grows ≥ 10× more."},
			Notes: "About 4 MiB of rows. Server heap growth and the page's memory are the figures on the right. The buffered run is read as response.arrayBuffer() would.",
		},
		{
			Title: "Pitfall: streaming without Flush",
			Lines: []string{"Written, never flushed: Go's buffers coalesce the rows.", "A small body leaves in one piece at the end."},
			View:  View{Scenarios: []string{"no-flush", "streaming"}, Body: slow},
			Claim: &Claim{Kind: ClaimOnePiece, Says: "Never flushed: one piece, at the end."},
			Notes: "2 KB then 4 KB of buffering. With 20 rows the whole body fits, so it gets a Content-Length and arrives at the end.",
		},
		{
			Title: "Pitfall: gzip that buffers",
			Lines: []string{"A compressing middleware that waits for the whole body.", "Flush the gzip writer, then the response."},
			View:  View{Scenarios: []string{"gzip-buffered", "gzip-streaming"}, Body: slow},
			Claim: &Claim{Kind: ClaimEarlier, Lane: 2, Than: 1, Says: "Flushed gzip: first byte ≥ 10× earlier."},
			Notes: "Django's GZipMiddleware compresses a streaming response as a stream; many others do not.",
		},
		{
			Title: "Pitfall: proxies and nginx",
			Lines: []string{"A proxy may hold what it copies until the body ends.", "nginx: proxy_buffering off, or X-Accel-Buffering: no."},
			View:  View{Scenarios: []string{"proxy-length", "proxy-flush"}, Body: slow},
			Claim: &Claim{Kind: ClaimEarlier, Lane: 2, Than: 1, Says: "Flushing proxy: first byte ≥ 10× earlier."},
			Notes: "The seed's nginx.conf sets proxy_buffering off. Here Go's ReverseProxy: by default it does not flush a body with a length; FlushInterval -1 does. The next step puts the seed's nginx in front of Gunicorn.",
		},
		{
			Title: "The seed's nginx: stock, then buffering off",
			Lines: []string{"The same Gunicorn behind nginx, twice.", "Stock settings hold a small export to the end;", "proxy_buffering off lets each row through."},
			View: View{Upstreams: []Upstream{{Label: "nginx stock", URL: labNginxStock + djangoStreaming}, {Label: "nginx buf off", URL: labNginxBufOff + djangoStreaming}},
				Body: slow},
			Claim: &Claim{Kind: ClaimEarlier, Lane: 2, Than: 1, Says: "proxy_buffering off: first byte ≥ 10× earlier."},
			Notes: "Stock nginx proxies with proxy_http_version 1.0 and buffering on: it releases 4 KiB pieces, so 20 rows arrive at the end, headers included. The seed's nginx.conf sets proxy_buffering off; X-Accel-Buffering: no or proxy_http_version 1.1 work too (docs/lab.md)." + labNotes,
		},
		{
			Title: "Pitfall: a wrapper that hides Flush",
			Lines: []string{"A logging middleware without Flush: nothing is flushed.", "Pass Flush on, and Unwrap: it streams again."},
			View:  View{Scenarios: []string{"hidden-flush", "fixed-flush"}, Body: slow},
			Claim: &Claim{Kind: ClaimEarlier, Lane: 2, Than: 1, Says: "Flush passed on: first byte ≥ 10× earlier."},
			Notes: "The w.(http.Flusher) check fails silently. http.NewResponseController walks Unwrap chains.",
		},
		{
			Title: "HTTP/2: DATA frames, no chunks",
			Lines: []string{"No Transfer-Encoding at all in HTTP/2.", "Each flush sends a DATA frame: it still streams."},
			View:  View{Scenarios: []string{"http2"}, Body: slow},
			Claim: &Claim{Kind: ClaimFrames, Says: "HTTP/2: ≥ 10 DATA frames, no chunks."},
			Notes: "Cleartext h2c by the server's probe. The end of the body is a flag on the last frame.",
		},
		{
			Title: "So: stream when the client can use it early",
			Lines: []string{"Same total time; the first byte ≥ 10× earlier.", "No Content-Length, flush, and check every hop."},
			View:  View{Scenarios: []string{"buffered", "streaming"}, Body: slow},
			Claim: &Claim{Kind: ClaimEarlier, Lane: 2, Than: 1, Says: "Streaming's first byte ≥ 10× earlier."},
			Notes: "Both from their request's start: the first bytes are far apart, the ends together. Questions: r replays the recorded runs if the live ones misbehave.",
		},
	},
}
