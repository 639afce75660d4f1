package ingest

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
)

// StaffRow is one validated row of a staffing file: one person in one post
// in one school year. It holds no staff id and no name.
type StaffRow struct {
	SchoolYear     uint16
	StateCode      string
	LeaID          string
	SchoolID       string // "" for district and state posts
	StaffKey       uint64
	RoleCode       string
	Title          string
	Ethnicity      string // derived reporting category
	Gender         string // female|male|nonbinary|unknown
	FTE            float32
	HispanicAnswer string   // yes|no|unknown
	RaceAnswers    []string // shared between rows: do not modify
}

// Values returns the row in warehouse.StaffAssignmentsColumns order, with
// batchID and loadedAt.
func (r StaffRow) Values(batchID string, loadedAt time.Time) []any {
	race := r.RaceAnswers
	if race == nil {
		race = []string{}
	}
	return []any{r.SchoolYear, r.StateCode, r.LeaID, r.SchoolID, r.StaffKey, r.RoleCode, r.Ethnicity, r.Gender,
		r.FTE, r.HispanicAnswer, race, r.Title, batchID, loadedAt}
}

// StaffingOptions configure a StaffingReader.
type StaffingOptions struct {
	// SchoolYear is used when the file has no school_year column; 0 means
	// the column is required.
	SchoolYear uint16
	// Years are the school years accepted (zero: DefaultYearWindow).
	Years YearWindow
	// Key is the staff-key secret (configuration), at least MinKeyBytes;
	// needed only when the file has staff_id (an export's staff_key is
	// taken as it is).
	Key []byte
	// Titles maps titles to roles; nil means DefaultTitles().
	Titles *TitleMap
	// Directory checks district and school ids; required.
	Directory Directory
}

// Staffing file columns of its own.
const (
	colFTE      = "fte"
	colGender   = "gender"
	colHispanic = "hispanic_latino"
	colRace     = "race"
	colEth2024  = "ethnicity_2024"
)

// staffingFile is the staffing file's format.
var staffingFile = &fileSpec{
	what: "staffing file",
	known: []string{colYear, colLEA, colSchool, colStaffID, colStaffKey, colTitle, colRole, colFTE, colGender,
		colHispanic, colRace, colEth2024},
	ignored: personColumns,
	expected: "school_year,lea_id,school_id,staff_id,title,fte,gender,hispanic_latino,race " +
		"(staff_key in place of staff_id in an export; ethnicity_2024 in place of hispanic_latino,race)",
}

// StaffingReader reads a staffing CSV file row by row, in bounded memory.
type StaffingReader struct {
	t      *table
	opt    StaffingOptions
	titles *TitleMap
	staff  *staffIdentity
	dups   dedup
}

// NewStaffingReader reads and checks the header of a staffing file. A wrong
// header, delimiter or encoding is an apperr.Invalid error naming what is
// wrong and what is expected.
func NewStaffingReader(r io.Reader, opt StaffingOptions) (*StaffingReader, error) {
	if opt.Directory == nil {
		return nil, apperr.Errorf(apperr.Internal, "ingest: StaffingOptions.Directory is nil")
	}
	if err := checkYearOption(opt.SchoolYear, opt.Years); err != nil {
		return nil, err
	}
	t, err := openTable(r, staffingFile)
	if err != nil {
		return nil, err
	}
	err = t.notBoth([]string{colHispanic, colRace}, "the two-question standard",
		[]string{colEth2024}, "the 2024 combined question")
	if err != nil {
		return nil, err
	}
	if err := t.require(staffingRequired(t, opt.SchoolYear == 0)...); err != nil {
		return nil, err
	}
	staff, err := newStaffIdentity(t, opt.Key, false)
	if err != nil {
		return nil, err
	}
	s := &StaffingReader{t: t, opt: opt, titles: opt.Titles, staff: staff, dups: newDedup()}
	if s.titles == nil {
		s.titles = DefaultTitles()
	}
	return s, nil
}

// staffingRequired lists the columns a staffing file must have, given the
// ones it has: a column of each pair of alternatives.
func staffingRequired(t *table, needYear bool) []string {
	var req []string
	if needYear {
		req = append(req, colYear)
	}
	req = append(req, colLEA, colSchool)
	if !t.has(colStaffID) && !t.has(colStaffKey) {
		req = append(req, "staff_id (or staff_key)")
	}
	if !t.has(colRole) {
		req = append(req, colTitle)
	}
	switch {
	case t.hasAny(colHispanic, colRace):
		req = append(req, colHispanic, colRace)
	case !t.has(colEth2024):
		req = append(req, "hispanic_latino and race, or ethnicity_2024")
	}
	return req
}

// Line returns the line where the last record read starts.
func (s *StaffingReader) Line() int { return s.t.line() }

// Next returns the next row, or a reject for a row that cannot be loaded,
// or an error: io.EOF at the end, or a fatal problem (a record longer than
// 64 KiB, a read error) after which the reader stops. Exactly one of the
// three is set.
func (s *StaffingReader) Next() (StaffRow, *Reject, error) {
	return nextRow(s.t, s.parse)
}

// parse validates the current record.
func (s *StaffingReader) parse() (StaffRow, *bad) {
	t := s.t
	var r StaffRow
	var b *bad
	if r.SchoolYear, b = t.schoolYear(s.opt.SchoolYear, s.opt.Years); b != nil {
		return r, b
	}
	r.LeaID, r.SchoolID = t.get(colLEA), t.get(colSchool)
	t.districtYear(s.opt.Directory, r.SchoolYear, r.LeaID)
	if r.StateCode, b = place(s.opt.Directory, r.LeaID, r.SchoolID); b != nil {
		return r, b
	}
	if r.StaffKey, b = s.staff.key(t, r.StateCode, r.LeaID); b != nil {
		return r, b
	}
	if r.RoleCode, r.Title, b = t.role(s.titles, true); b != nil {
		return r, b
	}
	if b = checkPost(r.RoleCode, r.Title, r.SchoolID); b != nil {
		return r, b
	}
	if r.FTE, b = s.fte(); b != nil {
		return r, b
	}
	var ok bool
	if r.Gender, ok = parseGender(t.get(colGender)); !ok {
		return r, badValue(colGender, "gender must be female, male, nonbinary or unknown (or F, M, X, blank)")
	}
	e, b := s.ethnicity()
	if b != nil {
		return r, b
	}
	r.Ethnicity, r.HispanicAnswer, r.RaceAnswers = e.category, e.hispanic, raceSlices[e.races]
	key := struct {
		year   uint16
		staff  uint64
		school string
		role   string
	}{r.SchoolYear, r.StaffKey, r.SchoolID, r.RoleCode}
	if !firstSeen(&s.dups, key) {
		return r, badRecord(s.staff.col, "duplicate row: an earlier line has the same school_year, "+s.staff.col+
			", school_id and role")
	}
	return r, nil
}

// checkPost checks that a school post has a school_id and a district or
// state post has none.
func checkPost(role, title, school string) *bad {
	label := role
	if title != "" {
		label = "title " + quoteClip(title)
	}
	switch tier := roleTier[role]; {
	case tier == tierSchool && school == "":
		return badValue(colSchool, label+" is a school post ("+role+"): school_id is required")
	case tier != tierSchool && school != "":
		return badValue(colSchool, label+" is a district or state post ("+role+"): school_id must be empty")
	}
	return nil
}

// fte reads the fte column (1 when the file has none).
func (s *StaffingReader) fte() (float32, *bad) {
	if !s.t.has(colFTE) {
		return 1, nil
	}
	f, err := strconv.ParseFloat(s.t.get(colFTE), 32)
	if err != nil || !(f > 0 && f <= 1.5) {
		return 0, badValue(colFTE, "fte must be a number above 0 and at most 1.5 (the share of full time: 1 = full time)")
	}
	return float32(f), nil
}

// ethnicity reads the ethnicity answers of the current record, in the
// standard the file uses.
func (s *StaffingReader) ethnicity() (ethnicity, *bad) {
	var e ethnicity
	var col, why string
	if s.t.has(colEth2024) {
		e, col, why = from2024(s.t.get(colEth2024))
	} else {
		e, col, why = from1997(s.t.get(colHispanic), s.t.get(colRace))
	}
	if why != "" {
		return e, badValue(col, why)
	}
	return e, nil
}

// parseGender reads a gender value.
func parseGender(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "female", "f":
		return "female", true
	case "male", "m":
		return "male", true
	case "nonbinary", "non-binary", "x":
		return "nonbinary", true
	case "", "unknown", "u":
		return "unknown", true
	}
	return "", false
}
