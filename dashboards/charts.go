package dashboards

import (
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"strconv"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"

	"github.com/camino-edu/camino/internal/metrics"
)

// AssetsHost is where pages and charts load ECharts from: camino's own
// vendor path (see internal/server/assets.go), never a CDN.
const AssetsHost = "/assets/vendor/"

// palette is Okabe and Ito's colour-blind-safe palette (its black left out:
// it vanishes in dark mode); charts also draw decal patterns (aria), so
// series differ without colour.
var palette = opts.Colors{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"}

// chart is one chart of a page: the ECharts option, the same figures as a
// table (the table view and the CSV), and what the reader must know about
// them (hidden values, no data).
type chart struct {
	ID    string
	Title string
	// Option is the ECharts option as JSON; empty for a table-only chart.
	Option template.JS
	Table  table
	// Sortable charts have a category axis the reader may sort by value.
	Sortable bool
	// Empty says the filter selects no data; Failed that the figures could
	// not be computed (logged; the rest of the page is served).
	Empty, Failed bool
	// EmptyText replaces the usual "no data" words.
	EmptyText string
	// Suppressed and Coded say some figure is hidden or a bound (footnote).
	Suppressed, Coded bool
	// Badge is a goal's on-track label and its CSS class.
	Badge, BadgeClass string
	Note              string
	Height            int
	// CSV is the link to the chart's table as CSV.
	CSV string
	// Wide charts take a whole row.
	Wide bool
	// Also are panels drawn in the same card before this chart (a goal's
	// gauge beside its line); each has its own option, table and CSV.
	Also []*chart
	// Lede and Words say the chart's point in words above it (a goal's
	// "14 of 40 …" and its sentences); Rule says what a ranking keeps.
	Lede  template.HTML
	Words []string
	Rule  string
	// More links to the same chart with everything drawn (or back).
	More *link
	// Toggle is a button that hides and shows one node of a Sankey.
	Toggle *toggle
	// TableNote explains a column of the table that the chart does not draw.
	TableNote string
	// Open shows the table without a click (a table is the chart's point).
	Open bool
	// Panel is the CSS class of a panel drawn beside others (Also).
	Panel string

	marks  []mark
	links  map[string]string
	assets []string
}

type link struct{ Text, Href string }

// toggle hides the Sankey node Node (its links) and shows it again.
type toggle struct{ Node, Hide, Show string }

// mark is a value the chart cannot draw as a bar or a point, marked where
// it would stand: a hidden value ("<10"), a zero on a bar chart, or no data.
type mark struct {
	series int
	coord  []any
	text   string
	kind   string // markHidden, markZero, markNoData, or another label
	// offset moves the tag off the axis it stands on (px: x, y); shift
	// moves it along the category axis, as a share of a category's band
	// (over its own bar of a group).
	offset []any
	shift  float64
}

const (
	markHidden = "hidden"
	markZero   = "zero"
	markNoData = "nodata"
)

// mark adds a mark to series at coord (category and value, in the order of
// the chart's x and y axes).
func (c *chart) mark(series int, text, kind string, coord ...any) {
	c.marks = append(c.marks, mark{series: series, coord: coord, text: text, kind: kind})
}

// link makes a category of the chart (a bar, a point) open a page.
func (c *chart) link(category, href string) {
	if c.links == nil {
		c.links = map[string]string{}
	}
	c.links[category] = href
}

// table is a chart's figures: cells formatted for the reader, with the raw
// value kept for sorting and CSV.
type table struct {
	Columns []string
	Rows    [][]cell
}

type cell struct {
	Text string // as the reader sees it
	Raw  string // for CSV and sorting: a plain number or the text
	Link string // drill-down page, when the cell names a place
	Num  bool
}

func textCell(s string) cell { return cell{Text: s, Raw: s} }

// figure is a catalog value with its unit, as a table cell and as a point
// of a series.
type figure struct {
	v    metrics.Value
	unit string
}

// cell formats the value: counts as integers, shares as percents, ratios
// with two decimals; hidden values as "<N", bounds with ≤ or ≥.
func (t text) cell(f figure, suppressBelow int) cell {
	v := f.v
	if v.Suppressed != "" {
		s := "<" + strconv.Itoa(suppressBelow)
		return cell{Text: s, Raw: s, Num: true}
	}
	if v.V == nil || math.IsNaN(*v.V) {
		return cell{Text: "–", Raw: "", Num: true}
	}
	x := *v.V
	var s, raw string
	switch f.unit {
	case metrics.UnitCount:
		s, raw = t.int(x), strconv.FormatFloat(math.Round(x), 'f', -1, 64)
	case metrics.UnitShare:
		s, raw = t.percent(x), strconv.FormatFloat(x, 'f', 4, 64)
	default:
		s, raw = t.number(x, 2), strconv.FormatFloat(x, 'f', 3, 64)
	}
	switch v.Coded {
	case metrics.AtMost:
		s, raw = "≤ "+s, "<="+raw
	case metrics.AtLeast:
		s, raw = "≥ "+s, ">="+raw
	}
	return cell{Text: s, Raw: raw, Num: true}
}

// point is the value as a series point: shares in percent (two decimals),
// ratios to three decimals, counts as they are; "-" (ECharts' gap) where
// the value is hidden or undefined.
func point(f figure) any {
	v := f.v
	if v.Suppressed != "" || v.V == nil || math.IsNaN(*v.V) || math.IsInf(*v.V, 0) {
		return "-"
	}
	switch f.unit {
	case metrics.UnitShare:
		return math.Round(*v.V*10000) / 100
	case metrics.UnitCount:
		return math.Round(*v.V)
	}
	return math.Round(*v.V*1000) / 1000
}

// note marks the chart as having hidden or coded figures.
func (c *chart) note(fs ...figure) {
	for _, f := range fs {
		if f.v.Suppressed != "" {
			c.Suppressed = true
		}
		if f.v.Coded != "" {
			c.Coded = true
		}
	}
}

// base are the options every chart shares: local assets, a legend, an axis
// tooltip, save-as-PNG, the palette and decal patterns.
func base(t text, id string, height int) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: "echart-" + id, AssetsHost: AssetsHost,
			Width: "100%", Height: strconv.Itoa(height) + "px"}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Left: "0", Type: "scroll", Right: "40"}),
		charts.WithToolboxOpts(opts.Toolbox{Show: opts.Bool(true), Right: "0", Top: "0", Feature: &opts.ToolBoxFeature{
			SaveAsImage: &opts.ToolBoxFeatureSaveAsImage{Show: opts.Bool(true), Type: "png", Name: id, Title: t.tr("png.title")}}}),
		charts.WithColorsOpts(palette),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true), Decal: &opts.AriaDecal{Show: opts.Bool(true)}}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "16", Bottom: "36", Top: "64", ContainLabel: opts.Bool(true)}),
	}
}

// setOption validates a go-echarts chart and keeps its option as JSON
// (json.Marshal escapes <, > and &, so it is safe inside a script element)
// and its script assets (under AssetsHost). The chart's marks become
// markPoints of their series and its links the option's caminoLinks (read by
// dashboards.js); edit, when given, changes what go-echarts cannot say (a
// data item's extra fields, an axis flag). go-echarts panics on some
// invalid input: that becomes an error.
func (c *chart) setOption(x interface {
	Validate()
	JSON() map[string]interface{}
	GetAssets() opts.Assets
}, edit ...func(o map[string]any)) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("go-echarts: %v", p)
		}
	}()
	x.Validate()
	b, err := json.Marshal(x.JSON())
	if err != nil {
		return err
	}
	var o map[string]any
	if err := json.Unmarshal(b, &o); err != nil {
		return err
	}
	series, _ := o["series"].([]any)
	for _, m := range c.marks {
		if m.series >= len(series) {
			return fmt.Errorf("chart %s: a mark on series %d of %d", c.ID, m.series, len(series))
		}
		s := series[m.series].(map[string]any)
		mp, _ := s["markPoint"].(map[string]any)
		if mp == nil {
			mp = map[string]any{"symbol": "roundRect", "symbolSize": []any{30, 16}, "data": []any{},
				"animation": false, "silent": false}
			s["markPoint"] = mp
		}
		mp["data"] = append(mp["data"].([]any), markItem(m))
	}
	if len(c.links) > 0 {
		o["caminoLinks"] = c.links
	}
	for _, f := range edit {
		f(o)
	}
	if b, err = json.Marshal(o); err != nil {
		return err
	}
	c.Option, c.assets = template.JS(b), x.GetAssets().JSAssets.Values
	return nil
}

// markItem is a mark as an ECharts markPoint item: a small tag with its
// text, dashed for a hidden value, plain for a zero or no data.
func markItem(m mark) map[string]any {
	item := map[string]any{"name": m.kind, "value": m.text, "coord": m.coord,
		"label": map[string]any{"show": true, "formatter": m.text, "color": "#1b1f23", "fontSize": 11}}
	switch m.kind {
	case markHidden:
		item["itemStyle"] = map[string]any{"color": "#ffffff", "borderColor": "#57606a", "borderType": "dashed", "borderWidth": 1}
		item["symbolSize"] = []any{8 + 7*len([]rune(m.text)), 16}
	case markZero, markNoData:
		item["itemStyle"] = map[string]any{"color": "transparent"}
		item["symbolSize"] = []any{8 + 7*len([]rune(m.text)), 16}
		item["label"].(map[string]any)["color"] = "#57606a"
	default: // a named point of a line (expected by now, the target)
		item["symbol"] = "diamond"
		item["symbolSize"] = 12
		item["itemStyle"] = map[string]any{"color": "#1b1f23"}
		lab := item["label"].(map[string]any)
		lab["position"], lab["fontSize"], lab["fontWeight"] = "top", 12, "bold"
		lab["backgroundColor"], lab["padding"] = "rgba(255,255,255,0.85)", []any{2, 4}
		if m.kind == "target" {
			// the target stands at the axis's end: its words to its left
			lab["position"] = "left"
		}
	}
	if m.offset != nil {
		item["symbolOffset"] = m.offset
	}
	if m.shift != 0 {
		item["caminoShift"] = math.Round(m.shift*1000) / 1000
	}
	return item
}

func lineData(ps []any) []opts.LineData {
	out := make([]opts.LineData, len(ps))
	for i, p := range ps {
		out[i] = opts.LineData{Value: p}
	}
	return out
}

func barData(ps []any) []opts.BarData {
	out := make([]opts.BarData, len(ps))
	for i, p := range ps {
		out[i] = opts.BarData{Value: p}
	}
	return out
}

// axisName is a value axis named by its unit.
func valueAxis(name string, extra ...func(*opts.YAxis)) opts.YAxis {
	y := opts.YAxis{Type: "value", Name: name, NameLocation: "end"}
	for _, f := range extra {
		f(&y)
	}
	return y
}
