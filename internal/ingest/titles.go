package ingest

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Tiers of the role ladder: where a post sits.
const (
	tierSchool = iota
	tierDistrict
	tierState
)

// roleTier is the role ladder (the roles table of migration 0001) and where
// each post sits: school posts have a school_id, the others do not.
var roleTier = map[string]int{
	"teacher": tierSchool, "teacher_leader": tierSchool, "assistant_principal": tierSchool, "principal": tierSchool,
	"district_leader": tierDistrict, "assistant_superintendent": tierDistrict, "superintendent": tierDistrict,
	"state_leader": tierState,
}

// roleList is the ladder in rank order, for messages.
const roleList = "teacher, teacher_leader, assistant_principal, principal, district_leader, " +
	"assistant_superintendent, superintendent, state_leader"

// unmapped is the role_code a title file gives to make a title unknown.
const unmapped = "unknown"

// maxTitleRunes is the longest title accepted.
const maxTitleRunes = 200

// TitleMap maps job titles to roles of the ladder. Titles compare after
// normalisation: case, dots, and runs of spaces, tabs, line breaks, hyphens,
// underscores, slashes, commas and parentheses do not matter ("Asst. Principal" =
// "asst principal", "Vice-Principal" = "vice principal"). A title not in the
// map is unknown: it is reported, never guessed.
type TitleMap struct {
	roles map[string]string // normalised title → role_code
	// why explains titles that are unknown on purpose (Ed-Fi's broad
	// classifications, titles a mapping file set to unknown).
	why map[string]string
}

// normTitle normalises a title for lookup.
func normTitle(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToLower(s) {
		switch r {
		case '.':
			continue
		case ' ', '\t', '\n', '\r', '-', '_', '/', ',', '(', ')', '\u00a0':
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// defaultTitles is the built-in title table, by role. It covers every title
// internal/seed writes and common variants; docs/formats.md lists it.
var defaultTitles = []struct {
	role   string
	titles []string
}{
	{"teacher", []string{"Teacher", "Elementary Teacher", "Kindergarten Teacher", "Mathematics Teacher",
		"English Language Arts Teacher", "Science Teacher", "Social Studies Teacher", "Special Education Teacher",
		"English Learner Teacher", "Dual Language Immersion Teacher", "Music Teacher", "Physical Education Teacher",
		"CTE Teacher", "Art Teacher",
		"Classroom Teacher", "Secondary Teacher", "Middle School Teacher", "High School Teacher", "Preschool Teacher",
		"Pre-K Teacher", "Math Teacher", "English Teacher", "Spanish Teacher", "Reading Teacher", "ESL Teacher",
		"ELL Teacher", "Bilingual Teacher", "Resource Teacher", "SPED Teacher", "ELA Teacher",
		"Career and Technical Education Teacher"}},
	{"teacher_leader", []string{"Instructional Coach", "Teacher Leader", "Literacy Coach", "Math Coach",
		"Department Chair",
		"Lead Teacher", "Mentor Teacher", "Department Head", "Academic Coach", "Reading Coach",
		"Mathematics Coach", "Instructional Coordinator", "Grade Level Lead", "Team Lead Teacher"}},
	{"assistant_principal", []string{"Assistant Principal", "Asst. Principal", "Vice Principal",
		"Associate Principal", "Assistant Head of School"}},
	{"principal", []string{"Principal",
		"School Principal", "Head Principal", "Interim Principal", "Co-Principal", "Head of School",
		// A charter LEA's director heads its school (internal/seed counts it
		// as the principal of the LEA's first school). A district that uses
		// "Director" for an office post maps it in its title file; left as
		// is, a "Director" row without a school_id is rejected, not guessed.
		"Director", "Executive Director", "School Director"}},
	{"district_leader", []string{"Director of Curriculum", "Director of Human Resources",
		"Director of Special Education", "Director of Student Services", "Director of Elementary Education",
		"Director of Secondary Education", "Director of Assessment", "Coordinator of Equity and Access",
		"Director of Educational Technology", "Director of Federal Programs", "Business Administrator",
		"Coordinator of English Learner Services",
		"Director of Curriculum and Instruction", "Director of Teaching and Learning", "Director of Title I",
		"Director of English Learners", "Director of Finance", "Chief Academic Officer", "Chief Financial Officer",
		"Chief Operating Officer", "Chief Human Resources Officer"}},
	{"assistant_superintendent", []string{"Assistant Superintendent", "Associate Superintendent",
		"Deputy Superintendent", "Asst. Superintendent", "Area Superintendent"}},
	{"superintendent", []string{"Superintendent", "District Superintendent", "Superintendent of Schools",
		"Interim Superintendent"}},
	{"state_leader", []string{"State Director of Teaching and Learning", "State Assistant Superintendent",
		"State Coordinator of Educator Licensing", "State Director of Special Education",
		"State Director of School Improvement", "State Coordinator of Title I", "State Board Executive",
		"State Superintendent", "State Superintendent of Public Instruction", "Deputy State Superintendent",
		"Commissioner of Education"}},
}

// ambiguousTitles are titles that name more than one rung of the ladder.
// Ed-Fi 4+ reports principals and assistant principals as "School
// Administrator" and superintendents and their deputies as "LEA
// Administrator".
var ambiguousTitles = []string{"School Administrator", "LEA Administrator", "Administrator", "School Leader"}

// DefaultTitles returns the built-in title table (a new copy each call).
func DefaultTitles() *TitleMap {
	m := &TitleMap{roles: map[string]string{}, why: map[string]string{}}
	for _, g := range defaultTitles {
		for _, t := range g.titles {
			m.roles[normTitle(t)] = g.role
		}
	}
	for _, t := range ambiguousTitles {
		m.why[normTitle(t)] = "covers several roles (Ed-Fi's broad classification): map it in a title file " +
			"(title,role_code) if your district uses it for one role"
	}
	return m
}

// Role returns the role_code of title, ok false when the title is unknown.
func (m *TitleMap) Role(title string) (role string, ok bool) {
	role, ok = m.roles[normTitle(title)]
	return role, ok
}

// unknownReason explains why title is unknown.
func (m *TitleMap) unknownReason(title string) string {
	if why, ok := m.why[normTitle(title)]; ok {
		return "title " + why
	}
	return "unknown title: add it to a title file (title,role_code, role_code one of " + roleList +
		"); titles are never guessed"
}

// titleFile is the title file's format.
var titleFile = &fileSpec{what: "title file", known: []string{colTitle, colRole}, expected: "title,role_code"}

// ReadTitleMap reads a title file, a CSV with the header title,role_code,
// over the default table: a title in the file replaces the default mapping
// of the same title; role_code unknown makes a title unknown. Any problem
// is an apperr.Invalid error naming the line: a title file is short and
// written by hand, so it is fixed, not partly used.
func ReadTitleMap(r io.Reader) (*TitleMap, error) {
	t, err := openTable(r, titleFile)
	if err != nil {
		return nil, err
	}
	if err := t.require(colTitle, colRole); err != nil {
		return nil, err
	}
	m := DefaultTitles()
	seen := map[string]int{}
	for {
		b, err := t.next()
		if err == io.EOF {
			return m, nil
		}
		if err != nil {
			return nil, err
		}
		if b == nil {
			b = m.set(t, seen)
		}
		if b != nil {
			return nil, invalidf("%s line %d, column %s: %s", titleFile.what, t.line(), b.col, b.reason)
		}
	}
}

// set applies the current record of a title file; seen holds the line of
// each title already mapped.
func (m *TitleMap) set(t *table, seen map[string]int) *bad {
	title, role := t.get(colTitle), code(t.get(colRole))
	key := normTitle(title)
	if key == "" || utf8.RuneCountInString(title) > maxTitleRunes {
		return badValue(colTitle, fmt.Sprintf("title must be 1 to %d characters", maxTitleRunes))
	}
	if _, ok := roleTier[role]; !ok && role != unmapped {
		return badValue(colRole, fmt.Sprintf("role_code %s is not one of %s, %s", quoteClip(t.get(colRole)), roleList, unmapped))
	}
	if prev, ok := seen[key]; ok {
		return badValue(colTitle, fmt.Sprintf("title %s is already mapped on line %d", quoteClip(title), prev))
	}
	seen[key] = t.line()
	delete(m.why, key)
	delete(m.roles, key)
	if role == unmapped {
		m.why[key] = "is mapped to unknown in the title file"
	} else {
		m.roles[key] = role
	}
	return nil
}

// role reads the role of the current record: role_code when the file has
// it and it is not blank (a ladder code, taken as given), else the title
// through titles (an unknown title is refused, never guessed). It returns
// the title too, whitespace tidied. A record with neither gives role ""
// unless required.
func (t *table) role(titles *TitleMap, required bool) (role, title string, b *bad) {
	title, b = t.text(colTitle, maxTitleRunes)
	if b != nil {
		return "", "", b
	}
	if raw := t.get(colRole); raw != "" {
		role = code(raw)
		if _, ok := roleTier[role]; !ok {
			return "", "", badValue(colRole, "role_code must be one of "+roleList)
		}
		return role, title, nil
	}
	if title == "" {
		if required {
			return "", "", badValue(colTitle, "title is required (or a role_code)")
		}
		return "", "", nil
	}
	role, ok := titles.Role(title)
	if !ok {
		return "", "", badValue(colTitle, titles.unknownReason(title))
	}
	return role, title, nil
}
