package graph

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/camino-edu/camino/graph/model"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/loaders"
)

// Prefetch makes batching deterministic. A loader batches keys that arrive
// within a short quiet window; the siblings of a long list reach their
// loaders over several milliseconds when the machine is busy, and a window
// alone then splits them into several queries. So whenever a set of
// districts or schools is fetched (a page, or a by-id batch), the keys that
// the operation's fields on those entities will ask for are enqueued at
// once, read from the query document (with variables resolved), before any
// sibling resolver runs, and the batch is sent at once: siblings then find
// their keys fetched or in flight.

// InstallPrefetch wires the prefetch hooks into the request's loaders. Call
// it once per operation, with the operation's context.
func InstallPrefetch(ctx context.Context) {
	l := loaders.For(ctx)
	// Every series needs the span of years with data: when the operation asks
	// for one, fetch it now, in parallel with the root fields.
	for _, typ := range []string{"State", "District", "School"} {
		if len(selectedArgs(ctx, typ, "leadership")) > 0 || slices.ContainsFunc(metricFields[typ], func(f string) bool {
			return len(selectedArgs(ctx, typ, f)) > 0
		}) {
			go func() { _, _ = l.DataYears(ctx) }()
			break
		}
	}
	l.DistrictsOfState.OnFetch(func(ctx context.Context, pages map[loaders.DistrictPageKey][]warehouse.District) {
		var ids []string
		for _, page := range pages {
			for _, d := range page {
				ids = append(ids, d.ID)
			}
		}
		prefetchDistricts(ctx, ids)
	})
	l.DistrictByID.OnFetch(func(ctx context.Context, found map[string]warehouse.District) {
		prefetchDistricts(ctx, keysOf(found))
	})
	l.SchoolsOfDistrict.OnFetch(func(ctx context.Context, pages map[loaders.SchoolPageKey][]warehouse.School) {
		var ids []string
		for _, page := range pages {
			for _, s := range page {
				ids = append(ids, s.ID)
			}
		}
		prefetchSchools(ctx, ids)
	})
	l.SchoolByID.OnFetch(func(ctx context.Context, found map[string]warehouse.School) {
		prefetchSchools(ctx, keysOf(found))
	})
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// prefetchStates enqueues the loader keys of State fields the operation
// selects, for these states.
func prefetchStates(ctx context.Context, codes []string) {
	if len(codes) == 0 || !graphql.HasOperationContext(ctx) {
		return
	}
	l := loaders.For(ctx)
	prefetchLeadership(ctx, "State", metrics.DimState, codes)
	prefetchMetrics(ctx, "State", metrics.DimState, codes)
	for _, args := range selectedArgs(ctx, "State", "districts") {
		f, err := districtFilter(leaTypeArg(args), stringArg(args, "search"))
		if err != nil {
			continue
		}
		p, err := pageArgs("district", intArg(args, "first"), stringArg(args, "after"))
		if err != nil {
			continue
		}
		for _, code := range codes {
			l.DistrictsOfState.Enqueue(ctx, districtPageKey(code, f, p))
		}
	}
	l.Metrics.Dispatch()
	l.DistrictsOfState.Dispatch()
}

func leaTypeArg(args map[string]any) *model.LeaType {
	s := stringArg(args, "type")
	if s == nil {
		return nil
	}
	t := model.LeaType(*s)
	return &t
}

// prefetchDistricts enqueues the loader keys of District fields the
// operation selects, for these districts.
func prefetchDistricts(ctx context.Context, ids []string) {
	if len(ids) == 0 || !graphql.HasOperationContext(ctx) {
		return
	}
	l := loaders.For(ctx)
	prefetchLeadership(ctx, "District", metrics.DimDistrict, ids)
	prefetchMetrics(ctx, "District", metrics.DimDistrict, ids)
	for _, args := range selectedArgs(ctx, "District", "schools") {
		p, err := pageArgs("school", intArg(args, "first"), stringArg(args, "after"))
		if err != nil {
			continue // the resolver reports it
		}
		for _, id := range ids {
			l.SchoolsOfDistrict.Enqueue(ctx, schoolPageKey(id, p))
		}
	}
	l.Metrics.Dispatch()
	l.SchoolsOfDistrict.Dispatch()
}

// prefetchSchools enqueues the loader keys of School fields the operation
// selects, for these schools.
func prefetchSchools(ctx context.Context, ids []string) {
	if len(ids) == 0 || !graphql.HasOperationContext(ctx) {
		return
	}
	l := loaders.For(ctx)
	prefetchLeadership(ctx, "School", metrics.DimSchool, ids)
	prefetchMetrics(ctx, "School", metrics.DimSchool, ids)
	l.Metrics.Dispatch()
}

// prefetchLeadership enqueues the leadership series that the operation asks
// of typeName, for these entities of level.
func prefetchLeadership(ctx context.Context, typeName, level string, ids []string) {
	l := loaders.For(ctx)
	for _, args := range selectedArgs(ctx, typeName, "leadership") {
		var tier *model.Tier
		if s := stringArg(args, "tier"); s != nil {
			t := model.Tier(*s)
			tier = &t
		}
		shape, ok, err := leadershipShape(ctx, intArg(args, "from"), intArg(args, "to"), tier)
		if err != nil || !ok {
			continue // the resolver reports it
		}
		for _, id := range ids {
			l.Metrics.Enqueue(ctx, loaders.MetricKey{Level: level, ID: id, Shape: shape})
		}
	}
}

// selectedArgs returns the argument sets of every selection of field on
// type typeName anywhere in the operation.
func selectedArgs(ctx context.Context, typeName, field string) []map[string]any {
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return nil
	}
	var out []map[string]any
	seen := map[string]bool{}
	walked := map[string]bool{} // each fragment once: a spread twice adds no new argument set
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.Name == field && s.ObjectDefinition != nil && s.ObjectDefinition.Name == typeName {
					args := s.ArgumentMap(oc.Variables)
					sig, _ := json.Marshal(args)
					if !seen[string(sig)] {
						seen[string(sig)] = true
						out = append(out, args)
					}
				}
				walk(s.SelectionSet)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Definition != nil && !walked[s.Name] {
					walked[s.Name] = true
					walk(s.Definition.SelectionSet)
				}
			}
		}
	}
	walk(oc.Operation.SelectionSet)
	return out
}

func intArg(args map[string]any, name string) *int {
	var n int
	switch v := args[name].(type) {
	case int:
		n = v
	case int64:
		n = int(v)
	case float64:
		n = int(v)
	case json.Number:
		i, err := v.Int64()
		if err != nil {
			return nil
		}
		n = int(i)
	default:
		return nil
	}
	return &n
}

func stringArg(args map[string]any, name string) *string {
	switch v := args[name].(type) {
	case string:
		return &v
	case model.Tier:
		s := strings.ToUpper(string(v))
		return &s
	}
	return nil
}
