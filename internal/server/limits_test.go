package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/server"
)

// everySchool serves the tests that ask for every school of a state in one
// request (pages of 500 districts × 500 schools, complexity about 10
// million): they measure query counts, not what the default limit of
// 20,000 lets through.
var everySchool = server.Options{Limits: server.Limits{MaxComplexity: 50_000_000}}

// post sends a raw body to /graphql with the client's key and a request id
// and returns the status, the headers and the decoded response.
func (a *api) post(requestID string, body io.Reader) (int, http.Header, gqlResponse) {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, a.url+"/graphql", body)
	req.Header.Set("Content-Type", "application/json")
	if a.key != "" {
		req.Header.Set("Authorization", "Bearer "+a.key)
	}
	if requestID != "" {
		req.Header.Set("X-Request-Id", requestID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Errorf("POST /graphql (%s): %v", requestID, err)
		return 0, nil, gqlResponse{}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		a.t.Errorf("response is not JSON (%d): %.300s", resp.StatusCode, raw)
	}
	return resp.StatusCode, resp.Header, r
}

// send posts a GraphQL request of these parts (query, variables,
// extensions; empty ones left out).
func (a *api) send(requestID, query string, vars, ext map[string]any) (int, http.Header, gqlResponse) {
	a.t.Helper()
	body := map[string]any{}
	if query != "" {
		body["query"] = query
	}
	if vars != nil {
		body["variables"] = vars
	}
	if ext != nil {
		body["extensions"] = ext
	}
	b, _ := json.Marshal(body)
	return a.post(requestID, bytes.NewReader(b))
}

// sha256Hex is the hash automatic persisted queries name a document by.
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func persisted(query string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha256Hex(query)}}
}

func codeOf(r gqlResponse) string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

func TestHostileOperationsAreRefusedBeforeAnySQLWhileOthersKeepBeingAnswered(t *testing.T) {
	// The production rates (the test helper's default is looser).
	a := newAPIWith(t, fixtureDB(t), server.Options{Limits: server.Limits{RatePerKey: 20, Burst: 40}})
	board := a.as(access.RoleBoard)

	// district → (state → districts → nodes) × 16 → id: 50 levels.
	deep := `{ district(id: "4900001") {` + strings.Repeat(` state { districts { nodes {`, 16) + ` id` +
		strings.Repeat(` } } }`, 16) + ` } }`
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&aliases, ` a%d: state(code: "UT") { representation { latinoLeaders } }`, i)
	}
	aliases.WriteString(" }")
	// 30 fragments, each a level of the next: 3 levels each.
	var chain strings.Builder
	chain.WriteString(`{ district(id: "4900001") { ...F0 } }`)
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&chain, ` fragment F%d on District { state { districts { nodes { ...F%d } } } }`, i, i+1)
	}
	chain.WriteString(` fragment F30 on District { id }`)
	// 40 fragments, each spreading the next twice: 2^39 fields if expanded.
	var bomb strings.Builder
	bomb.WriteString(`{ states { ...B0 } }`)
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&bomb, ` fragment B%d on State { ...B%d ...B%d }`, i, i+1, i+1)
	}
	bomb.WriteString(` fragment B40 on State { code }`)
	directives := `{ states { name` + strings.Repeat(` code @include(if: true)`, 60) + ` } }`

	type hostile struct {
		name, query string
		vars        map[string]any
		body        func() io.Reader // instead of query and vars
		status      int              // 0: any
		code, text  string
	}
	cases := []hostile{
		{name: "depth 50", query: deep, code: "QUERY_TOO_LARGE", text: "50 levels deep, more than the limit of 15"},
		{name: "1,000 aliases", query: aliases.String(), code: "QUERY_TOO_LARGE", text: "more than 100 aliased fields"},
		{name: "first a million", query: `{ state(code: "UT") { districts(first: 1000000) { nodes { id } } } }`,
			code: "invalid", text: "1000000 is out of range; want 0 to 500"},
		{name: "first a million through a variable", query: `query($n: Int) { state(code: "UT") { districts(first: $n) { nodes { id } } } }`,
			vars: map[string]any{"n": 1000000}, code: "invalid", text: "want 0 to 500"},
		{name: "500 × 500 schools", query: `{ state(code: "UT") { districts(first: 500) { nodes { schools(first: 500) { nodes { id name } } } } } }`,
			code: "COMPLEXITY_LIMIT_EXCEEDED", text: "exceeds the limit of 20000"},
		{name: "a century of leadership for 500 districts", query: `{ state(code: "UT") { districts(first: 500) { nodes {
			leadership(from: 1990, to: 2100) { schoolYear leaders latinoLeaders } } } } }`,
			code: "COMPLEXITY_LIMIT_EXCEEDED", text: "exceeds the limit of 20000"},
		{name: "10 MB body", body: func() io.Reader {
			return io.MultiReader(strings.NewReader(`{"query":"`), bytes.NewReader(bytes.Repeat([]byte(" "), 10<<20)),
				strings.NewReader(`{ states { code } }"}`))
		}, status: http.StatusRequestEntityTooLarge, code: "invalid", text: "larger than 1048576 bytes"},
		{name: "fragments nested 90 levels", query: chain.String(), code: "QUERY_TOO_LARGE", text: "levels deep"},
		{name: "fragment bomb", query: bomb.String(), code: "QUERY_TOO_LARGE", text: "more than 5000 fields"},
		{name: "wrong argument type", query: `{ state(code: 49) { name } }`, code: "GRAPHQL_VALIDATION_FAILED", text: "String"},
		{name: "wrong variable type", query: `query($n: Int) { state(code: "UT") { districts(first: $n) { totalCount } } }`,
			vars: map[string]any{"n": "ten"}, code: "GRAPHQL_VALIDATION_FAILED", text: "Int"},
		{name: "unknown enum value", query: `{ state(code: "UT") { districts(type: BOGUS) { totalCount } } }`,
			code: "GRAPHQL_VALIDATION_FAILED", text: "BOGUS"},
		{name: "oversized variables", query: `query($q: String) { state(code: "UT") { districts(search: $q) { totalCount } } }`,
			vars: map[string]any{"q": strings.Repeat("x", 100<<10)}, code: "QUERY_TOO_LARGE", text: "variables are larger than 65536 bytes"},
		{name: "60 directives", query: directives, code: "QUERY_TOO_LARGE", text: "more than 50 directives"},
	}
	prefix := "hostile" + strings.ReplaceAll(time.Now().Format("150405.000"), ".", "")
	id := func(i, round int) string { return fmt.Sprintf("%s-%d-%d", prefix, i, round) }

	// A board client keeps asking a normal question meanwhile, paced under
	// its key's rate limit.
	done := make(chan struct{})
	var normal struct {
		sync.Mutex
		ok     int
		failed []string
	}
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		for {
			var d struct {
				State struct {
					Name      string
					Districts struct{ TotalCount int }
				}
			}
			status, _, r := board.send("", `{ state(code: "UT") { name districts { totalCount } } }`, nil, nil)
			_ = json.Unmarshal(r.Data, &d)
			normal.Lock()
			if status != http.StatusOK || len(r.Errors) > 0 || d.State.Name != "Utah" || d.State.Districts.TotalCount != 4 {
				normal.failed = append(normal.failed, fmt.Sprintf("%d %+v %+v", status, r.Errors, d))
			} else {
				normal.ok++
			}
			normal.Unlock()
			select {
			case <-done:
				return
			case <-time.After(60 * time.Millisecond):
			}
		}
	}()

	// Every hostile request twice at once (within the admin key's burst of 40).
	const rounds = 2
	var wg sync.WaitGroup
	type outcome struct {
		status int
		resp   gqlResponse
		took   time.Duration
	}
	results := make([][rounds]outcome, len(cases))
	for i, c := range cases {
		for round := 0; round < rounds; round++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now()
				var status int
				var resp gqlResponse
				if c.body != nil {
					status, _, resp = a.post(id(i, round), c.body())
				} else {
					status, _, resp = a.send(id(i, round), c.query, c.vars, nil)
				}
				results[i][round] = outcome{status, resp, time.Since(start)}
			}()
		}
	}
	wg.Wait()
	close(done)
	bg.Wait()

	for i, c := range cases {
		for _, o := range results[i] {
			if c.status != 0 && o.status != c.status {
				t.Errorf("%s: status %d, want %d", c.name, o.status, c.status)
			}
			if len(o.resp.Errors) == 0 || codeOf(o.resp) != c.code || !strings.Contains(o.resp.Errors[0].Message, c.text) {
				t.Errorf("%s: got %+v, want code %s mentioning %q", c.name, o.resp.Errors, c.code, c.text)
			} else if m := o.resp.Errors[0].Message; len(m) > 300 {
				t.Errorf("%s: message of %d bytes echoes the input", c.name, len(m))
			}
			if len(o.resp.Data) > 0 && string(o.resp.Data) != "null" {
				t.Errorf("%s: data %.200s alongside the refusal", c.name, o.resp.Data)
			}
			if o.took > 5*time.Second {
				t.Errorf("%s: refused after %s", c.name, o.took)
			}
		}
	}
	// No SQL for any of them (request ids prefix-case-round; one count
	// for all, then one per request only when that is not zero).
	if n := countQueries(t, a, prefix+"-%"); n != 0 {
		for i, c := range cases {
			for round := 0; round < rounds; round++ {
				if n := countQueries(t, a, id(i, round)); n != 0 {
					t.Errorf("%s (round %d): %d SQL queries sent, want none", c.name, round, n)
				}
			}
		}
		t.Errorf("hostile requests sent %d SQL queries, want none", n)
	}
	// The count sees a request's queries when there are some.
	control := prefix + "-control"
	if errs := a.do(control, `{ state(code: "UT") { districts { totalCount } } }`, nil, nil); len(errs) > 0 || countQueries(t, a, control) == 0 {
		t.Fatalf("control request: %+v, or no SQL counted for it", errs)
	}
	if len(normal.failed) > 0 || normal.ok == 0 {
		t.Fatalf("normal queries meanwhile: %d answered, failed: %v", normal.ok, normal.failed)
	}
	// And the server still answers the hostile client's normal questions.
	var d struct{ States []stateJSON }
	a.must(`{ states { code } }`, nil, &d)
	if len(d.States) != 2 {
		t.Fatalf("states after the hostile requests: %+v", d.States)
	}
}

func TestDashboardQueriesFitTheDefaultLimits(t *testing.T) {
	a := newAPI(t, fixtureDB(t)).as(access.RoleBoard)
	repr := `{ schoolYear leaders latinoLeaders latinoLeaderShare unknownEthnicityShare students latinoStudents
		latinoStudentShare representationIndex representationGap latinoStudentsPerLatinoLeader schoolsWithLatinoLeader
		schoolsWithLatinoLeaderShare }`
	for _, q := range []string{
		`{ state(code:"UT") { districts(first: 500) { nodes { id name representation { latinoLeaders } } } } }`,
		`{ state(code: "UT") { districts(first: 500) { totalCount nodes { id name representation(year: 2023) ` + repr + ` } } } }`,
		`{ district(id: "4900001") { id schools(first: 200) { totalCount nodes { id name representation(year: 2023) ` + repr + ` } } } }`,
		`{ districts(stateCode: "UT", type: REGULAR, first: 100) {
			nodes { id name leadership { schoolYear leaders latinoLeaders knownEthnicityLeaders latinoLeaderShare } } } }`,
		`{ state(code: "UT") { growth { from to latinoLeadersFrom latinoLeadersTo change cagr
			latinoLeaders { schoolYear value } yearOnYear { schoolYear value } } } }`,
		`{ state(code: "UT") { districts { nodes { schools { nodes { id name } } } } } }`,
	} {
		if errs := a.do("", q, nil, nil); len(errs) > 0 {
			t.Errorf("%.80s…: %+v", q, errs)
		}
	}
}

func TestRateLimitPerKey(t *testing.T) {
	a := newAPIWith(t, fixtureDB(t), server.Options{Limits: server.Limits{RatePerKey: 0.5, Burst: 3}})
	other := a.as(access.RoleBoard)
	// The admin key spent one of its 3 tokens in as(); at 0.5 a second,
	// 8 quick requests get at most 3 more answers.
	var answered, limited int
	for i := 0; i < 8; i++ {
		status, h, r := a.send("", `{ states { code } }`, nil, nil)
		switch status {
		case http.StatusOK:
			answered++
		case http.StatusTooManyRequests:
			limited++
			secs, err := strconv.Atoi(h.Get("Retry-After"))
			if err != nil || secs < 1 || secs > 2 {
				t.Errorf("Retry-After %q, want whole seconds, 1 or 2 at 0.5 requests a second", h.Get("Retry-After"))
			}
			if codeOf(r) != "rate_limited" || !strings.Contains(r.Errors[0].Message, "requests per second") {
				t.Errorf("429 body: %+v", r)
			}
		default:
			t.Errorf("status %d: %+v", status, r)
		}
	}
	if answered < 2 || answered > 3 || limited != 8-answered {
		t.Fatalf("8 requests of a key with 2 tokens left: %d answered, %d limited", answered, limited)
	}
	// Another key has its own bucket.
	var d struct{ States []stateJSON }
	other.must(`{ states { code } }`, nil, &d)
	if len(d.States) != 2 {
		t.Fatalf("other key: %+v", d)
	}
	// The CSV export counts against the same bucket.
	if code, body := a.get("/export.csv?measures=LATINO_LEADERS&dimensions=SCHOOL_YEAR"); code != http.StatusTooManyRequests {
		t.Fatalf("export.csv of a limited key: %d %.200s", code, body)
	}
}

func TestFailedAuthenticationsAreLimitedPerAddress(t *testing.T) {
	a := newAPIWith(t, fixtureDB(t), server.Options{Limits: server.Limits{FailedAuthRate: 0.5, FailedAuthBurst: 3}})
	guess := &api{t: t, url: a.url, db: a.db, key: "cmn_000000000000_" + strings.Repeat("x", 43)}
	var statuses []int
	for i := 0; i < 6; i++ {
		status, h, r := guess.send("", `{ states { code } }`, nil, nil)
		statuses = append(statuses, status)
		if status == http.StatusTooManyRequests && (h.Get("Retry-After") == "" || codeOf(r) != "rate_limited") {
			t.Errorf("429 without Retry-After or code: %v %+v", h, r)
		}
	}
	if !slices.Equal(statuses, []int{401, 401, 401, 429, 429, 429}) {
		t.Fatalf("6 guessed keys: statuses %v, want 3 × 401 then 429", statuses)
	}
}

func TestUnauthenticatedModeHasNoPerKeyLimit(t *testing.T) {
	ts := httptest.NewServer(server.New(server.Options{DB: fixtureDB(t), Unauthenticated: true, AssetsDir: t.TempDir(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: server.Limits{RatePerKey: 0.1, Burst: 1}}))
	t.Cleanup(ts.Close)
	a := &api{t: t, url: ts.URL}
	for i := 0; i < 5; i++ {
		if status, _, r := a.send("", `{ states { code } }`, nil, nil); status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("request %d: %d %+v", i, status, r.Errors)
		}
	}
}

func TestTrustedDocuments(t *testing.T) {
	const (
		me     = `{ me { role } }` // what the test client's as() sends
		utah   = "query UtahName {\n  state(code: \"UT\") { name }\n}\n"
		other  = `{ state(code: "UT") { code } }`
		nmName = `{ state(code: "NM") { name } }`
	)
	dir := t.TempDir()
	for name, doc := range map[string]string{"me.graphql": me, "utah.graphql": utah, "README.md": other} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	docs, err := server.LoadTrustedDocuments(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[sha256Hex(utah)] != utah || docs[sha256Hex(me)] != me {
		t.Fatalf("loaded %v, want me.graphql and utah.graphql under their SHA-256", docs)
	}
	if _, err := server.LoadTrustedDocuments(t.TempDir()); err == nil {
		t.Fatal("a directory without documents loaded")
	}

	admin := newAPIWith(t, fixtureDB(t), server.Options{TrustedDocuments: docs})
	board, partner, analyst := admin.as(access.RoleBoard), admin.as(access.RolePartner, "4900001"), admin.as(access.RoleAnalyst)
	stamp := strings.ReplaceAll(time.Now().Format("150405.000"), ".", "")

	name := func(r gqlResponse) string {
		var d struct{ State struct{ Name, Code string } }
		_ = json.Unmarshal(r.Data, &d)
		return d.State.Name + d.State.Code
	}
	refused := func(who string, c *api, query string, ext map[string]any) {
		t.Helper()
		id := "untrusted" + who + stamp
		_, _, r := c.send(id, query, nil, ext)
		if codeOf(r) != "PERSISTED_QUERY_NOT_ALLOWED" || !strings.Contains(r.Errors[0].Message, "registered operations") {
			t.Errorf("%s: %+v, want PERSISTED_QUERY_NOT_ALLOWED", who, r)
		}
		if n := countQueries(t, c, id); n != 0 {
			t.Errorf("%s: %d SQL queries sent, want none", who, n)
		}
	}
	allowed := func(who string, c *api, query string, ext map[string]any, want string) {
		t.Helper()
		if _, _, r := c.send("", query, nil, ext); len(r.Errors) > 0 || name(r) != want {
			t.Errorf("%s: %+v %s, want %s", who, r.Errors, r.Data, want)
		}
	}

	refused("board text", board, other, nil)
	refused("board text and its hash (APQ registration)", board, other, persisted(other))
	refused("partner text", partner, nmName, nil)
	refused("board unknown hash", board, "", persisted(other))
	refused("board text with a whitespace change", board, strings.TrimSpace(utah), nil)
	allowed("board registered text", board, utah, nil, "Utah")
	allowed("board registered hash only", board, "", persisted(utah), "Utah")
	allowed("partner registered hash only", partner, "", persisted(utah), "Utah")
	allowed("analyst unregistered", analyst, other, nil, "UT")
	allowed("admin unregistered", admin, nmName, nil, "New Mexico")
	allowed("analyst registered hash only", analyst, "", persisted(utah), "Utah")

	// Automatic persisted queries still work for an analyst: hash first,
	// then hash and text, then the hash alone.
	if _, _, r := analyst.send("", "", nil, persisted(nmName)); codeOf(r) != "PERSISTED_QUERY_NOT_FOUND" {
		t.Fatalf("APQ hash of an unknown document: %+v", r)
	}
	allowed("analyst APQ registration", analyst, nmName, persisted(nmName), "New Mexico")
	allowed("analyst APQ hash only", analyst, "", persisted(nmName), "New Mexico")
	// What an analyst put in the APQ cache is not thereby trusted.
	refused("board hash an analyst cached", board, "", persisted(nmName))
}

func TestIntrospectionOnlyForAnalystsAndAdmins(t *testing.T) {
	admin := newAPI(t, fixtureDB(t))
	const q = `{ __schema { types { name } } }`
	for _, c := range []struct {
		role string
		open bool
	}{{access.RoleBoard, false}, {access.RolePartner, false}, {access.RoleAnalyst, true}, {access.RoleAdmin, true}} {
		client := admin
		if c.role == access.RolePartner {
			client = admin.as(c.role, "4900001")
		} else if c.role != access.RoleAdmin {
			client = admin.as(c.role)
		}
		var d struct {
			Schema *struct{ Types []struct{ Name string } } `json:"__schema"`
		}
		errs := client.do("", q, nil, &d)
		if !c.open {
			if len(errs) == 0 || errs[0].Extensions["code"] != "forbidden" || !strings.Contains(errs[0].Message, "introspection") || d.Schema != nil {
				t.Errorf("%s: %+v %+v, want an introspection error and no schema", c.role, errs, d.Schema)
			}
			continue
		}
		if len(errs) > 0 || d.Schema == nil || !slices.ContainsFunc(d.Schema.Types, func(t struct{ Name string }) bool { return t.Name == "District" }) {
			t.Errorf("%s: %+v, want the schema", c.role, errs)
		}
	}
}

func TestPersistedQueryCacheHoldsTextNotResults(t *testing.T) {
	admin := newAPI(t, fixtureDB(t))
	partner := admin.as(access.RolePartner, "4900001")
	const q = `{ districts(first: 10) { nodes { id } } }`
	ids := func(r gqlResponse) string {
		var d struct {
			Districts struct{ Nodes []struct{ ID string } }
		}
		if err := json.Unmarshal(r.Data, &d); err != nil {
			t.Fatalf("%s: %v", r.Data, err)
		}
		var out []string
		for _, n := range d.Districts.Nodes {
			out = append(out, n.ID)
		}
		return strings.Join(out, ",")
	}
	// The admin registers the document and sees every district (by name:
	// Alpha, Beta, Delta, Gamma, Utah State Board).
	_, _, r := admin.send("", q, nil, persisted(q))
	if len(r.Errors) > 0 || ids(r) != "4900001,4900002,3500001,4900003,4999999" {
		t.Fatalf("admin registering: %+v %s", r.Errors, r.Data)
	}
	// The partner runs it by hash alone: its own district only.
	_, _, r = partner.send("", "", nil, persisted(q))
	if len(r.Errors) > 0 || ids(r) != "4900001" {
		t.Fatalf("partner by hash: %+v %s, want only 4900001", r.Errors, r.Data)
	}
	// And the admin, by hash again, still everything.
	_, _, r = admin.send("", "", nil, persisted(q))
	if len(r.Errors) > 0 || strings.Count(ids(r), ",") != 4 {
		t.Fatalf("admin by hash: %+v %s", r.Errors, r.Data)
	}
}
