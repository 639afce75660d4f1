package graph

import (
	"context"
	"strings"

	"github.com/camino-edu/camino/graph/model"
	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/ids"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/loaders"
)

func districtFilter(typeArg *model.LeaType, search *string) (warehouse.DistrictFilter, error) {
	var f warehouse.DistrictFilter
	if typeArg != nil {
		f.Type = strings.ToLower(string(*typeArg))
	}
	if search != nil {
		s, err := ids.Search("search", *search)
		if err != nil {
			return f, err
		}
		f.Search = s
	}
	return f, nil
}

// Years a series may ask for: wide enough for any history we hold, narrow
// enough that a span cannot blow up a response.
const (
	minYear = 1990
	maxYear = 2100
)

// yearSpan checks `from` and `to` arguments and fills what is missing with
// the span of years with data. Both given and from > to is an error.
func yearSpan(years loaders.Years, from, to *int) (lo, hi int, err error) {
	lo, hi = years.First, years.Last
	for _, a := range []struct {
		name string
		v    *int
		dst  *int
	}{{"from", from, &lo}, {"to", to, &hi}} {
		if a.v == nil {
			continue
		}
		if *a.v < minYear || *a.v > maxYear {
			return 0, 0, apperr.Errorf(apperr.Invalid, "%s: %d is not a school year between %d and %d", a.name, *a.v, minYear, maxYear)
		}
		*a.dst = *a.v
	}
	if from != nil && to != nil && lo > hi {
		return 0, 0, apperr.Errorf(apperr.Invalid, "from (%d) is after to (%d)", lo, hi)
	}
	return lo, hi, nil
}

// leadership resolves the leadership series of one entity through the
// request's loader, so sibling entities share one query.
func leadership(ctx context.Context, level, id string, from, to *int, tier *model.Tier) ([]model.LeadershipPoint, error) {
	shape, ok, err := leadershipShape(ctx, from, to, tier)
	if err != nil || !ok {
		return []model.LeadershipPoint{}, err
	}
	rows, err := entityRows(ctx, level, id, shape)
	if err != nil {
		return nil, err
	}
	return leadershipPoints(metrics.LeadershipSeries(metrics.LeadershipCountsOf(rows), shape.From, shape.To)), nil
}

// leadershipShape validates a series' arguments and returns its catalog
// query shape; ok is false when the range holds no year with data (an
// empty series).
func leadershipShape(ctx context.Context, from, to *int, tier *model.Tier) (loaders.MetricShape, bool, error) {
	years, err := loaders.For(ctx).DataYears(ctx)
	if err != nil {
		return loaders.MetricShape{}, false, err
	}
	lo, hi, err := yearSpan(years, from, to)
	if err != nil {
		return loaders.MetricShape{}, false, err
	}
	// Years outside the data are not points: clamp to what the warehouse holds.
	lo, hi = max(lo, years.First), min(hi, years.Last)
	if !years.Any || lo > hi {
		return loaders.MetricShape{}, false, nil
	}
	return loaders.MetricShape{Measures: metrics.LeadershipMeasures, Dimensions: metrics.DimSchoolYear, From: lo, To: hi,
		Tier: tierName(tier)}, true, nil
}
