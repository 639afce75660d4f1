package dashboards

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
)

// The board page: each goal (a gauge and a line), Latino leaders by tier,
// the representation index by district, membership and the members' moves
// between ranks.

// goalCharts are a goal's card: the words (the latest figure against the
// target, then where it stands), a gauge of how far along the way it is
// (with where the straight path stands now) and its line: the actual
// series, the straight path from baseline to target with the value
// expected by now marked on it, and each projection, in whole people for a
// count; the on-track badge.
func goalCharts(ctx context.Context, e env, g warehouse.Goal) ([]*chart, error) {
	v, err := goalViewOf(ctx, e.runner, e.places, g, e.suppressBelow)
	if err != nil {
		return nil, err
	}
	t := e.t
	p := v.p
	badge, class := t.tr("no_projection"), "badge-none"
	if p.OnTrack != nil {
		badge, class = t.tr("off_track"), "badge-off"
		if *p.OnTrack {
			badge, class = t.tr("on_track"), "badge-on"
		}
	}
	fig := func(x *float64, unit string) figure { return figure{v: metrics.Value{V: x}, unit: unit} }
	whole := v.whole
	name := v.name(t)

	gauge := &chart{ID: "goal-" + g.ID + "-gauge", Title: name + " · " + fmt.Sprintf(t.tr("chart.goal.gauge"), t.schoolYear(g.TargetYear)),
		Height: 250, Panel: "gauge"}
	gauge.Table.Columns = []string{t.tr("school_year"), t.tr("actual"), t.tr("expected"), t.tr("target"), t.tr("projection"), t.tr("of_way_col")}
	latest := ""
	if p.LatestYear != nil {
		latest = t.schoolYear(*p.LatestYear)
	}
	gauge.Table.Rows = [][]cell{{textCell(latest), t.cell(fig(p.LatestValue, v.unit), e.suppressBelow),
		t.cell(fig(whole(p.ExpectedValue), v.unit), e.suppressBelow), t.cell(fig(&g.TargetValue, v.unit), e.suppressBelow),
		t.cell(fig(whole(p.ProjectedValue), v.unit), e.suppressBelow), t.cell(fig(p.PercentOfWay, metrics.UnitRatio), e.suppressBelow)}}
	gauge.Empty = p.LatestValue == nil
	needle := 0.0
	if p.PercentOfWay != nil {
		needle = math.Round(math.Max(0, math.Min(100, *p.PercentOfWay))*10) / 10
	}
	gc := charts.NewGauge()
	gc.SetGlobalOptions(append(base(t, gauge.ID, gauge.Height), charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(false)}),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}))...)
	gc.AddSeries(v.noun(t), []opts.GaugeData{{Name: t.tr("of_way"), Value: needle}})
	if err = gauge.setOption(gc, func(o map[string]any) {
		x := v.expectedShare()
		if x == nil {
			return
		}
		// The straight path's mark: a second gauge over the first that
		// draws only a short pointer at the rim (dashboards.js styles the
		// first and writes the mark's words under it).
		s := o["series"].([]any)[0].(map[string]any)
		s["data"].([]any)[0].(map[string]any)["caminoExpected"] = fmt.Sprintf(t.tr("goal.expected.mark"), v.value(t, *whole(p.ExpectedValue)))
		off := map[string]any{"show": false}
		o["series"] = append(o["series"].([]any), map[string]any{"type": "gauge", "name": t.tr("expected"), "min": 0, "max": 100,
			"caminoExpected": true, "silent": true, "z": 5, "animation": false,
			"data": []any{map[string]any{"name": t.tr("expected"), "value": math.Round(*x*10) / 10}},
			"pointer": map[string]any{"icon": "triangle", "length": "16%", "width": 12, "offsetCenter": []any{0, "-78%"},
				"itemStyle": map[string]any{"color": "#D55E00"}},
			"axisLine": off, "axisTick": off, "splitLine": off, "axisLabel": off, "progress": off, "title": off, "detail": off, "anchor": off})
	}); err != nil {
		return nil, err
	}

	line := &chart{ID: "goal-" + g.ID, Title: name, Badge: badge, BadgeClass: class, Height: 280, Lede: v.lede(t),
		Words: v.sentences(t)[1:], Also: []*chart{gauge}, Panel: "main"}
	if p.LatestValue == nil {
		line.Words = v.sentences(t)
	}
	if sub := strings.TrimSpace(g.Title); t.lang == "en" && sub != "" && !strings.EqualFold(sub, name) {
		line.Note = fmt.Sprintf(t.tr("goal.title"), sub)
	}
	gs := v.series()
	years, labels := yearsOf(gs.first, g.TargetYear), yearLabels(t, gs.first, g.TargetYear)
	figs := func(vs []*float64) []figure {
		out := make([]figure, len(vs))
		for i, x := range vs {
			out[i] = figure{v: metrics.Value{V: x}, unit: v.unit}
		}
		return out
	}
	actual, path := figs(gs.actual), figs(gs.path)
	projs := make([][]figure, len(gs.projections))
	for k, vs := range gs.projections {
		projs[k] = figs(vs)
	}
	// A hidden year of the actual series is marked where it would stand.
	for y := range v.hiddenYears {
		if i := y - gs.first; i >= 0 && i < len(actual) {
			actual[i].v.Suppressed = metrics.SmallCount
		}
	}
	line.Table.Columns = []string{t.tr("school_year"), t.tr("actual")}
	for _, pr := range v.projections {
		line.Table.Columns = append(line.Table.Columns, t.tr("projection."+pr.key))
	}
	line.Table.Columns = append(line.Table.Columns, t.tr("path"))
	for i, y := range years {
		row := []cell{yearCell(t, y), t.cell(actual[i], e.suppressBelow)}
		for k := range v.projections {
			row = append(row, t.cell(projs[k][i], e.suppressBelow))
		}
		line.Table.Rows = append(line.Table.Rows, append(row, t.cell(path[i], e.suppressBelow)))
	}
	line.Empty = p.LatestValue == nil && !v.hidden()
	axis := upperFirst(v.noun(t))
	if v.unit == metrics.UnitShare {
		axis += " (%)"
	}
	lc := charts.NewLine()
	lc.SetGlobalOptions(append(base(t, line.ID, line.Height),
		charts.WithXAxisOpts(opts.XAxis{Type: "category"}),
		charts.WithYAxisOpts(valueAxis(axis, func(y *opts.YAxis) { y.Min = 0 })))...)
	lc.SetXAxis(labels).AddSeries(t.tr("actual"), lineData(line.plot(e, 0, labels, actual, plotOpts{})))
	for k, pr := range v.projections {
		lc.AddSeries(t.tr("projection."+pr.key), lineData(line.plot(e, 1+k, labels, projs[k], plotOpts{level: 1 + k})),
			charts.WithLineStyleOpts(opts.LineStyle{Type: "dashed"}))
	}
	pathSeries := 1 + len(v.projections)
	lc.AddSeries(t.tr("path"), lineData(line.plot(e, pathSeries, labels, path, plotOpts{})),
		charts.WithLineChartOpts(opts.LineChart{ConnectNulls: opts.Bool(true)}),
		charts.WithLineStyleOpts(opts.LineStyle{Type: "dotted"}))
	if ex := p.ExpectedValue; ex != nil && p.LatestYear != nil && *p.LatestYear <= g.TargetYear {
		x := *whole(ex)
		line.marks = append(line.marks, mark{series: pathSeries, coord: []any{t.schoolYear(*p.LatestYear), x},
			text: fmt.Sprintf(t.tr("goal.expected.mark"), v.value(t, x)), kind: "expected"})
	}
	line.marks = append(line.marks, mark{series: pathSeries, coord: []any{t.schoolYear(g.TargetYear), g.TargetValue},
		text: fmt.Sprintf(t.tr("goal.target.mark"), v.value(t, g.TargetValue)), kind: "target", offset: []any{0, 0}})
	if err = line.setOption(lc); err != nil {
		return nil, err
	}
	return []*chart{line}, nil
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
		series := make([][]figure, len(tiers))
		for _, y := range years {
			row := []cell{yearCell(t, y)}
			for i, tier := range tiers {
				f, ok := at[[2]string{y, tier}]
				if !ok {
					zero := 0.0
					f = figure{v: metrics.Value{V: &zero}, unit: metrics.UnitCount}
				}
				series[i] = append(series[i], f)
				row = append(row, t.cell(f, e.suppressBelow))
			}
			c.Table.Rows = append(c.Table.Rows, row)
		}
		c.Empty = len(res.Rows) == 0
		labels := yearLabels(t, e.f.From, e.f.To)
		bar := charts.NewBar()
		bar.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(yearAxis(t)),
			charts.WithYAxisOpts(valueAxis(t.tr("latino_leaders"), func(y *opts.YAxis) { y.Min = 0 })))...)
		bar.SetXAxis(labels)
		for i, tier := range tiers {
			bar.AddSeries(t.tier(tier), barData(c.plot(e, i, labels, series[i], plotOpts{bars: true, stacked: true, level: i})),
				charts.WithBarChartOpts(opts.BarChart{Stack: "tier"}))
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
		var ms, ns []figure
		for _, y := range years {
			m, n := r.at(y, "members"), r.at(y, "new_members")
			ms, ns = append(ms, m), append(ns, n)
			c.Table.Rows = append(c.Table.Rows, []cell{yearCell(t, y), t.cell(m, e.suppressBelow), t.cell(n, e.suppressBelow)})
		}
		labels := yearLabels(t, e.f.From, e.f.To)
		bar := charts.NewBar()
		bar.SetGlobalOptions(append(base(t, c.ID, c.Height),
			charts.WithXAxisOpts(yearAxis(t)),
			charts.WithYAxisOpts(valueAxis(t.tr("members"), func(y *opts.YAxis) { y.Min = 0 })))...)
		bar.SetXAxis(labels).AddSeries(t.tr("new_members"), barData(c.plot(e, 0, labels, ns, plotOpts{bars: true})))
		line := charts.NewLine()
		line.AddSeries(t.tr("members"), lineData(c.plot(e, 1, labels, ms, plotOpts{level: 1})))
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
		c := &chart{ID: "progression", Title: fmt.Sprintf(t.tr("chart.progression"), e.span()) + " · " + p.name, Height: 460, Wide: true,
			Note: t.tr("progression.note")}
		c.Table.Columns = []string{t.tr("role") + " (t)", t.tr("role") + " (t+1)", t.tr("flows")}
		// Nodes: each rank once on the left (where people were) and once on
		// the right (where they went), coloured by rank; labels outside
		// the nodes, towards the middle, so that the narrow nodes of the
		// top ranks do not pile their labels up.
		type nodeAt struct {
			name  string
			role  string
			right bool
		}
		var nodes []nodeAt
		seen := map[string]bool{}
		node := func(name, role string, right bool) {
			if !seen[name] {
				seen[name] = true
				nodes = append(nodes, nodeAt{name: name, role: role, right: right})
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
			node(from, row.Dims[0], false)
			node(to, row.Dims[1], true)
			links = append(links, opts.SankeyLink{Source: from, Target: to, Value: float32(v)})
		}
		// Ranks in ladder order on both sides (where people went: "none"
		// last), kept so by the layout.
		rank := func(role string) int {
			if i := slices.Index(ladderRoles, role); i >= 0 {
				return i
			}
			return len(ladderRoles)
		}
		sort.SliceStable(nodes, func(i, j int) bool {
			if nodes[i].right != nodes[j].right {
				return !nodes[i].right
			}
			return rank(nodes[i].role) < rank(nodes[j].role)
		})
		c.Empty = len(links) == 0
		left := "→ " + t.role("none")
		if seen[left] {
			c.Toggle = &toggle{Node: left, Hide: t.tr("sankey.hide"), Show: t.tr("sankey.show")}
		}
		colour := map[string]string{}
		for i, r := range ladderRoles {
			colour[r] = palette[i%len(palette)]
		}
		colour["none"] = "#8c959f"
		sk := charts.NewSankey()
		sk.SetGlobalOptions(append(base(t, c.ID, c.Height), charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
			charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true)}),
			charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}))...)
		sn := make([]opts.SankeyNode, len(nodes))
		for i, n := range nodes {
			sn[i] = opts.SankeyNode{Name: n.name}
		}
		sk.AddSeries(t.tr("flows"), sn, links, charts.WithLabelOpts(opts.Label{Show: opts.Bool(true)}),
			charts.WithLineStyleOpts(opts.LineStyle{Color: "source", Curveness: 0.5, Opacity: opts.Float(0.35)}))
		err = c.setOption(sk, func(o map[string]any) {
			s := o["series"].([]any)[0].(map[string]any)
			s["nodeGap"], s["nodeWidth"], s["layoutIterations"] = 14, 14, 0
			s["left"], s["right"], s["top"], s["bottom"] = 8, 8, 40, 8
			s["emphasis"] = map[string]any{"focus": "adjacency"}
			data := s["data"].([]any)
			for i, n := range nodes {
				d := data[i].(map[string]any)
				d["itemStyle"] = map[string]any{"color": colour[n.role]}
				pos := "right"
				if n.right {
					pos = "left"
				}
				d["label"] = map[string]any{"position": pos, "fontSize": 12}
			}
		})
		return c, err
	})
}

// ladderRoles are the ladder's roles in rank order (their colours).
var ladderRoles = []string{"teacher", "teacher_leader", "assistant_principal", "principal", "district_leader",
	"assistant_superintendent", "superintendent", "state_leader"}

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
