package metrics_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/scope"
)

// The flows between ranks (movers by role and next_role) that the board's
// Sankey draws. The hand counts are those of fixtureCases ("movers").

// sankeyQuery is the board's query: members' flows from year t to t+1 by
// rank, pooled over the years, optionally for some districts.
func sankeyQuery(from, to int, districts ...string) metrics.Query {
	q := metrics.Query{Measures: []string{"movers"}, Dimensions: dims("role", "next_role"), From: from, To: to,
		Filters: []metrics.Filter{{Dimension: "member", In: []string{"yes"}}}}
	if len(districts) > 0 {
		q.Filters = append(q.Filters, metrics.Filter{Dimension: "district", In: districts})
	}
	return q
}

// keysOf lists a result's rows as "dims=value", in order.
func keysOf(res *metrics.Result) []string {
	var out []string
	for _, row := range res.Rows {
		v := row.Values[0]
		s := show(v.V)
		if v.Suppressed != "" {
			s = string(v.Suppressed)
		}
		out = append(out, rowKey(row.Dims)+"="+s)
	}
	return out
}

// TestMoversFlowsOrderByRank: flows come by the rank in year t, then by
// the rank in t+1, 'none' (left the data) last — the order a Sankey lays
// its nodes out in — on both engines.
func TestMoversFlowsOrderByRank(t *testing.T) {
	db := fixture(t)
	want := []string{"teacher|teacher=19", "teacher|teacher_leader=2", "teacher|assistant_principal=7", "teacher|none=1",
		"teacher_leader|teacher=1", "teacher_leader|teacher_leader=1",
		"assistant_principal|teacher=1", "assistant_principal|assistant_principal=5", "assistant_principal|principal=3",
		"assistant_principal|none=1", "principal|principal=9", "principal|none=2", "district_leader|district_leader=3",
		"superintendent|superintendent=5", "superintendent|none=1"}
	for _, e := range engines(db) {
		res := run(t, e, metrics.Query{Measures: []string{"movers"}, Dimensions: dims("role", "next_role"), From: 2020, To: 2023, Filters: ut})
		if got := keysOf(res); !slices.Equal(got, want) {
			t.Errorf("%s engine: rows\n\t%v\nwant\n\t%v", e.name, got, want)
		}
		// Descending by next role: 'none' first.
		res = run(t, e, metrics.Query{Measures: []string{"movers"}, Dimensions: dims("next_role"), From: 2020, To: 2023,
			Filters: append(slices.Clone(ut), metrics.Filter{Dimension: "role", In: []string{T}}),
			OrderBy: []metrics.Order{{Dimension: "next_role", Desc: true}}})
		if got, want := keysOf(res), []string{"none=1", "assistant_principal=7", "teacher_leader=2", "teacher=19"}; !slices.Equal(got, want) {
			t.Errorf("%s engine, teachers by next role desc: %v, want %v", e.name, got, want)
		}
	}
}

// TestMoversReadTheSmallestRelation: without next_role the moves rollup
// answers; next_role is only in the person-level relations (the rollup
// keeps no next role), which a query cut or filtered by it reads.
func TestMoversReadTheSmallestRelation(t *testing.T) {
	db := fixture(t)
	ctx := context.Background()
	es := engines(db)
	for _, c := range []struct {
		q           metrics.Query
		rollup, not string
	}{
		{metrics.Query{Measures: []string{"movers"}, Dimensions: dims("district", "role"), From: 2020, To: 2023}, "moves_rollup", "staff_person_year"},
		{metrics.Query{Measures: []string{"movers"}, Dimensions: dims("role", "next_role"), From: 2020, To: 2023}, "staff_person_year", "moves_rollup"},
		{metrics.Query{Measures: []string{"movers"}, Dimensions: dims("district"), From: 2020, To: 2023,
			Filters: []metrics.Filter{{Dimension: "next_role", NotIn: []string{"none"}}}}, "staff_person_year", "moves_rollup"},
		{sankeyQuery(2020, 2023), "staff_person_year", "moves_rollup"},
	} {
		res, err := es[0].Compile(ctx, c.q)
		if err != nil {
			t.Fatalf("%+v: %v", c.q, err)
		}
		if !slices.Contains(res.Sources, c.rollup) || slices.Contains(res.Sources, c.not) {
			t.Errorf("rollup engine, movers by %v (filters %v): reads %v, want %s and not %s", c.q.Dimensions, c.q.Filters,
				res.Sources, c.rollup, c.not)
		}
		res, err = es[1].Compile(ctx, c.q)
		if err != nil {
			t.Fatalf("%+v: %v", c.q, err)
		}
		if !slices.Contains(res.Sources, "staff_assignments") || slices.Contains(res.Sources, "staff_person_year") {
			t.Errorf("facts engine, movers by %v: reads %v", c.q.Dimensions, res.Sources)
		}
	}
	// Other measures neither cut nor filter by next_role unless their data
	// follow people into t+1.
	_, err := es[0].Compile(ctx, metrics.Query{Measures: []string{"leaders"}, From: 2023, To: 2023,
		Filters: []metrics.Filter{{Dimension: "next_role", In: []string{P}}}})
	wantInvalid(t, "leaders filtered by next_role", err, "leaders", "next_role")
	_, err = es[0].Compile(ctx, metrics.Query{Measures: []string{"promotion_rate"}, Dimensions: dims("next_role"), From: 2020, To: 2023})
	wantInvalid(t, "promotion_rate by next_role", err, "promotion_rate", "next_role")
	_, err = es[0].Compile(ctx, metrics.Query{Measures: []string{"movers"}, From: 2020, To: 2023,
		Filters: []metrics.Filter{{Dimension: "next_role", Min: strp(AP)}}})
	wantInvalid(t, "a range on next_role", err, "next_role", "not ordered")
}

// TestMoversScope: a partner's scope applies to the flows as to any
// measure: with a district filter, its own district's flows; another
// district's filter, nothing; cut by district, only its own rows; with
// nothing finer than state, its state's aggregates.
//
// Members' flows by district of year t: A 101 T→AP (2021), 103 T→AP
// (2021), 109 T→AP (2022), 101 AP→P (2022); B 206 T→T (2021, 2022), 204
// AP→P (2022).
func TestMoversScope(t *testing.T) {
	db := fixture(t)
	partner := partnerOf(leaA)
	for _, e := range engines(db) {
		res, err := e.Run(partner, sankeyQuery(2020, 2023, leaA))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := keysOf(res), []string{"teacher|assistant_principal=3", "assistant_principal|principal=1"}; !slices.Equal(got, want) {
			t.Errorf("%s engine, partner A, district A: %v, want %v", e.name, got, want)
		}
		res, err = e.Run(partner, sankeyQuery(2020, 2023, leaB))
		if err != nil || len(res.Rows) != 0 {
			t.Errorf("%s engine, partner A asking for district B: %v %v", e.name, err, keysOf(res))
		}
		q := sankeyQuery(2020, 2023)
		q.Dimensions = dims("district", "role", "next_role")
		res, err = e.Run(partner, q)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := keysOf(res), []string{leaA + "|teacher|assistant_principal=3", leaA + "|assistant_principal|principal=1"}; !slices.Equal(got, want) {
			t.Errorf("%s engine, partner A by district: %v, want %v", e.name, got, want)
		}
		// State level: Utah's flows, as the unscoped query filtered to Utah.
		res, err = e.Run(partner, sankeyQuery(2020, 2023))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := keysOf(res), []string{"teacher|teacher=2", "teacher|assistant_principal=3", "assistant_principal|principal=2"}; !slices.Equal(got, want) {
			t.Errorf("%s engine, partner A at state level: %v, want Utah's %v", e.name, got, want)
		}
	}
}

// TestMoversSuppression: a flow is a count: below the threshold it is
// hidden (small_count), and next_role is a breakdown like any other — a
// rank whose flows hide exactly one non-zero cell hides the next smallest
// too (complementary), so the hidden one cannot be rebuilt from the rank's
// headcount.
func TestMoversSuppression(t *testing.T) {
	db := fixture(t)
	for _, e := range engines(db) {
		// Members, threshold 3: T→T 2 and AP→P 2 are small; T→AP 3 is the
		// only other flow from teacher: complementary. (AP→P is the only
		// flow from AP and into P: nothing else to hide.)
		ctx := scope.With(context.Background(), scope.Scope{SuppressBelow: 3, Public: true})
		q := sankeyQuery(2020, 2023)
		q.Filters = append(q.Filters, ut...)
		res, err := e.Run(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"teacher|teacher=small_count", "teacher|assistant_principal=complementary", "assistant_principal|principal=small_count"}
		if got := keysOf(res); !slices.Equal(got, want) {
			t.Errorf("%s engine, members' flows, threshold 3: %v, want %v", e.name, got, want)
		}
		for _, row := range res.Rows {
			if row.Values[0].V != nil {
				t.Errorf("%s engine: a hidden flow %v carries a value", e.name, row.Dims)
			}
		}
		// Teachers' next ranks, threshold 2: 'none' (207) is small; the next
		// smallest, teacher leader 2, goes with it.
		ctx = scope.With(context.Background(), scope.Scope{SuppressBelow: 2, Public: true})
		res, err = e.Run(ctx, metrics.Query{Measures: []string{"movers"}, Dimensions: dims("next_role"), From: 2020, To: 2023,
			Filters: append(slices.Clone(ut), metrics.Filter{Dimension: "role", In: []string{T}})})
		if err != nil {
			t.Fatal(err)
		}
		want = []string{"teacher=19", "teacher_leader=complementary", "assistant_principal=7", "none=small_count"}
		if got := keysOf(res); !slices.Equal(got, want) {
			t.Errorf("%s engine, teachers by next rank, threshold 2: %v, want %v", e.name, got, want)
		}
		// A partner reads its own district A in full (every flow below 10);
		// the same request published hides them all.
		own := scope.Scope{Districts: []string{leaA}, States: []string{"UT"}, SuppressBelow: 10}
		res, err = e.Run(scope.With(context.Background(), own), sankeyQuery(2020, 2023, leaA))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := keysOf(res), []string{"teacher|assistant_principal=3", "assistant_principal|principal=1"}; !slices.Equal(got, want) {
			t.Errorf("%s engine, partner A, threshold 10: %v, want %v", e.name, got, want)
		}
		own.Public = true
		res, err = e.Run(scope.With(context.Background(), own), sankeyQuery(2020, 2023, leaA))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := keysOf(res), []string{"teacher|assistant_principal=small_count", "assistant_principal|principal=small_count"}; !slices.Equal(got, want) {
			t.Errorf("%s engine, partner A published, threshold 10: %v, want %v", e.name, got, want)
		}
	}
}

// TestUtahMemberFlowsEqualPlainSQL: the board's Sankey over the Utah seed
// (members' flows by rank, pooled over 2020-2023, statewide and for one
// district) equals plain SQL over the facts: person-years at the highest
// post (personYears), the same person's post the next year or 'none', and
// member years as memberYearsSQL defines them.
func TestUtahMemberFlowsEqualPlainSQL(t *testing.T) {
	db := utah(t)
	m, _ := metrics.LookupMeasure("movers")
	for _, c := range []struct {
		name      string
		cond      string
		districts []string
		minFlows  int
	}{{"Utah", "1", nil, 10}, {"Salt Lake City", "lea_id = '4900870'", []string{"4900870"}, 3}} {
		plain := plainRows(t, db, expand(strings.NewReplacer("{members}", memberYearsSQL, "{cond}", c.cond).Replace(
			`SELECT concat(role, '|', if(nx = 1, next_role, 'none')) AS flow, toFloat64(count()) FROM (
				SELECT * FROM (SELECT school_year, staff_key, role FROM {py2020_2023}
					WHERE {cond} AND (staff_key, school_year) IN ({members}))
				ANY LEFT JOIN (SELECT toUInt16(school_year - 1) AS school_year, staff_key, role AS next_role, toUInt8(1) AS nx
					FROM {py2021_2024}) USING school_year, staff_key)
			GROUP BY flow`)))
		var want []wrow
		leavers, people := 0.0, 0.0
		for k, v := range plain {
			want = append(want, r(k, num(v[0])))
			people += v[0]
			if strings.HasSuffix(k, "|none") {
				leavers += v[0]
			}
		}
		if len(want) < c.minFlows || leavers == 0 {
			t.Fatalf("%s: %d flows, %v leavers: the Utah seed should give more for this check", c.name, len(want), leavers)
		}
		t.Logf("%s: %v member-years in %d flows, %v leaving the data", c.name, people, len(want), leavers)
		for _, e := range engines(db) {
			res := run(t, e, sankeyQuery(2020, 2023, c.districts...))
			checkRows(t, fmt.Sprintf("%s engine, %s members' flows", e.name, c.name), res, 0, m, want)
		}
	}
}
