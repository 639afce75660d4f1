package metrics

import "github.com/camino-edu/camino/internal/warehouse"

// Ladder is the pipeline ladder: role codes, ranks, tiers and leader flags
// in rank order.
type Ladder = warehouse.Ladder

// Query is an analyst's question: measures cut by dimensions over a span of
// school years, filtered, ordered and limited. Names are catalog names
// (Measure.Name, Dimension.Name); everything else is a bound value.
type Query struct {
	Measures   []string
	Dimensions []string
	// Filters restrict dimension values (applied before aggregation).
	Filters []Filter
	// Having restricts rows by measure values (applied after aggregation).
	Having []MeasureFilter
	// From and To are school years, inclusive (fall year: 2023 is 2023-24).
	// Zero means the first (last) school year with data.
	From, To int
	OrderBy  []Order
	// Limit caps the rows returned (0: DefaultLimit; at most MaxLimit).
	Limit int
	// Entity, when set, is the dimension naming the entity each row
	// belongs to (the district of a typed field), not a breakdown: small-cell
	// suppression protects each entity's breakdowns on their own.
	Entity string
	// Comparison marks a query that pools districts outside a partner's
	// own (its peers): under a partner's scope it reads the partner's
	// states rather than its districts, and is always answered suppressed,
	// as every figure a partner sees about others is. It widens nothing
	// for other audiences.
	Comparison bool
}

// Filter keeps rows whose dimension value is in In (when set), not in NotIn,
// and within [Min, Max] (when set; only ordered dimensions).
type Filter struct {
	Dimension string
	In        []string
	NotIn     []string
	Min, Max  *string
}

// Op compares a measure value with a number.
type Op string

const (
	OpEq  Op = "eq"
	OpNe  Op = "ne"
	OpGt  Op = "gt"
	OpGte Op = "gte"
	OpLt  Op = "lt"
	OpLte Op = "lte"
)

// MeasureFilter keeps rows whose measure value compares true with Value.
// A row whose measure is undefined (null) never passes.
type MeasureFilter struct {
	Measure string
	Op      Op
	Value   float64
}

// Order sorts by a measure or a dimension (exactly one of them set).
type Order struct {
	Measure   string
	Dimension string
	Desc      bool
}

const (
	// DefaultLimit is the row cap when a query sets none.
	DefaultLimit = 1000
	// MaxLimit is the most rows one query (or CSV export) returns.
	MaxLimit = 100_000
)

// Result is a computed table: one Row per combination of dimension values
// that has data, in the requested order.
type Result struct {
	// Dimensions and Measures name the columns, in the query's order.
	Dimensions []string
	Measures   []string
	Rows       []Row
	// TotalCount is the number of rows before Limit.
	TotalCount int
	// Description says in words what was computed (no SQL).
	Description string
	// SQL is the statement that ran, with ? for bound values, and Args the
	// values bound (for analysts and admins; never shown to other roles).
	SQL  string
	Args []any
	// Source names the tables read (e.g. "district_rollup").
	Sources []string
}

// Row is one combination of dimension values and its measure values.
type Row struct {
	Dims   []string
	Values []Value
	// bases are the row's base aggregates (people counts), aligned with
	// the compiled query's bases; read only to suppress small cells.
	bases []float64
}

// Value is a measure's value in a row. V is nil where the measure is
// undefined (a zero denominator, no data). For shares, UnknownShare is the
// share of the denominator's population whose ethnicity is unknown (the
// share is computed over people of known ethnicity).
type Value struct {
	V            *float64
	UnknownShare *float64
	// Suppressed, when not empty, says why V is null in suppressed output
	// (one of the Reason constants); Coded says V is a bound (a share near
	// 0 or 1: "at_most" or "at_least").
	Suppressed Reason
	Coded      Coding
}
