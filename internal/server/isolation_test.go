package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// TestPartnerIsolation walks the whole schema by introspection and, with a
// partner key for district A, calls every field reachable from Query (with
// arguments generated from the argument types, including the ids, names and
// cursors of a district B of the same state), then asserts that none of B's
// ids, names, goal titles or figures appear in any response body, data or
// errors. District E of another state is held to the same rule. The same
// walk with an admin key must find those markers, so the partner's clean run
// means something; and the partner must see its own district's figures, so
// an empty server cannot pass.
func TestPartnerIsolation(t *testing.T) {
	start := time.Now()
	fx := isolationFixture(t)
	admin := newAPI(t, fx.db)
	partner := admin.as(access.RolePartner, isoA)

	schema := isoIntrospect(t, admin)
	types, fields := schema.reachable()
	t.Logf("schema: %d object types and %d fields reachable from %s", types, len(fields), schema.query)
	w := &schemaWalker{schema: schema, years: []int{isoYear1, isoYear2}, maxLevel: 6, nestedVariants: 48, rootVariants: 100,
		inputVariants: 40, strs: fx.probeStrings(), marked: []string{isoB, isoE, "Zzmarker"}}

	// The admin walk: every marker must be reachable by a key that may read B.
	adminRun := w.run(t, admin, "admin", nil)
	seen := fx.markersIn(adminRun)
	for _, m := range fx.mustSee() {
		if !seen[m] {
			t.Errorf("the admin walk never saw marker %q: the partner run would prove nothing about it", m)
		}
	}
	t.Logf("admin walk: %s; saw %d of %d markers", adminRun.summary(), len(seen), len(fx.allMarkers()))
	adminRun.logRefusals(t)

	// The partner walk, with B's cursors (as the admin saw them) among the
	// string arguments.
	cursors := fx.cursorsOfMarked(adminRun)
	w.strs = append(w.strs, cursors...)
	w.marked = append(w.marked, cursors...)
	partnerRun := w.run(t, partner, "partner", adminRun.invalid)
	t.Logf("partner walk: %s", partnerRun.summary())
	partnerRun.logRefusals(t)
	if partnerRun.requests < 100 || partnerRun.leaves < 1000 {
		t.Errorf("the partner walk exercised too little: %s", partnerRun.summary())
	}
	if partnerRun.types < 10 {
		t.Errorf("the partner walk reached only %d object types with data", partnerRun.types)
	}
	for _, f := range fields {
		if !partnerRun.covered[f] {
			t.Errorf("the partner walk never selected %s (deeper than the walk goes?)", f)
		}
	}

	// Direct probes: B by id, by name, its goals, the CSV export, a mutation.
	direct := fx.directProbes(t, admin, partner)

	leaks := fx.leaksIn(append(partnerRun.responses, direct...))
	isoReportLeaks(t, leaks)

	// The partner saw its own district: A's id, name and distinctive figures.
	fx.partnerSawOwn(t, partnerRun)
	t.Logf("TestPartnerIsolation took %s", time.Since(start).Round(time.Millisecond))
}

// ---------------------------------------------------------------------------
// The warehouse.

const (
	isoYear1 = 2022
	isoYear2 = 2023
	isoA     = "4900101" // the partner's district
	isoB     = "4900707" // the marked district of the same state
	isoC     = "4900303" // another district of the state: state totals are not B alone
	isoE     = "3500505" // a marked district of another state
	isoAN    = "490010100001"
	isoAS    = "490010100002"
	isoBE    = "490070700011"
	isoBH    = "490070700022"
	isoCM    = "490030300001"
	isoEM    = "350050500001"
)

var (
	isoStates = [][]any{
		{"UT", "49", "Utah", uint8(0)},
		{"NM", "35", "New Mexico", uint8(0)},
	}
	isoDistricts = [][]any{
		{isoA, "UT", "Alpha Partner District", "regular", "suburb", uint8(0)},
		{isoB, "UT", "Zzmarker Bravo District", "regular", "city", uint8(0)},
		{isoC, "UT", "Charlie District", "regular", "rural", uint8(0)},
		{isoE, "NM", "Zzmarker Echo District", "regular", "town", uint8(0)},
	}
	isoSchools = [][]any{
		{isoAN, isoA, "UT", "Alpha North Elementary", "elementary", uint8(0), uint8(1), uint8(0)},
		{isoAS, isoA, "UT", "Alpha South High", "high", uint8(0), uint8(0), uint8(0)},
		{isoBE, isoB, "UT", "Zzmarker Bravo Elementary", "elementary", uint8(0), uint8(1), uint8(0)},
		{isoBH, isoB, "UT", "Zzmarker Bravo High", "high", uint8(0), uint8(0), uint8(0)},
		{isoCM, isoC, "UT", "Charlie Middle", "middle", uint8(0), uint8(0), uint8(0)},
		{isoEM, isoE, "NM", "Zzmarker Echo Middle", "middle", uint8(0), uint8(0), uint8(0)},
	}
	isoStateOf = map[string]string{isoA: "UT", isoB: "UT", isoC: "UT", isoE: "NM"}
)

// isoGroup is a number of people of one post: Latino, white, unknown
// ethnicity. School "" is the district office.
type isoGroup struct {
	year                   uint16
	lea, sch, role         string
	latino, white, unknown int
}

// isoMustSeeFigures are B's 2023 figures the admin walk must find. (Its 777
// staff are a marker too, but only the analyst query, which partners may
// not call, adds up every rank.)
var isoMustSeeFigures = []int64{211, 137, 566, 311, 6321, 4321, 173}

var isoRank = map[string]int{"teacher": 0, "assistant_principal": 2, "principal": 3, "district_leader": 4, "superintendent": 6}

// B has 211 leaders in 2023 (137 Latino), 566 teachers (311 Latino), 777
// staff, 6,321 students (4,321 Latino) and 173 members: no other district,
// school or state total has these figures (isolationFixture checks).
var isoGroups = func() []isoGroup {
	var g []isoGroup
	add := func(year uint16, lea, sch, role string, l, w, u int) {
		g = append(g, isoGroup{year, lea, sch, role, l, w, u})
	}
	for _, y := range []uint16{isoYear1, isoYear2} {
		d := 0 // 2023 has more leaders than 2022: some teachers were promoted
		if y == isoYear2 {
			d = 1
		}
		add(y, isoA, isoAN, "principal", 1, 0, 0)
		add(y, isoA, isoAN, "assistant_principal", 5+d, 2, 0)
		add(y, isoA, isoAN, "teacher", 42-2*d, 30, 5)
		add(y, isoA, isoAS, "principal", 0, 1, 0)
		add(y, isoA, isoAS, "assistant_principal", 4+d, 3, 0)
		add(y, isoA, isoAS, "teacher", 31-d, 40, 0)
		add(y, isoA, "", "superintendent", 0, 1, 0)
		add(y, isoA, "", "district_leader", 6+d, 3, 0)

		add(y, isoB, isoBE, "principal", 1, 0, 0)
		add(y, isoB, isoBE, "assistant_principal", 55+5*d, 20, 0)
		add(y, isoB, isoBE, "teacher", 165-5*d, 100, 10)
		add(y, isoB, isoBH, "principal", 0, 1, 0)
		add(y, isoB, isoBH, "assistant_principal", 45+5*d, 30, 0)
		add(y, isoB, isoBH, "teacher", 156-5*d, 145, 0)
		add(y, isoB, "", "superintendent", 1, 0, 0)
		add(y, isoB, "", "district_leader", 20+5*d, 23, 0)

		add(y, isoC, isoCM, "principal", 1, 0, 0)
		add(y, isoC, isoCM, "assistant_principal", 4, 2, 0)
		add(y, isoC, isoCM, "teacher", 20, 25, 0)
		add(y, isoC, "", "superintendent", 0, 1, 0)
		add(y, isoC, "", "district_leader", 3, 0, 0)

		add(y, isoE, isoEM, "principal", 1, 0, 0)
		add(y, isoE, isoEM, "assistant_principal", 30+3*d, 10, 0)
		add(y, isoE, isoEM, "teacher", 120-3*d, 90, 0)
		add(y, isoE, "", "superintendent", 1, 0, 0)
	}
	return g
}()

type isoEnroll struct {
	year          uint16
	lea, sch      string
	latino, white int
}

var isoEnrollment = []isoEnroll{
	{isoYear1, isoA, isoAN, 1150, 800}, {isoYear1, isoA, isoAS, 1000, 2500},
	{isoYear1, isoB, isoBE, 2400, 1000}, {isoYear1, isoB, isoBH, 1787, 911},
	{isoYear1, isoC, isoCM, 990, 2000}, {isoYear1, isoE, isoEM, 3200, 1100},
	{isoYear2, isoA, isoAN, 1200, 800}, {isoYear2, isoA, isoAS, 1022, 2533},
	{isoYear2, isoB, isoBE, 2500, 1000}, {isoYear2, isoB, isoBH, 1821, 1000},
	{isoYear2, isoC, isoCM, 1000, 2000}, {isoYear2, isoE, isoEM, 3333, 1111},
}

// Members of the association by district (all joined before the data), and
// of them how many attended the 2023-24 conference.
var isoMembers = []struct {
	lea         string
	n, attended int
}{{isoA, 12, 11}, {isoB, 173, 57}, {isoC, 15, 3}, {isoE, 29, 20}}

type isoGoal struct {
	id, title, scope, scopeID string
}

var isoGoals = []isoGoal{
	{"goal-zzmarker-bravo", "Zzmarker Bravo Latino leaders goal", "district", isoB},
	{"goal-zzmarker-bravo-school", "Zzmarker Bravo Elementary leaders goal", "school", isoBE},
	{"goal-zzmarker-echo", "Zzmarker Echo leaders goal", "district", isoE},
	{"goal-zzmarker-nm", "Zzmarker New Mexico state goal", "state", "NM"},
	{"goal-alpha-partner", "Alpha partner leaders goal", "district", isoA},
	{"goal-alpha-north", "Alpha North school goal", "school", isoAN},
	{"goal-utah-state", "Utah state leaders goal", "state", "UT"},
}

// isoPeople gives every person a staff key by district, ethnicity and
// position when the year's posts are sorted by rank: a district with more
// leaders than the year before has promoted some of its teachers.
func isoPeople() []person {
	sorted := append([]isoGroup(nil), isoGroups...)
	sort.SliceStable(sorted, func(i, j int) bool { return isoRank[sorted[i].role] > isoRank[sorted[j].role] })
	type k struct {
		year     uint16
		lea, eth string
	}
	next := map[k]uint64{}
	var out []person
	for _, g := range sorted {
		lea, _ := strconv.ParseUint(g.lea, 10, 64)
		for e, n := range map[string]int{"hispanic_latino": g.latino, "white": g.white, "unknown": g.unknown} {
			code := map[string]uint64{"hispanic_latino": 1, "white": 2, "unknown": 3}[e]
			for i := 0; i < n; i++ {
				kk := k{g.year, g.lea, e}
				key := lea*1_000_000 + code*100_000 + next[kk]
				next[kk]++
				out = append(out, person{g.year, isoStateOf[g.lea], g.lea, g.sch, key, g.role, e, 1})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].key < out[j].key || out[i].key == out[j].key && out[i].year < out[j].year
	})
	return out
}

type isoFixtureT struct {
	db *warehouse.DB
	// markers: strings that name B or E (ids, names, goal ids and titles),
	// and their figures.
	strMarkers   []string
	intMarkers   map[int64]string
	floatMarkers map[float64]string
	// A's own distinctive figures, by field name.
	aFigures map[string]int64
}

func isolationFixture(t *testing.T) *isoFixtureT {
	t.Helper()
	ctx := context.Background()
	db := whtest.NewDB(t)
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	insertRows(t, db, warehouse.TableStates, isoStates)
	insertRows(t, db, warehouse.TableDistricts, isoDistricts)
	insertRows(t, db, warehouse.TableSchools, isoSchools)
	insertPeople(t, db, isoPeople())
	var enr [][]any
	for _, e := range isoEnrollment {
		enr = append(enr, []any{e.year, isoStateOf[e.lea], e.lea, e.sch, "hispanic_latino", uint8(0), uint32(e.latino), "iso", at},
			[]any{e.year, isoStateOf[e.lea], e.lea, e.sch, "white", uint8(0), uint32(e.white), "iso", at})
	}
	insertRows(t, db, warehouse.TableEnrollment, enr)
	var members, events [][]any
	joined := time.Date(2019, 9, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range isoMembers {
		lea, _ := strconv.ParseUint(m.lea, 10, 64)
		for i := 0; i < m.n; i++ {
			id := fmt.Sprintf("m%s-%03d", m.lea, i)
			var left *time.Time
			members = append(members, []any{id, lea*1_000_000 + 100_000 + uint64(i), isoStateOf[m.lea], m.lea, joined, left, "iso", at})
			if i < m.attended {
				events = append(events, []any{id, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), "conference_attended", "", m.lea, "", "iso", at})
			}
		}
	}
	insertRows(t, db, warehouse.TableMembers, members)
	insertRows(t, db, warehouse.TableMemberEvents, events)
	var goals [][]any
	for _, g := range isoGoals {
		goals = append(goals, []any{g.id, g.title, "latino_leaders", g.scope, g.scopeID, "", uint16(isoYear1), 10.0,
			uint16(2030), 20.0, uint8(0), at, at, uint64(1)})
	}
	insertRows(t, db, warehouse.TableGoals, goals)
	if err := db.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}

	fx := &isoFixtureT{db: db, intMarkers: map[int64]string{}, floatMarkers: map[float64]string{}}
	for _, d := range isoDistricts {
		if d[0] == isoB || d[0] == isoE {
			fx.strMarkers = append(fx.strMarkers, d[0].(string), d[2].(string))
		}
	}
	for _, s := range isoSchools {
		if s[1] == isoB || s[1] == isoE {
			fx.strMarkers = append(fx.strMarkers, s[0].(string), s[3].(string))
		}
	}
	for _, g := range isoGoals {
		if strings.HasPrefix(g.id, "goal-zzmarker") {
			fx.strMarkers = append(fx.strMarkers, g.id, g.title)
		}
	}
	fx.strMarkers = append(fx.strMarkers, "Zzmarker")

	// Figures, counted here from the rows above: B's and E's (and their
	// schools') are markers unless some figure a partner of A may see (A's,
	// its schools', C's or Utah's) has the same value.
	type place struct {
		name   string
		marked bool
		in     func(lea, sch string) bool
	}
	places := []place{
		{"utah", false, func(lea, _ string) bool { return isoStateOf[lea] == "UT" }},
		{"A", false, func(lea, _ string) bool { return lea == isoA }},
		{"C", false, func(lea, _ string) bool { return lea == isoC }},
		{"B", true, func(lea, _ string) bool { return lea == isoB }},
		{"E", true, func(lea, _ string) bool { return lea == isoE }},
	}
	for _, s := range isoSchools {
		id, lea := s[0].(string), s[1].(string)
		places = append(places, place{"school " + id, lea == isoB || lea == isoE, func(_, sch string) bool { return sch == id }})
	}
	legitInts, legitFloats := map[int64]bool{}, []float64{}
	markInts, markFloats := map[int64]string{}, map[float64]string{}
	for _, p := range places {
		for _, y := range []uint16{isoYear1, isoYear2} {
			f := isoFigures(y, p.in)
			for name, v := range f.ints() {
				if p.marked {
					if v >= 100 {
						markInts[v] = isoJoinWhat(markInts[v], fmt.Sprintf("%s %s %d", p.name, name, y))
					}
				} else {
					legitInts[v] = true
				}
			}
			for name, v := range f.floats() {
				if p.marked {
					markFloats[v] = isoJoinWhat(markFloats[v], fmt.Sprintf("%s %s %d", p.name, name, y))
				} else {
					legitFloats = append(legitFloats, v)
				}
			}
			if p.name == "A" && y == isoYear2 {
				fx.aFigures = map[string]int64{"latinoLeaders": f.latinoLeaders, "latinoStudents": f.latinoStudents}
			}
		}
	}
	for _, m := range isoMembers {
		if m.lea == isoB {
			markInts[int64(m.n)] = "B members"
		} else {
			legitInts[int64(m.n)] = true
		}
	}
	for v, what := range markInts {
		if !legitInts[v] {
			fx.intMarkers[v] = what
		}
	}
floats:
	for v, what := range markFloats {
		if v == 0 || v == 1 || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		for _, l := range legitFloats {
			if isoClose(v, l) {
				continue floats
			}
		}
		fx.floatMarkers[v] = what
	}
	for _, v := range isoMustSeeFigures {
		if fx.intMarkers[v] == "" {
			t.Fatalf("fixture: B's figure %d is also a figure of A, C or Utah: %v", v, fx.intMarkers)
		}
	}
	return fx
}

func isoJoinWhat(a, b string) string {
	if a == "" {
		return b
	}
	return a + " = " + b
}

type isoCounts struct {
	leaders, latinoLeaders, knownLeaders    int64
	teachers, latinoTeachers, knownTeachers int64
	staff, latinoStaff, knownStaff          int64
	students, latinoStudents, knownStudents int64
}

func isoFigures(year uint16, in func(lea, sch string) bool) isoCounts {
	var c isoCounts
	for _, g := range isoGroups {
		if g.year != year || !in(g.lea, g.sch) {
			continue
		}
		n, l, k := int64(g.latino+g.white+g.unknown), int64(g.latino), int64(g.latino+g.white)
		c.staff, c.latinoStaff, c.knownStaff = c.staff+n, c.latinoStaff+l, c.knownStaff+k
		if isoRank[g.role] >= 2 {
			c.leaders, c.latinoLeaders, c.knownLeaders = c.leaders+n, c.latinoLeaders+l, c.knownLeaders+k
		} else {
			c.teachers, c.latinoTeachers, c.knownTeachers = c.teachers+n, c.latinoTeachers+l, c.knownTeachers+k
		}
	}
	for _, e := range isoEnrollment {
		if e.year == year && in(e.lea, e.sch) {
			c.students += int64(e.latino + e.white)
			c.knownStudents += int64(e.latino + e.white)
			c.latinoStudents += int64(e.latino)
		}
	}
	return c
}

func (c isoCounts) ints() map[string]int64 {
	return map[string]int64{"leaders": c.leaders, "latinoLeaders": c.latinoLeaders, "teachers": c.teachers,
		"latinoTeachers": c.latinoTeachers, "staff": c.staff, "latinoStaff": c.latinoStaff, "students": c.students,
		"latinoStudents": c.latinoStudents}
}

func (c isoCounts) floats() map[string]float64 {
	out := map[string]float64{}
	div := func(a, b int64) (float64, bool) {
		if b == 0 {
			return 0, false
		}
		return float64(a) / float64(b), true
	}
	ls, okL := div(c.latinoLeaders, c.knownLeaders)
	ss, okS := div(c.latinoStudents, c.knownStudents)
	if okL {
		out["latinoLeaderShare"] = ls
	}
	if okS {
		out["latinoStudentShare"] = ss
	}
	if okL && okS && ss != 0 {
		out["representationIndex"] = ls / ss
		out["representationGap"] = (ss - ls) * 100
	}
	if v, ok := div(c.latinoStudents, c.latinoLeaders); ok {
		out["latinoStudentsPerLatinoLeader"] = v
	}
	if v, ok := div(c.latinoTeachers, c.knownTeachers); ok {
		out["latinoTeacherShare"] = v
	}
	if v, ok := div(c.latinoStaff, c.knownStaff); ok {
		out["latinoStaffShare"] = v
	}
	return out
}

func isoClose(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// probeStrings are the values tried for every String and ID argument: B's
// and E's ids, names and goal ids first, then A's, the state codes.
func (fx *isoFixtureT) probeStrings() []string {
	return []string{isoB, isoBE, isoBH, "Zzmarker Bravo District", "Zzmarker", "goal-zzmarker-bravo",
		"goal-zzmarker-bravo-school", isoE, isoEM, "goal-zzmarker-nm", isoA, isoAN, "UT", "NM", "Alpha", "goal-alpha-partner"}
}

func (fx *isoFixtureT) allMarkers() []string {
	out := append([]string(nil), fx.strMarkers...)
	for v := range fx.intMarkers {
		out = append(out, strconv.FormatInt(v, 10))
	}
	for v := range fx.floatMarkers {
		out = append(out, strconv.FormatFloat(v, 'g', -1, 64))
	}
	return out
}

// mustSee are the markers the admin walk has to find.
func (fx *isoFixtureT) mustSee() []string {
	out := append([]string(nil), fx.strMarkers...)
	for _, v := range isoMustSeeFigures {
		out = append(out, strconv.FormatInt(v, 10))
	}
	return out
}

// markersIn returns the markers found in a run's data (by the same rules as
// leaksIn).
func (fx *isoFixtureT) markersIn(r *walkResult) map[string]bool {
	seen := map[string]bool{}
	for _, l := range fx.leaksIn(r.responses) {
		seen[l.marker] = true
	}
	return seen
}

// cursorsOfMarked are the strings of a run's data that decode to something
// naming a marked district or school (B's cursors, as an admin sees them).
func (fx *isoFixtureT) cursorsOfMarked(r *walkResult) []string {
	found := map[string]bool{}
	for _, resp := range r.responses {
		var body struct{ Data any }
		if json.Unmarshal([]byte(resp.body), &body) != nil {
			continue
		}
		isoEachString(body.Data, func(s string) {
			if dec, ok := isoDecodeOpaque(s); ok && fx.namesMarker(dec) != "" {
				found[s] = true
			}
		})
	}
	out := make([]string, 0, len(found))
	for s := range found {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func (fx *isoFixtureT) namesMarker(s string) string {
	low := strings.ToLower(s)
	for _, m := range fx.strMarkers {
		if strings.Contains(low, strings.ToLower(m)) {
			return m
		}
	}
	return ""
}

// ---------------------------------------------------------------------------
// Direct probes.

func (fx *isoFixtureT) directProbes(t *testing.T, admin, partner *api) []walkResp {
	t.Helper()
	var out []walkResp
	q := func(label, doc string) map[string]any {
		status, body := isoPost(t, partner, doc)
		out = append(out, walkResp{label: "direct " + label, doc: doc, status: status, body: body})
		var r struct {
			Data   map[string]any
			Errors []gqlError
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("%s: %s", label, body)
		}
		if len(r.Errors) > 0 {
			t.Logf("%s: errors %+v", label, r.Errors)
		}
		return r.Data
	}
	d := q("B by id", `{ district(id: "`+isoB+`") { id name } school(id: "`+isoBE+`") { id name }
		other: district(id: "`+isoE+`") { id } otherSchool: school(id: "`+isoEM+`") { id } }`)
	for _, k := range []string{"district", "school", "other", "otherSchool"} {
		if d[k] != nil {
			t.Errorf("partner of %s: %s = %v, want null", isoA, k, d[k])
		}
	}
	d = q("B by name", `{ districts(search: "Zzmarker Bravo District") { totalCount nodes { id name } }
		all: districts(search: "Zzmarker") { totalCount nodes { id } }
		ut: state(code: "UT") { districts(search: "Bravo") { totalCount nodes { id } } } }`)
	if c, _ := d["districts"].(map[string]any); c == nil || c["totalCount"] != 0.0 {
		t.Errorf("partner: districts(search: B's name) = %v, want none", d["districts"])
	}
	if c, _ := d["all"].(map[string]any); c == nil || c["totalCount"] != 0.0 {
		t.Errorf("partner: districts(search: \"Zzmarker\") = %v, want none", d["all"])
	}
	d = q("goals", `{ goals(includeArchived: true) { id title scope scopeId }
		b: goal(id: "goal-zzmarker-bravo") { id title } bs: goal(id: "goal-zzmarker-bravo-school") { id }
		nm: goal(id: "goal-zzmarker-nm") { id } a: goal(id: "goal-alpha-partner") { id title } }`)
	for _, k := range []string{"b", "bs", "nm"} {
		if d[k] != nil {
			t.Errorf("partner: goal %s = %v, want null", k, d[k])
		}
	}
	if d["a"] == nil {
		t.Errorf("partner: its own district's goal is null")
	}
	var gotGoals []string
	if gs, ok := d["goals"].([]any); ok {
		for _, g := range gs {
			gotGoals = append(gotGoals, fmt.Sprint(g.(map[string]any)["id"]))
		}
	}
	sort.Strings(gotGoals)
	if want := []string{"goal-alpha-north", "goal-alpha-partner", "goal-utah-state"}; fmt.Sprint(gotGoals) != fmt.Sprint(want) {
		t.Errorf("partner goals = %v, want %v", gotGoals, want)
	}

	// The CSV export of the analyst query, asking for B.
	for _, eq := range []string{
		`{"measures":["leaders","latino_leaders","students","latino_students"],"dimensions":["district"],"from":2023,"to":2023,` +
			`"filters":[{"dimension":"district","in":["` + isoB + `"]}]}`,
		`{"measures":["latino_leaders"],"dimensions":["school"],"from":2023,"to":2023,` +
			`"filters":[{"dimension":"school","in":["` + isoBE + `","` + isoBH + `"]}]}`,
		`{"measures":["staff"],"dimensions":["district","school_year"]}`,
	} {
		status, body := isoGet(t, partner, "/export.csv?query="+url.QueryEscape(eq))
		out = append(out, walkResp{label: "direct export.csv", doc: eq, status: status, body: body})
		// A partner exports its own districts (the scope is in the SQL):
		// asking for B answers 200 with no row of B (leaksIn looks).
		if status != http.StatusOK {
			t.Errorf("partner export.csv %s: status %d, want 200 without B: %s", eq, status, body)
		}
		if strings.Contains(eq, "school_year") && !strings.Contains(body, isoA) {
			t.Errorf("partner export.csv %s: its own district %s is not in it: %s", eq, isoA, body)
		}
		if s, b := isoGet(t, admin, "/export.csv?query="+url.QueryEscape(eq)); s != http.StatusOK || !strings.Contains(b, "\n") {
			t.Errorf("admin export.csv %s: %d %s", eq, s, b)
		}
	}

	// A partner's mutation on B's goal is refused and changes nothing.
	q("mutation", `mutation { archiveGoal(id: "goal-zzmarker-bravo") { id title archived } }`)
	var g struct{ Goal struct{ Archived bool } }
	_, body := isoPost(t, admin, `{ goal(id: "goal-zzmarker-bravo") { archived } }`)
	if err := json.Unmarshal([]byte(body), &struct{ Data any }{&g}); err != nil {
		t.Fatal(err)
	}
	if g.Goal.Archived {
		t.Errorf("a partner's archiveGoal archived B's goal")
	}
	return out
}

// isoPost posts a document with a's key and returns the status and the raw
// body, waiting as the server asks when it limits the key's rate.
func isoPost(t *testing.T, a *api, doc string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": doc})
	return isoSend(t, a, http.MethodPost, a.url+"/graphql", body)
}

// isoGet is a.get, waiting as the server asks when it limits the rate.
func isoGet(t *testing.T, a *api, path string) (int, string) {
	t.Helper()
	return isoSend(t, a, http.MethodGet, a.url+path, nil)
}

func isoSend(t *testing.T, a *api, method, u string, body []byte) (int, string) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		req, _ := http.NewRequest(method, u, bytes.NewReader(body))
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+a.key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || attempt == 20 {
			return resp.StatusCode, string(raw)
		}
		wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || wait < 1 {
			wait = 1
		}
		time.Sleep(time.Duration(wait) * time.Second)
	}
}

// ---------------------------------------------------------------------------
// Leak detection.

type isoLeak struct {
	label, marker, what, where string
}

var isoNumberRE = regexp.MustCompile(`\b[0-9]+(\.[0-9]+)?\b`)

// leaksIn finds markers in responses. A marker string the request itself
// sent (an argument) is looked for in the data only, since an error message
// may gqlQuote the argument back; any other marker anywhere in the body is a
// leak. Opaque strings (cursors) are decoded and looked into. Figures are
// the JSON numbers of the data, and numbers in any text of the body.
func (fx *isoFixtureT) leaksIn(resps []walkResp) []isoLeak {
	var out []isoLeak
	for _, r := range resps {
		lowDoc, lowBody := strings.ToLower(r.doc), strings.ToLower(r.body)
		var body struct {
			Data       json.RawMessage
			Errors     json.RawMessage
			Extensions json.RawMessage
		}
		isJSON := json.Unmarshal([]byte(r.body), &body) == nil && len(body.Data)+len(body.Errors) > 0
		lowData := strings.ToLower(string(body.Data))
		for _, m := range fx.strMarkers {
			lm := strings.ToLower(m)
			switch {
			case strings.Contains(lowDoc, lm) && isJSON:
				if i := strings.Index(lowData, lm); i >= 0 {
					out = append(out, isoLeak{r.label, m, "string (sent as an argument, returned in data)", isoSnippet(string(body.Data), i)})
				}
			case strings.Contains(lowBody, lm):
				i := strings.Index(lowBody, lm)
				out = append(out, isoLeak{r.label, m, "string", isoSnippet(r.body, i)})
			}
		}
		if !isJSON {
			// CSV or plain text: numbers anywhere.
			for _, n := range isoNumberRE.FindAllString(r.body, -1) {
				if m, what := fx.numberMarker(n); m != "" {
					out = append(out, isoLeak{r.label, m, "figure " + what, "text: " + n})
				}
			}
			continue
		}
		var data any
		dec := json.NewDecoder(bytes.NewReader(body.Data))
		dec.UseNumber()
		if len(body.Data) > 0 && dec.Decode(&data) == nil {
			isoWalkJSON(data, "", func(path string, v any) {
				switch x := v.(type) {
				case json.Number:
					if m, what := fx.numberMarker(x.String()); m != "" {
						out = append(out, isoLeak{r.label, m, "figure " + what, path})
					}
				case string:
					if dec, ok := isoDecodeOpaque(x); ok {
						if m := fx.namesMarker(dec); m != "" {
							out = append(out, isoLeak{r.label, m, "inside an opaque string", path + " = " + x + " → " + strconv.Quote(dec)})
						}
					}
					for _, n := range isoNumberRE.FindAllString(x, -1) {
						if m, what := fx.numberMarker(n); m != "" && n != x {
							out = append(out, isoLeak{r.label, m, "figure in text " + what, path})
						}
					}
					if m, what := fx.numberMarker(x); m != "" {
						out = append(out, isoLeak{r.label, m, "figure as string " + what, path})
					}
				}
			})
		}
		for _, raw := range []json.RawMessage{body.Errors, body.Extensions} {
			var v any
			if json.Unmarshal(raw, &v) != nil {
				continue
			}
			isoEachString(v, func(s string) {
				for _, n := range isoNumberRE.FindAllString(s, -1) {
					if m, what := fx.numberMarker(n); m != "" && !strings.Contains(r.doc, n) {
						out = append(out, isoLeak{r.label, m, "figure in an error or extension " + what, s})
					}
				}
			})
		}
	}
	return out
}

// numberMarker says whether a number (as written) is one of the marked
// figures.
func (fx *isoFixtureT) numberMarker(s string) (string, string) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return "", ""
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		if what, ok := fx.intMarkers[int64(f)]; ok {
			return strconv.FormatInt(int64(f), 10), what
		}
		return "", ""
	}
	for m, what := range fx.floatMarkers {
		if isoClose(f, m) {
			return strconv.FormatFloat(m, 'g', -1, 64), what
		}
	}
	return "", ""
}

func isoSnippet(s string, i int) string {
	lo, hi := max(0, i-120), min(len(s), i+120)
	return s[lo:hi]
}

// isoDecodeOpaque decodes a string that looks like base64 (a cursor).
func isoDecodeOpaque(s string) (string, bool) {
	if len(s) < 8 || strings.ContainsAny(s, " .:") {
		return "", false
	}
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil && utf8.Valid(b) {
			return string(b), true
		}
	}
	return "", false
}

func isoWalkJSON(v any, path string, f func(path string, v any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			isoWalkJSON(c, path+"."+k, f)
		}
	case []any:
		for i, c := range x {
			isoWalkJSON(c, path+"["+strconv.Itoa(i)+"]", f)
		}
	default:
		f(path, v)
	}
}

func isoEachString(v any, f func(string)) {
	isoWalkJSON(v, "", func(_ string, v any) {
		if s, ok := v.(string); ok {
			f(s)
		}
	})
}

// isoReportLeaks fails the test once per leaking field and marker, naming the
// request, the marker and where it appeared.
func isoReportLeaks(t *testing.T, leaks []isoLeak) {
	t.Helper()
	type key struct{ field, marker string }
	seen := map[key]bool{}
	var keys []key
	first := map[key]isoLeak{}
	count := map[key]int{}
	indexRE := regexp.MustCompile(`\[[0-9]+\]`)
	for _, l := range leaks {
		k := key{l.label + " " + indexRE.ReplaceAllString(l.where, "[]"), l.marker}
		if len(k.field) > 300 {
			k.field = k.field[:300]
		}
		count[k]++
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
			first[k] = l
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].field < keys[j].field })
	for i, k := range keys {
		if i == 60 {
			t.Errorf("… and %d more leaking places", len(keys)-60)
			break
		}
		l := first[k]
		t.Errorf("LEAK to the partner of %s: %s %q (%s) in %s at %s (%d times)", isoA, l.what, l.marker,
			isoDescribeMarker(l.marker), l.label, l.where, count[k])
	}
}

func isoDescribeMarker(m string) string {
	switch {
	case strings.HasPrefix(m, "49007"), strings.Contains(strings.ToLower(m), "bravo"):
		return "district B " + isoB
	case strings.HasPrefix(m, "35005"), strings.Contains(strings.ToLower(m), "echo"), strings.Contains(m, "New Mexico"), m == "goal-zzmarker-nm":
		return "district E " + isoE + " of another state"
	case m == "Zzmarker":
		return "the marker prefix of B's and E's names"
	}
	return "a figure of B or E"
}

// partnerSawOwn checks that the partner's walk returned A itself: its id,
// name, and its distinctive figures at the fields that carry them.
func (fx *isoFixtureT) partnerSawOwn(t *testing.T, r *walkResult) {
	t.Helper()
	var sawID, sawName bool
	sawFig := map[string]bool{}
	for _, resp := range r.responses {
		var body struct{ Data any }
		d := json.NewDecoder(strings.NewReader(resp.body))
		d.UseNumber()
		if d.Decode(&body) != nil {
			continue
		}
		isoWalkJSON(body.Data, "", func(path string, v any) {
			switch x := v.(type) {
			case string:
				sawID = sawID || x == isoA
				sawName = sawName || x == "Alpha Partner District"
			case json.Number:
				for field, want := range fx.aFigures {
					if strings.HasSuffix(path, "."+field) && x.String() == strconv.FormatInt(want, 10) {
						sawFig[field] = true
					}
				}
			}
		})
	}
	if !sawID || !sawName {
		t.Errorf("the partner never saw its own district (id %v, name %v)", sawID, sawName)
	}
	for field, want := range fx.aFigures {
		if !sawFig[field] {
			t.Errorf("the partner never saw its own district's %s = %d", field, want)
		}
	}
}

// ---------------------------------------------------------------------------
// Introspection.

type introTypeRef struct {
	Kind   string
	Name   string
	OfType *introTypeRef
}

type introInput struct {
	Name         string
	Type         *introTypeRef
	DefaultValue *string
}

type introField struct {
	Name string
	Args []introInput
	Type *introTypeRef
}

type introType struct {
	Kind          string
	Name          string
	Fields        []introField
	InputFields   []introInput
	EnumValues    []struct{ Name string }
	PossibleTypes []struct{ Name string }
}

type introSchema struct {
	query string
	types map[string]*introType
}

const isoIntrospectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    types {
      kind name
      fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } }
      inputFields { ...InputValue }
      enumValues(includeDeprecated: true) { name }
      possibleTypes { name }
    }
  }
}
fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } }
}`

func isoIntrospect(t *testing.T, a *api) *introSchema {
	t.Helper()
	var d struct {
		Schema struct {
			QueryType struct{ Name string }
			Types     []*introType
		} `json:"__schema"`
	}
	a.must(isoIntrospectionQuery, nil, &d)
	s := &introSchema{query: d.Schema.QueryType.Name, types: map[string]*introType{}}
	for _, ty := range d.Schema.Types {
		s.types[ty.Name] = ty
	}
	if s.types[s.query] == nil || len(s.types[s.query].Fields) == 0 {
		t.Fatalf("introspection found no query type: %+v", d)
	}
	return s
}

// reachable counts the object types reachable from the query type and
// lists their fields (Type.field).
func (s *introSchema) reachable() (types int, fields []string) {
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		t := s.types[name]
		if t == nil || seen[name] || (t.Kind != "OBJECT" && t.Kind != "INTERFACE" && t.Kind != "UNION") {
			return
		}
		seen[name] = true
		types++
		for _, p := range t.PossibleTypes {
			visit(p.Name)
		}
		for _, f := range t.Fields {
			if !strings.HasPrefix(f.Name, "__") {
				fields = append(fields, name+"."+f.Name)
				visit(namedType(f.Type).Name)
			}
		}
	}
	visit(s.query)
	return types, fields
}

func namedType(r *introTypeRef) *introTypeRef {
	for r.OfType != nil {
		r = r.OfType
	}
	return r
}

// ---------------------------------------------------------------------------
// The walker.

// schemaWalker generates, from the introspected schema, one selection per
// root field and argument variant, nested to maxLevel object levels (a type at
// most twice on one path), every field of every object, and every field
// with arguments once with its base arguments and, under an alias, once per
// other candidate value of each argument (the variants' own selections stop
// one level down, so the documents stay small). A nested field with its
// arguments is asked once per walk, under the first root that reaches it
// (see markDone); documents are split to the server's limits and a field
// whose error would null its siblings is re-asked on its own (runTree).
type schemaWalker struct {
	schema         *introSchema
	strs           []string
	years          []int
	marked         []string // values that name B: variants with them come first
	maxLevel       int
	nestedVariants int // argument variants of a nested field, at most
	rootVariants   int // argument variants of a root field, at most
	inputVariants  int // input objects tried for a root argument, at most
}

type walkNode struct {
	key, name, args string
	parentType      string
	typ             *introTypeRef // nil for an inline fragment
	children        []*walkNode
	parent          *walkNode
	orig            *walkNode // the generated node a split copy stands for
	keep            bool      // a copy on an isolation chain: rendered even though isolated
	isolated        bool
	dup             bool // a field and arguments an earlier root selection already asked for
}

func (n *walkNode) o() *walkNode {
	if n.orig != nil {
		return n.orig
	}
	return n
}

func (n *walkNode) sig() string { return n.parentType + "." + n.name + n.args }

func (w *schemaWalker) gen(typeName string, level, limit int, onPath map[string]int, variantMode bool) []*walkNode {
	t := w.schema.types[typeName]
	if t == nil {
		return nil
	}
	var out []*walkNode
	if t.Kind == "UNION" || t.Kind == "INTERFACE" {
		out = append(out, &walkNode{key: "__typename", name: "__typename", parentType: typeName, typ: &introTypeRef{Kind: "SCALAR", Name: "String"}})
		for _, p := range t.PossibleTypes {
			if onPath[p.Name] >= 2 {
				continue
			}
			onPath[p.Name]++
			kids := w.gen(p.Name, level, limit, onPath, variantMode)
			onPath[p.Name]--
			if len(kids) > 0 {
				out = append(out, &walkNode{key: "... on " + p.Name, name: "... on " + p.Name, parentType: typeName, children: kids})
			}
		}
		if t.Kind == "UNION" {
			return out
		}
	}
	for _, f := range t.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		base := namedType(f.Type)
		bt := w.schema.types[base.Name]
		if bt == nil {
			continue
		}
		variants := w.argVariants(f.Args, level == 0)
		if variantMode {
			variants = variants[:1]
		} else if level > 0 && len(variants) > w.nestedVariants {
			variants = variants[:w.nestedVariants]
		}
		for i, args := range variants {
			key := f.Name
			if i > 0 {
				key = fmt.Sprintf("v%d_%s", i, f.Name)
			}
			n := &walkNode{key: key, name: f.Name, args: args, parentType: typeName, typ: f.Type}
			if bt.Kind == "SCALAR" || bt.Kind == "ENUM" {
				out = append(out, n)
				continue
			}
			lim, vm := limit, variantMode
			if i > 0 && level > 0 {
				lim, vm = min(limit, level+2), true
			}
			if level+1 > lim || onPath[base.Name] >= 2 {
				continue
			}
			onPath[base.Name]++
			n.children = w.gen(base.Name, level+1, lim, onPath, vm)
			onPath[base.Name]--
			if len(n.children) > 0 {
				out = append(out, n)
			}
		}
	}
	for _, n := range out {
		for _, c := range n.children {
			c.parent = n
		}
	}
	return out
}

// roots returns the root selections: one per field of the query type and
// argument variant.
func (w *schemaWalker) roots() []*walkNode {
	var out []*walkNode
	q := w.schema.query
	for _, f := range w.schema.types[q].Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		variants := w.argVariants(f.Args, true)
		if len(variants) > w.rootVariants {
			variants = variants[:w.rootVariants]
		}
		base := namedType(f.Type)
		for _, args := range variants {
			n := &walkNode{key: f.Name, name: f.Name, args: args, parentType: q, typ: f.Type}
			if bt := w.schema.types[base.Name]; bt.Kind != "SCALAR" && bt.Kind != "ENUM" {
				n.children = w.gen(base.Name, 1, w.maxLevel, map[string]int{base.Name: 1}, false)
				for _, c := range n.children {
					c.parent = n
				}
			}
			out = append(out, n)
		}
	}
	return out
}

// argVariants renders a field's argument lists: the base one first (every
// required argument and every Int argument with its first candidate), then
// the base with one argument changed to each of its other candidates (and,
// at the root, an optional argument left out).
func (w *schemaWalker) argVariants(args []introInput, root bool) []string {
	if len(args) == 0 {
		return []string{""}
	}
	base := map[string]string{}
	cands := map[string][]string{}
	for _, a := range args {
		cands[a.Name] = w.candidates(a.Type, a.Name, 0)
		required := a.Type.Kind == "NON_NULL" && a.DefaultValue == nil
		if len(cands[a.Name]) > 0 && (required || namedType(a.Type).Name == "Int") {
			base[a.Name] = cands[a.Name][0]
		}
	}
	render := func(m map[string]string) string {
		var parts []string
		for _, a := range args {
			if v, ok := m[a.Name]; ok {
				parts = append(parts, a.Name+": "+v)
			}
		}
		if len(parts) == 0 {
			return ""
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	out := []string{render(base)}
	seen := map[string]bool{out[0]: true}
	addVariant := func(m map[string]string) {
		if s := render(m); !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, a := range args {
		for _, c := range cands[a.Name] {
			m := copyArgs(base)
			m[a.Name] = c
			addVariant(m)
		}
		if _, set := base[a.Name]; set && root && !(a.Type.Kind == "NON_NULL" && a.DefaultValue == nil) {
			m := copyArgs(base)
			delete(m, a.Name)
			addVariant(m)
		}
	}
	// Variants that name B first: they are the point of the walk.
	head, rest := out[:1], out[1:]
	sort.SliceStable(rest, func(i, j int) bool { return w.namesB(rest[i]) && !w.namesB(rest[j]) })
	return append(head, rest...)
}

func (w *schemaWalker) namesB(s string) bool {
	for _, m := range w.marked {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

func copyArgs(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func gqlQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// candidates renders the values tried for an argument of type r.
func (w *schemaWalker) candidates(r *introTypeRef, name string, depth int) []string {
	switch r.Kind {
	case "NON_NULL":
		return w.candidates(r.OfType, name, depth)
	case "LIST":
		inner := namedType(r)
		if inner.Name == "String" || inner.Name == "ID" {
			// A list of strings: the values that name B alone, then all.
			var marked, all []string
			for _, s := range w.strs {
				all = append(all, gqlQuote(s))
				if w.namesB(s) {
					marked = append(marked, gqlQuote(s))
				}
			}
			out := []string{"[" + strings.Join(all, ", ") + "]"}
			if len(marked) > 0 {
				out = append([]string{"[" + strings.Join(marked, ", ") + "]"}, out...)
			}
			return out
		}
		var out []string
		for _, c := range w.candidates(r.OfType, name, depth) {
			out = append(out, "["+c+"]")
		}
		return out
	}
	t := w.schema.types[r.Name]
	if t == nil {
		return nil
	}
	switch t.Kind {
	case "ENUM":
		var out []string
		for _, v := range t.EnumValues {
			out = append(out, v.Name)
		}
		return out
	case "INPUT_OBJECT":
		if depth > 3 {
			return nil
		}
		return w.inputCandidates(t, depth)
	}
	switch r.Name {
	case "String", "ID":
		var out []string
		for _, s := range w.strs {
			out = append(out, gqlQuote(s))
		}
		return out
	case "Int":
		return w.ints(name)
	case "Float":
		return []string{"0.5"}
	case "Boolean":
		return []string{"true", "false"}
	default: // a custom scalar (Time)
		return []string{gqlQuote(fmt.Sprintf("%d-07-01T00:00:00Z", w.years[len(w.years)-1]))}
	}
}

// ints are the candidates of an Int argument: a small page size for page
// sizes, otherwise a school year of the data (the first for a start, the
// last otherwise). One value each: a year only moves a bound, and every
// argument that names something is tried with B's values.
func (w *schemaWalker) ints(name string) []string {
	low := strings.ToLower(name)
	first, last := strconv.Itoa(w.years[0]), strconv.Itoa(w.years[len(w.years)-1])
	switch {
	case strings.Contains(low, "first") || strings.Contains(low, "limit") || strings.Contains(low, "last"):
		return []string{"5"}
	case low == "from" || strings.HasPrefix(low, "from") || strings.HasPrefix(low, "baseline"):
		return []string{first}
	default:
		return []string{last}
	}
}

// inputCandidates builds input objects from their fields' types: for each
// "theme" (every enum value appearing in the object; an enum field takes the
// theme when it has it, else its first value), the required fields alone,
// and the required fields with each optional field set to each of its
// candidates.
func (w *schemaWalker) inputCandidates(t *introType, depth int) []string {
	themes := []string{""}
	seenTheme := map[string]bool{}
	var collect func(t *introType, d int)
	collect = func(t *introType, d int) {
		for _, f := range t.InputFields {
			ft := w.schema.types[namedType(f.Type).Name]
			switch {
			case ft == nil:
			case ft.Kind == "ENUM":
				for _, v := range ft.EnumValues {
					if !seenTheme[v.Name] {
						seenTheme[v.Name] = true
						themes = append(themes, v.Name)
					}
				}
			case ft.Kind == "INPUT_OBJECT" && d < 3:
				collect(ft, d+1)
			}
		}
	}
	collect(t, depth)
	// Round robin over the themes, each theme's variants that name B first,
	// so that a cap keeps every theme.
	seen := map[string]bool{}
	var byTheme [][]string
	for _, theme := range themes {
		var objs []string
		for _, obj := range w.themedObjects(t, theme, depth) {
			if !seen[obj] {
				seen[obj] = true
				objs = append(objs, obj)
			}
		}
		sort.SliceStable(objs, func(i, j int) bool { return w.namesB(objs[i]) && !w.namesB(objs[j]) })
		byTheme = append(byTheme, objs)
	}
	var out []string
	for i := 0; len(out) < len(seen); i++ {
		for _, objs := range byTheme {
			if i < len(objs) {
				out = append(out, objs[i])
			}
		}
	}
	limit := w.inputVariants
	if depth > 0 {
		limit = 8
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

func (w *schemaWalker) themedObjects(t *introType, theme string, depth int) []string {
	req := []string{}
	inBase := map[string]bool{}
	for _, f := range t.InputFields {
		required := f.Type.Kind == "NON_NULL" && f.DefaultValue == nil
		if !required && (f.Type.Kind == "LIST" || namedType(f.Type).Name != "Int") {
			continue
		}
		c := w.themed(f.Type, f.Name, theme, depth)
		if len(c) == 0 {
			if required {
				return nil
			}
			continue
		}
		req = append(req, f.Name+": "+c[0])
		inBase[f.Name] = true
	}
	out := []string{"{" + strings.Join(req, ", ") + "}"}
	for _, f := range t.InputFields {
		if inBase[f.Name] {
			continue
		}
		for _, c := range w.themed(f.Type, f.Name, theme, depth) {
			out = append(out, "{"+strings.Join(append(append([]string(nil), req...), f.Name+": "+c), ", ")+"}")
		}
	}
	return out
}

// themed is candidates with enum values chosen by the theme.
func (w *schemaWalker) themed(r *introTypeRef, name, theme string, depth int) []string {
	switch r.Kind {
	case "NON_NULL":
		return w.themed(r.OfType, name, theme, depth)
	case "LIST":
		if in := namedType(r); in.Name == "String" || in.Name == "ID" {
			return w.candidates(r, name, depth)
		}
		var out []string
		for _, c := range w.themed(r.OfType, name, theme, depth) {
			out = append(out, "["+c+"]")
		}
		return out
	}
	t := w.schema.types[r.Name]
	if t == nil {
		return nil
	}
	switch t.Kind {
	case "ENUM":
		for _, v := range t.EnumValues {
			if v.Name == theme {
				return []string{theme}
			}
		}
		if len(t.EnumValues) > 0 {
			return []string{t.EnumValues[0].Name}
		}
		return nil
	case "INPUT_OBJECT":
		if depth >= 3 {
			return nil
		}
		objs := w.themedObjects(t, theme, depth+1)
		if len(objs) > 6 {
			objs = objs[:6]
		}
		return objs
	}
	if r.Name == "Int" {
		if low := strings.ToLower(name); strings.Contains(low, "limit") || strings.Contains(low, "first") {
			return []string{"5"}
		}
		return []string{strconv.Itoa(w.years[len(w.years)-1])}
	}
	c := w.candidates(r, name, depth)
	if len(c) > 1 {
		c = c[:1]
	}
	return c
}

// ---------------------------------------------------------------------------
// Running the walk.

type walkResp struct {
	label, doc string
	status     int
	body       string
}

type walkResult struct {
	role        string
	roots       int
	requests    int
	fieldsSent  int
	leaves      int // non-null scalar values received
	types       int // object types that came back with data
	fieldsCover int // distinct Type.field selected
	errors      int
	isolated    int
	unwalkable  []string
	rejected    []string // documents refused as a whole (validation)
	responses   []walkResp
	invalid     map[string]bool // signatures of argument variants refused as invalid input
	done        map[string]bool // signatures asked for by an earlier root selection
	dups        int
	errorKinds  map[string]int // field errors by the start of their message
	testedAlone map[string]bool
	typesSeen   map[string]bool
	covered     map[string]bool
}

func (r *walkResult) summary() string {
	return fmt.Sprintf("%d root selections, %d requests, %d fields sent (%d distinct Type.field), %d values received, "+
		"%d object types with data, %d field errors, %d variants isolated, %d known-invalid variants, %d documents refused, "+
		"%d unwalkable, %d distinct field+arguments, %d repeats left out",
		r.roots, r.requests, r.fieldsSent, r.fieldsCover, r.leaves, r.types, r.errors, r.isolated, len(r.invalid), len(r.rejected),
		len(r.unwalkable), len(r.done), r.dups)
}

// logRefusals shows the documents the server refused as a whole (a
// generated document the server cannot take is a gap in the walk) and the
// kinds of field errors. With CAMINO_ISOLATION_DUMP=dir it writes every
// document and response there.
func (r *walkResult) logRefusals(t *testing.T) {
	t.Helper()
	kinds := make([]string, 0, len(r.errorKinds))
	for k := range r.errorKinds {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return r.errorKinds[kinds[i]] > r.errorKinds[kinds[j]] })
	for i, k := range kinds {
		if i == 12 {
			break
		}
		t.Logf("%s: %4d field errors %q", r.role, r.errorKinds[k], k)
	}
	if dir := os.Getenv("CAMINO_ISOLATION_DUMP"); dir != "" {
		var b strings.Builder
		for _, resp := range r.responses {
			fmt.Fprintf(&b, "### %s\n%s\n--- %d\n%s\n\n", resp.label, resp.doc, resp.status, resp.body)
		}
		if err := os.WriteFile(filepath.Join(dir, r.role+".txt"), []byte(b.String()), 0o644); err != nil {
			t.Log(err)
		}
	}
	for i, s := range append(append([]string(nil), r.rejected...), r.unwalkable...) {
		if i == 10 {
			t.Logf("%s: … %d more refused", r.role, len(r.rejected)+len(r.unwalkable)-10)
			break
		}
		t.Logf("%s: refused: %.300s", r.role, s)
	}
}

const (
	walkFieldBudget = 1500
	walkAliasBudget = 90
)

// run walks every root selection with client c. invalid carries the
// argument variants another run found to be invalid input.
func (w *schemaWalker) run(t *testing.T, c *api, role string, invalid map[string]bool) *walkResult {
	t.Helper()
	r := &walkResult{role: role, invalid: map[string]bool{}, done: map[string]bool{}, errorKinds: map[string]int{}, testedAlone: map[string]bool{}, typesSeen: map[string]bool{},
		covered: map[string]bool{}}
	for k := range invalid {
		r.invalid[k] = true
	}
	roots := w.roots()
	r.roots = len(roots)
	for _, root := range roots {
		r.markDone(root)
		queue := []*walkNode{root}
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			queue = append(queue, w.runTree(t, c, r, n, walkFieldBudget)...)
		}
	}
	r.types = len(r.typesSeen)
	r.fieldsCover = len(r.covered)
	return r
}

// skip reports whether n is left out of the documents now: isolated, asked
// already, a known-invalid variant, or an object with nothing left to select.
func (r *walkResult) skip(n *walkNode) bool {
	if !n.keep {
		if o := n.o(); o.isolated || o.dup || r.invalid[o.sig()] {
			return true
		}
	}
	if len(n.children) == 0 {
		return false // a leaf
	}
	for _, c := range n.children {
		if !r.skip(c) {
			return false
		}
	}
	return true
}

// markDone leaves out of root the fields with arguments (figures, lists)
// that an earlier root selection already asked for with the same arguments,
// under the same parent type: each is asked once per walk, for every
// object the first root that reaches it returns (every district of a
// state's page, every school of theirs), not again under each later root.
func (r *walkResult) markDone(root *walkNode) {
	local := map[string]bool{}
	var visit func(n *walkNode)
	visit = func(n *walkNode) {
		for _, c := range n.children {
			if c.args != "" {
				if r.done[c.sig()] {
					c.dup = true
					r.dups++
					continue
				}
				local[c.sig()] = true
			}
			visit(c)
		}
	}
	visit(root)
	for k := range local {
		r.done[k] = true
	}
}

// cost counts the fields and aliases of n's selection as it would be sent.
func (r *walkResult) cost(n *walkNode) (fields, aliases int) {
	if !strings.HasPrefix(n.name, "... on ") {
		fields = 1
	}
	if n.key != n.name && fields == 1 {
		aliases = 1
	}
	for _, c := range n.children {
		if r.skip(c) {
			continue
		}
		f, a := r.cost(c)
		fields, aliases = fields+f, aliases+a
	}
	return fields, aliases
}

// split cuts n into copies whose selections fit the budget, together
// selecting everything n selects.
func (r *walkResult) split(n *walkNode, budget int) []*walkNode {
	f, a := r.cost(n)
	if f <= budget && a <= walkAliasBudget {
		return []*walkNode{n}
	}
	var parts []*walkNode
	for _, c := range n.children {
		if r.skip(c) {
			continue
		}
		if len(c.children) == 0 {
			parts = append(parts, c)
			continue
		}
		parts = append(parts, r.split(c, max(budget-1, 2))...)
	}
	var out []*walkNode
	var cur *walkNode
	var curF, curA int
	for _, p := range parts {
		pf, pa := r.cost(p)
		if cur == nil || curF+pf > budget || curA+pa > walkAliasBudget {
			cur = &walkNode{key: n.key, name: n.name, args: n.args, parentType: n.parentType, typ: n.typ, parent: n.parent,
				orig: n.o(), keep: n.keep}
			curF, curA = r.cost(cur)
			out = append(out, cur)
		}
		cur.children = append(cur.children, p)
		curF, curA = curF+pf, curA+pa
	}
	return out
}

func (r *walkResult) render(n *walkNode, b *strings.Builder) {
	if n.key != n.name && !strings.HasPrefix(n.name, "... on ") {
		b.WriteString(n.key + ": ")
	}
	b.WriteString(n.name + n.args)
	r.covered[n.parentType+"."+n.name] = true
	var kids []*walkNode
	for _, c := range n.children {
		if !r.skip(c) {
			kids = append(kids, c)
		}
	}
	if len(kids) > 0 {
		b.WriteString(" {")
		for _, c := range kids {
			b.WriteByte(' ')
			r.render(c, b)
		}
		b.WriteString(" }")
	}
}

type walkError struct {
	Message    string
	Path       []any
	Extensions map[string]any
}

// runTree sends n (split to fit), isolating argument variants whose errors
// would null their siblings, and returns the isolation chains still to run.
func (w *schemaWalker) runTree(t *testing.T, c *api, r *walkResult, n *walkNode, budget int) []*walkNode {
	t.Helper()
	var chains []*walkNode
	for _, piece := range r.split(n, budget) {
		for round := 0; round < 4; round++ {
			if len(piece.children) > 0 && r.skip(piece) {
				break // everything under it was isolated
			}
			var b strings.Builder
			b.WriteString("query Walk { ")
			r.render(piece, &b)
			b.WriteString(" }")
			doc := b.String()
			fields, _ := r.cost(piece)
			t0 := time.Now()
			status, body := isoPost(t, c, doc)
			r.requests++
			if el := time.Since(t0); el > 5*time.Second {
				t.Logf("%s request %d took %s (%d bytes doc, %s)", r.role, r.requests, el.Round(time.Millisecond), len(doc), walkLabel(piece))
			}
			r.fieldsSent += fields
			label := r.role + " " + walkLabel(piece)
			r.responses = append(r.responses, walkResp{label: label, doc: doc, status: status, body: body})
			var resp struct {
				Data   json.RawMessage
				Errors []walkError
			}
			if err := json.Unmarshal([]byte(body), &resp); err != nil {
				t.Fatalf("%s: response is not JSON (%d): %.500s", label, status, body)
			}
			if walkRefusedForSize(resp.Data, resp.Errors) {
				if budget > 8 {
					chains = append(chains, w.runTree(t, c, r, piece, budget/2)...)
				} else {
					r.unwalkable = append(r.unwalkable, fmt.Sprintf("%s: %s", label, resp.Errors[0].Message))
				}
				break
			}
			if len(resp.Errors) > 0 && (len(resp.Data) == 0 || string(resp.Data) == "null") && len(resp.Errors[0].Path) == 0 {
				r.rejected = append(r.rejected, fmt.Sprintf("%s: %s", label, resp.Errors[0].Message))
			}
			r.countData(piece, resp.Data)
			r.errors += len(resp.Errors)
			for _, e := range resp.Errors {
				msg := e.Message
				if len(msg) > 70 {
					msg = msg[:70]
				}
				r.errorKinds[msg]++
			}
			// Find every error's field first, then mark: marking changes
			// which fields the document is seen to have.
			var isolate, invalid []*walkNode
			for _, e := range resp.Errors {
				a, alone := r.culprit(piece, e)
				if a == nil {
					continue
				}
				if code, _ := e.Extensions["code"].(string); alone && code == "invalid" {
					invalid = append(invalid, a.o())
				} else if !alone {
					isolate = append(isolate, a.o())
				}
			}
			for _, o := range invalid {
				r.invalid[o.sig()] = true
			}
			var fresh []*walkNode
			for _, o := range isolate {
				if !o.isolated && !r.invalid[o.sig()] {
					o.isolated = true
					fresh = append(fresh, o)
				}
			}
			isolate = fresh
			if len(isolate) == 0 {
				break
			}
			for _, o := range isolate {
				r.isolated++
				chains = append(chains, walkChainTo(o))
			}
		}
	}
	return chains
}

func walkLabel(n *walkNode) string { return n.name + n.args }

// walkChainTo is a selection from o's root down to o alone (with o's whole
// selection), for running an isolated variant in a document of its own.
func walkChainTo(o *walkNode) *walkNode {
	cur := &walkNode{key: o.key, name: o.name, args: o.args, parentType: o.parentType, typ: o.typ, parent: o.parent,
		children: o.children, orig: o, keep: true}
	for p := o.parent; p != nil; p = p.parent {
		cur = &walkNode{key: p.key, name: p.name, args: p.args, parentType: p.parentType, typ: p.typ, parent: p.parent,
			children: []*walkNode{cur}, orig: p, keep: true}
	}
	return cur
}

// culprit finds the node an error belongs to. When the error's null spreads
// beyond it (a non-null field nulls its parent, and so on up to a nullable
// one), that node is returned to be isolated, so that a re-sent document
// without it returns everything else. alone reports that the node is the
// end of an isolation chain (it already ran on its own).
func (r *walkResult) culprit(piece *walkNode, e walkError) (*walkNode, bool) {
	if len(e.Path) == 0 {
		return nil, false
	}
	if k, _ := e.Path[0].(string); k != piece.key {
		return nil, false
	}
	cur := piece
	depth := 0
	for _, seg := range e.Path[1:] {
		k, ok := seg.(string)
		if !ok {
			continue
		}
		next := walkFindChild(r, cur, k)
		if next == nil {
			return nil, false // not a field of this document: never guess
		}
		cur = next
		depth++
	}
	switch {
	case depth == 0:
		return nil, false // a root field: it has a document of its own
	case cur.keep && cur.o().isolated:
		return cur, true
	case cur.keep || cur.typ == nil || cur.typ.Kind != "NON_NULL":
		return nil, false // the null stays in the field
	}
	return cur, false
}

func walkFindChild(r *walkResult, n *walkNode, key string) *walkNode {
	for _, c := range n.children {
		if r.skip(c) {
			continue
		}
		if strings.HasPrefix(c.name, "... on ") {
			if x := walkFindChild(r, c, key); x != nil {
				return x
			}
			continue
		}
		if c.key == key {
			return c
		}
	}
	return nil
}

// walkRefusedForSize reports a document refused as a whole by the server's
// limits (complexity, depth, fields, aliases).
func walkRefusedForSize(data json.RawMessage, errs []walkError) bool {
	if len(errs) == 0 || (len(data) > 0 && string(data) != "null") {
		return false
	}
	for _, e := range errs {
		if len(e.Path) > 0 {
			return false
		}
		code, _ := e.Extensions["code"].(string)
		msg := strings.ToLower(e.Message)
		if code == "COMPLEXITY_LIMIT_EXCEEDED" || code == "QUERY_TOO_LARGE" || strings.Contains(msg, "complexity") ||
			strings.Contains(msg, "limit") || strings.Contains(msg, "too many") || strings.Contains(msg, "too deep") {
			return true
		}
	}
	return false
}

// countData counts the values and object types a response returned.
func (r *walkResult) countData(piece *walkNode, data json.RawMessage) {
	var v map[string]any
	if json.Unmarshal(data, &v) != nil {
		return
	}
	var walk func(n *walkNode, v any)
	walk = func(n *walkNode, v any) {
		switch x := v.(type) {
		case nil:
		case []any:
			for _, e := range x {
				walk(n, e)
			}
		case map[string]any:
			if n.typ != nil {
				r.typesSeen[namedType(n.typ).Name] = true
			}
			for k, cv := range x {
				if c := walkFindChild(r, n, k); c != nil {
					walk(c, cv)
				}
			}
		default:
			r.leaves++
		}
	}
	walk(piece, v[piece.key])
}
