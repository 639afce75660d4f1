package metrics

import (
	"context"
	"math"
	"sort"
	"strconv"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/warehouse"
)

// Goal progress: arithmetic over a goal and its actual series
// (GoalProgressOf, which reads nothing), and the series itself through the
// engine (GoalProgressFor).

// GoalSpec is what a goal promises: a measure's value in a baseline school
// year and the value it should reach by a target school year.
type GoalSpec struct {
	BaselineYear  int
	BaselineValue float64
	TargetYear    int
	TargetValue   float64
}

// GoalPoint is one school year of a series. Value is nil where the year has
// no value (a gap in the data).
type GoalPoint struct {
	Year  int
	Value *float64
}

// GoalProjectionYears is how many of the last years with values the projection
// line is fitted to.
const GoalProjectionYears = 5

// GoalProgress is how far a goal has come and where it is heading. Every
// pointer is nil where the figure is undefined (see GoalProgressOf).
type GoalProgress struct {
	// Actual is the series as given, in year order.
	Actual []GoalPoint
	// LatestYear and LatestValue are the last year that has a value.
	LatestYear  *int
	LatestValue *float64
	// PercentOfWay is the share of the way from baseline to target covered
	// by the latest value, in percent (may be negative or above 100).
	PercentOfWay *float64
	// ExpectedValue is where the straight path from the baseline (year and
	// value) to the target (year and value) stands in LatestYear: the
	// value the goal "should" have by now (the target itself from the
	// target year on).
	ExpectedValue *float64
	// Projection holds the fitted line's value for every year from
	// LatestYear to the target year, both included (empty when there is no
	// line or the target year is before LatestYear).
	Projection []GoalPoint
	// ProjectedValue is the fitted line's value at the target year.
	ProjectedValue *float64
	// OnTrack says whether ProjectedValue reaches the target.
	OnTrack *bool
	// GrowthNeededRate is the constant yearly growth rate (0.05 = 5%) that
	// takes the latest value to the target by the target year.
	GrowthNeededRate *float64
	// GrowthNeededPerYear is the constant yearly change (in the measure's
	// unit) that takes the latest value to the target by the target year.
	GrowthNeededPerYear *float64
}

// GoalProgressOf computes a goal's progress from its actual series (any
// order; years with a nil or non-finite value are gaps). With
// B = baseline value, T = target value, Yt = target year, and (Yl, L) the
// last year that has a value and that value:
//
//   - PercentOfWay = (L − B) ÷ (T − B) × 100; nil when T = B or there is no L.
//
//   - ExpectedValue = B + (T − B) × (min(Yl, Yt) − Yb) ÷ (Yt − Yb), with Yb the
//     baseline year: the straight path's value in Yl; nil when Yt = Yb or
//     there is no L.
//
//   - Projection: the ordinary least-squares line v(y) = a + b·y through the
//     last GoalProjectionYears (5) points that have values (the last five years
//     with values, skipping gaps), needing at least 2 of them:
//     x̄ and v̄ are the means of their years and values,
//     b = Σ (y − x̄)(v − v̄) ÷ Σ (y − x̄)², a = v̄ − b·x̄.
//     ProjectedValue = v(Yt); Projection = v(y) for y = Yl … Yt.
//     Nil (empty) with fewer than 2 points.
//
//   - OnTrack = ProjectedValue ≥ T when T ≥ B (a goal to grow), and
//     ProjectedValue ≤ T when T < B (a goal to shrink); nil without a
//     projection.
//
//   - With n = Yt − Yl years left (nil for both when n ≤ 0 or there is no L):
//     GrowthNeededPerYear = (T − L) ÷ n;
//     GrowthNeededRate = (T ÷ L)^(1/n) − 1, the compound annual growth rate,
//     nil when L ≤ 0 (no rate takes zero anywhere) or the result is not a
//     finite number.
func GoalProgressOf(g GoalSpec, actual []GoalPoint) GoalProgress {
	pts := make([]GoalPoint, len(actual))
	copy(pts, actual)
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].Year < pts[j].Year })
	p := GoalProgress{Actual: pts, Projection: []GoalPoint{}}

	// The years that have values, in order.
	var xs, vs []float64
	for _, pt := range pts {
		if pt.Value != nil && goalFinite(*pt.Value) {
			xs = append(xs, float64(pt.Year))
			vs = append(vs, *pt.Value)
		}
	}
	if len(xs) == 0 {
		return p
	}
	latestYear, latest := int(xs[len(xs)-1]), vs[len(vs)-1]
	p.LatestYear, p.LatestValue = &latestYear, &latest

	if g.TargetValue != g.BaselineValue {
		p.PercentOfWay = goalNum((latest - g.BaselineValue) / (g.TargetValue - g.BaselineValue) * 100)
	}

	if g.TargetYear != g.BaselineYear {
		at := min(latestYear, g.TargetYear)
		p.ExpectedValue = goalNum(g.BaselineValue + (g.TargetValue-g.BaselineValue)*
			float64(at-g.BaselineYear)/float64(g.TargetYear-g.BaselineYear))
	}

	if a, b, ok := goalLeastSquares(xs[max(0, len(xs)-GoalProjectionYears):], vs[max(0, len(vs)-GoalProjectionYears):]); ok {
		at := func(y int) float64 { return a + b*float64(y) }
		p.ProjectedValue = goalNum(at(g.TargetYear))
		for y := latestYear; y <= g.TargetYear; y++ {
			p.Projection = append(p.Projection, GoalPoint{Year: y, Value: goalNum(at(y))})
		}
		if v := p.ProjectedValue; v != nil {
			on := *v >= g.TargetValue
			if g.TargetValue < g.BaselineValue {
				on = *v <= g.TargetValue
			}
			p.OnTrack = &on
		}
	}

	if n := g.TargetYear - latestYear; n > 0 {
		p.GrowthNeededPerYear = goalNum((g.TargetValue - latest) / float64(n))
		if latest > 0 {
			p.GrowthNeededRate = goalNum(math.Pow(g.TargetValue/latest, 1/float64(n)) - 1)
		}
	}
	return p
}

// goalLeastSquares fits v = a + b·x by ordinary least squares:
// b = Σ (x − x̄)(v − v̄) ÷ Σ (x − x̄)², a = v̄ − b·x̄. ok is false with fewer
// than two points or when all x are equal.
func goalLeastSquares(xs, vs []float64) (a, b float64, ok bool) {
	n := float64(len(xs))
	if len(xs) < 2 || len(xs) != len(vs) {
		return 0, 0, false
	}
	var mx, mv float64
	for i := range xs {
		mx += xs[i]
		mv += vs[i]
	}
	mx, mv = mx/n, mv/n
	var sxv, sxx float64
	for i := range xs {
		sxv += (xs[i] - mx) * (vs[i] - mv)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return 0, 0, false
	}
	b = sxv / sxx
	return mv - b*mx, b, true
}

func goalFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// goalNum returns &v, or nil when v is not a finite number.
func goalNum(v float64) *float64 {
	if !goalFinite(v) {
		return nil
	}
	return &v
}

// GoalScopeDims are the catalog dimensions that filter a goal's scope, by
// warehouse.Goal.Scope.
var GoalScopeDims = map[string]string{warehouse.ScopeState: DimState, warehouse.ScopeDistrict: DimDistrict,
	warehouse.ScopeSchool: DimSchool}

// GoalRunner runs a goal's series query (*Engine implements it).
type GoalRunner interface {
	Run(ctx context.Context, q Query) (*Result, error)
	DataYears(ctx context.Context) (first, last int, err error)
}

// GoalQuery is the metrics query of a goal's actual series: its measure by
// school year from `from` to `to`, within its scope and, when set, its tier.
func GoalQuery(g warehouse.Goal, from, to int) Query {
	q := Query{
		Measures:   []string{g.Measure},
		Dimensions: []string{DimSchoolYear},
		Filters:    []Filter{{Dimension: GoalScopeDims[g.Scope], In: []string{g.ScopeID}}},
		From:       from,
		To:         to,
	}
	if g.Tier != "" {
		q.Filters = append(q.Filters, Filter{Dimension: DimTier, In: []string{g.Tier}})
	}
	return q
}

// GoalProgressFor computes a goal's progress over its actual series, from
// the baseline year (or the first year with data, when later) to the last
// year with data: one metrics query, none when those years hold no data.
// The API and the dashboards both read progress here.
func GoalProgressFor(ctx context.Context, r GoalRunner, g warehouse.Goal) (GoalProgress, error) {
	first, last, err := r.DataYears(ctx)
	if err != nil {
		return GoalProgress{}, err
	}
	from := max(g.BaselineYear, first)
	var series []GoalPoint
	if last > 0 && from <= last {
		res, err := r.Run(ctx, GoalQuery(g, from, last))
		if err != nil {
			return GoalProgress{}, err
		}
		if series, err = goalSeries(res, from); err != nil {
			return GoalProgress{}, err
		}
	}
	return GoalProgressOf(GoalSpec{BaselineYear: g.BaselineYear, BaselineValue: g.BaselineValue,
		TargetYear: g.TargetYear, TargetValue: g.TargetValue}, series), nil
}

// goalSeries turns a result by school_year into one point per year from
// `from` to the last year in the result (years without a row are gaps).
func goalSeries(res *Result, from int) ([]GoalPoint, error) {
	byYear := map[int]*float64{}
	last := from - 1
	for _, row := range res.Rows {
		if len(row.Dims) != 1 || len(row.Values) != 1 {
			return nil, apperr.Errorf(apperr.Internal, "goal series: a row of %d dimensions and %d values, want 1 and 1", len(row.Dims), len(row.Values))
		}
		y, err := strconv.Atoi(row.Dims[0])
		if err != nil {
			return nil, apperr.Wrap(apperr.Internal, err, "goal series: school_year is not a year")
		}
		if y < from {
			continue
		}
		byYear[y] = row.Values[0].V
		last = max(last, y)
	}
	out := make([]GoalPoint, 0, max(last-from+1, 0))
	for y := from; y <= last; y++ {
		out = append(out, GoalPoint{Year: y, Value: byYear[y]})
	}
	return out, nil
}
