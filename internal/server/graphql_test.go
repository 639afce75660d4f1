package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type stateJSON struct {
	Code, Fips, Name string
}

func TestStates(t *testing.T) {
	a := newAPI(t, fixtureDB(t))
	var d struct {
		States  []stateJSON
		Ut      *stateJSON
		Unknown *stateJSON
	}
	a.must(`{ states { code fips name } ut: state(code: "ut") { code name } unknown: state(code: "ZZ") { code } }`, nil, &d)
	if len(d.States) != 2 || d.States[0].Name != "New Mexico" || d.States[1].Code != "UT" || d.States[1].Fips != "49" {
		t.Fatalf("states = %+v", d.States)
	}
	if d.Ut == nil || d.Ut.Name != "Utah" {
		t.Fatalf("state(ut) = %+v", d.Ut)
	}
	if d.Unknown != nil {
		t.Fatalf("unknown state = %+v, want null", d.Unknown)
	}
}

type pageJSON struct {
	TotalCount int
	Nodes      []struct{ ID, Name, Type, Locale string }
	Edges      []struct{ Cursor string }
	PageInfo   struct {
		HasNextPage bool
		EndCursor   *string
	}
}

func names(p pageJSON) string {
	var s []string
	for _, n := range p.Nodes {
		s = append(s, n.Name)
	}
	return strings.Join(s, ",")
}

func TestDistrictsConnection(t *testing.T) {
	a := newAPI(t, fixtureDB(t))
	const q = `query($s: String, $t: LeaType, $q: String, $f: Int, $a: String) {
		districts(stateCode: $s, type: $t, search: $q, first: $f, after: $a) {
			totalCount nodes { id name type locale } edges { cursor } pageInfo { hasNextPage endCursor } } }`
	get := func(vars map[string]any) pageJSON {
		var d struct{ Districts pageJSON }
		a.must(q, vars, &d)
		return d.Districts
	}
	all := get(map[string]any{"s": "UT"})
	if all.TotalCount != 4 || names(all) != "Alpha District,Beta Charter,Gamma District,Utah State Board" || all.PageInfo.HasNextPage {
		t.Fatalf("UT districts = %d %s next=%v", all.TotalCount, names(all), all.PageInfo.HasNextPage)
	}
	if all.Nodes[1].Type != "CHARTER" || all.Nodes[0].Locale != "SUBURB" {
		t.Fatalf("enums = %+v", all.Nodes[:2])
	}
	if p := get(nil); p.TotalCount != 5 {
		t.Fatalf("all states: totalCount %d, want 5", p.TotalCount)
	}
	if p := get(map[string]any{"s": "UT", "t": "CHARTER"}); names(p) != "Beta Charter" || p.TotalCount != 1 {
		t.Fatalf("charters = %s (%d)", names(p), p.TotalCount)
	}
	if p := get(map[string]any{"q": "ALPHA"}); names(p) != "Alpha District" {
		t.Fatalf("search = %s", names(p))
	}
	// Pages of two: the cursor of the last edge continues the list, and the
	// same page always gives the same cursors.
	p1 := get(map[string]any{"s": "UT", "f": 2})
	if names(p1) != "Alpha District,Beta Charter" || !p1.PageInfo.HasNextPage || p1.TotalCount != 4 {
		t.Fatalf("page 1 = %s next=%v", names(p1), p1.PageInfo.HasNextPage)
	}
	if again := get(map[string]any{"s": "UT", "f": 2}); again.Edges[1].Cursor != p1.Edges[1].Cursor || *again.PageInfo.EndCursor != p1.Edges[1].Cursor {
		t.Fatal("cursors are not stable")
	}
	p2 := get(map[string]any{"s": "UT", "f": 2, "a": *p1.PageInfo.EndCursor})
	if names(p2) != "Gamma District,Utah State Board" || p2.PageInfo.HasNextPage {
		t.Fatalf("page 2 = %s next=%v", names(p2), p2.PageInfo.HasNextPage)
	}
	if p := get(map[string]any{"s": "UT", "f": 0}); len(p.Nodes) != 0 || !p.PageInfo.HasNextPage || p.PageInfo.EndCursor != nil {
		t.Fatalf("first 0 = %+v", p)
	}
}

func TestRelationsThroughLoaders(t *testing.T) {
	a := newAPI(t, fixtureDB(t))
	var d struct {
		School struct {
			Name, Level string
			Charter     bool
			District    struct {
				Name  string
				State struct{ Code string }
			}
			State struct{ Name string }
		}
		District struct {
			Schools pageJSON
			State   struct{ Name string }
		}
		State struct {
			Districts pageJSON
		}
	}
	a.must(`{
		school(id: "490000200001") { name level charter district { name state { code } } state { name } }
		district(id: "4900001") { state { name } schools(first: 1) { totalCount nodes { id name } pageInfo { hasNextPage endCursor } } }
		state(code: "NM") { districts { totalCount nodes { name } } }
	}`, nil, &d)
	if d.School.Name != "Beta Academy" || d.School.Level != "MIDDLE" || !d.School.Charter ||
		d.School.District.Name != "Beta Charter" || d.School.District.State.Code != "UT" || d.School.State.Name != "Utah" {
		t.Fatalf("school = %+v", d.School)
	}
	if d.District.State.Name != "Utah" || d.District.Schools.TotalCount != 2 || names(d.District.Schools) != "Alpha Elementary" ||
		!d.District.Schools.PageInfo.HasNextPage {
		t.Fatalf("district = %+v", d.District)
	}
	if d.State.Districts.TotalCount != 1 || names(d.State.Districts) != "Delta District" {
		t.Fatalf("NM districts = %+v", d.State.Districts)
	}
	// The second page of Alpha's schools, from the cursor.
	var p struct{ District struct{ Schools pageJSON } }
	a.must(`query($a: String) { district(id: "4900001") { schools(first: 5, after: $a) { nodes { name } pageInfo { hasNextPage } } } }`,
		map[string]any{"a": *d.District.Schools.PageInfo.EndCursor}, &p)
	if names(p.District.Schools) != "Alpha High" || p.District.Schools.PageInfo.HasNextPage {
		t.Fatalf("schools page 2 = %+v", p.District.Schools)
	}
}

type pointJSON struct {
	SchoolYear, Leaders, LatinoLeaders, KnownEthnicityLeaders int
	LatinoLeaderShare, UnknownEthnicityShare                  *float64
}

// series renders points as "year:leaders/latino/known/share" for comparison.
func series(ps []pointJSON) string {
	var s []string
	for _, p := range ps {
		share := "null"
		if p.LatinoLeaderShare != nil {
			share = fmt.Sprintf("%.3f", *p.LatinoLeaderShare)
		}
		s = append(s, fmt.Sprintf("%d:%d/%d/%d/%s", p.SchoolYear, p.Leaders, p.LatinoLeaders, p.KnownEthnicityLeaders, share))
	}
	return strings.Join(s, " ")
}

func TestLeadershipFromHandCountedFixture(t *testing.T) {
	a := newAPI(t, fixtureDB(t))
	const fields = `schoolYear leaders latinoLeaders knownEthnicityLeaders latinoLeaderShare unknownEthnicityShare`
	var d struct {
		Ut, Nm struct {
			All, School, District, State, Late, Past []pointJSON
		}
		Alpha, Beta, Gamma struct{ Leadership []pointJSON }
		Elem               struct{ Leadership []pointJSON }
	}
	a.must(`{
		ut: state(code: "UT") {
			all: leadership { `+fields+` }
			school: leadership(tier: SCHOOL) { `+fields+` }
			district: leadership(tier: DISTRICT) { `+fields+` }
			state: leadership(tier: STATE) { `+fields+` }
			late: leadership(from: 2023) { `+fields+` }
			past: leadership(from: 2000, to: 2010) { `+fields+` }
		}
		nm: state(code: "NM") { all: leadership { `+fields+` } }
		alpha: district(id: "4900001") { leadership { `+fields+` } }
		beta: district(id: "4900002") { leadership { `+fields+` } }
		gamma: district(id: "4900003") { leadership { `+fields+` } }
		elem: school(id: "490000100001") { leadership { `+fields+` } }
	}`, nil, &d)
	// Hand counts (see fixture_test.go).
	cases := []struct {
		name string
		got  []pointJSON
		want string
	}{
		{"UT all", d.Ut.All, "2022:6/3/5/0.600 2023:7/3/6/0.500"},
		{"UT school tier", d.Ut.School, "2022:4/2/3/0.667 2023:3/2/2/1.000"},
		{"UT district tier", d.Ut.District, "2022:1/0/1/0.000 2023:2/0/2/0.000"},
		{"UT state tier", d.Ut.State, "2022:1/1/1/1.000 2023:2/1/2/0.500"},
		{"UT from 2023", d.Ut.Late, "2023:7/3/6/0.500"},
		{"UT before any data", d.Ut.Past, ""},
		{"NM", d.Nm.All, "2022:2/2/2/1.000 2023:1/1/1/1.000"},
		{"Alpha", d.Alpha.Leadership, "2022:4/1/3/0.333 2023:5/2/4/0.500"},
		{"Beta (principal left)", d.Beta.Leadership, "2022:1/1/1/1.000 2023:0/0/0/null"},
		{"Gamma (no staff)", d.Gamma.Leadership, "2022:0/0/0/null 2023:0/0/0/null"},
		{"Alpha Elementary (double post counted once)", d.Elem.Leadership, "2022:2/1/2/0.500 2023:2/2/2/1.000"},
	}
	for _, c := range cases {
		if got := series(c.got); got != c.want {
			t.Errorf("%s = %q, want %q", c.name, got, c.want)
		}
	}
	if u := d.Ut.All[0].UnknownEthnicityShare; u == nil || fmt.Sprintf("%.4f", *u) != "0.1667" {
		t.Errorf("UT 2022 unknown share = %v, want 1/6", u)
	}
	if d.Beta.Leadership[1].UnknownEthnicityShare != nil {
		t.Error("unknown share with no leaders should be null")
	}
}

// TestLeadershipMatchesPlainSQL checks the rollup-backed series against a
// computation from the raw facts written here.
func TestLeadershipMatchesPlainSQL(t *testing.T) {
	db := scaledDB(t, 6, 5)
	a := newAPI(t, db)
	want := sqlInt64s(t, db, `
		SELECT toInt64(school_year), toInt64(count()), toInt64(countIf(eth = 'hispanic_latino')), toInt64(countIf(eth != 'unknown'))
		FROM (
			SELECT school_year, staff_key, argMax(toString(ethnicity), r) AS eth, max(r) AS top
			FROM (SELECT school_year, staff_key, ethnicity,
			        transform(role_code, ['assistant_principal', 'principal', 'district_leader', 'assistant_superintendent', 'superintendent', 'state_leader'], [2, 3, 4, 5, 6, 7], 0) AS r
			      FROM `+db.Database()+`.staff_assignments WHERE lea_id = '4900003')
			GROUP BY school_year, staff_key
		) WHERE top >= 2 GROUP BY school_year ORDER BY school_year`)
	var d struct {
		District struct{ Leadership []pointJSON }
	}
	a.must(`{ district(id: "4900003") { leadership { schoolYear leaders latinoLeaders knownEthnicityLeaders } } }`, nil, &d)
	if len(want) != 2 || len(d.District.Leadership) != 2 {
		t.Fatalf("want %v, got %+v", want, d.District.Leadership)
	}
	for i, w := range want {
		p := d.District.Leadership[i]
		if int64(p.SchoolYear) != w[0] || int64(p.Leaders) != w[1] || int64(p.LatinoLeaders) != w[2] || int64(p.KnownEthnicityLeaders) != w[3] {
			t.Errorf("year %d: got %+v, plain SQL %v", w[0], p, w)
		}
	}
}

// countQueries returns how many SQL queries the request with this id sent.
// The server writes a query's log row after sending its result, so a flush
// right after the response may miss the last ones: count until the number
// has held for half a second.
func countQueries(t *testing.T, a *api, requestID string) int64 {
	t.Helper()
	last, since := int64(-1), time.Now()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err := a.db.Conn().Exec(context.Background(), "SYSTEM FLUSH LOGS"); err != nil {
			t.Fatal(err)
		}
		// uniqExact(query_id): each query once whatever its log rows (start,
		// finish); portable across 18.16 (type UInt8) and current (Enum8).
		n := sqlInt64s(t, a.db, "SELECT toInt64(uniqExact(query_id)) FROM system.query_log WHERE query_id LIKE ?", requestID+"-%")[0][0]
		if n != last {
			last, since = n, time.Now()
			continue
		}
		if time.Since(since) >= 500*time.Millisecond {
			return n
		}
	}
	t.Fatalf("query count for %s did not settle", requestID)
	return 0
}

func TestEverySchoolWithDistrictLeadershipIsAFixedNumberOfQueries(t *testing.T) {
	const q = `{ state(code: "UT") { districts(first: 500) { nodes { schools(first: 500) { nodes {
		id name district { name leadership { schoolYear leaders latinoLeaders } } } } } } } }`
	type resp struct {
		State struct {
			Districts struct {
				Nodes []struct {
					Schools struct {
						Nodes []struct {
							ID       string
							District struct {
								Name       string
								Leadership []pointJSON
							}
						}
					}
				}
			}
		}
	}
	counts := map[string]int64{}
	for _, size := range []struct{ districts, schools int }{{3, 2}, {40, 12}} {
		a := newAPIWith(t, scaledDB(t, size.districts, size.schools), everySchool)
		reqID := fmt.Sprintf("count%dx%d%s", size.districts, size.schools, time.Now().Format("150405"))
		// Busy cores deschedule resolvers for milliseconds at a time: the
		// count must not depend on timing, so burn every core meanwhile.
		stop := burnCPU(2 * runtime.NumCPU())
		var d resp
		errs := a.do(reqID, q, nil, &d)
		stop()
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		schools := 0
		for _, dist := range d.State.Districts.Nodes {
			for _, s := range dist.Schools.Nodes {
				schools++
				// Each district has `size.schools` schools with a principal and an AP;
				// principals of even-numbered schools are Latino.
				wantLatino := (size.schools + 1) / 2
				if got := series(s.District.Leadership); got != fmt.Sprintf("2022:%d/%d/0/null 2023:%d/%d/0/null",
					2*size.schools, wantLatino, 2*size.schools, wantLatino) {
					t.Fatalf("%s district leadership = %s", s.ID, got)
				}
			}
		}
		if schools != size.districts*size.schools {
			t.Fatalf("listed %d schools, want %d", schools, size.districts*size.schools)
		}
		counts[fmt.Sprint(schools)] = countQueries(t, a, reqID)
	}
	small, large := counts["6"], counts["480"]
	if small != large || large > 6 {
		t.Fatalf("SQL queries: %d for 6 schools, %d for 480; want the same small number", small, large)
	}
	t.Logf("SQL queries per request: %d (6 schools), %d (480 schools)", small, large)
}

func TestEverySchoolsOwnLeadershipIsAFixedNumberOfQueries(t *testing.T) {
	const q = `query($from: Int) { states { leadership(from: $from) { leaders } districts(first: 500) { nodes {
		schools(first: 500) { nodes { leadership(from: $from, tier: SCHOOL) { leaders latinoLeaders } } } } } } }`
	var got []int64
	for _, size := range []struct{ districts, schools int }{{2, 3}, {30, 15}} {
		a := newAPIWith(t, scaledDB(t, size.districts, size.schools), everySchool)
		reqID := fmt.Sprintf("own%dx%d%s", size.districts, size.schools, time.Now().Format("150405"))
		var d struct {
			States []struct {
				Districts struct {
					Nodes []struct {
						Schools struct {
							Nodes []struct{ Leadership []pointJSON }
						}
					}
				}
			}
		}
		stop := burnCPU(2 * runtime.NumCPU())
		errs := a.do(reqID, q, map[string]any{"from": 2023}, &d)
		stop()
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		n := 0
		for _, dist := range d.States[0].Districts.Nodes {
			for i, s := range dist.Schools.Nodes {
				n++
				// One principal and one AP per school; the principal is Latino in even schools.
				latino := 0
				if i%2 == 0 { // schools are listed by name: School ddd-000, -001, ...
					latino = 1
				}
				if len(s.Leadership) != 1 || s.Leadership[0].Leaders != 2 || s.Leadership[0].LatinoLeaders != latino {
					t.Fatalf("school %d leadership = %+v", i, s.Leadership)
				}
			}
		}
		if n != size.districts*size.schools {
			t.Fatalf("schools = %d", n)
		}
		got = append(got, countQueries(t, a, reqID))
	}
	if got[0] != got[1] || got[1] > 7 {
		t.Fatalf("SQL queries: %d for 6 schools, %d for 450; want the same small number", got[0], got[1])
	}
}

// burnCPU keeps n goroutines spinning until the returned func is called.
func burnCPU(n int) func() {
	var quit atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for x := 0; !quit.Load(); x++ {
				if x%1000 == 0 {
					runtime.Gosched()
				}
			}
		}()
	}
	return func() { quit.Store(true); wg.Wait() }
}

func TestBadInputIsRefusedClearly(t *testing.T) {
	a := newAPI(t, fixtureDB(t))
	cases := []struct {
		name, query, wantCode, wantText string
	}{
		{"malformed district id", `{ district(id: "49-0001") { name } }`, "invalid", "7-digit"},
		{"injection in district id", `{ district(id: "1' OR '1'='1") { name } }`, "invalid", "7-digit"},
		{"malformed school id", `{ school(id: "12") { name } }`, "invalid", "12-digit"},
		{"malformed state code", `{ state(code: "Utah") { name } }`, "invalid", "two-letter"},
		{"first above the maximum", `{ districts(first: 501) { totalCount } }`, "invalid", "0 to 500"},
		{"first a million", `{ districts(first: 1000000) { totalCount } }`, "invalid", "0 to 500"},
		{"negative first", `{ districts(first: -1) { totalCount } }`, "invalid", "0 to 500"},
		{"garbage cursor", `{ districts(after: "not-a-cursor") { totalCount } }`, "invalid", "cursor"},
		{"school cursor on districts", `{ districts(after: "djEAc2Nob29sAEEAMQ") { totalCount } }`, "invalid", "cursor"},
		{"year out of range", `{ state(code: "UT") { leadership(from: 1800) { leaders } } }`, "invalid", "school year"},
		{"from after to", `{ state(code: "UT") { leadership(from: 2023, to: 2022) { leaders } } }`, "invalid", "after"},
		{"oversized search", `{ districts(search: "` + strings.Repeat("x", 500) + `") { totalCount } }`, "invalid", "at most 100"},
		{"wrong type", `{ districts(first: "ten") { totalCount } }`, "GRAPHQL_VALIDATION_FAILED", "Int"},
		{"unknown enum value", `{ districts(type: BOGUS) { totalCount } }`, "GRAPHQL_VALIDATION_FAILED", "BOGUS"},
		{"unknown field", `{ district(id: "4900001") { salary } }`, "GRAPHQL_VALIDATION_FAILED", "salary"},
		{"syntax error", `{ district(id: "4900001") { name `, "GRAPHQL_PARSE_FAILED", "Expected"},
	}
	for _, c := range cases {
		errs := a.do("", c.query, nil, nil)
		if len(errs) == 0 {
			t.Errorf("%s: no error", c.name)
			continue
		}
		e := errs[0]
		if e.Extensions["code"] != c.wantCode || !strings.Contains(e.Message, c.wantText) {
			t.Errorf("%s: got %q (code %v), want code %s mentioning %q", c.name, e.Message, e.Extensions["code"], c.wantCode, c.wantText)
		}
		if len(e.Message) > 300 {
			t.Errorf("%s: message of %d bytes echoes the input", c.name, len(e.Message))
		}
	}
	// Unknown but well-formed ids are null without error.
	var d struct{ District, School *struct{ Name string } }
	if errs := a.do("", `{ district(id: "4900999") { name } school(id: "490099900001") { name } }`, nil, &d); len(errs) > 0 || d.District != nil || d.School != nil {
		t.Fatalf("unknown ids: errs %+v data %+v", errs, d)
	}
}

func TestHTTPSurface(t *testing.T) {
	a := newAPI(t, fixtureDB(t))
	get := a.get
	if code, body := get("/healthz"); code != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 200 || strings.TrimSpace(body) != "ready" {
		t.Fatalf("/readyz = %d %q", code, body)
	}
	if code, body := get("/graphql?query=" + url.QueryEscape(`{ state(code: "UT") { name } }`)); code != 200 || !strings.Contains(body, `"name":"Utah"`) {
		t.Fatalf("GET /graphql = %d %s", code, body)
	}
	code, page := get("/")
	if code != 200 || !strings.Contains(page, "GraphiQL") {
		t.Fatalf("/ = %d", code)
	}
	// Every script and stylesheet of the page comes from our own origin.
	for _, attr := range []string{`src="`, `href="`} {
		for _, part := range strings.Split(page, attr)[1:] {
			if !strings.HasPrefix(part, "/") {
				t.Errorf("GraphiQL page loads %q from outside the server", strings.SplitN(part, `"`, 2)[0])
			}
		}
	}
	if code, _ := get("/assets/vendor/../../../etc/passwd"); code == 200 {
		t.Fatal("path traversal served a file")
	}
	if code, _ := get("/assets/vendor/secret.js"); code != 404 {
		t.Fatalf("unlisted asset = %d, want 404", code)
	}
	// A body over the limit is refused without reaching the resolvers.
	resp, err := http.Post(a.url+"/graphql", "application/json", strings.NewReader(`{"query":"`+strings.Repeat(" ", 2<<20)+`{states{code}}"}`))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(raw), "larger than 1048576 bytes") {
		t.Fatalf("2 MiB body: %d %s", resp.StatusCode, raw)
	}
}

func TestHostileDocumentsAreRefusedQuicklyAndTheServerKeepsAnswering(t *testing.T) {
	a := newAPI(t, fixtureDB(t))
	// 40 fragments, each spreading the next twice: 2^39 fields if expanded.
	var b strings.Builder
	b.WriteString(`{ states { ...F0 } }`)
	for i := 0; i < 40; i++ {
		next := fmt.Sprintf("...F%d ...F%d", i+1, i+1)
		if i == 39 {
			next = "code"
		}
		fmt.Fprintf(&b, " fragment F%d on State { %s }", i, next)
	}
	// School → district → state → districts → nodes → schools → nodes: 6
	// levels a cycle, 5 cycles, plus school and id: 32 levels.
	deep := `{ school(id: "490000100001") {` + strings.Repeat(` district { state { districts { nodes { schools { nodes {`, 5) +
		` id ` + strings.Repeat(`} } } } } }`, 5) + ` } }`
	aliases := "{" + strings.Repeat(` a: states { code }`, 1) + func() string {
		var s strings.Builder
		for i := 0; i < 6000; i++ {
			fmt.Fprintf(&s, " s%d: states { code }", i)
		}
		return s.String()
	}() + "}"
	for _, c := range []struct{ name, query, want string }{
		{"fragment bomb", b.String(), "more than 5000 fields"},
		{"depth 32", deep, "32 levels deep"},
		{"6,000 aliases", aliases, "more than 20000 tokens"},
	} {
		start := time.Now()
		errs := a.do("", c.query, nil, nil)
		if len(errs) == 0 || errs[0].Extensions["code"] != "QUERY_TOO_LARGE" || !strings.Contains(errs[0].Message, c.want) {
			t.Errorf("%s: %+v", c.name, errs)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: refused after %s, want well under 2 s", c.name, d)
		}
	}
	var d struct{ States []stateJSON }
	a.must(`{ states { code } }`, nil, &d)
	if len(d.States) != 2 {
		t.Fatalf("normal query after hostile ones: %+v", d)
	}
}
