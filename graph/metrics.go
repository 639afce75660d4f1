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

// cells reads a row's values by measure name.
type cells struct {
	names []string
	row   metrics.Row
}

func cellsOf(measures string, rows []metrics.Row) cells {
	c := cells{names: strings.Split(measures, ",")}
	if len(rows) > 0 {
		c.row = rows[0]
	}
	return c
}

func (c cells) v(name string) *float64 {
	for i, n := range c.names {
		if n == name && i < len(c.row.Values) {
			return c.row.Values[i].V
		}
	}
	return nil
}

func (c cells) unknown(name string) *float64 {
	for i, n := range c.names {
		if n == name && i < len(c.row.Values) {
			return c.row.Values[i].UnknownShare
		}
	}
	return nil
}

// n is a count (0 when undefined).
func (c cells) n(name string) int { return count(c.v(name)) }

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

// metricArgs are a typed field's arguments.
type metricArgs struct {
	year, from, to *int
	tier           *model.Tier
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
	l := cellsOf(shapes[0].Measures, rows[0])
	st := l
	if len(shapes) > 1 {
		st = cellsOf(shapes[1].Measures, rows[1])
	}
	return representationOf(y, tier, l, st), nil
}

func representationOf(y int, tier *model.Tier, l, s cells) *model.Representation {
	return &model.Representation{
		SchoolYear: y, Tier: tier,
		Leaders: l.n("leaders"), LatinoLeaders: l.n("latino_leaders"),
		LatinoLeaderShare: l.v("latino_leader_share"), UnknownEthnicityShare: l.unknown("latino_leader_share"),
		RepresentationIndex: l.v("representation_index"), RepresentationGap: l.v("representation_gap"),
		LatinoStudentsPerLatinoLeader: l.v("latino_students_per_latino_leader"),
		Students:                      s.n("students"), LatinoStudents: s.n("latino_students"),
		LatinoStudentShare:           s.v("latino_student_share"),
		SchoolsWithLatinoLeader:      s.n("schools_with_latino_leader"),
		SchoolsWithLatinoLeaderShare: s.v("schools_with_latino_leader_share"),
	}
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
		c := cells{names: strings.Split(pipelineMeasures, ","), row: byRole[code]}
		pr := model.PipelineRank{Role: code, Rank: int(ladder.Ranks[i]), Tier: model.Tier(strings.ToUpper(ladder.Tiers[i])),
			People: c.n("staff"), Latino: c.n("latino_staff"), LatinoShare: c.v("latino_staff_share"),
			UnknownEthnicityShare: c.unknown("latino_staff_share"), Parity: c.v("pipeline_parity")}
		if i > 0 {
			pr.RatioToRankBelow = metrics.Ratio(int64(pr.People), int64(out.Ranks[i-1].People))
		}
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
	g := &model.Growth{From: lo, To: hi, Tier: tier, LatinoLeaders: []model.YearValue{}, YearOnYear: []model.YearValue{}}
	byYear := map[string]metrics.Row{}
	for _, row := range series {
		byYear[row.Dims[0]] = row
	}
	for y := lo; y <= hi; y++ {
		row, ok := byYear[strconv.Itoa(y)]
		var n, yoy *float64
		if ok {
			n, yoy = row.Values[0].V, row.Values[1].V
		}
		g.LatinoLeaders = append(g.LatinoLeaders, model.YearValue{SchoolYear: y, Value: n})
		g.YearOnYear = append(g.YearOnYear, model.YearValue{SchoolYear: y, Value: yoy})
	}
	g.LatinoLeadersFrom, g.LatinoLeadersTo = count(g.LatinoLeaders[0].Value), count(g.LatinoLeaders[len(g.LatinoLeaders)-1].Value)
	g.Change = g.LatinoLeadersTo - g.LatinoLeadersFrom
	if len(rows) > 1 {
		g.Cagr = cellsOf("cagr", rows[1]).v("cagr")
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
	c := cellsOf(promotionMeasures, all)
	p := &model.Promotions{From: lo, To: hi, PromotionRate: c.v("promotion_rate"), PromotionRateRatio: c.v("promotion_rate_ratio"),
		RetentionRate: c.v("retention_rate"), NewLeaderShare: c.v("new_leader_share"), ByRole: []model.RolePromotions{}}
	for _, row := range byRole {
		rc := cells{names: strings.Split(roleMeasures, ","), row: row}
		p.ByRole = append(p.ByRole, model.RolePromotions{Role: row.Dims[0], PromotionRate: rc.v("promotion_rate"),
			PromotionRateRatio: rc.v("promotion_rate_ratio"), RetentionRate: rc.v("retention_rate"),
			MedianYearsToPromotion: rc.v("median_years_to_promotion")})
	}
	return p, nil
}

const (
	memberYearMeasures = "members,new_members,conference_attendance"
	memberRateMeasures = "member_promotion_rate,member_promotion_gap"
)

func membership(ctx context.Context, level, id string, from, to *int) (*model.Membership, error) {
	shapes, lo, hi, err := shapesFor(ctx, "members", metricArgs{from: from, to: to})
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
		c := cells{names: strings.Split(memberYearMeasures, ","), row: byYear[strconv.Itoa(y)]}
		m.Years = append(m.Years, model.MemberYear{SchoolYear: y, Members: c.n("members"), NewMembers: c.n("new_members"),
			ConferenceAttendance: c.n("conference_attendance")})
	}
	c := cellsOf(memberRateMeasures, rates)
	m.MemberPromotionRate, m.MemberPromotionGap = c.v("member_promotion_rate"), c.v("member_promotion_gap")
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
		Filters: []metrics.Filter{{Dimension: metrics.DimDistrict, In: g.Districts}}})
	if err != nil {
		return nil, err
	}
	c := cellsOf(measures, res.Rows)
	out.Representation = representationOf(y, nil, c, c)
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
		row := model.MetricsRow{Dimensions: r.Dims, Values: make([]*float64, len(r.Values)), UnknownEthnicityShares: make([]*float64, len(r.Values))}
		for j, v := range r.Values {
			row.Values[j], row.UnknownEthnicityShares[j] = v.V, v.UnknownShare
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
