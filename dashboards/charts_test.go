package dashboards_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/whtest"
)

// The figures of every chart are checked against the GraphQL API of the
// same server, for the same filter: the API is the independent computation
// (its own resolvers and loaders over the catalog); the dashboards only
// arrange the catalog's results, and these tests catch a wrong measure, a
// year or role out of place, a lost filter or a unit slip.

// option is a chart's ECharts option as the page carries it.
type option struct {
	Series []struct {
		Name string            `json:"name"`
		Type string            `json:"type"`
		Data []json.RawMessage `json:"data"`
		// Sankey links.
		Links []struct {
			Source string  `json:"source"`
			Target string  `json:"target"`
			Value  float64 `json:"value"`
		} `json:"links"`
	} `json:"series"`
	XAxis []struct {
		Data []string `json:"data"`
	} `json:"xAxis"`
	YAxis []struct {
		Data []string `json:"data"`
	} `json:"yAxis"`
}

var optionRE = regexp.MustCompile(`(?s)<script type="application/json" id="option-([^"]+)">(.*?)</script>`)

// options are the page's charts by id.
func options(t *testing.T, page string) map[string]option {
	t.Helper()
	out := map[string]option{}
	for _, m := range optionRE.FindAllStringSubmatch(page, -1) {
		var o option
		if err := json.Unmarshal([]byte(m[2]), &o); err != nil {
			t.Fatalf("chart %s: option is not JSON: %v", m[1], err)
		}
		out[m[1]] = o
	}
	return out
}

// values are a series' points: a number, or nil for a gap ("-").
func (o option) values(t *testing.T, series int) []*float64 {
	t.Helper()
	if series >= len(o.Series) {
		t.Fatalf("no series %d (have %d)", series, len(o.Series))
	}
	var out []*float64
	for _, raw := range o.Series[series].Data {
		var d struct {
			Value any      `json:"value"`
			N     *float64 `json:"n"` // a count drawn on the pipeline's log axis
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		if d.N != nil {
			d.Value = *d.N
		}
		switch v := d.Value.(type) {
		case float64:
			out = append(out, &v)
		case string:
			if v != "-" {
				t.Fatalf("series %d: point %q", series, v)
			}
			out = append(out, nil)
		default:
			t.Fatalf("series %d: point %v (%T)", series, d.Value, d.Value)
		}
	}
	return out
}

// near compares a chart point with an API figure (times scale: 100 for a
// share drawn in percent), within the chart's rounding.
func near(t *testing.T, what string, got *float64, want *float64, scale float64) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s: chart %v, API %v", what, show(got), show(want))
	default:
		tol := 0.0051
		if scale == 1 {
			tol = 0.0006
		}
		if math.Abs(*got-*want*scale) > tol {
			t.Errorf("%s: chart %v, API %v (×%v)", what, *got, *want, scale)
		}
	}
}

// nearCount compares a count point with an API count; a count the chart
// cannot draw (zero on a log axis) is a gap.
func nearCount(t *testing.T, what string, got *float64, want *int, zeroIsGap bool) {
	t.Helper()
	if want != nil && *want == 0 && zeroIsGap {
		want = nil
	}
	var w *float64
	if want != nil {
		f := float64(*want)
		w = &f
	}
	near(t, what, got, w, 1)
}

// categories are a chart's category axis (y for horizontal bars).
func (o option) categories() []string {
	if len(o.XAxis) > 0 && len(o.XAxis[0].Data) > 0 {
		return o.XAxis[0].Data
	}
	if len(o.YAxis) > 0 {
		return o.YAxis[0].Data
	}
	return nil
}

// schoolYear names a school year as the pages do (2023-24).
func schoolYear(y int) string { return fmt.Sprintf("%d-%02d", y, (y+1)%100) }

func show(p *float64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func page(t *testing.T, s *site, c *http.Client, path string) string {
	t.Helper()
	resp, body := s.get(c, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d\n%s", path, resp.StatusCode, body)
	}
	if strings.Contains(body, `class="failed"`) {
		t.Fatalf("%s: a chart failed:\n%s", path, body)
	}
	return body
}

// Roles as the API names them, in ladder order, with the page's English
// labels.
var roleLabels = map[string]string{"teacher": "Teacher", "teacher_leader": "Teacher leader",
	"assistant_principal": "Assistant principal", "principal": "Principal", "district_leader": "District leader",
	"assistant_superintendent": "Assistant superintendent", "superintendent": "Superintendent", "state_leader": "State agency leader"}

type leadershipPoint struct {
	SchoolYear         int
	Leaders            *int
	LatinoLeaders      *int
	LatinoLeaderShare  *float64
	LatinoStudentShare *float64
}

type repr struct {
	LatinoLeaderShare   *float64
	LatinoStudentShare  *float64
	RepresentationIndex *float64
}

type pipelineRank struct {
	Role   string
	People *int
	Latino *int
}

type rolePromotions struct {
	Role          string
	PromotionRate *float64
	RetentionRate *float64
}

// entityFigures are what the state, district and school pages draw, from
// the API.
type entityFigures struct {
	Leadership []leadershipPoint
	Pipeline   struct{ Ranks []pipelineRank }
	Promotions struct{ ByRole []rolePromotions }
	Repr       map[string]repr
}

const entityFields = `leadership(from: $from, to: $to, tier: $tier) { schoolYear leaders latinoLeaders latinoLeaderShare }
  pipeline(year: $to) { ranks { role people latino } }
  promotions(from: $from, to: $to) { byRole { role promotionRate retentionRate } }`

// reprFields asks representation for each year (aliases y2019, …).
func reprFields(from, to int) string {
	var b strings.Builder
	for y := from; y <= to; y++ {
		fmt.Fprintf(&b, "y%d: representation(year: %d, tier: $tier) { latinoLeaderShare latinoStudentShare representationIndex }\n", y, y)
	}
	return b.String()
}

// entityAPI reads a place's figures through GraphQL.
func entityAPI(t *testing.T, s *site, key, field, arg, id string, from, to int, tier string) entityFigures {
	t.Helper()
	q := fmt.Sprintf(`query($id: %s, $from: Int, $to: Int, $tier: Tier) { x: %s(%s: $id) { %s
  %s } }`, map[string]string{"state": "String!", "district": "ID!", "school": "ID!"}[field], field, arg, entityFields, reprFields(from, to))
	var raw struct{ X map[string]json.RawMessage }
	vars := map[string]any{"id": id, "from": from, "to": to, "tier": nil}
	if tier != "" {
		vars["tier"] = strings.ToUpper(tier)
	}
	s.graphql(key, q, vars, &raw)
	var out entityFigures
	out.Repr = map[string]repr{}
	for k, v := range raw.X {
		var err error
		switch {
		case k == "leadership":
			err = json.Unmarshal(v, &out.Leadership)
		case k == "pipeline":
			err = json.Unmarshal(v, &out.Pipeline)
		case k == "promotions":
			err = json.Unmarshal(v, &out.Promotions)
		case strings.HasPrefix(k, "y"):
			var r repr
			err = json.Unmarshal(v, &r)
			out.Repr[k[1:]] = r
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// checkEntityCharts compares the leadership, representation, pipeline and
// promotions charts of a page with the API's figures.
func checkEntityCharts(t *testing.T, opts map[string]option, api entityFigures, from, to int) {
	t.Helper()
	lead := opts["leadership"]
	if got := lead.XAxis[0].Data; len(got) != to-from+1 || got[0] != schoolYear(from) {
		t.Fatalf("leadership years: %v, want %d..%d", got, from, to)
	}
	if len(api.Leadership) != to-from+1 {
		t.Fatalf("API leadership: %d points", len(api.Leadership))
	}
	leaders, latino, share := lead.values(t, 0), lead.values(t, 1), lead.values(t, 2)
	for i, p := range api.Leadership {
		y := schoolYear(p.SchoolYear)
		if lead.XAxis[0].Data[i] != y {
			t.Fatalf("leadership: year %s at %d, API %s", lead.XAxis[0].Data[i], i, y)
		}
		nearCount(t, "leaders "+y, leaders[i], p.Leaders, false)
		nearCount(t, "latino leaders "+y, latino[i], p.LatinoLeaders, false)
		near(t, "latino leader share "+y, share[i], p.LatinoLeaderShare, 100)
	}

	rep := opts["representation"]
	ls, ss := rep.values(t, 0), rep.values(t, 1)
	for i, y := range rep.XAxis[0].Data {
		r, ok := api.Repr[y[:4]]
		if !ok {
			t.Fatalf("representation: year %s not asked", y)
		}
		near(t, "representation leader share "+y, ls[i], r.LatinoLeaderShare, 100)
		near(t, "representation student share "+y, ss[i], r.LatinoStudentShare, 100)
	}

	pipe := opts["pipeline"]
	people, lat := pipe.values(t, 0), pipe.values(t, 1)
	ranks := api.Pipeline.Ranks
	byLabel := map[string]pipelineRank{}
	for _, r := range ranks {
		byLabel[roleLabels[r.Role]] = r
	}
	if len(pipe.categories()) == 0 {
		t.Fatal("pipeline: no ranks")
	}
	for i, label := range pipe.categories() {
		r, ok := byLabel[label]
		if !ok {
			t.Fatalf("pipeline: rank %q not in the API's ranks", label)
		}
		nearCount(t, "pipeline people "+label, people[i], r.People, false)
		nearCount(t, "pipeline latino "+label, lat[i], r.Latino, false)
	}
	// Every rank with people is drawn.
	for _, r := range ranks {
		if r.People != nil && *r.People > 0 && !slices.Contains(pipe.categories(), roleLabels[r.Role]) {
			t.Errorf("pipeline: rank %s (%d people) missing", r.Role, *r.People)
		}
	}

	promo := opts["promotions"]
	pr, rr := promo.values(t, 0), promo.values(t, 1)
	byRole := map[string]rolePromotions{}
	for _, r := range api.Promotions.ByRole {
		byRole[roleLabels[r.Role]] = r
	}
	for i, label := range promo.categories() {
		r, ok := byRole[label]
		if !ok {
			t.Fatalf("promotions: role %q not in the API's", label)
		}
		near(t, "promotion rate "+label, pr[i], r.PromotionRate, 100)
		near(t, "retention rate "+label, rr[i], r.RetentionRate, 100)
	}
	if len(promo.categories()) == 0 {
		t.Error("promotions: no roles")
	}
}

// utahDistrict is Granite School District, one of Utah's largest.
const utahDistrict = "4900360"

func TestDistrictPageFiguresEqualTheAPIs(t *testing.T) {
	s := newSite(t, whtest.Utah(t))
	admin := s.key(access.RoleAdmin)
	c := s.login(admin)
	for _, tc := range []struct {
		from, to int
		tier     string
	}{{2019, 2024, ""}, {2016, 2020, "school"}} {
		t.Run(fmt.Sprintf("%d-%d%s", tc.from, tc.to, tc.tier), func(t *testing.T) {
			body := page(t, s, c, fmt.Sprintf("/dashboards/district/%s?from=%d&to=%d&tier=%s", utahDistrict, tc.from, tc.to, tc.tier))
			opts := options(t, body)
			api := entityAPI(t, s, admin, "district", "id", utahDistrict, tc.from, tc.to, tc.tier)
			checkEntityCharts(t, opts, api, tc.from, tc.to)

			// The district against the state, in the last year.
			var st struct {
				D, S repr
			}
			s.graphql(admin, `query($id: ID!, $y: Int, $tier: Tier) {
  D: district(id: $id) { representation(year: $y, tier: $tier) { latinoLeaderShare latinoStudentShare representationIndex } }
  S: state(code: "UT") { representation(year: $y, tier: $tier) { latinoLeaderShare latinoStudentShare representationIndex } } }`,
				map[string]any{"id": utahDistrict, "y": tc.to, "tier": tierVar(tc.tier)}, &struct {
					D *struct{ Representation *repr }
					S *struct{ Representation *repr }
				}{&struct{ Representation *repr }{&st.D}, &struct{ Representation *repr }{&st.S}})
			cmp := opts["comparison"]
			d, sv := cmp.values(t, 0), cmp.values(t, 1)
			// Categories (horizontal bars: on the y axis) by name.
			cat := func(prefix string) int {
				for i, c := range cmp.YAxis[0].Data {
					if strings.HasPrefix(c, prefix) {
						return i
					}
				}
				t.Fatalf("comparison: no category %q in %v", prefix, cmp.YAxis[0].Data)
				return -1
			}
			leader, student := cat("Leaders"), cat("Students")
			near(t, "district leader share", d[leader], st.D.LatinoLeaderShare, 100)
			near(t, "state leader share", sv[leader], st.S.LatinoLeaderShare, 100)
			near(t, "district student share", d[student], st.D.LatinoStudentShare, 100)
			near(t, "state student share", sv[student], st.S.LatinoStudentShare, 100)
			if cmp.Series[0].Name != "Granite School District" || cmp.Series[1].Name != "Utah" {
				t.Errorf("comparison series: %q, %q", cmp.Series[0].Name, cmp.Series[1].Name)
			}
		})
	}
}

func tierVar(t string) any {
	if t == "" {
		return nil
	}
	return strings.ToUpper(t)
}

func TestSchoolsTableEqualsTheAPIs(t *testing.T) {
	s := newSite(t, whtest.Utah(t))
	admin := s.key(access.RoleAdmin)
	c := s.login(admin)
	resp, body := s.get(c, "/dashboards/district/"+utahDistrict+"/charts/schools.csv?to=2023")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var api struct {
		District struct {
			Schools struct {
				Nodes []struct {
					ID, Name       string
					Representation struct {
						Leaders, LatinoLeaders *int
						LatinoStudentShare     *float64
					}
				}
			}
		}
	}
	s.graphql(admin, `query($id: ID!) { district(id: $id) { schools(first: 500) { nodes { id name
  representation(year: 2023) { leaders latinoLeaders latinoStudentShare } } } } }`, map[string]any{"id": utahDistrict}, &api)
	nodes := api.District.Schools.Nodes
	if len(recs)-1 != len(nodes) || len(nodes) < 50 {
		t.Fatalf("CSV has %d schools, the API %d", len(recs)-1, len(nodes))
	}
	withLatino := 0
	for i, n := range nodes {
		row := recs[i+1]
		if row[0] != n.Name {
			t.Fatalf("row %d: %q, API %q (same order: by name)", i, row[0], n.Name)
		}
		want := func(p *int) string {
			if p == nil {
				return ""
			}
			return strconv.Itoa(*p)
		}
		if row[1] != want(n.Representation.Leaders) || row[2] != want(n.Representation.LatinoLeaders) {
			t.Errorf("%s: leaders %s/%s, API %s/%s", n.Name, row[1], row[2], want(n.Representation.Leaders), want(n.Representation.LatinoLeaders))
		}
		flag := "0"
		if n.Representation.LatinoLeaders != nil && *n.Representation.LatinoLeaders > 0 {
			flag = "1"
			withLatino++
		}
		if row[5] != flag {
			t.Errorf("%s: Latino leader flag %s, API latinoLeaders %s", n.Name, row[5], want(n.Representation.LatinoLeaders))
		}
		if n.Representation.LatinoStudentShare != nil {
			got, _ := strconv.ParseFloat(row[4], 64)
			if math.Abs(got-*n.Representation.LatinoStudentShare) > 0.00005 {
				t.Errorf("%s: student share %s, API %v", n.Name, row[4], *n.Representation.LatinoStudentShare)
			}
		}
	}
	if withLatino == 0 || withLatino == len(nodes) {
		t.Errorf("%d of %d schools flagged: the flag says nothing", withLatino, len(nodes))
	}
}

func TestStateAndSchoolPagesEqualTheAPIs(t *testing.T) {
	s := newSite(t, whtest.Utah(t))
	admin := s.key(access.RoleAdmin)
	c := s.login(admin)

	body := page(t, s, c, "/dashboards/state/UT?from=2018&to=2023")
	opts := options(t, body)
	checkEntityCharts(t, opts, entityAPI(t, s, admin, "state", "code", "UT", 2018, 2023, ""), 2018, 2023)

	// Representation index by district: each bar is the API's index of the
	// district it names.
	var api struct {
		State struct {
			Districts struct {
				Nodes []struct {
					ID, Name       string
					Representation struct{ RepresentationIndex *float64 }
				}
			}
		}
	}
	s.graphql(admin, `{ state(code: "UT") { districts(first: 500) { nodes { id name representation(year: 2023) { representationIndex } } } } }`, nil, &api)
	byName := map[string]*float64{}
	dup := map[string]bool{}
	for _, n := range api.State.Districts.Nodes {
		if _, ok := byName[n.Name]; ok {
			dup[n.Name] = true
		}
		byName[n.Name] = n.Representation.RepresentationIndex
	}
	bars := opts["districts"]
	names, vals := bars.YAxis[0].Data, bars.values(t, 0)
	if len(names) < 20 || len(names) != len(vals) {
		t.Fatalf("by district: %d names, %d values", len(names), len(vals))
	}
	for i, n := range names {
		want, ok := byName[n]
		if !ok {
			t.Fatalf("by district: %q is not a Utah district", n)
		}
		if !dup[n] {
			near(t, "index of "+n, vals[i], want, 1)
		}
		// Highest first, read from the top (the last category is drawn on top).
		if i > 0 && vals[i-1] != nil && vals[i] != nil && *vals[i-1] > *vals[i] {
			t.Errorf("by district: %q (%v) below %q (%v): not sorted", n, *vals[i], names[i-1], *vals[i-1])
		}
	}

	// A school of the district: its page against the API.
	resp, dpage := s.get(c, "/dashboards/district/"+utahDistrict)
	if resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	}
	school := regexp.MustCompile(`/dashboards/school/([0-9]{12})`).FindStringSubmatch(dpage)
	if school == nil {
		t.Fatal("the district page links no school")
	}
	body = page(t, s, c, "/dashboards/school/"+school[1]+"?from=2020&to=2024")
	checkEntityCharts(t, options(t, body), entityAPI(t, s, admin, "school", "id", school[1], 2020, 2024, ""), 2020, 2024)
	if !strings.Contains(body, `href="/dashboards/district/`+utahDistrict+`?from=2020&amp;lang=en&amp;to=2024"`) {
		t.Error("the school page's breadcrumb does not lead back to its district with the filters")
	}
}

func TestBoardPageFiguresEqualTheAPIs(t *testing.T) {
	s := newSite(t, whtest.Utah(t))
	admin := s.key(access.RoleBoard)
	c := s.login(admin)
	body := page(t, s, c, "/dashboards/board?from=2017&to=2024&state=UT")
	opts := options(t, body)

	// Goals: the gauge is the percent of the way (clamped to 0..100), the
	// line the actual series and the projection.
	var goals struct {
		Goals []struct {
			ID       string
			Progress struct {
				PercentOfWay *float64
				OnTrack      *bool
				Actual       []struct {
					Year  int
					Value *float64
				}
				Projection []struct {
					Year  int
					Value *float64
				}
			}
			Measure string
		}
	}
	s.graphql(admin, `{ goals { id measure progress { percentOfWay onTrack actual { year value } projection { year value } } } }`, nil, &goals)
	if len(goals.Goals) == 0 {
		t.Fatal("the Utah seed has no goals")
	}
	for _, g := range goals.Goals {
		gauge, ok := opts["goal-"+g.ID+"-gauge"]
		if !ok {
			t.Fatalf("no gauge for goal %s", g.ID)
		}
		want := 0.0
		if p := g.Progress.PercentOfWay; p != nil {
			want = math.Max(0, math.Min(100, *p))
		}
		got := gauge.values(t, 0)[0]
		if got == nil || math.Abs(*got-want) > 0.051 {
			t.Errorf("goal %s gauge %v, API percentOfWay %v", g.ID, show(got), show(g.Progress.PercentOfWay))
		}
		line := opts["goal-"+g.ID]
		years := line.XAxis[0].Data
		actual, proj := line.values(t, 0), line.values(t, 1)
		scale := 1.0
		if strings.HasSuffix(g.Measure, "_SHARE") {
			scale = 100
		}
		for _, a := range g.Progress.Actual {
			i := slices.Index(years, schoolYear(a.Year))
			if i < 0 {
				t.Fatalf("goal %s: year %d not on the axis %v", g.ID, a.Year, years)
			}
			near(t, fmt.Sprintf("goal %s actual %d", g.ID, a.Year), actual[i], a.Value, scale)
		}
		for _, a := range g.Progress.Projection {
			i := slices.Index(years, schoolYear(a.Year))
			want := a.Value
			if want != nil && !strings.HasSuffix(g.Measure, "_SHARE") {
				w := math.Round(*want) // a projected count is drawn in whole people
				want = &w
			}
			near(t, fmt.Sprintf("goal %s projection %d", g.ID, a.Year), proj[i], want, scale)
		}
		badge := "Not enough years to project"
		if g.Progress.OnTrack != nil {
			badge = map[bool]string{true: "On track", false: "Off track"}[*g.Progress.OnTrack]
		}
		card := cardOf(body, "goal-"+g.ID)
		if !strings.Contains(card, ">"+badge+"<") {
			t.Errorf("goal %s: badge %q missing", g.ID, badge)
		}
	}

	// Latino leaders by tier, and membership, against Utah's figures.
	var st struct {
		State struct {
			School, District, State []struct {
				SchoolYear    int
				LatinoLeaders *int
			}
			Members struct {
				Years []struct {
					SchoolYear          int
					Members, NewMembers *int
				}
			}
		}
	}
	s.graphql(admin, `{ state(code: "UT") {
  school: leadership(from: 2017, to: 2024, tier: SCHOOL) { schoolYear latinoLeaders }
  district: leadership(from: 2017, to: 2024, tier: DISTRICT) { schoolYear latinoLeaders }
  state: leadership(from: 2017, to: 2024, tier: STATE) { schoolYear latinoLeaders }
  members(from: 2017, to: 2024) { years { schoolYear members newMembers } } } }`, nil, &st)
	tiers := opts["tiers"]
	for i, series := range [][]struct {
		SchoolYear    int
		LatinoLeaders *int
	}{st.State.School, st.State.District, st.State.State} {
		got := tiers.values(t, i)
		for j, p := range series {
			nearCount(t, fmt.Sprintf("tier %d latino leaders %d", i, p.SchoolYear), got[j], p.LatinoLeaders, false)
		}
	}
	mem := opts["membership"]
	news, members := mem.values(t, 0), mem.values(t, 1)
	for j, y := range st.State.Members.Years {
		nearCount(t, fmt.Sprintf("new members %d", y.SchoolYear), news[j], y.NewMembers, false)
		nearCount(t, fmt.Sprintf("members %d", y.SchoolYear), members[j], y.Members, false)
	}
	// The Sankey: one link per flow of members with people, as the API
	// counts them.
	var flows struct {
		State struct {
			Members struct {
				Progression []struct {
					FromRole, ToRole string
					People           *int
				}
			}
		}
	}
	s.graphql(admin, `{ state(code: "UT") { members(from: 2017, to: 2024) { progression { fromRole toRole people } } } }`, nil, &flows)
	links := map[string]float64{}
	sankey := opts["progression"]
	if len(sankey.Series) != 1 {
		t.Fatal("no progression Sankey")
	}
	for _, l := range sankey.Series[0].Links {
		links[l.Source+" "+l.Target] = l.Value
	}
	label := func(r string) string {
		if r == "none" {
			return "left the data"
		}
		return roleLabels[r]
	}
	drawn := 0
	for _, f := range flows.State.Members.Progression {
		k := label(f.FromRole) + " → " + label(f.ToRole)
		got, ok := links[k]
		switch {
		case f.People == nil || *f.People == 0 || f.FromRole == f.ToRole:
			if ok {
				t.Errorf("flow %s is drawn (%v) but the API hides it, has none, or it is no move", k, got)
			}
		case !ok || got != float64(*f.People):
			t.Errorf("flow %s: chart %v, API %d", k, got, *f.People)
		default:
			drawn++
		}
	}
	if drawn != len(links) || drawn < 5 {
		t.Errorf("%d links drawn, %d flows in the API", len(links), drawn)
	}
	if _, ok := opts["districts"]; !ok {
		t.Error("no representation-by-district chart")
	}
}

// cardOf is the HTML of one chart's card.
func cardOf(body, id string) string {
	start := strings.Index(body, `id="card-`+id+`"`)
	if start < 0 {
		return ""
	}
	end := strings.Index(body[start:], "</section>")
	return html.UnescapeString(body[start : start+end])
}
