package ingest

import (
	"strings"
	"testing"
)

// TestTitleNormalisation checks which spellings of a title are the same
// title (case, dots, spaces, hyphens, underscores, slashes) and that
// anything else is unknown, never guessed.
func TestTitleNormalisation(t *testing.T) {
	m := DefaultTitles()
	tests := []struct{ title, role string }{
		{"Assistant Principal", "assistant_principal"},
		{"  ASST.  principal  ", "assistant_principal"},
		{"Asst Principal", "assistant_principal"},
		{"Vice-Principal", "assistant_principal"},
		{"vice_principal", "assistant_principal"},
		{"Vice/Principal", "assistant_principal"},
		{"VICE\tPRINCIPAL", "assistant_principal"},
		{"Co-Principal", "principal"},
		{"co principal", "principal"},
		{"Pre-K Teacher", "teacher"},
		{"pre k teacher", "teacher"},
		{"Superintendent of Schools", "superintendent"},
		{"Director of Curriculum, and Instruction", "district_leader"},
		{"State Superintendent (of Public Instruction)", "state_leader"},
		// Unknown: close to a known title is not a known title.
		{"PreK Teacher", ""},
		{"Principle", ""},
		{"Principal Assistant", ""},
		{"Asst Princ", ""},
		{"Director of Curriculum & Instruction", ""},
		{"Principal - Interim", ""},
		{"Teacher's Aide", ""},
		{"", ""},
		// Ed-Fi's broad classifications: unknown on purpose.
		{"School Administrator", ""},
		{"LEA Administrator", ""},
		{"administrator", ""},
		{"School Leader", ""},
	}
	for _, tc := range tests {
		role, ok := m.Role(tc.title)
		if role != tc.role || ok != (tc.role != "") {
			t.Errorf("Role(%q) = %q, %v; want %q", tc.title, role, ok, tc.role)
		}
	}
}

// TestTitleRejects checks the reasons an unknown or ambiguous title gives,
// and that a school post needs a school_id and other posts must not have
// one.
func TestTitleRejects(t *testing.T) {
	data := file(staffHeader,
		"2023,4900030,490003000001,E1,Principle,1,F,N,white",
		"2023,4900030,490003000001,E2,School Administrator,1,F,N,white",
		"2023,4900030,,E3,LEA Administrator,1,F,N,white",
		"2023,4900030,,E4,Principal,1,F,N,white",
		"2023,4900030,,E5,Instructional Coach,1,F,N,white",
		"2023,4900030,,E6,Director,1,F,N,white",
		"2023,4900030,490003000001,E7,Director of Curriculum,1,F,N,white",
		"2023,4999999,490003000001,E8,State Superintendent,1,F,N,white",
		"2023,4900030,490003000001,E9,,1,F,N,white",
		"2023,4900030,490003000001,E10,"+strings.Repeat("T", 201)+",1,F,N,white",
		"2023,4900030,490003000001,E11,\"Teacher\x07\",1,F,N,white",
		"2023,4900120,490012000500,E12,Director,1,F,N,white",
		"2023,4900030,,E13,Director of Curriculum,1,F,N,white",
		"2023,4999999,,E14,State Superintendent,1,F,N,white",
	)
	rows, rejects, err := readStaffing(t, data, StaffingOptions{})
	checkErr(t, err)
	checkRejects(t, rejects, []want{
		{2, "title", "unknown title: add it to a title file (title,role_code, role_code one of teacher, teacher_leader, " +
			"assistant_principal, principal, district_leader, assistant_superintendent, superintendent, state_leader); " +
			"titles are never guessed", "Principle"},
		{3, "title", "title covers several roles (Ed-Fi's broad classification): map it in a title file", "School Administrator"},
		{4, "title", "title covers several roles", "LEA Administrator"},
		{5, "school_id", `title "Principal" is a school post (principal): school_id is required`, ""},
		{6, "school_id", `title "Instructional Coach" is a school post (teacher_leader): school_id is required`, ""},
		{7, "school_id", `title "Director" is a school post (principal): school_id is required`, ""},
		{8, "school_id", `title "Director of Curriculum" is a district or state post (district_leader): school_id must be empty`, "490003000001"},
		{9, "school_id", "school belongs to district 4900030, not to lea_id 4999999", "490003000001"},
		{10, "title", "title is required (or a role_code)", ""},
		{11, "title", "title is longer than 200 characters", ""},
		{12, "title", "title contains control characters", "Teacher\x07"},
	})
	if len(rows) != 3 || rows[0].RoleCode != "principal" || rows[1].RoleCode != "district_leader" ||
		rows[2].RoleCode != "state_leader" || rows[2].StateCode != "UT" {
		t.Errorf("rows %+v, want the charter director, a district leader and a state leader", rows)
	}
}

// TestRoleCodeColumn checks a staffing file that gives role codes: the code
// is the role as given, the title is kept as a label, and a blank code falls
// back to the title.
func TestRoleCodeColumn(t *testing.T) {
	data := file("school_year,lea_id,school_id,staff_id,role_code,title,hispanic_latino,race",
		"2023,4900030,490003000001,E1,assistant_principal,Dean of Students,N,white",
		"2023,4900030,490003000001,E2,Assistant Principal,,N,white",
		"2023,4900030,490003000001,E3,,Teacher,N,white",
		"2023,4900030,490003000001,E4,vice_principal,Vice Principal,N,white",
		"2023,4900030,490003000001,E5,,,N,white",
		"2023,4900030,490003000001,E6,superintendent,Teacher,N,white",
	)
	row := func(id, role, title string) StaffRow {
		r := staff("490003000001", id, title, role)
		r.Gender = "unknown"
		return r
	}
	rows, rejects, err := readStaffing(t, data, StaffingOptions{})
	checkErr(t, err)
	checkRows(t, rows, []StaffRow{row("E1", "assistant_principal", "Dean of Students"),
		row("E2", "assistant_principal", ""), row("E3", "teacher", "Teacher")})
	checkRejects(t, rejects, []want{
		{5, "role_code", "role_code must be one of teacher, teacher_leader", "vice_principal"},
		{6, "title", "title is required (or a role_code)", ""},
		{7, "school_id", `title "Teacher" is a district or state post (superintendent)`, ""},
	})

	_, _, err = readStaffing(t, file("school_year,lea_id,school_id,staff_id,role_code,hispanic_latino,race",
		"2023,4900030,,E1,superintendent,N,white"), StaffingOptions{})
	checkErr(t, err)
}

// TestReadTitleMap checks a title file over the default table.
func TestReadTitleMap(t *testing.T) {
	m, err := ReadTitleMap(strings.NewReader("\uFEFF" + file("Title,Role Code",
		"Dean of Students,assistant_principal",
		"Director,district_leader",
		"School Administrator,principal",
		"Teacher,unknown",
		"  Instructional Specialist , Teacher_Leader",
		`"Coordinator, Bilingual Programs",district_leader`)))
	checkErr(t, err)
	for title, role := range map[string]string{
		"Dean of Students": "assistant_principal", "director": "district_leader", "School Administrator": "principal",
		"Instructional Specialist": "teacher_leader", "Coordinator Bilingual Programs": "district_leader",
		"Principal": "principal", "Teacher": "", "LEA Administrator": "",
	} {
		if got, ok := m.Role(title); got != role || ok != (role != "") {
			t.Errorf("Role(%q) = %q, %v; want %q", title, got, ok, role)
		}
	}
	if why := m.unknownReason("Teacher"); why != "title is mapped to unknown in the title file" {
		t.Errorf("unknownReason(Teacher) = %q", why)
	}
	if role, _ := DefaultTitles().Role("Director"); role != "principal" {
		t.Errorf("a title file changed the default table: Director is %q", role)
	}

	// The map in use by a reader.
	data := file(staffHeader,
		"2023,4900030,490003000001,E1,Dean of Students,1,F,N,white",
		"2023,4900030,490003000001,E2,Teacher,1,F,N,white",
		"2023,4900030,,E3,Director,1,F,N,white")
	rows, rejects, err := readStaffing(t, data, StaffingOptions{Titles: m})
	checkErr(t, err)
	checkRows(t, rows, []StaffRow{staff("490003000001", "E1", "Dean of Students", "assistant_principal"),
		staff("", "E3", "Director", "district_leader")})
	checkRejects(t, rejects, []want{{3, "title", "title is mapped to unknown in the title file", "Teacher"}})
}

// TestReadTitleMapErrors checks that a malformed title file is refused
// with the line and what is wrong.
func TestReadTitleMapErrors(t *testing.T) {
	tests := []struct {
		name, data string
		err        []string
	}{
		{"empty", "", []string{"title file: the file is empty", "expected a header like title,role_code"}},
		{"unknown column", file("title,role", "Dean,principal"), []string{"unknown column(s) in the header: role"}},
		{"missing column", file("title", "Dean"), []string{"missing column(s) in the header: role_code"}},
		{"semicolons", file("title;role_code", "Dean;principal"), []string{"the delimiter looks like ';'"}},
		{"unknown role", file("title,role_code", "Teacher,teacher", "Dean,vice_principal"),
			[]string{`title file line 3, column role_code: role_code "vice_principal" is not one of teacher, teacher_leader`, "state_leader, unknown"}},
		{"duplicate title", file("title,role_code", "Dean of Students,assistant_principal", "", "dean of students.,principal"),
			[]string{`title file line 4, column title: title "dean of students." is already mapped on line 2`}},
		{"empty title", file("title,role_code", ",principal"), []string{"title file line 2, column title: title must be 1 to 200 characters"}},
		{"title of dots", file("title,role_code", "...,principal"), []string{"line 2, column title: title must be 1 to 200 characters"}},
		{"long title", file("title,role_code", strings.Repeat("a", 201)+",principal"), []string{"line 2, column title: title must be 1 to 200"}},
		{"ragged", file("title,role_code", "Dean,principal,x"), []string{"title file line 2, column field 3: the record has 3 values, the header has 2"}},
		{"not UTF-8", file("title,role_code", "Decano Pe\xF1a,principal"), []string{"title file line 2, column title: not valid UTF-8"}},
		{"unclosed quote", file("title,role_code", `"Dean,principal`), []string{"title file line 2, column title: a quoted value is not closed"}},
		{"too long", file("title,role_code", strings.Repeat("a", 70_000)+",principal"), []string{"title file line 2: a record longer than 64 KiB"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadTitleMap(strings.NewReader(tc.data))
			if m != nil {
				t.Errorf("a map with the error")
			}
			checkErr(t, err, tc.err...)
		})
	}
}

// TestDefaultTitlesConsistent checks the built-in table: every role is a
// ladder role with titles, no title (normalised) is listed twice, none is
// also ambiguous.
func TestDefaultTitlesConsistent(t *testing.T) {
	seen := map[string]string{}
	for _, g := range defaultTitles {
		if _, ok := roleTier[g.role]; !ok {
			t.Errorf("role %q is not on the ladder", g.role)
		}
		if len(g.titles) == 0 {
			t.Errorf("role %s has no titles", g.role)
		}
		for _, title := range g.titles {
			k := normTitle(title)
			if prev, dup := seen[k]; dup {
				t.Errorf("title %q is listed twice (as %q too)", title, prev)
			}
			seen[k] = title
		}
	}
	for _, a := range ambiguousTitles {
		if _, dup := seen[normTitle(a)]; dup {
			t.Errorf("ambiguous title %q is also mapped", a)
		}
	}
	for role := range roleTier {
		if !strings.Contains(roleList, role) {
			t.Errorf("roleList lacks %s", role)
		}
	}
}

// TestSeedTitles checks that every title internal/seed writes (listed here
// from internal/seed/model.go, roleTitles and directorTitles) maps to the
// role seed means, so a title added there without a mapping here fails.
func TestSeedTitles(t *testing.T) {
	seed := map[string][]string{
		"teacher": {"Teacher", "Elementary Teacher", "Kindergarten Teacher", "Mathematics Teacher",
			"English Language Arts Teacher", "Science Teacher", "Social Studies Teacher", "Special Education Teacher",
			"English Learner Teacher", "Dual Language Immersion Teacher", "Music Teacher", "Physical Education Teacher",
			"CTE Teacher", "Art Teacher"},
		"teacher_leader":      {"Instructional Coach", "Teacher Leader", "Literacy Coach", "Math Coach", "Department Chair"},
		"assistant_principal": {"Assistant Principal", "Asst. Principal", "Vice Principal"},
		// A charter LEA's "Director" or "Executive Director" is counted as
		// the principal of its first school (with a school_id).
		"principal": {"Principal", "Director", "Executive Director"},
		"district_leader": {"Director of Curriculum", "Director of Human Resources",
			"Director of Special Education", "Director of Student Services", "Director of Elementary Education",
			"Director of Secondary Education", "Director of Assessment", "Coordinator of Equity and Access",
			"Director of Educational Technology", "Director of Federal Programs", "Business Administrator",
			"Coordinator of English Learner Services"},
		"assistant_superintendent": {"Assistant Superintendent", "Associate Superintendent", "Deputy Superintendent"},
		"superintendent":           {"Superintendent"},
		"state_leader": {"State Director of Teaching and Learning", "State Assistant Superintendent",
			"State Coordinator of Educator Licensing", "State Director of Special Education",
			"State Director of School Improvement", "State Coordinator of Title I", "State Board Executive"},
	}
	m := DefaultTitles()
	for role, titles := range seed {
		for _, title := range titles {
			if got, _ := m.Role(title); got != role {
				t.Errorf("seed title %q maps to %q, seed means %s", title, got, role)
			}
		}
	}
}
