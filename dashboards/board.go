package dashboards

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
)

// The board page: each goal (a gauge and a line), Latino leaders by tier,
// the representation index by district, membership and the members' moves
// between ranks.

// goalCharts are a goal's two charts: how far along the way to the target
// it is (a gauge) and its actual series, target and projection (a line),
// both with the on-track badge.
func goalCharts(ctx context.Context, e env, g warehouse.Goal) ([]*chart, error) {
	p, err := metrics.GoalProgressFor(ctx, e.runner, g)
	if err != nil {
		return nil, err
	}
	t := e.t
	def, _ := metrics.LookupMeasure(g.Measure)
	measure := t.tr(g.Measure)
	badge, class := t.tr("no_projection"), "badge-none"
	if p.OnTrack != nil {
		badge, class = t.tr("off_track"), "badge-off"
		if *p.OnTrack {
			badge, class = t.tr("on_track"), "badge-on"
		}
	}
	fig := func(v *float64) figure { return figure{v: metrics.Value{V: v}, unit: def.Unit} }
	// A projection of a count is not a count: it keeps its decimals.
	projUnit := def.Unit
	if projUnit == metrics.UnitCount {
		projUnit = metrics.UnitRatio
	}

	target := g.TargetValue

	gauge := &chart{ID: "goal-" + g.ID + "-gauge", Title: g.Title + " · " + fmt.Sprintf(t.tr("chart.goal.gauge"), g.TargetYear),
		Badge: badge, BadgeClass: class, Height: 260}
	gauge.Table.Columns = []string{measure, t.tr("actual"), t.tr("target"), t.tr("projection"), "%"}
	pct := figure{v: metrics.Value{V: p.PercentOfWay}, unit: metrics.UnitRatio}
	latest := ""
	if p.LatestYear != nil {
		latest = t.schoolYear(*p.LatestYear)
	}
	gauge.Table.Rows = [][]cell{{textCell(latest), t.cell(fig(p.LatestValue), e.suppressBelow), t.cell(fig(&target), e.suppressBelow),
		t.cell(figure{v: metrics.Value{V: p.ProjectedValue}, unit: projUnit}, e.suppressBelow), t.cell(pct, e.suppressBelow)}}
	gauge.Empty = p.LatestValue == nil
	needle := 0.0
	if p.PercentOfWay != nil {
		needle = math.Round(math.Max(0, math.Min(100, *p.PercentOfWay))*10) / 10
	}
	gc := charts.NewGauge()
	gc.SetGlobalOptions(append(base(t, gauge.ID, gauge.Height), charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(false)}),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}))...)
	gc.AddSeries(measure, []opts.GaugeData{{Name: t.tr("of_way"), Value: needle}})
	if err = gauge.setOption(gc); err != nil {
		return nil, err
	}

	line := &chart{ID: "goal-" + g.ID, Title: fmt.Sprintf(t.tr("chart.goal"), g.Title, measure, g.TargetYear),
		Badge: badge, BadgeClass: class, Height: 260}
	first := g.BaselineYear
	if len(p.Actual) > 0 {
		first = min(first, p.Actual[0].Year)
	}
	years := yearsOf(first, g.TargetYear)
	actual, proj, tgt := make([]figure, len(years)), make([]figure, len(years)), make([]figure, len(years))
	for i := range years {
		actual[i], proj[i], tgt[i] = figure{unit: def.Unit}, figure{unit: projUnit}, figure{unit: def.Unit}
	}
	for _, a := range p.Actual {
		if i := a.Year - first; i >= 0 && i < len(years) {
			actual[i].v.V = a.Value
		}
	}
	for _, a := range p.Projection {
		if i := a.Year - first; i >= 0 && i < len(years) {
			proj[i].v.V = a.Value
		}
	}
	tgt[0].v.V, tgt[len(years)-1].v.V = &g.BaselineValue, &target
	line.Table.Columns = []string{t.tr("school_year"), t.tr("actual"), t.tr("projection"), t.tr("target")}
	points := func(fs []figure) []any {
		out := make([]any, len(fs))
		for i, f := range fs {
			out[i] = point(f)
		}
		return out
	}
	for i, y := range years {
		line.Table.Rows = append(line.Table.Rows, []cell{yearCell(t, y), t.cell(actual[i], e.suppressBelow),
			t.cell(proj[i], e.suppressBelow), t.cell(tgt[i], e.suppressBelow)})
	}
	line.Empty = p.LatestValue == nil
	axis := measure
	if def.Unit == metrics.UnitShare {
		axis += " (%)"
	}
	lc := charts.NewLine()
	lc.SetGlobalOptions(append(base(t, line.ID, line.Height),
		charts.WithXAxisOpts(opts.XAxis{Type: "category"}),
		charts.WithYAxisOpts(valueAxis(axis, func(y *opts.YAxis) { y.Scale = opts.Bool(true) })))...)
	lc.SetXAxis(years).
		AddSeries(t.tr("actual"), lineData(points(actual))).
		AddSeries(t.tr("projection"), lineData(points(proj)), charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed"})).
		AddSeries(t.tr("target"), lineData(points(tgt)), charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(true)}),
			charts.WithLineStyleOpts(opts.LineStyle{Type: "dotted"}))
	if err = line.setOption(lc); err != nil {
		return nil, err
	}
	return []*chart{gauge, line}, nil
}

// boardPlace is what the board's charts cover: the state chosen, or every
// state.
func boardPlace(e env) place {
	if e.f.State == "" {
		return place{name: e.t.tr("all_states")}
	}
	return place{level: metrics.DimState, id: e.f.State, name: e.f.StateName}
}

// tiersChart: Latino leaders per year, stacked by tier.
func tiersChart() builder {
	return single("tiers", func(ctx context.Context, e env) (*chart, error) {
		p := boardPlace(e)
		res, err := e.run(ctx, metrics.Query{Measures: []string{"latino_leaders"}, Dimensions: []string{metrics.DimSchoolYear, metrics.DimTier},
			Filters: p.filters(), From: e.f.From, To: e.f.To})
		if err != nil {
			return nil, err
		}
		t := e.t
		c := &chart{ID: "tiers", Title: fmt.Sprintf(t.tr("chart.tiers"), e.span()) + " · " + p.name, Height: 320}
		years := yearsOf(e.f.From, e.f.To)
		tiers := []string{"school", "district", "state"}
		at := map[[2]string]figure{}
		for _, row := range res.Rows {
			at[[2]string{row.Dims[0], row.Dims[1]}] = figure{v: row.Values[0], unit: metrics.UnitCount}
		}
		c.Table.Columns = []string{t.tr("school_year")}
		for _, tier := range tiers {
			c.Table.Columns = append(c.Table.Columns, t.tier(tier))
		}
		series := make([][]any, len(tiers))
		for _, y := range years {
			row := []cell{yearCell(t, y)}
			for i, tier := range tiers {
				f, ok := at[[2]string{y, tier}]
				if !ok {
					zero := 0.0
					f = figure{v: metrics.Value{V: &zero}, unit: metrics.UnitCount}
				}
				c.note(f)
				series[i] = append(series[i], point(f))
				row = append(row, t.cell(f, e.suppressBelow))
			}
			c.Table.Rows = append(c.Table.Rows, row)
		}
		c.Empty = len(res.Rows) == 0
		bar := charts.NewBar()
		bar.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: t.tr("school_year"), NameLocation: "middle", NameGap: 28}),
			charts.WithYAxisOpts(valueAxis(t.tr("latino_leaders"))))...)
		bar.SetXAxis(years)
		for i, tier := range tiers {
			bar.AddSeries(t.tier(tier), barData(series[i]), charts.WithBarChartOpts(opts.BarChart{Stack: "tier"}))
		}
		err = c.setOption(bar)
		return c, err
	})
}

// membershipChart: members at year end (line) and new members (bars).
func membershipChart() builder {
	return single("membership", func(ctx context.Context, e env) (*chart, error) {
		p := boardPlace(e)
		r, err := e.query(ctx, metrics.Query{Measures: []string{"members", "new_members"}, Dimensions: []string{metrics.DimSchoolYear},
			Filters: p.filters(), From: e.f.From, To: e.f.To})
		if err != nil {
			return nil, err
		}
		t := e.t
		c := &chart{ID: "membership", Title: fmt.Sprintf(t.tr("chart.membership"), e.span()) + " · " + p.name, Height: 320}
		years := yearsOf(e.f.From, e.f.To)
		c.Empty = !r.has("members")
		c.Table.Columns = []string{t.tr("school_year"), t.tr("members"), t.tr("new_members")}
		var ms, ns []any
		for _, y := range years {
			m, n := r.at(y, "members"), r.at(y, "new_members")
			c.note(m, n)
			ms, ns = append(ms, point(m)), append(ns, point(n))
			c.Table.Rows = append(c.Table.Rows, []cell{yearCell(t, y), t.cell(m, e.suppressBelow), t.cell(n, e.suppressBelow)})
		}
		bar := charts.NewBar()
		bar.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: t.tr("school_year"), NameLocation: "middle", NameGap: 28}),
			charts.WithYAxisOpts(valueAxis(t.tr("members"))))...)
		bar.SetXAxis(years).AddSeries(t.tr("new_members"), barData(ns))
		line := charts.NewLine()
		line.AddSeries(t.tr("members"), lineData(ms))
		bar.Overlap(line)
		err = c.setOption(bar)
		return c, err
	})
}

// progressionChart: a Sankey of members' moves from their rank in year t
// to their rank in t+1 (or out of the data), pooled over the span.
func progressionChart() builder {
	return single("progression", func(ctx context.Context, e env) (*chart, error) {
		p := boardPlace(e)
		res, err := e.run(ctx, metrics.Query{Measures: []string{"movers"}, Dimensions: []string{metrics.DimRole, metrics.DimNextRole},
			Filters: append(p.filters(), metrics.Filter{Dimension: metrics.DimMember, In: []string{"yes"}}),
			From:    e.f.From, To: e.f.To, OrderBy: []metrics.Order{{Dimension: metrics.DimRole}}})
		if err != nil {
			return nil, err
		}
		t := e.t
		c := &chart{ID: "progression", Title: fmt.Sprintf(t.tr("chart.progression"), e.span()) + " · " + p.name, Height: 420, Wide: true,
			Note: t.tr("progression.note")}
		c.Table.Columns = []string{t.tr("role") + " (t)", t.tr("role") + " (t+1)", t.tr("flows")}
		var nodes []opts.SankeyNode
		seen := map[string]bool{}
		node := func(name string) {
			if !seen[name] {
				seen[name] = true
				nodes = append(nodes, opts.SankeyNode{Name: name})
			}
		}
		var links []opts.SankeyLink
		for _, row := range res.Rows {
			f := figure{v: row.Values[0], unit: metrics.UnitCount}
			c.note(f)
			from, to := t.role(row.Dims[0]), "→ "+t.role(row.Dims[1])
			c.Table.Rows = append(c.Table.Rows, []cell{textCell(from), textCell(to), t.cell(f, e.suppressBelow)})
			v, ok := point(f).(float64)
			if !ok || v <= 0 || row.Dims[0] == row.Dims[1] {
				continue // hidden, empty, or staying put: in the table, not drawn
			}
			node(from)
			node(to)
			links = append(links, opts.SankeyLink{Source: from, Target: to, Value: float32(v)})
		}
		c.Empty = len(links) == 0
		sk := charts.NewSankey()
		sk.SetGlobalOptions(append(base(t, c.ID, c.Height), charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
			charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true)}),
			charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}))...)
		sk.AddSeries(t.tr("flows"), nodes, links, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: "source", Curveness: 0.5, Opacity: opts.Float(0.4)}))
		err = c.setOption(sk)
		return c, err
	})
}

// goalsBuilder: every active goal's charts, the goals computed in
// parallel, in the goals' order.
func goalsBuilder() builder {
	return builder{id: "goal", build: func(ctx context.Context, e env) ([]*chart, error) {
		goals, err := e.places.ListGoals(ctx, false)
		if err != nil {
			return nil, err
		}
		if len(goals) == 0 {
			return []*chart{{ID: "goal", Title: e.t.tr("goals"), Empty: true, EmptyText: e.t.tr("no_goals")}}, nil
		}
		out := make([][]*chart, len(goals))
		errs := make([]error, len(goals))
		var wg sync.WaitGroup
		for i, g := range goals {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out[i], errs[i] = goalCharts(ctx, e, g)
			}()
		}
		wg.Wait()
		var all []*chart
		for i := range goals {
			if errs[i] != nil {
				return nil, errs[i]
			}
			all = append(all, out[i]...)
		}
		return all, nil
	}}
}
