package ingest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
)

// EnrollmentRow is one validated row of an enrollment file: the students of
// one school, year, ethnicity and English-learner status.
type EnrollmentRow struct {
	SchoolYear uint16
	StateCode  string
	LeaID      string
	SchoolID   string
	Ethnicity  string
	ELL        uint8
	Students   uint32
}

// Values returns the row in warehouse.EnrollmentColumns order, with batchID
// and loadedAt.
func (r EnrollmentRow) Values(batchID string, loadedAt time.Time) []any {
	return []any{r.SchoolYear, r.StateCode, r.LeaID, r.SchoolID, r.Ethnicity, r.ELL, r.Students, batchID, loadedAt}
}

// EnrollmentOptions configure an EnrollmentReader.
type EnrollmentOptions struct {
	// SchoolYear is used when the file has no school_year column; 0 means
	// the column is required.
	SchoolYear uint16
	// Years are the school years accepted (zero: DefaultYearWindow).
	Years YearWindow
	// Directory checks district and school ids; required.
	Directory Directory
}

// Enrollment file columns of its own.
const (
	colEthnicity = "ethnicity"
	colELL       = "ell"
	colStudents  = "students"
	// maxStudents bounds one cell (the largest US school has ≈ 15,000).
	maxStudents = 100000
)

// enrollmentFile is the enrollment file's format.
var enrollmentFile = &fileSpec{
	what:     "enrollment file",
	known:    []string{colYear, colLEA, colSchool, colEthnicity, colELL, colStudents},
	expected: "school_year,lea_id,school_id,ethnicity,ell,students",
}

// EnrollmentReader reads an enrollment CSV file row by row, in bounded
// memory.
type EnrollmentReader struct {
	t    *table
	opt  EnrollmentOptions
	dups dedup
}

// NewEnrollmentReader reads and checks the header of an enrollment file. A
// wrong header, delimiter or encoding is an apperr.Invalid error naming what
// is wrong and what is expected.
func NewEnrollmentReader(r io.Reader, opt EnrollmentOptions) (*EnrollmentReader, error) {
	if opt.Directory == nil {
		return nil, apperr.Errorf(apperr.Internal, "ingest: EnrollmentOptions.Directory is nil")
	}
	if err := checkYearOption(opt.SchoolYear, opt.Years); err != nil {
		return nil, err
	}
	t, err := openTable(r, enrollmentFile)
	if err != nil {
		return nil, err
	}
	required := []string{colLEA, colSchool, colEthnicity, colELL, colStudents}
	if opt.SchoolYear == 0 {
		required = append([]string{colYear}, required...)
	}
	if err := t.require(required...); err != nil {
		return nil, err
	}
	return &EnrollmentReader{t: t, opt: opt, dups: newDedup()}, nil
}

// Line returns the line where the last record read starts.
func (e *EnrollmentReader) Line() int { return e.t.line() }

// Next returns the next row, or a reject, or an error (io.EOF at the end,
// or a fatal problem after which the reader stops); exactly one of the
// three is set.
func (e *EnrollmentReader) Next() (EnrollmentRow, *Reject, error) {
	return nextRow(e.t, e.parse)
}

// parse validates the current record.
func (e *EnrollmentReader) parse() (EnrollmentRow, *bad) {
	t := e.t
	var r EnrollmentRow
	var b *bad
	if r.SchoolYear, b = t.schoolYear(e.opt.SchoolYear, e.opt.Years); b != nil {
		return r, b
	}
	r.LeaID, r.SchoolID = t.get(colLEA), t.get(colSchool)
	t.districtYear(e.opt.Directory, r.SchoolYear, r.LeaID)
	if r.SchoolID == "" {
		return r, badValue(colSchool, "school_id is required (enrollment is counted by school)")
	}
	if r.StateCode, b = place(e.opt.Directory, r.LeaID, r.SchoolID); b != nil {
		return r, b
	}
	var why string
	if r.Ethnicity, why = enrollmentCategory(t.get(colEthnicity)); why != "" {
		return r, badValue(colEthnicity, why)
	}
	switch strings.ToLower(t.get(colELL)) {
	case "1", "y", "yes", "true":
		r.ELL = 1
	case "0", "n", "no", "false":
		r.ELL = 0
	default:
		return r, badValue(colELL, "ell must be 1 (English learners) or 0 (the other students)")
	}
	n, err := strconv.ParseUint(t.get(colStudents), 10, 32)
	if err != nil || n >= maxStudents {
		return r, badValue(colStudents, fmt.Sprintf("students must be a whole number from 0 to %d", maxStudents-1))
	}
	r.Students = uint32(n)
	key := struct {
		year   uint16
		school string
		eth    string
		ell    uint8
	}{r.SchoolYear, r.SchoolID, r.Ethnicity, r.ELL}
	if !firstSeen(&e.dups, key) {
		return r, badValue(colEthnicity, "duplicate row: an earlier line has the same school_year, school_id, ethnicity and ell")
	}
	return r, nil
}
