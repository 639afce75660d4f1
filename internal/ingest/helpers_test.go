package ingest

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
)

// testDir is the Directory of the tests: a few Utah districts (a regular
// one, a second one, a charter LEA, the state agency) and one in Arizona.
type testDir struct{}

var (
	testDistricts = map[string]string{"4900030": "UT", "4900060": "UT", "4900120": "UT", "4999999": "UT", "0400001": "AZ"}
	testSchools   = map[string]string{
		"490003000001": "4900030", "490003000002": "4900030",
		"490006000010": "4900060",
		"490012000500": "4900120",
		"040000100001": "0400001",
	}
)

func (testDir) District(lea string) (string, bool) {
	s, ok := testDistricts[lea]
	return s, ok
}

func (testDir) School(school string) (string, string, bool) {
	lea, ok := testSchools[school]
	return lea, testDistricts[lea], ok
}

// testTime is the loaded_at of the tests.
var testTime = time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)

// testKey is the staff-key secret of the tests.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// want is an expected Reject: Reason is a substring of the real reason;
// Value is compared only when set.
type want struct {
	Line   int
	Column string
	Reason string
	Value  string
}

// collect reads every row and reject until io.EOF or a fatal error
// (returned), checking that Next sets exactly one of its results.
func collect[T any](t *testing.T, next func() (T, *Reject, error)) (rows []T, rejects []Reject, err error) {
	t.Helper()
	for range 10_000_000 {
		row, rej, err := next()
		switch {
		case err != nil && rej != nil:
			t.Fatalf("Next returned both a reject and an error")
		case err == io.EOF:
			return rows, rejects, nil
		case err != nil:
			return rows, rejects, err
		case rej != nil:
			if v := reflect.ValueOf(row); v.IsValid() && !v.IsZero() {
				t.Errorf("Next returned a row with a reject: %+v", row)
			}
			rejects = append(rejects, *rej)
		default:
			rows = append(rows, row)
		}
	}
	t.Fatal("Next never returned io.EOF")
	return nil, nil, nil
}

// checkRejects compares rejects with the expected ones, in order.
func checkRejects(t *testing.T, got []Reject, exp []want) {
	t.Helper()
	n := max(len(got), len(exp))
	for i := range n {
		switch {
		case i >= len(got):
			t.Errorf("missing reject %+v", exp[i])
		case i >= len(exp):
			t.Errorf("unexpected reject %s", got[i].Error())
		default:
			g, w := got[i], exp[i]
			if g.Line != w.Line || g.Column != w.Column || !strings.Contains(g.Reason, w.Reason) ||
				w.Value != "" && g.Value != w.Value {
				t.Errorf("reject %d:\n got  line %d, column %s, value %q: %s\n want line %d, column %s, value %q, reason containing %q",
					i, g.Line, g.Column, g.Value, g.Reason, w.Line, w.Column, w.Value, w.Reason)
			}
		}
	}
}

// checkRows compares rows with the expected ones, in order.
func checkRows[T any](t *testing.T, got, exp []T) {
	t.Helper()
	if len(got) != len(exp) {
		t.Errorf("%d rows, want %d:\n got  %+v\n want %+v", len(got), len(exp), got, exp)
		return
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], exp[i]) {
			t.Errorf("row %d:\n got  %+v\n want %+v", i, got[i], exp[i])
		}
	}
}

// checkErr checks that err is an apperr.Invalid error containing every one
// of parts, or nil when parts is empty.
func checkErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if len(parts) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
		t.Errorf("error %v: want an apperr.Invalid error", err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

// file joins lines with LF and ends the last one.
func file(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// staffHeader is the usual header of the staffing tests.
const staffHeader = "school_year,lea_id,school_id,staff_id,title,fte,gender,hispanic_latino,race"

// readStaffing reads a whole staffing file with opt (the test directory and
// key unless set).
func readStaffing(t *testing.T, data string, opt StaffingOptions) ([]StaffRow, []Reject, error) {
	t.Helper()
	if opt.Directory == nil {
		opt.Directory = testDir{}
	}
	if opt.Key == nil {
		opt.Key = testKey
	}
	s, err := NewStaffingReader(strings.NewReader(data), opt)
	if err != nil {
		return nil, nil, err
	}
	return collect(t, s.Next)
}

// staff is the expected row of the usual test line
// "2023,4900030,<school>,<id>,<title>,1,F,N,white" with role.
func staff(school, id, title, role string) StaffRow {
	return StaffRow{SchoolYear: 2023, StateCode: "UT", LeaID: "4900030", SchoolID: school,
		StaffKey: StaffKey(testKey, "UT", "4900030", id), RoleCode: role, Title: title, Ethnicity: EthWhite,
		Gender: "female", FTE: 1, HispanicAnswer: "no", RaceAnswers: []string{EthWhite}}
}

// teacherLine is a valid staffing line for a teacher with staff id id.
func teacherLine(id string) string {
	return fmt.Sprintf("2023,4900030,490003000001,%s,Teacher,1,F,N,white", id)
}
