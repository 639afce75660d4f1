package dashboards

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
)

// Metrics runs catalog queries in the context's scope (*metrics.Engine).
type Metrics interface {
	Run(ctx context.Context, q metrics.Query) (*metrics.Result, error)
	DataYears(ctx context.Context) (first, last int, err error)
}

// Places are the names and goals the pages show (*warehouse.DB); every
// list is read in the context's scope.
type Places interface {
	States(ctx context.Context) ([]warehouse.State, error)
	DistrictsByID(ctx context.Context, ids []string) ([]warehouse.District, error)
	SchoolsByID(ctx context.Context, ids []string) ([]warehouse.School, error)
	Districts(ctx context.Context, f warehouse.DistrictFilter, after *warehouse.Keyset, limit int) ([]warehouse.District, error)
	SchoolsPerDistrict(ctx context.Context, leaIDs []string, after *warehouse.Keyset, limit int) (map[string][]warehouse.School, error)
	ListGoals(ctx context.Context, includeArchived bool) ([]warehouse.Goal, error)
	// LastLoads is when each table was last loaded (the data's date).
	LastLoads(ctx context.Context) (map[string]time.Time, error)
}

// maxListed caps the districts or schools one page lists.
const maxListed = 2000

// result reads a catalog result by measure name and by the first
// dimension's value.
type result struct {
	res  *metrics.Result
	rows map[string]metrics.Row
}

func newResult(res *metrics.Result) result {
	r := result{res: res, rows: map[string]metrics.Row{}}
	for _, row := range res.Rows {
		if len(row.Dims) > 0 {
			r.rows[row.Dims[0]] = row
		}
	}
	return r
}

// at is the figure of measure m in the row whose first dimension is key
// ("" for a result without dimensions: its only row).
func (r result) at(key, m string) figure {
	unit := metrics.UnitCount
	if def, ok := metrics.LookupMeasure(m); ok {
		unit = def.Unit
	}
	var row metrics.Row
	if key == "" {
		if len(r.res.Rows) > 0 {
			row = r.res.Rows[0]
		}
	} else {
		row = r.rows[key]
	}
	i := slices.Index(r.res.Measures, m)
	if i < 0 || i >= len(row.Values) {
		return figure{unit: unit}
	}
	return figure{v: row.Values[i], unit: unit}
}

// keys are the first dimension's values in result order.
func (r result) keys() []string {
	out := make([]string, 0, len(r.res.Rows))
	for _, row := range r.res.Rows {
		if len(row.Dims) > 0 {
			out = append(out, row.Dims[0])
		}
	}
	return out
}

// has says whether some row has a non-zero, or hidden, value of m.
func (r result) has(m string) bool {
	for _, k := range r.keys() {
		f := r.at(k, m)
		if f.v.Suppressed != "" || (f.v.V != nil && *f.v.V != 0) {
			return true
		}
	}
	if len(r.res.Dimensions) == 0 {
		f := r.at("", m)
		return f.v.Suppressed != "" || (f.v.V != nil && *f.v.V != 0)
	}
	return false
}

// yearsOf lists the school years from..to as result keys (fall years).
func yearsOf(from, to int) (keys []string) {
	for y := from; y <= to; y++ {
		keys = append(keys, strconv.Itoa(y))
	}
	return keys
}

// yearLabels names the school years from..to as axes, tooltips, tables and
// CSVs name them (2024-25).
func yearLabels(t text, from, to int) (labels []string) {
	for y := from; y <= to; y++ {
		labels = append(labels, t.schoolYear(y))
	}
	return labels
}

// place is the entity a page is about: a state, a district or a school
// (level is the catalog dimension that filters it), or everything.
type place struct {
	level, id, name string
}

func (p place) filters() []metrics.Filter {
	if p.level == "" {
		return nil
	}
	return []metrics.Filter{{Dimension: p.level, In: []string{p.id}}}
}

// withTier adds the tier filter to a query of leader measures.
func withTier(fs []metrics.Filter, tier string) []metrics.Filter {
	if tier == "" {
		return fs
	}
	return append(slices.Clone(fs), metrics.Filter{Dimension: metrics.DimTier, In: []string{tier}})
}
