package graph

import (
	"context"
	"math"
	"strconv"
	"strings"

	"github.com/camino-edu/camino/graph/model"
	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/loaders"
)

// The typed fields (representation, pipeline, growth, promotions, members)
// are fixed catalog queries per entity. Each goes through the Metrics
// loader, so the siblings of a list (every district of a state) share one
// SQL query per query shape.

// entityRows returns one entity's rows of a query shape.
func entityRows(ctx context.Context, level, id string, shape loaders.MetricShape) ([]metrics.Row, error) {
	return loaders.For(ctx).Metrics.Load(ctx, loaders.MetricKey{Level: level, ID: id, Shape: shape})
}

// cells reads a row's values by measure name, noting in notes every field
// that small-cell suppression hid or coded.
type cells struct {
	names []string
	row   metrics.Row
	notes *[]model.Suppressed
}

func cellsOf(measures string, rows []metrics.Row, notes *[]model.Suppressed) cells {
	c := cells{names: strings.Split(measures, ","), notes: notes}
	if len(rows) > 0 {
		c.row = rows[0]
	}
	return c
}

func (c cells) value(name string) metrics.Value {
	for i, n := range c.names {
		if n == name && i < len(c.row.Values) {
			return c.row.Values[i]
		}
	}
	return metrics.Value{}
}

// f is the value of measure name for the GraphQL field.
func (c cells) f(field, name string) *float64 {
	v := c.value(name)
	noteValue(c.notes, field, v)
	return v.V
}

// unknown is the unknown-ethnicity part of share measure name for the
// GraphQL field: null, and listed, when suppression hid the share (it is
// built on the same counts).
func (c cells) unknown(field, name string) *float64 {
	v := c.value(name)
	if v.Suppressed != "" && v.UnknownShare == nil {
		noteValue(c.notes, field, v)
	}
	return v.UnknownShare
}

// n is a count for the field: 0 when there are no data, null when hidden.
func (c cells) n(field, name string) *int {
	v := c.value(name)
	noteValue(c.notes, field, v)
	if v.Suppressed != "" {
		return nil
	}
	n := count(v.V)
	return &n
}

// noteValue records why a field's value is hidden or a bound.
func noteValue(notes *[]model.Suppressed, field string, v metrics.Value) {
	if r := reasonOf(v); r != nil && notes != nil {
		*notes = append(*notes, model.Suppressed{Field: field, Reason: *r})
	}
}

// reasonOf is a value's suppression reason for GraphQL, or nil.
func reasonOf(v metrics.Value) *model.SuppressionReason {
	var r string
	switch {
	case v.Suppressed != "":
		r = string(v.Suppressed)
	case v.Coded != "":
		r = string(v.Coded)
	default:
		return nil
	}
	out := model.SuppressionReason(strings.ToUpper(r))
	return &out
}

func count(v *float64) int {
	if v == nil {
		return 0
	}
	return int(math.Round(*v))
}

// yearArg returns the year asked, or the last year with data.
func yearArg(ctx context.Context, year *int) (int, error) {
	years, err := loaders.For(ctx).DataYears(ctx)
	if err != nil {
		return 0, err
	}
	if year == nil {
		return years.Last, nil
	}
	if *year < minYear || *year > maxYear {
		return 0, apperr.Errorf(apperr.Invalid, "year: %d is not a school year between %d and %d", *year, minYear, maxYear)
	}
	return *year, nil
}

// spanArgs returns the years asked, defaulting to the span with data.
func spanArgs(ctx context.Context, from, to *int) (int, int, error) {
	years, err := loaders.For(ctx).DataYears(ctx)
	if err != nil {
		return 0, 0, err
	}
	lo, hi, err := yearSpan(years, from, to)
	if err == nil && lo > hi {
		err = apperr.Errorf(apperr.Invalid, "from (%d) is after to (%d): the data end in %d", lo, hi, years.Last)
	}
	return lo, hi, err
}

// withinData refuses a span reaching past the years the warehouse holds,
// naming them.
func withinData(ctx context.Context, lo, hi int) error {
	years, err := loaders.For(ctx).DataYears(ctx)
	switch {
	case err != nil:
		return err
	case !years.Any:
		return apperr.Errorf(apperr.NotFound, "the warehouse holds no data yet")
	case hi > years.Last:
		return apperr.Errorf(apperr.Invalid, "to: %d is after the last school year with data, %d (%d-%02d)", hi, years.Last, years.Last, (years.Last+1)%100)
	case lo < years.First:
		return apperr.Errorf(apperr.Invalid, "from: %d is before the first school year with data, %d (%d-%02d)", lo, years.First, years.First, (years.First+1)%100)
	}
	return nil
}

func tierName(t *model.Tier) string {
	if t == nil {
		return ""
	}
	return strings.ToLower(string(*t))
}

const (
	reprLeaderMeasures  = "leaders,latino_leaders,latino_leader_share,representation_index,representation_gap,latino_students_per_latino_leader"
	reprStudentMeasures = "students,latino_students,latino_student_share,schools_with_latino_leader,schools_with_latino_leader_share"
)

// metricArgs are a typed field's arguments (and, for members, whether
// its progression is selected: the flows are a query of their own).
type metricArgs struct {
	year, from, to *int
	tier           *model.Tier
	progression    bool
}

// shapesFor returns the catalog query shapes a typed field runs for its
// arguments, with the resolved year span: one definition for the resolver
// and for the prefetch that batches siblings.
func shapesFor(ctx context.Context, field string, a metricArgs) (shapes []loaders.MetricShape, lo, hi int, err error) {
	switch field {
	case "representation", "pipeline":
		y, err := yearArg(ctx, a.year)
		if err != nil {
			return nil, 0, 0, err
		}
		if field == "pipeline" {
			return []loaders.MetricShape{{Measures: pipelineMeasures, Dimensions: "role", From: y, To: y}}, y, y, nil
		}
		t := tierName(a.tier)
		if t == "" {
			// One query for both: the student measures take no tier filter.
			return []loaders.MetricShape{{Measures: reprLeaderMeasures + "," + reprStudentMeasures, From: y, To: y}}, y, y, nil
		}
		return []loaders.MetricShape{{Measures: reprLeaderMeasures, From: y, To: y, Tier: t},
			{Measures: reprStudentMeasures, From: y, To: y}}, y, y, nil
	}
	lo, hi, err = spanArgs(ctx, a.from, a.to)
	if err != nil {
		return nil, 0, 0, err
	}
	if field == "growth" || field == "members" {
		// A year without data has no figure: growth to it is not a fall
		// to zero, members in it are not counted.
		if err := withinData(ctx, lo, hi); err != nil {
			return nil, 0, 0, err
		}
	}
	switch field {
	case "growth":
		t := tierName(a.tier)
		shapes = []loaders.MetricShape{{Measures: "latino_leaders,yoy_growth", Dimensions: "school_year", From: lo, To: hi, Tier: t}}
		if lo < hi {
			shapes = append(shapes, loaders.MetricShape{Measures: "cagr", From: lo, To: hi, Tier: t})
		}
	case "promotions":
		shapes = []loaders.MetricShape{{Measures: promotionMeasures, From: lo, To: hi},
			{Measures: roleMeasures, Dimensions: "role", From: lo, To: hi}}
	case "members":
		shapes = []loaders.MetricShape{{Measures: memberYearMeasures, Dimensions: "school_year", From: lo, To: hi},
			{Measures: memberRateMeasures, From: lo, To: hi}}
		if a.progression {
			sh, ok, err := progressionShape(ctx, lo, hi)
			if err != nil {
				return nil, 0, 0, err
			}
			if ok {
				shapes = append(shapes, sh)
			}
		}
	}
	return shapes, lo, hi, nil
}

// shapeRows loads one entity's rows for each shape.
func shapeRows(ctx context.Context, level, id string, shapes []loaders.MetricShape) ([][]metrics.Row, error) {
	out := make([][]metrics.Row, len(shapes))
	for i, sh := range shapes {
		rows, err := entityRows(ctx, level, id, sh)
		if err != nil {
			return nil, err
		}
		out[i] = rows
	}
	return out, nil
}

func representation(ctx context.Context, level, id string, year *int, tier *model.Tier) (*model.Representation, error) {
	shapes, y, _, err := shapesFor(ctx, "representation", metricArgs{year: year, tier: tier})
	if err != nil {
		return nil, err
	}
	rows, err := shapeRows(ctx, level, id, shapes)
	if err != nil {
		return nil, err
	}
	notes := []model.Suppressed{}
	l := cellsOf(shapes[0].Measures, rows[0], &notes)
	st := l
	if len(shapes) > 1 {
		st = cellsOf(shapes[1].Measures, rows[1], &notes)
	}
	return representationOf(y, tier, l, st, &notes), nil
}

func representationOf(y int, tier *model.Tier, l, s cells, notes *[]model.Suppressed) *model.Representation {
	r := &model.Representation{
		SchoolYear: y, Tier: tier,
		Leaders: l.n("leaders", "leaders"), LatinoLeaders: l.n("latinoLeaders", "latino_leaders"),
		LatinoLeaderShare: l.f("latinoLeaderShare", "latino_leader_share"), UnknownEthnicityShare: l.unknown("unknownEthnicityShare", "latino_leader_share"),
		RepresentationIndex:           l.f("representationIndex", "representation_index"),
		RepresentationGap:             l.f("representationGap", "representation_gap"),
		LatinoStudentsPerLatinoLeader: l.f("latinoStudentsPerLatinoLeader", "latino_students_per_latino_leader"),
		Students:                      s.n("students", "students"), LatinoStudents: s.n("latinoStudents", "latino_students"),
		LatinoStudentShare:           s.f("latinoStudentShare", "latino_student_share"),
		SchoolsWithLatinoLeader:      s.n("schoolsWithLatinoLeader", "schools_with_latino_leader"),
		SchoolsWithLatinoLeaderShare: s.f("schoolsWithLatinoLeaderShare", "schools_with_latino_leader_share"),
	}
	r.Suppressed = *notes
	return r
}

const pipelineMeasures = "staff,latino_staff,latino_staff_share,pipeline_parity"

func pipeline(ctx context.Context, r *Resolver, level, id string, year *int) (*model.Pipeline, error) {
	shapes, y, _, err := shapesFor(ctx, "pipeline", metricArgs{year: year})
	if err != nil {
		return nil, err
	}
	rows, err := entityRows(ctx, level, id, shapes[0])
	if err != nil {
		return nil, err
	}
	ladder, err := r.Metrics.Ladder(ctx)
	if err != nil {
		return nil, err
	}
	byRole := map[string]metrics.Row{}
	for _, row := range rows {
		byRole[row.Dims[0]] = row
	}
	out := &model.Pipeline{SchoolYear: y, Ranks: []model.PipelineRank{}}
	for i, code := range ladder.Codes {
		notes := []model.Suppressed{}
		c := cells{names: strings.Split(pipelineMeasures, ","), row: byRole[code], notes: &notes}
		pr := model.PipelineRank{Role: code, Rank: int(ladder.Ranks[i]), Tier: model.Tier(strings.ToUpper(ladder.Tiers[i])),
			People: c.n("people", "staff"), Latino: c.n("latino", "latino_staff"), LatinoShare: c.f("latinoShare", "latino_staff_share"),
			UnknownEthnicityShare: c.unknown("unknownEthnicityShare", "latino_staff_share"), Parity: c.f("parity", "pipeline_parity")}
		if below := out.Ranks; i > 0 && pr.People != nil && below[i-1].People != nil {
			pr.RatioToRankBelow = metrics.Ratio(int64(*pr.People), int64(*below[i-1].People))
		} else if i > 0 {
			// Built on a hidden headcount: hidden, and listed.
			notes = append(notes, model.Suppressed{Field: "ratioToRankBelow", Reason: model.SuppressionReasonSmallCell})
		}
		pr.Suppressed = notes
		out.Ranks = append(out.Ranks, pr)
	}
	return out, nil
}

func growth(ctx context.Context, level, id string, from, to *int, tier *model.Tier) (*model.Growth, error) {
	shapes, lo, hi, err := shapesFor(ctx, "growth", metricArgs{from: from, to: to, tier: tier})
	if err != nil {
		return nil, err
	}
	rows, err := shapeRows(ctx, level, id, shapes)
	if err != nil {
		return nil, err
	}
	series := rows[0]
	g := &model.Growth{From: lo, To: hi, Tier: tier, LatinoLeaders: []model.YearValue{}, YearOnYear: []model.YearValue{},
		Suppressed: []model.Suppressed{}}
	byYear := map[string]metrics.Row{}
	for _, row := range series {
		byYear[row.Dims[0]] = row
	}
	for y := lo; y <= hi; y++ {
		row, ok := byYear[strconv.Itoa(y)]
		var n, yoy metrics.Value
		if ok {
			n, yoy = row.Values[0], row.Values[1]
		}
		g.LatinoLeaders = append(g.LatinoLeaders, model.YearValue{SchoolYear: y, Value: n.V, Suppressed: reasonOf(n)})
		g.YearOnYear = append(g.YearOnYear, model.YearValue{SchoolYear: y, Value: yoy.V, Suppressed: reasonOf(yoy)})
	}
	first, last := g.LatinoLeaders[0], g.LatinoLeaders[len(g.LatinoLeaders)-1]
	g.LatinoLeadersFrom, g.LatinoLeadersTo = yearCount(first), yearCount(last)
	for _, e := range []struct {
		field string
		yv    model.YearValue
	}{{"latinoLeadersFrom", first}, {"latinoLeadersTo", last}} {
		if e.yv.Suppressed != nil {
			g.Suppressed = append(g.Suppressed, model.Suppressed{Field: e.field, Reason: *e.yv.Suppressed})
		}
	}
	if g.LatinoLeadersFrom != nil && g.LatinoLeadersTo != nil {
		change := *g.LatinoLeadersTo - *g.LatinoLeadersFrom
		g.Change = &change
	} else {
		g.Suppressed = append(g.Suppressed, model.Suppressed{Field: "change", Reason: model.SuppressionReasonSmallCell})
	}
	if len(rows) > 1 {
		g.Cagr = cellsOf("cagr", rows[1], &g.Suppressed).f("cagr", "cagr")
	}
	return g, nil
}

const (
	promotionMeasures = "promotion_rate,promotion_rate_ratio,retention_rate,new_leader_share"
	roleMeasures      = "promotion_rate,promotion_rate_ratio,retention_rate,median_years_to_promotion"
)

func promotions(ctx context.Context, level, id string, from, to *int) (*model.Promotions, error) {
	shapes, lo, hi, err := shapesFor(ctx, "promotions", metricArgs{from: from, to: to})
	if err != nil {
		return nil, err
	}
	rows, err := shapeRows(ctx, level, id, shapes)
	if err != nil {
		return nil, err
	}
	all, byRole := rows[0], rows[1]
	notes := []model.Suppressed{}
	c := cellsOf(promotionMeasures, all, &notes)
	p := &model.Promotions{From: lo, To: hi, PromotionRate: c.f("promotionRate", "promotion_rate"),
		PromotionRateRatio: c.f("promotionRateRatio", "promotion_rate_ratio"),
		RetentionRate:      c.f("retentionRate", "retention_rate"), NewLeaderShare: c.f("newLeaderShare", "new_leader_share"),
		ByRole: []model.RolePromotions{}}
	p.Suppressed = notes
	for _, row := range byRole {
		rn := []model.Suppressed{}
		rc := cells{names: strings.Split(roleMeasures, ","), row: row, notes: &rn}
		p.ByRole = append(p.ByRole, model.RolePromotions{Role: row.Dims[0], PromotionRate: rc.f("promotionRate", "promotion_rate"),
			PromotionRateRatio: rc.f("promotionRateRatio", "promotion_rate_ratio"), RetentionRate: rc.f("retentionRate", "retention_rate"),
			MedianYearsToPromotion: rc.f("medianYearsToPromotion", "median_years_to_promotion")})
		p.ByRole[len(p.ByRole)-1].Suppressed = rn
	}
	return p, nil
}

const (
	memberYearMeasures = "members,new_members,conference_attendance"
	memberRateMeasures = "member_promotion_rate,member_promotion_gap"
)

func membership(ctx context.Context, level, id string, from, to *int) (*model.Membership, error) {
	shapes, lo, hi, err := shapesFor(ctx, "members", metricArgs{from: from, to: to, progression: progressionSelected(ctx)})
	if err != nil {
		return nil, err
	}
	rows, err := shapeRows(ctx, level, id, shapes)
	if err != nil {
		return nil, err
	}
	years, rates := rows[0], rows[1]
	byYear := map[string]metrics.Row{}
	for _, row := range years {
		byYear[row.Dims[0]] = row
	}
	m := &model.Membership{Years: []model.MemberYear{}}
	for y := lo; y <= hi; y++ {
		notes := []model.Suppressed{}
		c := cells{names: strings.Split(memberYearMeasures, ","), row: byYear[strconv.Itoa(y)], notes: &notes}
		m.Years = append(m.Years, model.MemberYear{SchoolYear: y, Members: c.n("members", "members"),
			NewMembers: c.n("newMembers", "new_members"), ConferenceAttendance: c.n("conferenceAttendance", "conference_attendance"),
			Suppressed: notes})
	}
	m.Suppressed = []model.Suppressed{}
	c := cellsOf(memberRateMeasures, rates, &m.Suppressed)
	m.MemberPromotionRate, m.MemberPromotionGap = c.f("memberPromotionRate", "member_promotion_rate"), c.f("memberPromotionGap", "member_promotion_gap")
	m.Progression = []model.RoleFlow{}
	if len(rows) > 2 {
		m.Progression = progressionOf(rows[2])
	}
	return m, nil
}

// peers compares a district with similar districts of its state.
func peers(ctx context.Context, r *Resolver, d *model.District, year *int) (*model.PeerComparison, error) {
	y, err := yearArg(ctx, year)
	if err != nil {
		return nil, err
	}
	g, err := r.Metrics.Peers(ctx, d.ID, d.StateCode, strings.ToLower(string(d.Locale)), y)
	if err != nil {
		return nil, err
	}
	out := &model.PeerComparison{Description: g.Description, Districts: len(g.Districts)}
	if !g.Comparable() {
		out.Districts = 0
		return out, nil
	}
	measures := reprLeaderMeasures + "," + reprStudentMeasures
	res, err := r.Metrics.Run(ctx, metrics.Query{Measures: strings.Split(measures, ","), From: y, To: y,
		Filters: []metrics.Filter{{Dimension: metrics.DimDistrict, In: g.Districts}}, Comparison: true})
	if err != nil {
		return nil, err
	}
	notes := []model.Suppressed{}
	c := cellsOf(measures, res.Rows, &notes)
	out.Representation = representationOf(y, nil, c, c, &notes)
	return out, nil
}

// catalogOf converts the catalog for GraphQL.
func catalogOf() *model.Catalog {
	out := &model.Catalog{DefaultLimit: metrics.DefaultLimit, MaxLimit: metrics.MaxLimit}
	for _, m := range metrics.Catalog() {
		out.Measures = append(out.Measures, model.MeasureInfo{Name: model.Measure(strings.ToUpper(m.Name)),
			Unit: model.Unit(strings.ToUpper(m.Unit)), Description: m.Description, Dimensions: dimEnums(m.Dimensions),
			Requires: dimEnums(m.Requires), Stock: m.Stock, Span: m.Span, HasUnknownShare: m.HasUnknownShare()})
	}
	for _, d := range metrics.Dimensions() {
		out.Dimensions = append(out.Dimensions, model.DimensionInfo{Name: model.Dimension(strings.ToUpper(d.Name)),
			Description: d.Description, Ordered: d.Ordered, Values: d.Values})
	}
	return out
}

func dimEnums(ds []string) []model.Dimension {
	out := make([]model.Dimension, len(ds))
	for i, d := range ds {
		out[i] = model.Dimension(strings.ToUpper(d))
	}
	return out
}

// MetricsQueryOf converts a GraphQL analyst query for the engine (also used
// by the CSV export, which reads the same JSON).
func MetricsQueryOf(in model.MetricsQuery) metrics.Query {
	low := func(s string) string { return strings.ToLower(s) }
	q := metrics.Query{From: deref(in.From), To: deref(in.To), Limit: deref(in.Limit)}
	for _, m := range in.Measures {
		q.Measures = append(q.Measures, low(string(m)))
	}
	for _, d := range in.Dimensions {
		q.Dimensions = append(q.Dimensions, low(string(d)))
	}
	for _, f := range in.Filters {
		q.Filters = append(q.Filters, metrics.Filter{Dimension: low(string(f.Dimension)), In: f.In, NotIn: f.NotIn, Min: f.Min, Max: f.Max})
	}
	for _, h := range in.Having {
		q.Having = append(q.Having, metrics.MeasureFilter{Measure: low(string(h.Measure)), Op: metrics.Op(low(string(h.Op))), Value: h.Value})
	}
	for _, o := range in.OrderBy {
		var ord metrics.Order
		if o.Measure != nil {
			ord.Measure = low(string(*o.Measure))
		}
		if o.Dimension != nil {
			ord.Dimension = low(string(*o.Dimension))
		}
		ord.Desc = o.Desc != nil && *o.Desc
		q.OrderBy = append(q.OrderBy, ord)
	}
	return q
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func metricsResultOf(res *metrics.Result) *model.MetricsResult {
	out := &model.MetricsResult{Dimensions: dimEnums(res.Dimensions), TotalCount: res.TotalCount,
		Description: res.Description, Sources: res.Sources, Rows: make([]model.MetricsRow, len(res.Rows))}
	for _, m := range res.Measures {
		out.Measures = append(out.Measures, model.Measure(strings.ToUpper(m)))
	}
	for i, r := range res.Rows {
		row := model.MetricsRow{Dimensions: r.Dims, Values: make([]*float64, len(r.Values)),
			UnknownEthnicityShares: make([]*float64, len(r.Values)), Suppressed: make([]*model.SuppressionReason, len(r.Values))}
		for j, v := range r.Values {
			row.Values[j], row.UnknownEthnicityShares[j], row.Suppressed[j] = v.V, v.UnknownShare, reasonOf(v)
		}
		out.Rows[i] = row
	}
	sql := res.SQL
	out.SQL = &sql
	return out
}

// metricFields are the typed fields of each entity type.
var metricFields = map[string][]string{
	"State":    {"representation", "pipeline", "growth", "promotions", "members"},
	"District": {"representation", "pipeline", "growth", "promotions", "members"},
	"School":   {"representation", "pipeline", "growth", "promotions"},
}

// prefetchMetrics enqueues the catalog rows the operation's typed fields
// ask of typeName, for these entities of level (see prefetch.go).
func prefetchMetrics(ctx context.Context, typeName, level string, ids []string) {
	l := loaders.For(ctx)
	for _, field := range metricFields[typeName] {
		for _, args := range selectedArgs(ctx, typeName, field) {
			a := metricArgs{year: intArg(args, "year"), from: intArg(args, "from"), to: intArg(args, "to")}
			if field == "members" {
				// Anywhere in the operation: a members selection without it
				// costs one query the resolver does not read.
				a.progression = len(selectedArgs(ctx, "Membership", "progression")) > 0
			}
			if s := stringArg(args, "tier"); s != nil {
				t := model.Tier(*s)
				a.tier = &t
			}
			shapes, _, _, err := shapesFor(ctx, field, a)
			if err != nil {
				continue // the resolver reports it
			}
			for _, sh := range shapes {
				for _, id := range ids {
					l.Metrics.Enqueue(ctx, loaders.MetricKey{Level: level, ID: id, Shape: sh})
				}
			}
		}
	}
	l.Metrics.Dispatch()
}

// yearCount is a year's count as an Int, null when hidden.
func yearCount(yv model.YearValue) *int {
	if yv.Suppressed != nil && yv.Value == nil {
		return nil
	}
	n := count(yv.Value)
	return &n
}
