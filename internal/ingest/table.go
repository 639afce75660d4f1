package ingest

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
)

// fileSpec describes one kind of file for its header check and messages.
type fileSpec struct {
	what     string   // "staffing file", in messages
	known    []string // columns it may have
	ignored  []string // columns it may have that are never read
	expected string   // a header to show in messages
}

// personColumns may be present in files about people (HR and membership
// exports carry them) and are never read.
var personColumns = []string{"first_name", "middle_name", "last_name", "full_name", "name", "email"}

// table is what every reader shares: the records of one file under its
// checked header, the reader's fatal error, and what a Reject may show.
type table struct {
	spec   *fileSpec
	c      *csvReader
	h      *header
	used   []int // columns whose values are read, in header order
	hidden int   // column whose values a Reject never shows (staff ids), -1 for none
	err    error // the fatal error that ended reading
	// dy is the current record's district-year, once the reader knows it.
	dy struct {
		year       uint16
		state, lea string
	}
}

// districtYear records the current record's district-year for its Reject,
// when the district is known.
func (t *table) districtYear(dir Directory, year uint16, lea string) {
	if state, ok := dir.District(lea); ok && year != 0 {
		t.dy.year, t.dy.state, t.dy.lea = year, state, lea
	}
}

// openTable reads and checks the header of a file.
func openTable(r io.Reader, spec *fileSpec) (*table, error) {
	c := newCSVReader(r, spec.what)
	h, err := readHeader(c, spec)
	if err != nil {
		return nil, err
	}
	c.want = len(h.names)
	t := &table{spec: spec, c: c, h: h, hidden: -1}
	for i, n := range h.names {
		if !slices.Contains(spec.ignored, n) {
			t.used = append(t.used, i)
		}
	}
	return t, nil
}

// require returns an error naming the required columns the header lacks.
func (t *table) require(cols ...string) error {
	return missingColumns(t.h, t.spec, cols...)
}

// notBoth returns an error when the file has columns of two alternatives:
// a (aWhat) and b (bWhat).
func (t *table) notBoth(a []string, aWhat string, b []string, bWhat string) error {
	if t.hasAny(a...) && t.hasAny(b...) {
		return invalidf("%s: give either %s (%s) or %s (%s), not both; see docs/formats.md",
			t.spec.what, strings.Join(a, " and "), aWhat, strings.Join(b, " and "), bWhat)
	}
	return nil
}

// hasAny reports whether the file has one of the columns.
func (t *table) hasAny(cols ...string) bool {
	return slices.ContainsFunc(cols, t.has)
}

// has reports whether the file has the column.
func (t *table) has(col string) bool { return t.h.has(col) }

// get returns the current record's value of col, trimmed ("" when the file
// has no such column).
func (t *table) get(col string) string {
	i := t.h.col(col)
	if i < 0 {
		return ""
	}
	return string(t.c.field(i))
}

// line is the line where the current record starts.
func (t *table) line() int { return t.c.start }

// next reads the next record that is not blank (lines of only commas and
// spaces are skipped, as spreadsheets write them) and checks its shape. It
// returns a problem with the record as a whole, or an error: io.EOF at the
// end, or the fatal error that ended reading (again on every later call).
func (t *table) next() (*bad, error) {
	if t.err != nil {
		return nil, t.err
	}
	t.dy.year, t.dy.state, t.dy.lea = 0, "", ""
	for {
		if err := t.c.read(); err != nil {
			t.err = err
			return nil, err
		}
		if t.c.bad != nil || !t.blank() {
			return t.check(), nil
		}
	}
}

// blank reports whether every value of the current record is empty.
func (t *table) blank() bool {
	for i := range t.c.nfields() {
		if len(t.c.field(i)) > 0 {
			return false
		}
	}
	return true
}

// check finds problems with the current record as a whole: CSV syntax, a
// number of values other than the header's, bytes that are not UTF-8.
func (t *table) check() *bad {
	c, h := t.c, t.h
	if c.bad != nil {
		return badRecord(h.columnName(c.bad.field), c.bad.reason)
	}
	if n := c.nfields(); n != len(h.names) {
		why := fmt.Sprintf("the record has %d values, the header has %d", n, len(h.names))
		return badRecord(h.columnName(min(n, len(h.names))), why)
	}
	for _, i := range t.used {
		if !utf8.Valid(c.field(i)) {
			return badValue(h.names[i], "not valid UTF-8 (save the file as UTF-8)")
		}
	}
	return nil
}

// reject turns a problem with the current record into a Reject, with the
// value it is about unless that is a staff id.
func (t *table) reject(b *bad) *Reject {
	r := &Reject{Line: t.c.start, Column: b.col, Reason: b.reason, SchoolYear: t.dy.year, StateCode: t.dy.state, LeaID: t.dy.lea}
	if i := t.h.col(b.col); i >= 0 && i != t.hidden && !b.noValue && i < t.c.nfields() {
		r.Value = clipValue(t.c.field(i))
	}
	return r
}

// nextRow reads the next record and parses it with parse: exactly one of a
// row, a reject or an error (io.EOF at the end, or the fatal error that
// ended reading) is set.
func nextRow[T any](t *table, parse func() (T, *bad)) (T, *Reject, error) {
	var zero T
	b, err := t.next()
	if err != nil {
		return zero, nil, err
	}
	if b == nil {
		var row T
		if row, b = parse(); b == nil {
			return row, nil, nil
		}
	}
	return zero, t.reject(b), nil
}
