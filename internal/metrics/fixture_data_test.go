package metrics_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// The fixture warehouse: school years 2020-2023 in Utah (two districts) and
// Nevada (a district and the state agency), small enough to count every
// measure by hand (fixture_test.go does, in its comments).
//
// Places:
//
//	UT  A  4900001 regular, city:   A1 490000100011 elementary, A2 490000100012 high
//	UT  B  4900002 charter, rural:  B1 490000200021 middle, B2 490000200022 elementary,
//	                                B3 490000200023 high (enrollment only: no staff)
//	NV  C  3200001 regular, town:   C1 320000100031 high
//	NV  S  3200090 state_agency, city (state leaders, no school)
const (
	leaA, leaB, leaC, leaS = "4900001", "4900002", "3200001", "3200090"
	schA1, schA2           = "490000100011", "490000100012"
	schB1, schB2, schB3    = "490000200021", "490000200022", "490000200023"
	schC1                  = "320000100031"
)

// Role codes, short.
const (
	T   = "teacher"
	TL  = "teacher_leader"
	AP  = "assistant_principal"
	P   = "principal"
	DL  = "district_leader"
	SUP = "superintendent"
	SL  = "state_leader"
)

// Ethnicities and genders, short.
const (
	H  = "hispanic_latino"
	W  = "white"
	U  = "unknown"
	Bk = "black"
	As = "asian"
	F  = "female"
	M  = "male"
)

// post is one staff_assignments row of a person: a school post (school set)
// or an office post (school "", lea set).
type post struct {
	year        int
	role        string
	lea, school string
	fte         float32
}

func at(year int, role, school string) post {
	return post{year: year, role: role, lea: school[:7], school: school, fte: 1}
}

func atFTE(year int, role, school string, fte float32) post {
	p := at(year, role, school)
	p.fte = fte
	return p
}

func office(year int, role, lea string) post { return post{year: year, role: role, lea: lea, fte: 1} }

// years repeats a post over several years.
func years(from, to int, role, school string) []post {
	var out []post
	for y := from; y <= to; y++ {
		out = append(out, at(y, role, school))
	}
	return out
}

func officeYears(from, to int, role, lea string) []post {
	var out []post
	for y := from; y <= to; y++ {
		out = append(out, office(y, role, lea))
	}
	return out
}

type person struct {
	key         uint64
	eth, gender string
	posts       []post
}

func posts(groups ...any) []post {
	var out []post
	for _, g := range groups {
		switch g := g.(type) {
		case post:
			out = append(out, g)
		case []post:
			out = append(out, g...)
		}
	}
	return out
}

// fixturePeople: each person's posts by year. Where a person holds two
// posts in a year the comment says which one counts (highest rank, then
// larger fte, then larger school id).
//
// Highest post per person and year (— absent):
//
//	key  eth gen   2020      2021      2022      2023
//	101  H   F     T  A1     T  A1     AP A1     P  A1    member 2021-
//	102  W   M     P  A1     P  A1     P  A1     —        (leader who leaves)
//	103  H   M     —         T  A2     AP A2     AP A2    member 2020-2021
//	104  U   F     AP A2     AP A2     AP A2     —        (unknown ethnicity, leaves)
//	105  W   F     T  A1     T  A1     TL A2     T  A1    (2022: T A1 .5 + TL A2 .5)
//	106  H   F     DL A      DL A      DL A      DL A     (2021: also P A2 .2)
//	107  W   M     SUP A     SUP A     SUP A     SUP A
//	108  W   M     T  A2     T  A2     T  A2     AP A2
//	109  H   F     —         T  A1     T  A1     AP A1    member 2022-
//	110  W   M     —         T  A2     T  A2     T  A2    member 2023-
//	111  Bk  F     —         —         T  A1     T  A1
//	112  W   F     —         —         —         T  A1
//	113  U   ?     T  A1     T  A1     T  A2     T  A1    (gender unknown; 2022: T A1 .5 + T A2 .5)
//	114  H   M     P  A2     P  A2     P  A2     P  A2
//	115  As  F     —         AP A1     T  A1     T  A1    (demoted)
//	201  H   F     P  B1     P  B1     P  B1     P  B1
//	202  W   M     T  B1     T  B1     T  B1     T  B2    (2023: T B1 .4 + T B2 .6)
//	203  H   M     T  B1     T  B1     AP B1     AP B1
//	204  U   F     T  B2     AP B2     AP B2     P  B2    member 2022-
//	205  W   F     AP B2     P  B2     P  B2     —
//	206  H   M     —         T  B1     T  B1     T  B1    member 2018-
//	207  W   F     —         T  B2     T  B2     —
//	208  H   F     —         T  B2     TL B2     TL B2
//	209  W   M     —         —         T  B1     AP B1
//	210  W   M     SUP B     SUP B     —         —
//	211  H   F     —         —         SUP B     SUP B    (new superintendent)
//	301  H   F     T  C1     T  C1     AP C1     AP C1    member 2020- (Nevada)
//	302  W   M     P  C1     P  C1     P  C1     P  C1
//	303  H   M     T  C1     T  C1     T  C1     T  C1
//	304  W   F     SL S      SL S      SL S      SL S
//	305  H   M     —         —         SL S      SL S
var fixturePeople = []person{
	{101, H, F, posts(years(2020, 2021, T, schA1), at(2022, AP, schA1), at(2023, P, schA1))},
	{102, W, M, years(2020, 2022, P, schA1)},
	{103, H, M, posts(at(2021, T, schA2), years(2022, 2023, AP, schA2))},
	{104, U, F, years(2020, 2022, AP, schA2)},
	// 2022: two half posts; teacher_leader outranks teacher.
	{105, W, F, posts(years(2020, 2021, T, schA1), atFTE(2022, T, schA1, 0.5), atFTE(2022, TL, schA2, 0.5), at(2023, T, schA1))},
	// 2021: district leader and a 0.2 principal post; district_leader outranks.
	{106, H, F, posts(officeYears(2020, 2023, DL, leaA), atFTE(2021, P, schA2, 0.2))},
	{107, W, M, officeYears(2020, 2023, SUP, leaA)},
	{108, W, M, posts(years(2020, 2022, T, schA2), at(2023, AP, schA2))},
	{109, H, F, posts(years(2021, 2022, T, schA1), at(2023, AP, schA1))},
	{110, W, M, years(2021, 2023, T, schA2)},
	{111, Bk, F, years(2022, 2023, T, schA1)},
	{112, W, F, years(2023, 2023, T, schA1)},
	// 2022: two teacher posts of equal fte; the larger school id (A2) wins.
	{113, U, U, posts(years(2020, 2021, T, schA1), atFTE(2022, T, schA1, 0.5), atFTE(2022, T, schA2, 0.5), at(2023, T, schA1))},
	{114, H, M, years(2020, 2023, P, schA2)},
	{115, As, F, posts(at(2021, AP, schA1), years(2022, 2023, T, schA1))},

	{201, H, F, years(2020, 2023, P, schB1)},
	// 2023: two teacher posts; the larger fte (B2) wins.
	{202, W, M, posts(years(2020, 2022, T, schB1), atFTE(2023, T, schB1, 0.4), atFTE(2023, T, schB2, 0.6))},
	{203, H, M, posts(years(2020, 2021, T, schB1), years(2022, 2023, AP, schB1))},
	{204, U, F, posts(at(2020, T, schB2), years(2021, 2022, AP, schB2), at(2023, P, schB2))},
	{205, W, F, posts(at(2020, AP, schB2), years(2021, 2022, P, schB2))},
	{206, H, M, years(2021, 2023, T, schB1)},
	{207, W, F, years(2021, 2022, T, schB2)},
	{208, H, F, posts(at(2021, T, schB2), years(2022, 2023, TL, schB2))},
	{209, W, M, posts(at(2022, T, schB1), at(2023, AP, schB1))},
	{210, W, M, officeYears(2020, 2021, SUP, leaB)},
	{211, H, F, officeYears(2022, 2023, SUP, leaB)},

	{301, H, F, posts(years(2020, 2021, T, schC1), years(2022, 2023, AP, schC1))},
	{302, W, M, years(2020, 2023, P, schC1)},
	{303, H, M, years(2020, 2023, T, schC1)},
	{304, W, F, officeYears(2020, 2023, SL, leaS)},
	{305, H, M, officeYears(2022, 2023, SL, leaS)},
}

// enrollRow is students of one school, year, ethnicity and ELL flag.
type enrollRow struct {
	year     int
	school   string
	eth      string
	ell      uint8
	students uint32
}

// fixtureEnrollment, the same every year but A1's Latino students:
//
//	A1  H 100 (40 ELL + 60), 2023: 120 (50 ELL + 70); W 200; U 20
//	A2  H 150; W 150
//	B1  H 50; W 150; U 10
//	B2  H 80; W 20
//	B3  H 30; W 70
//	C1  H 300; W 100
func fixtureEnrollment() []enrollRow {
	var out []enrollRow
	for y := 2020; y <= 2023; y++ {
		ell, notELL := uint32(40), uint32(60)
		if y == 2023 {
			ell, notELL = 50, 70
		}
		out = append(out,
			enrollRow{y, schA1, H, 1, ell}, enrollRow{y, schA1, H, 0, notELL}, enrollRow{y, schA1, W, 0, 200}, enrollRow{y, schA1, U, 0, 20},
			enrollRow{y, schA2, H, 0, 150}, enrollRow{y, schA2, W, 0, 150},
			enrollRow{y, schB1, H, 0, 50}, enrollRow{y, schB1, W, 0, 150}, enrollRow{y, schB1, U, 0, 10},
			enrollRow{y, schB2, H, 0, 80}, enrollRow{y, schB2, W, 0, 20},
			enrollRow{y, schB3, H, 0, 30}, enrollRow{y, schB3, W, 0, 70},
			enrollRow{y, schC1, H, 0, 300}, enrollRow{y, schC1, W, 0, 100},
		)
	}
	return out
}

type memberRow struct {
	id     string
	key    uint64
	state  string
	lea    string
	joined string
	left   string // "" when still a member
}

// fixtureMembers. A member is "a member during school year y" (the member
// dimension) from the school year of joining to the school year of leaving;
// the members measure counts those on the books on June 30 ending year y.
//
//	id    staff  lea  joined      (school year)  left        (school year)
//	M001  101    A    2021-09-15  2021
//	M002  103    A    2020-08-01  2020           2022-03-01  2021
//	M003  109    A    2022-07-01  2022
//	M004  206    B    2019-05-01  2018
//	M005  —      B    2021-01-10  2020           2023-08-01  2023
//	M006  301    C    2020-10-01  2020                             (Nevada)
//	M007  204    B    2023-06-30  2022
//	M008  110    A    2023-07-01  2023
var fixtureMembers = []memberRow{
	{"M001", 101, "UT", leaA, "2021-09-15", ""},
	{"M002", 103, "UT", leaA, "2020-08-01", "2022-03-01"},
	{"M003", 109, "UT", leaA, "2022-07-01", ""},
	{"M004", 206, "UT", leaB, "2019-05-01", ""},
	{"M005", 0, "UT", leaB, "2021-01-10", "2023-08-01"},
	{"M006", 301, "NV", leaC, "2020-10-01", ""},
	{"M007", 204, "UT", leaB, "2023-06-30", ""},
	{"M008", 110, "UT", leaA, "2023-07-01", ""},
}

type eventRow struct {
	member, date, typ string
}

// fixtureEvents: conferences by school year
//
//	2019: M004 (before the data)      2020: M002
//	2021: M001                        2022: M001 (twice), M004
//	2023: M004, M005, M006 (Nevada)
var fixtureEvents = []eventRow{
	{"M001", "2021-09-15", "joined"},
	{"M001", "2021-10-05", "conference_attended"},
	{"M001", "2022-10-05", "conference_attended"},
	{"M001", "2023-02-01", "conference_attended"},
	{"M002", "2021-04-01", "conference_attended"},
	{"M003", "2023-01-15", "pd_completed"},
	{"M004", "2019-10-01", "conference_attended"},
	{"M004", "2022-11-11", "conference_attended"},
	{"M004", "2024-03-01", "conference_attended"},
	{"M005", "2023-07-15", "conference_attended"},
	{"M006", "2023-10-01", "conference_attended"},
}

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// fixtureData is what a fixture warehouse holds besides the places.
type fixtureData struct {
	people     []person
	enrollment []enrollRow
	members    []memberRow
	events     []eventRow
}

var (
	fixtureOnce sync.Once
	fixtureDB   *warehouse.DB
	fixtureErr  error
)

// fixture returns the warehouse holding the fixture, rollups built; one per
// test binary, shared by the tests that only read it (like the Utah seed of
// utah_test.go, it lives as long as the test server).
func fixture(t testing.TB) *warehouse.DB {
	t.Helper()
	fixtureOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		fixtureDB, fixtureErr = warehouse.Open(ctx, warehouse.Config{Addr: whtest.Addr(), Database: "t_metrics_fixture_" + warehouse.NewID()[:8]})
		if fixtureErr != nil {
			return
		}
		if _, fixtureErr = fixtureDB.Migrate(ctx); fixtureErr != nil {
			return
		}
		fixtureErr = fill(ctx, fixtureDB, fixtureData{fixturePeople, fixtureEnrollment(), fixtureMembers, fixtureEvents})
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureDB
}

// newWarehouse returns a fresh warehouse (dropped when the test ends) with
// the fixture's places and data.
func newWarehouse(t testing.TB, data fixtureData) *warehouse.DB {
	t.Helper()
	db := whtest.NewDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := fill(ctx, db, data); err != nil {
		t.Fatal(err)
	}
	return db
}

// fill writes the fixture's places and data into a migrated warehouse and
// builds the rollups.
func fill(ctx context.Context, db *warehouse.DB, data fixtureData) error {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var err error
	insert := func(table string, rows int, fill func(add warehouse.AppendFunc) error) {
		if err != nil || rows == 0 {
			return
		}
		if _, e := db.Insert(ctx, table, fill); e != nil {
			err = fmt.Errorf("insert into %s: %w", table, e)
		}
	}
	insert(warehouse.TableStates, 2, func(add warehouse.AppendFunc) error {
		if err := add("UT", "49", "Utah", uint8(1)); err != nil {
			return err
		}
		return add("NV", "32", "Nevada", uint8(1))
	})
	insert(warehouse.TableDistricts, 4, func(add warehouse.AppendFunc) error {
		for _, d := range [][5]string{
			{leaA, "UT", "District A", "regular", "city"},
			{leaB, "UT", "District B", "charter", "rural"},
			{leaC, "NV", "District C", "regular", "town"},
			{leaS, "NV", "Nevada Department of Education", "state_agency", "city"},
		} {
			if err := add(d[0], d[1], d[2], d[3], d[4], uint8(1)); err != nil {
				return err
			}
		}
		return nil
	})
	insert(warehouse.TableSchools, 6, func(add warehouse.AppendFunc) error {
		for _, s := range [][4]string{
			{schA1, "UT", "A1", "elementary"}, {schA2, "UT", "A2", "high"},
			{schB1, "UT", "B1", "middle"}, {schB2, "UT", "B2", "elementary"}, {schB3, "UT", "B3", "high"},
			{schC1, "NV", "C1", "high"},
		} {
			if err := add(s[0], s[0][:7], s[1], s[2], s[3], uint8(0), uint8(0), uint8(1)); err != nil {
				return err
			}
		}
		return nil
	})
	state := map[string]string{leaA: "UT", leaB: "UT", leaC: "NV", leaS: "NV"}
	insert(warehouse.TableStaffAssignments, len(data.people), func(add warehouse.AppendFunc) error {
		for _, p := range data.people {
			for _, x := range p.posts {
				if err := add(uint16(x.year), state[x.lea], x.lea, x.school, p.key, x.role, p.eth, p.gender, x.fte,
					"unknown", []string{}, x.role, "fixture", now); err != nil {
					return err
				}
			}
		}
		return nil
	})
	insert(warehouse.TableEnrollment, len(data.enrollment), func(add warehouse.AppendFunc) error {
		for _, e := range data.enrollment {
			if err := add(uint16(e.year), state[e.school[:7]], e.school[:7], e.school, e.eth, e.ell, e.students, "fixture", now); err != nil {
				return err
			}
		}
		return nil
	})
	insert(warehouse.TableMembers, len(data.members), func(add warehouse.AppendFunc) error {
		for _, m := range data.members {
			var left *time.Time
			if m.left != "" {
				l := day(m.left)
				left = &l
			}
			if err := add(m.id, m.key, m.state, m.lea, day(m.joined), left, "fixture", now); err != nil {
				return err
			}
		}
		return nil
	})
	leaOf := map[string]string{}
	for _, m := range data.members {
		leaOf[m.id] = m.lea
	}
	insert(warehouse.TableMemberEvents, len(data.events), func(add warehouse.AppendFunc) error {
		for _, e := range data.events {
			if err := add(e.member, day(e.date), e.typ, "", leaOf[e.member], "", "fixture", now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := db.RebuildRollups(ctx, nil); err != nil {
		return fmt.Errorf("rebuild rollups: %w", err)
	}
	return nil
}
