package dashboards

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
)

// A goal as a reader meets it, on the board's goal cards and in the board
// report alike: its name worded from its fields in the reader's language
// (the stored title is the board's own words, in one language), its
// progress as the API computes it (metrics.GoalProgressFor), and the
// sentences that say where it stands. Every number in the words is one of
// the API's figures, rounded for reading: a count to whole people.

// schoolYearRE finds school years' names (2024-25) in words.
var schoolYearRE = regexp.MustCompile(`\b\d{4}-\d{2}\b`)

// words is text as HTML in which a school year never breaks at its hyphen
// (a line ending in "2030-" reads, and converts to text, as "203031").
func words(s string) template.HTML {
	return noBreak(template.HTMLEscapeString(s))
}

func noBreak(html string) template.HTML {
	return template.HTML(schoolYearRE.ReplaceAllString(html, `<span class="nb">$0</span>`))
}

// goalView is one goal with its progress.
type goalView struct {
	g    warehouse.Goal
	p    metrics.GoalProgress
	unit string
	// place names the goal's scope ("Utah").
	place string
	// projections are the ways the goal's future is read, the linear fit of
	// the last years first (another model may follow it).
	projections []projection
	// unknown is the unknown-ethnicity share of the people a Latino
	// measure counts, in the latest year (nil for other measures).
	unknown *float64
	// fitted is how many years with values the linear projection is fitted to.
	fitted int
	// hiddenYears are the years whose value is small-cell suppressed in
	// this output (a gap in Actual, marked on the chart).
	hiddenYears map[int]bool
	// suppressBelow is the small-cell threshold ("<10").
	suppressBelow int
}

// projection is one reading of where the goal is heading.
type projection struct {
	// key names it in messages (goal.projection.<key>, goal.pace.<key>).
	key     string
	points  []metrics.GoalPoint
	value   *float64
	onTrack *bool
}

// goalViewOf reads a goal's progress through runner (in the context's
// scope) and the name of its place.
func goalViewOf(ctx context.Context, runner metrics.GoalRunner, places Places, g warehouse.Goal, suppressBelow int) (goalView, error) {
	p, err := metrics.GoalProgressFor(ctx, runner, g)
	if err != nil {
		return goalView{}, err
	}
	v := goalView{g: g, p: p, unit: metrics.UnitCount, place: g.ScopeID, suppressBelow: suppressBelow}
	if def, ok := metrics.LookupMeasure(g.Measure); ok {
		v.unit = def.Unit
	}
	for _, pt := range p.Actual {
		if pt.Value != nil {
			v.fitted++
		}
	}
	v.fitted = min(v.fitted, metrics.GoalProjectionYears)
	v.projections = []projection{{key: "linear", points: p.Projection, value: p.ProjectedValue, onTrack: p.OnTrack}}
	v.place = placeName(ctx, places, g.Scope, g.ScopeID)
	if len(p.Actual) > 0 {
		// The years the series hides (the same query GoalProgressFor ran;
		// the dashboards' runner answers it from its cache).
		res, err := runner.Run(ctx, metrics.GoalQuery(g, p.Actual[0].Year, p.Actual[len(p.Actual)-1].Year))
		if err != nil {
			return goalView{}, err
		}
		for _, row := range res.Rows {
			if len(row.Values) == 1 && row.Values[0].Suppressed != "" && len(row.Dims) == 1 {
				if y, err := strconv.Atoi(row.Dims[0]); err == nil {
					if v.hiddenYears == nil {
						v.hiddenYears = map[int]bool{}
					}
					v.hiddenYears[y] = true
				}
			}
		}
	}
	if strings.HasPrefix(g.Measure, "latino_") && p.LatestYear != nil {
		if unknown, ok := unknownMeasure[g.Measure]; ok {
			q := metrics.GoalQuery(g, *p.LatestYear, *p.LatestYear)
			q.Measures = []string{unknown}
			q.Dimensions = nil
			res, err := runner.Run(ctx, q)
			if err != nil {
				return goalView{}, err
			}
			if len(res.Rows) == 1 && len(res.Rows[0].Values) == 1 {
				v.unknown = res.Rows[0].Values[0].V
			}
		}
	}
	return v, nil
}

// unknownMeasure is the completeness figure that bears on a Latino
// measure: how many of the people it counts have no known ethnicity.
var unknownMeasure = map[string]string{"latino_leaders": "unknown_ethnicity_share", "latino_leader_share": "unknown_ethnicity_share"}

// placeName is a goal scope's name (its id when it cannot be read).
func placeName(ctx context.Context, places Places, scope, id string) string {
	switch scope {
	case warehouse.ScopeState:
		if ss, err := places.States(ctx); err == nil {
			for _, s := range ss {
				if s.Code == id {
					return s.Name
				}
			}
		}
	case warehouse.ScopeDistrict:
		if ds, err := places.DistrictsByID(ctx, []string{id}); err == nil && len(ds) == 1 {
			return ds[0].Name
		}
	case warehouse.ScopeSchool:
		if ss, err := places.SchoolsByID(ctx, []string{id}); err == nil && len(ss) == 1 {
			return ss[0].Name
		}
	}
	return id
}

// noun is what the goal counts, in words ("Latino district leaders").
func (v goalView) noun(t text) string {
	key := "goal.noun." + v.g.Measure
	if v.g.Tier != "" {
		if _, ok := messages["en"][key+"."+v.g.Tier]; ok {
			key += "." + v.g.Tier
		}
	}
	if _, ok := messages["en"][key]; ok {
		return t.tr(key)
	}
	return lowerFirst(t.tr(v.g.Measure))
}

// name is the goal's name in the reader's language ("Latino district
// leaders in Utah").
func (v goalView) name(t text) string {
	return upperFirst(fmt.Sprintf(t.tr("goal.name"), v.noun(t), v.place))
}

// value formats a figure of the goal's measure; whole rounds a count (a
// projection, a path) to whole people.
func (v goalView) value(t text, x float64) string {
	switch v.unit {
	case metrics.UnitCount:
		return t.int(math.Round(x))
	case metrics.UnitShare:
		return t.percent(x)
	}
	return t.number(x, 2)
}

// grows says the goal is to raise its measure (not lower it).
func (v goalView) grows() bool { return v.g.TargetValue >= v.g.BaselineValue }

// hidden says the last year's figure is small-cell suppressed in this
// output.
func (v goalView) hidden() bool {
	return len(v.p.Actual) > 0 && v.hiddenYears[v.p.Actual[len(v.p.Actual)-1].Year]
}

// expectedShare is how far along the way in time the latest year is, in
// percent: where the straight path's pointer stands on the gauge.
func (v goalView) expectedShare() *float64 {
	if v.p.LatestYear == nil || v.g.TargetYear == v.g.BaselineYear {
		return nil
	}
	y := min(*v.p.LatestYear, v.g.TargetYear)
	x := math.Max(0, float64(y-v.g.BaselineYear)/float64(v.g.TargetYear-v.g.BaselineYear)*100)
	return &x
}

// lede says the latest figure against the target: "14 of 40 Latino
// district leaders in 2025-26", the figure in bold.
func (v goalView) lede(t text) template.HTML {
	esc := template.HTMLEscapeString
	latest, year := "", 0
	switch {
	case v.hidden():
		// the last year is hidden: its tag, as in the tables
		latest, year = "<"+strconv.Itoa(v.suppressBelow), v.p.Actual[len(v.p.Actual)-1].Year
	case v.p.LatestValue != nil:
		latest, year = v.value(t, *v.p.LatestValue), *v.p.LatestYear
	default:
		return template.HTML(esc(fmt.Sprintf(t.tr("goal.lede.none"), v.noun(t))))
	}
	latest = "<strong>" + esc(latest) + "</strong>"
	key := "goal.lede.count"
	if v.unit != metrics.UnitCount {
		key = "goal.lede.other"
	}
	return noBreak(fmt.Sprintf(esc(t.tr(key)), latest, esc(v.value(t, v.g.TargetValue)), esc(v.noun(t)),
		esc(t.schoolYear(year))))
}

// sentences say where the goal stands: how far along the way, against the
// straight path to the target, at the recent pace (each projection), what
// it needs per year from now, and what the data leave unknown.
func (v goalView) sentences(t text) []string {
	g, p := v.g, v.p
	if p.LatestValue == nil || p.LatestYear == nil {
		if v.hidden() {
			return []string{fmt.Sprintf(t.tr("goal.hidden"), t.schoolYear(v.p.Actual[len(v.p.Actual)-1].Year))}
		}
		return []string{fmt.Sprintf(t.tr("goal.nodata"), t.schoolYear(g.BaselineYear))}
	}
	latest, ly := *p.LatestValue, *p.LatestYear
	var out []string
	way := ""
	if p.PercentOfWay != nil {
		way = fmt.Sprintf(t.tr("goal.way"), t.number(math.Round(*p.PercentOfWay), 0)+t.tr("percent.sign"))
	}
	out = append(out, fmt.Sprintf(t.tr("goal.stand"), v.value(t, latest), v.noun(t), t.schoolYear(ly), way,
		v.value(t, g.BaselineValue), t.schoolYear(g.BaselineYear), v.value(t, g.TargetValue), t.schoolYear(g.TargetYear)))
	if e := p.ExpectedValue; e != nil && ly < g.TargetYear {
		gap := latest - *e
		if v.unit == metrics.UnitCount {
			gap = math.Round(latest) - math.Round(*e)
		}
		var where string
		switch ahead := (gap >= 0) == v.grows(); {
		case gap == 0 || math.Abs(gap) < 1e-9:
			where = t.tr("goal.on_path")
		case ahead:
			where = fmt.Sprintf(t.tr("goal.ahead"), v.value(t, math.Abs(gap)))
		default:
			where = fmt.Sprintf(t.tr("goal.behind"), v.value(t, math.Abs(gap)))
		}
		out = append(out, fmt.Sprintf(t.tr("goal.expected"), t.schoolYear(g.BaselineYear), v.value(t, *e), t.schoolYear(ly), where))
	}
	for _, pr := range v.projections {
		if pr.value == nil || pr.onTrack == nil {
			out = append(out, t.tr("goal.noprojection."+pr.key))
			continue
		}
		verdict := t.tr("on_track_lower")
		if !*pr.onTrack {
			verdict = fmt.Sprintf(t.tr("goal.off_by"), v.value(t, math.Abs(g.TargetValue-*pr.value)))
		}
		out = append(out, fmt.Sprintf(t.tr("goal.projection."+pr.key), v.fitted, v.value(t, *pr.value), t.schoolYear(g.TargetYear), verdict))
	}
	switch left := g.TargetYear - ly; {
	case left <= 0:
		out = append(out, fmt.Sprintf(t.tr("goal.due"), t.schoolYear(g.TargetYear), v.value(t, latest), v.value(t, g.TargetValue)))
	case (latest >= g.TargetValue) == v.grows():
		out = append(out, fmt.Sprintf(t.tr("goal.reached"), v.value(t, g.TargetValue)))
	case p.GrowthNeededPerYear != nil:
		per := v.perYear(t, math.Abs(*p.GrowthNeededPerYear))
		key := "goal.needed.more"
		if !v.grows() {
			key = "goal.needed.fewer"
		}
		diff := math.Abs(g.TargetValue - latest)
		years := fmt.Sprintf(t.tr("years.n"), left)
		if left == 1 {
			years = t.tr("years.one")
		}
		out = append(out, fmt.Sprintf(t.tr(key), v.value(t, g.TargetValue), t.schoolYear(g.TargetYear), v.value(t, diff), per, years))
	}
	if v.hidden() {
		out = append(out, fmt.Sprintf(t.tr("goal.hidden"), t.schoolYear(p.Actual[len(p.Actual)-1].Year)))
	}
	if v.unknown != nil && *v.unknown > 0 {
		out = append(out, fmt.Sprintf(t.tr("goal.unknown"), t.percent(*v.unknown), v.unknownOf(t), t.schoolYear(ly)))
	}
	return out
}

// perYear formats a change a year: a count with one decimal below 10 (5.2
// a year), whole from 10 up; other units as their values.
func (v goalView) perYear(t text, x float64) string {
	if v.unit != metrics.UnitCount {
		return v.value(t, x)
	}
	if math.Abs(x) >= 10 {
		return t.number(x, 0)
	}
	return t.number(x, 1)
}

// unknownOf names the people whose ethnicity may be unknown ("district
// leaders").
func (v goalView) unknownOf(t text) string {
	if v.g.Tier != "" {
		return t.tr("goal.people." + v.g.Tier)
	}
	return t.tr("goal.people.all")
}

func upperFirst(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

func lowerFirst(s string) string {
	for i, r := range s {
		return strings.ToLower(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// goalSeries are a goal's yearly figures as its chart draws them, from the
// baseline (or the first year with data) to the target year: the actual
// values, each projection and the straight path's two ends, counts of
// projections in whole people.
type goalSeries struct {
	first       int
	actual      []*float64
	projections [][]*float64
	path        []*float64
}

func (v goalView) series() goalSeries {
	g, p := v.g, v.p
	first := g.BaselineYear
	if len(p.Actual) > 0 {
		first = min(first, p.Actual[0].Year)
	}
	n := g.TargetYear - first + 1
	s := goalSeries{first: first, actual: make([]*float64, n), path: make([]*float64, n)}
	for _, a := range p.Actual {
		if i := a.Year - first; i >= 0 && i < n {
			s.actual[i] = a.Value
		}
	}
	for _, pr := range v.projections {
		vs := make([]*float64, n)
		for _, a := range pr.points {
			if i := a.Year - first; i >= 0 && i < n {
				vs[i] = v.whole(a.Value)
			}
		}
		s.projections = append(s.projections, vs)
	}
	b, t := g.BaselineValue, g.TargetValue
	s.path[g.BaselineYear-first], s.path[n-1] = &b, &t
	return s
}

// whole rounds a count (a projection, a path's point) to whole people.
func (v goalView) whole(x *float64) *float64 {
	if x == nil || v.unit != metrics.UnitCount {
		return x
	}
	r := math.Round(*x)
	return &r
}
