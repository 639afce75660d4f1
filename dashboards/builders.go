package dashboards

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
)

// env is what a chart builder needs: the reader's language and filters,
// the data years, and the services (in the request's scope).
type env struct {
	t             text
	f             filters
	suppressBelow int
	run           func(ctx context.Context, q metrics.Query) (*metrics.Result, error)
	places        Places
	runner        metrics.GoalRunner
	links         links
	// state is the state a by-district chart covers.
	state place
}

func (e env) query(ctx context.Context, q metrics.Query) (result, error) {
	res, err := e.run(ctx, q)
	if err != nil {
		return result{}, err
	}
	return newResult(res), nil
}

func (e env) span() string { return e.t.years(e.f.From, e.f.To) }

// builder makes a page's charts of one kind (one chart, or a chart per
// goal); a page runs its builders in parallel.
type builder struct {
	id    string
	build func(ctx context.Context, e env) ([]*chart, error)
}

// single is a builder of one chart.
func single(id string, build func(ctx context.Context, e env) (*chart, error)) builder {
	return builder{id: id, build: func(ctx context.Context, e env) ([]*chart, error) {
		c, err := build(ctx, e)
		if err != nil {
			return nil, err
		}
		return []*chart{c}, nil
	}}
}

// --- charts of the state, district and school pages -----------------------

// leadershipChart: leaders and Latino leaders per year (bars) and the
// Latino share (line, right axis).
func leadershipChart(p place) builder {
	return single("leadership", func(ctx context.Context, e env) (*chart, error) {
		r, _, err := placeFigures(ctx, e, p, metrics.DimSchoolYear, e.f.From, e.f.To)
		if err != nil {
			return nil, err
		}
		t := e.t
		c := &chart{ID: "leadership", Title: fmt.Sprintf(t.tr("chart.leadership"), t.tier(e.f.Tier), e.span()), Height: 340}
		years := yearsOf(e.f.From, e.f.To)
		c.Empty = !r.has("leaders")
		c.Table.Columns = []string{t.tr("school_year"), t.tr("leaders"), t.tr("latino_leaders"), t.tr("latino_leader_share")}
		var all, latino, share []any
		for _, y := range years {
			a, l, s := r.at(y, "leaders"), r.at(y, "latino_leaders"), r.at(y, "latino_leader_share")
			c.note(a, l, s)
			all, latino, share = append(all, point(a)), append(latino, point(l)), append(share, point(s))
			c.Table.Rows = append(c.Table.Rows, []cell{yearCell(t, y), t.cell(a, e.suppressBelow), t.cell(l, e.suppressBelow), t.cell(s, e.suppressBelow)})
		}
		bar := charts.NewBar()
		bar.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: t.tr("school_year"), NameLocation: "middle", NameGap: 28}),
			charts.WithYAxisOpts(valueAxis(t.tr("people"))))...)
		bar.ExtendYAxis(valueAxis(t.tr("percent"), func(y *opts.YAxis) { y.Min = 0 }))
		bar.SetXAxis(years).
			AddSeries(t.tr("leaders"), barData(all)).
			AddSeries(t.tr("latino_leaders"), barData(latino))
		line := charts.NewLine()
		line.AddSeries(t.tr("latino_leader_share")+" (%)", lineData(share), charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1}))
		bar.Overlap(line)
		err = c.setOption(bar)
		return c, err
	})
}

// representationChart: the Latino share of leaders against the Latino share
// of students, per year.
func representationChart(p place) builder {
	return single("representation", func(ctx context.Context, e env) (*chart, error) {
		lead, stud, err := placeFigures(ctx, e, p, metrics.DimSchoolYear, e.f.From, e.f.To)
		if err != nil {
			return nil, err
		}
		t := e.t
		c := &chart{ID: "representation", Title: fmt.Sprintf(t.tr("chart.representation"), t.tier(e.f.Tier), e.span()),
			Height: 320, Note: t.tr("index.note")}
		years := yearsOf(e.f.From, e.f.To)
		c.Empty = !lead.has("latino_leader_share") && !stud.has("latino_student_share")
		c.Table.Columns = []string{t.tr("school_year"), t.tr("latino_leader_share"), t.tr("latino_student_share"),
			t.tr("representation_index") + " (" + t.tier("") + ")"}
		var ls, ss []any
		for _, y := range years {
			l, s, ix := lead.at(y, "latino_leader_share"), stud.at(y, "latino_student_share"), stud.at(y, "representation_index")
			c.note(l, s, ix)
			ls, ss = append(ls, point(l)), append(ss, point(s))
			c.Table.Rows = append(c.Table.Rows, []cell{yearCell(t, y), t.cell(l, e.suppressBelow), t.cell(s, e.suppressBelow), t.cell(ix, e.suppressBelow)})
		}
		line := charts.NewLine()
		line.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: t.tr("school_year"), NameLocation: "middle", NameGap: 28}),
			charts.WithYAxisOpts(valueAxis(t.tr("percent"), func(y *opts.YAxis) { y.Min = 0 })))...)
		line.SetXAxis(years).
			AddSeries(t.tr("latino_leader_share"), lineData(ls)).
			AddSeries(t.tr("latino_student_share"), lineData(ss))
		err = c.setOption(line)
		return c, err
	})
}

// pipelineChart: people and Latino people at each rank of the ladder in
// the last year of the span (log scale: teachers outnumber superintendents
// a thousandfold).
func pipelineChart(p place) builder {
	return roleChart(p, "pipeline", []string{"staff", "latino_staff", "latino_staff_share"}, true,
		func(e env) string { return fmt.Sprintf(e.t.tr("chart.pipeline"), e.t.schoolYear(e.f.To)) },
		func(t text) opts.YAxis {
			return valueAxis(t.tr("log_axis"), func(y *opts.YAxis) { y.Type = "log"; y.Min = 1 })
		}, logPoint)
}

// logPoint is a count for a log axis, where zero has no place (a gap; the
// table shows the 0).
func logPoint(f figure) any {
	v := point(f)
	if x, ok := v.(float64); ok && x <= 0 {
		return "-"
	}
	return v
}

// promotionsChart: promotion and retention rates by role, pooled over the
// span.
func promotionsChart(p place) builder {
	return roleChart(p, "promotions", []string{"promotion_rate", "retention_rate", "promotion_rate_ratio"}, false,
		func(e env) string { return fmt.Sprintf(e.t.tr("chart.promotions"), e.span()) },
		func(t text) opts.YAxis { return valueAxis(t.tr("percent"), func(y *opts.YAxis) { y.Min = 0 }) }, point)
}

// roleChart is a bar chart by rank of the ladder: the first two measures
// drawn (with draw), all of them in the table; over the last year of the
// span (lastYear) or the whole span.
func roleChart(p place, id string, measures []string, lastYear bool, title func(env) string,
	axis func(text) opts.YAxis, draw func(figure) any) builder {
	return single(id, func(ctx context.Context, e env) (*chart, error) {
		from := e.f.From
		if lastYear {
			from = e.f.To
		}
		r, err := e.query(ctx, metrics.Query{Measures: measures, Dimensions: []string{metrics.DimRole}, Filters: p.filters(),
			From: from, To: e.f.To, OrderBy: []metrics.Order{{Dimension: metrics.DimRole}}})
		if err != nil {
			return nil, err
		}
		t := e.t
		c := &chart{ID: id, Title: title(e), Height: 340}
		c.Empty = !r.has(measures[0]) && !r.has(measures[1])
		c.Table.Columns = []string{t.tr("role")}
		for _, m := range measures {
			c.Table.Columns = append(c.Table.Columns, t.tr(m))
		}
		var roles []string
		series := make([][]any, 2)
		for _, role := range r.keys() {
			roles = append(roles, t.role(role))
			row := []cell{textCell(t.role(role))}
			for i, m := range measures {
				f := r.at(role, m)
				c.note(f)
				row = append(row, t.cell(f, e.suppressBelow))
				if i < 2 {
					series[i] = append(series[i], draw(f))
				}
			}
			c.Table.Rows = append(c.Table.Rows, row)
		}
		bar := charts.NewBar()
		bar.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0", Rotate: 30}}),
			charts.WithYAxisOpts(axis(t)))...)
		bar.SetXAxis(roles).AddSeries(t.tr(measures[0]), barData(series[0])).AddSeries(t.tr(measures[1]), barData(series[1]))
		return c, c.setOption(bar)
	})
}

// leaderMeasures take the tier filter; placeMeasures (students, and figures
// over every tier) do not.
var (
	leaderMeasures = []string{"leaders", "latino_leaders", "latino_leader_share"}
	placeMeasures  = []string{"latino_student_share", "representation_index", "latino_teacher_share"}
)

// placeFigures are a place's leader and place figures by one dimension
// ("" for none) over from..to: one query when every tier is asked, two
// otherwise (the student figures take no tier). The charts of a page that
// need them ask the same queries, which the page runs once (env.run).
func placeFigures(ctx context.Context, e env, p place, dim string, from, to int) (lead, other result, err error) {
	return placeFiguresOf(ctx, e, p, dim, from, to, placeMeasures)
}

// placeFiguresOf is placeFigures with other measures than the leaders'.
func placeFiguresOf(ctx context.Context, e env, p place, dim string, from, to int, others []string) (lead, other result, err error) {
	var dims []string
	if dim != "" {
		dims = []string{dim}
	}
	if e.f.Tier == "" {
		r, err := e.query(ctx, metrics.Query{Measures: append(slices.Clone(leaderMeasures), others...), Dimensions: dims,
			Filters: p.filters(), From: from, To: to, Limit: maxListed})
		return r, r, err
	}
	errs := make(chan error, 2)
	go func() {
		var err error
		lead, err = e.query(ctx, metrics.Query{Measures: leaderMeasures, Dimensions: dims, Filters: withTier(p.filters(), e.f.Tier),
			From: from, To: to, Limit: maxListed})
		errs <- err
	}()
	go func() {
		var err error
		other, err = e.query(ctx, metrics.Query{Measures: others, Dimensions: dims, Filters: p.filters(), From: from, To: to,
			Limit: maxListed})
		errs <- err
	}()
	for range 2 {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	return lead, other, err
}

// reprMeasures are the comparison's figures: the leader share (for the
// tier asked) and, for every tier, the teacher and student shares and the
// representation index.
var reprMeasures = []string{"latino_leader_share", "latino_teacher_share", "latino_student_share", "representation_index"}

// comparisonOf is a place's comparison figures in one year (key: the year,
// or "" for a result without dimensions).
func comparisonOf(lead, other result, key string) map[string]figure {
	out := map[string]figure{"latino_leader_share": lead.at(key, "latino_leader_share")}
	for _, m := range reprMeasures[1:] {
		out[m] = other.at(key, m)
	}
	return out
}

// comparisonChart: the place against its parent (a district against its
// state, a school against its district, a state against every state).
func comparisonChart(p, parent place) builder {
	return single("comparison", func(ctx context.Context, e env) (*chart, error) {
		// The place's figures are the yearly ones its other charts read
		// (the same queries, run once); the parent's, the last year only.
		var ml, mo, pl, po result
		errs := make(chan error, 2)
		go func() {
			var err error
			ml, mo, err = placeFigures(ctx, e, p, metrics.DimSchoolYear, e.f.From, e.f.To)
			errs <- err
		}()
		go func() {
			var err error
			pl, po, err = placeFigures(ctx, e, parent, "", e.f.To, e.f.To)
			errs <- err
		}()
		for range 2 {
			if err := <-errs; err != nil {
				return nil, err
			}
		}
		mine, theirs := comparisonOf(ml, mo, strconv.Itoa(e.f.To)), comparisonOf(pl, po, "")

		t := e.t
		c := &chart{ID: "comparison", Title: fmt.Sprintf(t.tr("chart.comparison"), p.name, parent.name, t.schoolYear(e.f.To)),
			Height: 300, Note: t.tr("index.note")}
		c.Table.Columns = []string{"", p.name, parent.name}
		var cats []string
		var a, b []any
		for _, m := range reprMeasures {
			label := t.tr(m)
			if m == "latino_leader_share" {
				label += " (" + t.tier(e.f.Tier) + ")"
			}
			c.note(mine[m], theirs[m])
			c.Table.Rows = append(c.Table.Rows, []cell{textCell(label), t.cell(mine[m], e.suppressBelow), t.cell(theirs[m], e.suppressBelow)})
			if m == "representation_index" {
				continue // a ratio, not a share: in the table only
			}
			cats = append(cats, t.tr("cmp."+m)) // short: the title says what is counted
			a, b = append(a, point(mine[m])), append(b, point(theirs[m]))
		}
		c.Empty = mine["latino_student_share"].v.V == nil && mine["latino_leader_share"].v.V == nil &&
			mine["latino_leader_share"].v.Suppressed == ""
		// Horizontal bars: the categories' long names fit on the left.
		slices.Reverse(cats)
		slices.Reverse(a)
		slices.Reverse(b)
		bar := charts.NewBar()
		bar.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: t.tr("percent"), NameLocation: "middle", NameGap: 28, Min: 0}),
			charts.WithYAxisOpts(opts.YAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0"}}))...)
		bar.SetXAxis(cats).AddSeries(p.name, barData(a)).AddSeries(parent.name, barData(b))
		bar.XYReversal()
		var err error
		err = c.setOption(bar)
		return c, err
	})
}

// schoolsTable: the district's schools in the last year, each with its
// leaders, Latino leaders and whether it has a Latino leader (sortable,
// linking to the school's page).
func schoolsTable(p place) builder {
	return single("schools", func(ctx context.Context, e env) (*chart, error) {
		var (
			lead, stud result
			list       map[string][]warehouse.School
		)
		errs := make(chan error, 2)
		go func() {
			var err error
			lead, stud, err = placeFiguresOf(ctx, e, p, metrics.DimSchool, e.f.To, e.f.To, []string{"latino_student_share"})
			errs <- err
		}()
		go func() {
			var err error
			list, err = e.places.SchoolsPerDistrict(ctx, []string{p.id}, nil, maxListed)
			errs <- err
		}()
		for range 2 {
			if err := <-errs; err != nil {
				return nil, err
			}
		}
		t := e.t
		c := &chart{ID: "schools", Title: fmt.Sprintf(t.tr("chart.schools"), t.schoolYear(e.f.To)), Wide: true}
		c.Table.Columns = []string{t.tr("school"), t.tr("leaders"), t.tr("latino_leaders"), t.tr("latino_leader_share"),
			t.tr("latino_student_share"), t.tr("latino_leader_flag")}
		for _, s := range list[p.id] {
			a, l, sh, st := lead.at(s.ID, "leaders"), lead.at(s.ID, "latino_leaders"), lead.at(s.ID, "latino_leader_share"), stud.at(s.ID, "latino_student_share")
			c.note(a, l, sh, st)
			name := textCell(s.Name)
			name.Link = e.links.school(s.ID)
			c.Table.Rows = append(c.Table.Rows, []cell{name, t.cell(a, e.suppressBelow), t.cell(l, e.suppressBelow),
				t.cell(sh, e.suppressBelow), t.cell(st, e.suppressBelow), flagCell(t, l, e.suppressBelow)})
		}
		c.Empty = len(c.Table.Rows) == 0
		return c, nil
	})
}

// flagCell says whether a count is above zero: yes, no, or hidden.
func flagCell(t text, f figure, suppressBelow int) cell {
	switch {
	case f.v.Suppressed != "":
		return t.cell(f, suppressBelow)
	case f.v.V != nil && *f.v.V > 0:
		return cell{Text: t.tr("yes"), Raw: "1"}
	}
	return cell{Text: t.tr("no"), Raw: "0"}
}

// maxBars caps the bars of a by-district chart (the table lists them all).
const maxBars = 60

// districtsChart: the representation index of a state's districts in the
// last year (sortable bars; the districts with most leaders when there are
// more than maxBars), and every district in the table, linking to its page.
func districtsChart(state func(env) place, id string) builder {
	return single(id, func(ctx context.Context, e env) (*chart, error) {
		p := state(e)
		var (
			r    result
			list []warehouse.District
		)
		errs := make(chan error, 2)
		go func() {
			var err error
			r, err = e.query(ctx, metrics.Query{Measures: []string{"representation_index", "leaders", "latino_leaders", "latino_leader_share", "latino_student_share"},
				Dimensions: []string{metrics.DimDistrict}, Filters: p.filters(), From: e.f.To, To: e.f.To, Limit: maxListed})
			errs <- err
		}()
		go func() {
			var err error
			list, err = e.places.Districts(ctx, warehouse.DistrictFilter{StateCodes: []string{p.id}}, nil, maxListed)
			errs <- err
		}()
		for range 2 {
			if err := <-errs; err != nil {
				return nil, err
			}
		}
		t := e.t
		c := &chart{ID: id, Title: fmt.Sprintf(t.tr("chart.reprByDistrict"), p.name, t.schoolYear(e.f.To)), Sortable: true,
			Note: t.tr("index.note"), Wide: true}
		c.Table.Columns = []string{t.tr("district"), t.tr("representation_index"), t.tr("leaders"), t.tr("latino_leaders"),
			t.tr("latino_leader_share"), t.tr("latino_student_share")}
		type bar struct {
			name    string
			v       any
			leaders float64
		}
		var bars []bar
		for _, d := range list {
			ix, a, l, ls, ss := r.at(d.ID, "representation_index"), r.at(d.ID, "leaders"), r.at(d.ID, "latino_leaders"),
				r.at(d.ID, "latino_leader_share"), r.at(d.ID, "latino_student_share")
			c.note(ix, a, l, ls, ss)
			name := textCell(d.Name)
			name.Link = e.links.district(d.ID)
			c.Table.Rows = append(c.Table.Rows, []cell{name, t.cell(ix, e.suppressBelow), t.cell(a, e.suppressBelow),
				t.cell(l, e.suppressBelow), t.cell(ls, e.suppressBelow), t.cell(ss, e.suppressBelow)})
			if _, ok := r.rows[d.ID]; !ok {
				continue
			}
			n := 0.0
			if a.v.V != nil {
				n = *a.v.V
			}
			bars = append(bars, bar{name: d.Name, v: point(ix), leaders: n})
		}
		c.Empty = len(bars) == 0
		if len(bars) > maxBars {
			sort.SliceStable(bars, func(i, j int) bool { return bars[i].leaders > bars[j].leaders })
			bars = bars[:maxBars]
		}
		// Highest index first (a hidden or undefined index last).
		sort.SliceStable(bars, func(i, j int) bool { return num(bars[i].v) > num(bars[j].v) })
		slices.Reverse(bars) // a horizontal axis draws its first category at the bottom
		names := make([]string, len(bars))
		vals := make([]any, len(bars))
		for i, b := range bars {
			names[i], vals[i] = b.name, b.v
		}
		c.Height = max(260, 22*len(bars)+80)
		bc := charts.NewBar()
		bc.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: t.tr("representation_index"), NameLocation: "middle", NameGap: 28}),
			charts.WithYAxisOpts(opts.YAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0", Width: 150, Overflow: "truncate"}}),
			charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}))...)
		bc.SetXAxis(names).AddSeries(t.tr("representation_index"), barData(vals),
			charts.WithMarkLineNameXAxisItemOpts(opts.MarkLineNameXAxisItem{Name: "1", XAxis: 1}))
		bc.XYReversal()
		var err error
		err = c.setOption(bc)
		return c, err
	})
}

// num orders series values: numbers by value, gaps below every number.
func num(v any) float64 {
	if x, ok := v.(float64); ok {
		return x
	}
	return math.Inf(-1)
}

func yearCell(t text, y string) cell {
	n, _ := strconv.Atoi(y)
	return cell{Text: t.schoolYear(n), Raw: y}
}
