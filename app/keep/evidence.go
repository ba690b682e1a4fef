package keep

import "errors"

// decodeEvidence reads the files other tools write that are not a HAR or
// one of chunkscope's own: a Chrome NetLog (netlog.go) and a curl trace
// (curltrace.go); and the files it knows the look of but cannot read, each
// refused in a sentence that names it (devtools.go). ok is false for any
// other file.
func decodeEvidence(data []byte) (l Loaded, err error, ok bool) {
	switch {
	case IsNetLog(data):
		l, err = DecodeNetLog(data)
		return l, err, true
	case IsCurlTrace(data):
		l, err = DecodeCurlTrace(data)
		return l, err, true
	}
	if what := foreign(data); what != "" {
		return Loaded{}, errors.New(what), true
	}
	return Loaded{}, nil, false
}
