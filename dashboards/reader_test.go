package dashboards_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/whtest"
)

// The reader tests look at the pages as a board member and a partner read
// them, in a real Chromium, and read what is drawn back from the chart
// (ECharts' getOption(), the laid-out bars, the texts on the canvas) and
// the DOM: a count of 1 has a bar, a hidden value is marked where it would
// stand, the ranking states its rule and keeps zero apart from no data, a
// goal card says "X of Y" and marks where the straight path stands, a
// Spanish page names no goal in English, a bar or a point opens its page
// with the same filters, the page prints and honours dark mode. Expected
// figures come from the GraphQL API over HTTP (with X-Camino-Public for the
// published version).

// desertCrest is Desert Crest High School (Granite): one principal and one
// Latino assistant principal in the last year of the Utah seed.
const desertCrest = "Desert Crest High School"

func TestReader(t *testing.T) {
	b := startBrowser(t)
	s := newSite(t, whtest.Utah(t))
	admin := s.key(access.RoleAdmin)
	var last struct {
		Metrics struct {
			Rows []struct{ Dimensions []string }
		}
	}
	api(t, s, admin, false, `{ metrics(query: {measures: [LEADERS], dimensions: [SCHOOL_YEAR]}) { rows { dimensions } } }`, nil, &last)
	year := 0
	for _, r := range last.Metrics.Rows {
		y, _ := strconv.Atoi(r.Dimensions[0])
		year = max(year, y)
	}
	if year == 0 {
		t.Fatal("the Utah seed has no school year")
	}
	school := schoolID(t, s, admin, granite, desertCrest)

	t.Run("SmallCounts", func(t *testing.T) { testSmallCounts(t, b, s, admin, school) })
	t.Run("HiddenMarked", func(t *testing.T) { testHiddenMarked(t, b, s, admin, school) })
	t.Run("Ranking", func(t *testing.T) { testRanking(t, b, s, admin, year) })
	t.Run("Goals", func(t *testing.T) { testGoalCards(t, b, s, admin) })
	t.Run("Spanish", func(t *testing.T) { testSpanishGoals(t, b, s, admin) })
	t.Run("ClickThrough", func(t *testing.T) { testClickThrough(t, b, s, admin) })
	t.Run("PrintAndDark", func(t *testing.T) { testPrintAndDark(t, b, s, admin) })
	t.Run("Sankey", func(t *testing.T) { testSankey(t, b, s, admin) })
	t.Run("SchoolYears", func(t *testing.T) { testSchoolYearNames(t, s, admin) })
}

// --- helpers ------------------------------------------------------------------

// api runs a GraphQL query over HTTP with key (public: X-Camino-Public).
func api(t *testing.T, s *site, key string, public bool, query string, vars map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	if public {
		req.Header.Set("X-Camino-Public", "true")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("graphql: %v\n%s", r.Errors, query)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatal(err)
	}
}

// schoolID is the id of the school of district named name.
func schoolID(t *testing.T, s *site, key, district, name string) string {
	t.Helper()
	var r struct {
		District struct {
			Schools struct{ Nodes []struct{ ID, Name string } }
		}
	}
	api(t, s, key, false, `query($id: ID!) { district(id: $id) { schools(first: 500) { nodes { id name } } } }`,
		map[string]any{"id": district}, &r)
	for _, n := range r.District.Schools.Nodes {
		if n.Name == name {
			return n.ID
		}
	}
	t.Fatalf("no school %q in district %s", name, district)
	return ""
}

// reader is a signed-in tab.
func reader(t *testing.T, b context.Context, s *site, key string) *tab {
	t.Helper()
	tb := newTab(t, b, s)
	if resp := tb.login("/dashboards/board", key); resp.Status != 200 {
		t.Fatalf("login: status %d", resp.Status)
	}
	return tb
}

// show opens path and waits until every chart is drawn (animations over).
func (tb *tab) show(path string) {
	tb.t.Helper()
	tb.reset()
	if resp := tb.open(path); resp.Status != 200 {
		tb.t.Fatalf("%s: status %d", path, resp.Status)
	}
	tb.waitDrawn(path)
}

func (tb *tab) waitDrawn(what string) {
	tb.t.Helper()
	if err := tb.waitReady(45 * time.Second); err != nil {
		tb.t.Fatalf("%s: charts not drawn: %v", what, err)
	}
}

// until waits for a JavaScript condition, through navigations (an
// evaluation that fails while a page is replaced is tried again); the
// deadline only bounds a hang.
func (tb *tab) until(what, js string) {
	tb.t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		var ok bool
		err := tb.run(chromedp.Evaluate("!!("+js+")", &ok))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// drawn is what a chart shows: its categories, its series' points and
// their laid-out size in pixels, its marks, and every text on its canvas.
type drawn struct {
	Categories []string `json:"categories"`
	Series     []struct {
		Name  string    `json:"name"`
		Type  string    `json:"type"`
		Data  []any     `json:"data"`
		Sizes []float64 `json:"sizes"` // a bar's length along the value axis (px)
		Marks []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
			Coord []any  `json:"coord"`
		} `json:"marks"`
	} `json:"series"`
	YMin  any      `json:"ymin"`
	Texts []string `json:"texts"`
	Color []string `json:"color"`
}

const drawnJS = `((id) => {
  const c = window.caminoCharts[id];
  if (!c) { return null; }
  const o = c.getOption();
  const cat = [].concat(o.xAxis || [], o.yAxis || []).find(a => a.type === 'category');
  const horizontal = o.yAxis && o.yAxis[0] && o.yAxis[0].type === 'category';
  return {
    categories: cat ? cat.data.map(d => (d && typeof d === 'object') ? d.value : String(d)) : [],
    series: o.series.map((s, i) => {
      const data = c.getModel().getSeriesByIndex(i).getData();
      const sizes = [];
      for (let j = 0; j < data.count(); j++) {
        const l = data.getItemLayout(j);
        sizes.push(l && typeof l.width === 'number' ? Math.abs(horizontal ? l.width : l.height) : -1);
      }
      return { name: s.name, type: s.type, data: s.data, sizes,
        marks: ((s.markPoint && s.markPoint.data) || []).map(m => ({ name: m.name, value: String(m.value), coord: m.coord || [] })) };
    }),
    ymin: o.yAxis && o.yAxis[0] ? o.yAxis[0].min : null,
    color: o.color,
    texts: c.getZr().storage.getDisplayList(true).filter(e => e.style && typeof e.style.text === 'string').map(e => e.style.text),
  };
})`

func (tb *tab) drawn(id string) drawn {
	tb.t.Helper()
	var d *drawn
	tb.eval(drawnJS+"("+strconv.Quote(id)+")", &d)
	if d == nil {
		tb.t.Fatalf("no chart %s on the page", id)
	}
	return *d
}

// count is a data item's count: n on a log axis, else its value; nil for
// a gap.
func count(d any) *float64 {
	if m, ok := d.(map[string]any); ok {
		if n, ok := m["n"].(float64); ok {
			return &n
		}
		d = m["value"]
	}
	if v, ok := d.(float64); ok {
		return &v
	}
	return nil
}

// schoolYearName names a school year as every page must (2023-24).
func schoolYearName(y int) string { return fmt.Sprintf("%d-%02d", y, (y+1)%100) }

// enInt formats a count as the English pages do (1,500).
func enInt(v float64) string {
	s := strconv.FormatFloat(math.Round(math.Abs(v)), 'f', 0, 64)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if v < 0 {
		s = "−" + s
	}
	return s
}

var roleNames = map[string]string{"teacher": "Teacher", "teacher_leader": "Teacher leader",
	"assistant_principal": "Assistant principal", "principal": "Principal", "district_leader": "District leader",
	"assistant_superintendent": "Assistant superintendent", "superintendent": "Superintendent", "state_leader": "State agency leader"}

// --- small counts -------------------------------------------------------------

// testSmallCounts: on Desert Crest's pipeline every rank held by one person
// has a bar, every zero is marked 0, every count is written on its bar, and
// every role's name is drawn whole (here and on the state page, whose
// ladder has every rank).
func testSmallCounts(t *testing.T, b context.Context, s *site, admin, school string) {
	var r struct {
		School struct {
			Pipeline struct {
				Ranks []struct {
					Role           string
					People, Latino *int
				}
			}
		}
	}
	api(t, s, admin, false, `query($id: ID!) { school(id: $id) { pipeline { ranks { role people latino } } } }`,
		map[string]any{"id": school}, &r)
	tb := reader(t, b, s, admin)
	tb.show("/dashboards/school/" + school)
	d := tb.drawn("pipeline")
	ones := 0
	for _, rank := range r.School.Pipeline.Ranks {
		label := roleNames[rank.Role]
		i := slices.Index(d.Categories, label)
		if i < 0 {
			if rank.People != nil && *rank.People == 0 {
				continue // a rank the school has nobody at (a district post)
			}
			t.Fatalf("pipeline: rank %q not drawn (%v)", label, d.Categories)
		}
		for k, want := range []*int{rank.People, rank.Latino} {
			if want == nil {
				t.Fatalf("pipeline %s: the API hides a count on an admin's page", label)
			}
			got := count(d.Series[k].Data[i])
			size := d.Series[k].Sizes[i]
			switch {
			case *want == 0:
				if size > 0.5 || !hasMark(d, k, "zero", label) {
					t.Errorf("pipeline %s series %d: a zero has a %.1f px bar or no 0 mark", label, k, size)
				}
			case got == nil || *got != float64(*want):
				t.Errorf("pipeline %s series %d: drawn %v, API %d", label, k, got, *want)
			case size < 2:
				t.Errorf("pipeline %s series %d: %d people draw a %.1f px bar", label, k, *want, size)
			case !slices.Contains(d.Texts, enInt(float64(*want))):
				t.Errorf("pipeline %s series %d: the count %d is not written on the chart (%v)", label, k, *want, d.Texts)
			}
			if *want == 1 {
				ones++
			}
		}
	}
	if ones < 2 {
		t.Fatalf("Desert Crest's pipeline has %d counts of 1 (the seed has a principal and a Latino assistant principal)", ones)
	}
	wholeLabels(t, "school pipeline", d)
	tb.show("/dashboards/state/UT")
	state := tb.drawn("pipeline")
	if len(state.Categories) < 8 {
		t.Fatalf("the state's pipeline has %d ranks", len(state.Categories))
	}
	wholeLabels(t, "state pipeline", state)
	wholeLabels(t, "state promotions", tb.drawn("promotions"))
}

func hasMark(d drawn, series int, kind, category string) bool {
	for _, m := range d.Series[series].Marks {
		if m.Name == kind && slices.Contains(m.Coord, any(category)) {
			return true
		}
	}
	return false
}

// wholeLabels: every category is drawn as its whole name.
func wholeLabels(t *testing.T, what string, d drawn) {
	t.Helper()
	for _, c := range d.Categories {
		if !slices.Contains(d.Texts, c) {
			t.Errorf("%s: the label %q is not drawn whole (texts %q)", what, c, d.Texts)
		}
	}
}

// --- hidden values --------------------------------------------------------------

// testHiddenMarked: the published version of Desert Crest's page (every
// count below 10 hidden): each year the API hides is a gap in the series
// with a "<10" tag drawn where the bar would stand, and no year it shows
// is tagged.
func testHiddenMarked(t *testing.T, b context.Context, s *site, admin, school string) {
	var r struct {
		School struct {
			Leadership []struct {
				SchoolYear    int
				Leaders       *int
				LatinoLeaders *int
			}
		}
	}
	api(t, s, admin, true, `query($id: ID!) { school(id: $id) { leadership { schoolYear leaders latinoLeaders } } }`,
		map[string]any{"id": school}, &r)
	tb := reader(t, b, s, admin)
	tb.must(network.SetExtraHTTPHeaders(network.Headers{"X-Camino-Public": "true"}))
	tb.show("/dashboards/school/" + school)
	d := tb.drawn("leadership")
	hidden := 0
	for _, p := range r.School.Leadership {
		label := schoolYearName(p.SchoolYear)
		i := slices.Index(d.Categories, label)
		if i < 0 {
			t.Fatalf("leadership: %s not on the axis %v", label, d.Categories)
		}
		for k, v := range []*int{p.Leaders, p.LatinoLeaders} {
			marked := hasMark(d, k, "hidden", label)
			switch {
			case v == nil:
				hidden++
				if count(d.Series[k].Data[i]) != nil || !marked {
					t.Errorf("%s series %d: hidden by the API, drawn %v, marked %v", label, k, d.Series[k].Data[i], marked)
				}
			case marked:
				t.Errorf("%s series %d: the API shows %d, the chart marks it hidden", label, k, *v)
			case count(d.Series[k].Data[i]) == nil || *count(d.Series[k].Data[i]) != float64(*v):
				t.Errorf("%s series %d: drawn %v, API %d", label, k, d.Series[k].Data[i], *v)
			}
		}
	}
	if hidden == 0 {
		t.Fatal("the published Desert Crest page hides nothing: the test shows nothing")
	}
	tags := 0
	for _, x := range d.Texts {
		if x == "<10" {
			tags++
		}
	}
	if tags < hidden {
		t.Errorf("%d hidden values, %d \"<10\" tags drawn on the canvas", hidden, tags)
	}
	var note string
	tb.eval(`(document.querySelector('#card-leadership .suppressed') || {}).textContent || ''`, &note)
	if !strings.Contains(note, "<10") {
		t.Errorf("the leadership card does not explain its hidden values: %q", note)
	}
}

// --- the ranking ------------------------------------------------------------------

// testRanking: the ranking of districts says its rule (at least 10 leaders,
// the first 20 of M), ranks only districts with 10 leaders or more, highest
// index first, marks a zero index "0" and an undefined one "no data", and
// draws every ranked district on asking.
func testRanking(t *testing.T, b context.Context, s *site, admin string, year int) {
	var r struct {
		Metrics struct {
			Rows []struct {
				Dimensions []string
				Values     []*float64
			}
		}
		State struct {
			Districts struct{ Nodes []struct{ ID, Name string } }
		}
	}
	api(t, s, admin, false, `query($y: Int) { metrics(query: {measures: [LEADERS, REPRESENTATION_INDEX], dimensions: [DISTRICT],
  filters: [{dimension: STATE, in: ["UT"]}], from: $y, to: $y, limit: 5000}) { rows { dimensions values } }
  state(code: "UT") { districts(first: 500) { nodes { id name } } } }`, map[string]any{"y": year}, &r)
	name := map[string]string{}
	for _, n := range r.State.Districts.Nodes {
		name[n.ID] = n.Name
	}
	type ranked struct {
		name string
		ix   *float64
	}
	var want []ranked
	for _, row := range r.Metrics.Rows {
		if row.Values[0] != nil && *row.Values[0] >= 10 {
			want = append(want, ranked{name[row.Dimensions[0]], row.Values[1]})
		}
	}
	m := len(want)
	if m <= 25 {
		t.Fatalf("only %d Utah districts have 10 leaders: the ranking would draw them all", m)
	}
	byName := map[string]*float64{}
	for _, w := range want {
		byName[w.name] = w.ix
	}
	tb := reader(t, b, s, admin)
	tb.show("/dashboards/state/UT")
	var rule string
	tb.eval(`document.querySelector('#card-districts .rule').textContent`, &rule)
	wantRule := fmt.Sprintf("The 20 highest of the %d districts with at least 10 leaders in %s, by representation index.", m, schoolYearName(year))
	if !strings.Contains(rule, wantRule) || !strings.Contains(rule, fmt.Sprintf("Show all %d", m)) {
		t.Errorf("the ranking's rule: %q, want %q and a link to all %d", rule, wantRule, m)
	}
	d := tb.drawn("districts")
	if len(d.Categories) != 20 {
		t.Errorf("the ranking draws %d districts, want the first 20", len(d.Categories))
	}
	checkRanking(t, d, byName)

	// every ranked district, on asking
	tb.reset()
	tb.must(chromedp.Click(`#card-districts a.more`, chromedp.ByQuery))
	tb.until("the whole ranking", `location.search.includes('ranking=all')`)
	tb.waitDrawn("the whole ranking")
	all := tb.drawn("districts")
	if len(all.Categories) != m {
		t.Errorf("the whole ranking draws %d districts, want %d", len(all.Categories), m)
	}
	checkRanking(t, all, byName)
	zeros, nodata := 0, 0
	for _, w := range want {
		switch {
		case w.ix == nil:
			nodata++
			if !hasMark(all, 0, "nodata", w.name) {
				t.Errorf("%s has no index (API) and no \"no data\" mark", w.name)
			}
		case *w.ix == 0:
			zeros++
			if !hasMark(all, 0, "zero", w.name) {
				t.Errorf("%s has an index of 0 (API) and no \"0\" mark", w.name)
			}
		}
	}
	if zeros == 0 || nodata == 0 {
		t.Errorf("the seed ranks %d zero indexes and %d without one: the marks are not exercised", zeros, nodata)
	}
	// every district is in the table, ranked or not
	var rows int
	tb.eval(`document.querySelectorAll('table[data-table="districts"] tbody tr').length`, &rows)
	if rows != len(r.State.Districts.Nodes) {
		t.Errorf("the table lists %d districts, Utah has %d", rows, len(r.State.Districts.Nodes))
	}
}

// checkRanking: each drawn district is ranked with the API's index, the
// highest on top, a zero below every index above it, no data last.
func checkRanking(t *testing.T, d drawn, byName map[string]*float64) {
	t.Helper()
	key := func(ix *float64) float64 {
		if ix == nil {
			return math.Inf(-1)
		}
		return *ix
	}
	var prev *float64
	first := true
	// categories are listed bottom up: walk them top down
	for i := len(d.Categories) - 1; i >= 0; i-- {
		c := d.Categories[i]
		want, ok := byName[c]
		if !ok {
			t.Errorf("ranking: %q is drawn but has fewer than 10 leaders (or is not in Utah)", c)
			continue
		}
		got := count(d.Series[0].Data[i])
		if (got == nil) != (want == nil) || (got != nil && math.Abs(*got-*want) > 0.0006) {
			t.Errorf("ranking: %s drawn %v, API index %v", c, got, want)
		}
		if !first && key(want) > key(prev) {
			t.Errorf("ranking: %s (%v) below a lower index (%v)", c, key(want), key(prev))
		}
		prev, first = want, false
	}
}

// --- goal cards -------------------------------------------------------------------

// goalNouns are what the Utah seed's goals count, as a card words them.
var goalNouns = map[string][2]string{
	"goal-school-leaders":   {"Latino school leaders", "líderes escolares latinos"},
	"goal-district-leaders": {"Latino district leaders", "líderes latinos de distrito"},
	"goal-state-leaders":    {"Latino state leaders", "líderes latinos estatales"},
	"goal-members":          {"association members", "socios de la asociación"},
}

type apiGoal struct {
	ID, Title     string
	BaselineYear  int
	BaselineValue float64
	TargetYear    int
	TargetValue   float64
	Progress      struct {
		LatestYear          *int
		LatestValue         *float64
		PercentOfWay        *float64
		ExpectedValue       *float64
		ProjectedValue      *float64
		OnTrack             *bool
		GrowthNeededPerYear *float64
	}
}

const goalsQuery = `{ goals { id title baselineYear baselineValue targetYear targetValue
  progress { latestYear latestValue percentOfWay expectedValue projectedValue onTrack growthNeededPerYear } } }`

// testGoalCards: each goal's card says "L of T <noun> in <year>" with the
// API's latest value and target, draws the straight path with the value
// expected by now marked on it (the API's expectedValue, in whole people),
// a y axis from 0, the gauge's pointer where the path stands in time, and
// what it needs a year.
func testGoalCards(t *testing.T, b context.Context, s *site, admin string) {
	var r struct{ Goals []apiGoal }
	api(t, s, admin, false, goalsQuery, nil, &r)
	if len(r.Goals) != len(goalNouns) {
		t.Fatalf("the seed has %d goals, the test knows %d", len(r.Goals), len(goalNouns))
	}
	tb := reader(t, b, s, admin)
	tb.show("/dashboards/board")
	yearRE := regexp.MustCompile(`^\d{4}-\d{2}$`)
	for _, g := range r.Goals {
		p := g.Progress
		if p.LatestValue == nil || p.ExpectedValue == nil || p.GrowthNeededPerYear == nil {
			t.Fatalf("goal %s: the API has no latest, expected or needed value", g.ID)
		}
		var card struct{ Lede, Words string }
		tb.eval(fmt.Sprintf(`(() => { const c = document.getElementById('card-goal-%s');
		  return { lede: c.querySelector('.lede').textContent, words: c.querySelector('.words').textContent }; })()`, g.ID), &card)
		lede := fmt.Sprintf("%s of %s %s in %s", enInt(*p.LatestValue), enInt(g.TargetValue), goalNouns[g.ID][0], schoolYearName(*p.LatestYear))
		if strings.Join(strings.Fields(card.Lede), " ") != lede {
			t.Errorf("goal %s: card says %q, want %q", g.ID, card.Lede, lede)
		}
		per := strconv.FormatFloat(*p.GrowthNeededPerYear, 'f', 1, 64)
		if math.Abs(*p.GrowthNeededPerYear) >= 10 {
			per = enInt(*p.GrowthNeededPerYear)
		}
		needs := fmt.Sprintf("takes %s more: %s a year for %d years", enInt(g.TargetValue-*p.LatestValue), per, g.TargetYear-*p.LatestYear)
		if !strings.Contains(card.Words, needs) {
			t.Errorf("goal %s: the card's words %q do not say %q", g.ID, card.Words, needs)
		}
		line := tb.drawn("goal-" + g.ID)
		for _, c := range line.Categories {
			if !yearRE.MatchString(c) {
				t.Errorf("goal %s: axis label %q is not a school year named 2024-25", g.ID, c)
			}
		}
		if ymin, ok := line.YMin.(float64); !ok || ymin != 0 {
			t.Errorf("goal %s: y axis from %v, want 0", g.ID, line.YMin)
		}
		expected := math.Round(*p.ExpectedValue)
		found := false
		for _, ser := range line.Series {
			for _, m := range ser.Marks {
				if m.Name == "expected" && len(m.Coord) == 2 && m.Coord[0] == schoolYearName(*p.LatestYear) && m.Coord[1] == expected {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("goal %s: no expected-by-now mark at (%s, %v)", g.ID, schoolYearName(*p.LatestYear), expected)
		}
		if !slices.Contains(line.Texts, "expected by now: "+enInt(expected)) {
			t.Errorf("goal %s: \"expected by now: %s\" is not drawn (%q)", g.ID, enInt(expected), line.Texts)
		}
		// projections in whole people
		for _, ser := range line.Series[1:] {
			for _, v := range ser.Data {
				if x := count(v); x != nil && *x != math.Round(*x) {
					t.Errorf("goal %s: %s drawn %v, not whole people", g.ID, ser.Name, *x)
				}
			}
		}
		gauge := tb.drawn("goal-" + g.ID + "-gauge")
		wantPct := math.Round(float64(*p.LatestYear-g.BaselineYear)/float64(g.TargetYear-g.BaselineYear)*1000) / 10
		if len(gauge.Series) != 2 || gauge.Series[1].Data == nil || count(gauge.Series[1].Data[0]) == nil || *count(gauge.Series[1].Data[0]) != wantPct {
			t.Errorf("goal %s: the gauge's expected-by-now pointer is not at %v%% of the way: %+v", g.ID, wantPct, gauge.Series)
		}
	}
}

// testSpanishGoals: the Spanish board names every goal in Spanish (worded
// from its fields) and no goal by its English title, on the page or in a
// chart.
func testSpanishGoals(t *testing.T, b context.Context, s *site, admin string) {
	var r struct{ Goals []apiGoal }
	api(t, s, admin, false, goalsQuery, nil, &r)
	tb := reader(t, b, s, admin)
	tb.show("/dashboards/board?lang=es")
	var text string
	tb.eval(`document.body.innerText + '\n' + Object.values(window.caminoCharts).map(c => JSON.stringify(c.getOption())).join('\n') +
	  '\n' + Object.values(window.caminoCharts).map(c => c.getZr().storage.getDisplayList(true).filter(e => e.style && typeof e.style.text === 'string').map(e => e.style.text).join(' ')).join('\n')`, &text)
	for _, g := range r.Goals {
		if strings.Contains(text, g.Title) {
			t.Errorf("the Spanish board shows the English goal name %q", g.Title)
		}
		if strings.Contains(text, goalNouns[g.ID][0]) {
			t.Errorf("the Spanish board says %q", goalNouns[g.ID][0])
		}
		es := goalNouns[g.ID][1]
		if !strings.Contains(text, strings.ToUpper(es[:1])+es[1:]+" en Utah") || !strings.Contains(text, " de "+strconv.FormatFloat(g.TargetValue, 'f', 0, 64)+" "+es) {
			t.Errorf("the Spanish board does not name goal %s %q (in Utah, of its target)", g.ID, es)
		}
	}
	for _, en := range []string{"expected by now", "Straight path", "Projection", "of the way", "Off track", "On track"} {
		if strings.Contains(text, en) {
			t.Errorf("the Spanish board says %q", en)
		}
	}
}

// --- click-through --------------------------------------------------------------

// testClickThrough: a district's bar opens its page, a school's point its
// page, each with the filters of the page it was clicked on.
func testClickThrough(t *testing.T, b context.Context, s *site, admin string) {
	tb := reader(t, b, s, admin)
	tb.show("/dashboards/state/UT?from=2018&to=2024")
	name := tb.clickItem("districts", 0)
	tb.until("the district's page", `location.pathname.startsWith('/dashboards/district/')`)
	tb.waitDrawn("the district's page")
	var at struct{ Path, Search, H1 string }
	tb.eval(`({ path: location.pathname, search: location.search, h1: document.querySelector('h1').firstChild.textContent.trim() })`, &at)
	if at.H1 != name || !strings.Contains(at.Search, "from=2018") || !strings.Contains(at.Search, "to=2024") {
		t.Errorf("clicking %q's bar opened %s%s (%q), want its page from 2018 to 2024", name, at.Path, at.Search, at.H1)
	}
	school := tb.clickItem("schools-map", 0)
	tb.until("the school's page", `location.pathname.startsWith('/dashboards/school/')`)
	tb.waitDrawn("the school's page")
	tb.eval(`({ path: location.pathname, search: location.search, h1: document.querySelector('h1').firstChild.textContent.trim() })`, &at)
	if at.H1 != school || !strings.Contains(at.Search, "from=2018") || !strings.Contains(at.Search, "to=2024") {
		t.Errorf("clicking %q's point opened %s%s (%q), want its page from 2018 to 2024", school, at.Path, at.Search, at.H1)
	}
}

// clickItem clicks the first sizeable item of a chart's series (a bar at
// least 6 px long, or a point) and returns its name.
func (tb *tab) clickItem(chart string, series int) string {
	tb.t.Helper()
	var item struct {
		Name string
		X, Y float64
	}
	tb.eval(fmt.Sprintf(`(() => {
	  const c = window.caminoCharts[%q];
	  const el = c.getDom();
	  el.scrollIntoView({ block: 'center' });
	  const r = el.getBoundingClientRect();
	  const data = c.getModel().getSeriesByIndex(%d).getData();
	  for (let j = data.count() - 1; j >= 0; j--) {
	    const l = data.getItemLayout(j);
	    if (!l) { continue; }
	    if (Array.isArray(l)) { return { name: data.getName(j), x: r.left + l[0], y: r.top + l[1] }; }
	    if (Math.abs(l.width) >= 6 && Math.abs(l.height) >= 6) {
	      return { name: data.getName(j) || c.getOption().yAxis[0].data[j], x: r.left + l.x + l.width / 2, y: r.top + l.y + l.height / 2 };
	    }
	  }
	  return null;
	})()`, chart, series), &item)
	if item.Name == "" {
		tb.t.Fatalf("chart %s has nothing to click", chart)
	}
	tb.reset()
	tb.must(chromedp.MouseClickXY(item.X, item.Y))
	return item.Name
}

// --- print and dark mode ----------------------------------------------------------

// testPrintAndDark: printed, a page has no filters, buttons or sign-out,
// every table open and unclipped, charts as wide as the paper, and a header
// with its scope, filters and data date; in dark mode the page is dark and
// the charts keep the colour-blind-safe palette.
func testPrintAndDark(t *testing.T, b context.Context, s *site, admin string) {
	tb := reader(t, b, s, admin)
	tb.show("/dashboards/state/UT?tier=school")
	tb.must(emulation.SetEmulatedMedia().WithMedia("print"))
	var pr struct {
		Hidden     []string
		Head       string
		Closed     int
		Clipped    int
		WidestPx   float64
		PrintShown bool
	}
	tb.eval(`(() => {
	  window.caminoPrint.before();
	  const shown = sel => Array.from(document.querySelectorAll(sel)).some(e => e.getClientRects().length > 0);
	  return {
	    hidden: ['form.filters', 'header.top', '.actions', '.tools', 'button:not(th button)'].filter(sel => !shown(sel)),
	    head: document.querySelector('.print-head').innerText,
	    printShown: getComputedStyle(document.querySelector('.print-head')).display !== 'none',
	    closed: document.querySelectorAll('details:not([open])').length,
	    clipped: Array.from(document.querySelectorAll('.scroll')).filter(e => e.scrollHeight > e.clientHeight + 1).length,
	    widestPx: Math.max(...Object.values(window.caminoCharts).map(c => c.getWidth())),
	  };
	})()`, &pr)
	if len(pr.Hidden) != 5 {
		t.Errorf("printed, only %v are hidden; want filters, header, actions, tools and every button", pr.Hidden)
	}
	if !pr.PrintShown || !strings.Contains(pr.Head, "Utah") || !strings.Contains(pr.Head, "schools") || !strings.Contains(pr.Head, "data loaded") {
		t.Errorf("the printed header %q (shown %v) does not give the scope, the tier and the data's date", pr.Head, pr.PrintShown)
	}
	if pr.Closed != 0 || pr.Clipped != 0 {
		t.Errorf("printed: %d tables closed, %d clipped", pr.Closed, pr.Clipped)
	}
	if pr.WidestPx > 700 {
		t.Errorf("printed: a chart %v px wide, wider than A4", pr.WidestPx)
	}
	tb.eval(`window.caminoPrint.after(), true`, nil)
	tb.must(emulation.SetEmulatedMedia().WithMedia("").
		WithFeatures([]*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}))
	tb.show("/dashboards/state/UT")
	var bg string
	tb.eval(`getComputedStyle(document.body).backgroundColor`, &bg)
	if bg != "rgb(13, 17, 23)" {
		t.Errorf("dark mode: the page's background is %s", bg)
	}
	palette := []string{"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"}
	if d := tb.drawn("leadership"); len(d.Color) < len(palette) || !slices.Equal(d.Color[:len(palette)], palette) ||
		slices.ContainsFunc(d.Color, func(c string) bool { return !slices.Contains(palette, c) }) {
		t.Errorf("dark mode: the charts' colours are %v, not the Okabe-Ito palette", d.Color)
	}
}

// --- the Sankey -------------------------------------------------------------------

// testSankey: "left the data" can be hidden and shown again, and no two
// node labels of one side overlap.
func testSankey(t *testing.T, b context.Context, s *site, admin string) {
	tb := reader(t, b, s, admin)
	tb.show("/dashboards/board")
	const node = "→ left the data"
	nodes := func() []string {
		var names []string
		tb.eval(`window.caminoCharts.progression.getOption().series[0].data.map(d => d.name)`, &names)
		return names
	}
	if !slices.Contains(nodes(), node) {
		t.Fatalf("the Sankey has no %q node: %v", node, nodes())
	}
	tb.must(chromedp.Click(`button[data-sankey-toggle="progression"]`, chromedp.ByQuery))
	tb.until("the node hidden", `!window.caminoCharts.progression.getOption().series[0].data.some(d => d.name === `+strconv.Quote(node)+`)`)
	tb.waitDrawn("the Sankey without the node")
	var overlaps []string
	tb.eval(`(() => {
	  const c = window.caminoCharts.progression;
	  const texts = c.getZr().storage.getDisplayList(true).filter(e => e.style && typeof e.style.text === 'string' && e.style.text)
	    .map(e => { const r = e.getBoundingRect().clone(); r.applyTransform(e.getComputedTransform()); return { t: e.style.text, r }; });
	  const out = [];
	  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
	    if (texts[i].r.intersect(texts[j].r)) { out.push(texts[i].t + ' / ' + texts[j].t); }
	  }
	  return out;
	})()`, &overlaps)
	for _, o := range overlaps {
		t.Errorf("the Sankey's labels overlap: %s", o)
	}
	tb.must(chromedp.Click(`button[data-sankey-toggle="progression"]`, chromedp.ByQuery))
	tb.until("the node shown again", `window.caminoCharts.progression.getOption().series[0].data.some(d => d.name === `+strconv.Quote(node)+`)`)
}

// --- school years -----------------------------------------------------------------

// testSchoolYearNames: one name for a school year in the header, the
// filters, the charts' axes and the CSVs (2024-25), stated once on the page.
func testSchoolYearNames(t *testing.T, s *site, admin string) {
	c := s.login(admin)
	resp, body := s.get(c, "/dashboards/state/UT?from=2019&to=2024")
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	if strings.Count(body, "School years run from fall to summer") != 1 {
		t.Error("the page does not state once how school years are named")
	}
	if !strings.Contains(body, "<small>2019-20 to 2024-25</small>") {
		t.Error("the header does not name the span 2019-20 to 2024-25")
	}
	opts := regexp.MustCompile(`<option value="(\d{4})"[^>]*>([^<]*)</option>`).FindAllStringSubmatch(body, -1)
	if len(opts) == 0 {
		t.Fatal("no year options")
	}
	for _, o := range opts {
		y, _ := strconv.Atoi(o[1])
		if o[2] != schoolYearName(y) {
			t.Errorf("the year filter names %s %q", o[1], o[2])
		}
	}
	resp, csvBody := s.get(c, "/dashboards/state/UT/charts/leadership.csv?from=2019&to=2024")
	recs, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	if resp.StatusCode != 200 || err != nil || len(recs) != 7 {
		t.Fatalf("leadership CSV: %d, %v, %d rows", resp.StatusCode, err, len(recs))
	}
	var got []string
	for _, r := range recs[1:] {
		got = append(got, r[0])
	}
	want := []string{"2019-20", "2020-21", "2021-22", "2022-23", "2023-24", "2024-25"}
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("the CSV names the years %v, want %v", got, want)
	}
}
