package metrics_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/scope"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// utah is the Utah seed, shared by the tests that only read it.
func utah(t *testing.T) *warehouse.DB { return whtest.Utah(t) }

// plainRows runs sql ({db} replaced by the database) whose first column is
// a String key and the others Float64, keyed by the first column.
func plainRows(t *testing.T, db *warehouse.DB, sql string) map[string][]float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sql = strings.ReplaceAll(sql, "{db}", db.Database())
	rows, err := db.Conn().Query(ctx, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rows.Close()
	out := map[string][]float64{}
	n := len(rows.Columns())
	for rows.Next() {
		var key string
		vals := make([]float64, n-1)
		dest := []any{&key}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		out[key] = vals
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// personYears is the independent computation of each person's highest post
// of a school year, straight from staff_assignments joined with the roles
// table: the highest rank, ties by larger fte, then larger school id. cond
// filters staff_assignments (a constant of this file).
func personYears(cond string) string {
	return `(SELECT school_year, staff_key, argMax(lea_id, o) AS lea_id, argMax(school_id, o) AS school_id, max(rk) AS rank,
		argMax(tier, o) AS tier, argMax(is_leader, o) AS is_leader, argMax(eth, o) AS eth, argMax(gen, o) AS gen,
		argMax(role_code, o) AS role
	FROM (
		SELECT school_year, staff_key, lea_id, school_id, toString(ethnicity) AS eth, toString(gender) AS gen, role_code, rk, tier, is_leader,
			(rk, fte, school_id) AS o
		FROM (SELECT school_year, staff_key, lea_id, school_id, ethnicity, gender, fte, role_code FROM {db}.staff_assignments WHERE ` + cond + `)
		ANY INNER JOIN (SELECT role_code, rank AS rk, toString(tier) AS tier, is_leader FROM {db}.roles FINAL) USING role_code
	) GROUP BY school_year, staff_key)`
}

// memberYearsSQL lists (staff_key, school_year) while the person was a
// member: joined by June 30 ending the year, not left before July 1 opening it.
const memberYearsSQL = `SELECT staff_key, y FROM (
	SELECT staff_key, joined_on, left_on, arrayJoin(arrayMap(i -> toUInt16(2005 + i), range(30))) AS y FROM {db}.members FINAL WHERE staff_key != 0)
	WHERE joined_on <= toDate(concat(toString(y + 1), '-06-30'))
	  AND (isNull(left_on) OR assumeNotNull(left_on) >= toDate(concat(toString(y), '-07-01')))`

// movesSQL is person-years of 2020-2023 with the same person's next year
// (nx = 1 when present) and membership in the year.
const movesSQL = `(SELECT *, if((staff_key, school_year) IN (` + memberYearsSQL + `), 1, 0) AS member FROM (
	SELECT * FROM (SELECT school_year, staff_key, rank, is_leader, eth FROM {py2020_2023})
	ANY LEFT JOIN (SELECT toUInt16(school_year - 1) AS school_year, staff_key, rank AS next_rank, is_leader AS next_leader,
		toUInt8(1) AS nx FROM {py2021_2024}) USING school_year, staff_key))`

// expand replaces the person-year placeholders of sql ({py2023}, …) with
// personYears subqueries.
func expand(sql string) string {
	return strings.NewReplacer("{py2020_2023}", personYears("school_year BETWEEN 2020 AND 2023"),
		"{py2021_2024}", personYears("school_year BETWEEN 2021 AND 2024"),
		"{py2019_2022}", personYears("school_year BETWEEN 2019 AND 2022"),
		"{py2023}", personYears("school_year = 2023"),
		"{pyall}", personYears("1")).Replace(sql)
}

// ratio is a ÷ b, undefined when b is 0.
func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	return num(a / b)
}

// kmMedian is the Kaplan-Meier median of spells (d years, e = 1 promoted,
// 0 censored): the first duration where survival is at most ½.
func kmMedian(ds []int, es []bool) *float64 {
	type at struct{ ev, ce int }
	by := map[int]*at{}
	for i, d := range ds {
		if by[d] == nil {
			by[d] = &at{}
		}
		if es[i] {
			by[d].ev++
		} else {
			by[d].ce++
		}
	}
	var keys []int
	for d := range by {
		keys = append(keys, d)
	}
	sort.Ints(keys)
	risk, s := len(ds), 1.0
	for _, d := range keys {
		if risk > 0 {
			s *= 1 - float64(by[d].ev)/float64(risk)
		}
		if s <= 0.5+1e-12 {
			return num(float64(d))
		}
		risk -= by[d].ev + by[d].ce
	}
	return nil
}

// utahExpected computes every measure independently for Utah: the stock
// measures in 2023, the flows pooled over 2020-2023 (yoy_growth by year
// 2020-2023; pipeline_parity and median_years_to_promotion by role). It
// returns the query each measure is asked with and the expected rows.
func utahExpected(t *testing.T, db *warehouse.DB) map[string]fcase {
	out := map[string]fcase{}
	one := func(v *float64) []wrow { return []wrow{r("", v)} }
	oneU := func(v, u *float64) []wrow { return []wrow{ru("", v, u)} }
	stock := func(name string, rows []wrow) { out[name] = fcase{measure: name, from: 2023, to: 2023, rows: rows} }
	flow := func(name string, rows []wrow) { out[name] = fcase{measure: name, from: 2020, to: 2023, rows: rows} }

	// Headcounts of 2023 from person-years.
	s := plainRows(t, db, expand(`SELECT '', toFloat64(count()), toFloat64(countIf(eth = 'hispanic_latino')), toFloat64(countIf(eth != 'unknown')),
		toFloat64(countIf(is_leader = 1)), toFloat64(countIf(is_leader = 1 AND eth = 'hispanic_latino')),
		toFloat64(countIf(is_leader = 1 AND eth != 'unknown')),
		toFloat64(countIf(rank = 0)), toFloat64(countIf(rank = 0 AND eth = 'hispanic_latino')), toFloat64(countIf(rank = 0 AND eth != 'unknown'))
		FROM {py2023}`))[""]
	staff, latinoStaff, knownStaff := s[0], s[1], s[2]
	leaders, latinoLeaders, knownLeaders := s[3], s[4], s[5]
	teachers, latinoTeachers, knownTeachers := s[6], s[7], s[8]
	if leaders < 100 || latinoLeaders < 5 || knownLeaders == leaders || teachers < 1000 {
		t.Fatalf("the Utah seed looks wrong for these checks: %v", s)
	}
	stock("staff", one(num(staff)))
	stock("latino_staff", one(num(latinoStaff)))
	stock("latino_staff_share", oneU(ratio(latinoStaff, knownStaff), ratio(staff-knownStaff, staff)))
	stock("leaders", one(num(leaders)))
	stock("latino_leaders", one(num(latinoLeaders)))
	stock("latino_leader_share", oneU(ratio(latinoLeaders, knownLeaders), ratio(leaders-knownLeaders, leaders)))
	stock("unknown_ethnicity_share", one(ratio(leaders-knownLeaders, leaders)))
	stock("teachers", one(num(teachers)))
	stock("latino_teachers", one(num(latinoTeachers)))
	stock("latino_teacher_share", oneU(ratio(latinoTeachers, knownTeachers), ratio(teachers-knownTeachers, teachers)))

	// Enrollment of 2023.
	e := plainRows(t, db, `SELECT '', toFloat64(sum(students)), toFloat64(sumIf(students, ethnicity = 'hispanic_latino')),
		toFloat64(sumIf(students, ethnicity != 'unknown')) FROM {db}.enrollment WHERE school_year = 2023`)[""]
	students, latinoStudents, knownStudents := e[0], e[1], e[2]
	stock("students", one(num(students)))
	stock("latino_students", one(num(latinoStudents)))
	stock("latino_student_share", oneU(ratio(latinoStudents, knownStudents), ratio(students-knownStudents, students)))
	stock("representation_index", one(num((latinoLeaders/knownLeaders)/(latinoStudents/knownStudents))))
	stock("representation_gap", one(num((latinoStudents/knownStudents-latinoLeaders/knownLeaders)*100)))
	stock("latino_students_per_latino_leader", one(ratio(latinoStudents, latinoLeaders)))

	// Schools with staff in 2023, and those with a Latino school-tier leader.
	sc := plainRows(t, db, expand(`SELECT '', toFloat64(count()), toFloat64(countIf(has > 0)) FROM (
		SELECT school_id, countIf(is_leader = 1 AND tier = 'school' AND eth = 'hispanic_latino') AS has
		FROM {py2023} WHERE school_id != '' GROUP BY school_id)`))[""]
	stock("schools_with_latino_leader", one(num(sc[1])))
	stock("schools_with_latino_leader_share", one(ratio(sc[1], sc[0])))

	// Pipeline parity by role in 2023: each rank over the rank below.
	byRank := plainRows(t, db, expand(`SELECT role_code, toFloat64(rank), toFloat64(countIf(eth = 'hispanic_latino')), toFloat64(countIf(eth != 'unknown'))
		FROM {py2023} ANY INNER JOIN (SELECT role_code, rank FROM {db}.roles FINAL) USING rank GROUP BY role_code, rank`))
	rankOf := map[int]string{}
	for code, v := range byRank {
		rankOf[int(v[0])] = code
	}
	var parity []wrow
	for code, v := range byRank {
		below, ok := byRank[rankOf[int(v[0])-1]]
		var p *float64
		if ok && v[2] > 0 && below[2] > 0 && below[1] > 0 {
			p = num((v[1] / v[2]) / (below[1] / below[2]))
		}
		parity = append(parity, r(code, p))
	}
	out["pipeline_parity"] = fcase{measure: "pipeline_parity", dims: dims("role"), from: 2023, to: 2023, rows: parity}

	// Latino leaders by year 2019-2023: growth and compound growth.
	ll := plainRows(t, db, expand(`SELECT toString(school_year), toFloat64(countIf(is_leader = 1 AND eth = 'hispanic_latino'))
		FROM `+personYears("school_year BETWEEN 2019 AND 2023")+` GROUP BY school_year`))
	var yoy []wrow
	for y := 2020; y <= 2023; y++ {
		cur, prev := ll[fmt.Sprint(y)][0], ll[fmt.Sprint(y-1)][0]
		var g *float64
		if prev > 0 {
			g = num(cur/prev - 1)
		}
		yoy = append(yoy, r(fmt.Sprint(y), g))
	}
	out["yoy_growth"] = fcase{measure: "yoy_growth", dims: yearDim, from: 2020, to: 2023, rows: yoy}
	flow("cagr", one(num(math.Pow(ll["2023"][0]/ll["2020"][0], 1.0/3)-1)))

	// Moves of 2020-2023 (each year's next year is in the data, up to 2025).
	// Promotion cohorts leave out state leaders, the top of the ladder
	// (rank 7, DESIGN.md): they cannot rise.
	mv := plainRows(t, db, expand(strings.ReplaceAll(`SELECT '', toFloat64(countIf(rise)), toFloat64(countIf(rise AND up)),
		toFloat64(countIf(rise AND eth = 'hispanic_latino')), toFloat64(countIf(rise AND eth = 'hispanic_latino' AND up)),
		toFloat64(countIf(rise AND eth NOT IN ('hispanic_latino', 'unknown'))),
		toFloat64(countIf(rise AND eth NOT IN ('hispanic_latino', 'unknown') AND up)),
		toFloat64(countIf(is_leader = 1)), toFloat64(countIf(is_leader = 1 AND nx = 1 AND next_leader = 1)),
		toFloat64(countIf(rise AND member = 1)), toFloat64(countIf(rise AND member = 1 AND up))
		FROM (SELECT *, (nx = 1 AND next_rank > rank) AS up, (rank < 7) AS rise FROM {moves})`, "{moves}", movesSQL)))[""]
	flow("promotion_rate", one(ratio(mv[1], mv[0])))
	flow("promotion_rate_ratio", one(num((mv[3]/mv[2])/(mv[5]/mv[4]))))
	flow("retention_rate", one(ratio(mv[7], mv[6])))
	flow("member_promotion_rate", one(ratio(mv[9], mv[8])))
	// Every person-year of 2020-2023 has its year t+1 in the seed (to 2025).
	py := plainRows(t, db, expand(`SELECT '', toFloat64(count()) FROM {py2020_2023}`))[""]
	flow("movers", one(num(py[0])))

	// Members against Latino non-members of their rank.
	pr := plainRows(t, db, expand(strings.ReplaceAll(`SELECT toString(rank), toFloat64(countIf(member = 1)), toFloat64(countIf(member = 1 AND up)),
		toFloat64(countIf(member = 0 AND eth = 'hispanic_latino')), toFloat64(countIf(member = 0 AND eth = 'hispanic_latino' AND up))
		FROM (SELECT *, (nx = 1 AND next_rank > rank) AS up FROM {moves}) WHERE rank < 7 GROUP BY rank`, "{moves}", movesSQL)))
	var mc, mp, expected float64
	for _, v := range pr {
		if v[2] > 0 {
			mc, mp, expected = mc+v[0], mp+v[1], expected+v[0]*v[3]/v[2]
		}
	}
	flow("member_promotion_gap", one(num((mp-expected)/mc*100)))

	// New leaders of 2020-2023: leaders who were not leaders the year before.
	nl := plainRows(t, db, expand(`SELECT '', toFloat64(count()), toFloat64(countIf(eth = 'hispanic_latino')), toFloat64(countIf(eth != 'unknown')) FROM (
		SELECT * FROM (SELECT school_year, staff_key, eth FROM {py2020_2023} WHERE is_leader = 1)
		ANY LEFT JOIN (SELECT toUInt16(school_year + 1) AS school_year, staff_key, is_leader AS prev_leader FROM {py2019_2022})
		USING school_year, staff_key) WHERE prev_leader = 0`))[""]
	flow("new_leader_share", oneU(ratio(nl[1], nl[2]), ratio(nl[0]-nl[2], nl[0])))

	// Spells: every person's history 2014-2025, read into Go.
	spells := spellsFromHistories(t, db)
	var median []wrow
	for _, role := range []struct {
		code     string
		st, goal int
	}{{"teacher", 0, 2}, {"assistant_principal", 2, 3}} {
		var ds []int
		var es []bool
		for _, h := range spells {
			d, e, ok := h.spell(role.st, role.goal, 2014, 2020, 2023)
			if ok {
				ds, es = append(ds, d), append(es, e)
			}
		}
		if len(ds) < 50 {
			t.Fatalf("only %d %s spells in the Utah seed", len(ds), role.code)
		}
		median = append(median, r(role.code, kmMedian(ds, es)))
	}
	out["median_years_to_promotion"] = fcase{measure: "median_years_to_promotion", dims: dims("role"), from: 2020, to: 2023, rows: median}

	// The association: members on June 30, 2024; joins and conferences.
	m := plainRows(t, db, `SELECT '', toFloat64(countIf(joined_on <= toDate('2024-06-30') AND (isNull(left_on) OR assumeNotNull(left_on) > toDate('2024-06-30')))),
		toFloat64(countIf(joined_on BETWEEN toDate('2020-07-01') AND toDate('2024-06-30')))
		FROM {db}.members FINAL`)[""]
	stock("members", one(num(m[0])))
	flow("new_members", one(num(m[1])))
	cf := plainRows(t, db, `SELECT '', toFloat64(uniqExact(member_id)) FROM {db}.member_events
		WHERE event_type = 'conference_attended' AND event_date BETWEEN toDate('2020-07-01') AND toDate('2024-06-30')
		  AND member_id IN (SELECT member_id FROM {db}.members FINAL)`)[""]
	flow("conference_attendance", one(num(cf[0])))
	return out
}

// history is one person's highest rank by school year.
type history struct{ years, ranks []int }

// spell is the person's spell from rank st to rank goal or above: it starts
// in the first year at st (if never above st before, after the first year
// of data, and in [from, to]); d runs to the first later year at goal or
// above (e), or to the person's last year (censored).
func (h history) spell(st, goal, first, from, to int) (d int, e, ok bool) {
	start := -1
	for i, y := range h.years {
		if h.ranks[i] == st && (start < 0 || y < start) {
			start = y
		}
	}
	if start <= first || start < from || start > to {
		return 0, false, false
	}
	last, up := 0, -1
	for i, y := range h.years {
		if y < start && h.ranks[i] > st {
			return 0, false, false
		}
		last = max(last, y)
		if y > start && h.ranks[i] >= goal && (up < 0 || y < up) {
			up = y
		}
	}
	if up >= 0 {
		return up - start, true, true
	}
	return last - start, false, true
}

func spellsFromHistories(t *testing.T, db *warehouse.DB) []history {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rows, err := db.Conn().Query(ctx, strings.ReplaceAll(expand(`SELECT groupArray(toInt64(school_year)), groupArray(toInt64(rank))
		FROM {pyall} GROUP BY staff_key`), "{db}", db.Database()))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []history
	for rows.Next() {
		var ys, rs []int64
		if err := rows.Scan(&ys, &rs); err != nil {
			t.Fatal(err)
		}
		h := history{}
		for i := range ys {
			h.years, h.ranks = append(h.years, int(ys[i])), append(h.ranks, int(rs[i]))
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestUtahEveryMeasureEqualsPlainSQL: every measure of the catalog over the
// whole Utah seed equals an independent computation from the fact tables
// (staff_assignments with the roles table, enrollment, members,
// member_events), on both engines.
func TestUtahEveryMeasureEqualsPlainSQL(t *testing.T) {
	db := utah(t)
	want := utahExpected(t, db)
	es := engines(db)
	for _, m := range metrics.Catalog() {
		fc, ok := want[m.Name]
		if !ok {
			t.Errorf("measure %s has no plain-SQL computation in utahExpected", m.Name)
			continue
		}
		t.Run(m.Name, func(t *testing.T) {
			q := metrics.Query{Measures: []string{m.Name}, Dimensions: fc.dims, From: fc.from, To: fc.to}
			for _, e := range es {
				res := run(t, e, q)
				checkRows(t, fmt.Sprintf("%s engine, Utah %d-%d", e.name, fc.from, fc.to), res, 0, m, fc.rows)
			}
		})
	}
	for name := range want {
		if _, ok := metrics.LookupMeasure(name); !ok {
			t.Errorf("utahExpected computes %s, which is not in the catalog", name)
		}
	}
}

// TestUtahDistrictRowsEqualDistrictScope: a partner scoped to two districts
// sees, for every measure, exactly those districts' rows of the statewide
// cut by district (a person is counted, and followed, the same way).
func TestUtahDistrictRowsEqualDistrictScope(t *testing.T) {
	db := utah(t)
	e := engines(db)[0]
	// Salt Lake City and a small district.
	districts := []string{"4900870", "4900360"}
	scoped := scope.With(context.Background(), scope.Scope{Districts: districts, States: []string{"UT"}})
	for _, m := range metrics.Catalog() {
		if !m.AllowsDimension(metrics.DimDistrict) {
			continue
		}
		q := cutQuery(m, []string{metrics.DimDistrict})
		all := run(t, e, q)
		res, err := e.Run(scoped, q)
		if err != nil {
			t.Fatalf("%s scoped: %v", m.Name, err)
		}
		want := &metrics.Result{}
		for _, row := range all.Rows {
			if slices.Contains(districts, row.Dims[0]) {
				want.Rows = append(want.Rows, row)
			}
		}
		want.TotalCount = len(want.Rows)
		if len(want.Rows) == 0 {
			t.Errorf("%s: no rows for %v in the statewide cut", m.Name, districts)
		}
		if d := sameRows(want, res); d != "" {
			t.Errorf("%s: statewide rows vs scoped:\n\t%s", m.Name, d)
		}
	}
}

// TestUtahSuppressedOutputAgreesWithTheFullFigures: for every measure cut
// by district (a table a public report could print), suppressed output
// shows only values equal to the full figures (or their bound, for a coded
// share), hides every count below the threshold, and hides at least one
// more count wherever a breakdown would otherwise hide exactly one.
func TestUtahSuppressedOutputAgreesWithTheFullFigures(t *testing.T) {
	db := utah(t)
	e := engines(db)[0]
	public := scope.With(context.Background(), scope.Scope{SuppressBelow: 10, Public: true})
	hidden, shown := 0, 0
	for _, m := range metrics.Catalog() {
		if !m.AllowsDimension(metrics.DimDistrict) {
			continue
		}
		q := cutQuery(m, []string{metrics.DimDistrict})
		full := run(t, e, q)
		res, err := e.Run(public, q)
		if err != nil {
			t.Fatalf("%s suppressed: %v", m.Name, err)
		}
		if len(res.Rows) != len(full.Rows) {
			t.Fatalf("%s: %d rows suppressed, %d full", m.Name, len(res.Rows), len(full.Rows))
		}
		smallOnes := 0
		for i, row := range res.Rows {
			got, want := row.Values[0], full.Rows[i].Values[0]
			switch {
			case got.Suppressed != "":
				hidden++
				if m.Unit == metrics.UnitCount && want.V != nil && *want.V < 10 {
					smallOnes++
				}
			case got.Coded == metrics.AtMost:
				if want.V == nil || *want.V > *got.V {
					t.Errorf("%s %v: coded at most %v, full %v", m.Name, row.Dims, *got.V, show(want.V))
				}
			case got.Coded == metrics.AtLeast:
				if want.V == nil || *want.V < *got.V {
					t.Errorf("%s %v: coded at least %v, full %v", m.Name, row.Dims, *got.V, show(want.V))
				}
			default:
				shown++
				if !sameValue(got.V, want.V) {
					t.Errorf("%s %v: shown %s, full %s", m.Name, row.Dims, show(got.V), show(want.V))
				}
				if m.Unit == metrics.UnitCount && got.V != nil && *got.V < 10 {
					t.Errorf("%s %v: a count of %v shown", m.Name, row.Dims, *got.V)
				}
			}
		}
		if smallOnes == 1 {
			// the complementary rule must have hidden another non-zero cell
			others := 0
			for i, row := range res.Rows {
				if w := full.Rows[i].Values[0].V; row.Values[0].Suppressed == metrics.Complementary && w != nil && *w > 0 {
					others++
				}
			}
			if others == 0 {
				t.Errorf("%s: one small district and no complementary cell", m.Name)
			}
		}
	}
	if hidden == 0 || shown == 0 {
		t.Fatalf("%d hidden, %d shown: the Utah seed should give both", hidden, shown)
	}
	t.Logf("%d values hidden, %d shown", hidden, shown)
}
