package graph

import (
	"context"
	"strconv"
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
	points := leadershipPoints(metrics.LeadershipSeries(metrics.LeadershipCountsOf(rows), shape.From, shape.To))
	for _, r := range rows {
		y, _ := strconv.Atoi(r.Dims[0])
		if i := y - shape.From; i >= 0 && i < len(points) {
			suppressLeadership(&points[i], r)
		}
	}
	return points, nil
}

// suppressLeadership hides what small-cell suppression hid in a year's
// row of metrics.LeadershipMeasures (leaders, latino_leaders,
// latino_leader_share): the counts, and what the series derives from them.
func suppressLeadership(p *model.LeadershipPoint, r metrics.Row) {
	leaders, latino, share := r.Values[0], r.Values[1], r.Values[2]
	note := func(field string, v metrics.Value) { noteValue(&p.Suppressed, field, v) }
	if leaders.Suppressed != "" {
		p.Leaders, p.UnknownEthnicityShare = nil, nil
		note("leaders", leaders)
		note("unknownEthnicityShare", leaders)
	}
	if latino.Suppressed != "" {
		p.LatinoLeaders = nil
		note("latinoLeaders", latino)
	}
	if share.Suppressed != "" || share.Coded != "" || latino.Suppressed != "" {
		// The known count is leaders × (1 − unknown share): with the share
		// hidden or coded it would give the hidden figures back.
		p.KnownEthnicityLeaders, p.LatinoLeaderShare = nil, share.V
		if share.Suppressed == "" && share.Coded == "" {
			share.Suppressed = latino.Suppressed
		}
		note("knownEthnicityLeaders", share)
		note("latinoLeaderShare", share)
		if leaders.Suppressed == "" && share.UnknownShare == nil {
			// Without the known count the unknown share is not known
			// either (it is not 1).
			p.UnknownEthnicityShare = nil
			note("unknownEthnicityShare", share)
		}
	}
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
