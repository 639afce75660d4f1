package ingest

import (
	"slices"
	"strings"
	"testing"
)

// TestStaffingFiles is the catalogue of staffing files, good and broken:
// for each, the header or fatal error, or the exact rejects and rows.
func TestStaffingFiles(t *testing.T) {
	teacher := staff("490003000001", "E1", "Teacher", "teacher")
	teacher3 := staff("490003000001", "E3", "Teacher", "teacher")
	long := strings.Repeat("x", 70_000)
	var quoteLines strings.Builder
	for range 2000 {
		quoteLines.WriteString("a line of text inside an unclosed quote\n")
	}
	// A value that spans lines ends 64 KiB later: the lines are read as
	// records (each a record of one value, rejected), then the last row.
	var spanned []want
	spanned = append(spanned, want{3, "title", "a quoted value is not closed on its line", ""})
	for i := range 2000 {
		spanned = append(spanned, want{4 + i, "lea_id", "the record has 1 values, the header has 9", ""})
	}
	tests := []struct {
		name    string
		data    string
		opt     StaffingOptions
		err     []string // parts of the header or fatal error
		rows    []StaffRow
		rejects []want
	}{
		{
			name: "good rows",
			data: file(staffHeader, teacherLine("E1"),
				"2023,4900030,490003000002,E2,Asst. Principal,1,F,N,white",
				"2023,4900030,,E3,Superintendent,1,F,N,white"),
			rows: []StaffRow{teacher, staff("490003000002", "E2", "Asst. Principal", "assistant_principal"),
				staff("", "E3", "Superintendent", "superintendent")},
		},
		{
			name: "header names normalised",
			data: file("School Year,LEA ID,School-ID,Staff ID,TITLE,FTE,Gender,Hispanic Latino,Race", teacherLine("E1")),
			rows: []StaffRow{teacher},
		},
		{
			name: "missing required column",
			data: file("school_year,lea_id,school_id,staff_id,fte,gender,hispanic_latino,race", "2023,4900030,490003000001,E1,1,F,N,white"),
			err:  []string{"staffing file: missing column(s) in the header: title", "expected a header like school_year,lea_id"},
		},
		{
			name: "several columns missing",
			data: file("school_year,lea_id,school_id,fte", "2023,4900030,490003000001,1"),
			err:  []string{"missing column(s) in the header: staff_id (or staff_key), title, hispanic_latino and race, or ethnicity_2024"},
		},
		{
			name: "missing school_year without a SchoolYear option",
			data: file("lea_id,school_id,staff_id,title,hispanic_latino,race", "4900030,490003000001,E1,Teacher,N,white"),
			err:  []string{"missing column(s) in the header: school_year"},
		},
		{
			name: "school year from the options",
			data: file("lea_id,school_id,staff_id,title,hispanic_latino,race", "4900030,490003000001,E1,Teacher,N,white"),
			opt:  StaffingOptions{SchoolYear: 2022},
			rows: []StaffRow{func() StaffRow {
				r := teacher
				r.SchoolYear, r.Gender = 2022, "unknown"
				return r
			}()},
		},
		{
			name: "school year option out of range",
			data: file(staffHeader),
			opt:  StaffingOptions{SchoolYear: 1900},
			err:  []string{"school year 1900: want a fall year from 1990 to 2100"},
		},
		{
			name: "unknown column",
			data: file(staffHeader+",salary", teacherLine("E1")+",50000"),
			err:  []string{"unknown column(s) in the header: salary"},
		},
		{
			name: "duplicate column",
			data: file(staffHeader+",Title", teacherLine("E1")+",Teacher"),
			err:  []string{"column title appears twice in the header"},
		},
		{
			name: "column without a name",
			data: file(staffHeader+",", teacherLine("E1")+","),
			err:  []string{"header line 1, column 10 has no name"},
		},
		{
			name: "semicolon delimiter",
			data: file(strings.ReplaceAll(staffHeader, ",", ";"), strings.ReplaceAll(teacherLine("E1"), ",", ";")),
			err:  []string{"the delimiter looks like ';'", "the file must be comma-separated"},
		},
		{
			name: "tab delimiter",
			data: file(strings.ReplaceAll(staffHeader, ",", "\t"), strings.ReplaceAll(teacherLine("E1"), ",", "\t")),
			err:  []string{"the delimiter looks like tab", "the file must be comma-separated"},
		},
		{
			name: "UTF-8 BOM",
			data: "\uFEFF" + file(staffHeader, teacherLine("E1")),
			rows: []StaffRow{teacher},
		},
		{
			name: "UTF-16",
			data: "\xFF\xFEs\x00c\x00h\x00o\x00o\x00l\x00\n\x00",
			err:  []string{"line 1 is not UTF-8 text (UTF-16 or binary?)"},
		},
		{
			name:    "CRLF line ends",
			data:    strings.Join([]string{staffHeader, teacherLine("E1"), "2023,4900030,490003000001,E2,Lunch Lady,1,F,N,white", teacherLine("E3")}, "\r\n") + "\r\n",
			rows:    []StaffRow{teacher, teacher3},
			rejects: []want{{3, "title", "unknown title", "Lunch Lady"}},
		},
		{
			name: "CR-only line ends",
			data: strings.Join([]string{staffHeader, teacherLine("E1")}, "\r") + "\r",
			err:  []string{"line ends are CR only"},
		},
		{
			name: "no line end after the last record",
			data: staffHeader + "\n" + teacherLine("E1"),
			rows: []StaffRow{teacher},
		},
		{
			name: "quoted newlines in values",
			data: file("school_year,lea_id,school_id,staff_id,title,fte,gender,hispanic_latino,race,full_name",
				`2023,4900030,490003000002,E2,"Assistant`,
				`Principal",1,F,N,white,"Peña,`,
				`Ana"`,
				`2023,4900030,490003000001,E3,Lunch Lady,1,F,N,white,Ruiz`,
				`2023,4900030,490003000001,E1,Teacher,1,F,N,"white;`+"\r",
				`asian",Cruz`,
				`2023,4900030,490003000001,E4,Bus Driver,1,F,N,white,Lee`),
			rows: []StaffRow{
				staff("490003000002", "E2", "Assistant Principal", "assistant_principal"),
				func() StaffRow {
					r := teacher
					r.Ethnicity, r.RaceAnswers = EthTwoOrMore, []string{EthAsian, EthWhite}
					return r
				}(),
			},
			rejects: []want{{5, "title", "unknown title", "Lunch Lady"}, {8, "title", "unknown title", "Bus Driver"}},
		},
		{
			name: "Latin-1 bytes",
			data: file(staffHeader+",last_name", teacherLine("E1")+",Pe\xF1a",
				"2023,4900030,490003000001,E2,Maestra Pe\xF1a,1,F,N,white,Lee", teacherLine("E3")+",Ruiz"),
			rows:    []StaffRow{teacher, teacher3},
			rejects: []want{{3, "title", "not valid UTF-8 (save the file as UTF-8)", "Maestra Pe\uFFFDa"}},
		},
		{
			name:    "Latin-1 in a staff id",
			data:    file(staffHeader, "2023,4900030,490003000001,Pe\xF1a,Teacher,1,F,N,white", teacherLine("E1")),
			rows:    []StaffRow{teacher},
			rejects: []want{{2, "staff_id", "not valid UTF-8", ""}},
		},
		{
			// It rejects its own line; the next is read as the record it is.
			name:    "unclosed quote",
			data:    file(staffHeader, teacherLine("E1"), `2023,4900030,490003000001,E2,"Teacher,1,F,N,white`, teacherLine("E3")),
			rows:    []StaffRow{teacher, teacher3},
			rejects: []want{{3, "title", "a quoted value is not closed on its line", ""}},
		},
		{
			name:    "unclosed quote on the last line",
			data:    file(staffHeader, teacherLine("E1"), `2023,4900030,490003000001,E2,"Teacher,1,F,N,white`),
			rows:    []StaffRow{teacher},
			rejects: []want{{3, "title", "a quoted value is not closed before the end of the file", ""}},
		},
		{
			name: "a value that spans lines and keeps the number of values",
			data: file(staffHeader, teacherLine("E1"), "2023,4900030,490003000001,E3,\"Teacher\n\",1,F,N,white"),
			rows: []StaffRow{teacher, teacher3},
		},
		{
			name:    "text after a closing quote",
			data:    file(staffHeader, `2023,4900030,490003000001,E2,"Teacher"s,1,F,N,white`, teacherLine("E1")),
			rows:    []StaffRow{teacher},
			rejects: []want{{2, "title", "text after the closing quote", ""}},
		},
		{
			name:    "quote inside an unquoted value is literal",
			data:    file(staffHeader, `2023,4900030,490003000001,E2,Teacher "A",1,F,N,white`),
			rejects: []want{{2, "title", "unknown title", `Teacher "A"`}},
		},
		{
			name: "a line longer than 64 KiB",
			data: file(staffHeader, teacherLine("E1"), "2023,4900030,490003000001,E2,"+long+",1,F,N,white", teacherLine("E3")),
			rows: []StaffRow{teacher},
			err:  []string{"staffing file line 3: a record longer than 64 KiB"},
		},
		{
			name:    "an unclosed quote running over 64 KiB",
			data:    file(staffHeader, teacherLine("E1"), `2023,4900030,490003000001,E2,"Teacher`) + quoteLines.String() + teacherLine("E3"),
			rows:    []StaffRow{teacher, teacher3},
			rejects: spanned,
		},
		{
			name: "a header longer than 64 KiB",
			data: file(staffHeader+","+long, teacherLine("E1")),
			err:  []string{"staffing file line 1: a record longer than 64 KiB"},
		},
		{
			name: "empty file",
			data: "",
			err:  []string{"staffing file: the file is empty"},
		},
		{
			name: "blank lines and a BOM only",
			data: "\uFEFF\n\r\n\n",
			err:  []string{"staffing file: the file is empty"},
		},
		{
			name: "header only",
			data: file(staffHeader),
		},
		{
			name:    "blank and comma-only lines are skipped",
			data:    file("", staffHeader, "", teacherLine("E1"), ",,,,,,,,", " , ,", "2023,4900030,490003000001,E2,Lunch Lady,1,F,N,white"),
			rows:    []StaffRow{teacher},
			rejects: []want{{7, "title", "unknown title", ""}},
		},
		{
			name: "ragged rows",
			data: file(staffHeader, teacherLine("E1")+",extra", "2023,4900030,490003000001,E2,Teacher,1,F,N", teacherLine("E3")),
			rows: []StaffRow{teacher3},
			rejects: []want{
				{2, "field 10", "the record has 10 values, the header has 9", ""},
				{3, "race", "the record has 8 values, the header has 9", ""},
			},
		},
		{
			name: "mixed good and bad rows",
			data: file(staffHeader,
				teacherLine("E1"),
				"2023-24,4900030,490003000002,E2,Vice-Principal,0.5,M,Y,white;asian",
				"1989,4900030,490003000001,E4,Teacher,1,F,N,white",
				"2023,49000301,490003000001,E5,Teacher,1,F,N,white",
				"2023,4900099,490003000001,E6,Teacher,1,F,N,white",
				"2023,4900030,490006000010,E7,Teacher,1,F,N,white",
				"2023,4900030,490003009999,E8,Teacher,1,F,N,white",
				"2023,4900030,490003000001,,Teacher,1,F,N,white",
				"2023,4900030,490003000001,E10,Lunch Supervisor,1,F,N,white",
				"2023,4900030,490003000001,E11,Teacher,2,F,N,white",
				"2023,4900030,490003000001,E12,Teacher,1,W,N,white",
				"2023,4900030,490003000001,E13,Teacher,1,F,maybe,white",
				"2023,4900030,490003000001,E14,Teacher,1,F,N,purple",
				teacherLine("E1"),
				"2023,4900030,,E16,Teacher,1,F,N,white",
				"2023,4900030,490003000001,E17,Superintendent,1,F,N,white",
				"2023,4900030,,E18,Superintendent,1,M,,",
				"2023,4900030,490003000001,E19,School Administrator,1,F,N,white",
				teacherLine("E20")+",x",
				"2023,4900030,490003000001,E21,Teacher,,F,N,white",
				"2023-25,4900030,490003000001,E22,Teacher,1,F,N,white"),
			rows: []StaffRow{
				teacher,
				{SchoolYear: 2023, StateCode: "UT", LeaID: "4900030", SchoolID: "490003000002",
					StaffKey: StaffKey(testKey, "UT", "4900030", "E2"), RoleCode: "assistant_principal",
					Title: "Vice-Principal", Ethnicity: EthHispanic, Gender: "male", FTE: 0.5, HispanicAnswer: "yes",
					RaceAnswers: []string{EthAsian, EthWhite}},
				{SchoolYear: 2023, StateCode: "UT", LeaID: "4900030", StaffKey: StaffKey(testKey, "UT", "4900030", "E18"),
					RoleCode: "superintendent", Title: "Superintendent", Ethnicity: EthUnknown, Gender: "male", FTE: 1,
					HispanicAnswer: "unknown", RaceAnswers: []string{}},
			},
			rejects: []want{
				{4, "school_year", "school_year must be a fall year from 1990 to 2100", "1989"},
				{5, "lea_id", "lea_id must be a 7-digit NCES district (LEA) id", "49000301"},
				{6, "lea_id", "unknown district", "4900099"},
				{7, "school_id", "school belongs to district 4900060, not to lea_id 4900030", "490006000010"},
				{8, "school_id", "unknown school", "490003009999"},
				{9, "staff_id", "staff_id is required", ""},
				{10, "title", "unknown title: add it to a title file", "Lunch Supervisor"},
				{11, "fte", "fte must be a number above 0 and at most 1.5", "2"},
				{12, "gender", "gender must be female, male, nonbinary or unknown", "W"},
				{13, "hispanic_latino", "hispanic_latino must be Y (Hispanic or Latino), N (Not Hispanic or Latino) or blank", "maybe"},
				{14, "race", `unknown value "purple"`, "purple"},
				{15, "staff_id", "duplicate row: an earlier line has the same school_year, staff_id, school_id and role", ""},
				{16, "school_id", `title "Teacher" is a school post (teacher): school_id is required`, ""},
				{17, "school_id", `title "Superintendent" is a district or state post (superintendent): school_id must be empty`, "490003000001"},
				{19, "title", "covers several roles", "School Administrator"},
				{20, "field 10", "the record has 10 values", ""},
				{21, "fte", "fte must be a number", ""},
				{22, "school_year", "school_year must be a fall year", "2023-25"},
			},
		},
		{
			name: "staff_id and staff_key both",
			data: file(staffHeader+",staff_key", teacherLine("E1")+",12"),
			err:  []string{"give either staff_id", "or staff_key", "not both"},
		},
		{
			name: "neither staff_id nor staff_key",
			data: file("school_year,lea_id,school_id,title,hispanic_latino,race", "2023,4900030,490003000001,Teacher,N,white"),
			err:  []string{"missing column(s) in the header: staff_id (or staff_key)"},
		},
		{
			name: "no staff-key secret for a file with staff_id",
			data: file(staffHeader, teacherLine("E1")),
			opt:  StaffingOptions{Key: []byte{}},
			err:  []string{"staffing file has staff_id: the staff-key secret (CAMINO_STAFF_KEY_SECRET) must be at least 16 bytes"},
		},
		{
			name: "a short staff-key secret",
			data: file(staffHeader, teacherLine("E1")),
			opt:  StaffingOptions{Key: []byte("short")},
			err:  []string{"must be at least 16 bytes"},
		},
		{
			name: "both ethnicity standards",
			data: file(staffHeader+",ethnicity_2024", teacherLine("E1")+",white"),
			err:  []string{"give either hispanic_latino and race", "or ethnicity_2024", "not both"},
		},
		{
			name: "no ethnicity columns",
			data: file("school_year,lea_id,school_id,staff_id,title", "2023,4900030,490003000001,E1,Teacher"),
			err:  []string{"missing column(s) in the header: hispanic_latino and race, or ethnicity_2024"},
		},
		{
			name: "hispanic_latino without race",
			data: file("school_year,lea_id,school_id,staff_id,title,hispanic_latino", "2023,4900030,490003000001,E1,Teacher,N"),
			err:  []string{"missing column(s) in the header: race"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, rejects, err := readStaffing(t, tc.data, tc.opt)
			checkErr(t, err, tc.err...)
			checkRows(t, rows, tc.rows)
			checkRejects(t, rejects, tc.rejects)
		})
	}
}

// TestStaffingFatalErrorSticks checks that after a fatal error Next keeps
// returning it and Line still names where it happened.
func TestStaffingFatalErrorSticks(t *testing.T) {
	data := file(staffHeader, teacherLine("E1"), "2023,"+strings.Repeat("y", 70_000), teacherLine("E2"))
	s, err := NewStaffingReader(strings.NewReader(data), StaffingOptions{Key: testKey, Directory: testDir{}})
	checkErr(t, err)
	if _, rej, err := s.Next(); rej != nil || err != nil {
		t.Fatalf("first row: %v %v", rej, err)
	}
	_, _, first := s.Next()
	checkErr(t, first, "line 3: a record longer than 64 KiB")
	if s.Line() != 3 {
		t.Errorf("Line() = %d after the long record, want 3", s.Line())
	}
	if _, rej, again := s.Next(); rej != nil || again != first {
		t.Errorf("Next after a fatal error = %v, %v; want the same error", rej, again)
	}
}

// TestStaffingLine checks Line against the lines records start on.
func TestStaffingLine(t *testing.T) {
	data := file(staffHeader, teacherLine("E1"), "", `2023,4900030,490003000001,E2,"Teacher`, `",1,F,N,white`, teacherLine("E3"))
	s, err := NewStaffingReader(strings.NewReader(data), StaffingOptions{Key: testKey, Directory: testDir{}})
	checkErr(t, err)
	var lines []int
	for {
		_, _, err := s.Next()
		if err != nil {
			break
		}
		lines = append(lines, s.Line())
	}
	if want := []int{2, 4, 6}; !slices.Equal(lines, want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
}

// TestStaffingNilDirectory checks that a programming error is not reported
// as a user's.
func TestStaffingNilDirectory(t *testing.T) {
	_, err := NewStaffingReader(strings.NewReader(file(staffHeader)), StaffingOptions{Key: testKey})
	if err == nil || !strings.Contains(err.Error(), "Directory is nil") {
		t.Fatalf("err = %v", err)
	}
}
