package metrics

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/scope"
	"github.com/camino-edu/camino/internal/warehouse"
)

// Engine runs catalog queries against the warehouse.
type Engine struct {
	db *warehouse.DB
	// factsOnly compiles every query against the fact tables, never a
	// rollup (the reference the rollups are tested and benchmarked against).
	factsOnly bool

	mu      sync.Mutex
	info    warehouseInfo
	fetched time.Time
}

// warehouseInfo is what compiling needs to know about the data: the ladder
// and the span of school years with data.
type warehouseInfo struct {
	ladder      warehouse.Ladder
	first, last int
	version     uint64 // the data version the years were read at
}

// infoTTL bounds how long the ladder is cached; the data years are read
// again whenever the data version moves.
const infoTTL = 5 * time.Second

// NewEngine returns an engine over db.
func NewEngine(db *warehouse.DB) *Engine { return &Engine{db: db} }

// FactsOnly returns an engine over the same warehouse that reads the fact
// tables only.
func (e *Engine) FactsOnly() *Engine { return &Engine{db: e.db, factsOnly: true} }

// Refresh forgets the cached ladder and data years.
func (e *Engine) Refresh() {
	e.mu.Lock()
	e.fetched = time.Time{}
	e.mu.Unlock()
}

func (e *Engine) warehouseInfo(ctx context.Context) (warehouseInfo, error) {
	snap, err := e.db.SnapshotFor(ctx)
	if err != nil {
		return warehouseInfo{}, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if time.Since(e.fetched) < infoTTL && e.info.version == snap.Version() {
		return e.info, nil
	}
	l, err := e.db.Ladder(ctx)
	if err != nil {
		return warehouseInfo{}, err
	}
	first, last, ok, err := e.db.DataYears(ctx)
	if err != nil {
		return warehouseInfo{}, err
	}
	if !ok {
		first, last = 0, 0
	}
	e.info, e.fetched = warehouseInfo{ladder: l, first: first, last: last, version: snap.Version()}, time.Now()
	return e.info, nil
}

// DataYears returns the first and last school year with data (0, 0 when
// the warehouse is empty).
func (e *Engine) DataYears(ctx context.Context) (first, last int, err error) {
	info, err := e.warehouseInfo(ctx)
	return info.first, info.last, err
}

// Compile validates q and returns the SQL it would run, without running it.
func (e *Engine) Compile(ctx context.Context, q Query) (*Result, error) {
	c, comp, err := e.compile(ctx, q)
	if err != nil {
		return nil, err
	}
	return &Result{Dimensions: c.q.Dimensions, Measures: c.q.Measures, SQL: comp.text.sql, Args: comp.text.args,
		Sources: comp.sources, Description: c.description()}, nil
}

func (e *Engine) compile(ctx context.Context, q Query) (*compiler, compiled, error) {
	info, err := e.warehouseInfo(ctx)
	if err != nil {
		return nil, compiled{}, err
	}
	if info.last == 0 && (q.From == 0 || q.To == 0) {
		return nil, compiled{}, apperr.Errorf(apperr.NotFound, "the warehouse has no data yet: load staffing files first")
	}
	snap, err := e.db.SnapshotFor(ctx)
	if err != nil {
		return nil, compiled{}, err
	}
	c := &compiler{db: e.db, ladder: info.ladder, firstYear: info.first, lastYear: info.last, facts: e.factsOnly,
		scope: scope.From(ctx), marker: warehouse.ScopeMarker(ctx), q: q, snap: snap}
	if err := c.validate(); err != nil {
		return nil, compiled{}, err
	}
	comp, err := c.compile()
	return c, comp, err
}

// Run computes q.
func (e *Engine) Run(ctx context.Context, q Query) (*Result, error) {
	c, comp, err := e.compile(ctx, q)
	if err != nil {
		return nil, err
	}
	res := &Result{Dimensions: c.q.Dimensions, Measures: c.q.Measures, SQL: comp.text.sql, Args: comp.text.args,
		Sources: comp.sources, Description: c.description()}
	nd, nm, nb := len(c.q.Dimensions), len(c.q.Measures), len(comp.bases)
	dest := make([]any, nd+2*nm+nb)
	strs := make([]string, nd)
	nums := make([]float64, 2*nm+nb)
	for i := range strs {
		dest[i] = &strs[i]
	}
	for i := range nums {
		dest[nd+i] = &nums[i]
	}
	before, err := e.db.Select(ctx, "metrics", comp.text.sql, comp.text.args, func(r driver.Rows) error {
		if err := r.Scan(dest...); err != nil {
			return err
		}
		row := Row{Dims: append([]string(nil), strs...), Values: make([]Value, nm)}
		for i := range nm {
			row.Values[i] = Value{V: finite(nums[2*i]), UnknownShare: finite(nums[2*i+1])}
		}
		if nb > 0 {
			row.bases = append([]float64(nil), nums[2*nm:]...)
		}
		res.Rows = append(res.Rows, row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.TotalCount = max(int(before), len(res.Rows))
	if c.suppressed() {
		suppress(res, c.q, c.measures, comp.bases, c.scope.SuppressBelow)
	}
	return res, nil
}

// finite is v, or nil when v is nan or infinite (undefined).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// roleLike is what a role value may look like (the ladder is configurable).
var roleLike = regexp.MustCompile(`^[a-z_]{1,40}$`)

// echo writes filter values for the description. A request bound to some
// districts gets back only values that name what it may see (its
// districts, their schools, its states, a dimension's known values): a
// partner who sends another district's id or name in a filter does not see
// it written into the answer, only how many such values there were.
func (c *compiler) echo(dim string, vals []string) string {
	if !c.scope.Restricted() {
		return strings.Join(vals, ", ")
	}
	d, _ := LookupDimension(dim)
	var shown []string
	other := 0
	for _, v := range vals {
		ok := false
		switch {
		case dim == DimDistrict:
			ok = slices.Contains(c.scope.Districts, v)
		case dim == DimSchool:
			ok = len(v) == 12 && slices.Contains(c.scope.Districts, v[:7])
		case dim == DimState:
			ok = slices.Contains(c.scope.States, v)
		case dim == DimSchoolYear:
			_, err := strconv.Atoi(v)
			ok = err == nil && len(v) == 4
		case d.Values != nil:
			ok = slices.Contains(d.Values, v)
		case dim == DimRole || dim == DimNextRole:
			ok = roleLike.MatchString(v)
		}
		if ok {
			shown = append(shown, v)
		} else {
			other++
		}
	}
	if other > 0 {
		shown = append(shown, fmt.Sprintf("%d value(s) outside your scope", other))
	}
	return strings.Join(shown, ", ")
}

// description says what was computed, in words.
func (c *compiler) description() string {
	q := c.q
	var b strings.Builder
	years := fmt.Sprintf("school years %d-%d", q.From, q.To)
	if q.From == q.To {
		years = fmt.Sprintf("school year %d-%02d", q.From, (q.From+1)%100)
	}
	fmt.Fprintf(&b, "%s for %s", strings.Join(q.Measures, ", "), years)
	if len(q.Dimensions) > 0 {
		fmt.Fprintf(&b, ", by %s", strings.Join(q.Dimensions, ", "))
	}
	for _, f := range q.Filters {
		var parts []string
		if f.In != nil {
			parts = append(parts, "in ["+c.echo(f.Dimension, f.In)+"]")
		}
		if len(f.NotIn) > 0 {
			parts = append(parts, "not in ["+c.echo(f.Dimension, f.NotIn)+"]")
		}
		if f.Min != nil {
			parts = append(parts, "≥ "+c.echo(f.Dimension, []string{*f.Min}))
		}
		if f.Max != nil {
			parts = append(parts, "≤ "+c.echo(f.Dimension, []string{*f.Max}))
		}
		fmt.Fprintf(&b, "; %s %s", f.Dimension, strings.Join(parts, " and "))
	}
	for _, h := range q.Having {
		fmt.Fprintf(&b, "; only rows where %s %s %g", h.Measure, opSQL[h.Op], h.Value)
	}
	b.WriteString(". ")
	for _, m := range c.measures {
		b.WriteString(m.Name + ": " + m.Description + " ")
	}
	return strings.TrimSpace(b.String())
}
