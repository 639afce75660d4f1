package dashboards_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// The board report is read as its reader reads it: printed to PDF by the
// server's headless Chromium (/reports/board?format=pdf) and turned back
// into text with pdftotext (poppler-utils). Its sentences are built here,
// in each language, from the GraphQL API's figures for the same key and
// audience (X-Camino-Public for the published version), so a figure the
// report computes on its own, rounds wrongly or words differently fails.

// reportSite serves db like newSite, with Chromium to print PDFs.
func reportSite(t *testing.T, db *warehouse.DB) *site {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium is not installed at %s: run `scripts/ensure-deps.sh chromium`", chromiumPath)
	}
	ts := httptest.NewServer(server.New(server.Options{DB: db, AssetsDir: assetsDir(t), Chromium: chromiumPath,
		Limits: server.Limits{RatePerKey: 1000, Burst: 1000, FailedAuthRate: 1000, FailedAuthBurst: 1000, InFlightPerKey: -1, TimePerKey: -1},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(ts.Close)
	return &site{t: t, url: ts.URL, db: db}
}

// reportText fetches the report as PDF with key and returns its text
// (pdftotext), whitespace (and no-break spaces) folded to single spaces.
func reportText(t *testing.T, s *site, key, query string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.url+"/reports/board?format=pdf&"+query, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	pdf, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("report %s: status %d, %s, %.200q", query, resp.StatusCode, resp.Header.Get("Content-Type"), pdf)
	}
	return pdfText(t, pdf)
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Fatal("pdftotext is not installed: run `scripts/ensure-deps.sh poppler` (poppler-utils)")
	}
	f := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return fold(string(out))
}

func fold(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\u00a0", " ")), " ")
}

// num formats a figure as the report's language does: whole numbers
// grouped by thousands (Spanish from five digits), one decimal when asked.
func num(lang string, v float64, decimals int) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', decimals, 64)
	whole, frac, _ := strings.Cut(s, ".")
	sep, point, from := ",", ".", 4
	if lang == "es" {
		sep, point, from = ".", ",", 5
	}
	if len(whole) >= from {
		for i := len(whole) - 3; i > 0; i -= 3 {
			whole = whole[:i] + sep + whole[i:]
		}
	}
	if frac != "" {
		whole += point + frac
	}
	if v < 0 && math.Round(v*math.Pow(10, float64(decimals))) != 0 {
		whole = "−" + whole
	}
	return whole
}

// goalSentences are what the report must say of a goal with the API's
// figures, in lang.
func goalSentences(lang string, g apiGoal) []string {
	p := g.Progress
	n := func(v float64) string { return num(lang, math.Round(v), 0) }
	noun := goalNouns[g.ID][0]
	if lang == "es" {
		noun = goalNouns[g.ID][1]
	}
	sy := schoolYearName
	ly := *p.LatestYear
	latest := *p.LatestValue
	perYear := num(lang, *p.GrowthNeededPerYear, 1)
	if math.Abs(*p.GrowthNeededPerYear) >= 10 {
		perYear = n(*p.GrowthNeededPerYear)
	}
	gap := math.Round(latest) - math.Round(*p.ExpectedValue)
	off := n(math.Abs(g.TargetValue - *p.ProjectedValue))
	left := g.TargetYear - ly
	if lang == "es" {
		where := fmt.Sprintf("faltan %s para alcanzarla", n(-gap))
		if gap >= 0 {
			where = n(gap) + " por delante"
		}
		verdict := "en camino"
		if !*p.OnTrack {
			verdict = "fuera de camino, " + off + " por debajo de la meta"
		}
		return []string{
			fmt.Sprintf("%s de %s %s en %s", n(latest), n(g.TargetValue), noun, sy(ly)),
			fmt.Sprintf("%s %s en %s, el %s %% del camino de %s en %s a %s para %s.", n(latest), noun, sy(ly), n(*p.PercentOfWay),
				n(g.BaselineValue), sy(g.BaselineYear), n(g.TargetValue), sy(g.TargetYear)),
			fmt.Sprintf("Una línea recta de %s a la meta está en %s en %s: %s.", sy(g.BaselineYear), n(*p.ExpectedValue), sy(ly), where),
			fmt.Sprintf("%s para %s: %s.", n(*p.ProjectedValue), sy(g.TargetYear), verdict),
			fmt.Sprintf("Llegar a %s para %s requiere %s más: %s al año durante %d años.", n(g.TargetValue), sy(g.TargetYear),
				n(g.TargetValue-latest), perYear, left),
		}
	}
	where := n(-gap) + " short of it"
	if gap >= 0 {
		where = n(gap) + " ahead of it"
	}
	verdict := "on track"
	if !*p.OnTrack {
		verdict = "off track, " + off + " short of the target"
	}
	return []string{
		fmt.Sprintf("%s of %s %s in %s", n(latest), n(g.TargetValue), noun, sy(ly)),
		fmt.Sprintf("%s %s in %s, %s%% of the way from %s in %s to %s by %s.", n(latest), noun, sy(ly), n(*p.PercentOfWay),
			n(g.BaselineValue), sy(g.BaselineYear), n(g.TargetValue), sy(g.TargetYear)),
		fmt.Sprintf("A straight path from %s to the target stands at %s in %s: %s.", sy(g.BaselineYear), n(*p.ExpectedValue), sy(ly), where),
		fmt.Sprintf("%s by %s: %s.", n(*p.ProjectedValue), sy(g.TargetYear), verdict),
		fmt.Sprintf("Reaching %s by %s takes %s more: %s a year for %d years.", n(g.TargetValue), sy(g.TargetYear),
			n(g.TargetValue-latest), perYear, left),
	}
}

// TestBoardReportFiguresEqualTheAPIs: in English and in Spanish, every
// goal's sentences in the PDF are the API's figures, and so are the year's
// changes of Latino leaders and members.
func TestBoardReportFiguresEqualTheAPIs(t *testing.T) {
	s := reportSite(t, whtest.Utah(t))
	board := s.key(access.RoleBoard)
	var r struct{ Goals []apiGoal }
	api(t, s, board, false, goalsQuery, nil, &r)
	if len(r.Goals) == 0 {
		t.Fatal("the Utah seed has no goals")
	}
	var st struct {
		State struct {
			Leadership []struct{ SchoolYear, LatinoLeaders int }
			Members    struct {
				Years []struct{ SchoolYear, Members, NewMembers int }
			}
		}
	}
	api(t, s, board, false, `{ state(code: "UT") { leadership { schoolYear latinoLeaders } members { years { schoolYear members newMembers } } } }`, nil, &st)
	lead, mem := st.State.Leadership, st.State.Members.Years
	if len(lead) < 2 || len(mem) < 2 {
		t.Fatalf("the API has %d years of leaders and %d of members", len(lead), len(mem))
	}
	a, b := lead[len(lead)-2], lead[len(lead)-1]
	ma, mb := mem[len(mem)-2], mem[len(mem)-1]
	signed := func(lang string, d int) string {
		if d > 0 {
			return "+" + num(lang, float64(d), 0)
		}
		return num(lang, float64(d), 0)
	}
	for _, lang := range []string{"en", "es"} {
		t.Run(lang, func(t *testing.T) {
			text := reportText(t, s, board, "state=UT&lang="+lang)
			for _, g := range r.Goals {
				if g.Progress.LatestValue == nil || g.Progress.ProjectedValue == nil || g.Progress.ExpectedValue == nil {
					t.Fatalf("goal %s: the API has no latest, projected or expected value", g.ID)
				}
				for _, want := range goalSentences(lang, g) {
					if !strings.Contains(text, want) {
						t.Errorf("goal %s: the %s report does not say %q", g.ID, lang, want)
					}
				}
				if lang == "es" && strings.Contains(text, g.Title) {
					t.Errorf("the Spanish report names goal %s in English (%q)", g.ID, g.Title)
				}
			}
			changes := fmt.Sprintf("%d Latino leaders in %s (%s from %d in %s).", b.LatinoLeaders, schoolYearName(b.SchoolYear),
				signed(lang, b.LatinoLeaders-a.LatinoLeaders), a.LatinoLeaders, schoolYearName(a.SchoolYear))
			members := fmt.Sprintf("%s association members at the end of %s (%s from %s at the end of %s); %s joined during the year.",
				num(lang, float64(mb.Members), 0), schoolYearName(mb.SchoolYear), signed(lang, mb.Members-ma.Members),
				num(lang, float64(ma.Members), 0), schoolYearName(ma.SchoolYear), num(lang, float64(mb.NewMembers), 0))
			if lang == "es" {
				changes = fmt.Sprintf("%d líderes latinos en %s (%s desde %d en %s).", b.LatinoLeaders, schoolYearName(b.SchoolYear),
					signed(lang, b.LatinoLeaders-a.LatinoLeaders), a.LatinoLeaders, schoolYearName(a.SchoolYear))
				members = fmt.Sprintf("%s socios de la asociación al final de %s (%s desde %s al final de %s); %s se unieron durante el año.",
					num(lang, float64(mb.Members), 0), schoolYearName(mb.SchoolYear), signed(lang, mb.Members-ma.Members),
					num(lang, float64(ma.Members), 0), schoolYearName(ma.SchoolYear), num(lang, float64(mb.NewMembers), 0))
			}
			for _, want := range []string{changes, members} {
				if !strings.Contains(text, want) {
					t.Errorf("the %s report does not say %q", lang, want)
				}
			}
		})
	}
}

// TestPartnerReportNamesNoOtherDistrict: a partner key's report is its
// district's: its name is there, no other district's is.
func TestPartnerReportNamesNoOtherDistrict(t *testing.T) {
	s := reportSite(t, whtest.Utah(t))
	admin := s.key(access.RoleAdmin)
	partner := s.key(access.RolePartner, granite)
	var r struct {
		State struct {
			Districts struct{ Nodes []struct{ ID, Name string } }
		}
	}
	api(t, s, admin, false, `{ state(code: "UT") { districts(first: 500) { nodes { id name } } } }`, nil, &r)
	own := ""
	for _, d := range r.State.Districts.Nodes {
		if d.ID == granite {
			own = d.Name
		}
	}
	for _, lang := range []string{"en", "es"} {
		text := reportText(t, s, partner, "lang="+lang)
		if own == "" || !strings.Contains(text, own) {
			t.Fatalf("the partner's %s report does not name its district %q", lang, own)
		}
		for _, d := range r.State.Districts.Nodes {
			if d.ID != granite && strings.Contains(text, d.Name) {
				t.Errorf("the partner's %s report names another district: %q", lang, d.Name)
			}
		}
	}
	// and the admin's report of the state does name others (the check can fail)
	text := reportText(t, s, admin, "state=UT")
	named := 0
	for _, d := range r.State.Districts.Nodes {
		if d.ID != granite && strings.Contains(text, d.Name) {
			named++
		}
	}
	if named == 0 {
		t.Error("the board's report names no district but Granite: the partner check proves nothing")
	}
}

// TestPublicReportHidesWhatSuppressionHides: the published report says of
// each goal what the API's published figures say; a goal whose last year
// is hidden there reads "<10", and its unsuppressed figure is nowhere.
func TestPublicReportHidesWhatSuppressionHides(t *testing.T) {
	s := reportSite(t, whtest.Utah(t))
	board := s.key(access.RoleBoard)
	var full, pub struct{ Goals []apiGoal }
	api(t, s, board, false, goalsQuery, nil, &full)
	api(t, s, board, true, goalsQuery, nil, &pub)
	text := reportText(t, s, board, "state=UT&public=true")
	if !strings.Contains(text, "Published version: counts below 10") {
		t.Error("the public report does not say it is the published version")
	}
	hiddenGoals := 0
	for i, g := range pub.Goals {
		f := full.Goals[i]
		if g.Progress.LatestValue != nil && g.Progress.ProjectedValue != nil && g.Progress.ExpectedValue != nil && g.Progress.GrowthNeededPerYear != nil &&
			*g.Progress.LatestYear == *f.Progress.LatestYear {
			for _, want := range goalSentences("en", g) {
				if !strings.Contains(text, want) {
					t.Errorf("goal %s: the public report does not say %q", g.ID, want)
				}
			}
			continue
		}
		hiddenGoals++
		lede := fmt.Sprintf("<10 of %s %s in %s", num("en", g.TargetValue, 0), goalNouns[g.ID][0], schoolYearName(*f.Progress.LatestYear))
		if !strings.Contains(text, lede) {
			t.Errorf("goal %s is hidden in the published API; the public report does not say %q", g.ID, lede)
		}
		for _, unsuppressed := range goalSentences("en", f)[:2] {
			if strings.Contains(text, unsuppressed) {
				t.Errorf("goal %s: the public report shows what suppression hides: %q", g.ID, unsuppressed)
			}
		}
	}
	if hiddenGoals == 0 {
		t.Error("no goal is hidden in the published API: the test shows nothing (the seed's state leaders are fewer than 10)")
	}
}

// TestReportRefusesBadRequests: a bad parameter is explained, no key is
// refused, and a partner cannot ask for the board's state report of another
// district by state.
func TestReportRefusesBadRequests(t *testing.T) {
	s := newSite(t, whtest.Utah(t))
	board := s.key(access.RoleBoard)
	for _, tc := range []struct {
		query, key string
		status     int
		says       string
	}{
		{"lang=en", "", http.StatusSeeOther, ""},
		{"lang=en", "cmn_nope", http.StatusUnauthorized, "not valid"},
		{"format=docx", board, http.StatusBadRequest, "not html or pdf"},
		{"public=maybe", board, http.StatusBadRequest, "not true or false"},
		{"state=Utah", board, http.StatusBadRequest, "two-letter"},
		{"state=ZZ", board, http.StatusNotFound, "no state ZZ"},
		{"lang=en&lang=es", board, http.StatusBadRequest, "give it once"},
		{"format=pdf", board, http.StatusServiceUnavailable, "cannot print PDFs"}, // this site has no Chromium
		{"state=" + strings.Repeat("U", 100), board, http.StatusBadRequest, "give it once"},
	} {
		req, _ := http.NewRequest(http.MethodGet, s.url+"/reports/board?"+tc.query, nil)
		if tc.key != "" {
			req.Header.Set("Authorization", "Bearer "+tc.key)
		}
		resp, err := s.browser().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.says) {
			t.Errorf("%s: status %d, want %d saying %q:\n%.300s", tc.query, resp.StatusCode, tc.status, tc.says, body)
		}
	}
	// the HTML report, signed in through the login form like the dashboards
	c := s.login(board)
	resp, body := s.get(c, "/reports/board?lang=es")
	if resp.StatusCode != 200 || !strings.Contains(body, "<h1>Utah: líderes educativos latinos en") || strings.Contains(body, "<script") {
		t.Errorf("the HTML report: status %d, %.300s", resp.StatusCode, body)
	}
}
