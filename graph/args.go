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
func leadership(ctx context.Context, level warehouse.Level, id string, from, to *int, tier *model.Tier) ([]model.LeadershipPoint, error) {
	key, ok, err := leadershipKey(ctx, level, id, from, to, tier)
	if err != nil || !ok {
		return []model.LeadershipPoint{}, err
	}
	counts, err := loaders.For(ctx).Leadership.Load(ctx, key)
	if err != nil {
		return nil, err
	}
	return leadershipPoints(metrics.LeadershipSeries(counts, key.From, key.To)), nil
}

// leadershipKey validates a series' arguments and returns its loader key;
// ok is false when the range holds no year with data (an empty series).
func leadershipKey(ctx context.Context, level warehouse.Level, id string, from, to *int, tier *model.Tier) (loaders.LeadershipKey, bool, error) {
	years, err := loaders.For(ctx).DataYears(ctx)
	if err != nil {
		return loaders.LeadershipKey{}, false, err
	}
	lo, hi, err := yearSpan(years, from, to)
	if err != nil {
		return loaders.LeadershipKey{}, false, err
	}
	// Years outside the data are not points: clamp to what the warehouse holds.
	lo, hi = max(lo, years.First), min(hi, years.Last)
	if !years.Any || lo > hi {
		return loaders.LeadershipKey{}, false, nil
	}
	key := loaders.LeadershipKey{Level: level, ID: id, From: lo, To: hi}
	if tier != nil {
		key.Tier = strings.ToLower(string(*tier))
	}
	return key, true, nil
}
