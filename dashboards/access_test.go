package dashboards_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/whtest"
)

// otherDistrict is another Utah district (Davis School District).
const otherDistrict = "4990108"

func TestWithoutASessionEveryPageLeadsToLogin(t *testing.T) {
	s := newSite(t, whtest.Utah(t))
	c := s.browser()
	for _, path := range []string{"/dashboards/board", "/dashboards/district/" + utahDistrict + "?from=2019",
		"/dashboards/state/UT", "/dashboards/district/" + utahDistrict + "/charts/leadership.csv", "/dashboards"} {
		resp, _ := s.get(c, path)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next="+url.QueryEscape(path) {
			t.Errorf("%s: %d → %q, want 303 to login", path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// A forged or stale cookie is no session.
	u, _ := url.Parse(s.url)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "camino_session", Value: strings.Repeat("A", 43)}})
	if resp, _ := s.get(c, "/dashboards/board"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("forged session: %d, want 303", resp.StatusCode)
	}
}

func TestLogin(t *testing.T) {
	s := newSite(t, whtest.Utah(t))
	key := s.key(access.RoleBoard)

	t.Run("sets an HttpOnly SameSite=Strict cookie and goes where the reader was going", func(t *testing.T) {
		c := s.browser()
		resp, err := c.PostForm(s.url+"/login", url.Values{"key": {key}, "next": {"/dashboards/state/UT?from=2020"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/dashboards/state/UT?from=2020" {
			t.Fatalf("%d → %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		set := resp.Header.Get("Set-Cookie")
		for _, want := range []string{"camino_session=", "HttpOnly", "SameSite=Strict", "Path=/"} {
			if !strings.Contains(set, want) {
				t.Errorf("Set-Cookie %q lacks %s", set, want)
			}
		}
		if strings.Contains(set, key) {
			t.Error("the cookie carries the key itself")
		}
		if resp, _ := s.get(c, "/dashboards/state/UT?from=2020"); resp.StatusCode != http.StatusOK {
			t.Fatalf("after login: %d", resp.StatusCode)
		}
		// Sign-out is a POST with the session's CSRF token from the page:
		// a link or a form from another site (no token) signs nobody out.
		cookies := c.Jar.Cookies(mustURL(s.url))
		_, page := s.get(c, "/dashboards/board")
		m := regexp.MustCompile(`name="csrf" value="([A-Za-z0-9_-]+)"`).FindStringSubmatch(page)
		if m == nil {
			t.Fatal("the page's sign-out form carries no CSRF token")
		}
		if resp, _ := s.get(c, "/logout"); resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("GET /logout: %d, want 405", resp.StatusCode)
		}
		for _, token := range []string{"", "x" + m[1][1:], m[1] + "x"} {
			resp, err := c.PostForm(s.url+"/logout", url.Values{"csrf": {token}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("logout with token %q: %d, want 403", token, resp.StatusCode)
			}
		}
		if resp, _ := s.get(c, "/dashboards/board"); resp.StatusCode != http.StatusOK {
			t.Fatalf("a refused sign-out ended the session: %d", resp.StatusCode)
		}
		// Logout ends the session on the server, not only in the browser.
		resp, err = c.PostForm(s.url+"/logout", url.Values{"csrf": {m[1]}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		replay := s.browser()
		replay.Jar.SetCookies(mustURL(s.url), cookies)
		if resp, _ := s.get(replay, "/dashboards/board"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the old cookie still works after logout: %d", resp.StatusCode)
		}
	})

	t.Run("refuses bad keys and hostile input clearly", func(t *testing.T) {
		for _, tc := range []struct {
			name, key string
			want      int
		}{
			{"wrong", "ck_nothing_wrong", 401}, {"empty", "", 401}, {"oversized", strings.Repeat("k", 300), 401},
			{"markup", `<script>alert(1)</script>`, 401},
		} {
			c := s.browser()
			resp, err := c.PostForm(s.url+"/login", url.Values{"key": {tc.key}})
			if err != nil {
				t.Fatal(err)
			}
			b := readAll(resp)
			if resp.StatusCode != tc.want || resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("%s key: %d, cookie %q", tc.name, resp.StatusCode, resp.Header.Get("Set-Cookie"))
			}
			if !strings.Contains(b, "That key is not valid") || strings.Contains(b, "<script>alert") {
				t.Errorf("%s key: the page does not say why, or echoes the key", tc.name)
			}
		}
		// Bodies over the form's size (4 KiB) and over any request's (1 MiB).
		c := s.browser()
		for size, want := range map[int]int{100 << 10: http.StatusBadRequest, 2 << 20: http.StatusRequestEntityTooLarge} {
			resp, err := c.Post(s.url+"/login", "application/x-www-form-urlencoded", strings.NewReader("key="+strings.Repeat("x", size)))
			if err != nil {
				t.Fatal(err)
			}
			readAll(resp)
			if resp.StatusCode != want || resp.Header.Get("Set-Cookie") != "" {
				t.Errorf("%d-byte login body: %d, want %d", size, resp.StatusCode, want)
			}
		}
		// A login posted from another site (login CSRF) is refused.
		req, _ := http.NewRequest(http.MethodPost, s.url+"/login", strings.NewReader(url.Values{"key": {key}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		readAll(resp)
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Set-Cookie") != "" {
			t.Errorf("cross-site login: %d, cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
		}
		// next never leads off the dashboards.
		for _, next := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "/graphql", "javascript:alert(1)"} {
			resp, err := s.browser().PostForm(s.url+"/login", url.Values{"key": {key}, "next": {next}})
			if err != nil {
				t.Fatal(err)
			}
			readAll(resp)
			if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/dashboards/board") {
				t.Errorf("next=%q: redirected to %q", next, loc)
			}
		}
	})
}

// TestPartnerSeesItsDistrictOnly: a partner's home is its district, read in
// full (its schools' small counts included); the same page published
// (X-Camino-Public) is suppressed; every other place is refused.
func TestPartnerSeesItsDistrictOnly(t *testing.T) {
	s := newSite(t, whtest.Utah(t))
	partner := s.key(access.RolePartner, utahDistrict)
	c := s.login(partner)

	// Home is the partner's district.
	if resp, _ := s.get(c, "/dashboards"); resp.Header.Get("Location") != "/dashboards/district/"+utahDistrict+"?lang=en" {
		t.Errorf("partner home: %q", resp.Header.Get("Location"))
	}
	body := page(t, s, c, "/dashboards/district/"+utahDistrict+"?from=2019&to=2024")
	checkEntityCharts(t, options(t, body), entityAPI(t, s, partner, "district", "id", utahDistrict, 2019, 2024, ""), 2019, 2024)
	if strings.Contains(body, "&lt;10") {
		t.Error("the partner's own district page hides a value (<10): its own records are read in full")
	}
	// The schools table: every count in full, small ones included.
	small := func(csvBody string) (hidden, shown int) {
		for _, line := range strings.Split(csvBody, "\n")[1:] {
			f := strings.Split(line, ",")
			if len(f) <= 2 {
				continue
			}
			if f[2] == "<10" {
				hidden++
			} else if n, err := strconv.Atoi(f[2]); err == nil && n > 0 && n < 10 {
				shown++
			}
		}
		return
	}
	resp, csvBody := s.get(c, "/dashboards/district/"+utahDistrict+"/charts/schools.csv")
	if h, n := small(csvBody); resp.StatusCode != 200 || h != 0 || n == 0 {
		t.Fatalf("partner schools CSV: %d, %d hidden counts, %d counts below 10 shown; want none hidden, some shown", resp.StatusCode, h, n)
	}
	// Published, the same page and table are suppressed.
	resp, pubBody := s.get(c, "/dashboards/district/"+utahDistrict+"?from=2019&to=2024", "X-Camino-Public", "true")
	if resp.StatusCode != 200 || !strings.Contains(pubBody, "&lt;10") || !strings.Contains(pubBody, "are hidden to protect individuals") {
		t.Error("the published district page shows no hidden value (<10) or no footnote")
	}
	resp, csvBody = s.get(c, "/dashboards/district/"+utahDistrict+"/charts/schools.csv", "X-Camino-Public", "true")
	if h, n := small(csvBody); resp.StatusCode != 200 || h == 0 || n != 0 {
		t.Fatalf("published schools CSV: %d, %d hidden counts, %d counts below 10 shown; want some hidden, none shown", resp.StatusCode, h, n)
	}

	// Another district, its schools, its CSV, the state and the board: 403,
	// whether the place exists or not, and the page says nothing of it.
	var other struct {
		District struct {
			Name    string
			Schools struct{ Nodes []struct{ ID string } }
		}
	}
	s.graphql(s.key(access.RoleAdmin), `{ district(id: "`+otherDistrict+`") { name schools(first: 1) { nodes { id } } } }`, nil, &other)
	if other.District.Name == "" || len(other.District.Schools.Nodes) == 0 {
		t.Fatal("the other district is not in the seed")
	}
	for _, path := range []string{"/dashboards/district/" + otherDistrict, "/dashboards/district/4999999",
		"/dashboards/school/" + other.District.Schools.Nodes[0].ID, "/dashboards/school/499999999999",
		"/dashboards/district/" + otherDistrict + "/charts/leadership.csv", "/dashboards/state/UT", "/dashboards/board",
		"/dashboards/board/charts/tiers.csv"} {
		resp, body := s.get(c, path)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", path, resp.StatusCode)
		}
		if strings.Contains(body, other.District.Name) || strings.Contains(body, "option-") {
			t.Errorf("%s: the refusal shows data", path)
		}
	}
}

func TestBadFiltersAreRefusedClearly(t *testing.T) {
	s := newSite(t, whtest.Utah(t))
	c := s.login(s.key(access.RoleAdmin))
	for _, tc := range []struct{ path, says string }{
		{"/dashboards/district/" + utahDistrict + "?from=abc", "not a school year"},
		{"/dashboards/district/" + utahDistrict + "?from=1990", "not a school year with data"},
		{"/dashboards/district/" + utahDistrict + "?from=2024&to=2019", "is after"},
		{"/dashboards/district/" + utahDistrict + "?tier=everyone", "not one of school, district, state"},
		{"/dashboards/district/" + utahDistrict + "?tier=school&tier=state", "give it once"},
		{"/dashboards/district/" + utahDistrict + "?from=" + strings.Repeat("9", 5000), "short value"},
		{"/dashboards/board?state=..%2F..", "not a two-letter state code"},
		{"/dashboards/district/abc", "not a 7-digit NCES district"},
		{"/dashboards/district/%3Cscript%3E", "not a 7-digit"},
		{"/dashboards/school/12", "not a 12-digit NCES school id"},
		{"/dashboards/state/utah", "two-letter state code"},
	} {
		resp, body := s.get(c, tc.path)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, tc.says) {
			t.Errorf("%s: %d, want 400 saying %q\n%s", tc.path, resp.StatusCode, tc.says, body)
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("%s: input echoed unescaped", tc.path)
		}
	}
	// In the reader's language (another browser: this one would remember it).
	if resp, body := s.get(s.login(s.key(access.RoleAdmin)), "/dashboards/district/"+utahDistrict+"?lang=es&from=abc"); resp.StatusCode != 400 ||
		!strings.Contains(body, "no es un año escolar con datos") {
		t.Errorf("a Spanish reader's refusal: %d\n%s", resp.StatusCode, body)
	}
	for _, path := range []string{"/dashboards/district/4999999", "/dashboards/state/ZZ", "/dashboards/nothing",
		"/dashboards/district/" + utahDistrict + "/charts/nothing.csv", "/dashboards/district/" + utahDistrict + "/charts/leadership.png"} {
		if resp, _ := s.get(c, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, resp.StatusCode)
		}
	}
	// A language we do not speak falls back to English.
	if _, body := s.get(c, "/dashboards/state/UT?lang=xx"); !strings.Contains(body, `<html lang="en">`) {
		t.Error("lang=xx is not English")
	}
}

func TestSpanishIsChosenAndKept(t *testing.T) {
	s := newSite(t, whtest.Utah(t))
	c := s.login(s.key(access.RoleAdmin))

	_, en := s.get(c, "/dashboards/district/"+utahDistrict+"?to=2023")
	resp, es := s.get(c, "/dashboards/district/"+utahDistrict+"?lang=es&to=2023")
	if resp.StatusCode != 200 || !strings.Contains(es, `<html lang="es">`) || !strings.Contains(es, "Líderes y líderes latinos") ||
		!strings.Contains(es, "Cerrar sesión") || !strings.Contains(es, "Proporción latina de estudiantes") {
		t.Fatal("lang=es does not give a Spanish page")
	}
	// Numbers in the reader's format: the same share, 45.2% and 45,2 %.
	share := firstShare(en)
	if share == "" {
		t.Fatal("no share in the English tables")
	}
	esShare := strings.Replace(strings.TrimSuffix(share, "%"), ".", ",", 1) + "\u00a0%"
	if !strings.Contains(es, esShare) {
		t.Errorf("English %s has no Spanish form %q on the Spanish page", share, esShare)
	}
	// Links keep the language, and the choice is remembered by the browser.
	if !strings.Contains(es, "lang=es") {
		t.Error("the Spanish page's links do not keep lang=es")
	}
	if _, body := s.get(c, "/dashboards/state/UT"); !strings.Contains(body, `<html lang="es">`) {
		t.Error("the language is not kept between pages")
	}
	// A new browser that prefers Spanish gets it.
	c2 := s.login(s.key(access.RoleBoard))
	if _, body := s.get(c2, "/dashboards/state/UT", "Accept-Language", "es-MX,es;q=0.9,en;q=0.8"); !strings.Contains(body, `<html lang="es">`) {
		t.Error("Accept-Language: es-MX does not give Spanish")
	}
	if _, body := s.get(c2, "/dashboards/state/UT", "Accept-Language", "fr-FR, en;q=0.5, es;q=0.4"); !strings.Contains(body, `<html lang="en">`) {
		t.Error("Accept-Language preferring English over Spanish does not give English")
	}
}

// firstShare is the first percentage in a page's tables, e.g. 45.2%.
func firstShare(body string) string {
	i := strings.Index(body, `class="num" data-sort="0.`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	start := strings.Index(rest, ">") + 1
	end := strings.Index(rest, "</td>")
	return rest[start:end]
}

func TestServerTimingAndTheCache(t *testing.T) {
	s := newSite(t, whtest.Utah(t))
	admin := s.login(s.key(access.RoleAdmin))
	path := "/dashboards/district/" + utahDistrict + "?from=2018&to=2022"
	resp, _ := s.get(admin, path)
	st := resp.Header.Get("Server-Timing")
	for _, id := range []string{"leadership;dur=", "representation;dur=", "pipeline;dur=", "promotions;dur=", "comparison;dur=", "schools;dur=", "total;dur="} {
		if !strings.Contains(st, id) {
			t.Errorf("Server-Timing %q lacks %s", st, id)
		}
	}
	if !strings.Contains(st, `cache;desc="0 hits`) {
		t.Errorf("first load: %q", st)
	}
	resp, _ = s.get(admin, path)
	if st := resp.Header.Get("Server-Timing"); !strings.Contains(st, " 0 misses") {
		t.Errorf("repeat: %q, want every query from the cache", st)
	}
	// A partner of the same district never reads the admin's cached figures.
	partner := s.login(s.key(access.RolePartner, utahDistrict))
	resp, _ = s.get(partner, path)
	if st := resp.Header.Get("Server-Timing"); !strings.Contains(st, `cache;desc="0 hits`) {
		t.Errorf("partner after admin: %q, want no hit", st)
	}
}

func TestEmptyStateSaysSo(t *testing.T) {
	s := newSite(t, whtest.Utah(t))
	c := s.login(s.key(access.RoleAdmin))
	// No state agency leaders work in a district: the leadership chart of
	// the state tier has nothing to draw.
	body := page(t, s, c, "/dashboards/district/"+utahDistrict+"?tier=state")
	card := cardOf(body, "leadership")
	if !strings.Contains(card, "No data for these filters") || strings.Contains(card, `data-chart="leadership"`) {
		t.Errorf("empty leadership card:\n%s", card)
	}
	if _, ok := options(t, body)["pipeline"]; !ok {
		t.Error("the rest of the page is not drawn")
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestAnEmptyWarehouseSaysSo(t *testing.T) {
	s := newSite(t, whtest.NewDB(t))
	c := s.login(s.key(access.RoleAdmin))
	resp, body := s.get(c, "/dashboards/board")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, `class="failed"`) {
		t.Fatalf("empty warehouse board: %d\n%s", resp.StatusCode, body)
	}
	if !strings.Contains(body, "No data for these filters") || strings.Contains(body, `data-chart=`) {
		t.Errorf("an empty warehouse draws charts or does not say it has no data:\n%s", body)
	}
	if resp, _ := s.get(c, "/dashboards/board?from=2020"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a year of an empty warehouse: %d, want 400", resp.StatusCode)
	}
}
