package ingest

import (
	"strings"
	"testing"
)

// TestEnrollmentFile checks an enrollment file's rows and rejects.
func TestEnrollmentFile(t *testing.T) {
	data := file("school_year,lea_id,school_id,ethnicity,ell,students",
		"2023,4900030,490003000001,hispanic_latino,1,120",
		"2023,4900030,490003000001,Hispanic,0,300",
		"2023,4900030,490003000001,Two or More Races,no,12",
		"2023-24,4900030,490003000001,Black or African American,N,0",
		"2023,4900030,490003000001,declined,0,3",
		"2023,4900030,490003000001,MENA,0,5",
		"2023,4900030,490003000001,,0,5",
		"2023,4900030,490003000001,purple,0,5",
		"2023,4900030,490003000001,white,2,5",
		"2023,4900030,490003000001,white,0,-1",
		"2023,4900030,490003000001,white,0,100000",
		"2023,4900030,,white,0,5",
		"2023,4900030,490003000001,HISPANIC_LATINO,yes,7",
		"2024,4900030,490003000001,hispanic_latino,1,130",
		"2023,0400001,040000100001,white,0,99999",
		"2023,4900030,040000100001,white,0,1",
	)
	e, err := NewEnrollmentReader(strings.NewReader(data), EnrollmentOptions{Directory: testDir{}})
	checkErr(t, err)
	rows, rejects, err := collect(t, e.Next)
	checkErr(t, err)
	row := func(year uint16, eth string, ell uint8, n uint32) EnrollmentRow {
		return EnrollmentRow{SchoolYear: year, StateCode: "UT", LeaID: "4900030", SchoolID: "490003000001",
			Ethnicity: eth, ELL: ell, Students: n}
	}
	checkRows(t, rows, []EnrollmentRow{
		row(2023, EthHispanic, 1, 120), row(2023, EthHispanic, 0, 300), row(2023, EthTwoOrMore, 0, 12),
		row(2023, EthBlack, 0, 0), row(2023, EthUnknown, 0, 3), row(2024, EthHispanic, 1, 130),
		{SchoolYear: 2023, StateCode: "AZ", LeaID: "0400001", SchoolID: "040000100001", Ethnicity: EthWhite, Students: 99999},
	})
	checkRejects(t, rejects, []want{
		{7, "ethnicity", "enrollment counts use the 1997 categories: add middle_eastern_north_african counts into white", "MENA"},
		{8, "ethnicity", "ethnicity is required", ""},
		{9, "ethnicity", "unknown value: use hispanic_latino, american_indian_alaska_native", "purple"},
		{10, "ell", "ell must be 1 (English learners) or 0", "2"},
		{11, "students", "students must be a whole number from 0 to 99999", "-1"},
		{12, "students", "students must be a whole number from 0 to 99999", "100000"},
		{13, "school_id", "school_id is required (enrollment is counted by school)", ""},
		{14, "ethnicity", "duplicate row: an earlier line has the same school_year, school_id, ethnicity and ell", "HISPANIC_LATINO"},
		{17, "school_id", "school belongs to district 0400001, not to lea_id 4900030", "040000100001"},
	})
}

// TestEnrollmentHeader checks the enrollment header rules.
func TestEnrollmentHeader(t *testing.T) {
	tests := []struct {
		name, data string
		year       uint16
		err        []string
	}{
		{"no school_year", file("lea_id,school_id,ethnicity,ell,students"), 0, []string{"enrollment file: missing column(s) in the header: school_year"}},
		{"school year given", file("lea_id,school_id,ethnicity,ell,students"), 2023, nil},
		{"name columns are not expected", file("school_year,lea_id,school_id,ethnicity,ell,students,name"), 0,
			[]string{"enrollment file: unknown column(s) in the header: name"}},
		{"bad year", file("school_year,lea_id,school_id,ethnicity,ell,students"), 3000, []string{"school year 3000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewEnrollmentReader(strings.NewReader(tc.data), EnrollmentOptions{SchoolYear: tc.year, Directory: testDir{}})
			checkErr(t, err, tc.err...)
		})
	}
}
