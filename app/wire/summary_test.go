//go:build !js

package wire_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"chunkscope/app/wire"
	"chunkscope/server/probe"
)

// jsonNames lists a struct's JSON field names, embedded structs flattened.
func jsonNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, jsonNames(f.Type)...)
			continue
		}
		out = append(out, f.Tag.Get("json"))
	}
	slices.Sort(out)
	return out
}

// TestSummaryIsWhatTheProbeSends: /wire sends probe.Result as its summary,
// with the request headers it had the probe send ("request"); the page
// decodes it as wire.Summary. The probe keeps net/http's Header (its parser
// needs its methods), which this package must not import, so the two types
// are kept equal here, name for name.
func TestSummaryIsWhatTheProbeSends(t *testing.T) {
	got, want := jsonNames(reflect.TypeOf(wire.Summary{})), append(jsonNames(reflect.TypeOf(probe.Result{})), "request,omitempty")
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("wire.Summary's JSON fields\n %s\nprobe.Result's\n %s", strings.Join(got, " "), strings.Join(want, " "))
	}
	var e probe.Event = wire.Event{} // one type, aliased
	_ = e
}
