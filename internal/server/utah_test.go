package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// utah is the Utah seed, shared by the tests that only read it.
func utah(t *testing.T) *warehouse.DB { return whtest.Utah(t) }

// leadersSQL is the independent computation of a leadership series from
// the raw facts: each person once a year at their highest post (rank from
// the role ladder as DESIGN.md defines it), leaders are rank >= 2.
const leadersSQL = `
	SELECT toInt64(school_year), toInt64(count()), toInt64(countIf(eth = 'hispanic_latino')), toInt64(countIf(eth != 'unknown'))
	FROM (
		SELECT school_year, staff_key, argMax(toString(ethnicity), (r, fte, school_id)) AS eth, max(r) AS top
		FROM (SELECT school_year, staff_key, ethnicity, fte, school_id,
		        transform(role_code, ['teacher_leader', 'assistant_principal', 'principal', 'district_leader',
		          'assistant_superintendent', 'superintendent', 'state_leader'], [1, 2, 3, 4, 5, 6, 7], 0) AS r
		      FROM {db}.staff_assignments WHERE %s)
		GROUP BY school_year, staff_key
	) WHERE top >= 2 GROUP BY school_year ORDER BY school_year`

func TestUtahLeadershipEqualsPlainSQL(t *testing.T) {
	db := utah(t)
	a := newAPI(t, db)
	sql := func(where string) [][]int64 {
		return sqlInt64s(t, db, fmt.Sprintf(replaceDB(leadersSQL, db), where))
	}
	var d struct {
		State    struct{ Leadership []pointJSON }
		District struct{ Leadership []pointJSON }
	}
	a.must(`{ state(code: "UT") { leadership { schoolYear leaders latinoLeaders knownEthnicityLeaders } }
		district(id: "4900870") { leadership { schoolYear leaders latinoLeaders knownEthnicityLeaders } } }`, nil, &d)
	for _, c := range []struct {
		name string
		got  []pointJSON
		want [][]int64
	}{
		{"Utah", d.State.Leadership, sql("state_code = 'UT'")},
		{"Salt Lake City", d.District.Leadership, sql("lea_id = '4900870'")},
	} {
		if len(c.got) != 12 || len(c.want) != 12 {
			t.Fatalf("%s: %d points, plain SQL %d years; want 12 (2014-2025)", c.name, len(c.got), len(c.want))
		}
		for i, w := range c.want {
			p := c.got[i]
			if int64(p.SchoolYear) != w[0] || int64(p.Leaders) != w[1] || int64(p.LatinoLeaders) != w[2] || int64(p.KnownEthnicityLeaders) != w[3] {
				t.Errorf("%s %d: API %d/%d/%d, plain SQL %v", c.name, w[0], p.Leaders, p.LatinoLeaders, p.KnownEthnicityLeaders, w[1:])
			}
		}
	}
}

func TestUtahListsEqualPlainSQL(t *testing.T) {
	db := utah(t)
	a := newAPI(t, db)
	want := sqlInt64s(t, db, replaceDB(`SELECT toInt64(count()), toInt64(countIf(lea_type = 'regular')),
		toInt64(countIf(lea_type = 'charter')) FROM {db}.districts FINAL WHERE state_code = 'UT'`, db))[0]
	var d struct {
		All, Regular, Charter struct{ TotalCount int }
		Alpine                struct {
			Nodes []struct {
				ID      string
				Schools struct{ TotalCount int }
			}
		}
	}
	a.must(`{ all: districts(stateCode: "UT") { totalCount } regular: districts(stateCode: "UT", type: REGULAR) { totalCount }
		charter: districts(stateCode: "UT", type: CHARTER) { totalCount }
		alpine: districts(stateCode: "UT", search: "alpine") { nodes { id schools { totalCount } } } }`, nil, &d)
	if int64(d.All.TotalCount) != want[0] || int64(d.Regular.TotalCount) != want[1] || int64(d.Charter.TotalCount) != want[2] {
		t.Fatalf("totals %d/%d/%d, plain SQL %v", d.All.TotalCount, d.Regular.TotalCount, d.Charter.TotalCount, want)
	}
	if d.Regular.TotalCount != 41 {
		t.Fatalf("regular districts = %d, want Utah's 41", d.Regular.TotalCount)
	}
	if len(d.Alpine.Nodes) != 1 {
		t.Fatalf("search alpine = %+v", d.Alpine.Nodes)
	}
	schools := sqlInt64s(t, db, replaceDB("SELECT toInt64(count()) FROM {db}.schools FINAL WHERE lea_id = ?", db), d.Alpine.Nodes[0].ID)[0][0]
	if int64(d.Alpine.Nodes[0].Schools.TotalCount) != schools || schools < 50 {
		t.Fatalf("Alpine schools = %d, plain SQL %d", d.Alpine.Nodes[0].Schools.TotalCount, schools)
	}
}

func TestUtahEverySchoolIsAFixedNumberOfQueries(t *testing.T) {
	db := utah(t)
	a := newAPIWith(t, db, everySchool)
	var d struct {
		State struct {
			Districts struct {
				Nodes []struct {
					Schools struct {
						Nodes []struct {
							ID       string
							District struct{ Leadership []pointJSON }
						}
					}
				}
			}
		}
	}
	reqID := "utahall" + warehouse.NewID()
	if errs := a.do(reqID, `{ state(code: "UT") { districts(first: 500) { nodes { schools(first: 500) { nodes {
		id district { name leadership { schoolYear leaders latinoLeaders } } } } } } } }`, nil, &d); len(errs) > 0 {
		t.Fatal(errs)
	}
	n := 0
	for _, dist := range d.State.Districts.Nodes {
		n += len(dist.Schools.Nodes)
	}
	want := sqlInt64s(t, db, replaceDB("SELECT toInt64(count()) FROM {db}.schools FINAL WHERE state_code = 'UT'", db))[0][0]
	if int64(n) != want {
		t.Fatalf("listed %d schools, plain SQL %d", n, want)
	}
	// The state, its districts, their schools (whose districts are primed
	// from the pages), the leadership series of every district at once, and
	// the ladder and the data years the metrics compiler caches.
	if q := countQueries(t, a, reqID); q != 6 {
		t.Fatalf("%d schools took %d SQL queries, want 6", n, q)
	}
}

func replaceDB(sql string, db *warehouse.DB) string {
	return strings.ReplaceAll(sql, "{db}", db.Database())
}
