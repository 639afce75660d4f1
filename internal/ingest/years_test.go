package ingest

import (
	"strings"
	"testing"
	"time"
)

// One row for 1990 and one for 2100 would stretch every series over a
// century: a load refuses school years outside its window (by default 30
// years back from the current school year to the next), with the reason,
// and --years widens it.
func TestImplausibleSchoolYearsAreRejected(t *testing.T) {
	if w := DefaultYearWindow(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)); w != (YearWindow{1996, 2027}) {
		t.Errorf("window in December 2026 = %+v, want 1996–2027", w)
	}
	if w := DefaultYearWindow(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)); w != (YearWindow{1995, 2026}) {
		t.Errorf("window on June 30, 2026 (school year 2025) = %+v, want 1995–2026", w)
	}
	data := file(staffHeader, "1990,4900030,490003000001,E1,Teacher,1,F,N,white", teacherLine("E2"),
		"2100,4900030,490003000001,E3,Teacher,1,F,N,white")
	w := YearWindow{2000, 2030}
	rows, rejects, err := readStaffing(t, data, StaffingOptions{Years: w})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].SchoolYear != 2023 {
		t.Errorf("rows %+v, want the 2023 row alone", rows)
	}
	if len(rejects) != 2 {
		t.Fatalf("rejects %+v, want 1990 and 2100", rejects)
	}
	for i, y := range []string{"1990", "2100"} {
		r := rejects[i]
		if r.Column != "school_year" || r.Value != y || !strings.Contains(r.Reason, "outside the years this load accepts, 2000 to 2030") ||
			!strings.Contains(r.Reason, "--years") {
			t.Errorf("reject %d: %+v", i, r)
		}
	}
	// Widened, both load.
	rows, rejects, err = readStaffing(t, data, StaffingOptions{Years: YearWindow{1990, 2100}})
	if err != nil || len(rows) != 3 || len(rejects) != 0 {
		t.Errorf("window 1990–2100: %d rows, rejects %+v, %v", len(rows), rejects, err)
	}
	// The default window holds this year's data.
	rows, _, err = readStaffing(t, file(staffHeader, teacherLine("E1")), StaffingOptions{})
	if err != nil || len(rows) != 1 {
		t.Errorf("default window refused a 2023 row: %v %v", rows, err)
	}
	// A default school year outside the window is refused up front.
	if _, _, err := readStaffing(t, file("lea_id,school_id,staff_id,title,fte,gender,hispanic_latino,race"),
		StaffingOptions{SchoolYear: 2099, Years: w}); err == nil || !strings.Contains(err.Error(), "outside the years") {
		t.Errorf("--school-year 2099 with window 2000–2030: %v", err)
	}
	for _, s := range []string{"", "2000", "2030-2000", "1900-2000", "20x0-2030", "2000-2101", "2000-2030-2040"} {
		if _, err := ParseYearWindow(s); err == nil {
			t.Errorf("ParseYearWindow(%q) accepted", s)
		}
	}
	if got, err := ParseYearWindow("2000-2030"); err != nil || got != w {
		t.Errorf("ParseYearWindow(2000-2030) = %+v, %v", got, err)
	}
}
