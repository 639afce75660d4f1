package server_test

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/camino-edu/camino/internal/warehouse"
)

// districtFigures is one district's 2023 figures computed in plain SQL from
// the raw facts: people once at their highest post (rank by the ladder in
// DESIGN.md; ties by fte then school id), leaders rank >= 2; students from
// enrollment.
type districtFigures struct {
	leaders, latino, known      int64
	students, latinoSt, knownSt int64
}

func utahDistricts2023(t *testing.T, db *warehouse.DB) map[string]*districtFigures {
	t.Helper()
	out := map[string]*districtFigures{}
	get := func(lea int64) *districtFigures {
		id := fmt.Sprintf("%07d", lea)
		if out[id] == nil {
			out[id] = &districtFigures{}
		}
		return out[id]
	}
	for _, r := range sqlInt64s(t, db, replaceDB(`
		SELECT toInt64(lea), toInt64(count()), toInt64(countIf(eth = 'hispanic_latino')), toInt64(countIf(eth != 'unknown'))
		FROM (
			SELECT staff_key, argMax(toInt64(lea_id), (r, fte, school_id)) AS lea, argMax(toString(ethnicity), (r, fte, school_id)) AS eth, max(r) AS top
			FROM (SELECT staff_key, lea_id, ethnicity, fte, school_id,
			        transform(role_code, ['teacher_leader', 'assistant_principal', 'principal', 'district_leader',
			          'assistant_superintendent', 'superintendent', 'state_leader'], [1, 2, 3, 4, 5, 6, 7], 0) AS r
			      FROM {db}.staff_assignments WHERE school_year = 2023)
			GROUP BY staff_key
		) WHERE top >= 2 GROUP BY lea`, db)) {
		f := get(r[0])
		f.leaders, f.latino, f.known = r[1], r[2], r[3]
	}
	for _, r := range sqlInt64s(t, db, replaceDB(`
		SELECT toInt64(lea_id), toInt64(sum(students)), toInt64(sumIf(students, ethnicity = 'hispanic_latino')),
			toInt64(sumIf(students, ethnicity != 'unknown'))
		FROM {db}.enrollment WHERE school_year = 2023 GROUP BY lea_id`, db)) {
		f := get(r[0])
		f.students, f.latinoSt, f.knownSt = r[1], r[2], r[3]
	}
	return out
}

// index is the representation index computed in the test, or NaN.
func (f districtFigures) index() float64 {
	if f.known == 0 || f.knownSt == 0 || f.latinoSt == 0 {
		return math.NaN()
	}
	return (float64(f.latino) / float64(f.known)) / (float64(f.latinoSt) / float64(f.knownSt))
}

type metricsJSON struct {
	Dimensions  []string
	Measures    []string
	TotalCount  int
	Description string
	Sources     []string
	SQL         string
	Rows        []struct {
		Dimensions             []string
		Values                 []*float64
		UnknownEthnicityShares []*float64
	}
}

func near(got *float64, want float64) bool {
	if math.IsNaN(want) {
		return got == nil
	}
	return got != nil && math.Abs(*got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

const analystQuery = `query($q: MetricsQuery!) { metrics(query: $q) {
	dimensions measures totalCount description sources sql rows { dimensions values unknownEthnicityShares } } }`

// The analyst query: by district, a measure filter, ordered by a measure,
// limited; every figure against plain SQL.
func TestUtahAnalystQueryEqualsPlainSQL(t *testing.T) {
	db := utah(t)
	a := newAPI(t, db)
	figs := utahDistricts2023(t, db)
	var d struct{ Metrics metricsJSON }
	a.must(analystQuery, map[string]any{"q": map[string]any{
		"measures":   []string{"LEADERS", "LATINO_LEADERS", "LATINO_LEADER_SHARE", "REPRESENTATION_INDEX"},
		"dimensions": []string{"DISTRICT"}, "from": 2023, "to": 2023,
		"having":  []map[string]any{{"measure": "LEADERS", "op": "GTE", "value": 20}},
		"orderBy": []map[string]any{{"measure": "REPRESENTATION_INDEX", "desc": true}},
		"limit":   10,
	}}, &d)
	// Expected: districts with at least 20 leaders, by index descending
	// (undefined last), then by id.
	type exp struct {
		id  string
		idx float64
	}
	var want []exp
	for id, f := range figs {
		if f.leaders >= 20 {
			want = append(want, exp{id, f.index()})
		}
	}
	sort.Slice(want, func(i, j int) bool {
		a, b := want[i].idx, want[j].idx
		switch {
		case math.IsNaN(a) != math.IsNaN(b):
			return math.IsNaN(b)
		case a != b && !math.IsNaN(a):
			return a > b
		}
		return want[i].id < want[j].id
	})
	m := d.Metrics
	if m.TotalCount != len(want) {
		t.Fatalf("totalCount = %d, plain SQL finds %d districts with ≥ 20 leaders", m.TotalCount, len(want))
	}
	if len(m.Rows) != 10 || len(want) < 10 {
		t.Fatalf("%d rows (want 10 of %d)", len(m.Rows), len(want))
	}
	for i, r := range m.Rows {
		f := figs[r.Dimensions[0]]
		if r.Dimensions[0] != want[i].id {
			t.Errorf("row %d is %s, want %s (index %v)", i, r.Dimensions[0], want[i].id, want[i].idx)
			continue
		}
		share := float64(f.latino) / float64(f.known)
		unknown := float64(f.leaders-f.known) / float64(f.leaders)
		if !near(r.Values[0], float64(f.leaders)) || !near(r.Values[1], float64(f.latino)) || !near(r.Values[2], share) ||
			!near(r.Values[3], f.index()) || !near(r.UnknownEthnicityShares[2], unknown) || r.UnknownEthnicityShares[0] != nil {
			t.Errorf("%s: values %v unknown %v; plain SQL %+v", r.Dimensions[0], deref(r.Values), deref(r.UnknownEthnicityShares), *f)
		}
	}
	if strings.Join(m.Dimensions, ",") != "DISTRICT" || strings.Join(m.Measures, ",") != "LEADERS,LATINO_LEADERS,LATINO_LEADER_SHARE,REPRESENTATION_INDEX" {
		t.Errorf("columns %v %v", m.Dimensions, m.Measures)
	}
	// District-level figures come from the district rollup, not the facts,
	// and the SQL binds its values.
	if strings.Join(m.Sources, ",") != "district_rollup" || strings.Contains(m.SQL, "2023") || !strings.Contains(m.SQL, "?") {
		t.Errorf("sources %v; sql %s", m.Sources, m.SQL)
	}
	if !strings.Contains(m.Description, "representation_index") || !strings.Contains(m.Description, "leaders >= 20") {
		t.Errorf("description %q", m.Description)
	}
}

func deref(vs []*float64) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		if v == nil {
			out[i] = nil
		} else {
			out[i] = *v
		}
	}
	return out
}

// districts { representation } for every district of a state is a fixed
// number of SQL queries, and each district's figures equal plain SQL.
func TestUtahDistrictsRepresentationIsOneQueryAndEqualsPlainSQL(t *testing.T) {
	db := utah(t)
	figs := utahDistricts2023(t, db)
	type resp struct {
		State struct {
			Districts struct {
				Nodes []struct {
					ID             string
					Representation struct {
						Leaders, LatinoLeaders, Students, LatinoStudents int
						LatinoLeaderShare, RepresentationIndex           *float64
					}
				}
			}
		}
	}
	counts := map[int]int64{}
	for _, first := range []int{3, 500} {
		a := newAPI(t, db) // a fresh server each: nothing cached from the other
		reqID := fmt.Sprintf("repr%d%s", first, warehouse.NewID())
		var d resp
		// Busy cores deschedule resolvers: the count must not depend on
		// timing (the prefetch enqueues every sibling's key at once).
		stop := burnCPU(2 * runtime.NumCPU())
		errs := a.do(reqID, fmt.Sprintf(`{ state(code: "UT") { districts(first: %d) { nodes { id representation(year: 2023) {
			leaders latinoLeaders students latinoStudents latinoLeaderShare representationIndex }
			pipeline(year: 2023) { ranks { people } } } } } }`, first), nil, &d)
		stop()
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		for _, n := range d.State.Districts.Nodes {
			f, r := figs[n.ID], n.Representation
			if f == nil {
				f = &districtFigures{}
			}
			if int64(r.Leaders) != f.leaders || int64(r.LatinoLeaders) != f.latino || int64(r.Students) != f.students ||
				int64(r.LatinoStudents) != f.latinoSt || !near(r.RepresentationIndex, f.index()) {
				t.Errorf("%s: %+v, plain SQL %+v", n.ID, r, *f)
			}
		}
		if first == 500 && len(d.State.Districts.Nodes) != 155 {
			t.Fatalf("%d districts listed, want Utah's 155", len(d.State.Districts.Nodes))
		}
		counts[first] = countQueries(t, a, reqID)
	}
	// The same count for 3 districts and 155: one representation query and
	// one pipeline query, plus the page of districts, the data years (for the
	// default year and for the engine) and the ladder.
	if counts[3] != counts[500] || counts[500] > 7 {
		t.Fatalf("SQL queries: %d for 3 districts, %d for 155; want the same small number", counts[3], counts[500])
	}
	t.Logf("SQL queries: %d", counts[500])
}

// The typed fields agree with the analyst query for the same cut, and the
// pipeline's headcounts with plain SQL.
func TestUtahTypedFieldsAgreeWithAnalystQuery(t *testing.T) {
	db := utah(t)
	a := newAPI(t, db)
	var d struct {
		State struct {
			Pipeline struct {
				Ranks []struct {
					Role                  string
					People, Latino        int
					LatinoShare, Parity   *float64
					RatioToRankBelow      *float64
					UnknownEthnicityShare *float64
				}
			}
			Growth struct {
				LatinoLeadersFrom, LatinoLeadersTo, Change int
				Cagr                                       *float64
				YearOnYear                                 []struct {
					SchoolYear int
					Value      *float64
				}
			}
			Promotions struct {
				PromotionRate, RetentionRate, NewLeaderShare *float64
				ByRole                                       []struct {
					Role                                  string
					PromotionRate, MedianYearsToPromotion *float64
				}
			}
			Members struct {
				Years []struct{ SchoolYear, Members, NewMembers, ConferenceAttendance int }
			}
		}
	}
	a.must(`{ state(code: "UT") {
		pipeline(year: 2023) { ranks { role people latino latinoShare parity ratioToRankBelow unknownEthnicityShare } }
		growth(from: 2016, to: 2023) { latinoLeadersFrom latinoLeadersTo change cagr yearOnYear { schoolYear value } }
		promotions(from: 2016, to: 2023) { promotionRate retentionRate newLeaderShare byRole { role promotionRate medianYearsToPromotion } }
		members(from: 2020, to: 2023) { years { schoolYear members newMembers conferenceAttendance } } } }`, nil, &d)
	s := d.State
	// Pipeline headcounts by plain SQL: people at their highest post.
	byRank := sqlInt64s(t, db, replaceDB(`
		SELECT toInt64(top), toInt64(count()), toInt64(countIf(eth = 'hispanic_latino')) FROM (
			SELECT staff_key, max(r) AS top, argMax(toString(ethnicity), (r, fte, school_id)) AS eth FROM (
				SELECT staff_key, ethnicity, fte, school_id, transform(role_code, ['teacher', 'teacher_leader', 'assistant_principal',
					'principal', 'district_leader', 'assistant_superintendent', 'superintendent', 'state_leader'],
					[0, 1, 2, 3, 4, 5, 6, 7], -1) AS r
				FROM {db}.staff_assignments WHERE school_year = 2023) WHERE r >= 0 GROUP BY staff_key)
		GROUP BY top ORDER BY top`, db))
	if len(s.Pipeline.Ranks) != 8 || len(byRank) != 8 {
		t.Fatalf("pipeline has %d ranks, plain SQL %d", len(s.Pipeline.Ranks), len(byRank))
	}
	for i, r := range s.Pipeline.Ranks {
		if int64(r.People) != byRank[i][1] || int64(r.Latino) != byRank[i][2] {
			t.Errorf("%s: %d people, %d Latino; plain SQL %v", r.Role, r.People, r.Latino, byRank[i])
		}
		if i > 0 && !near(r.RatioToRankBelow, float64(byRank[i][1])/float64(byRank[i-1][1])) {
			t.Errorf("%s: ratio to rank below %v", r.Role, r.RatioToRankBelow)
		}
	}
	if s.Pipeline.Ranks[0].Parity != nil || s.Pipeline.Ranks[0].RatioToRankBelow != nil {
		t.Error("teachers have no rank below: parity and ratio must be null")
	}
	// The same figures through the analyst query.
	run := func(q map[string]any) metricsJSON {
		var r struct{ Metrics metricsJSON }
		a.must(analystQuery, map[string]any{"q": q}, &r)
		return r.Metrics
	}
	parity := run(map[string]any{"measures": []string{"PIPELINE_PARITY", "LATINO_STAFF_SHARE"}, "dimensions": []string{"ROLE"},
		"from": 2023, "to": 2023, "filters": []map[string]any{{"dimension": "STATE", "in": []string{"UT"}}}})
	for i, row := range parity.Rows {
		p := s.Pipeline.Ranks[i]
		if row.Dimensions[0] != p.Role || !same(row.Values[0], p.Parity) || !same(row.Values[1], p.LatinoShare) ||
			!same(row.UnknownEthnicityShares[1], p.UnknownEthnicityShare) {
			t.Errorf("pipeline %s: typed %v/%v, analyst %v", p.Role, p.Parity, p.LatinoShare, deref(row.Values))
		}
	}
	series := run(map[string]any{"measures": []string{"LATINO_LEADERS", "YOY_GROWTH"}, "dimensions": []string{"SCHOOL_YEAR"},
		"from": 2016, "to": 2023})
	if len(series.Rows) != 8 || len(s.Growth.YearOnYear) != 8 {
		t.Fatalf("growth: %d analyst rows, %d typed points", len(series.Rows), len(s.Growth.YearOnYear))
	}
	first, last := *series.Rows[0].Values[0], *series.Rows[7].Values[0]
	if s.Growth.LatinoLeadersFrom != int(first) || s.Growth.LatinoLeadersTo != int(last) || s.Growth.Change != int(last-first) {
		t.Errorf("growth %+v; analyst series from %v to %v", s.Growth, first, last)
	}
	if !near(s.Growth.Cagr, math.Pow(last/first, 1.0/7)-1) {
		t.Errorf("cagr %v, want (%v/%v)^(1/7)-1", s.Growth.Cagr, last, first)
	}
	for i, row := range series.Rows {
		if !same(row.Values[1], s.Growth.YearOnYear[i].Value) {
			t.Errorf("yoy %s: analyst %v, typed %v", row.Dimensions[0], deref(row.Values), s.Growth.YearOnYear[i].Value)
		}
	}
	promo := run(map[string]any{"measures": []string{"PROMOTION_RATE", "RETENTION_RATE", "NEW_LEADER_SHARE"}, "from": 2016, "to": 2023})
	pv := promo.Rows[0].Values
	if !same(pv[0], s.Promotions.PromotionRate) || !same(pv[1], s.Promotions.RetentionRate) || !same(pv[2], s.Promotions.NewLeaderShare) {
		t.Errorf("promotions typed %+v, analyst %v", s.Promotions, deref(pv))
	}
	members := run(map[string]any{"measures": []string{"MEMBERS", "NEW_MEMBERS", "CONFERENCE_ATTENDANCE"}, "dimensions": []string{"SCHOOL_YEAR"},
		"from": 2020, "to": 2023})
	for i, row := range members.Rows {
		y := s.Members.Years[i]
		if row.Dimensions[0] != strconv.Itoa(y.SchoolYear) || *row.Values[0] != float64(y.Members) || *row.Values[1] != float64(y.NewMembers) ||
			*row.Values[2] != float64(y.ConferenceAttendance) {
			t.Errorf("members %+v, analyst %v %v", y, row.Dimensions, deref(row.Values))
		}
	}
	// Members on June 30, 2024 by plain SQL.
	want := sqlInt64s(t, db, replaceDB(`SELECT toInt64(count()) FROM {db}.members FINAL
		WHERE joined_on <= toDate('2024-06-30') AND (isNull(left_on) OR assumeNotNull(left_on) > toDate('2024-06-30'))`, db))[0][0]
	if got := s.Members.Years[3].Members; int64(got) != want {
		t.Errorf("members 2023 = %d, plain SQL %d", got, want)
	}
}

func same(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) <= 1e-9*math.Max(1, math.Abs(*b))
}

// The CSV export returns the analyst query's rows with a header, and
// refuses bad input with a clear 4xx.
func TestUtahExportCSV(t *testing.T) {
	db := utah(t)
	a := newAPI(t, db)
	q := map[string]any{"measures": []string{"LATINO_LEADER_SHARE", "STUDENTS"}, "dimensions": []string{"DISTRICT"}, "from": 2023, "to": 2023}
	var d struct{ Metrics metricsJSON }
	a.must(analystQuery, map[string]any{"q": q}, &d)
	get := func(query string) (int, string) { return a.get("/export.csv?query=" + url.QueryEscape(query)) }
	status, body := get(`{"measures":["latino_leader_share","STUDENTS"],"dimensions":["district"],"from":2023,"to":2023}`)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "district,latino_leader_share,latino_leader_share_unknown_ethnicity_share,students" {
		t.Fatalf("header %v", recs[0])
	}
	// The GraphQL default limit is 1,000; the download has none below the
	// maximum, and here both hold every district.
	if len(recs)-1 != len(d.Metrics.Rows) || len(recs)-1 != d.Metrics.TotalCount || len(recs) < 100 {
		t.Fatalf("%d CSV rows, %d GraphQL rows (total %d)", len(recs)-1, len(d.Metrics.Rows), d.Metrics.TotalCount)
	}
	for i, row := range d.Metrics.Rows {
		rec := recs[i+1]
		want := []string{row.Dimensions[0], num(row.Values[0]), num(row.UnknownEthnicityShares[0]), num(row.Values[1])}
		if strings.Join(rec, ",") != strings.Join(want, ",") {
			t.Errorf("line %d = %v, GraphQL %v", i+2, rec, want)
		}
	}
	for _, c := range []struct {
		query  string
		status int
		says   string
	}{
		{``, 400, "pass the analyst query"},
		{`{"measures":`, 400, "not valid JSON"},
		{`{"measures":["leaders"],"sql":"DROP TABLE x"}`, 400, "unknown field"},
		{`{"measures":["no_such_measure"]}`, 400, `unknown measure "no_such_measure"`},
		{`{"measures":["members"],"dimensions":["school"],"from":2023,"to":2023}`, 400, "members cannot be cut by school"},
		{`{"measures":["leaders"],"from":2015,"to":2023}`, 400, "add the school_year dimension"},
		{`{"measures":["leaders"],"from":2023,"to":2023,"limit":100001}`, 400, "limit must be between 1 and 100000"},
		{`{"measures":["leaders"],"filters":[{"dimension":"district","in":["` + strings.Repeat("9", 17000) + `"]}]}`, 414, "longer than"},
	} {
		status, body := get(c.query)
		if status != c.status || !strings.Contains(body, c.says) {
			t.Errorf("%.60s: %d %q; want %d saying %q", c.query, status, body, c.status, c.says)
		}
	}
}

func num(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// Wrong names fail GraphQL validation (the enums come from the catalog);
// wrong combinations are refused by the compiler with a clear message.
func TestAnalystQueryRefusals(t *testing.T) {
	db := utah(t)
	a := newAPI(t, db)
	for _, c := range []struct {
		q    map[string]any
		code string
		says string
	}{
		{map[string]any{"measures": []string{"LEADERZ"}}, "GRAPHQL_VALIDATION_FAILED", "LEADERZ"},
		{map[string]any{"measures": []string{"LEADERS"}, "dimensions": []string{"COUNTY"}}, "GRAPHQL_VALIDATION_FAILED", "COUNTY"},
		{map[string]any{"measures": []string{"MEMBERS"}, "dimensions": []string{"ROLE"}, "from": 2023, "to": 2023}, "invalid",
			"members cannot be cut by role"},
		{map[string]any{"measures": []string{"PIPELINE_PARITY"}, "from": 2023, "to": 2023}, "invalid", "needs the role dimension"},
		{map[string]any{"measures": []string{"CAGR"}, "from": 2023, "to": 2023}, "invalid", "set from < to"},
		{map[string]any{"measures": []string{"LEADERS"}, "from": 2023, "to": 2023,
			"filters": []map[string]any{{"dimension": "STATE", "min": "UT"}}}, "invalid", "not ordered"},
		{map[string]any{"measures": []string{"LEADERS"}, "from": 2023, "to": 2023,
			"having": []map[string]any{{"measure": "TEACHERS", "op": "GT", "value": 1}}}, "invalid", "does not ask for"},
		{map[string]any{"measures": []string{"LEADERS"}, "from": 2023, "to": 1999}, "invalid", "from ≤ to"},
	} {
		var d struct{ Metrics *metricsJSON }
		errs := a.do("", analystQuery, map[string]any{"q": c.q}, &d)
		if len(errs) != 1 || errs[0].Extensions["code"] != c.code || !strings.Contains(errs[0].Message, c.says) {
			t.Errorf("%v: errors %+v; want code %s saying %q", c.q, errs, c.code, c.says)
		}
	}
}
