package metrics_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/metrics"
)

// rollupCuts are the cuts every measure is compared on, rollups against
// facts, each making the rollup engine read another table (district
// rollup, place rollup, leadership rollup, person-years...). A measure is
// cut by the dimensions of a cut it allows; a cut it allows none of is
// skipped.
var rollupCuts = [][]string{
	nil,
	{metrics.DimDistrict},
	{metrics.DimSchool},
	{metrics.DimRole},
	{metrics.DimEthnicity, metrics.DimGender},
	{metrics.DimSchoolYear},
	{metrics.DimMember},
	{metrics.DimTier, metrics.DimLocale, metrics.DimSchoolLevel, metrics.DimLeaType},
	{metrics.DimRole, metrics.DimNextRole},
}

// cutDims are the dimensions of cut that m allows, or false when the cut
// names dimensions and m allows none of them.
func cutDims(m metrics.Measure, cut []string) ([]string, bool) {
	var out []string
	for _, d := range cut {
		if m.AllowsDimension(d) {
			out = append(out, d)
		}
	}
	return out, len(cut) == 0 || len(out) > 0
}

// cutQuery is m cut by dims (plus what it requires) in 2023: stock
// measures by school year 2022-2023, spans 2020-2023. (Flows over several
// years take seconds on the facts engine; the fixture checks them by year.)
func cutQuery(m metrics.Measure, dims []string) metrics.Query {
	q := metrics.Query{Measures: []string{m.Name}, Dimensions: slices.Clone(dims), From: 2023, To: 2023, Limit: metrics.MaxLimit}
	if m.Stock && slices.Contains(dims, metrics.DimSchoolYear) {
		q.From = 2022
	}
	for _, d := range m.Requires {
		if !slices.Contains(q.Dimensions, d) {
			q.Dimensions = append(q.Dimensions, d)
		}
	}
	if m.Span {
		q.From = 2020
	}
	return q
}

// TestRollupsEqualFactsOnUtah: for every measure and cut, the rollup engine
// and the facts-only engine give the same rows with the same values.
func TestRollupsEqualFactsOnUtah(t *testing.T) {
	db := utah(t)
	es := engines(db)
	type job struct {
		name string
		q    metrics.Query
	}
	var jobs []job
	for _, m := range metrics.Catalog() {
		n := 0
		for _, cut := range rollupCuts {
			if dims, ok := cutDims(m, cut); ok {
				q := cutQuery(m, dims)
				name := m.Name + "/" + strings.Join(q.Dimensions, ",")
				// (Measures that require a dimension get it in two cuts.)
				if !slices.ContainsFunc(jobs, func(j job) bool { return j.name == name }) {
					jobs = append(jobs, job{name, q})
					n++
				}
			}
		}
		if n < 3 {
			t.Errorf("measure %s is compared on %d cuts only", m.Name, n)
		}
	}
	type outcome struct {
		name string
		diff string
		err  error
		rows int
	}
	// One query at a time: ClickHouse gives each query every core, and
	// queries at once only contend.
	results := make([]outcome, len(jobs))
	for i, j := range jobs {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		a, err := es[0].Run(ctx, j.q)
		var b *metrics.Result
		if err == nil {
			b, err = es[1].Run(ctx, j.q)
		}
		cancel()
		results[i] = outcome{name: j.name, err: err}
		if err == nil {
			results[i].diff, results[i].rows = sameRows(a, b), len(b.Rows)
		}
	}
	for _, o := range results {
		switch {
		case o.err != nil:
			t.Errorf("%s: %v", o.name, o.err)
		case o.diff != "":
			t.Errorf("%s: rollups vs facts:\n\t%s", o.name, o.diff)
		case o.rows == 0:
			t.Errorf("%s: no rows on the Utah seed", o.name)
		}
	}
}
