package server_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/warehouse"
)

type goalJSON struct {
	ID, Title, Measure, Scope, ScopeID string
	Tier                               *string
	BaselineYear, TargetYear           int
	BaselineValue, TargetValue         float64
	Archived                           bool
	CreatedAt, UpdatedAt               string
}

// String renders every field (the tier's value, not its pointer), so two
// goals compare with fmt.Sprint.
func (g goalJSON) String() string {
	tier := "null"
	if g.Tier != nil {
		tier = *g.Tier
	}
	return fmt.Sprintf("{%s %q %s %s %s tier=%s %d %v %d %v archived=%v %s %s}", g.ID, g.Title, g.Measure, g.Scope, g.ScopeID,
		tier, g.BaselineYear, g.BaselineValue, g.TargetYear, g.TargetValue, g.Archived, g.CreatedAt, g.UpdatedAt)
}

const goalFields = `id title measure scope scopeId tier baselineYear baselineValue targetYear targetValue archived createdAt updatedAt`

type goalPointJSON struct {
	Year  int
	Value *float64
}

type progressJSON struct {
	Actual              []goalPointJSON
	Target              float64
	LatestYear          *int
	LatestValue         *float64
	PercentOfWay        *float64
	Projection          []goalPointJSON
	ProjectedValue      *float64
	OnTrack             *bool
	GrowthNeededRate    *float64
	GrowthNeededPerYear *float64
}

// String shows values, not pointers, in failure messages.
func (p progressJSON) String() string {
	type plain progressJSON // without this method
	b, _ := json.Marshal(plain(p))
	return string(b)
}

const progressFields = `progress { actual { year value } target latestYear latestValue percentOfWay
	projection { year value } projectedValue onTrack growthNeededRate growthNeededPerYear }`

func strp(s string) *string { return &s }

// goalRows counts every stored version of every goal, with plain SQL.
func goalRows(t *testing.T, db *warehouse.DB) int64 {
	t.Helper()
	return sqlInt64s(t, db, replaceDB("SELECT toInt64(count()) FROM {db}.goals", db))[0][0]
}

func closeTo(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestGoalsSeededUtah(t *testing.T) {
	db := utah(t)
	a := newAPI(t, db)
	// Baselines, counted independently from the facts: Latino leaders of
	// each tier in school year 2015, and members on June 30, 2016, the last
	// day of the 2015-16 school year (the day the members measure counts).
	tiers := map[string]float64{}
	for _, r := range sqlInt64s(t, db, replaceDB(`SELECT toInt64(tier), toInt64(count()) FROM {db}.staff_person_year
		WHERE state_code = 'UT' AND school_year = 2015 AND is_leader = 1 AND ethnicity = 'hispanic_latino' GROUP BY tier`, db)) {
		tiers[[]string{"", "school", "district", "state"}[r[0]]] = float64(r[1])
	}
	members := float64(sqlInt64s(t, db, replaceDB(`SELECT toInt64(count()) FROM {db}.members FINAL
		WHERE state_code = 'UT' AND joined_on <= '2016-06-30' AND (left_on IS NULL OR left_on > '2016-06-30')`, db))[0][0])
	if tiers["school"] == 0 || members == 0 {
		t.Fatalf("the seed has no 2015 baseline: %v, %v members", tiers, members)
	}
	const stamp = "2015-09-15T00:00:00Z"
	goal := func(id, title, measure string, tier *string, base, target float64) goalJSON {
		return goalJSON{ID: id, Title: title, Measure: measure, Scope: "STATE", ScopeID: "UT", Tier: tier,
			BaselineYear: 2015, BaselineValue: base, TargetYear: 2030, TargetValue: target, CreatedAt: stamp, UpdatedAt: stamp}
	}
	// Ordered by creation (all at one stamp), then id.
	want := []goalJSON{
		goal("goal-district-leaders", "Latino district leaders in Utah", "LATINO_LEADERS", strp("DISTRICT"), tiers["district"], 40),
		goal("goal-members", "ALAS-Utah members", "MEMBERS", nil, members, 1500),
		goal("goal-school-leaders", "Latino school leaders in Utah", "LATINO_LEADERS", strp("SCHOOL"), tiers["school"], 180),
		goal("goal-state-leaders", "Latino state leaders in Utah", "LATINO_LEADERS", strp("STATE"), tiers["state"], 8),
	}
	var d struct {
		Goals, All []goalJSON
		One        *goalJSON
		None       *goalJSON
	}
	a.must(`{ goals { `+goalFields+` } all: goals(includeArchived: true) { id }
		one: goal(id: "goal-members") { `+goalFields+` } none: goal(id: "goal-nope") { id } }`, nil, &d)
	if len(d.Goals) != len(want) || len(d.All) != len(want) {
		t.Fatalf("goals = %+v (all: %d), want 4", d.Goals, len(d.All))
	}
	for i, w := range want {
		if g := d.Goals[i]; fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("goal %d =\n%+v\nwant\n%+v", i, g, w)
		}
	}
	if d.One == nil || fmt.Sprint(*d.One) != fmt.Sprint(want[1]) {
		t.Errorf("goal(goal-members) = %+v", d.One)
	}
	if d.None != nil {
		t.Errorf("unknown goal = %+v, want null", d.None)
	}
}

// olsAt is an independent least-squares fit (the uncentred normal
// equations): b = (nΣxy − ΣxΣy) ÷ (nΣx² − (Σx)²), a = (Σy − bΣx) ÷ n.
func olsAt(xs, ys []float64, at float64) float64 {
	var sx, sy, sxy, sxx float64
	n := float64(len(xs))
	for i := range xs {
		sx, sy, sxy, sxx = sx+xs[i], sy+ys[i], sxy+xs[i]*ys[i], sxx+xs[i]*xs[i]
	}
	b := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	return (sy-b*sx)/n + b*at
}

func TestGoalProgressOfUtahSchoolLeaders(t *testing.T) {
	db := utah(t)
	a := newAPI(t, db)
	// The actual series with plain SQL: Latino school-tier leaders by year.
	rows := sqlInt64s(t, db, replaceDB(`SELECT toInt64(school_year), toInt64(count()) FROM {db}.staff_person_year
		WHERE state_code = 'UT' AND is_leader = 1 AND tier = 'school' AND ethnicity = 'hispanic_latino'
		AND school_year >= 2015 GROUP BY school_year ORDER BY school_year`, db))
	if len(rows) != 11 || rows[0][0] != 2015 || rows[10][0] != 2025 {
		t.Fatalf("plain SQL years = %v, want 2015..2025", rows)
	}
	var d struct {
		Goal struct{ Progress progressJSON }
	}
	a.must(`{ goal(id: "goal-school-leaders") { `+progressFields+` } }`, nil, &d)
	p := d.Goal.Progress
	if len(p.Actual) != len(rows) {
		t.Fatalf("actual: want %d years; progress %v", len(rows), p)
	}
	for i, r := range rows {
		if p.Actual[i].Year != int(r[0]) || p.Actual[i].Value == nil || *p.Actual[i].Value != float64(r[1]) {
			t.Errorf("actual %d: plain SQL %v; progress %v", i, r, p)
		}
	}
	base := float64(rows[0][1]) // the seed's baseline is the 2015 count
	latest := float64(rows[10][1])
	if p.Target != 180 || p.LatestYear == nil || *p.LatestYear != 2025 || p.LatestValue == nil || *p.LatestValue != latest {
		t.Fatalf("target/latest: want 180, 2025, %v; progress %v", latest, p)
	}
	if want := (latest - base) / (180 - base) * 100; p.PercentOfWay == nil || !closeTo(*p.PercentOfWay, want) {
		t.Errorf("percentOfWay: want %v; progress %v", want, p)
	}
	// The line through the last five years (2021..2025).
	var xs, ys []float64
	for _, r := range rows[6:] {
		xs, ys = append(xs, float64(r[0])), append(ys, float64(r[1]))
	}
	want2030 := olsAt(xs, ys, 2030)
	if p.ProjectedValue == nil || !closeTo(*p.ProjectedValue, want2030) {
		t.Errorf("projectedValue: want %v; progress %v", want2030, p)
	}
	if len(p.Projection) != 6 {
		t.Fatalf("projection: want 2025..2030; progress %v", p)
	}
	for i, pt := range p.Projection {
		if w := olsAt(xs, ys, float64(2025+i)); pt.Year != 2025+i || pt.Value == nil || !closeTo(*pt.Value, w) {
			t.Errorf("projection %d: want %d: %v; progress %v", i, 2025+i, w, p)
		}
	}
	if p.OnTrack == nil || *p.OnTrack != (want2030 >= 180) {
		t.Errorf("onTrack: projection %v vs target 180; progress %v", want2030, p)
	}
	// 5 years left: (180 − L) ÷ 5, and the rate r with L(1 + r)^5 = 180.
	if p.GrowthNeededPerYear == nil || !closeTo(*p.GrowthNeededPerYear, (180-latest)/5) {
		t.Errorf("growthNeededPerYear: want %v; progress %v", (180-latest)/5, p)
	}
	if p.GrowthNeededRate == nil || !closeTo(latest*math.Pow(1+*p.GrowthNeededRate, 5), 180) {
		t.Errorf("growthNeededRate does not take %v to 180 in 5 years; progress %v", latest, p)
	}
}

// The hand-built fixture (fixture_test.go): Alpha District's Latino
// school-tier leaders are 1 in 2022 (AP 11) and 2 in 2023 (principal 11, AP 15).
func TestGoalCreateUpdateArchiveRoundTrip(t *testing.T) {
	db := fixtureDB(t)
	a := newAPI(t, db)
	before := time.Now().UTC().Truncate(time.Second)
	input := map[string]any{"title": "  Latino school leaders in Alpha  ", "measure": "LATINO_LEADERS", "scope": "DISTRICT",
		"scopeId": "4900001", "tier": "SCHOOL", "baselineYear": 2022, "baselineValue": 1, "targetYear": 2030, "targetValue": 5}
	var c struct{ CreateGoal goalJSON }
	a.must(`mutation($in: GoalInput!) { createGoal(input: $in) { `+goalFields+` } }`, map[string]any{"in": input}, &c)
	g := c.CreateGoal
	created, err := time.Parse(time.RFC3339, g.CreatedAt)
	if err != nil || created.Before(before) || created.After(time.Now().Add(time.Second)) || g.UpdatedAt != g.CreatedAt {
		t.Fatalf("timestamps %s %s (%v), want now", g.CreatedAt, g.UpdatedAt, err)
	}
	want := goalJSON{ID: g.ID, Title: "Latino school leaders in Alpha", Measure: "LATINO_LEADERS", Scope: "DISTRICT", ScopeID: "4900001",
		BaselineYear: 2022, BaselineValue: 1, TargetYear: 2030, TargetValue: 5, CreatedAt: g.CreatedAt, UpdatedAt: g.CreatedAt}
	want.Tier = strp("SCHOOL")
	if !strings.HasPrefix(g.ID, "goal-") || fmt.Sprint(g) != fmt.Sprint(want) {
		t.Fatalf("created %+v\nwant %+v", g, want)
	}
	// Stored as sent (title trimmed), read with plain SQL.
	stored := sqlInt64s(t, db, replaceDB(`SELECT toInt64(count()), toInt64(sum(title = 'Latino school leaders in Alpha' AND
		measure = 'latino_leaders' AND scope = 'district' AND scope_id = '4900001' AND tier = 'school' AND baseline_year = 2022 AND
		baseline_value = 1 AND target_year = 2030 AND target_value = 5 AND archived = 0)) FROM {db}.goals FINAL WHERE goal_id = ?`, db), g.ID)
	if stored[0][0] != 1 || stored[0][1] != 1 {
		t.Fatalf("stored rows (count, matching) = %v, want 1, 1", stored[0])
	}

	// Read back, with progress from the hand counts: 2022 → 1, 2023 → 2.
	var r struct {
		Goal struct {
			goalJSON
			Progress progressJSON
		}
	}
	a.must(`query($id: ID!) { goal(id: $id) { `+goalFields+` `+progressFields+` } }`, map[string]any{"id": g.ID}, &r)
	if fmt.Sprint(r.Goal.goalJSON) != fmt.Sprint(g) {
		t.Fatalf("goal(id) = %+v\nwant %+v", r.Goal.goalJSON, g)
	}
	p := r.Goal.Progress
	if len(p.Actual) != 2 || p.Actual[0].Year != 2022 || *p.Actual[0].Value != 1 || p.Actual[1].Year != 2023 || *p.Actual[1].Value != 2 {
		t.Fatalf("actual: want 2022: 1, 2023: 2; progress %v", p)
	}
	// (2 − 1) ÷ (5 − 1) × 100 = 25; the line through (2022, 1), (2023, 2) is
	// v = y − 2021: 9 in 2030 ≥ 5, on track; (5 − 2) ÷ 7 a year still needed;
	// rate (5/2)^(1/7) − 1 = 2.5^(1/7) − 1 ≈ 0.139852 (ln 2.5 = 0.916291, ÷ 7 = 0.130899, e^0.130899 = 1.139852).
	if p.PercentOfWay == nil || !closeTo(*p.PercentOfWay, 25) || p.ProjectedValue == nil || !closeTo(*p.ProjectedValue, 9) ||
		p.OnTrack == nil || !*p.OnTrack || p.GrowthNeededPerYear == nil || !closeTo(*p.GrowthNeededPerYear, 3.0/7) ||
		p.GrowthNeededRate == nil || math.Abs(*p.GrowthNeededRate-0.139852) > 1e-6 || len(p.Projection) != 8 ||
		p.Projection[0].Year != 2023 || !closeTo(*p.Projection[0].Value, 2) || !closeTo(*p.Projection[7].Value, 9) {
		t.Errorf("progress = %+v", p)
	}

	// Update: every field replaced; id, creation and archived flag stay.
	input["title"], input["targetValue"], input["targetYear"], input["tier"] = "Alpha leaders", 6.5, 2028, nil
	var u struct{ UpdateGoal goalJSON }
	a.must(`mutation($id: ID!, $in: GoalInput!) { updateGoal(id: $id, input: $in) { `+goalFields+` } }`,
		map[string]any{"id": g.ID, "in": input}, &u)
	want.Title, want.TargetValue, want.TargetYear, want.Tier, want.UpdatedAt = "Alpha leaders", 6.5, 2028, nil, u.UpdateGoal.UpdatedAt
	if fmt.Sprint(u.UpdateGoal) != fmt.Sprint(want) || u.UpdateGoal.UpdatedAt < g.CreatedAt {
		t.Fatalf("updated %+v\nwant %+v", u.UpdateGoal, want)
	}

	// Archive: out of the default list, still readable; twice is harmless.
	var ar struct{ ArchiveGoal goalJSON }
	for range 2 {
		a.must(`mutation($id: ID!) { archiveGoal(id: $id) { `+goalFields+` } }`, map[string]any{"id": g.ID}, &ar)
		want.Archived, want.UpdatedAt = true, ar.ArchiveGoal.UpdatedAt
		if fmt.Sprint(ar.ArchiveGoal) != fmt.Sprint(want) {
			t.Fatalf("archived %+v\nwant %+v", ar.ArchiveGoal, want)
		}
	}
	var l struct {
		Active, All []goalJSON
		One         goalJSON
	}
	a.must(`query($id: ID!) { active: goals { id } all: goals(includeArchived: true) { `+goalFields+` } one: goal(id: $id) { `+goalFields+` } }`,
		map[string]any{"id": g.ID}, &l)
	if len(l.Active) != 0 || len(l.All) != 1 || fmt.Sprint(l.All[0]) != fmt.Sprint(want) || fmt.Sprint(l.One) != fmt.Sprint(want) {
		t.Fatalf("after archiving: active %+v, all %+v, one %+v", l.Active, l.All, l.One)
	}
	// Three versions stored: created, updated, archived (the second archive wrote nothing).
	if n := goalRows(t, db); n != 3 {
		t.Fatalf("%d stored versions, want 3", n)
	}

	// Unknown and malformed ids.
	for _, c := range []struct{ q, code string }{
		{`mutation { archiveGoal(id: "goal-nope") { id } }`, "not_found"},
		{`mutation($in: GoalInput!) { updateGoal(id: "goal-nope", input: $in) { id } }`, "not_found"},
		{`mutation { archiveGoal(id: "bad id; --") { id } }`, "invalid"},
		{`{ goal(id: "") { id } }`, "invalid"},
	} {
		errs := a.do("", c.q, map[string]any{"in": input}, nil)
		if len(errs) != 1 || errs[0].Extensions["code"] != c.code {
			t.Errorf("%s: errors %+v, want one %s", c.q, errs, c.code)
		}
	}
	if n := goalRows(t, db); n != 3 {
		t.Fatalf("%d stored versions after refused calls, want still 3", n)
	}
}

// Goals whose years reach outside the fixture's data (2022 and 2023 only).
func TestGoalProgressAtTheEdgesOfTheData(t *testing.T) {
	a := newAPI(t, fixtureDB(t))
	create := func(scope, id string, baseYear int) string {
		var c struct{ CreateGoal struct{ ID string } }
		a.must(`mutation($in: GoalInput!) { createGoal(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"title": "edge", "measure": "LATINO_LEADERS", "scope": scope, "scopeId": id, "baselineYear": baseYear,
			"baselineValue": 2, "targetYear": 2030, "targetValue": 10}}, &c)
		return c.CreateGoal.ID
	}
	progress := func(id string) progressJSON {
		var d struct {
			Goal struct{ Progress progressJSON }
		}
		a.must(`query($id: ID!) { goal(id: $id) { `+progressFields+` } }`, map[string]any{"id": id}, &d)
		return d.Goal.Progress
	}

	// Baseline 2010, before the data: the series starts at 2022. Utah's
	// Latino leaders (every tier) are 3 in 2022 and 3 in 2023 (hand counts).
	p := progress(create("STATE", "UT", 2010))
	if len(p.Actual) != 2 || p.Actual[0].Year != 2022 || *p.Actual[0].Value != 3 || p.Actual[1].Year != 2023 || *p.Actual[1].Value != 3 {
		t.Fatalf("baseline 2010: %v, want actual 2022: 3, 2023: 3", p)
	}
	// (3 − 2) ÷ (10 − 2) × 100 = 12.5; a flat line at 3 < 10: not on track;
	// (10 − 3) ÷ 7 = 1 a year.
	if !closeTo(*p.PercentOfWay, 12.5) || !closeTo(*p.ProjectedValue, 3) || *p.OnTrack || !closeTo(*p.GrowthNeededPerYear, 1) {
		t.Errorf("baseline 2010: %v", p)
	}

	// Baseline 2024, after the data; and a district without anybody: no
	// actual values, so every figure is null, without error.
	for _, id := range []string{create("STATE", "UT", 2024), create("DISTRICT", "4900003", 2022)} {
		p := progress(id)
		if len(p.Actual) != 0 || len(p.Projection) != 0 || p.LatestYear != nil || p.LatestValue != nil || p.PercentOfWay != nil ||
			p.ProjectedValue != nil || p.OnTrack != nil || p.GrowthNeededRate != nil || p.GrowthNeededPerYear != nil || p.Target != 10 {
			t.Errorf("goal without data: %v, want empty series and null figures", p)
		}
	}
}

func TestGoalValidation(t *testing.T) {
	db := fixtureDB(t)
	a := newAPI(t, db)
	valid := func() map[string]any {
		return map[string]any{"title": "Latino leaders in Utah", "measure": "LATINO_LEADERS", "scope": "STATE", "scopeId": "UT",
			"tier": "SCHOOL", "baselineYear": 2022, "baselineValue": 3, "targetYear": 2030, "targetValue": 10}
	}
	// One valid goal to update, so updates are refused too.
	var c struct{ CreateGoal struct{ ID string } }
	a.must(`mutation($in: GoalInput!) { createGoal(input: $in) { id } }`, map[string]any{"in": valid()}, &c)
	stored := goalRows(t, db)

	cases := []struct {
		name string
		set  map[string]any
		want []string // fragments the message must hold
	}{
		{"empty title", map[string]any{"title": "   "}, []string{"title: must not be empty"}},
		{"long title", map[string]any{"title": strings.Repeat("é", 201)}, []string{"title: 201 characters; at most 200"}},
		{"title with a newline", map[string]any{"title": "two\nlines"}, []string{"title: must be one line"}},
		{"baseline year too early", map[string]any{"baselineYear": 1999}, []string{"baselineYear: 1999 is not a school year from 2000 to 2100"}},
		{"target year too late", map[string]any{"targetYear": 2101}, []string{"targetYear: 2101 is not a school year from 2000 to 2100"}},
		{"target year equals baseline", map[string]any{"targetYear": 2022}, []string{"targetYear: 2022 must be after baselineYear (2022)"}},
		{"target year before baseline", map[string]any{"targetYear": 2020}, []string{"targetYear: 2020 must be after baselineYear (2022)"}},
		{"huge year", map[string]any{"baselineYear": 2147483647}, []string{"baselineYear: 2147483647 is not a school year"}},
		{"measure not by year", map[string]any{"measure": "CAGR"}, []string{"measure: cagr cannot be counted by school year"}},
		{"measure needing another dimension", map[string]any{"measure": "PIPELINE_PARITY"}, []string{"measure: pipeline_parity needs the role dimension"}},
		{"tier on a measure without tiers", map[string]any{"measure": "MEMBERS"}, []string{"tier: measure members cannot be cut by tier"}},
		{"scope the measure cannot filter", map[string]any{"measure": "MEMBERS", "tier": nil, "scope": "SCHOOL", "scopeId": "490000100001"},
			[]string{"scope: measure members cannot be filtered by school"}},
		{"unknown state", map[string]any{"scopeId": "ZZ"}, []string{`scopeId: no state with id "ZZ" in the warehouse`}},
		{"unknown district", map[string]any{"scope": "DISTRICT", "scopeId": "4900999"}, []string{`scopeId: no district with id "4900999"`}},
		{"unknown school", map[string]any{"scope": "SCHOOL", "scopeId": "490000100009"}, []string{`scopeId: no school with id "490000100009"`}},
		{"malformed district id", map[string]any{"scope": "DISTRICT", "scopeId": "49' OR 1=1"}, []string{"scopeId:", "is not a 7-digit NCES district"}},
		{"a school id for a district", map[string]any{"scope": "DISTRICT", "scopeId": "490000100001"}, []string{"scopeId:", "7-digit"}},
		{"negative baseline", map[string]any{"baselineValue": -1}, []string{"baselineValue: -1 is negative"}},
		{"huge target", map[string]any{"targetValue": 1e300}, []string{"targetValue: 1e+300 is larger than the largest goal value, 1e+09"}},
		{"several problems at once", map[string]any{"title": "", "baselineYear": 1990, "targetValue": -5},
			[]string{"title: must not be empty", "baselineYear: 1990", "targetValue: -5 is negative"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := valid()
			for k, v := range tc.set {
				in[k] = v
			}
			for _, op := range []struct{ q string }{
				{`mutation($in: GoalInput!) { createGoal(input: $in) { id } }`},
				{`mutation($id: ID!, $in: GoalInput!) { updateGoal(id: $id, input: $in) { id } }`},
			} {
				var data struct{ CreateGoal, UpdateGoal *struct{ ID string } }
				errs := a.do("", op.q, map[string]any{"in": in, "id": c.CreateGoal.ID}, &data)
				if len(errs) != 1 || errs[0].Extensions["code"] != "invalid" {
					t.Fatalf("%s: errors %+v, want one invalid", op.q[:20], errs)
				}
				for _, w := range tc.want {
					if !strings.Contains(errs[0].Message, w) {
						t.Errorf("message %q lacks %q", errs[0].Message, w)
					}
				}
				if data.CreateGoal != nil || data.UpdateGoal != nil {
					t.Errorf("data = %+v, want none", data)
				}
			}
			if n := goalRows(t, db); n != stored {
				t.Fatalf("%d stored versions, want still %d", n, stored)
			}
		})
	}

	// A measure outside the catalog fails GraphQL validation (the Measure enum
	// is generated from the catalog) and stores nothing.
	in := valid()
	in["measure"] = "LATINO_WIZARDS"
	if errs := a.do("", `mutation($in: GoalInput!) { createGoal(input: $in) { id } }`, map[string]any{"in": in}, nil); len(errs) != 1 ||
		errs[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(errs[0].Message, "LATINO_WIZARDS") {
		t.Errorf("unknown measure: %+v", errs)
	}
	// Values JSON cannot carry as a float (1e400) or that are not numbers are
	// refused by GraphQL's own variable checks, and store nothing either.
	for _, v := range []any{"ten", true} {
		in := valid()
		in["targetValue"] = v
		if errs := a.do("", `mutation($in: GoalInput!) { createGoal(input: $in) { id } }`, map[string]any{"in": in}, nil); len(errs) == 0 {
			t.Errorf("targetValue %v accepted", v)
		}
	}
	if errs := a.do("", `mutation { createGoal(input: {title: "x", measure: LATINO_LEADERS, scope: STATE, scopeId: "UT",
		baselineYear: 2022, baselineValue: 1, targetYear: 2030, targetValue: 1e400}) { id } }`, nil, nil); len(errs) == 0 {
		t.Error("targetValue 1e400 accepted")
	}
	if n := goalRows(t, db); n != stored {
		t.Fatalf("%d stored versions, want still %d", n, stored)
	}
	// The goal is as created.
	var g struct{ Goal goalJSON }
	a.must(`query($id: ID!) { goal(id: $id) { `+goalFields+` } }`, map[string]any{"id": c.CreateGoal.ID}, &g)
	if g.Goal.Title != "Latino leaders in Utah" || g.Goal.TargetValue != 10 || g.Goal.BaselineYear != 2022 {
		t.Fatalf("goal after refused updates = %+v", g.Goal)
	}
}
