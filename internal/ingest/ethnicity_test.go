package ingest

import (
	"fmt"
	"strings"
	"testing"
)

// ethCase is one person's answers and what must come of them: the derived
// category and the raw answers kept, or a reject.
type ethCase struct {
	answers  []string // the ethnicity columns' values, CSV-quoted as needed
	category string
	hispanic string
	races    []string
	reject   *want // Line is filled in
}

// checkEthnicity reads one staffing file with a line per case under header
// (whose last columns are the ethnicity columns) and checks each line.
func checkEthnicity(t *testing.T, header string, cases []ethCase) {
	t.Helper()
	lines := []string{header}
	var rows []StaffRow
	var rejects []want
	for i, c := range cases {
		id := fmt.Sprintf("P%d", i)
		lines = append(lines, "2023,4900030,490003000001,"+id+",Teacher,"+strings.Join(c.answers, ","))
		if c.reject != nil {
			w := *c.reject
			w.Line = i + 2
			rejects = append(rejects, w)
			continue
		}
		rows = append(rows, StaffRow{SchoolYear: 2023, StateCode: "UT", LeaID: "4900030", SchoolID: "490003000001",
			StaffKey: StaffKey(testKey, "UT", "4900030", id), RoleCode: "teacher", Title: "Teacher",
			Ethnicity: c.category, Gender: "unknown", FTE: 1, HispanicAnswer: c.hispanic, RaceAnswers: c.races})
	}
	got, gotRejects, err := readStaffing(t, file(lines...), StaffingOptions{})
	checkErr(t, err)
	checkRows(t, got, rows)
	checkRejects(t, gotRejects, rejects)
}

// TestEthnicity1997 checks the two-question standard: Hispanic or Latino of
// any race first; otherwise the one race (Middle Eastern or North African
// counts as white), or two_or_more; unknown when the Hispanic question is
// unanswered or no race is given; the raw answers are kept either way.
func TestEthnicity1997(t *testing.T) {
	const (
		aian = EthAIAN
		mena = RaceMENA
		nhpi = EthNHPI
	)
	checkEthnicity(t, "school_year,lea_id,school_id,staff_id,title,hispanic_latino,race", []ethCase{
		{answers: []string{"Y", "white"}, category: EthHispanic, hispanic: "yes", races: []string{EthWhite}},
		{answers: []string{"yes", "black;asian"}, category: EthHispanic, hispanic: "yes", races: []string{EthAsian, EthBlack}},
		{answers: []string{"1", "AIAN"}, category: EthHispanic, hispanic: "yes", races: []string{aian}},
		{answers: []string{"Hispanic or Latino", "White"}, category: EthHispanic, hispanic: "yes", races: []string{EthWhite}},
		{answers: []string{"Not Hispanic or Latino", "Asian"}, category: EthAsian, hispanic: "no", races: []string{EthAsian}},
		{answers: []string{"Y", ""}, category: EthHispanic, hispanic: "yes", races: []string{}},
		{answers: []string{"N", "white"}, category: EthWhite, hispanic: "no", races: []string{EthWhite}},
		{answers: []string{"n", "Black or African American"}, category: EthBlack, hispanic: "no", races: []string{EthBlack}},
		{answers: []string{"no", "Asian; White"}, category: EthTwoOrMore, hispanic: "no", races: []string{EthAsian, EthWhite}},
		{answers: []string{"N", "American Indian or Alaska Native;Native Hawaiian or Other Pacific Islander"},
			category: EthTwoOrMore, hispanic: "no", races: []string{aian, nhpi}},
		{answers: []string{"N", "white;middle_eastern_north_african"}, category: EthWhite, hispanic: "no", races: []string{mena, EthWhite}},
		{answers: []string{"N", "MENA"}, category: EthWhite, hispanic: "no", races: []string{mena}},
		{answers: []string{"N", "white;white"}, category: EthWhite, hispanic: "no", races: []string{EthWhite}},
		{answers: []string{"N", ""}, category: EthUnknown, hispanic: "no", races: []string{}},
		{answers: []string{"N", "declined"}, category: EthUnknown, hispanic: "no", races: []string{}},
		{answers: []string{"", "white"}, category: EthUnknown, hispanic: "unknown", races: []string{EthWhite}},
		{answers: []string{"unknown", "asian;black"}, category: EthUnknown, hispanic: "unknown", races: []string{EthAsian, EthBlack}},
		{answers: []string{"declined", ""}, category: EthUnknown, hispanic: "unknown", races: []string{}},
		{answers: []string{"Hispanic or not", "white"}, reject: &want{Column: "hispanic_latino", Reason: "hispanic_latino must be Y (Hispanic or Latino), N (Not Hispanic or Latino) or blank"}},
		{answers: []string{"maybe", "white"}, reject: &want{Column: "hispanic_latino", Reason: "hispanic_latino must be Y (Hispanic or Latino), N (Not Hispanic or Latino) or blank (unknown)", Value: "maybe"}},
		{answers: []string{"N", "purple"}, reject: &want{Column: "race", Reason: `unknown value "purple": use american_indian_alaska_native, asian, black, middle_eastern_north_african, native_hawaiian_pacific_islander, white`, Value: "purple"}},
		{answers: []string{"N", `"white,asian"`}, reject: &want{Column: "race", Reason: "(separate several values with ';')", Value: "white,asian"}},
		{answers: []string{"N", "Two or More Races"}, reject: &want{Column: "race", Reason: "two_or_more is a derived category: list each race"}},
		{answers: []string{"Y", "Hispanic"}, reject: &want{Column: "race", Reason: "Hispanic or Latino is answered in the hispanic_latino column"}},
	})
}

// TestEthnicity2024 checks the combined question: Hispanic or Latino chosen
// → hispanic_latino (whatever else is chosen); any other answer → the 1997
// derivation with the Hispanic answer no (Middle Eastern or North African
// alone is white); nothing answered → unknown.
func TestEthnicity2024(t *testing.T) {
	mena := RaceMENA
	checkEthnicity(t, "school_year,lea_id,school_id,staff_id,title,ethnicity_2024", []ethCase{
		{answers: []string{"hispanic_latino"}, category: EthHispanic, hispanic: "yes", races: []string{}},
		{answers: []string{"Hispanic or Latino; White"}, category: EthHispanic, hispanic: "yes", races: []string{EthWhite}},
		{answers: []string{"Latina;Black or African American;Asian"}, category: EthHispanic, hispanic: "yes", races: []string{EthAsian, EthBlack}},
		{answers: []string{"Hispanic;Middle Eastern or North African"}, category: EthHispanic, hispanic: "yes", races: []string{mena}},
		{answers: []string{"Middle Eastern or North African"}, category: EthWhite, hispanic: "no", races: []string{mena}},
		{answers: []string{"asian;MENA"}, category: EthTwoOrMore, hispanic: "no", races: []string{EthAsian, mena}},
		{answers: []string{"white;MENA"}, category: EthWhite, hispanic: "no", races: []string{mena, EthWhite}},
		{answers: []string{"black"}, category: EthBlack, hispanic: "no", races: []string{EthBlack}},
		{answers: []string{""}, category: EthUnknown, hispanic: "unknown", races: []string{}},
		{answers: []string{"prefer not to say"}, category: EthUnknown, hispanic: "unknown", races: []string{}},
		{answers: []string{"purple"}, reject: &want{Column: "ethnicity_2024", Reason: `unknown value "purple": use american_indian_alaska_native, asian, black, middle_eastern_north_african, native_hawaiian_pacific_islander, white, hispanic_latino`, Value: "purple"}},
		{answers: []string{"Multiracial"}, reject: &want{Column: "ethnicity_2024", Reason: "two_or_more is a derived category"}},
		{answers: []string{"white|asian"}, reject: &want{Column: "ethnicity_2024", Reason: "(separate several values with ';')"}},
	})
}
