package metrics_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/scope"
)

// TestDifferencingAcrossAnalystAnswers is an adversary with a public key:
// for the Utah seed's Latino leaders and Latino teachers by district, it
// takes the published table, the published state total, and then asks for
// the pooled groups that would give a hidden district away across answers
// — every district but D (notIn), D with a district that is shown (in
// [D, E]), a range of ranks without the rank cut — and checks that each is
// refused, or, if answered, that no hidden cell equals a published total
// less published parts. The truth it checks against is the full answer of
// the same query (itself checked against plain SQL in
// TestUtahMeasuresEqualPlainSQL).
//
// What this does not cover yet (docs/privacy.md, "Differencing"): a
// complementary cell asked for alone, and margins of one breakdown taken
// from another answer (a district's total less its tiers).
func TestDifferencingAcrossAnalystAnswers(t *testing.T) {
	db := utah(t)
	e := engines(db)[0]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pub := scope.With(ctx, scope.Scope{SuppressBelow: 10, Public: true})
	ut := []metrics.Filter{{Dimension: metrics.DimState, In: []string{"UT"}}}
	attacks, refused := 0, 0
	for _, measure := range []string{"latino_leaders", "latino_teachers"} {
		for _, year := range []int{2023, 2025} {
			q := metrics.Query{Measures: []string{measure}, Dimensions: []string{metrics.DimDistrict}, From: year, To: year,
				Filters: ut, Limit: metrics.MaxLimit}
			full := run(t, e, q)
			published, err := e.Run(pub, q)
			if err != nil {
				t.Fatal(err)
			}
			truth, shown := map[string]float64{}, map[string]float64{}
			var hidden, visible []string
			for i, row := range published.Rows {
				d := row.Dims[0]
				if v := full.Rows[i].Values[0].V; v != nil {
					truth[d] = *v
				}
				if row.Values[0].Suppressed != "" {
					hidden = append(hidden, d)
				} else if row.Values[0].V != nil {
					shown[d] = *row.Values[0].V
					visible = append(visible, d)
				}
			}
			if len(hidden) < 2 || len(visible) == 0 {
				t.Fatalf("%s %d: %d hidden, %d shown districts: the seed does not tempt the adversary", measure, year, len(hidden), len(visible))
			}
			total, err := e.Run(pub, metrics.Query{Measures: []string{measure}, From: year, To: year, Filters: ut})
			if err != nil || len(total.Rows) != 1 || total.Rows[0].Values[0].V == nil {
				t.Fatalf("%s %d: the published state total: %+v %v", measure, year, total, err)
			}
			tot := *total.Rows[0].Values[0].V

			// The total less every shown district pools the hidden ones:
			// never one hidden cell alone.
			rest := tot
			for _, v := range shown {
				rest -= v
			}
			for _, d := range hidden {
				if others := slices.DeleteFunc(slices.Clone(hidden), func(x string) bool { return x == d || truth[x] == 0 }); len(others) == 0 && truth[d] > 0 {
					t.Errorf("%s %d: the state total less the shown districts (%g) is district %s's hidden %g", measure, year, rest, d, truth[d])
				}
			}

			// Pooled groups of the adversary's choosing.
			for i, d := range hidden[:min(len(hidden), 8)] {
				e2 := visible[i%len(visible)]
				for _, a := range []struct {
					name    string
					f       metrics.Filter
					rebuild func(v float64) float64
				}{
					{"every district but " + d, metrics.Filter{Dimension: metrics.DimDistrict, NotIn: []string{d}}, func(v float64) float64 { return tot - v }},
					{d + " with " + e2, metrics.Filter{Dimension: metrics.DimDistrict, In: []string{d, e2}}, func(v float64) float64 { return v - shown[e2] }},
				} {
					attacks++
					res, err := e.Run(pub, metrics.Query{Measures: []string{measure}, From: year, To: year, Filters: append(slices.Clone(ut), a.f)})
					if err != nil {
						if !strings.Contains(err.Error(), "give a hidden cell away") {
							t.Errorf("%s %d, %s: refused for another reason: %v", measure, year, a.name, err)
						}
						refused++
						continue
					}
					if len(res.Rows) == 1 && res.Rows[0].Values[0].V != nil {
						if got := a.rebuild(*res.Rows[0].Values[0].V); math.Abs(got-truth[d]) < 1e-9 {
							t.Errorf("%s %d: %s rebuilds district %s's hidden %g", measure, year, a.name, d, truth[d])
						}
					}
				}
			}
		}
	}
	// Ranges and lists of a dimension the rows are not cut by pool too.
	for _, f := range []metrics.Filter{
		{Dimension: metrics.DimRole, Min: ptrS("assistant_principal")},
		{Dimension: metrics.DimRole, In: []string{"principal", "assistant_principal"}},
		{Dimension: metrics.DimTier, NotIn: []string{"state"}},
	} {
		attacks++
		_, err := e.Run(pub, metrics.Query{Measures: []string{"latino_staff"}, Dimensions: []string{metrics.DimDistrict}, From: 2023, To: 2023,
			Filters: []metrics.Filter{f}})
		if err == nil {
			t.Errorf("a pooled filter %+v answered in public output", f)
		} else {
			refused++
		}
		// Cut by the dimension, the same values are rows of their own.
		if _, err := e.Run(pub, metrics.Query{Measures: []string{"latino_staff"}, Dimensions: []string{metrics.DimDistrict, f.Dimension},
			From: 2023, To: 2023, Filters: []metrics.Filter{f}}); err != nil {
			t.Errorf("filter %+v on a dimension the rows are cut by: %v", f, err)
		}
	}
	// Full figures (a board key) pool freely.
	if _, err := e.Run(ctx, metrics.Query{Measures: []string{"latino_leaders"}, From: 2023, To: 2023,
		Filters: []metrics.Filter{{Dimension: metrics.DimDistrict, NotIn: []string{"4900360"}}}}); err != nil {
		t.Errorf("a full-figure query with notIn: %v", err)
	}
	if refused != attacks {
		t.Errorf("%d of %d pooling attacks answered", attacks-refused, attacks)
	}
	t.Log(fmt.Sprintf("%d pooling attacks, all refused", attacks))
}

func ptrS(s string) *string { return &s }
