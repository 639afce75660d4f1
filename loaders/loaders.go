package loaders

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
)

// MetricsRunner runs catalog queries. *metrics.Engine implements it.
type MetricsRunner interface {
	Run(ctx context.Context, q metrics.Query) (*metrics.Result, error)
}

// MetricKey asks for one entity's rows of a catalog query: Level is the
// dimension that names the entity (state, district or school), ID its id,
// and Shape the rest of the query. Keys that differ only in ID are one SQL
// query: the entity dimension leads, filtered to the batch's ids.
type MetricKey struct {
	Level, ID string
	Shape     MetricShape
}

// MetricShape is a catalog query without its entity (comparable, so it can
// key a loader): names joined with commas.
type MetricShape struct {
	Measures, Dimensions string
	From, To             int
	Tier                 string // "" for every tier
	Member               string // "yes" (members) or "no" (non-members) in the year; "" for everyone
}

// Query is the shape's catalog query for these entities.
func (s MetricShape) Query(level string, ids []string) metrics.Query {
	q := metrics.Query{Measures: strings.Split(s.Measures, ","), Dimensions: []string{level},
		Filters: []metrics.Filter{{Dimension: level, In: ids}}, From: s.From, To: s.To, Limit: metrics.MaxLimit, Entity: level}
	if s.Dimensions != "" {
		q.Dimensions = append(q.Dimensions, strings.Split(s.Dimensions, ",")...)
	}
	if s.Tier != "" {
		q.Filters = append(q.Filters, metrics.Filter{Dimension: metrics.DimTier, In: []string{s.Tier}})
	}
	if s.Member != "" {
		q.Filters = append(q.Filters, metrics.Filter{Dimension: metrics.DimMember, In: []string{s.Member}})
	}
	return q
}

// Source is what the loaders read: the warehouse's typed query functions.
type Source interface {
	StatesByCode(ctx context.Context, codes []string) ([]warehouse.State, error)
	DistrictsByID(ctx context.Context, ids []string) ([]warehouse.District, error)
	SchoolsByID(ctx context.Context, ids []string) ([]warehouse.School, error)
	DistrictsPerState(ctx context.Context, f warehouse.DistrictFilter, after *warehouse.Keyset, limit int) (map[string][]warehouse.District, error)
	CountDistricts(ctx context.Context, f warehouse.DistrictFilter) (map[string]int, error)
	SchoolsPerDistrict(ctx context.Context, leaIDs []string, after *warehouse.Keyset, limit int) (map[string][]warehouse.School, error)
	CountSchools(ctx context.Context, leaIDs []string) (map[string]int, error)
	DataYears(ctx context.Context) (first, last int, ok bool, err error)
}

const (
	idleWait = time.Millisecond
	maxWait  = 100 * time.Millisecond
	maxBatch = 1000
)

// DistrictPageKey asks for one state's page of districts.
type DistrictPageKey struct {
	StateCode    string
	Type, Search string
	After        warehouse.Keyset
	HasAfter     bool
	Limit        int
}

// DistrictCountKey asks for one state's number of matching districts.
type DistrictCountKey struct{ StateCode, Type, Search string }

// SchoolPageKey asks for one district's page of schools.
type SchoolPageKey struct {
	LeaID    string
	After    warehouse.Keyset
	HasAfter bool
	Limit    int
}

// Years is the span of school years with data.
type Years struct {
	First, Last int
	Any         bool
}

// Loaders are one request's loaders.
type Loaders struct {
	StateByCode       *Loader[string, warehouse.State]
	DistrictByID      *Loader[string, warehouse.District]
	SchoolByID        *Loader[string, warehouse.School]
	DistrictsOfState  *Loader[DistrictPageKey, []warehouse.District]
	DistrictCount     *Loader[DistrictCountKey, int]
	SchoolsOfDistrict *Loader[SchoolPageKey, []warehouse.School]
	SchoolCount       *Loader[string, int]
	// Metrics are catalog rows per entity, without the entity dimension.
	Metrics *Loader[MetricKey, []metrics.Row]

	years     func(context.Context) (Years, error)
	yearsOnce sync.Once
	yearsVal  Years
	yearsErr  error
}

// New builds a request's loaders over src and the metrics engine m.
func New(src Source, m MetricsRunner) *Loaders {
	l := &Loaders{
		StateByCode: NewLoader(func(ctx context.Context, codes []string) (map[string]warehouse.State, error) {
			list, err := src.StatesByCode(ctx, codes)
			return byKey(list, func(s warehouse.State) string { return s.Code }), err
		}),
		DistrictByID: NewLoader(func(ctx context.Context, ids []string) (map[string]warehouse.District, error) {
			list, err := src.DistrictsByID(ctx, ids)
			return byKey(list, func(d warehouse.District) string { return d.ID }), err
		}),
		SchoolByID: NewLoader(func(ctx context.Context, ids []string) (map[string]warehouse.School, error) {
			list, err := src.SchoolsByID(ctx, ids)
			return byKey(list, func(s warehouse.School) string { return s.ID }), err
		}),
		DistrictsOfState: NewLoader(func(ctx context.Context, keys []DistrictPageKey) (map[DistrictPageKey][]warehouse.District, error) {
			return fetchGrouped(ctx, keys,
				func(k DistrictPageKey) DistrictPageKey { k.StateCode = ""; return k },
				func(k DistrictPageKey) string { return k.StateCode },
				func(ctx context.Context, g DistrictPageKey, codes []string) (map[string][]warehouse.District, error) {
					return src.DistrictsPerState(ctx, warehouse.DistrictFilter{StateCodes: codes, Type: g.Type, Search: g.Search}, keyset(g.After, g.HasAfter), g.Limit)
				}, nil)
		}),
		// StateCode "" asks for the count across all states.
		DistrictCount: NewLoader(func(ctx context.Context, keys []DistrictCountKey) (map[DistrictCountKey]int, error) {
			return fetchGrouped(ctx, keys,
				func(k DistrictCountKey) DistrictCountKey { k.StateCode = ""; return k },
				func(k DistrictCountKey) string { return k.StateCode },
				func(ctx context.Context, g DistrictCountKey, codes []string) (map[string]int, error) {
					f := warehouse.DistrictFilter{StateCodes: codes, Type: g.Type, Search: g.Search}
					if slices.Contains(codes, "") {
						f.StateCodes = nil
					}
					return src.CountDistricts(ctx, f)
				}, 0)
		}),
		SchoolsOfDistrict: NewLoader(func(ctx context.Context, keys []SchoolPageKey) (map[SchoolPageKey][]warehouse.School, error) {
			return fetchGrouped(ctx, keys,
				func(k SchoolPageKey) SchoolPageKey { k.LeaID = ""; return k },
				func(k SchoolPageKey) string { return k.LeaID },
				func(ctx context.Context, g SchoolPageKey, ids []string) (map[string][]warehouse.School, error) {
					return src.SchoolsPerDistrict(ctx, ids, keyset(g.After, g.HasAfter), g.Limit)
				}, nil)
		}),
		SchoolCount: NewLoader(func(ctx context.Context, ids []string) (map[string]int, error) {
			m, err := src.CountSchools(ctx, ids)
			for _, id := range ids {
				if _, ok := m[id]; !ok && err == nil {
					m[id] = 0
				}
			}
			return m, err
		}),
	}
	l.Metrics = NewLoader(func(ctx context.Context, keys []MetricKey) (map[MetricKey][]metrics.Row, error) {
		return fetchGrouped(ctx, keys,
			func(k MetricKey) MetricKey { k.ID = ""; return k },
			func(k MetricKey) string { return k.ID },
			func(ctx context.Context, g MetricKey, ids []string) (map[string][]metrics.Row, error) {
				res, err := m.Run(ctx, g.Shape.Query(g.Level, ids))
				if err != nil {
					return nil, err
				}
				out := map[string][]metrics.Row{}
				for _, r := range res.Rows {
					out[r.Dims[0]] = append(out[r.Dims[0]], metrics.Row{Dims: r.Dims[1:], Values: r.Values})
				}
				return out, nil
			}, nil)
	})
	l.years = func(ctx context.Context) (Years, error) {
		// The engine caches the span of years for its own defaults: share it.
		if y, ok := m.(interface {
			DataYears(ctx context.Context) (first, last int, err error)
		}); ok {
			first, last, err := y.DataYears(ctx)
			return Years{First: first, Last: last, Any: last != 0}, err
		}
		first, last, ok, err := src.DataYears(ctx)
		return Years{First: first, Last: last, Any: ok}, err
	}
	return l
}

// DataYears returns the span of school years with data, fetched at most once
// per request.
func (l *Loaders) DataYears(ctx context.Context) (Years, error) {
	l.yearsOnce.Do(func() { l.yearsVal, l.yearsErr = l.years(ctx) })
	return l.yearsVal, l.yearsErr
}

func keyset(k warehouse.Keyset, ok bool) *warehouse.Keyset {
	if !ok {
		return nil
	}
	return &k
}

func byKey[V any](list []V, key func(V) string) map[string]V {
	m := make(map[string]V, len(list))
	for _, v := range list {
		m[key(v)] = v
	}
	return m
}

// fetchGrouped serves keys that differ only in an entity id with one query
// per group of otherwise equal keys (the same page size, filter, years...):
// in a list query every sibling asks with the same arguments, so that is one
// query. Entities with no rows get zero.
func fetchGrouped[K comparable, V any](ctx context.Context, keys []K, group func(K) K, id func(K) string,
	fetch func(ctx context.Context, g K, ids []string) (map[string]V, error), zero V) (map[K]V, error) {
	groups := map[K][]K{}
	var order []K
	for _, k := range keys {
		g := group(k)
		if _, ok := groups[g]; !ok {
			order = append(order, g)
		}
		groups[g] = append(groups[g], k)
	}
	out := make(map[K]V, len(keys))
	var errs []error
	for _, g := range order {
		members := groups[g]
		ids := make([]string, len(members))
		for i, k := range members {
			ids[i] = id(k)
		}
		m, err := fetch(ctx, g, ids)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, k := range members {
			if v, ok := m[id(k)]; ok {
				out[k] = v
			} else {
				out[k] = zero
			}
		}
	}
	return out, errors.Join(errs...)
}

type ctxKey struct{}

// For returns the request's loaders. It panics when Middleware did not run:
// that is a wiring bug, not a runtime condition.
func For(ctx context.Context) *Loaders {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		panic("loaders: no loaders in context; wrap the handler with loaders.Middleware")
	}
	return l
}

// With returns ctx carrying l (for callers outside HTTP, such as dashboards).
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// Middleware gives every request fresh loaders over src and m.
func Middleware(src Source, m MetricsRunner, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(With(r.Context(), New(src, m))))
	})
}
