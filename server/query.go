package server

import (
	"fmt"
	"net/url"
)

// parseQuery is url.ParseQuery with a message fit for a 400: net/http would
// otherwise drop a malformed pair silently, and a silent default is a lie.
func parseQuery(raw string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fmt.Errorf("query: %v", err)
	}
	return q, nil
}
