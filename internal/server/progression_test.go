package server_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// Membership.progression: the members' flows between ranks from school
// year t to t+1 (the board's Sankey), over HTTP.

type flowJSON struct {
	FromRole, ToRole string
	People           *int
	Suppressed       []suppressedJSON
}

// String renders a flow as "from>to=people" (or "=REASON" when hidden).
func (f flowJSON) String() string {
	if f.People == nil {
		r := "null"
		for _, s := range f.Suppressed {
			if s.Field == "people" {
				r = s.Reason
			}
		}
		return f.FromRole + ">" + f.ToRole + "=" + r
	}
	return fmt.Sprintf("%s>%s=%d", f.FromRole, f.ToRole, *f.People)
}

func flowStrings(fs []flowJSON) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.String()
	}
	return out
}

// ladderCodes are the ranks of the pipeline ladder as DESIGN.md lists them.
var ladderCodes = []string{"teacher", "teacher_leader", "assistant_principal", "principal", "district_leader",
	"assistant_superintendent", "superintendent", "state_leader"}

// progressionSQL is the independent computation of members' flows: each
// person once a year at their highest post (rank from the ladder; ties by
// fte, then school id, for the district), members in year t as the members
// table says (joined by June 30 ending the year, not left before July 1
// opening it), the same person's rank in t+1 or 127 when absent. Years t in
// [from, to]; %s filters the person-years of t (lea is their district).
const progressionSQL = `
	SELECT toInt64(r), toInt64(if(nx = 1, nr, 127)) AS tr, toInt64(count()) FROM (
		SELECT * FROM (
			SELECT school_year, staff_key, r FROM (
				SELECT school_year, staff_key, argMax(lea_id, (rk, fte, school_id)) AS lea, max(rk) AS r
				FROM (SELECT school_year, staff_key, lea_id, school_id, fte,
				        transform(role_code, ['teacher_leader', 'assistant_principal', 'principal', 'district_leader',
				          'assistant_superintendent', 'superintendent', 'state_leader'], [1, 2, 3, 4, 5, 6, 7], 0) AS rk
				      FROM {db}.staff_assignments WHERE state_code = 'UT' AND school_year BETWEEN ? AND ?)
				GROUP BY school_year, staff_key)
			WHERE %s AND (staff_key, school_year) IN (
				SELECT staff_key, y FROM (
					SELECT staff_key, joined_on, left_on, arrayJoin(arrayMap(i -> toUInt16(2000 + i), range(40))) AS y
					FROM {db}.members FINAL WHERE staff_key != 0)
				WHERE joined_on <= toDate(concat(toString(y + 1), '-06-30'))
				  AND (isNull(left_on) OR assumeNotNull(left_on) >= toDate(concat(toString(y), '-07-01')))))
		ANY LEFT JOIN (
			SELECT toUInt16(school_year - 1) AS school_year, staff_key, max(rk) AS nr, toUInt8(1) AS nx
			FROM (SELECT school_year, staff_key,
			        transform(role_code, ['teacher_leader', 'assistant_principal', 'principal', 'district_leader',
			          'assistant_superintendent', 'superintendent', 'state_leader'], [1, 2, 3, 4, 5, 6, 7], 0) AS rk
			      FROM {db}.staff_assignments WHERE state_code = 'UT' AND school_year BETWEEN ? + 1 AND ? + 1)
			GROUP BY school_year, staff_key
		) USING school_year, staff_key)
	GROUP BY r, tr ORDER BY r, tr`

// plainFlows runs progressionSQL for years t in [from, to] and renders the
// flows as the API does, in its order (rank in t, then in t+1, none last).
func plainFlows(t *testing.T, db *warehouse.DB, where string, from, to int) []string {
	t.Helper()
	var out []string
	for _, row := range sqlInt64s(t, db, fmt.Sprintf(replaceDB(progressionSQL, db), where), from, to, from, to) {
		next := "none"
		if row[1] != 127 {
			next = ladderCodes[row[1]]
		}
		out = append(out, fmt.Sprintf("%s>%s=%d", ladderCodes[row[0]], next, row[2]))
	}
	return out
}

// TestUtahProgressionEqualsPlainSQL: state and district progression over
// the Utah seed (2014-2025) equal the plain SQL computation; a span reaching
// the last year with data pools the years t that have a next year.
func TestUtahProgressionEqualsPlainSQL(t *testing.T) {
	db := utah(t)
	a := newAPI(t, db)
	var d struct {
		State struct {
			Members struct{ Progression []flowJSON }
		}
		District struct {
			Members struct{ Progression []flowJSON }
		}
		Last struct {
			Members struct{ Progression []flowJSON }
		}
	}
	a.must(`{
	  state(code: "UT") { members(from: 2020, to: 2023) { progression { fromRole toRole people suppressed { field reason } } } }
	  district(id: "4900870") { members(from: 2023, to: 2025) { progression { fromRole toRole people suppressed { field reason } } } }
	  last: state(code: "UT") { members(from: 2025, to: 2025) { years { members } progression { fromRole toRole people } } }
	}`, nil, &d)
	for _, c := range []struct {
		name string
		got  []flowJSON
		want []string
	}{
		{"Utah 2020-2023", d.State.Members.Progression, plainFlows(t, db, "1", 2020, 2023)},
		// 2025 is the last year with data: years t 2023 and 2024.
		{"Salt Lake City 2023-2025", d.District.Members.Progression, plainFlows(t, db, "lea = '4900870'", 2023, 2024)},
	} {
		if len(c.want) < 3 {
			t.Fatalf("%s: plain SQL gives %v: the Utah seed should give more flows for this check", c.name, c.want)
		}
		if got := flowStrings(c.got); !slices.Equal(got, c.want) {
			t.Errorf("%s: API\n\t%v\nplain SQL\n\t%v", c.name, got, c.want)
		}
		for _, f := range c.got {
			if len(f.Suppressed) != 0 {
				t.Errorf("%s: an admin's flow %s is suppressed", c.name, f)
			}
		}
	}
	if !slices.ContainsFunc(flowStrings(d.State.Members.Progression), func(s string) bool { return strings.Contains(s, ">none=") }) {
		t.Errorf("Utah 2020-2023: no member left the data; the check of 'none' proves nothing")
	}
	t.Logf("Utah 2020-2023: %d flows", len(d.State.Members.Progression))
	if n := len(d.Last.Members.Progression); n != 0 {
		t.Errorf("members(from: 2025, to: 2025): %d flows out of the last year with data, want none", n)
	}
}

// The small-cell flows warehouse: Utah, Alpha (4900001) and Beta
// (4900002), school years 2022 and 2023. Members' flows 2022 → 2023:
//
//	Alpha  teacher → teacher              30
//	       teacher → assistant_principal  12
//	       teacher → (gone)                3
//	       assistant_principal → same     20
//	       assistant_principal → principal 4
//	Beta   teacher → teacher              25
//	       teacher → assistant_principal  11
//
// Alpha also has 50 teachers who are not members (teacher → teacher).
// As a partner of Alpha sees it (threshold 10): 3 and 4 are small; each is
// the only hidden flow of its rank (teacher, assistant principal), so the
// next smallest flow of that rank goes with it: 12 and 20 (complementary).
func progressionDB(t *testing.T) *warehouse.DB {
	t.Helper()
	db := whtest.NewDB(t)
	insertRows(t, db, warehouse.TableStates, fixtureStates[:1])
	insertRows(t, db, warehouse.TableDistricts, fixtureDistricts[:2])
	insertRows(t, db, warehouse.TableSchools, [][]any{fixtureSchools[0], fixtureSchools[2]})
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	joined := time.Date(2019, 9, 1, 0, 0, 0, 0, time.UTC)
	var people []person
	var members [][]any
	key := uint64(1)
	add := func(lea, sch, from, to string, n int, member bool) {
		for i := 0; i < n; i++ {
			people = append(people, person{2022, "UT", lea, sch, key, from, "hispanic_latino", 1})
			if to != "" {
				people = append(people, person{2023, "UT", lea, sch, key, to, "hispanic_latino", 1})
			}
			if member {
				var left *time.Time
				members = append(members, []any{fmt.Sprintf("m%05d", key), key, "UT", lea, joined, left, "fixture", at})
			}
			key++
		}
	}
	const alpha, alphaSch, beta, betaSch = "4900001", "490000100001", "4900002", "490000200001"
	add(alpha, alphaSch, "teacher", "teacher", 30, true)
	add(alpha, alphaSch, "teacher", "assistant_principal", 12, true)
	add(alpha, alphaSch, "teacher", "", 3, true)
	add(alpha, alphaSch, "assistant_principal", "assistant_principal", 20, true)
	add(alpha, alphaSch, "assistant_principal", "principal", 4, true)
	add(alpha, alphaSch, "teacher", "teacher", 50, false)
	add(beta, betaSch, "teacher", "teacher", 25, true)
	add(beta, betaSch, "teacher", "assistant_principal", 11, true)
	insertPeople(t, db, people)
	insertRows(t, db, warehouse.TableMembers, members)
	if err := db.RebuildRollups(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	return db
}

const progressionQuery = `query($id: ID!) {
  district(id: $id) { members(from: 2022, to: 2023) { progression { fromRole toRole people suppressed { field reason } } } }
}`

type progressionResp struct {
	District *struct {
		Members struct{ Progression []flowJSON }
	}
}

func TestPartnerProgressionHidesSmallFlows(t *testing.T) {
	db := progressionDB(t)
	admin := newAPI(t, db)
	partner := admin.as(access.RolePartner, "4900001")

	// The admin sees every flow, as plain SQL counts them.
	var full progressionResp
	admin.must(progressionQuery, map[string]any{"id": "4900001"}, &full)
	want := []string{"teacher>teacher=30", "teacher>assistant_principal=12", "teacher>none=3",
		"assistant_principal>assistant_principal=20", "assistant_principal>principal=4"}
	if got := flowStrings(full.District.Members.Progression); !slices.Equal(got, want) {
		t.Fatalf("admin, Alpha: %v, want %v", got, want)
	}
	if got := plainFlows(t, db, "lea = '4900001'", 2022, 2022); !slices.Equal(got, want) {
		t.Fatalf("plain SQL, Alpha: %v, want %v", got, want)
	}

	// The partner reads its own district in full: every flow, as the admin.
	var own progressionResp
	partner.must(progressionQuery, map[string]any{"id": "4900001"}, &own)
	if got := flowStrings(own.District.Members.Progression); !slices.Equal(got, want) {
		t.Errorf("partner, Alpha: %v, want in full %v", got, want)
	}

	// Published (X-Camino-Public, whoever asks): small flows hidden, and
	// the next smallest of their rank.
	var d progressionResp
	partner.with("X-Camino-Public", "true").must(progressionQuery, map[string]any{"id": "4900001"}, &d)
	want = []string{"teacher>teacher=30", "teacher>assistant_principal=COMPLEMENTARY", "teacher>none=SMALL_COUNT",
		"assistant_principal>assistant_principal=COMPLEMENTARY", "assistant_principal>principal=SMALL_COUNT"}
	if got := flowStrings(d.District.Members.Progression); !slices.Equal(got, want) {
		t.Errorf("partner, public, Alpha: %v, want %v", got, want)
	}
	for _, f := range d.District.Members.Progression {
		if f.People == nil && len(f.Suppressed) != 1 {
			t.Errorf("public: hidden flow %s lists %v", f, f.Suppressed)
		}
	}
	// The teachers' flows shown leave 15 = 12 + 3 of Alpha's 45 member
	// teachers unaccounted for: two hidden flows, not one.
	shown := 0
	for _, f := range d.District.Members.Progression {
		if f.FromRole == "teacher" && f.People != nil {
			shown += *f.People
		}
	}
	if left := 45 - shown; left != 15 {
		t.Errorf("Alpha member teachers less the shown flows = %d, want 15 (two hidden flows)", left)
	}

	// Another district's flows: nothing.
	var other progressionResp
	errs := partner.do("", progressionQuery, map[string]any{"id": "4900002"}, &other)
	if other.District != nil {
		t.Errorf("partner of Alpha read Beta's progression: %v (errors %v)", flowStrings(other.District.Members.Progression), errs)
	}
	admin.must(progressionQuery, map[string]any{"id": "4900002"}, &other)
	if got, want := flowStrings(other.District.Members.Progression), []string{"teacher>teacher=25", "teacher>assistant_principal=11"}; !slices.Equal(got, want) {
		t.Errorf("admin, Beta: %v, want %v", got, want)
	}

	// Public output is the same whoever asks for it.
	var public progressionResp
	admin.with("X-Camino-Public", "true").must(progressionQuery, map[string]any{"id": "4900001"}, &public)
	pub, _ := json.Marshal(public.District)
	part, _ := json.Marshal(d.District)
	if string(pub) != string(part) {
		t.Errorf("public output for the admin differs from the partner's:\n%s\n%s", pub, part)
	}
}

// TestProgressionOfEveryDistrictIsOneQuery: the flows of every Utah district
// come from one SQL query (siblings batch through the Metrics loader), and
// a members field that does not select progression runs none. Each
// person-year counts in the district of year t, so the districts' flows add
// up to the state's.
func TestProgressionOfEveryDistrictIsOneQuery(t *testing.T) {
	db := utah(t)
	a := newAPIWith(t, db, everySchool)
	type resp struct {
		State struct {
			Members   struct{ Progression []flowJSON }
			Districts struct {
				TotalCount int
				Nodes      []struct {
					ID      string
					Members struct {
						Years       []struct{ Members *int }
						Progression []flowJSON
					}
				}
			}
		}
	}
	const without = `{ state(code: "UT") { members(from: 2020, to: 2023) { years { members } }
		districts(first: 500) { totalCount nodes { id members(from: 2020, to: 2023) { years { members } } } } } }`
	const with = `{ state(code: "UT") { members(from: 2020, to: 2023) { years { members } progression { fromRole toRole people } }
		districts(first: 500) { totalCount nodes { id members(from: 2020, to: 2023) { years { members } progression { fromRole toRole people } } } } } }`
	counts := map[string]int64{}
	var d resp
	// Each twice, keeping the fewer: the engine refetches the ladder and the
	// data years every few seconds, which one of the two may pay.
	for _, c := range []struct{ name, doc string }{{"without", without}, {"with", with}} {
		for range 2 {
			reqID := "progression" + c.name + warehouse.NewID()
			d = resp{}
			if errs := a.do(reqID, c.doc, nil, &d); len(errs) > 0 {
				t.Fatalf("%s: %v", c.name, errs)
			}
			// Less the engine's and the key cache's refreshes (the ladder, the
			// data years, the key), which either request may pay on a slow machine.
			m := countQueries(t, a, reqID) - sqlInt64s(t, a.db, `SELECT toInt64(uniqExact(query_id)) FROM system.query_log
				WHERE query_id LIKE ? AND match(query, '^/[*] camino (rollup[.]ladder|data_years|keys[.]get) ')`, reqID+"-%")[0][0]
			if n, ok := counts[c.name]; !ok || m < n {
				counts[c.name] = m
			}
		}
	}
	// With progression: one query for the districts' flows and one for the
	// state's (a shape of another entity level).
	if counts["with"] != counts["without"]+2 {
		t.Errorf("every district's members: %d SQL queries without progression, %d with; want 2 more (the districts' flows, the state's)",
			counts["without"], counts["with"])
	}
	if len(d.State.Districts.Nodes) != d.State.Districts.TotalCount {
		t.Fatalf("listed %d of %d districts", len(d.State.Districts.Nodes), d.State.Districts.TotalCount)
	}
	sum := map[string]int{}
	for _, n := range d.State.Districts.Nodes {
		for _, f := range n.Members.Progression {
			sum[f.FromRole+">"+f.ToRole] += *f.People
		}
	}
	state := map[string]int{}
	for _, f := range d.State.Members.Progression {
		state[f.FromRole+">"+f.ToRole] = *f.People
	}
	if len(state) < 3 || fmt.Sprint(sum) != fmt.Sprint(state) {
		t.Errorf("the districts' flows add up to\n\t%v\nthe state's are\n\t%v", sum, state)
	}
}
