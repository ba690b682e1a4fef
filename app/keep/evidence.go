package keep

// decodeEvidence reads the files other tools write that are not a HAR or
// one of chunkscope's own: a Chrome NetLog (netlog.go) and a curl trace
// (curltrace.go). ok is false for any other file.
func decodeEvidence(data []byte) (l Loaded, err error, ok bool) {
	switch {
	case IsNetLog(data):
		l, err = DecodeNetLog(data)
		return l, err, true
	case IsCurlTrace(data):
		l, err = DecodeCurlTrace(data)
		return l, err, true
	}
	return Loaded{}, nil, false
}
