package ingest

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Reject is a row that was not loaded: the line where its record starts, the
// column (a header name, or "field N" for a value beyond the header), the
// value (clipped to 80 characters, valid UTF-8; never a staff id) and why.
type Reject struct {
	Line   int
	Column string
	Value  string
	Reason string
	// The district-year of the row when the record told it (a known
	// district and a valid school year), so a load can keep that
	// district-year's old rows: zero otherwise.
	SchoolYear uint16
	StateCode  string
	LeaID      string
}

func (r Reject) Error() string {
	if r.Value == "" {
		return fmt.Sprintf("line %d, column %s: %s", r.Line, r.Column, r.Reason)
	}
	return fmt.Sprintf("line %d, column %s: %q: %s", r.Line, r.Column, r.Value, r.Reason)
}

// maxValueRunes is the longest Value a Reject carries.
const maxValueRunes = 80

// clipValue makes b safe to show: invalid UTF-8 becomes U+FFFD, at most 80
// characters.
func clipValue(b []byte) string {
	s := string(b)
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if utf8.RuneCountInString(s) <= maxValueRunes {
		return s
	}
	n := 0
	for i := range s {
		if n == maxValueRunes {
			return s[:i]
		}
		n++
	}
	return s
}

// RejectWriter writes a reject report: a CSV file with the header
// line,column,value,reason and one record per Reject, streamed.
type RejectWriter struct {
	w *csv.Writer
}

// NewRejectWriter starts a reject report on w with its header.
func NewRejectWriter(w io.Writer) (*RejectWriter, error) {
	rw := &RejectWriter{w: csv.NewWriter(w)}
	return rw, rw.w.Write([]string{"line", "column", "value", "reason"})
}

// Write adds a Reject to the report. A value a spreadsheet would read as a
// formula (starting with = + - @) is written after a ' so it stays text.
func (rw *RejectWriter) Write(r *Reject) error {
	v := r.Value
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		v = "'" + v
	}
	return rw.w.Write([]string{strconv.Itoa(r.Line), r.Column, v, r.Reason})
}

// Flush writes what is buffered and returns the first error of any Write.
func (rw *RejectWriter) Flush() error {
	rw.w.Flush()
	return rw.w.Error()
}
