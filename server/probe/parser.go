package probe

import "chunkscope/app/wire/h1"

// The HTTP/1.x parser lives in app/wire/h1, so the page reads the chunk
// framing of a recorded NetLog or curl trace with the probe's own parser.
// These names keep the probe's API as it was.
type (
	Parser  = h1.Parser
	Summary = h1.Summary
)

// NewParser returns a Parser for the response to a request with the given
// method (h1.NewParser).
func NewParser(method string) *Parser { return h1.NewParser(method) }

const (
	KindRead       = h1.KindRead
	KindStatus     = h1.KindStatus
	KindHeader     = h1.KindHeader
	KindHeadersEnd = h1.KindHeadersEnd
	KindChunkSize  = h1.KindChunkSize
	KindChunkData  = h1.KindChunkData
	KindLastChunk  = h1.KindLastChunk
	KindTrailer    = h1.KindTrailer
	KindBody       = h1.KindBody
	KindEnd        = h1.KindEnd
	KindClose      = h1.KindClose
	KindError      = h1.KindError

	FramingChunked       = h1.FramingChunked
	FramingContentLength = h1.FramingContentLength
	FramingClose         = h1.FramingClose
	FramingNone          = h1.FramingNone

	MaxLine        = h1.MaxLine
	MaxHeaderBytes = h1.MaxHeaderBytes
)

// The parser's field rules and limits, shared by the HTTP/2 reader.
const maxInterim = h1.MaxInterim

var (
	isToken       = h1.IsToken
	badByte       = h1.BadByte
	clip          = h1.Clip
	contentLength = h1.ContentLength
)
