package seed

// natState is one state (or DC) of the national profile. Figures are
// rounded approximations of NCES Common Core of Data counts for about
// 2022-23 (estimates unless docs/calibration.md gives them: California's
// 1,018 districts, 5.85M students, ≈56% Hispanic and ≈10,000 schools; New
// Mexico's 89 districts, 307k students, 63.5% Hispanic; Texas ≈53%
// Hispanic; Utah as in the Utah profile). Only proportions matter: the
// profile scales them to ≈13,000·F LEAs and ≈100,000·F schools.
type natState struct {
	code, fips, name string
	regular, charter int     // regular districts and charter LEAs
	studentsK        float64 // students, thousands
	schoolsH         float64 // schools, hundreds
	// Shares of students, percent.
	hisp, black, aian, asian float64
}

var natStates = []natState{
	{"AL", "01", "Alabama", 137, 10, 735, 15, 10, 32, 1, 1.5},
	{"AK", "02", "Alaska", 53, 30, 130, 5, 8, 3, 22, 6},
	{"AZ", "04", "Arizona", 220, 420, 1125, 24, 47, 5, 4, 3},
	{"AR", "05", "Arkansas", 235, 25, 490, 11, 15, 19, 1, 2},
	{"CA", "06", "California", 1018, 300, 5852, 100, 56, 5, 0.5, 12},
	{"CO", "08", "Colorado", 178, 10, 880, 19, 35, 4, 0.6, 3},
	{"CT", "09", "Connecticut", 170, 20, 510, 10, 30, 13, 0.3, 5},
	{"DE", "10", "Delaware", 19, 22, 140, 2.3, 20, 30, 0.3, 4.5},
	{"DC", "11", "District of Columbia", 1, 60, 90, 2.3, 22, 55, 0.2, 1.5},
	{"FL", "12", "Florida", 67, 10, 2870, 42, 37, 21, 0.3, 3},
	{"GA", "13", "Georgia", 180, 20, 1740, 23, 19, 36, 0.2, 4.5},
	{"HI", "15", "Hawaii", 1, 0, 170, 2.9, 19, 2, 0.4, 25},
	{"ID", "16", "Idaho", 115, 60, 320, 7.8, 19, 1, 1.3, 1.5},
	{"IL", "17", "Illinois", 852, 10, 1870, 44, 28, 16, 0.2, 5.5},
	{"IN", "18", "Indiana", 290, 80, 1030, 19, 14, 13, 0.2, 2.5},
	{"IA", "19", "Iowa", 327, 2, 515, 13, 13, 6, 0.4, 2.5},
	{"KS", "20", "Kansas", 286, 5, 485, 13, 21, 7, 1, 3},
	{"KY", "21", "Kentucky", 171, 0, 650, 15, 9, 11, 0.1, 2},
	{"LA", "22", "Louisiana", 69, 80, 685, 14, 10, 42, 0.6, 1.5},
	{"ME", "23", "Maine", 230, 10, 170, 6, 3, 3, 0.8, 1.5},
	{"MD", "24", "Maryland", 24, 0, 890, 14, 22, 33, 0.2, 7},
	{"MA", "25", "Massachusetts", 290, 70, 915, 18, 25, 9, 0.2, 7},
	{"MI", "26", "Michigan", 537, 290, 1430, 35, 9, 17, 0.6, 3.5},
	{"MN", "27", "Minnesota", 330, 180, 870, 23, 12, 12, 1.5, 7},
	{"MS", "28", "Mississippi", 140, 5, 440, 10, 4, 47, 0.2, 1},
	{"MO", "29", "Missouri", 518, 40, 880, 24, 8, 15, 0.4, 2},
	{"MT", "30", "Montana", 400, 0, 150, 8.2, 6, 1, 11, 1},
	{"NE", "31", "Nebraska", 244, 0, 330, 11, 22, 7, 1.5, 3},
	{"NV", "32", "Nevada", 17, 40, 490, 7, 45, 11, 1, 6},
	{"NH", "33", "New Hampshire", 180, 30, 165, 4.9, 7, 2, 0.2, 3.5},
	{"NJ", "34", "New Jersey", 580, 85, 1370, 25, 34, 15, 0.1, 10},
	{"NM", "35", "New Mexico", 89, 65, 307, 8.9, 63.5, 2, 10, 1.3},
	{"NY", "36", "New York", 690, 300, 2530, 48, 29, 16, 0.8, 9},
	{"NC", "37", "North Carolina", 115, 200, 1550, 27, 21, 25, 1.2, 3.5},
	{"ND", "38", "North Dakota", 170, 0, 117, 5.2, 7, 4, 9, 1.5},
	{"OH", "39", "Ohio", 610, 320, 1680, 36, 8, 17, 0.1, 2.5},
	{"OK", "40", "Oklahoma", 510, 30, 700, 18, 20, 8, 13, 2},
	{"OR", "41", "Oregon", 197, 10, 550, 13, 25, 2, 1.2, 4},
	{"PA", "42", "Pennsylvania", 500, 175, 1700, 30, 15, 14, 0.1, 4},
	{"RI", "44", "Rhode Island", 36, 25, 137, 3.1, 30, 9, 0.5, 3},
	{"SC", "45", "South Carolina", 78, 10, 790, 13, 13, 32, 0.2, 2},
	{"SD", "46", "South Dakota", 149, 0, 140, 6.9, 7, 3, 11, 1.5},
	{"TN", "47", "Tennessee", 142, 5, 1000, 19, 14, 23, 0.1, 2},
	{"TX", "48", "Texas", 1020, 180, 5520, 90, 53, 13, 0.2, 5},
	{"UT", "49", "Utah", 41, 113, 673, 10.5, 19.6, 1.3, 0.9, 1.6},
	{"VT", "50", "Vermont", 150, 0, 85, 3, 3, 2, 0.3, 2},
	{"VA", "51", "Virginia", 132, 5, 1250, 21, 19, 22, 0.3, 7},
	{"WA", "53", "Washington", 295, 15, 1100, 24, 26, 5, 1.2, 9},
	{"WV", "54", "West Virginia", 55, 0, 250, 7, 2, 4, 0.1, 0.8},
	{"WI", "55", "Wisconsin", 420, 20, 820, 22, 14, 9, 1.1, 4},
	{"WY", "56", "Wyoming", 48, 0, 92, 3.6, 16, 1, 3, 1},
}

// natTeacherHisp: Hispanic share of teachers in 2020-21 where
// docs/calibration.md gives it (NTPS); other states follow
// teacherShareOf.
var natTeacherHisp = map[string]float64{"CA": 0.21, "NM": 0.358, "UT": 0.056, "TX": 0.28}

// teacherShareOf estimates a state's Hispanic teacher share from its
// Hispanic student share; the curve is chosen so that the national teacher
// share is ≈9.5% (NTPS 2020-21) with the states above.
func teacherShareOf(studentShare float64) float64 { return studentShare * (0.12 + 0.40*studentShare) }
