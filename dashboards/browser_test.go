package dashboards_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// The browser tests open the dashboards in a headless Chromium (chromedp),
// served by the production handler on the Utah seed: the login flow, every
// page's charts as ECharts drew them, a partner's limits, a phone viewport
// and the page's interactions (table and chart sorting, PNG). Chromium is
// /usr/bin/chromium (scripts/ensure-deps.sh chromium installs it; CI does).
//
// Every page is screenshotted (full page, PNG) into the artifact folder:
// $CAMINO_TEST_ARTIFACTS when set (CI uploads it as a build artifact),
// else $TMPDIR/camino-dashboards-artifacts. Nothing is written to the repo.

const chromiumPath = "/usr/bin/chromium"

// granite is Granite School District, Utah: the district the pages and the
// partner key use (a large district, with data in every year).
const granite = "4900360"

// TestBrowser starts one Chromium for its subtests; each subtest reads in a
// fresh browser context (its own cookies) so sessions never mix.
func TestBrowser(t *testing.T) {
	b := startBrowser(t)
	s := newSite(t, whtest.Utah(t))
	admin := s.key(access.RoleAdmin)

	ctx := context.Background()
	ds, err := s.db.DistrictsByID(ctx, []string{granite})
	if err != nil || len(ds) != 1 {
		t.Fatalf("district %s (Granite) not in the Utah seed: %v %v", granite, ds, err)
	}
	// another Utah district, for the partner's forbidden page
	all, err := s.db.Districts(ctx, warehouse.DistrictFilter{StateCodes: []string{"UT"}}, nil, 1000)
	if err != nil {
		t.Fatal(err)
	}
	other := ""
	for _, d := range all {
		if d.ID != granite && d.Type == "regular" {
			other = d.ID
			break
		}
	}
	if other == "" {
		t.Fatalf("no other regular Utah district among %d", len(all))
	}

	t.Run("Login", func(t *testing.T) { testLogin(t, b, s, admin) })
	t.Run("Pages", func(t *testing.T) { testPages(t, b, s, admin) })
	t.Run("Partner", func(t *testing.T) { testPartner(t, b, s, other) })
	t.Run("Phone", func(t *testing.T) { testPhone(t, b, s, admin) })
	t.Run("Interactions", func(t *testing.T) { testInteractions(t, b, s, admin) })
}

// --- the browser ------------------------------------------------------------

// startBrowser starts a headless Chromium, stopped when t ends.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium is not installed at %s (%v): run `scripts/ensure-deps.sh chromium` (CI installs it)", chromiumPath, err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("mute-audio", true),
		chromedp.WindowSize(1280, 900),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithErrorf(func(format string, args ...any) {
		// cdproto v0.0.0-20250222 predates some values and events of this
		// Chromium (the IP address space "Loopback" of the *ExtraInfo
		// network events, Page.frameStartedNavigating): harmless.
		msg := fmt.Sprintf(format, args...)
		if strings.Contains(msg, "IPAddressSpace") || strings.Contains(msg, "EventFrameStartedNavigating") {
			return
		}
		log.Printf("chromedp: %s", msg)
	}))
	t.Cleanup(func() {
		// close Chromium gracefully (it then leaves its profile folder alone),
		// then stop its process
		if err := chromedp.Cancel(bctx); err != nil {
			t.Logf("closing Chromium: %v", err)
		}
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Run(bctx); err != nil {
		t.Fatalf("starting %s: %v", chromiumPath, err)
	}
	return bctx
}

// tab is a page in a fresh browser context (no cookies), with what it
// logged and requested.
type tab struct {
	t   *testing.T
	s   *site
	ctx context.Context

	mu       sync.Mutex
	errors   []string // console errors, uncaught exceptions, error log entries
	requests []string // every URL the page requested

	icons []string // page icons checked
}

// newTab opens a tab in a new browser context of b, closed when t ends.
func newTab(t *testing.T, b context.Context, s *site) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, s: s, ctx: ctx}
	chromedp.ListenTarget(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.APITypeError || ev.Type == runtime.APITypeAssert {
				var args []string
				for _, a := range ev.Args {
					if a.Value != nil {
						args = append(args, string(a.Value))
					} else {
						args = append(args, a.Description)
					}
				}
				tb.errors = append(tb.errors, "console."+string(ev.Type)+": "+strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			tb.errors = append(tb.errors, fmt.Sprintf("uncaught exception: %s (%s:%d)", msg, d.URL, d.LineNumber))
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.LevelError {
				tb.errors = append(tb.errors, fmt.Sprintf("log %s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			tb.requests = append(tb.requests, ev.Request.URL)
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return tb
}

// run runs actions with a time limit.
func (tb *tab) run(actions ...chromedp.Action) error {
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	return chromedp.Run(ctx, actions...)
}

func (tb *tab) must(actions ...chromedp.Action) {
	tb.t.Helper()
	if err := tb.run(actions...); err != nil {
		tb.t.Fatal(err)
	}
}

// eval evaluates a JavaScript expression (promises awaited) into out.
func (tb *tab) eval(js string, out any) {
	tb.t.Helper()
	if err := tb.run(chromedp.Evaluate(js, out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	})); err != nil {
		tb.t.Fatalf("evaluating %.200s: %v", js, err)
	}
}

// open navigates to path (on the test server) and returns the document's
// final response (after redirects).
func (tb *tab) open(path string) *network.Response {
	tb.t.Helper()
	return tb.response(chromedp.Navigate(tb.s.url + path))
}

// response runs actions that load a document and returns its response.
func (tb *tab) response(actions ...chromedp.Action) *network.Response {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 60*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		tb.t.Fatal(err)
	}
	if resp == nil {
		tb.t.Fatal("no document response")
	}
	return resp
}

// reset forgets the errors and requests seen so far.
func (tb *tab) reset() {
	tb.mu.Lock()
	tb.errors, tb.requests = nil, nil
	tb.mu.Unlock()
}

// checkClean fails on any console error or exception, and on any request
// that left the test server's origin (data: and blob: are local).
func (tb *tab) checkClean(what string) {
	tb.t.Helper()
	tb.mu.Lock()
	errs, reqs := slices.Clone(tb.errors), slices.Clone(tb.requests)
	tb.mu.Unlock()
	for _, e := range errs {
		tb.t.Errorf("%s: %s", what, e)
	}
	for _, r := range reqs {
		if strings.HasPrefix(r, "data:") || strings.HasPrefix(r, "blob:") {
			continue
		}
		if u, err := url.Parse(r); err != nil || u.Scheme+"://"+u.Host != tb.s.url {
			tb.t.Errorf("%s: request outside %s: %s", what, tb.s.url, r)
		}
	}
}

// requested says whether the page requested path (on the test server).
func (tb *tab) requested(path string) bool {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return slices.ContainsFunc(tb.requests, func(r string) bool { return strings.HasPrefix(r, tb.s.url+path) })
}

// login signs the tab in through the form, from wherever it is sent to the
// login page by path, and returns the response of the page it lands on
// (what the tab logged and requested is from the login form on).
func (tb *tab) login(path, key string) *network.Response {
	tb.t.Helper()
	tb.reset()
	resp := tb.open(path)
	if u := browserURL(tb.t, resp.URL); u.Path != "/login" || u.Query().Get("next") != path {
		tb.t.Fatalf("without a session %s landed on %s (status %d), want /login?next=%s", path, resp.URL, resp.Status, path)
	}
	return tb.response(chromedp.SendKeys("#key", key, chromedp.ByQuery), chromedp.Click(`form button[type="submit"]`, chromedp.ByQuery))
}

func browserURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// --- checks of a page -------------------------------------------------------

// chartInfo is what a page's chart looks like in the browser.
type chartInfo struct {
	ID         string `json:"id"`
	Instance   bool   `json:"instance"`   // echarts.getInstanceByDom found one
	Registered bool   `json:"registered"` // and it is window.caminoCharts[id]
	Series     []struct {
		Type   string `json:"type"`
		Name   string `json:"name"`
		Points int    `json:"points"` // numeric data points (links for a Sankey)
	} `json:"series"`
	OptionSeries int    `json:"optionSeries"` // series in the page's JSON option
	OptionPoints int    `json:"optionPoints"` // numeric points in it
	Canvas       [2]int `json:"canvas"`       // the canvas's CSS size
	Box          [2]int `json:"box"`          // the container's size
	// Clipped are texts drawn (partly) outside the canvas.
	Clipped []string `json:"clipped"`
}

// chartsJS describes every [data-chart] of the page.
const chartsJS = `(() => {
  const num = v => typeof v === 'number' && isFinite(v);
  const points = s => {
    if (s.type === 'sankey') { return (s.links || s.edges || []).filter(l => num(l.value) && l.value > 0).length; }
    return (s.data || []).filter(d => num(d) || (d && typeof d === 'object' && (num(d.value) || (Array.isArray(d.value) && d.value.some(num))))).length;
  };
  return Array.from(document.querySelectorAll('[data-chart]')).map(el => {
    const id = el.getAttribute('data-chart');
    const c = echarts.getInstanceByDom(el);
    const src = document.getElementById('option-' + id);
    const opt = src ? JSON.parse(src.textContent) : {};
    const os = [].concat(opt.series || []);
    // texts ECharts drew (partly) outside the canvas, where nobody sees
    // them (text clipped on purpose, as in a scrolling legend, excepted).
    // A text's height is taken as its font's: zrender's own measure of it
    // depends on the fonts installed.
    const clipped = [];
    const zr = c && c.getZr();
    if (zr && zr.storage && typeof zr.storage.getDisplayList === 'function') {
      const W = c.getWidth(), H = c.getHeight();
      zr.storage.getDisplayList(true).forEach(t => {
        if (t.type !== 'tspan' || t.invisible || t.ignore || (t.__clipPaths && t.__clipPaths.length) || !t.style.text) { return; }
        const r = t.getBoundingRect().clone();
        const m = t.getComputedTransform();
        if (m) { r.applyTransform(m); }
        const cy = r.y + r.height / 2;
        if (r.x < -2 || r.x + r.width > W + 2 || cy < 0 || cy > H) {
          clipped.push(t.style.text + ' at x ' + Math.round(r.x) + '..' + Math.round(r.x + r.width) + ', y ' + Math.round(cy) + ' of ' + W + 'x' + H);
        }
      });
    }
    const cv = el.querySelector('canvas');
    const r = el.getBoundingClientRect();
    return {
      id, instance: !!c, registered: !!c && window.caminoCharts[id] === c,
      series: c ? (c.getOption().series || []).map(s => ({ type: s.type, name: String(s.name), points: points(s) })) : [],
      optionSeries: os.length, optionPoints: os.reduce((n, s) => n + points(s), 0),
      canvas: cv ? [Math.round(cv.getBoundingClientRect().width), Math.round(cv.getBoundingClientRect().height)] : [0, 0],
      box: [Math.round(r.width), Math.round(r.height)], clipped,
    };
  });
})()`

// waitReady polls readyJS until it holds or timeout passes. A poll that
// starts while the page's execution context is being replaced (right after
// a navigation) fails with a stale context id; that says nothing about the
// page, so the poll starts again in the new context.
func (tb *tab) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := tb.run(chromedp.Poll(readyJS, nil, chromedp.WithPollingInterval(100*time.Millisecond),
			chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil || !staleContext(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func staleContext(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Cannot find context with specified id") ||
		strings.Contains(s, "Execution context was destroyed")
}

// readyJS is true once ECharts has drawn every chart and finished its
// animations (screenshots show the final charts).
const readyJS = `document.readyState === 'complete' && typeof echarts !== 'undefined' && !!window.caminoCharts &&
  Array.from(document.querySelectorAll('[data-chart]')).every(el => {
    const c = echarts.getInstanceByDom(el);
    return c && (typeof c.getZr().animation.isFinished !== 'function' || c.getZr().animation.isFinished());
  })`

// pageWant is what a page must show.
type pageWant struct {
	path   string
	status int
	lang   string
	// charts are chart ids that must be drawn (others may be too).
	charts []string
	// tables are table-only cards (no chart) that must be there.
	tables []string
}

// checkPage opens a page and checks it: the status, the language, every
// chart drawn by ECharts with data, no failed chart, no console error, no
// request off the origin; then screenshots it as shot.
func (tb *tab) checkPage(w pageWant, shot string) []chartInfo {
	tb.t.Helper()
	tb.reset()
	return tb.checkLoaded(w, tb.open(w.path), shot)
}

// checkLoaded checks the page the tab shows, loaded with resp (see
// checkPage).
func (tb *tab) checkLoaded(w pageWant, resp *network.Response, shot string) []chartInfo {
	tb.t.Helper()
	if u := browserURL(tb.t, resp.URL); resp.Status != int64(w.status) || u.RequestURI() != w.path {
		tb.t.Fatalf("%s: landed on %s with status %d, want %s with %d", w.path, resp.URL, resp.Status, w.path, w.status)
	}
	if err := tb.waitReady(30 * time.Second); err != nil {
		var missing []string
		_ = tb.run(chromedp.Evaluate(`Array.from(document.querySelectorAll('[data-chart]')).filter(el =>
			typeof echarts === 'undefined' || !echarts.getInstanceByDom(el)).map(el => el.getAttribute('data-chart'))`, &missing))
		tb.checkClean(w.path)
		tb.t.Fatalf("%s: charts not drawn after 30 s (%v); without an ECharts instance: %v", w.path, err, missing)
	}
	var page struct {
		Lang   string   `json:"lang"`
		Failed []string `json:"failed"`
		Empty  []string `json:"empty"`
		Tables []string `json:"tables"`
	}
	tb.eval(`({
	  lang: document.documentElement.lang,
	  failed: Array.from(document.querySelectorAll('.failed')).map(e => (e.closest('section') || e).id + ': ' + e.textContent),
	  empty: Array.from(document.querySelectorAll('.card .empty')).map(e => e.closest('section').id),
	  tables: Array.from(document.querySelectorAll('section.table-card table[data-table]')).map(e => e.getAttribute('data-table')),
	})`, &page)
	if page.Lang != w.lang {
		tb.t.Errorf("%s: <html lang=%q>, want %q", w.path, page.Lang, w.lang)
	}
	for _, f := range page.Failed {
		tb.t.Errorf("%s: failed chart %s", w.path, f)
	}
	var charts []chartInfo
	tb.eval(chartsJS, &charts)
	ids := make([]string, len(charts))
	for i, c := range charts {
		ids[i] = c.ID
		switch {
		case !c.Instance || !c.Registered:
			tb.t.Errorf("%s: chart %s: ECharts instance %v, in window.caminoCharts %v", w.path, c.ID, c.Instance, c.Registered)
		case len(c.Series) == 0:
			tb.t.Errorf("%s: chart %s has no series", w.path, c.ID)
		case len(c.Series) != c.OptionSeries:
			tb.t.Errorf("%s: chart %s: %d series drawn, the page's option has %d", w.path, c.ID, len(c.Series), c.OptionSeries)
		}
		drawn := 0
		for _, s := range c.Series {
			drawn += s.Points
		}
		if drawn == 0 || drawn != c.OptionPoints {
			tb.t.Errorf("%s: chart %s: %d data points drawn (%+v), the page's option has %d", w.path, c.ID, drawn, c.Series, c.OptionPoints)
		}
		for _, x := range c.Clipped {
			tb.t.Errorf("%s: chart %s: text cut off by the chart's edge: %s", w.path, c.ID, x)
		}
		if c.Canvas[0] < 100 || c.Canvas[1] < 100 || c.Canvas[0] > c.Box[0]+1 {
			tb.t.Errorf("%s: chart %s: canvas %dx%d in a %dx%d container", w.path, c.ID, c.Canvas[0], c.Canvas[1], c.Box[0], c.Box[1])
		}
	}
	for _, id := range w.charts {
		if !slices.Contains(ids, id) {
			tb.t.Errorf("%s: chart %q not drawn (charts %v; empty cards %v)", w.path, id, ids, page.Empty)
		}
	}
	for _, id := range w.tables {
		if !slices.Contains(page.Tables, id) {
			tb.t.Errorf("%s: table %q missing (tables %v; empty cards %v)", w.path, id, page.Tables, page.Empty)
		}
	}
	// The page's icon (its <link rel=icon>, else /favicon.ico, which every
	// browser asks for) loads: a missing one is a console error. (Fetched
	// from Go: a fetch in the page would log its own error.)
	var icon string
	tb.eval(`(document.querySelector('link[rel~="icon"]') || {}).href || ''`, &icon)
	if icon == "" {
		icon = tb.s.url + "/favicon.ico"
	}
	// (an icon elsewhere is a request off the origin, failed below)
	if strings.HasPrefix(icon, tb.s.url+"/") && !slices.Contains(tb.icons, icon) {
		tb.icons = append(tb.icons, icon) // checked once a tab
		if r, err := http.Get(icon); err != nil {
			tb.t.Error(err)
		} else {
			r.Body.Close()
			if r.StatusCode != http.StatusOK {
				tb.t.Errorf("%s: the page's icon %s answers %d (the browser logs \"Failed to load resource\" as an error)", w.path, icon, r.StatusCode)
			}
		}
	}
	if !tb.requested("/assets/vendor/echarts.min.js") || !tb.requested("/assets/dashboards/dashboards.js") {
		tb.t.Errorf("%s: the page did not load ECharts and dashboards.js from its own origin", w.path)
	}
	tb.checkClean(w.path)
	tb.screenshot(shot)
	return charts
}

// artifactDir is the folder of the screenshots: a CI artifact, never in the
// repository.
func artifactDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("CAMINO_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "camino-dashboards-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot writes a full-page PNG of the tab to the artifact folder.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	var buf []byte
	tb.must(chromedp.FullScreenshot(&buf, 100))
	cfg, err := png.DecodeConfig(bytes.NewReader(buf))
	if err != nil || cfg.Width < 300 || cfg.Height < 300 {
		tb.t.Errorf("screenshot %s: %v (%dx%d)", name, err, cfg.Width, cfg.Height)
	}
	file := filepath.Join(artifactDir(tb.t), strings.NewReplacer("/", "-", " ", "_").Replace(tb.t.Name())+"-"+name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot: %s", file)
}

// --- the tests ----------------------------------------------------------------

// testLogin: the login form in a browser, then logout.
func testLogin(t *testing.T, b context.Context, s *site, admin string) {
	tb := newTab(t, b, s)

	// a wrong key: the form again, saying so, still no session
	tb.open("/dashboards/board")
	resp := tb.response(chromedp.SendKeys("#key", "not-a-key", chromedp.ByQuery), chromedp.Click(`form button[type="submit"]`, chromedp.ByQuery))
	var msg string
	tb.must(chromedp.Text(".failed", &msg, chromedp.ByQuery))
	if resp.Status != http.StatusUnauthorized || !strings.Contains(msg, "not valid") {
		t.Errorf("a wrong key: status %d, message %q; want 401 and the key refused", resp.Status, msg)
	}
	// The tab records what the pages are failed on: the browser logged the
	// 401, and here a console error and an uncaught exception.
	tb.eval(`console.error('camino probe'); setTimeout(() => { throw new Error('camino probe'); }); true`, nil)
	probes := []string{"401 (Unauthorized)", "console.error: \"camino probe\"", "uncaught exception: Uncaught Error: camino probe"}
	var seen []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		tb.mu.Lock()
		seen = slices.Clone(tb.errors)
		tb.mu.Unlock()
		if !slices.ContainsFunc(probes, func(p string) bool { return !containsSub(seen, p) }) {
			break
		}
	}
	for _, p := range probes {
		if !containsSub(seen, p) {
			t.Errorf("the tab did not record %q: it has %q", p, seen)
		}
	}

	resp = tb.login("/dashboards/board", admin)
	if u := browserURL(t, resp.URL); resp.Status != http.StatusOK || u.Path != "/dashboards/board" {
		t.Fatalf("after login: %s (status %d), want /dashboards/board", resp.URL, resp.Status)
	}
	var h1, cookie string
	tb.must(chromedp.Text("h1", &h1, chromedp.ByQuery), chromedp.Evaluate(`document.cookie`, &cookie))
	if !strings.HasPrefix(h1, "Board") {
		t.Errorf("board page heading %q", h1)
	}
	if strings.Contains(cookie, "camino_session") {
		t.Errorf("the session cookie is readable by scripts: %q", cookie)
	}
	var cookies []*network.Cookie
	tb.must(chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().WithURLs([]string{s.url}).Do(ctx)
		return err
	}))
	session := browserCookie(cookies, "camino_session")
	if session == nil || !session.HTTPOnly || session.SameSite != network.CookieSameSiteStrict || session.Path != "/" {
		t.Errorf("session cookie %+v, want HttpOnly, SameSite=Strict, Path=/", session)
	}

	// logout: the header's button
	resp = tb.response(chromedp.Click(`form[action="/logout"] button`, chromedp.ByQuery))
	if u := browserURL(t, resp.URL); resp.Status != http.StatusOK || u.Path != "/login" {
		t.Errorf("after logout: %s (status %d), want /login", resp.URL, resp.Status)
	}
	resp = tb.open("/dashboards/board")
	if u := browserURL(t, resp.URL); u.Path != "/login" || u.Query().Get("next") != "/dashboards/board" {
		t.Errorf("the board after logout: %s, want /login?next=/dashboards/board", resp.URL)
	}
	tb.must(chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().WithURLs([]string{s.url}).Do(ctx)
		return err
	}))
	if c := browserCookie(cookies, "camino_session"); c != nil {
		t.Errorf("session cookie still set after logout: %+v", c)
	}
	tb.checkClean("login flow")
}

// containsSub says whether a string of xs contains sub.
func containsSub(xs []string, sub string) bool {
	return slices.ContainsFunc(xs, func(x string) bool { return strings.Contains(x, sub) })
}

func browserCookie(cs []*network.Cookie, name string) *network.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// entityChartIDs are the charts of a district (and school) page.
var entityChartIDs = []string{"leadership", "representation", "pipeline", "promotions", "comparison"}

// testPages: every page as an admin, and the district page in Spanish.
func testPages(t *testing.T, b context.Context, s *site, admin string) {
	tb := newTab(t, b, s)
	resp := tb.login("/dashboards/board", admin)
	board := tb.checkLoaded(pageWant{path: "/dashboards/board", status: 200, lang: "en",
		charts: []string{"tiers", "districts", "membership", "progression"}}, resp, "board")
	goals := 0
	for _, c := range board {
		if strings.HasPrefix(c.ID, "goal-") {
			goals++
		}
	}
	if goals == 0 {
		t.Errorf("the board draws no goal chart (the Utah seed has goals)")
	}
	// a state is not compared with "every state" when it is the only one
	tb.checkPage(pageWant{path: "/dashboards/state/UT", status: 200, lang: "en",
		charts: append(slices.DeleteFunc(slices.Clone(entityChartIDs), func(id string) bool { return id == "comparison" }), "districts")}, "state-UT")
	tb.checkPage(pageWant{path: "/dashboards/district/" + granite, status: 200, lang: "en",
		charts: entityChartIDs, tables: []string{"schools"}}, "district-"+granite)

	// the school of the district with most leaders, from its schools table
	var school struct {
		Href    string `json:"href"`
		Leaders string `json:"leaders"`
		Rows    int    `json:"rows"`
	}
	tb.eval(`(() => {
	  const rows = Array.from(document.querySelectorAll('table[data-table="schools"] tbody tr'));
	  let best = null;
	  for (const r of rows) {
	    const n = parseFloat(r.cells[1].getAttribute('data-sort'));
	    if (!isNaN(n) && (!best || n > best.n)) { best = { n, r }; }
	  }
	  return { rows: rows.length, href: best ? best.r.querySelector('a').getAttribute('href') : '', leaders: best ? String(best.n) : '' };
	})()`, &school)
	if school.Rows < 10 || school.Href == "" {
		t.Fatalf("Granite's schools table: %d rows, best %+v", school.Rows, school)
	}
	m := regexp.MustCompile(`^/dashboards/school/([0-9]+)`).FindStringSubmatch(school.Href)
	if m == nil {
		t.Fatalf("school link %q", school.Href)
	}
	schoolPath := "/dashboards/school/" + m[1]
	tb.checkPage(pageWant{path: schoolPath, status: 200, lang: "en", charts: []string{"leadership", "representation", "comparison"}},
		"school-"+m[1])
	var crumbs []string
	tb.must(chromedp.Evaluate(`Array.from(document.querySelectorAll('.crumbs > *')).map(e => e.textContent + ' ' + (e.getAttribute('href') || ''))`, &crumbs))
	if len(crumbs) != 4 || !strings.Contains(crumbs[2], "/dashboards/district/"+granite) {
		t.Errorf("school page breadcrumbs %q, want board › Utah › the district (linked) › the school", crumbs)
	}

	// Spanish
	es := tb.checkPage(pageWant{path: "/dashboards/district/" + granite + "?lang=es", status: 200, lang: "es",
		charts: entityChartIDs, tables: []string{"schools"}}, "district-"+granite+"-es")
	var words struct {
		Title   string   `json:"title"`
		Buttons []string `json:"buttons"`
		Cells   []string `json:"cells"`
	}
	tb.eval(`({
	  title: document.getElementById('title-leadership').textContent,
	  buttons: Array.from(document.querySelectorAll('form[action="/logout"] button, .filters button')).map(b => b.textContent),
	  cells: Array.from(document.querySelectorAll('table[data-table="leadership"] tbody tr')).map(r => r.cells[3].textContent),
	})`, &words)
	if !strings.HasPrefix(words.Title, "Líderes y líderes latinos") {
		t.Errorf("Spanish leadership title %q", words.Title)
	}
	if !slices.Equal(words.Buttons, []string{"Cerrar sesión", "Aplicar"}) {
		t.Errorf("Spanish buttons %q", words.Buttons)
	}
	// shares in Spanish: 12,3 % (decimal comma, no-break space)
	share := regexp.MustCompile(`^\d{1,3},\d\x{a0}%$`)
	if len(words.Cells) == 0 || !slices.ContainsFunc(words.Cells, share.MatchString) {
		t.Errorf("Spanish share cells %q, want like 12,3\u00a0%%", words.Cells)
	}
	for _, c := range es {
		if c.ID == "leadership" && (len(c.Series) == 0 || c.Series[0].Name != "Líderes") {
			t.Errorf("Spanish leadership series %+v, want the first named Líderes", c.Series)
		}
	}
	// the language sticks (cookie) without ?lang=
	var lang string
	tb.open("/dashboards/district/" + granite)
	tb.must(chromedp.Evaluate(`document.documentElement.lang`, &lang))
	if lang != "es" {
		t.Errorf("after ?lang=es the next page is in %q", lang)
	}
}

// testPartner: a partner key bound to Granite sees Granite, not another
// district, the board or the state.
func testPartner(t *testing.T, b context.Context, s *site, other string) {
	partner := s.key(access.RolePartner, granite)
	tb := newTab(t, b, s)
	own := "/dashboards/district/" + granite
	charts := tb.checkLoaded(pageWant{path: own, status: 200, lang: "en", charts: entityChartIDs, tables: []string{"schools"}},
		tb.login(own, partner), "partner-district")

	// Its own figures in full: the schools' leader counts are numbers,
	// small ones included, never "<10"; the district is compared with its
	// state by name.
	var cells []string
	tb.eval(`Array.from(document.querySelectorAll('table[data-table="schools"] tbody tr')).map(r => r.cells[2].textContent)`, &cells)
	smallShown := 0
	for _, c := range cells {
		if strings.Contains(c, "<") {
			t.Errorf("partner's own school table hides a count: %q", c)
		}
		if n, err := strconv.Atoi(c); err == nil && n > 0 && n < 10 {
			smallShown++
		}
	}
	if smallShown == 0 {
		t.Errorf("partner's school table shows no count below 10 (%d cells): its own small counts are hidden", len(cells))
	}
	for _, c := range charts {
		if c.ID == "comparison" && (len(c.Series) != 2 || c.Series[1].Name != "Utah") {
			t.Errorf("partner's comparison chart: series %+v, want Granite's and Utah's (the state by name, as an admin sees it)", c.Series)
		}
	}

	// Every link of the page other than the schools' leads somewhere the
	// partner may go (a school page is checked once).
	var links []string
	tb.eval(`Array.from(new Set(Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))))`, &links)
	var check []string
	schools := 0
	for _, l := range links {
		if strings.HasPrefix(l, "/dashboards/school/") {
			if schools++; schools > 1 {
				continue
			}
		}
		check = append(check, l)
	}
	var statuses map[string]int
	js, _ := json.Marshal(check)
	tb.eval(`(async () => { const out = {}; for (const l of `+string(js)+`) {
	  const r = await fetch(l, { credentials: 'same-origin', redirect: 'manual' }); out[l] = r.status; } return out; })()`, &statuses)
	for _, l := range check {
		if statuses[l] != http.StatusOK {
			t.Errorf("partner's district page links to %s, which answers %d to the partner", l, statuses[l])
		}
	}

	for _, path := range []string{"/dashboards/district/" + other, "/dashboards/board", "/dashboards/state/UT"} {
		resp := tb.open(path)
		var msg, back string
		var charts int
		tb.must(chromedp.Text(".failed", &msg, chromedp.ByQuery),
			chromedp.Evaluate(`(document.querySelector('main a') || {getAttribute: () => ''}).getAttribute('href')`, &back),
			chromedp.Evaluate(`document.querySelectorAll('[data-chart], table').length`, &charts))
		if resp.Status != http.StatusForbidden || msg != "Your key may not see this page." || charts != 0 {
			t.Errorf("partner on %s: status %d, message %q, %d charts or tables; want 403, the forbidden message and nothing else",
				path, resp.Status, msg, charts)
		}
		if u := browserURL(t, back); u.Path != own {
			t.Errorf("partner on %s: the back link goes to %q, want the partner's district %s", path, back, own)
		}
	}
}

// testPhone: the district page on a phone: charts drawn, nothing wider
// than the screen.
func testPhone(t *testing.T, b context.Context, s *site, admin string) {
	tb := newTab(t, b, s)
	tb.must(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	path := "/dashboards/district/" + granite
	charts := tb.checkLoaded(pageWant{path: path, status: 200, lang: "en", charts: entityChartIDs, tables: []string{"schools"}},
		tb.login(path, admin), "phone-district")
	var m struct {
		Inner   int      `json:"inner"`
		Scroll  int      `json:"scroll"`
		Body    int      `json:"body"`
		Outside []string `json:"outside"`
	}
	tb.eval(`(() => {
	  const w = window.innerWidth;
	  // elements reaching past the screen's right edge, outside a scrolling box
	  const outside = Array.from(document.querySelectorAll('body *')).filter(e => {
	    if (e.closest('.scroll')) { return false; }
	    const r = e.getBoundingClientRect();
	    return r.width > 0 && r.right > w + 1;
	  }).slice(0, 10).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') +
	    ' right=' + Math.round(e.getBoundingClientRect().right));
	  return { inner: w, scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth, outside };
	})()`, &m)
	if m.Inner != 390 {
		t.Errorf("phone viewport is %d px wide, want 390", m.Inner)
	}
	if m.Scroll > m.Inner+1 || m.Body > m.Inner+1 || len(m.Outside) > 0 {
		t.Errorf("the page overflows a %d px phone: scrollWidth %d (body %d); past the edge: %q", m.Inner, m.Scroll, m.Body, m.Outside)
	}
	for _, c := range charts {
		if c.Canvas[0] > m.Inner {
			t.Errorf("chart %s is %d px wide on a %d px phone", c.ID, c.Canvas[0], m.Inner)
		}
	}
}

// testInteractions: sorting the schools table, sorting the by-district
// chart, saving a chart as PNG.
func testInteractions(t *testing.T, b context.Context, s *site, admin string) {
	tb := newTab(t, b, s)
	path := "/dashboards/district/" + granite
	tb.checkLoaded(pageWant{path: path, status: 200, lang: "en", charts: entityChartIDs, tables: []string{"schools"}},
		tb.login(path, admin), "interactions-district")

	t.Run("TableSort", func(t *testing.T) {
		tb.t = t
		rows := func() [][]string {
			var out [][]string
			tb.eval(`Array.from(document.querySelectorAll('table[data-table="schools"] tbody tr')).map(r =>
			  Array.from(r.cells).map(c => c.getAttribute('data-sort')))`, &out)
			return out
		}
		click := func(col int) string {
			var sortAttr string
			tb.must(chromedp.Click(fmt.Sprintf(`table[data-table="schools"] thead th:nth-child(%d) button`, col+1), chromedp.ByQuery),
				chromedp.Evaluate(fmt.Sprintf(`document.querySelector('table[data-table="schools"] thead th:nth-child(%d)').getAttribute('aria-sort')`, col+1), &sortAttr))
			return sortAttr
		}
		names := func(rs [][]string) []string {
			out := make([]string, len(rs))
			for i, r := range rs {
				out[i] = r[0]
			}
			return out
		}
		before := rows()
		if len(before) < 10 {
			t.Fatalf("schools table has %d rows", len(before))
		}
		// by leaders (column 1): numbers ascending, then descending; the
		// sort is stable, so equal rows keep their order
		if a := click(1); a != "ascending" {
			t.Errorf("leaders header aria-sort %q after one click", a)
		}
		asc := rows()
		want := sortedLikeTable(before, 1, false)
		if !slices.Equal(names(asc), names(want)) {
			t.Errorf("schools by leaders, ascending:\n got %q\nwant %q", names(asc), names(want))
		}
		if slices.Equal(names(asc), names(before)) {
			t.Errorf("sorting by leaders left the schools in their order")
		}
		if a := click(1); a != "descending" {
			t.Errorf("leaders header aria-sort %q after two clicks", a)
		}
		desc := rows()
		if want := sortedLikeTable(asc, 1, true); !slices.Equal(names(desc), names(want)) {
			t.Errorf("schools by leaders, descending:\n got %q\nwant %q", names(desc), names(want))
		}
		if first, last := schoolLeaders(desc[0]), schoolLeaders(desc[len(desc)-1]); first < last {
			t.Errorf("descending: first school has %v leaders, last %v", first, last)
		}
		// by name: the names in collation order (computed in the page by
		// Intl.Collator, independently of the table's code)
		if a := click(0); a != "ascending" {
			t.Errorf("school header aria-sort %q after one click", a)
		}
		byName := names(rows())
		var collated []string
		js, _ := json.Marshal(names(before))
		tb.eval(`(`+string(js)+`).sort(new Intl.Collator('en').compare)`, &collated)
		if !slices.Equal(byName, collated) {
			t.Errorf("schools by name:\n got %q\nwant %q", byName, collated)
		}
	})

	t.Run("ChartSort", func(t *testing.T) {
		tb.t = t
		tb.checkPage(pageWant{path: "/dashboards/state/UT", status: 200, lang: "en", charts: []string{"districts"}}, "interactions-state")
		type axis struct {
			Names  []string  `json:"names"`
			Values []float64 `json:"values"` // NaN-free: gaps are -1
			Button string    `json:"button"`
			State  string    `json:"state"`
		}
		read := func() axis {
			var a axis
			tb.eval(`(() => {
			  const o = window.caminoCharts['districts'].getOption();
			  const v = d => { const x = (d && typeof d === 'object') ? d.value : d; return typeof x === 'number' ? x : -1; };
			  const b = document.querySelector('[data-sort-chart="districts"]');
			  return { names: o.yAxis[0].data.map(d => (d && typeof d === 'object') ? d.value : String(d)), values: o.series[0].data.map(v),
			    button: b.textContent, state: b.getAttribute('data-state') || '' };
			})()`, &a)
			return a
		}
		pairs := func(a axis) []string {
			out := make([]string, len(a.Names))
			for i := range a.Names {
				out[i] = a.Names[i] + "=" + strconv.FormatFloat(a.Values[i], 'f', -1, 64)
			}
			sort.Strings(out)
			return out
		}
		start := read()
		if len(start.Names) < 5 || len(start.Names) != len(start.Values) {
			t.Fatalf("by-district chart: %d districts, %d values", len(start.Names), len(start.Values))
		}
		// by value: the highest index at the top (the last category of a
		// vertical axis), gaps at the bottom
		if !sort.Float64sAreSorted(start.Values) {
			t.Errorf("by-district chart not by value (top is last): %v", start.Values)
		}
		if start.Button != "Sort by name" {
			t.Errorf("sort button says %q", start.Button)
		}
		tb.must(chromedp.Click(`[data-sort-chart="districts"]`, chromedp.ByQuery))
		named := read()
		top := slices.Clone(named.Names)
		slices.Reverse(top) // top to bottom
		var collated []string
		js, _ := json.Marshal(start.Names)
		tb.eval(`(`+string(js)+`).sort((a, b) => a.localeCompare(b, 'en'))`, &collated)
		if !slices.Equal(top, collated) {
			t.Errorf("by-district chart sorted by name, top to bottom:\n got %q\nwant %q", top, collated)
		}
		if slices.Equal(named.Names, start.Names) {
			t.Errorf("sorting by name left the districts' order as it was")
		}
		if !slices.Equal(pairs(named), pairs(start)) {
			t.Errorf("sorting by name separated districts from their values:\n got %q\nwant %q", pairs(named), pairs(start))
		}
		if named.Button != "Sort by value" || named.State != "name" {
			t.Errorf("after sorting by name the button says %q (state %q)", named.Button, named.State)
		}
		tb.must(chromedp.Click(`[data-sort-chart="districts"]`, chromedp.ByQuery))
		back := read()
		if !sort.Float64sAreSorted(back.Values) || !slices.Equal(pairs(back), pairs(start)) || back.Button != "Sort by name" {
			t.Errorf("sorted by value again: values %v, button %q", back.Values, back.Button)
		}
		tb.screenshot("state-sorted")
		tb.checkClean("sorting the by-district chart")
	})

	t.Run("PNG", func(t *testing.T) {
		tb.t = t
		// The button makes a link to a data: URL and clicks it; the click is
		// caught (no download) to read the link.
		var got struct {
			Href     string `json:"href"`
			Download string `json:"download"`
			W        int    `json:"w"`
			H        int    `json:"h"`
		}
		tb.eval(`new Promise(resolve => {
		  const click = HTMLAnchorElement.prototype.click;
		  HTMLAnchorElement.prototype.click = function () {
		    HTMLAnchorElement.prototype.click = click;
		    const c = window.caminoCharts['districts'];
		    resolve({ href: this.href, download: this.download, w: c.getWidth(), h: c.getHeight() });
		  };
		  document.querySelector('[data-png="districts"]').click();
		})`, &got)
		if got.Download != "camino-districts.png" {
			t.Errorf("PNG download name %q", got.Download)
		}
		b64, ok := strings.CutPrefix(got.Href, "data:image/png;base64,")
		if !ok {
			t.Fatalf("PNG button link %.60q, want a data:image/png URL", got.Href)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if sz := img.Bounds().Size(); sz.X != 2*got.W || sz.Y != 2*got.H || got.W < 100 {
			t.Errorf("PNG is %v, the chart %dx%d (pixel ratio 2)", sz, got.W, got.H)
		}
		if n := pngColours(img); n < 3 {
			t.Errorf("PNG of the chart has %d pngColours: blank", n)
		}
		tb.checkClean("PNG")
	})
}

// sortedLikeTable is rows sorted stably by column col as the table sorts: numbers
// as numbers after the other values (text by byte order; they are blank
// here), descending when desc.
func sortedLikeTable(rows [][]string, col int, desc bool) [][]string {
	out := slices.Clone(rows)
	key := func(r []string) (float64, bool) {
		s := r[col]
		x, err := strconv.ParseFloat(s, 64)
		return x, err == nil && s != "" && strings.ContainsAny(s[:1], "-0123456789.")
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, an := key(out[i])
		b, bn := key(out[j])
		var less bool
		switch {
		case an && bn:
			if desc {
				return a > b
			}
			return a < b
		case an != bn:
			less = bn // a text before a number
		default:
			if desc {
				return out[i][col] > out[j][col]
			}
			return out[i][col] < out[j][col]
		}
		if desc {
			return !less
		}
		return less
	})
	return out
}

func schoolLeaders(r []string) float64 {
	x, _ := strconv.ParseFloat(r[1], 64)
	return x
}

// pngColours counts an image's distinct pngColours (up to 16).
func pngColours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y += 3 {
		for x := bd.Min.X; x < bd.Max.X; x += 3 {
			r, g, b, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, b, a}] = true
			if len(seen) >= 16 {
				return len(seen)
			}
		}
	}
	return len(seen)
}
