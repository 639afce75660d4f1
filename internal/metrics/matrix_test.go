package metrics_test

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/metrics"
)

// matrixQuery is measure m cut by dim (plus what m requires), with years
// it accepts: one year for stock measures unless cut by school_year,
// 2021-2023 otherwise.
func matrixQuery(m metrics.Measure, dim string) metrics.Query {
	q := metrics.Query{Measures: []string{m.Name}, Dimensions: []string{dim}, From: 2021, To: 2023}
	for _, r := range m.Requires {
		if !slices.Contains(q.Dimensions, r) {
			q.Dimensions = append(q.Dimensions, r)
		}
	}
	if m.Stock && !slices.Contains(q.Dimensions, metrics.DimSchoolYear) {
		q.From = 2023
	}
	return q
}

// TestMatrixEveryAllowedCutRuns: every measure by every dimension it allows
// compiles on both engines and runs on the rollup engine, and the rows it
// returns are well
// formed: a value per dimension and measure, dimension values from the
// dimension's fixed set (or a year, a ladder role, an NCES id).
func TestMatrixEveryAllowedCutRuns(t *testing.T) {
	db := fixture(t)
	ladder := []string{T, TL, AP, P, DL, "assistant_superintendent", SUP, SL}
	valid := func(dim, v string) bool {
		d, _ := metrics.LookupDimension(dim)
		switch {
		case d.Values != nil:
			return slices.Contains(d.Values, v)
		case dim == metrics.DimSchoolYear:
			y, err := strconv.Atoi(v)
			return err == nil && y >= 2020 && y <= 2023
		case dim == metrics.DimRole:
			return slices.Contains(ladder, v)
		case dim == metrics.DimNextRole:
			return slices.Contains(ladder, v) || v == "none"
		case dim == metrics.DimState:
			return v == "UT" || v == "NV"
		case dim == metrics.DimDistrict:
			return slices.Contains([]string{leaA, leaB, leaC, leaS}, v)
		case dim == metrics.DimSchool:
			return slices.Contains([]string{schA1, schA2, schB1, schB2, schB3, schC1, ""}, v)
		}
		return false
	}
	type job struct {
		e namedEngine
		q metrics.Query
	}
	var jobs []job
	pairs := 0
	for _, m := range metrics.Catalog() {
		for _, d := range metrics.Dimensions() {
			if !m.AllowsDimension(d.Name) {
				continue
			}
			pairs++
			// Every pair runs on the rollup engine (which reads a different
			// table for different dimensions) and compiles on the facts
			// engine, whose queries run in the other tests (fixture_test.go
			// runs it by every dimension, rollup_test.go on the Utah seed).
			es := engines(db)
			jobs = append(jobs, job{es[0], matrixQuery(m, d.Name)})
			if _, err := es[1].Compile(context.Background(), matrixQuery(m, d.Name)); err != nil {
				t.Errorf("facts engine, %s by %s: %v", m.Name, d.Name, err)
			}
		}
	}
	if pairs < 200 {
		t.Fatalf("only %d allowed (measure, dimension) pairs", pairs)
	}
	// One query at a time: ClickHouse gives each query every core.
	errs := make([]string, len(jobs))
	for i, j := range jobs {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		res, err := j.e.Run(ctx, j.q)
		cancel()
		label := j.e.name + " engine, " + j.q.Measures[0] + " by " + strings.Join(j.q.Dimensions, ", ")
		switch {
		case err != nil:
			errs[i] = label + ": " + err.Error()
		case len(res.Rows) == 0:
			errs[i] = label + ": no rows"
		default:
			for _, row := range res.Rows {
				if len(row.Dims) != len(j.q.Dimensions) || len(row.Values) != 1 {
					errs[i] = label + ": malformed row"
					break
				}
				for k, v := range row.Dims {
					if !valid(j.q.Dimensions[k], v) {
						errs[i] = label + ": " + j.q.Dimensions[k] + " value " + strconv.Quote(v)
					}
				}
				if v := row.Values[0].V; v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
					errs[i] = label + ": a value that is not a number"
				}
			}
		}
	}
	for _, e := range errs {
		if e != "" {
			t.Error(e)
		}
	}
}

// wantInvalid checks err is an Invalid apperr whose message has every one
// of words.
func wantInvalid(t *testing.T, what string, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: accepted, want an invalid-query error", what)
		return
	}
	if apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("%s: code %s (%v), want invalid", what, apperr.CodeOf(err), err)
		return
	}
	msg := apperr.MessageOf(err)
	for _, w := range words {
		if !strings.Contains(msg, w) {
			t.Errorf("%s: message %q does not name %q", what, msg, w)
		}
	}
}

// TestMatrixDisallowedCutsAreRefused: every (measure, dimension) pair the
// catalog does not allow is refused, naming both.
func TestMatrixDisallowedCutsAreRefused(t *testing.T) {
	db := fixture(t)
	e := metrics.NewEngine(db)
	ctx := context.Background()
	refused := 0
	for _, m := range metrics.Catalog() {
		for _, d := range metrics.Dimensions() {
			if m.AllowsDimension(d.Name) {
				continue
			}
			refused++
			q := matrixQuery(m, d.Name)
			q.From, q.To = 2023, 2023
			_, err := e.Compile(ctx, q)
			wantInvalid(t, m.Name+" by "+d.Name, err, m.Name, d.Name)
		}
	}
	if refused < 30 {
		t.Errorf("only %d disallowed pairs: the catalog lets nearly everything through", refused)
	}
}

// TestQueryRefusals: each malformed query is refused as invalid with a
// message naming what is wrong.
func TestQueryRefusals(t *testing.T) {
	db := fixture(t)
	e := metrics.NewEngine(db)
	ctx := context.Background()
	leaders := func(mod func(q *metrics.Query)) metrics.Query {
		q := metrics.Query{Measures: []string{"leaders"}, Dimensions: []string{"district"}, From: 2023, To: 2023}
		mod(&q)
		return q
	}
	year := func(vs ...string) func(q *metrics.Query) {
		return func(q *metrics.Query) {
			q.Filters = []metrics.Filter{{Dimension: "school_year", In: vs}}
		}
	}
	cases := []struct {
		name  string
		q     metrics.Query
		words []string
	}{
		{"no measure", metrics.Query{From: 2023, To: 2023}, []string{"measure"}},
		{"unknown measure", leaders(func(q *metrics.Query) { q.Measures = []string{"leaderz"} }), []string{"unknown measure", "leaderz"}},
		{"unknown dimension", leaders(func(q *metrics.Query) { q.Dimensions = []string{"county"} }), []string{"unknown dimension", "county"}},
		{"duplicate measure", leaders(func(q *metrics.Query) { q.Measures = []string{"leaders", "leaders"} }), []string{"leaders", "twice"}},
		{"duplicate dimension", leaders(func(q *metrics.Query) { q.Dimensions = []string{"district", "district"} }), []string{"district", "twice"}},
		{"stock over several years", leaders(func(q *metrics.Query) { q.From = 2021 }), []string{"leaders", "school_year"}},
		{"stock over all years by default", leaders(func(q *metrics.Query) { q.From, q.To = 0, 0 }), []string{"leaders", "school_year"}},
		{"span over one year", metrics.Query{Measures: []string{"cagr"}, From: 2023, To: 2023}, []string{"cagr", "from < to"}},
		{"missing required dimension", metrics.Query{Measures: []string{"pipeline_parity"}, From: 2023, To: 2023}, []string{"pipeline_parity", "role"}},
		{"missing school_year for yoy", metrics.Query{Measures: []string{"yoy_growth"}, From: 2021, To: 2023}, []string{"yoy_growth", "school_year"}},
		{"negative limit", leaders(func(q *metrics.Query) { q.Limit = -1 }), []string{"limit", "-1"}},
		{"limit over the maximum", leaders(func(q *metrics.Query) { q.Limit = metrics.MaxLimit + 1 }), []string{"limit", strconv.Itoa(metrics.MaxLimit + 1)}},
		// (Alone, an empty in list is reported as no condition at all.)
		{"empty in list", leaders(func(q *metrics.Query) { q.Filters = []metrics.Filter{{Dimension: "district", In: []string{}}} }), []string{"district"}},
		{"empty in list beside notIn", leaders(func(q *metrics.Query) {
			q.Filters = []metrics.Filter{{Dimension: "district", In: []string{}, NotIn: []string{leaA}}}
		}), []string{"district", "empty"}},
		{"filter without a condition", leaders(func(q *metrics.Query) { q.Filters = []metrics.Filter{{Dimension: "district"}} }), []string{"district", "no condition"}},
		{"range on an unordered dimension", leaders(func(q *metrics.Query) {
			q.Filters = []metrics.Filter{{Dimension: "district", Min: strp("4900001")}}
		}), []string{"district", "not ordered"}},
		{"range on ethnicity", leaders(func(q *metrics.Query) {
			q.Filters = []metrics.Filter{{Dimension: "ethnicity", Max: strp("white")}}
		}), []string{"ethnicity", "not ordered"}},
		{"year not a number", leaders(year("20x3")), []string{"school_year", "20x3"}},
		{"negative year", leaders(year("-1")), []string{"school_year", "-1"}},
		{"year out of range", leaders(year("70000")), []string{"school_year", "70000"}},
		{"empty year", leaders(year("")), []string{"school_year"}},
		{"year with spaces", leaders(year(" 2023")), []string{"school_year"}},
		{"year as a range bound", leaders(func(q *metrics.Query) {
			q.Filters = []metrics.Filter{{Dimension: "school_year", Min: strp("2021"), Max: strp("2023-24")}}
		}), []string{"school_year", "2023-24"}},
		{"role bound off the ladder", leaders(func(q *metrics.Query) {
			q.Filters = []metrics.Filter{{Dimension: "role", Min: strp("janitor")}}
		}), []string{"role", "janitor"}},
		{"from after to", leaders(func(q *metrics.Query) { q.From, q.To = 2023, 2022 }), []string{"from", "to"}},
		{"from before 1900", leaders(func(q *metrics.Query) { q.From, q.To = 1800, 1800 }), []string{"1900"}},
		{"having on a measure not asked", leaders(func(q *metrics.Query) {
			q.Having = []metrics.MeasureFilter{{Measure: "teachers", Op: metrics.OpGt, Value: 1}}
		}), []string{"teachers"}},
		{"having with an unknown comparison", leaders(func(q *metrics.Query) {
			q.Having = []metrics.MeasureFilter{{Measure: "leaders", Op: "like", Value: 1}}
		}), []string{"like"}},
		{"having with NaN", leaders(func(q *metrics.Query) {
			q.Having = []metrics.MeasureFilter{{Measure: "leaders", Op: metrics.OpGt, Value: math.NaN()}}
		}), []string{"leaders", "not a number"}},
		{"having with infinity", leaders(func(q *metrics.Query) {
			q.Having = []metrics.MeasureFilter{{Measure: "leaders", Op: metrics.OpGt, Value: math.Inf(1)}}
		}), []string{"leaders", "not a number"}},
		{"order by a measure not asked", leaders(func(q *metrics.Query) { q.OrderBy = []metrics.Order{{Measure: "teachers"}} }), []string{"teachers"}},
		{"order by a dimension not cut", leaders(func(q *metrics.Query) { q.OrderBy = []metrics.Order{{Dimension: "role"}} }), []string{"role"}},
		{"order by nothing", leaders(func(q *metrics.Query) { q.OrderBy = []metrics.Order{{}} }), []string{"neither"}},
		{"order by both", leaders(func(q *metrics.Query) {
			q.OrderBy = []metrics.Order{{Measure: "leaders", Dimension: "district"}}
		}), []string{"not both"}},
		{"filter a measure on a dimension its data lacks", metrics.Query{Measures: []string{"members"}, From: 2023, To: 2023,
			Filters: []metrics.Filter{{Dimension: "role", In: []string{P}}}}, []string{"members", "role"}},
		{"filter on an unknown dimension", leaders(func(q *metrics.Query) {
			q.Filters = []metrics.Filter{{Dimension: "county", In: []string{"x"}}}
		}), []string{"county"}},
		{"filter value too long", leaders(func(q *metrics.Query) {
			q.Filters = []metrics.Filter{{Dimension: "district", In: []string{strings.Repeat("9", 201)}}}
		}), []string{"district", "200"}},
		{"too many measures", leaders(func(q *metrics.Query) {
			q.Measures = nil
			for _, m := range metrics.Catalog() {
				q.Measures = append(q.Measures, m.Name)
			}
			for len(q.Measures) <= 30 {
				q.Measures = append(q.Measures, "leaders")
			}
		}), []string{"30"}},
	}
	for _, c := range cases {
		_, err := e.Compile(ctx, c.q)
		wantInvalid(t, c.name, err, c.words...)
	}

	// Limit 0 is the default limit (Query.Limit), not an error.
	res, err := e.Compile(ctx, leaders(func(q *metrics.Query) { q.Limit = 0 }))
	if err != nil {
		t.Fatalf("limit 0: %v", err)
	}
	if last := res.Args[len(res.Args)-1]; last != metrics.DefaultLimit {
		t.Errorf("limit 0 binds %v as the limit, want the default %d", last, metrics.DefaultLimit)
	}
	// And the limits at the edges pass.
	for _, limit := range []int{1, metrics.MaxLimit} {
		if _, err := e.Compile(ctx, leaders(func(q *metrics.Query) { q.Limit = limit })); err != nil {
			t.Errorf("limit %d: %v", limit, err)
		}
	}
}
