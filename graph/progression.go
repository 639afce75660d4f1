package graph

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"github.com/camino-edu/camino/graph/model"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/loaders"
)

// Membership.progression: the members' flows between ranks from year t to
// t+1 that the board's Sankey draws — the catalog's movers by role and
// next_role, for member yes, the query the dashboard runs, so both show the
// same numbers (and the same suppression).

const progressionMeasures = "movers"

// progressionShape is the flows' query for the members field's years
// [lo, hi]: the years t that have a year t+1 with data. ok is false when
// none has (hi is the last year with data, and so is lo).
func progressionShape(ctx context.Context, lo, hi int) (loaders.MetricShape, bool, error) {
	years, err := loaders.For(ctx).DataYears(ctx)
	if err != nil {
		return loaders.MetricShape{}, false, err
	}
	hi = min(hi, years.Last-1)
	if lo > hi {
		return loaders.MetricShape{}, false, nil
	}
	return loaders.MetricShape{Measures: progressionMeasures, Dimensions: metrics.DimRole + "," + metrics.DimNextRole,
		From: lo, To: hi, Member: "yes"}, true, nil
}

// progressionSelected reports whether the members field being resolved
// selects progression (the flows are not computed otherwise).
func progressionSelected(ctx context.Context) bool {
	if !graphql.HasOperationContext(ctx) || graphql.GetFieldContext(ctx) == nil {
		return false
	}
	return slices.Contains(graphql.CollectAllFields(ctx), "progression")
}

// progressionOf converts one entity's rows (role, next_role) in the order
// the catalog returns them: by rank in t, then in t+1, none last.
func progressionOf(rows []metrics.Row) []model.RoleFlow {
	out := make([]model.RoleFlow, 0, len(rows))
	for _, row := range rows {
		notes := []model.Suppressed{}
		c := cells{names: []string{progressionMeasures}, row: row, notes: &notes}
		out = append(out, model.RoleFlow{FromRole: row.Dims[0], ToRole: row.Dims[1], People: c.n("people", "movers"), Suppressed: notes})
	}
	return out
}
