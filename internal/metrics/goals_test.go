package metrics

import (
	"math"
	"testing"
)

func goalV(v float64) *float64 { return &v }

func goalNear(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = nil, want %.9g", what, want)
		return
	}
	if math.Abs(*got-want) > 1e-9*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.12g, want %.12g", what, *got, want)
	}
}

func goalNil(t *testing.T, what string, got *float64) {
	t.Helper()
	if got != nil {
		t.Errorf("%s = %v, want nil", what, *got)
	}
}

// A goal to grow, with gaps (2016 nil, 2019 absent) and more than five years
// of values, so the fit must take only the last five.
func TestGoalProgressGrowingWithGaps(t *testing.T) {
	g := GoalSpec{BaselineYear: 2015, BaselineValue: 10, TargetYear: 2030, TargetValue: 110}
	actual := []GoalPoint{
		{2022, goalV(26)}, {2015, goalV(10)}, {2016, nil}, {2017, goalV(14)}, {2018, goalV(16)}, {2020, goalV(20)}, {2021, goalV(22)},
	}
	p := GoalProgressOf(g, actual)

	if len(p.Actual) != 7 || p.Actual[0].Year != 2015 || p.Actual[6].Year != 2022 || p.Actual[1].Value != nil {
		t.Fatalf("actual not sorted by year as given: %+v", p.Actual)
	}
	if p.LatestYear == nil || *p.LatestYear != 2022 {
		t.Fatalf("latest year = %v, want 2022", p.LatestYear)
	}
	goalNear(t, "latest value", p.LatestValue, 26)
	// (26 − 10) ÷ (110 − 10) × 100 = 16 ÷ 100 × 100 = 16.
	goalNear(t, "percent of way", p.PercentOfWay, 16)
	// The straight path from (2015, 10) to (2030, 110) in 2022:
	// 10 + 100 × 7 ÷ 15 = 10 + 46.666… = 56.666….
	goalNear(t, "expected by now", p.ExpectedValue, 10+700.0/15)

	// Last five years with values: 2017 14, 2018 16, 2020 20, 2021 22, 2022 26.
	// x̄ = 10098 ÷ 5 = 2019.6; v̄ = 98 ÷ 5 = 19.6.
	// x − x̄: −2.6 −1.6 0.4 1.4 2.4; v − v̄: −5.6 −3.6 0.4 2.4 6.4.
	// Σ(x−x̄)(v−v̄) = 14.56 + 5.76 + 0.16 + 3.36 + 15.36 = 39.2.
	// Σ(x−x̄)² = 6.76 + 2.56 + 0.16 + 1.96 + 5.76 = 17.2.
	// b = 39.2 ÷ 17.2 = 98/43 ≈ 2.27907 a year.
	// v(2030) = 19.6 + 98/43 × 10.4 = (842.8 + 1019.2) ÷ 43 = 1862/43 ≈ 43.3023.
	goalNear(t, "projected value", p.ProjectedValue, 1862.0/43)
	// Projection from 2022 (the latest year) to 2030: 9 points;
	// v(2022) = 19.6 + 98/43 × 2.4 = (842.8 + 235.2) ÷ 43 = 1078/43, then +98/43 a year.
	if len(p.Projection) != 9 || p.Projection[0].Year != 2022 || p.Projection[8].Year != 2030 {
		t.Fatalf("projection years = %+v, want 2022..2030", p.Projection)
	}
	for i, pt := range p.Projection {
		goalNear(t, "projection", pt.Value, (1078+98*float64(i))/43)
	}
	// 43.3 < 110: not on track.
	if p.OnTrack == nil || *p.OnTrack {
		t.Errorf("on track = %v, want false", p.OnTrack)
	}
	// 8 years left (2022 → 2030): (110 − 26) ÷ 8 = 84 ÷ 8 = 10.5 a year.
	goalNear(t, "growth per year", p.GrowthNeededPerYear, 10.5)
	// (110 ÷ 26)^(1/8) − 1: ln(4.2307692) = 1.4423838, ÷ 8 = 0.1802980,
	// e^0.1802980 = 1.1975742 → 0.1975742 (19.8% a year).
	if p.GrowthNeededRate == nil || math.Abs(*p.GrowthNeededRate-0.1975742) > 1e-6 {
		t.Errorf("growth rate = %v, want ≈0.1975742", p.GrowthNeededRate)
	}
	// And it compounds to the target: 26 × (1 + r)^8 = 110.
	if r := *p.GrowthNeededRate; math.Abs(26*math.Pow(1+r, 8)-110) > 1e-9 {
		t.Errorf("26 × (1+%g)^8 = %g, want 110", r, 26*math.Pow(1+r, 8))
	}
}

// A goal to shrink (a gap to close): on track means at or below the target.
func TestGoalProgressDecreasingOnTrack(t *testing.T) {
	g := GoalSpec{BaselineYear: 2018, BaselineValue: 20, TargetYear: 2024, TargetValue: 5}
	p := GoalProgressOf(g, []GoalPoint{{2018, goalV(20)}, {2019, goalV(18)}, {2020, goalV(14)}})
	// (14 − 20) ÷ (5 − 20) × 100 = −6 ÷ −15 × 100 = 40.
	goalNear(t, "percent of way", p.PercentOfWay, 40)
	// x̄ = 2019, v̄ = 52/3; x − x̄: −1 0 1; v − v̄: 8/3 2/3 −10/3.
	// Σ(x−x̄)(v−v̄) = −8/3 − 10/3 = −6; Σ(x−x̄)² = 2; b = −3.
	// v(2024) = 52/3 − 3 × 5 = 7/3 ≈ 2.333 ≤ 5: on track.
	goalNear(t, "projected value", p.ProjectedValue, 7.0/3)
	if p.OnTrack == nil || !*p.OnTrack {
		t.Errorf("on track = %v, want true", p.OnTrack)
	}
	// Projection 2020..2024: v(2020) = 52/3 − 3 = 43/3, then −3 a year.
	if len(p.Projection) != 5 {
		t.Fatalf("projection = %+v, want 5 points", p.Projection)
	}
	for i, pt := range p.Projection {
		if pt.Year != 2020+i {
			t.Errorf("projection year %d, want %d", pt.Year, 2020+i)
		}
		goalNear(t, "projection", pt.Value, 43.0/3-3*float64(i))
	}
	// 4 years left: (5 − 14) ÷ 4 = −2.25 a year.
	goalNear(t, "growth per year", p.GrowthNeededPerYear, -2.25)
	// (5/14)^(1/4) − 1: 5/14 = 0.3571429, √ = 0.5976143, √ = 0.7730553 → −0.2269447.
	if p.GrowthNeededRate == nil || math.Abs(*p.GrowthNeededRate+0.2269447) > 1e-6 {
		t.Errorf("growth rate = %v, want ≈−0.2269447", p.GrowthNeededRate)
	}

	// The same line with a target of 2 (below 7/3) is not on track.
	g.TargetValue = 2
	if p := GoalProgressOf(g, []GoalPoint{{2018, goalV(20)}, {2019, goalV(18)}, {2020, goalV(14)}}); p.OnTrack == nil || *p.OnTrack {
		t.Errorf("target 2: on track = %v, want false (projection 7/3 > 2)", p.OnTrack)
	}
}

// Only the last five years with values make the line: an outlier before
// them changes nothing.
func TestGoalProgressFitsOnlyTheLastFiveYears(t *testing.T) {
	g := GoalSpec{BaselineYear: 2010, BaselineValue: 0, TargetYear: 2020, TargetValue: 10}
	// 2011..2015 lie on v = y − 2010 exactly; 2010's 1000 is left out.
	p := GoalProgressOf(g, []GoalPoint{{2010, goalV(1000)}, {2011, goalV(1)}, {2012, goalV(2)}, {2013, goalV(3)}, {2014, goalV(4)}, {2015, goalV(5)}})
	// v(2020) = 2020 − 2010 = 10 ≥ 10: on track (reaching the target exactly counts).
	goalNear(t, "projected value", p.ProjectedValue, 10)
	if p.OnTrack == nil || !*p.OnTrack {
		t.Errorf("on track = %v, want true", p.OnTrack)
	}
	// (5 − 0) ÷ (10 − 0) × 100 = 50.
	goalNear(t, "percent of way", p.PercentOfWay, 50)
	// 5 years left: (10 − 5) ÷ 5 = 1 a year; (10/5)^(1/5) − 1 = 2^0.2 − 1 ≈ 0.1486984.
	goalNear(t, "growth per year", p.GrowthNeededPerYear, 1)
	if p.GrowthNeededRate == nil || math.Abs(*p.GrowthNeededRate-0.1486984) > 1e-6 {
		t.Errorf("growth rate = %v, want ≈0.1486984", p.GrowthNeededRate)
	}
}

func TestGoalProgressUndefinedFigures(t *testing.T) {
	g := GoalSpec{BaselineYear: 2015, BaselineValue: 4, TargetYear: 2030, TargetValue: 12}

	t.Run("no values", func(t *testing.T) {
		p := GoalProgressOf(g, []GoalPoint{{2015, nil}, {2016, goalV(math.NaN())}})
		if p.LatestYear != nil || p.LatestValue != nil || p.PercentOfWay != nil || p.ProjectedValue != nil ||
			p.OnTrack != nil || p.GrowthNeededRate != nil || p.GrowthNeededPerYear != nil || len(p.Projection) != 0 {
			t.Errorf("progress without values = %+v", p)
		}
		if p.Projection == nil {
			t.Error("projection is nil, want an empty list")
		}
		if len(p.Actual) != 2 {
			t.Errorf("actual = %+v, want the two points as given", p.Actual)
		}
	})

	t.Run("one value: no line", func(t *testing.T) {
		p := GoalProgressOf(g, []GoalPoint{{2016, nil}, {2017, goalV(6)}, {2018, nil}})
		// (6 − 4) ÷ (12 − 4) × 100 = 25.
		goalNear(t, "percent of way", p.PercentOfWay, 25)
		if p.ProjectedValue != nil || p.OnTrack != nil || len(p.Projection) != 0 {
			t.Errorf("one point made a projection: %+v", p)
		}
		// 13 years left: (12 − 6) ÷ 13.
		goalNear(t, "growth per year", p.GrowthNeededPerYear, 6.0/13)
	})

	t.Run("target equals baseline", func(t *testing.T) {
		h := g
		h.TargetValue = 4
		p := GoalProgressOf(h, []GoalPoint{{2015, goalV(4)}, {2016, goalV(5)}})
		goalNil(t, "percent of way", p.PercentOfWay)
		// Line through (2015, 4), (2016, 5): v = y − 2011; v(2030) = 19 ≥ 4.
		goalNear(t, "projected value", p.ProjectedValue, 19)
		if p.OnTrack == nil || !*p.OnTrack {
			t.Errorf("on track = %v, want true", p.OnTrack)
		}
	})

	t.Run("latest is zero: no rate", func(t *testing.T) {
		p := GoalProgressOf(g, []GoalPoint{{2020, goalV(0)}, {2021, goalV(0)}})
		goalNil(t, "growth rate", p.GrowthNeededRate)
		// 9 years left: (12 − 0) ÷ 9.
		goalNear(t, "growth per year", p.GrowthNeededPerYear, 12.0/9)
		// A flat line at 0 stays below 12.
		goalNear(t, "projected value", p.ProjectedValue, 0)
		if p.OnTrack == nil || *p.OnTrack {
			t.Errorf("on track = %v, want false", p.OnTrack)
		}
		// (0 − 4) ÷ (12 − 4) × 100 = −50: behind the baseline.
		goalNear(t, "percent of way", p.PercentOfWay, -50)
	})

	t.Run("target year reached", func(t *testing.T) {
		h := GoalSpec{BaselineYear: 2015, BaselineValue: 4, TargetYear: 2020, TargetValue: 12}
		p := GoalProgressOf(h, []GoalPoint{{2019, goalV(10)}, {2020, goalV(13)}})
		goalNil(t, "growth rate", p.GrowthNeededRate)
		goalNil(t, "growth per year", p.GrowthNeededPerYear)
		// The projection is the line at the target year only: v(2020) = 13.
		if len(p.Projection) != 1 || p.Projection[0].Year != 2020 {
			t.Fatalf("projection = %+v, want one point at 2020", p.Projection)
		}
		goalNear(t, "projection 2020", p.Projection[0].Value, 13)
		// (13 − 4) ÷ (12 − 4) × 100 = 112.5: past the target.
		goalNear(t, "percent of way", p.PercentOfWay, 112.5)

		// Data past the target year: no projection points, the line still
		// gives the value at the target year: v = 10 + 3(y − 2019) → 13 at 2020.
		p = GoalProgressOf(h, []GoalPoint{{2019, goalV(10)}, {2020, goalV(13)}, {2021, goalV(16)}})
		if len(p.Projection) != 0 {
			t.Errorf("projection = %+v, want none (target year passed)", p.Projection)
		}
		goalNear(t, "projected value", p.ProjectedValue, 13)
		goalNil(t, "growth per year", p.GrowthNeededPerYear)
	})
}

// Past the target year the path stands at the target; without a span of
// years it is undefined.
func TestGoalExpectedValueBounds(t *testing.T) {
	p := GoalProgressOf(GoalSpec{BaselineYear: 2015, BaselineValue: 10, TargetYear: 2020, TargetValue: 20},
		[]GoalPoint{{2024, goalV(12)}})
	goalNear(t, "expected after the target year", p.ExpectedValue, 20)
	p = GoalProgressOf(GoalSpec{BaselineYear: 2015, BaselineValue: 40, TargetYear: 2025, TargetValue: 20},
		[]GoalPoint{{2020, goalV(35)}})
	// A goal to shrink: 40 + (20 − 40) × 5 ÷ 10 = 30.
	goalNear(t, "expected, shrinking", p.ExpectedValue, 30)
	p = GoalProgressOf(GoalSpec{BaselineYear: 2015, BaselineValue: 10, TargetYear: 2015, TargetValue: 20},
		[]GoalPoint{{2015, goalV(12)}})
	goalNil(t, "expected without a span", p.ExpectedValue)
	p = GoalProgressOf(GoalSpec{BaselineYear: 2015, BaselineValue: 10, TargetYear: 2030, TargetValue: 20}, nil)
	goalNil(t, "expected without data", p.ExpectedValue)
}
