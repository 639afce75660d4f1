package metrics

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/scope"
	"github.com/camino-edu/camino/internal/warehouse"
)

// compiler turns a validated query into one SELECT: a branch per source
// (each grouped by the query's dimensions, with every base aggregate of the
// query as a column, 0 where another source computes it), UNION ALL, summed
// by dimensions, then the measures' formulas over the bases, the measure
// filters, the order and the limit. Every value is bound; identifiers come
// from the catalog.
type compiler struct {
	db                  *warehouse.DB
	ladder              warehouse.Ladder
	firstYear, lastYear int
	// facts computes everything from the fact tables (no rollups): the
	// reference the rollups are tested against.
	facts bool
	// scope is what the request may see (see scopeFilters).
	scope scope.Scope
	// marker is the comment that tells the warehouse the scope was applied.
	marker string
	// snap is the committed state every table is read in (one per request).
	snap *warehouse.Snapshot

	q        Query
	measures []Measure
	srcNames []string // the query's sources, sorted
	tables   []string
}

// placeLevelDims are the dimensions that single out districts or schools (or
// groups of them).
var placeLevelDims = []string{DimDistrict, DimSchool, DimSchoolLevel, DimLeaType, DimLocale}

// stateLevel reports whether the query asks only for state-level
// aggregates: nothing cut or filtered by district, school, school level,
// district type or locale. A restricted scope reads such a query over the
// whole of its own states (the comparison a partner may see); any other
// query reads only its districts.

// maxSpan is the most school years a query may span, less one: the span of
// the years a load may ever accept (1990-2100, internal/ingest).
const maxSpan = 2100 - 1990

func (c *compiler) stateLevel() bool {
	for _, d := range c.q.Dimensions {
		if slices.Contains(placeLevelDims, d) {
			return false
		}
	}
	for _, f := range c.q.Filters {
		if slices.Contains(placeLevelDims, f.Dimension) {
			return false
		}
	}
	return true
}

// suppressed reports whether the query's figures are small-cell suppressed:
// published output (audience Public), and a partner's figures about others
// (audience Own): its states' aggregates, and comparisons pooled over other
// districts. A partner's own districts and schools are read in full.
func (c *compiler) suppressed() bool {
	if c.scope.SuppressBelow <= 0 {
		return false
	}
	switch c.scope.Audience() {
	case scope.Public:
		return true
	case scope.Own:
		return c.stateLevel() || c.q.Comparison
	}
	return false
}

// checkPooling refuses, in suppressed output, a filter that pools a group
// of its own choosing: one that keeps several values (or all but some, or
// a range) of a dimension the rows are not cut by. Such a group's total
// less a published part is a hidden cell (the state less every district
// but one is that district), so suppressed output filters only to one
// value of a dimension, as a published table would; several values of a
// dimension the query is cut by are rows of their own, and pool nothing.
// The engine's own comparisons (peers) pool a set the reader does not
// choose.
func (c *compiler) checkPooling() error {
	if c.q.Comparison {
		return nil
	}
	for _, f := range c.q.Filters {
		if slices.Contains(c.q.Dimensions, f.Dimension) {
			continue
		}
		if len(f.NotIn) > 0 || f.Min != nil || f.Max != nil || len(f.In) > 1 {
			return invalid("filter on %s: when small cells are suppressed (public output, a partner's figures about others) "+
				"a filter keeps one value of a dimension, or the query is cut by the dimension (add %s to dimensions): "+
				"a total pooled over several values, less a published part, would give a hidden cell away", f.Dimension, f.Dimension)
		}
	}
	return nil
}

func (c *compiler) table(name string) string {
	c.tables = append(c.tables, name)
	return c.db.Table(name)
}

// live is the condition selecting the live rows of a versioned table in
// the query's snapshot (docs/loads.md).
func (c *compiler) live(name string) string { return c.snap.Live(name) }

// invalid is a query error for the client.
func invalid(format string, args ...any) error { return apperr.Errorf(apperr.Invalid, format, args...) }

// validate checks names and combinations and fills defaults.
func (c *compiler) validate() error {
	q := &c.q
	if len(q.Measures) == 0 {
		return invalid("ask for at least one measure")
	}
	if len(q.Measures) > 30 || len(q.Dimensions) > 8 || len(q.Filters) > 30 || len(q.Having) > 30 || len(q.OrderBy) > 10 {
		return invalid("too many measures (max 30), dimensions (max 8), filters (max 30) or orderings (max 10)")
	}
	if c.suppressed() {
		// A measure filter or sort would tell what a hidden value is.
		if len(q.Having) > 0 || slices.ContainsFunc(q.OrderBy, func(o Order) bool { return o.Measure != "" }) {
			return invalid("filtering or sorting by a measure is not available when small cells are suppressed " +
				"(partner keys and public output): sort and filter the returned rows instead")
		}
		if err := c.checkPooling(); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, name := range q.Measures {
		m, ok := LookupMeasure(name)
		if !ok {
			return invalid("unknown measure %q", name)
		}
		if seen[name] {
			return invalid("measure %q is asked twice", name)
		}
		seen[name] = true
		c.measures = append(c.measures, m)
	}
	for i, d := range q.Dimensions {
		if _, ok := LookupDimension(d); !ok {
			return invalid("unknown dimension %q", d)
		}
		if slices.Contains(q.Dimensions[:i], d) {
			return invalid("dimension %q is asked twice", d)
		}
		for _, m := range c.measures {
			if !m.AllowsDimension(d) {
				return invalid("measure %s cannot be cut by %s (it can be cut by: %s)", m.Name, d, strings.Join(m.Dimensions, ", "))
			}
		}
	}
	if q.From == 0 {
		q.From = c.firstYear
	}
	if q.To == 0 {
		q.To = c.lastYear
	}
	if q.From < 1900 || q.To > 2200 || q.From > q.To {
		return invalid("school years must satisfy 1900 ≤ from ≤ to ≤ 2200 (got from %d, to %d)", q.From, q.To)
	}
	// Every span the loads can hold (school years 1990-2100) answers, however
	// sparse its years: the default span is the data's first to last year.
	if q.To-q.From > maxSpan {
		return invalid("a query spans at most %d school years", maxSpan+1)
	}
	byYear := slices.Contains(q.Dimensions, DimSchoolYear)
	for _, m := range c.measures {
		for _, r := range m.Requires {
			if !slices.Contains(q.Dimensions, r) {
				return invalid("measure %s needs the %s dimension", m.Name, r)
			}
		}
		if m.Stock && !byYear && q.From != q.To {
			return invalid("measure %s is a count at one school year: add the school_year dimension or set from = to", m.Name)
		}
		if m.Span && q.From == q.To {
			return invalid("measure %s compares two school years: set from < to", m.Name)
		}
	}
	for _, f := range q.Filters {
		if err := c.validateFilter(f); err != nil {
			return err
		}
	}
	for _, h := range q.Having {
		if !seen[h.Measure] {
			return invalid("a measure filter names %q, which the query does not ask for", h.Measure)
		}
		if opSQL[h.Op] == "" {
			return invalid("unknown comparison %q (use eq, ne, gt, gte, lt, lte)", h.Op)
		}
		if math.IsNaN(h.Value) || math.IsInf(h.Value, 0) {
			return invalid("a measure filter on %s compares with a value that is not a number", h.Measure)
		}
	}
	for _, o := range q.OrderBy {
		switch {
		case o.Measure != "" && o.Dimension != "":
			return invalid("an ordering names a measure or a dimension, not both")
		case o.Measure != "" && !seen[o.Measure]:
			return invalid("cannot order by %q: the query does not ask for it", o.Measure)
		case o.Dimension != "" && !slices.Contains(q.Dimensions, o.Dimension):
			return invalid("cannot order by dimension %q: the query is not cut by it", o.Dimension)
		case o.Measure == "" && o.Dimension == "":
			return invalid("an ordering names neither a measure nor a dimension")
		}
	}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 0 || q.Limit > MaxLimit:
		return invalid("limit must be between 1 and %d (got %d)", MaxLimit, q.Limit)
	}
	return nil
}

func (c *compiler) validateFilter(f Filter) error {
	d, ok := LookupDimension(f.Dimension)
	if !ok {
		return invalid("unknown filter dimension %q", f.Dimension)
	}
	if f.In != nil && len(f.In) == 0 {
		return invalid("the filter on %s has an empty `in` list, which matches nothing", f.Dimension)
	}
	if len(f.In) == 0 && len(f.NotIn) == 0 && f.Min == nil && f.Max == nil {
		return invalid("the filter on %s has no condition (in, notIn, min or max)", f.Dimension)
	}
	if len(f.In)+len(f.NotIn) > 10_000 {
		return invalid("the filter on %s lists more than 10,000 values", f.Dimension)
	}
	if (f.Min != nil || f.Max != nil) && !d.Ordered {
		return invalid("dimension %s is not ordered: filter it with in or notIn", f.Dimension)
	}
	for _, v := range slices.Concat(f.In, f.NotIn) {
		if len(v) > 200 {
			return invalid("a %s filter value is longer than 200 characters", f.Dimension)
		}
	}
	switch f.Dimension {
	case DimSchoolYear:
		for _, v := range slices.Concat(f.In, f.NotIn, ptrs(f.Min, f.Max)) {
			if _, err := strconv.ParseUint(v, 10, 16); err != nil {
				return invalid("school_year filter value %q is not a year", v)
			}
		}
	case DimRole:
		for _, v := range ptrs(f.Min, f.Max) {
			if !slices.Contains(c.ladder.Codes, v) {
				return invalid("role %q is not on the ladder (%s)", v, strings.Join(c.ladder.Codes, ", "))
			}
		}
	}
	for _, m := range c.measures {
		if !slices.ContainsFunc(measureSources(m), func(s *source) bool { return slices.Contains(factsDims(s), f.Dimension) }) {
			return invalid("measure %s cannot be filtered by %s", m.Name, f.Dimension)
		}
	}
	return nil
}

func ptrs(ps ...*string) []string {
	var out []string
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}

// measureSources lists the sources of a measure's bases.
func measureSources(m Measure) []*source {
	var out []*source
	for _, b := range m.bases {
		if s := baseSource[b]; !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// factsDims are the dimensions a source has at all (its facts variant,
// plus what joins add).
func factsDims(s *source) []string { return withJoins(s.variants[len(s.variants)-1].dims) }

// withJoins adds the dimensions a join with districts or schools gives.
func withJoins(dims []string) []string {
	out := slices.Clone(dims)
	if slices.Contains(dims, DimDistrict) {
		out = append(out, DimLeaType, DimLocale)
	}
	if slices.Contains(dims, DimSchool) {
		out = append(out, DimSchoolLevel)
	}
	return out
}

var opSQL = map[Op]string{OpEq: "=", OpNe: "!=", OpGt: ">", OpGte: ">=", OpLt: "<", OpLte: "<="}

// compiled is a query ready to run.
type compiled struct {
	text    sqlText
	sources []string
	// bases are the base columns after the measures (suppressed output).
	bases []string
}

func (c *compiler) compile() (compiled, error) {
	q := c.q
	// The bases every measure needs, grouped by source in catalog order.
	var bases []string
	var srcs []*source
	for _, m := range c.measures {
		for _, b := range m.bases {
			if !slices.Contains(bases, b) {
				bases = append(bases, b)
			}
			if s := baseSource[b]; !slices.Contains(srcs, s) {
				srcs = append(srcs, s)
			}
		}
	}
	sort.Strings(bases)
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].name < srcs[j].name })
	var presence []string
	for _, s := range srcs {
		presence = append(presence, "p_"+s.name)
		c.srcNames = append(c.srcNames, s.name)
	}
	var branches []sqlText
	for _, s := range srcs {
		b, err := c.branch(s, bases)
		if err != nil {
			return compiled{}, err
		}
		branches = append(branches, b)
	}
	// Sum the branches by dimension.
	dims := q.Dimensions
	sum := "SELECT " + dimSelect(dims, "d_")
	for _, b := range bases {
		sum += "sum(b_" + b + ") AS b_" + b + ", "
	}
	for _, p := range presence {
		sum += "max(" + p + ") AS " + p + ", "
	}
	union := text(strings.TrimSuffix(sum, ", ") + " FROM (")
	for i, b := range branches {
		if i > 0 {
			union = union.add(text(" UNION ALL "))
		}
		union = union.add(b)
	}
	union = union.add(text(")" + groupBy(dims)))
	// Formulas.
	sel := text("SELECT " + dimSelect(dims, "d_"))
	for i, m := range c.measures {
		expr, args := m.expr, []any(nil)
		if strings.Contains(expr, "{inv_span}") {
			if q.To == q.From {
				// One year: no rate of growth (CAGRDescription).
				expr = strings.ReplaceAll(expr, "{inv_span}", "nan")
			} else {
				expr = strings.ReplaceAll(expr, "{inv_span}", "?")
				args = append(args, 1/float64(q.To-q.From))
			}
		}
		// Undefined where a source it reads has no data in the cell (a year
		// before the staffing data begin is not zero leaders).
		var absent []string
		for _, src := range measureSources(m) {
			if !src.sparse {
				absent = append(absent, "p_"+src.name+" = 0")
			}
		}
		if len(absent) > 0 {
			expr = "if(" + strings.Join(absent, " OR ") + ", nan, " + expr + ")"
		}
		sel = sel.add(text(fmt.Sprintf("toFloat64(%s) AS m%d, ", expr, i), args...))
		if m.HasUnknownShare() {
			sel = sel.add(text(fmt.Sprintf("toFloat64(%s) AS u%d, ", share("b_"+m.unknown[0]+" - b_"+m.unknown[1], "b_"+m.unknown[0]), i)))
		} else {
			sel = sel.add(text(fmt.Sprintf("toFloat64(nan) AS u%d, ", i)))
		}
	}
	// Suppressed output needs the counts every measure is built on.
	var baseCols []string
	if c.suppressed() {
		for _, b := range bases {
			sel = sel.add(text("toFloat64(b_" + b + ") AS c_" + b + ", "))
			baseCols = append(baseCols, "c_"+b)
		}
	}
	sel.sql = strings.TrimSuffix(sel.sql, ", ")
	// A row where no source has data is no row (a query matching nothing
	// returns nothing, not zeros).
	sel = sel.add(text(", " + strings.Join(presence, " + ") + " AS present"))
	cols := strings.TrimSuffix(dimSelect(dims, "d_"), ", ")
	for i := range c.measures {
		if cols != "" {
			cols += ", "
		}
		cols += fmt.Sprintf("m%d, u%d", i, i)
	}
	for _, b := range baseCols {
		cols += ", " + b
	}
	out := text("SELECT " + cols + " FROM (").add(sel).add(text(" FROM (")).add(union).add(text(")) WHERE present > 0"))
	if c.scope.Restricted() {
		out = text(c.marker + " ").add(out)
	}
	// Measure filters: an undefined value (nan) never compares true.
	for _, h := range q.Having {
		idx := slices.Index(q.Measures, h.Measure)
		out = out.add(text(fmt.Sprintf(" AND m%d %s ?", idx, opSQL[h.Op]), h.Value))
	}
	out = out.add(c.orderBy())
	out = out.add(text(" LIMIT ?", q.Limit))
	tables := slices.Compact(slices.Sorted(slices.Values(c.tables)))
	return compiled{text: out, sources: tables, bases: bases[:len(baseCols)]}, nil
}

// orderBy sorts by the requested keys, then by every dimension in its
// natural order (years and ranks numerically), so results are stable.
// Undefined measure values (nan) sort last.
func (c *compiler) orderBy() sqlText {
	var keys []string
	var args []any
	dimKey := func(d string) (string, []any) {
		i := slices.Index(c.q.Dimensions, d)
		switch d {
		case DimSchoolYear:
			return "toUInt32OrZero(" + dimAlias(i) + ")", nil
		case DimRole, DimNextRole: // next_role 'none' last
			return "transform(" + dimAlias(i) + ", ?, ?, toInt8(127))", []any{c.ladder.Codes, c.ladder.Ranks}
		}
		return dimAlias(i), nil
	}
	for _, o := range c.q.OrderBy {
		dir := ""
		if o.Desc {
			dir = " DESC"
		}
		if o.Measure != "" {
			keys = append(keys, fmt.Sprintf("m%d%s", slices.Index(c.q.Measures, o.Measure), dir))
			continue
		}
		k, a := dimKey(o.Dimension)
		keys, args = append(keys, k+dir), append(args, a...)
	}
	for _, d := range c.q.Dimensions {
		k, a := dimKey(d)
		keys, args = append(keys, k), append(args, a...)
	}
	if len(keys) == 0 {
		return text("")
	}
	return text(" ORDER BY "+strings.Join(keys, ", "), args...)
}

// branch builds one source's part: its relation from the smallest variant
// that has every needed column, joined with districts or schools when a
// dimension needs it, filtered, grouped by the dimensions.
func (c *compiler) branch(s *source, bases []string) (sqlText, error) {
	q := c.q
	var filters []Filter
	needed := slices.Clone(q.Dimensions)
	for _, f := range q.Filters {
		if slices.Contains(factsDims(s), f.Dimension) {
			filters = append(filters, f)
			needed = append(needed, f.Dimension)
		}
	}
	v := s.variants[len(s.variants)-1]
	if !c.facts {
		for _, cand := range s.variants {
			if !slices.ContainsFunc(needed, func(d string) bool { return !slices.Contains(withJoins(cand.dims), d) }) {
				v = cand
				break
			}
		}
	}
	lo, hi := s.years(q.From, q.To)
	var p pushdown
	for _, f := range filters {
		set := filterSet{notIn: nonEmpty(f.NotIn)}
		if f.In != nil {
			set.in = [][]string{f.In}
		}
		switch f.Dimension {
		case DimState:
			p.state = merge(p.state, set)
		case DimDistrict:
			p.district = merge(p.district, set)
		case DimSchool:
			p.school = merge(p.school, set)
		}
	}
	if c.scope.Restricted() {
		if c.stateLevel() || c.q.Comparison {
			p.state = merge(p.state, filterSet{in: [][]string{c.scope.States}})
		} else {
			p.district = merge(p.district, filterSet{in: [][]string{c.scope.Districts}})
		}
	}
	// Tables are ordered by (state_code, lea_id, school_id): a district or
	// school filter alone would scan every state. Add the key prefixes of
	// those ids, looked up in the dimension tables.
	for _, ids := range p.school.in {
		if len(ids) == 0 {
			continue // matches nothing already
		}
		p.districtKeys = append(p.districtKeys, text("(state_code, lea_id) IN (SELECT state_code, lea_id FROM "+
			c.table("schools")+" FINAL WHERE school_id IN (SELECT arrayJoin(?)))", ids))
		p.schoolKeys = append(p.schoolKeys, text("(state_code, lea_id, school_id) IN (SELECT state_code, lea_id, school_id FROM "+
			c.table("schools")+" FINAL WHERE school_id IN (SELECT arrayJoin(?)))", ids))
	}
	for _, ids := range p.district.in {
		if len(ids) == 0 {
			continue
		}
		p.districtKeys = append(p.districtKeys, text("(state_code, lea_id) IN (SELECT state_code, lea_id FROM "+
			c.table("districts")+" FINAL WHERE lea_id IN (SELECT arrayJoin(?)))", ids))
	}
	rel := v.rel(c, lo, hi, p)
	if slices.ContainsFunc(needed, func(d string) bool { return d == DimLeaType || d == DimLocale }) {
		rel = text("SELECT * FROM (").add(rel).add(text(") ANY LEFT JOIN (SELECT lea_id, toString(lea_type) AS lea_type, " +
			"toString(locale) AS locale FROM " + c.table("districts") + " FINAL) USING lea_id"))
	}
	if slices.Contains(needed, DimSchoolLevel) {
		rel = text("SELECT * FROM (").add(rel).add(text(") ANY LEFT JOIN (SELECT school_id, toString(level) AS school_level FROM " +
			c.table("schools") + " FINAL WHERE school_id != '') USING school_id"))
	}
	where, err := c.where(filters)
	if err != nil {
		return sqlText{}, err
	}
	for _, d := range slices.Compact(slices.Sorted(slices.Values(needed))) {
		if cond := dimRows[d]; cond != "" {
			where = where.add(text(" AND " + cond))
		}
	}
	rel = text("SELECT * FROM (").add(rel).add(text(") WHERE ")).add(where)
	if s.branch != nil {
		return s.branch(c, rel, q.Dimensions, bases), nil
	}
	from := text("SELECT *, " + strings.TrimSuffix(dimSelect(q.Dimensions, ""), ", ") + " FROM (")
	if len(q.Dimensions) == 0 {
		from = text("SELECT * FROM (")
	}
	return c.aggregate(from.add(rel).add(text(")")), q.Dimensions, bases, s.bases, s.name), nil
}

func nonEmpty(v []string) [][]string {
	if len(v) == 0 {
		return nil
	}
	return [][]string{v}
}

func merge(a, b filterSet) filterSet {
	return filterSet{in: append(a.in, b.in...), notIn: append(a.notIn, b.notIn...)}
}

// where is every filter as a condition over the relation's columns.
func (c *compiler) where(filters []Filter) (sqlText, error) {
	w := text("1")
	for _, f := range filters {
		col := dimColumn[f.Dimension]
		if f.Dimension == DimSchoolLevel {
			col = "if(school_level = '', 'none', school_level)"
		}
		set := filterSet{in: nonEmpty(f.In), notIn: nonEmpty(f.NotIn)}
		if f.Dimension == DimSchoolYear {
			// Years compare as numbers.
			toInts := func(vs []string) []uint16 {
				out := make([]uint16, 0, len(vs))
				for _, v := range vs {
					n, _ := strconv.ParseUint(v, 10, 16)
					out = append(out, uint16(n))
				}
				return out
			}
			if f.In != nil {
				w = w.add(text(" AND school_year IN (SELECT arrayJoin(?))", toInts(f.In)))
			}
			if len(f.NotIn) > 0 {
				w = w.add(text(" AND school_year NOT IN (SELECT arrayJoin(?))", toInts(f.NotIn)))
			}
		} else {
			w = w.add(text(" AND ")).add(set.cond(col))
		}
		for _, bound := range []struct {
			v  *string
			op string
		}{{f.Min, ">="}, {f.Max, "<="}} {
			if bound.v == nil {
				continue
			}
			switch f.Dimension {
			case DimSchoolYear:
				n, _ := strconv.ParseUint(*bound.v, 10, 16)
				w = w.add(text(" AND school_year "+bound.op+" ?", uint16(n)))
			case DimRole:
				rank := c.ladder.Ranks[slices.Index(c.ladder.Codes, *bound.v)]
				w = w.add(text(" AND rank "+bound.op+" ?", rank))
			}
		}
	}
	return w, nil
}

// aggregate groups from (which has the dimension columns d00, d01, ...) by
// the dimensions, with a column for every base of the query: the source's
// own aggregate, or 0.
func (c *compiler) aggregate(from sqlText, dims, bases []string, aggs map[string]string, name string) sqlText {
	sel := "SELECT " + dimSelect(dims, "d_")
	var args []any
	for _, b := range bases {
		agg, ok := aggs[b]
		if !ok {
			sel += "toFloat64(0) AS b_" + b + ", "
			continue
		}
		for strings.Contains(agg, "{from}") || strings.Contains(agg, "{to}") {
			// Bound in text order: {from} and {to} each appear once.
			if i, j := strings.Index(agg, "{from}"), strings.Index(agg, "{to}"); j < 0 || (i >= 0 && i < j) {
				agg, args = strings.Replace(agg, "{from}", "?", 1), append(args, uint16(c.q.From))
			} else {
				agg, args = strings.Replace(agg, "{to}", "?", 1), append(args, uint16(c.q.To))
			}
		}
		sel += "toFloat64(" + agg + ") AS b_" + b + ", "
	}
	return text(sel+c.presence(name), args...).add(text(" FROM (")).add(from).add(text(")" + groupBy(dims)))
}

// presence lists p_<source> columns: 1 for this branch's source.
func (c *compiler) presence(name string) string {
	var parts []string
	for _, s := range c.srcNames {
		v := "0"
		if s == name {
			v = "count() > 0" // an aggregate of no rows is still a row
		}
		parts = append(parts, "toUInt8("+v+") AS p_"+s)
	}
	return strings.Join(parts, ", ")
}
