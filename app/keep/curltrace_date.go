package keep

import (
	"strings"

	"chunkscope/app/record"
)

// NoDateYear starts the startedAt of a run whose file gave a time of day
// and no date (a curl trace: --trace-time prints the local time of day
// only): curlDate writes its day as 0000-01-DD, year 0 of ISO 8601, which
// no recording can have.
const NoDateYear = "0000-"

// NoDate says whether a run's startedAt is a time of day only, with no
// date (a curl trace's): its date must not be shown, and its time is the
// recording machine's local time, not UTC.
func NoDate(r *record.Run) bool { return strings.HasPrefix(r.StartedAt, NoDateYear) }

// NoDateWords says so where a date would be shown.
const NoDateWords = "time of day only (curl traces carry no date)"

// noDateComment is a HAR entry's comment for a run without a date: its
// startedDateTime must be a date, and the one written says nothing true.
const noDateComment = "chunkscope: this request's source (a curl --trace-time trace) gives only the local time of day, no date and no time zone: " +
	"startedDateTime is that time of day on 0000-01-01 (year 0 of ISO 8601, a valid date no recording has), written as UTC; only the times between entries are true."

// harComment is the comment of r's HAR entry: "" unless r has no date.
func harComment(r *record.Run) string {
	if NoDate(r) {
		return noDateComment
	}
	return ""
}
