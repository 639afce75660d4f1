package ingest

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/camino-edu/camino/internal/apperr"
)

// FuzzStaffingReader feeds arbitrary bytes to a StaffingReader, after a
// valid header (afterHeader) or as a whole file. Whatever the input: no
// panic; a broken file is an apperr.Invalid error; every record gives a row
// or a Reject, in line order; a Reject has a line ≥ 2, a column, a reason,
// and a value that is valid UTF-8 of at most 80 characters and never a
// staff id; an accepted row holds only allowed values.
//
//	go test -run='^$' -fuzz=FuzzStaffingReader -fuzztime=60s ./internal/ingest/
func FuzzStaffingReader(f *testing.F) {
	for _, seed := range []string{
		file(teacherLine("E1"), "2023,4900030,,E2,Superintendent,0.5,M,,", teacherLine("E1")),
		"2023-24,4900030,490003000002,E2,\"Vice\nPrincipal\",1,x,Y,\"white;asian\"\r\n",
		"2023,4900030,490003000001,E3,\"Teacher\"oops,1,F,N,white\n2023,\"",
		"2023,4900030,490003000001,Pe\xF1a,Maestra Pe\xF1a,1,F,N,white,extra\n,,,,\n\n",
		"1989,49000301,490003009999,,School Administrator,2,W,maybe,purple\n",
	} {
		f.Add([]byte(seed), true)
	}
	for _, seed := range []string{
		"",
		"\uFEFF" + file(staffHeader, teacherLine("E1")),
		file("school_year,lea_id,school_id,staff_key,role_code,title,ethnicity_2024,full_name",
			"2023,4900030,490003000001,42,principal,Head,Hispanic;MENA,\"Ruiz, Ana\"",
			"2023,4900030,,0,,Director,,x"),
		file(strings.ReplaceAll(staffHeader, ",", ";"), teacherLine("E1")),
		file(staffHeader + ",staff_key"),
		"\xFF\xFEs\x00",
		strings.Join([]string{staffHeader, teacherLine("E1")}, "\r"),
	} {
		f.Add([]byte(seed), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, afterHeader bool) {
		if afterHeader {
			data = append([]byte(staffHeader+"\n"), data...)
		}
		s, err := NewStaffingReader(bytes.NewReader(data), StaffingOptions{Key: testKey, Directory: testDir{}})
		if err != nil {
			checkInvalid(t, err)
			return
		}
		last := 1
		for range bytes.Count(data, []byte{'\n'}) + 2 {
			row, rej, err := s.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				checkInvalid(t, err)
				if _, _, again := s.Next(); again != err {
					t.Fatalf("Next after a fatal error: %v, want %v", again, err)
				}
				return
			}
			if s.Line() <= last {
				t.Fatalf("record at line %d after line %d", s.Line(), last)
			}
			last = s.Line()
			if rej != nil {
				checkReject(t, rej, s.Line())
			} else {
				checkStaffRow(t, row)
			}
		}
		t.Fatalf("more records than lines")
	})
}

func checkInvalid(t *testing.T, err error) {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Message == "" {
		t.Fatalf("error %v (%T) is not an apperr.Invalid error", err, err)
	}
}

func checkReject(t *testing.T, r *Reject, line int) {
	t.Helper()
	switch {
	case r.Line < 2 || r.Line != line:
		t.Fatalf("reject at line %d, reader at %d: %v", r.Line, line, r)
	case r.Column == "" || r.Reason == "":
		t.Fatalf("reject without a column or a reason: %+v", r)
	case !utf8.ValidString(r.Value) || utf8.RuneCountInString(r.Value) > maxValueRunes:
		t.Fatalf("reject value %q: not valid UTF-8 or longer than %d", r.Value, maxValueRunes)
	case (r.Column == colStaffID || r.Column == colStaffKey) && r.Value != "":
		t.Fatalf("reject shows a staff id: %+v", r)
	}
}

func checkStaffRow(t *testing.T, r StaffRow) {
	t.Helper()
	tier, ok := roleTier[r.RoleCode]
	switch {
	case !ok:
		t.Fatalf("row with role %q", r.RoleCode)
	case r.SchoolYear < minYear || r.SchoolYear > maxYear:
		t.Fatalf("row with school year %d", r.SchoolYear)
	case r.StateCode == "" || r.StaffKey == 0:
		t.Fatalf("row without a state or key: %+v", r)
	case (tier == tierSchool) != (r.SchoolID != ""):
		t.Fatalf("%s post with school_id %q", r.RoleCode, r.SchoolID)
	case !(r.FTE > 0 && r.FTE <= 1.5):
		t.Fatalf("row with fte %v", r.FTE)
	case !slices.Contains([]string{EthUnknown, EthHispanic, EthAIAN, EthAsian, EthBlack, EthNHPI, EthWhite, EthTwoOrMore}, r.Ethnicity):
		t.Fatalf("row with ethnicity %q", r.Ethnicity)
	case !slices.Contains([]string{"female", "male", "nonbinary", "unknown"}, r.Gender):
		t.Fatalf("row with gender %q", r.Gender)
	case !slices.Contains([]string{"yes", "no", "unknown"}, r.HispanicAnswer):
		t.Fatalf("row with hispanic answer %q", r.HispanicAnswer)
	case r.RaceAnswers == nil:
		t.Fatalf("row with nil race answers")
	case !utf8.ValidString(r.Title) || strings.ContainsFunc(r.Title, unicode.IsControl) ||
		utf8.RuneCountInString(r.Title) > maxTitleRunes:
		t.Fatalf("row with title %q", r.Title)
	}
}
