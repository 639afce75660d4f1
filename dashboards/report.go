package dashboards

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/scope"
	"github.com/camino-edu/camino/internal/warehouse"
)

// The board report: one printable document, in English or Spanish, that
// says in sentences where each goal stands (the goal cards' words, from the
// API's goal progress), what changed since the previous school year and
// how complete the data are, with the key charts as static SVG. It is made
// in the context's scope and audience, like every figure camino serves: a
// partner key gets its own districts; public output (and anything a
// partner reads about others) is small-cell suppressed.

// ReportOptions say which report to make.
type ReportOptions struct {
	Metrics Metrics
	Places  Places
	// Lang is en or es.
	Lang string
	// State limits a board report to one state ("" the only state in the
	// data, or every state). A partner's report covers its districts.
	State string
	// SuppressBelow is the small-cell threshold (for the "<10" words).
	SuppressBelow int
	// Now is when the report is made (for its date).
	Now time.Time
}

// BoardReport makes the board report as one self-contained HTML document
// (styles inline, charts inline SVG, no script), in ctx's scope.
func BoardReport(ctx context.Context, o ReportOptions) ([]byte, error) {
	if o.Lang == "" {
		o.Lang = "en"
	}
	if !isLang(o.Lang) {
		return nil, apperr.Errorf(apperr.Invalid, "language %q: want en or es", o.Lang)
	}
	if o.SuppressBelow == 0 {
		o.SuppressBelow = 10
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	rep, err := buildReport(ctx, o)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := reportTemplate.ExecuteTemplate(&b, "report.html", rep); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// report is what report.html renders.
type report struct {
	T        text
	Lang     string
	Title    string
	Place    string
	Year     string
	Made     string
	DataDate string
	Audience string
	Goals    []reportGoal
	NoGoals  bool
	Changes  reportChanges
	Complete []string
	Notes    []string
	Public   bool
}

type reportGoal struct {
	ID, Name, Badge, BadgeClass string
	Lede                        template.HTML
	Sentences                   []string
	Chart                       template.HTML
	Rows                        [][]string
}

type reportChanges struct {
	Prev, Latest string
	Sentences    []string
	Tiers        [][]string // tier, prev, latest, change
	Movers       [][]string // district, prev, latest, change
	MoversRule   string
	Chart        template.HTML
}

// reportPlace is what a report covers: filters on the catalog and a name.
type reportPlace struct {
	name    string
	filters []metrics.Filter
	// districts are a partner's districts (nil: a state or every state).
	districts []string
}

func buildReport(ctx context.Context, o ReportOptions) (*report, error) {
	t := text{lang: o.Lang}
	p, _ := access.PrincipalFrom(ctx)
	sc := scope.From(ctx)
	rep := &report{T: t, Lang: o.Lang, Made: t.date(o.Now), Public: sc.Audience() == scope.Public}
	first, last, err := o.Metrics.DataYears(ctx)
	if err != nil {
		return nil, err
	}
	if last == 0 {
		return nil, apperr.Errorf(apperr.NotFound, "the warehouse holds no data yet: load or seed some first")
	}
	states, err := o.Places.States(ctx)
	if err != nil {
		return nil, err
	}
	var place reportPlace
	switch {
	case p.Role == access.RolePartner:
		ds, err := o.Places.DistrictsByID(ctx, p.Districts)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, d := range ds {
			names = append(names, d.Name)
			place.districts = append(place.districts, d.ID)
		}
		if len(ds) == 0 {
			return nil, apperr.Errorf(apperr.NotFound, "none of this key's districts is in the data")
		}
		place.name = strings.Join(names, ", ")
		place.filters = []metrics.Filter{{Dimension: metrics.DimDistrict, In: place.districts}}
	case o.State != "" || len(states) == 1:
		code := o.State
		if code == "" {
			code = states[0].Code
		}
		i := slices.IndexFunc(states, func(s warehouse.State) bool { return s.Code == code })
		if i < 0 {
			return nil, apperr.Errorf(apperr.NotFound, "no state %s in the data", code)
		}
		place.name = states[i].Name
		place.filters = []metrics.Filter{{Dimension: metrics.DimState, In: []string{code}}}
	default:
		place.name = t.tr("all_states")
	}
	rep.Place = place.name
	rep.Year = t.schoolYear(last)
	rep.Title = fmt.Sprintf(t.tr("report.title"), place.name, rep.Year)
	switch {
	case rep.Public:
		rep.Audience = fmt.Sprintf(t.tr("report.for.public"), o.SuppressBelow)
	case p.Role == access.RolePartner:
		rep.Audience = fmt.Sprintf(t.tr("report.for.partner"), place.name, o.SuppressBelow)
	default:
		rep.Audience = t.tr("report.for.board")
	}
	if loads, err := o.Places.LastLoads(ctx); err == nil {
		var at time.Time
		for _, x := range loads {
			if x.After(at) {
				at = x
			}
		}
		if !at.IsZero() {
			rep.DataDate = t.date(at)
		}
	}

	// Goals: the cards' words and chart.
	goals, err := o.Places.ListGoals(ctx, false)
	if err != nil {
		return nil, err
	}
	rep.NoGoals = len(goals) == 0
	runner := goalRunner{run: o.Metrics.Run, years: o.Metrics.DataYears}
	for _, g := range goals {
		v, err := goalViewOf(ctx, runner, o.Places, g, o.SuppressBelow)
		if err != nil {
			return nil, err
		}
		rep.Goals = append(rep.Goals, reportGoalOf(t, v, o.SuppressBelow))
	}

	if rep.Changes, err = reportChangesOf(ctx, o, t, place, first, last); err != nil {
		return nil, err
	}
	if rep.Complete, err = completeness(ctx, o, t, place, first, last); err != nil {
		return nil, err
	}
	rep.Notes = []string{t.tr("report.note.people"), t.tr("report.note.path")}
	if rep.Public || p.Role == access.RolePartner {
		rep.Notes = append(rep.Notes, fmt.Sprintf(t.tr("suppressed.note"), o.SuppressBelow, o.SuppressBelow))
	}
	return rep, nil
}

// reportGoalOf is a goal's section: its words, its chart and its figures.
func reportGoalOf(t text, v goalView, suppressBelow int) reportGoal {
	rg := reportGoal{ID: v.g.ID, Name: v.name(t), Lede: v.lede(t), Sentences: v.sentences(t)}
	rg.Badge, rg.BadgeClass = t.tr("no_projection"), "none"
	if v.p.OnTrack != nil {
		rg.Badge, rg.BadgeClass = t.tr("off_track"), "off"
		if *v.p.OnTrack {
			rg.Badge, rg.BadgeClass = t.tr("on_track"), "on"
		}
	}
	gs := v.series()
	labels := yearLabels(t, gs.first, v.g.TargetYear)
	c := svgChart{title: rg.Name, categories: labels, yName: upperFirst(v.noun(t)),
		format: func(x float64) string { return v.value(t, x) }}
	actual := svgSeries{name: t.tr("actual"), values: gs.actual, colour: palette[0]}
	for y := range v.hiddenYears {
		if i := y - gs.first; i >= 0 && i < len(labels) {
			if actual.tags == nil {
				actual.tags = map[int]string{}
			}
			actual.tags[i] = "<" + strconv.Itoa(suppressBelow)
		}
	}
	c.series = append(c.series, actual)
	for k, pr := range v.projections {
		c.series = append(c.series, svgSeries{name: t.tr("projection." + pr.key), values: gs.projections[k],
			colour: palette[(1+k)%len(palette)], dash: "6 4"})
	}
	c.series = append(c.series, svgSeries{name: t.tr("path"), values: gs.path, colour: palette[2], dash: "2 3", connect: true})
	if ex := v.whole(v.p.ExpectedValue); ex != nil && v.p.LatestYear != nil && *v.p.LatestYear <= v.g.TargetYear {
		c.marks = append(c.marks, svgMark{at: *v.p.LatestYear - gs.first, value: *ex,
			text: fmt.Sprintf(t.tr("goal.expected.mark"), v.value(t, *ex))})
	}
	c.marks = append(c.marks, svgMark{at: len(labels) - 1, value: v.g.TargetValue,
		text: fmt.Sprintf(t.tr("goal.target.mark"), v.value(t, v.g.TargetValue))})
	rg.Chart = c.render()
	f := func(x *float64) string {
		return t.cell(figure{v: metrics.Value{V: x}, unit: v.unit}, suppressBelow).Text
	}
	latest := "–"
	if v.p.LatestYear != nil {
		latest = t.schoolYear(*v.p.LatestYear)
	}
	way := "–"
	if v.p.PercentOfWay != nil {
		way = t.number(math.Round(*v.p.PercentOfWay), 0) + t.tr("percent.sign")
	}
	needed := "–"
	if x := v.p.GrowthNeededPerYear; x != nil {
		needed = v.perYear(t, *x)
	}
	rg.Rows = [][]string{
		{t.tr("report.row.latest") + " (" + latest + ")", f(v.p.LatestValue)},
		{t.tr("target") + " (" + t.schoolYear(v.g.TargetYear) + ")", f(&v.g.TargetValue)},
		{t.tr("of_way_col"), way},
		{t.tr("expected"), f(v.whole(v.p.ExpectedValue))},
		{t.tr("projection.linear") + " (" + t.schoolYear(v.g.TargetYear) + ")", f(v.whole(v.p.ProjectedValue))},
		{t.tr("report.row.needed"), needed},
	}
	return rg
}

// reportChangesOf says what changed from the previous school year to the
// last: Latino leaders (by tier), new Latino principals, members, and the
// districts whose Latino leaders moved most.
func reportChangesOf(ctx context.Context, o ReportOptions, t text, place reportPlace, first, last int) (reportChanges, error) {
	ch := reportChanges{Latest: t.schoolYear(last)}
	prev := last - 1
	if prev < first {
		ch.Sentences = []string{fmt.Sprintf(t.tr("report.changes.one_year"), ch.Latest)}
		return ch, nil
	}
	ch.Prev = t.schoolYear(prev)
	run := func(q metrics.Query) (result, error) {
		res, err := o.Metrics.Run(ctx, q)
		if err != nil {
			return result{}, err
		}
		return newResult(res), nil
	}
	cell := func(f figure) string { return t.cell(f, o.SuppressBelow).Text }
	diff := func(a, b figure) (string, *float64) {
		if a.v.V == nil || b.v.V == nil {
			return "–", nil
		}
		d := math.Round(*b.v.V) - math.Round(*a.v.V)
		s := t.int(d)
		if d > 0 {
			s = "+" + s
		}
		return s, &d
	}

	// Latino leaders, all tiers and by tier, in both years.
	all, err := run(metrics.Query{Measures: []string{"latino_leaders"}, Dimensions: []string{metrics.DimSchoolYear},
		Filters: place.filters, From: prev, To: last})
	if err != nil {
		return ch, err
	}
	byTier, err := o.Metrics.Run(ctx, metrics.Query{Measures: []string{"latino_leaders"},
		Dimensions: []string{metrics.DimSchoolYear, metrics.DimTier}, Filters: place.filters, From: first, To: last})
	if err != nil {
		return ch, err
	}
	tierAt := map[[2]string]figure{}
	for _, row := range byTier.Rows {
		tierAt[[2]string{row.Dims[0], row.Dims[1]}] = figure{v: row.Values[0], unit: metrics.UnitCount}
	}
	zero := 0.0
	tierFig := func(y int, tier string) figure {
		if f, ok := tierAt[[2]string{strconv.Itoa(y), tier}]; ok {
			return f
		}
		return figure{v: metrics.Value{V: &zero}, unit: metrics.UnitCount}
	}
	a, b := all.at(strconv.Itoa(prev), "latino_leaders"), all.at(strconv.Itoa(last), "latino_leaders")
	d, _ := diff(a, b)
	ch.Sentences = append(ch.Sentences, fmt.Sprintf(t.tr("report.changes.leaders"), cell(b), ch.Latest, d, cell(a), ch.Prev))
	for _, tier := range tiers {
		fa, fb := tierFig(prev, tier), tierFig(last, tier)
		dd, _ := diff(fa, fb)
		ch.Tiers = append(ch.Tiers, []string{upperFirst(t.tier(tier)), cell(fa), cell(fb), dd})
	}
	// the tiers over every year, as a stacked bar chart
	labels := yearLabels(t, first, last)
	bars := svgChart{title: t.tr("chart.tiers.short"), categories: labels, bars: true, yName: t.tr("latino_leaders"),
		format: func(x float64) string { return t.int(x) }, height: 220}
	for i, tier := range tiers {
		s := svgSeries{name: upperFirst(t.tier(tier)), colour: palette[i]}
		for y := first; y <= last; y++ {
			f := tierFig(y, tier)
			s.values = append(s.values, f.v.V)
			if f.v.Suppressed != "" {
				if s.tags == nil {
					s.tags = map[int]string{}
				}
				s.tags[y-first] = "<" + strconv.Itoa(o.SuppressBelow)
			}
		}
		bars.series = append(bars.series, s)
	}
	ch.Chart = bars.render()

	// New Latino principals: Latino people who were at another rank in the
	// previous year and are principals in the last.
	np, err := run(metrics.Query{Measures: []string{"movers"}, Dimensions: []string{metrics.DimRole},
		Filters: append(slices.Clone(place.filters),
			metrics.Filter{Dimension: metrics.DimNextRole, In: []string{"principal"}},
			metrics.Filter{Dimension: metrics.DimRole, NotIn: []string{"principal"}},
			metrics.Filter{Dimension: metrics.DimEthnicity, In: []string{"hispanic_latino"}}),
		From: prev, To: prev, OrderBy: []metrics.Order{{Dimension: metrics.DimRole}}})
	if err != nil {
		return ch, err
	}
	total, hidden := 0.0, false
	var from []string
	for _, role := range np.keys() {
		f := np.at(role, "movers")
		switch {
		case f.v.Suppressed != "":
			hidden = true
		case f.v.V != nil && *f.v.V > 0:
			total += *f.v.V
			from = append(from, fmt.Sprintf(t.tr("report.from_role"), t.int(*f.v.V), lowerFirst(t.role(role))))
		}
	}
	switch {
	case hidden:
		ch.Sentences = append(ch.Sentences, fmt.Sprintf(t.tr("report.changes.principals.hidden"), ch.Latest))
	case total == 0:
		ch.Sentences = append(ch.Sentences, fmt.Sprintf(t.tr("report.changes.principals.none"), ch.Latest))
	default:
		ch.Sentences = append(ch.Sentences, fmt.Sprintf(t.tr("report.changes.principals"), t.int(total), ch.Latest, strings.Join(from, ", ")))
	}

	// Members at the year's end and those who joined.
	mem, err := run(metrics.Query{Measures: []string{"members", "new_members"}, Dimensions: []string{metrics.DimSchoolYear},
		Filters: place.filters, From: prev, To: last})
	if err != nil {
		return ch, err
	}
	ma, mb := mem.at(strconv.Itoa(prev), "members"), mem.at(strconv.Itoa(last), "members")
	md, _ := diff(ma, mb)
	ch.Sentences = append(ch.Sentences, fmt.Sprintf(t.tr("report.changes.members"), cell(mb), ch.Latest, md, cell(ma), ch.Prev,
		cell(mem.at(strconv.Itoa(last), "new_members"))))

	// Districts whose Latino leaders moved most (of those with enough
	// leaders to rank, and shown: a hidden count has no change to show).
	if len(place.districts) == 1 {
		return ch, nil
	}
	res, err := o.Metrics.Run(ctx, metrics.Query{Measures: []string{"latino_leaders", "leaders"},
		Dimensions: []string{metrics.DimDistrict, metrics.DimSchoolYear}, Filters: place.filters, From: prev, To: last, Limit: 2 * maxListed})
	if err != nil {
		return ch, err
	}
	type move struct {
		id     string
		a, b   figure
		change float64
	}
	at := map[[2]string]metrics.Row{}
	var ids []string
	for _, row := range res.Rows {
		at[[2]string{row.Dims[0], row.Dims[1]}] = row
		if !slices.Contains(ids, row.Dims[0]) {
			ids = append(ids, row.Dims[0])
		}
	}
	var moves []move
	for _, id := range ids {
		ra, okA := at[[2]string{id, strconv.Itoa(prev)}]
		rb, okB := at[[2]string{id, strconv.Itoa(last)}]
		if !okA || !okB {
			continue
		}
		fa, fb := figure{v: ra.Values[0], unit: metrics.UnitCount}, figure{v: rb.Values[0], unit: metrics.UnitCount}
		leaders := rb.Values[1]
		_, dd := diff(fa, fb)
		if dd == nil || *dd == 0 || leaders.V == nil || *leaders.V < minRankLeaders {
			continue
		}
		moves = append(moves, move{id: id, a: fa, b: fb, change: *dd})
	}
	sort.SliceStable(moves, func(i, j int) bool {
		if math.Abs(moves[i].change) != math.Abs(moves[j].change) {
			return math.Abs(moves[i].change) > math.Abs(moves[j].change)
		}
		return moves[i].change > moves[j].change
	})
	moves = moves[:min(len(moves), 8)]
	names := map[string]string{}
	if len(moves) > 0 {
		var want []string
		for _, m := range moves {
			want = append(want, m.id)
		}
		ds, err := o.Places.DistrictsByID(ctx, want)
		if err != nil {
			return ch, err
		}
		for _, d := range ds {
			names[d.ID] = d.Name
		}
	}
	for _, m := range moves {
		d, _ := diff(m.a, m.b)
		name := names[m.id]
		if name == "" {
			name = m.id
		}
		ch.Movers = append(ch.Movers, []string{name, cell(m.a), cell(m.b), d})
	}
	ch.MoversRule = fmt.Sprintf(t.tr("report.movers.rule"), minRankLeaders, ch.Latest)
	return ch, nil
}

// completeness says what the data leave unknown where it bears on the
// figures: leaders of unknown ethnicity, and districts that sent a file the
// year before but none for the last year.
func completeness(ctx context.Context, o ReportOptions, t text, place reportPlace, first, last int) ([]string, error) {
	var out []string
	prev := max(first, last-1)
	res, err := o.Metrics.Run(ctx, metrics.Query{Measures: []string{"unknown_ethnicity_share", "leaders"},
		Dimensions: []string{metrics.DimSchoolYear}, Filters: place.filters, From: prev, To: last})
	if err != nil {
		return nil, err
	}
	r := newResult(res)
	u := r.at(strconv.Itoa(last), "unknown_ethnicity_share")
	switch {
	case u.v.Suppressed != "":
		out = append(out, fmt.Sprintf(t.tr("report.unknown.hidden"), t.schoolYear(last)))
	case u.v.V != nil:
		s := fmt.Sprintf(t.tr("report.unknown"), t.percent(*u.v.V), t.schoolYear(last))
		if up := r.at(strconv.Itoa(prev), "unknown_ethnicity_share"); prev < last && up.v.V != nil {
			s += " " + fmt.Sprintf(t.tr("report.unknown.prev"), t.percent(*up.v.V), t.schoolYear(prev))
		}
		out = append(out, s)
	}
	if prev == last {
		return out, nil
	}
	files, err := o.Metrics.Run(ctx, metrics.Query{Measures: []string{"staff"}, Dimensions: []string{metrics.DimDistrict, metrics.DimSchoolYear},
		Filters: place.filters, From: prev, To: last, Limit: 2 * maxListed})
	if err != nil {
		return nil, err
	}
	had, has := map[string]bool{}, map[string]bool{}
	for _, row := range files.Rows {
		// a hidden count is people, not an absence
		if row.Values[0].Suppressed != "" || (row.Values[0].V != nil && *row.Values[0].V > 0) {
			if row.Dims[1] == strconv.Itoa(prev) {
				had[row.Dims[0]] = true
			} else {
				has[row.Dims[0]] = true
			}
		}
	}
	var missing []string
	for id := range had {
		if !has[id] {
			missing = append(missing, id)
		}
	}
	sort.Strings(missing)
	if len(missing) == 0 {
		out = append(out, fmt.Sprintf(t.tr("report.files.all"), t.schoolYear(prev), t.schoolYear(last)))
		return out, nil
	}
	ds, err := o.Places.DistrictsByID(ctx, missing)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, d := range ds {
		names = append(names, d.Name)
	}
	sort.Strings(names)
	shown := names
	if len(shown) > 12 {
		shown = append(slices.Clone(shown[:12]), fmt.Sprintf(t.tr("report.more"), len(names)-12))
	}
	out = append(out, fmt.Sprintf(t.tr("report.files.missing"), len(missing), t.schoolYear(prev), t.schoolYear(last),
		strings.Join(shown, ", ")))
	return out, nil
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"tr":    func(t text, key string) string { return t.tr(key) },
	"words": words,
	"trf":   func(t text, key string, args ...any) string { return fmt.Sprintf(t.tr(key), args...) },
}).ParseFS(templateFiles, "templates/report.html"))
