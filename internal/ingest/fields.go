package ingest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Directory answers whether district and school ids exist (the CLI backs it
// with the warehouse's districts and schools).
type Directory interface {
	District(leaID string) (stateCode string, ok bool)
	School(schoolID string) (leaID, stateCode string, ok bool)
}

// Columns several files share.
const (
	colYear   = "school_year"
	colLEA    = "lea_id"
	colSchool = "school_id"
	colTitle  = "title"
	colRole   = "role_code"
	colMember = "member_id"
)

// School years accepted (named by their fall year).
const (
	minYear = 1990
	maxYear = 2100
)

// Dates accepted (member and event dates).
var (
	minDate = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)
)

// bad is a problem with one record: the column it is in and why. noValue
// says the Reject shows no value (the problem is with the record, not with
// the value in that column).
type bad struct {
	col, reason string
	noValue     bool
}

// badValue is a problem with the value in col.
func badValue(col, reason string) *bad { return &bad{col: col, reason: reason} }

// badRecord is a problem with the record as a whole, found at col.
func badRecord(col, reason string) *bad { return &bad{col: col, reason: reason, noValue: true} }

func allDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseYear reads a school year: 2023, 2023-24 or 2023-2024 (all 2023-24).
func parseYear(s string) (uint16, string) {
	const why = "school_year must be a fall year from 1990 to 2100 (2023 or 2023-24 for 2023-24)"
	first, second, two := strings.Cut(s, "-")
	if !allDigits(first, 4) {
		return 0, why
	}
	y, _ := strconv.Atoi(first)
	if two {
		ok := allDigits(second, 2) && second == strconv.Itoa(y + 1)[2:] ||
			allDigits(second, 4) && second == strconv.Itoa(y+1)
		if !ok {
			return 0, why
		}
	}
	if y < minYear || y > maxYear {
		return 0, why
	}
	return uint16(y), ""
}

// YearWindow is the school years a load accepts. A year outside it is
// refused with its reason: a row for 1990 or 2100 is a typo or a test
// row, and one such row would stretch every series over a century. The
// zero value means DefaultYearWindow of the current date.
type YearWindow struct{ First, Last uint16 }

// Default window: this many school years back from the current one, and
// one ahead (a district may load next year's assignments in the summer).
const (
	yearsBack  = 30
	yearsAhead = 1
)

// DefaultYearWindow is the window around the school year of now (a school
// year starts on July 1).
func DefaultYearWindow(now time.Time) YearWindow {
	cur := now.Year()
	if now.Month() < time.July {
		cur--
	}
	return YearWindow{First: uint16(cur - yearsBack), Last: uint16(cur + yearsAhead)}
}

// ParseYearWindow reads FIRST-LAST (fall years, 2000-2030).
func ParseYearWindow(s string) (YearWindow, error) {
	a, b, ok := strings.Cut(s, "-")
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	if !ok || errA != nil || errB != nil || !allDigits(a, 4) || !allDigits(b, 4) || x < minYear || y > maxYear || x > y {
		return YearWindow{}, invalidf("years %q: want FIRST-LAST, fall years from %d to %d (e.g. 2000-2030)", s, minYear, maxYear)
	}
	return YearWindow{First: uint16(x), Last: uint16(y)}, nil
}

func (w YearWindow) orDefault() YearWindow {
	if w.First == 0 && w.Last == 0 {
		return DefaultYearWindow(time.Now())
	}
	return w
}

// why says why y is refused ("" when it is accepted).
func (w YearWindow) why(y uint16) string {
	if w = w.orDefault(); y >= w.First && y <= w.Last {
		return ""
	}
	return fmt.Sprintf("school_year %d is outside the years this load accepts, %d to %d (camino load --years FIRST-LAST widens it)",
		y, w.First, w.Last)
}

// checkYearOption checks a reader's default school year (0: none).
func checkYearOption(y uint16, w YearWindow) error {
	if y != 0 && (y < minYear || y > maxYear) {
		return invalidf("school year %d: want a fall year from %d to %d", y, minYear, maxYear)
	}
	if why := w.why(y); y != 0 && why != "" {
		return invalidf("%s", why)
	}
	return nil
}

// schoolYear reads the school_year column, or returns def when the file
// has none.
func (t *table) schoolYear(def uint16, w YearWindow) (uint16, *bad) {
	if !t.has(colYear) {
		return def, nil
	}
	y, why := parseYear(t.get(colYear))
	if why == "" {
		why = w.why(y)
	}
	if why != "" {
		return 0, badValue(colYear, why)
	}
	return y, nil
}

// place checks lea_id and school_id (school may be empty when allowed)
// against the directory and returns the state code.
func place(dir Directory, lea, school string) (state string, b *bad) {
	if !allDigits(lea, 7) {
		return "", badValue(colLEA, "lea_id must be a 7-digit NCES district (LEA) id")
	}
	state, ok := dir.District(lea)
	if !ok {
		return "", badValue(colLEA, "unknown district: not among the warehouse's districts")
	}
	if school == "" {
		return state, nil
	}
	if !allDigits(school, 12) {
		return "", badValue(colSchool, "school_id must be a 12-digit NCES school id")
	}
	schoolLEA, _, ok := dir.School(school)
	if !ok {
		return "", badValue(colSchool, "unknown school: not among the warehouse's schools")
	}
	if schoolLEA != lea {
		return "", badValue(colSchool, "school belongs to district "+schoolLEA+", not to lea_id "+lea)
	}
	return state, nil
}

// date reads an ISO date (YYYY-MM-DD) from col; blank is the zero time when
// optional.
func (t *table) date(col string, optional bool) (time.Time, *bad) {
	s := t.get(col)
	if s == "" && optional {
		return time.Time{}, nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || d.Before(minDate) || d.After(maxDate) {
		return time.Time{}, badValue(col, col+" must be a date YYYY-MM-DD from 1990-01-01 to 2100-12-31")
	}
	return d, nil
}

// maxMemberID is the longest member_id accepted.
const maxMemberID = 64

// memberID reads the member_id column: 1 to 64 of A-Z a-z 0-9 _ . -
func (t *table) memberID() (string, *bad) {
	s := t.get(colMember)
	ok := s != "" && len(s) <= maxMemberID
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
	}
	if !ok {
		return "", badValue(colMember, fmt.Sprintf("member_id must be 1 to %d of the characters A-Z a-z 0-9 _ . -", maxMemberID))
	}
	return s, nil
}

// text reads a free-text column: runs of spaces, tabs and line breaks become
// one space; other control characters are refused, and so is text longer
// than maxRunes.
func (t *table) text(col string, maxRunes int) (string, *bad) {
	s := t.get(col)
	if strings.ContainsFunc(s, unicode.IsSpace) {
		s = strings.Join(strings.Fields(s), " ")
	}
	switch {
	case strings.ContainsFunc(s, unicode.IsControl):
		return "", badValue(col, col+" contains control characters")
	case utf8.RuneCountInString(s) > maxRunes:
		return "", badValue(col, fmt.Sprintf("%s is longer than %d characters", col, maxRunes))
	}
	return s, nil
}

// code normalises a code value the way header names are: case, surrounding
// spaces, spaces and hyphens inside ("Mentorship Started" →
// mentorship_started).
func code(s string) string { return normColumn([]byte(s)) }
