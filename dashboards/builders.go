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

// --- drawing figures --------------------------------------------------------

// plotOpts say how a series is drawn, for the marks of what it cannot
// draw: bars (a bar of 0 and a missing bar look alike, so a zero is marked
// "0" unless the series is stacked), a horizontal category axis, the value
// where the value axis starts, and whether a value without data is marked
// too.
type plotOpts struct {
	bars, horizontal, stacked, noData bool
	base                              float64
	// level is the series' place among the group bars drawn side by side
	// in each category (group of them; 0 or 1: no group), or, for lines,
	// lifts a series' tags off those of the series before it.
	level, group int
}

// plot turns figures into a series' points and marks, where each would
// stand on the chart, the values it cannot draw: a hidden value as "<10"
// (the table's symbol), on bar charts a zero as "0", and, when asked, no
// data.
func (c *chart) plot(e env, series int, cats []string, fs []figure, o plotOpts) []any {
	out := make([]any, len(fs))
	for i, f := range fs {
		c.note(f)
		out[i] = point(f)
		var text, kind string
		switch {
		case f.v.Suppressed != "":
			text, kind = e.t.cell(f, e.suppressBelow).Text, markHidden
		case !o.bars:
		case f.v.V == nil || math.IsNaN(*f.v.V):
			if o.noData {
				text, kind = e.t.tr("no_data"), markNoData
			}
		case out[i] == 0.0 && !o.stacked:
			text, kind = "0", markZero
		}
		if kind == "" || i >= len(cats) {
			continue
		}
		w := 8 + 7*len([]rune(text))
		m := mark{series: series, text: text, kind: kind}
		lift := o.level
		if o.group > 1 {
			// over its own bar of the group (dashboards.js turns the share
			// of the category's band into pixels)
			m.shift = (float64(o.level) - float64(o.group-1)/2) / float64(o.group) * 0.8
			lift = 0
		}
		if o.horizontal {
			m.coord, m.offset = []any{o.base, cats[i]}, []any{w/2 + 2 + lift*(w+4), 0}
		} else {
			m.coord, m.offset = []any{cats[i], o.base}, []any{0, -(10 + 18*lift)}
		}
		c.marks = append(c.marks, m)
	}
	return out
}

// yearAxis is a category axis of school years, named as everywhere on the
// page (2024-25).
func yearAxis(t text) opts.XAxis {
	return opts.XAxis{Type: "category", Name: t.tr("school_year"), NameLocation: "middle", NameGap: 28}
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
		years, labels := yearsOf(e.f.From, e.f.To), yearLabels(t, e.f.From, e.f.To)
		c.Empty = !r.has("leaders")
		c.Table.Columns = []string{t.tr("school_year"), t.tr("leaders"), t.tr("latino_leaders"), t.tr("latino_leader_share")}
		var all, latino, share []figure
		for _, y := range years {
			a, l, s := r.at(y, "leaders"), r.at(y, "latino_leaders"), r.at(y, "latino_leader_share")
			all, latino, share = append(all, a), append(latino, l), append(share, s)
			c.Table.Rows = append(c.Table.Rows, []cell{yearCell(t, y), t.cell(a, e.suppressBelow), t.cell(l, e.suppressBelow), t.cell(s, e.suppressBelow)})
		}
		bar := charts.NewBar()
		bar.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(yearAxis(t)),
			charts.WithYAxisOpts(valueAxis(t.tr("people"), func(y *opts.YAxis) { y.Min = 0 })))...)
		bar.ExtendYAxis(valueAxis(t.tr("percent"), func(y *opts.YAxis) { y.Min = 0 }))
		bar.SetXAxis(labels).
			AddSeries(t.tr("leaders"), barData(c.plot(e, 0, labels, all, plotOpts{bars: true, group: 2}))).
			AddSeries(t.tr("latino_leaders"), barData(c.plot(e, 1, labels, latino, plotOpts{bars: true, level: 1, group: 2})))
		line := charts.NewLine()
		line.AddSeries(t.tr("latino_leader_share")+" (%)", lineData(c.plot(e, 2, labels, share, plotOpts{level: 1})),
			charts.WithLineChartOpts(opts.LineChart{YAxisIndex: 1}))
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
			Height: 320, TableNote: t.tr("index.note")}
		years, labels := yearsOf(e.f.From, e.f.To), yearLabels(t, e.f.From, e.f.To)
		c.Empty = !lead.has("latino_leader_share") && !stud.has("latino_student_share")
		c.Table.Columns = []string{t.tr("school_year"), t.tr("latino_leader_share"), t.tr("latino_student_share"),
			t.tr("representation_index") + " (" + t.tier("") + ")"}
		var ls, ss []figure
		for _, y := range years {
			l, s, ix := lead.at(y, "latino_leader_share"), stud.at(y, "latino_student_share"), stud.at(y, "representation_index")
			c.note(ix)
			ls, ss = append(ls, l), append(ss, s)
			c.Table.Rows = append(c.Table.Rows, []cell{yearCell(t, y), t.cell(l, e.suppressBelow), t.cell(s, e.suppressBelow), t.cell(ix, e.suppressBelow)})
		}
		line := charts.NewLine()
		line.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(yearAxis(t)),
			charts.WithYAxisOpts(valueAxis(t.tr("percent"), func(y *opts.YAxis) { y.Min = 0 })))...)
		line.SetXAxis(labels).
			AddSeries(t.tr("latino_leader_share"), lineData(c.plot(e, 0, labels, ls, plotOpts{}))).
			AddSeries(t.tr("latino_student_share"), lineData(c.plot(e, 1, labels, ss, plotOpts{level: 1})))
		err = c.setOption(line)
		return c, err
	})
}

// pipelineChart: people and Latino people at each rank of the ladder in
// the last year of the span, as horizontal bars on a log scale (teachers
// outnumber superintendents a thousandfold) that starts at 0.1, so that a
// rank held by one person has a bar; each bar is labelled with its count.
func pipelineChart(p place) builder {
	return roleChart(p, "pipeline", []string{"staff", "latino_staff", "latino_staff_share"}, true,
		func(e env) string { return fmt.Sprintf(e.t.tr("chart.pipeline"), e.t.schoolYear(e.f.To)) }, true)
}

// promotionsChart: promotion and retention rates by role, pooled over the
// span.
func promotionsChart(p place) builder {
	return roleChart(p, "promotions", []string{"promotion_rate", "retention_rate", "promotion_rate_ratio"}, false,
		func(e env) string { return fmt.Sprintf(e.t.tr("chart.promotions"), e.span()) }, false)
}

// logValue is where a count stands on the pipeline's log axis: log10(n) + 1,
// so that the axis (from 0) starts at 0.1 person and 1 is a whole decade
// tall; dashboards.js labels the axis 1, 10, 100 … and shows n itself.
func logValue(n float64) float64 { return math.Round((math.Log10(n)+1)*10000) / 10000 }

// roleChart is a horizontal bar chart by rank of the ladder (the first rank
// on top): the first two measures drawn, all of them in the table; over the
// last year of the span (lastYear) or the whole span. Counts (logCounts)
// are drawn on a log scale, each bar labelled with its count.
func roleChart(p place, id string, measures []string, lastYear bool, title func(env) string, logCounts bool) builder {
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
		c := &chart{ID: id, Title: title(e)}
		c.Empty = !r.has(measures[0]) && !r.has(measures[1])
		c.Table.Columns = []string{t.tr("role")}
		for _, m := range measures {
			c.Table.Columns = append(c.Table.Columns, t.tr(m))
		}
		var roles []string
		drawn := make([][]figure, 2)
		for _, role := range r.keys() {
			roles = append(roles, t.role(role))
			row := []cell{textCell(t.role(role))}
			for i, m := range measures {
				f := r.at(role, m)
				c.note(f)
				row = append(row, t.cell(f, e.suppressBelow))
				if i < 2 {
					drawn[i] = append(drawn[i], f)
				}
			}
			c.Table.Rows = append(c.Table.Rows, row)
		}
		// A horizontal category axis draws its first category at the bottom.
		slices.Reverse(roles)
		for i := range drawn {
			slices.Reverse(drawn[i])
		}
		c.Height = max(260, 52*len(roles)+90) // room for two tags a rank
		axis := valueAxis(t.tr("percent"), func(y *opts.YAxis) { y.Min = 0 })
		top := 0.0
		if logCounts {
			axis = valueAxis(t.tr("log_axis"), func(y *opts.YAxis) { y.Min = 0 })
			for _, fs := range drawn {
				for _, f := range fs {
					if v, ok := point(f).(float64); ok && v > 0 {
						top = max(top, math.Ceil(logValue(v)))
					}
				}
			}
			axis.Max = max(top, 2)
		}
		bar := charts.NewBar()
		bar.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: axis.Name, NameLocation: "middle", NameGap: 28, Min: axis.Min, Max: axis.Max}),
			charts.WithYAxisOpts(opts.YAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0"}}))...)
		points := [2][]any{}
		for i, fs := range drawn {
			points[i] = c.plot(e, i, roles, fs, plotOpts{bars: true, horizontal: true, level: i, group: 2})
		}
		bar.SetXAxis(roles).AddSeries(t.tr(measures[0]), barData(points[0])).AddSeries(t.tr(measures[1]), barData(points[1]))
		bar.XYReversal()
		return c, c.setOption(bar, func(o map[string]any) {
			// room on the right for the last axis label and the bars' counts
			if g, ok := o["grid"].([]any); ok && len(g) > 0 {
				g[0].(map[string]any)["right"] = 48
			}
			if !logCounts {
				return
			}
			// On the log axis a point is {value: log10(n) + 1, n}; the axis
			// is flagged for dashboards.js (labels 1, 10, 100 …).
			if xs, ok := o["xAxis"].([]any); ok && len(xs) > 0 {
				x := xs[0].(map[string]any)
				x["caminoLog"] = true
				x["interval"] = 1
			}
			for _, s := range o["series"].([]any) {
				s := s.(map[string]any)
				s["label"] = map[string]any{"show": true, "position": "right", "caminoCount": true}
				data := s["data"].([]any)
				for j, d := range data {
					d := d.(map[string]any)
					if n, ok := d["value"].(float64); ok && n > 0 {
						data[j] = map[string]any{"value": logValue(n), "n": n}
					}
				}
			}
		})
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
			Height: 300, TableNote: t.tr("index.note")}
		c.Table.Columns = []string{"", p.name, parent.name}
		var cats []string
		var a, b []figure
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
			a, b = append(a, mine[m]), append(b, theirs[m])
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
		bar.SetXAxis(cats).
			AddSeries(p.name, barData(c.plot(e, 0, cats, a, plotOpts{bars: true, horizontal: true, group: 2}))).
			AddSeries(parent.name, barData(c.plot(e, 1, cats, b, plotOpts{bars: true, horizontal: true, level: 1, group: 2})))
		bar.XYReversal()
		return c, c.setOption(bar)
	})
}

// schoolsTable: the district's schools in the last year of the span: a
// scatter of each school's Latino share of leaders against its Latino
// share of students (a point opens the school's page; chart schools-map),
// and the table of its leaders, Latino leaders and whether it has a Latino
// leader (sortable, linking to the school's page).
func schoolsTable(p place) builder {
	return builder{id: "schools", build: func(ctx context.Context, e env) ([]*chart, error) {
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
		tc := &chart{ID: "schools", Title: fmt.Sprintf(t.tr("chart.schools"), t.schoolYear(e.f.To)), Wide: true}
		c := &chart{ID: "schools-map", Title: fmt.Sprintf(t.tr("chart.schoolsMap"), t.schoolYear(e.f.To)), Wide: true,
			Height: 380, Note: t.tr("schools.note")}
		tc.Table.Columns = []string{t.tr("school"), t.tr("leaders"), t.tr("latino_leaders"), t.tr("latino_leader_share"),
			t.tr("latino_student_share"), t.tr("latino_leader_flag")}
		c.Table.Columns = []string{t.tr("school"), t.tr("leaders"), t.tr("latino_student_share") + " (%)", t.tr("latino_leader_share") + " (%)"}
		// Points: [student share, leader share, leaders] in percent; a
		// school whose leader share is hidden stands on the x axis, marked.
		var shown, hidden []opts.ScatterData
		for _, s := range list[p.id] {
			a, l, sh, st := lead.at(s.ID, "leaders"), lead.at(s.ID, "latino_leaders"), lead.at(s.ID, "latino_leader_share"), stud.at(s.ID, "latino_student_share")
			c.note(sh, st)
			tc.note(a, l, sh, st)
			name := textCell(s.Name)
			name.Link = e.links.school(s.ID)
			tc.Table.Rows = append(tc.Table.Rows, []cell{name, t.cell(a, e.suppressBelow), t.cell(l, e.suppressBelow),
				t.cell(sh, e.suppressBelow), t.cell(st, e.suppressBelow), flagCell(t, l, e.suppressBelow)})
			x, okx := point(st).(float64)
			if !okx {
				continue
			}
			n := 0.0
			if v, ok := point(a).(float64); ok {
				n = v
			}
			if y, ok := point(sh).(float64); ok {
				shown = append(shown, opts.ScatterData{Name: s.Name, Value: []any{x, y, n}})
			} else if sh.v.Suppressed != "" {
				hidden = append(hidden, opts.ScatterData{Name: s.Name, Value: []any{x, 0, n}})
			} else {
				continue
			}
			c.link(s.Name, e.links.school(s.ID))
			c.Table.Rows = append(c.Table.Rows, []cell{name, t.cell(a, e.suppressBelow), t.cell(st, e.suppressBelow), t.cell(sh, e.suppressBelow)})
		}
		tc.Empty = len(tc.Table.Rows) == 0
		if len(shown)+len(hidden) == 0 {
			return []*chart{tc}, nil // the table alone
		}
		sc := charts.NewScatter()
		sc.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
			charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: t.tr("latino_student_share") + " (%)", NameLocation: "middle",
				NameGap: 28, Min: 0, Max: 100}),
			charts.WithYAxisOpts(valueAxis(t.tr("latino_leader_share")+" (%)", func(y *opts.YAxis) { y.Min = 0; y.Max = 100 })))...)
		sc.AddSeries(t.tr("schools"), shown)
		if len(hidden) > 0 {
			sc.AddSeries(t.tr("hidden_share"), hidden, charts.WithItemStyleOpts(opts.ItemStyle{Color: "transparent", BorderColor: "#57606a"}),
				charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "<" + strconv.Itoa(e.suppressBelow), Position: "top"}))
		}
		return []*chart{c, tc}, c.setOption(sc, func(o map[string]any) {
			for i, s := range o["series"].([]any) {
				s := s.(map[string]any)
				s["caminoSize"] = true // symbol size by the school's leaders (dashboards.js)
				if i == 0 {
					// parity: the leader share equals the student share
					s["markLine"] = map[string]any{"silent": true, "symbol": "none", "animation": false,
						"lineStyle": map[string]any{"type": "dashed", "color": "#57606a"},
						"label":     map[string]any{"formatter": t.tr("parity"), "position": "insideEndTop"},
						"data":      []any{[]any{map[string]any{"coord": []any{0, 0}}, map[string]any{"coord": []any{100, 100}}}}}
				}
				if i == 1 {
					s["itemStyle"] = map[string]any{"color": "transparent", "borderColor": "#57606a", "borderType": "dashed", "borderWidth": 1}
				}
			}
		})
	}}
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

// The ranking of districts by representation index keeps the districts
// with at least minRankLeaders leaders (below that one person moves the
// index from 0 to several times parity) and draws the first rankTop of
// them, all of them when asked (?ranking=all); every district is in the
// table.
const (
	minRankLeaders = 10
	rankTop        = 20
)

// districtsChart: the representation index of a state's districts in the
// last year of the span, ranked (a bar opens the district's page), with its
// rule stated; every district in the table, linking to its page.
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
			t.tr("latino_leader_share"), t.tr("latino_student_share"), t.tr("ranked")}
		type bar struct {
			name string
			ix   figure
			id   string
		}
		var bars []bar
		small := 0
		for _, d := range list {
			ix, a, l, ls, ss := r.at(d.ID, "representation_index"), r.at(d.ID, "leaders"), r.at(d.ID, "latino_leaders"),
				r.at(d.ID, "latino_leader_share"), r.at(d.ID, "latino_student_share")
			_, has := r.rows[d.ID]
			// A district is ranked when it has the leaders (a hidden count
			// is below the threshold, which is at most minRankLeaders… or
			// a cell hidden to protect another: not ranked either).
			ranked := has && a.v.V != nil && *a.v.V >= minRankLeaders
			rankCell := cell{Text: t.tr("no"), Raw: "0"}
			if ranked {
				rankCell = cell{Text: t.tr("yes"), Raw: "1"}
			}
			name := textCell(d.Name)
			name.Link = e.links.district(d.ID)
			c.note(ix, a, l, ls, ss)
			c.Table.Rows = append(c.Table.Rows, []cell{name, t.cell(ix, e.suppressBelow), t.cell(a, e.suppressBelow),
				t.cell(l, e.suppressBelow), t.cell(ls, e.suppressBelow), t.cell(ss, e.suppressBelow), rankCell})
			if !has {
				continue
			}
			if !ranked {
				small++
				continue
			}
			bars = append(bars, bar{name: d.Name, ix: ix, id: d.ID})
		}
		// Highest index first; a zero after every index above it; no data
		// (or a hidden index) last.
		sort.SliceStable(bars, func(i, j int) bool { return num(point(bars[i].ix)) > num(point(bars[j].ix)) })
		m := len(bars)
		all := e.f.Ranking == "all"
		if !all && m > rankTop+5 {
			bars = bars[:rankTop]
		}
		c.Empty = len(bars) == 0
		switch {
		case c.Empty && small > 0:
			c.EmptyText = fmt.Sprintf(t.tr("rank.none"), minRankLeaders, small)
		case len(bars) < m:
			c.Rule = fmt.Sprintf(t.tr("rank.top"), len(bars), m, minRankLeaders, t.schoolYear(e.f.To))
			c.More = &link{Text: fmt.Sprintf(t.tr("rank.all"), m), Href: e.links.self("ranking", "all") + "#card-" + id}
		default:
			c.Rule = fmt.Sprintf(t.tr("rank.every"), m, minRankLeaders, t.schoolYear(e.f.To))
			if all && m > rankTop+5 {
				c.More = &link{Text: fmt.Sprintf(t.tr("rank.fewer"), rankTop), Href: e.links.self("ranking", "") + "#card-" + id}
			}
		}
		if small > 0 && !c.Empty {
			c.Rule += " " + fmt.Sprintf(t.tr("rank.rest"), small, minRankLeaders)
		}
		slices.Reverse(bars) // a horizontal axis draws its first category at the bottom
		names := make([]string, len(bars))
		figs := make([]figure, len(bars))
		for i, b := range bars {
			names[i], figs[i] = b.name, b.ix
			c.link(b.name, e.links.district(b.id))
		}
		c.Height = max(260, 24*len(bars)+90)
		bc := charts.NewBar()
		bc.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: t.tr("representation_index"), NameLocation: "middle", NameGap: 28, Min: 0}),
			charts.WithYAxisOpts(opts.YAxis{Type: "category", AxisLabel: &opts.AxisLabel{Interval: "0", Width: 150, Overflow: "truncate"}}),
			charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}))...)
		bc.SetXAxis(names).AddSeries(t.tr("representation_index"), barData(c.plot(e, 0, names, figs,
			plotOpts{bars: true, horizontal: true, noData: true})))
		bc.XYReversal()
		return c, c.setOption(bc, func(o map[string]any) {
			s := o["series"].([]any)[0].(map[string]any)
			s["markLine"] = map[string]any{"silent": true, "symbol": "none", "animation": false,
				"lineStyle": map[string]any{"type": "dashed", "color": "#57606a"},
				"label":     map[string]any{"formatter": t.tr("parity.index"), "position": "end"},
				"data":      []any{map[string]any{"xAxis": 1, "name": t.tr("parity")}}}
		})
	})
}

// num orders series values: numbers by value, gaps below every number.
func num(v any) float64 {
	if x, ok := v.(float64); ok {
		return x
	}
	return math.Inf(-1)
}

// yearCell is a school year in a table and its CSV, named as on the
// charts (2024-25).
func yearCell(t text, y string) cell {
	n, _ := strconv.Atoi(y)
	return cell{Text: t.schoolYear(n), Raw: t.schoolYear(n)}
}
