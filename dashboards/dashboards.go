package dashboards

import (
	"bytes"
	"context"
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/ids"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
)

// Options configure the dashboards.
type Options struct {
	Metrics Metrics
	Places  Places
	// Auth checks a key (at login, and on every page, the key kept in the
	// session).
	Auth interface {
		Authenticate(ctx context.Context, key string) (access.Principal, error)
	}
	// SuppressBelow is the small-cell threshold (partner pages).
	SuppressBelow int
	Log           *slog.Logger
	// SessionTTL is how long a login lasts (default 12 h).
	SessionTTL time.Duration
	// CacheTTL is how long a catalog result is reused by pages of the same
	// scope (default 60 s; negative: no cache).
	CacheTTL time.Duration
	// AllowLogin is asked before a login key is checked (the server's
	// failed-authentication rate limit; it writes the refusal), LoginFailed
	// told of a wrong key, and Admit asked once a page's key is known (the
	// per-key rate limit and the audit line; false: it wrote the refusal).
	AllowLogin  func(w http.ResponseWriter, r *http.Request) bool
	LoginFailed func(r *http.Request)
	Admit       func(w http.ResponseWriter, r *http.Request, p access.Principal) bool
	// Chromium prints the board report as PDF (/reports/board?format=pdf);
	// empty: the report is served as HTML only.
	Chromium string
}

// Handler serves the dashboards, the login form and their assets.
type Handler struct {
	opt      Options
	sessions *sessions
	cache    *cache
	pages    *template.Template
}

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// New returns the dashboards' handler; Register adds its routes.
func New(opt Options) *Handler {
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.SessionTTL == 0 {
		opt.SessionTTL = 12 * time.Hour
	}
	if opt.CacheTTL == 0 {
		opt.CacheTTL = time.Minute
	}
	if opt.SuppressBelow == 0 {
		opt.SuppressBelow = 10
	}
	if opt.AllowLogin == nil {
		opt.AllowLogin = func(http.ResponseWriter, *http.Request) bool { return true }
	}
	if opt.LoginFailed == nil {
		opt.LoginFailed = func(*http.Request) {}
	}
	if opt.Admit == nil {
		opt.Admit = func(http.ResponseWriter, *http.Request, access.Principal) bool { return true }
	}
	tmpl := template.Must(template.New("").Funcs(template.FuncMap{
		"tr":    func(t text, key string) string { return t.tr(key) },
		"words": words,
		"trf": func(t text, key string, args ...any) string {
			return fmt.Sprintf(t.tr(key), args...)
		},
	}).ParseFS(templateFiles, "templates/*.html"))
	return &Handler{opt: opt, sessions: newSessions(opt.SessionTTL), cache: newCache(opt.CacheTTL), pages: tmpl}
}

// Register adds the routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", h.loginForm)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /logout", h.logout)
	mux.HandleFunc("GET /dashboards/{$}", h.page(h.home))
	mux.HandleFunc("GET /dashboards", h.page(h.home))
	mux.HandleFunc("GET /dashboards/board", h.page(h.board))
	mux.HandleFunc("GET /dashboards/board/charts/{chart}", h.page(h.board))
	for _, kind := range []string{"state", "district", "school"} {
		mux.HandleFunc("GET /dashboards/"+kind+"/{id}", h.page(h.entity(kind)))
		mux.HandleFunc("GET /dashboards/"+kind+"/{id}/charts/{chart}", h.page(h.entity(kind)))
	}
	mux.HandleFunc("GET /reports/board", h.reportPage)
	mux.HandleFunc("GET /dashboards/", h.page(func(context.Context, *request) (*view, error) {
		return nil, apperr.Errorf(apperr.NotFound, "no such page")
	}))
	static, _ := fs.Sub(staticFiles, "static")
	files := http.StripPrefix("/assets/dashboards/", http.FileServer(http.FS(static)))
	mux.Handle("GET /assets/dashboards/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=300")
		files.ServeHTTP(w, r)
	}))
}

// csp lets a page load only what camino serves; the chart options are
// JSON (script type="application/json"), never inline script.
const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// request is one page request once its key and filters are known.
type request struct {
	r     *http.Request
	p     access.Principal
	t     text
	f     filters
	links links
	first int
	last  int
	// states are the states in the data (read by resolve).
	states []warehouse.State
}

// view is a page: its place, its breadcrumbs and its builders (run by
// page()).
type view struct {
	kind, title string
	crumbs      []crumb
	builders    []builder
	state       place // the board's by-district chart
	// base is the page's path (CSV links hang below it).
	base string
	// redirect, when set, sends the reader elsewhere instead.
	redirect string
}

type crumb struct{ Name, Link string }

// page wraps a page: the session, the key's scope, the language and
// filters, then the view's charts computed in parallel, rendered (or one
// chart as CSV when the path names one).
func (h *Handler) page(build func(context.Context, *request) (*view, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		t := text{lang: langOf(r)}
		if v := r.URL.Query().Get("lang"); isLang(v) {
			http.SetCookie(w, &http.Cookie{Name: langCookie, Value: v, Path: "/", MaxAge: 365 * 24 * 3600,
				SameSite: http.SameSiteStrictMode, HttpOnly: true})
		}
		p, ok := h.signedIn(w, r, t)
		if !ok {
			return
		}
		// X-Camino-Public: true asks for the published version of a page
		// (small cells suppressed), as it does of the API.
		public := strings.EqualFold(r.Header.Get("X-Camino-Public"), "true")
		ctx := access.WithPrincipal(r.Context(), p, h.opt.SuppressBelow, public)
		r = r.WithContext(ctx)
		if !h.opt.Admit(w, r, p) {
			return
		}
		first, last, err := h.opt.Metrics.DataYears(ctx)
		if err != nil {
			h.fail(w, t, err, p)
			return
		}
		f, err := parseFilters(r, t.lang, first, last)
		if err != nil {
			h.fail(w, t, err, p)
			return
		}
		req := &request{r: r, p: p, t: t, f: f, links: linksFor(r, f), first: first, last: last}
		v, err := build(ctx, req)
		if err != nil {
			h.fail(w, t, err, p)
			return
		}
		if v.redirect != "" {
			http.Redirect(w, r, v.redirect, http.StatusSeeOther)
			return
		}
		only, csv := strings.CutSuffix(r.PathValue("chart"), ".csv")
		if r.PathValue("chart") != "" && !csv {
			h.message(w, t, http.StatusNotFound, t.tr("notfound"), "")
			return
		}
		cs, timing := h.charts(ctx, req, v, only)
		timing = append(timing, fmt.Sprintf("total;dur=%.1f", float64(time.Since(start).Microseconds())/1000))
		w.Header().Set("Server-Timing", strings.Join(timing, ", "))
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("Vary", "Cookie, Accept-Language, X-Camino-Public")
		if !csv {
			for _, c := range everyChart(cs) {
				c.CSV = req.links.path(v.base + "/charts/" + url.PathEscape(c.ID) + ".csv")
			}
			h.render(w, req, v, cs)
			return
		}
		for _, c := range everyChart(cs) {
			if c.ID == only {
				if c.Failed {
					h.message(w, t, http.StatusServiceUnavailable, t.tr("error"), "")
				} else {
					h.writeCSV(w, v, c)
				}
				return
			}
		}
		h.message(w, t, http.StatusNotFound, t.tr("notfound"), "")
	}
}

// everyChart is the charts and the panels drawn beside them (chart.Also).
func everyChart(cs []*chart) []*chart {
	var out []*chart
	for _, c := range cs {
		out = append(out, c.Also...)
		out = append(out, c)
	}
	return out
}

// signedIn is the principal of the request's session; without a valid one
// it has answered (a redirect to the login form, or 503 when keys cannot be
// checked).
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request, t text) (access.Principal, bool) {
	key, ok := h.sessions.key(r)
	if !ok {
		h.toLogin(w, r)
		return access.Principal{}, false
	}
	p, err := h.opt.Auth.Authenticate(r.Context(), key)
	switch {
	case err == nil:
		return p, true
	case apperr.CodeOf(err) == apperr.Unauthenticated: // revoked or expired since the login
		h.sessions.end(r)
		setCookie(w, r, "", 0)
		h.toLogin(w, r)
	default:
		h.opt.Log.Error("dashboards: authentication failed", "err", err)
		h.message(w, t, http.StatusServiceUnavailable, t.tr("login.unavailable"), "")
	}
	return access.Principal{}, false
}

// charts computes the view's charts (only those of one builder when only
// names a chart), with their Server-Timing entries.
func (h *Handler) charts(ctx context.Context, req *request, v *view, only string) ([]*chart, []string) {
	builders := v.builders
	if only != "" {
		builders = slices.DeleteFunc(slices.Clone(builders), func(b builder) bool { return !strings.HasPrefix(only, b.id) })
	}
	if req.last == 0 {
		// An empty warehouse: every chart says there are no data (the
		// catalog refuses to compute over nothing).
		cs := make([]*chart, len(builders))
		for i, b := range builders {
			cs[i] = &chart{ID: b.id, Title: req.t.tr("chart." + b.id + ".short"), Empty: true}
		}
		return cs, nil
	}
	e := env{t: req.t, f: req.f, suppressBelow: h.opt.SuppressBelow, places: h.opt.Places, links: req.links, state: v.state}
	hits, misses := new(counter), new(counter)
	fl := &flights{}
	e.run = func(ctx context.Context, q metrics.Query) (*metrics.Result, error) {
		b, err := json.Marshal(q)
		if err != nil {
			return nil, err
		}
		return fl.do(string(b), func() (*metrics.Result, error) {
			return h.cache.run(ctx, q, string(b), h.opt.Metrics.Run, hits, misses)
		})
	}
	e.runner = goalRunner{e.run, h.opt.Metrics.DataYears}
	cs, timing := h.run(ctx, e, builders)
	return cs, append(timing, fmt.Sprintf("cache;desc=\"%d hits, %d misses\"", hits.n(), misses.n()))
}

// run computes the builders in parallel (at most 8 at once), in page order;
// a builder that fails becomes a chart saying so (logged), the rest of the
// page is served.
func (h *Handler) run(ctx context.Context, e env, bs []builder) ([]*chart, []string) {
	out := make([][]*chart, len(bs))
	durs := make([]time.Duration, len(bs))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, b := range bs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			start := time.Now()
			cs, err := b.build(ctx, e)
			durs[i] = time.Since(start)
			if err != nil {
				if ctx.Err() == nil {
					h.opt.Log.Error("dashboards: chart failed", "chart", b.id, "err", err)
				}
				cs = []*chart{{ID: b.id, Title: e.t.tr("chart." + b.id + ".short"), Failed: true}}
			}
			out[i] = cs
		}()
	}
	wg.Wait()
	var all []*chart
	timings := make([]string, 0, len(bs)+2)
	for i, b := range bs {
		all = append(all, out[i]...)
		timings = append(timings, fmt.Sprintf("%s;dur=%.1f", b.id, float64(durs[i].Microseconds())/1000))
	}
	return all, timings
}

type counter struct {
	mu sync.Mutex
	v  int
}

func (c *counter) add() { c.mu.Lock(); c.v++; c.mu.Unlock() }
func (c *counter) n() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.v
}

// goalRunner runs a goal's series through the page's (cached) runner.
type goalRunner struct {
	run   func(ctx context.Context, q metrics.Query) (*metrics.Result, error)
	years func(ctx context.Context) (int, int, error)
}

func (g goalRunner) Run(ctx context.Context, q metrics.Query) (*metrics.Result, error) {
	return g.run(ctx, q)
}
func (g goalRunner) DataYears(ctx context.Context) (int, int, error) { return g.years(ctx) }

// --- the pages ---------------------------------------------------------------

// readers of the board and state pages: every role but partner.
var wideRoles = []string{access.RoleBoard, access.RoleAnalyst, access.RoleAdmin}

// home sends a reader to their first page: a partner to its district,
// anyone else to the board.
func (h *Handler) home(_ context.Context, q *request) (*view, error) {
	return &view{redirect: h.home0(q.p, q.links)}, nil
}

func (h *Handler) home0(p access.Principal, l links) string {
	if p.Role == access.RolePartner && len(p.Districts) > 0 {
		return l.district(p.Districts[0])
	}
	return l.board("")
}

func (h *Handler) board(ctx context.Context, q *request) (*view, error) {
	if err := access.Require(ctx, wideRoles...); err != nil {
		return nil, err
	}
	states, err := h.opt.Places.States(ctx)
	if err != nil {
		return nil, err
	}
	v := &view{kind: "board", title: q.t.tr("title.board"), base: "/dashboards/board"}
	if q.f.State == "" && len(states) == 1 {
		// One state in the data: "every state" is that state.
		q.f.State = states[0].Code
	}
	if q.f.State != "" {
		i := slices.IndexFunc(states, func(s warehouse.State) bool { return s.Code == q.f.State })
		if i < 0 {
			return nil, apperr.Errorf(apperr.NotFound, "no state %s in the data", q.f.State)
		}
		q.f.StateName = states[i].Name
		v.state = place{level: metrics.DimState, id: states[i].Code, name: states[i].Name}
	} else if len(states) > 0 {
		// The by-district chart needs a state: the first, until one is chosen.
		v.state = place{level: metrics.DimState, id: states[0].Code, name: states[0].Name}
	}
	v.crumbs = []crumb{{Name: q.t.tr("nav.board")}}
	v.builders = []builder{goalsBuilder(), tiersChart(), districtsChart(func(e env) place { return e.state }, "districts"),
		membershipChart(), progressionChart()}
	if v.state.id == "" {
		v.builders = slices.DeleteFunc(v.builders, func(b builder) bool { return b.id == "districts" })
	}
	return v, nil
}

// entity is the state, district and school pages.
func (h *Handler) entity(kind string) func(context.Context, *request) (*view, error) {
	return func(ctx context.Context, q *request) (*view, error) {
		p, parent, crumbs, err := h.resolve(ctx, q, kind, q.r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		v := &view{kind: kind, title: p.name, crumbs: crumbs, base: "/dashboards/" + kind + "/" + url.PathEscape(p.id)}
		v.builders = []builder{leadershipChart(p), representationChart(p), pipelineChart(p), promotionsChart(p)}
		if parent.level != "" || len(q.states) > 1 {
			// a state against every state, only when there are others
			v.builders = append(v.builders, comparisonChart(p, parent))
		}
		switch kind {
		case "state":
			v.state = p
			v.builders = append(v.builders, districtsChart(func(e env) place { return e.state }, "districts"))
		case "district":
			v.builders = append(v.builders, schoolsTable(p))
		}
		return v, nil
	}
}

// resolve checks the reader may see the place and returns it, its parent
// and the breadcrumbs. A partner asking for a district (or a school of a
// district) outside its key gets forbidden, whether or not it exists.
func (h *Handler) resolve(ctx context.Context, q *request, kind, id string) (p, parent place, crumbs []crumb, err error) {
	partner := q.p.Role == access.RolePartner
	forbidden := apperr.Errorf(apperr.Forbidden, "this key may not see that page")
	var states []warehouse.State
	stateName := func(code string) string {
		for _, s := range states {
			if s.Code == code {
				return s.Name
			}
		}
		return code
	}
	if states, err = h.opt.Places.States(ctx); err != nil {
		return
	}
	q.states = states
	if !partner {
		crumbs = append(crumbs, crumb{Name: q.t.tr("nav.board"), Link: q.links.board("")})
	}
	switch kind {
	case "state":
		if partner {
			return p, parent, nil, forbidden
		}
		code, err := ids.StateCode("state", id)
		if err != nil {
			return p, parent, nil, bad("bad.state", clip(id))
		}
		if !slices.ContainsFunc(states, func(s warehouse.State) bool { return s.Code == code }) {
			return p, parent, nil, apperr.Errorf(apperr.NotFound, "no state %s in the data", code)
		}
		p = place{level: metrics.DimState, id: code, name: stateName(code)}
		parent = place{name: q.t.tr("all_states")}
		crumbs = append(crumbs, crumb{Name: p.name})
		return p, parent, crumbs, nil
	case "district":
		if _, err := ids.District("district", id); err != nil {
			return p, parent, nil, bad("bad.district", clip(id))
		}
		if partner && !slices.Contains(q.p.Districts, id) {
			return p, parent, nil, forbidden
		}
		ds, err := h.opt.Places.DistrictsByID(ctx, []string{id})
		if err != nil {
			return p, parent, nil, err
		}
		if len(ds) == 0 {
			return p, parent, nil, apperr.Errorf(apperr.NotFound, "no district %s", id)
		}
		d := ds[0]
		p = place{level: metrics.DimDistrict, id: d.ID, name: d.Name}
		parent = place{level: metrics.DimState, id: d.StateCode, name: stateName(d.StateCode)}
		if !partner {
			crumbs = append(crumbs, crumb{Name: parent.name, Link: q.links.state(d.StateCode)})
		}
		crumbs = append(crumbs, crumb{Name: d.Name})
		return p, parent, crumbs, nil
	default: // school
		if _, err := ids.School("school", id); err != nil {
			return p, parent, nil, bad("bad.school", clip(id))
		}
		ss, err := h.opt.Places.SchoolsByID(ctx, []string{id})
		if err != nil {
			return p, parent, nil, err
		}
		if len(ss) == 0 || (partner && !slices.Contains(q.p.Districts, ss[0].LeaID)) {
			if partner {
				return p, parent, nil, forbidden
			}
			return p, parent, nil, apperr.Errorf(apperr.NotFound, "no school %s", id)
		}
		s := ss[0]
		ds, err := h.opt.Places.DistrictsByID(ctx, []string{s.LeaID})
		if err != nil {
			return p, parent, nil, err
		}
		dname := s.LeaID
		if len(ds) > 0 {
			dname = ds[0].Name
		}
		p = place{level: metrics.DimSchool, id: s.ID, name: s.Name}
		parent = place{level: metrics.DimDistrict, id: s.LeaID, name: dname}
		if !partner {
			crumbs = append(crumbs, crumb{Name: stateName(s.StateCode), Link: q.links.state(s.StateCode)})
		}
		crumbs = append(crumbs, crumb{Name: dname, Link: q.links.district(s.LeaID)}, crumb{Name: s.Name})
		return p, parent, crumbs, nil
	}
}

// --- login ------------------------------------------------------------------

func (h *Handler) toLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Path
	if r.URL.RawQuery != "" {
		next += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// clip shortens a refused value for the message that quotes it.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// safeNext is a post-login destination: a dashboards path on this server,
// never another origin.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || next == "" || len(next) > 2000 || u.Scheme != "" || u.Host != "" || u.User != nil ||
		!(strings.HasPrefix(path.Clean(u.Path), "/dashboards") || path.Clean(u.Path) == "/reports/board") ||
		strings.Contains(next, "\\") || strings.HasPrefix(next, "//") {
		return ""
	}
	return u.RequestURI()
}

type loginView struct {
	T         text
	Lang      string
	Next      string
	Error     string
	OtherLang string
	OtherURL  string
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	t := text{lang: langOf(r)}
	h.loginPage(w, r, t, http.StatusOK, "")
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request, t text, status int, msg string) {
	other := "es"
	if t.lang == "es" {
		other = "en"
	}
	next := safeNext(r.FormValue("next"))
	q := url.Values{"lang": {other}}
	if next != "" {
		q.Set("next", next)
	}
	h.html(w, status, "login.html", loginView{T: t, Lang: t.lang, Next: next, Error: msg, OtherLang: t.tr("lang.other"),
		OtherURL: "/login?" + q.Encode()})
}

// maxLoginBody bounds the login form.
const maxLoginBody = 4 << 10

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	t := text{lang: langOf(r)}
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := r.ParseForm(); err != nil {
		h.loginPage(w, r, t, http.StatusBadRequest, t.tr("login.failed"))
		return
	}
	// SameSite=Strict protects the session; this refuses a login posted
	// from another origin (login CSRF).
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			h.message(w, t, http.StatusForbidden, t.tr("forbidden"), "")
			return
		}
	}
	if !h.opt.AllowLogin(w, r) {
		return
	}
	key := strings.TrimSpace(r.PostFormValue("key"))
	if key == "" || len(key) > 200 {
		h.opt.LoginFailed(r)
		h.loginPage(w, r, t, http.StatusUnauthorized, t.tr("login.failed"))
		return
	}
	p, err := h.opt.Auth.Authenticate(r.Context(), key)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Unauthenticated {
			h.opt.LoginFailed(r)
			h.loginPage(w, r, t, http.StatusUnauthorized, t.tr("login.failed"))
			return
		}
		h.opt.Log.Error("dashboards: login failed", "err", err)
		h.loginPage(w, r, t, http.StatusServiceUnavailable, t.tr("login.unavailable"))
		return
	}
	token, err := h.sessions.create(key)
	if err != nil {
		h.opt.Log.Error("dashboards: session", "err", err)
		h.loginPage(w, r, t, http.StatusServiceUnavailable, t.tr("login.unavailable"))
		return
	}
	setCookie(w, r, token, h.opt.SessionTTL)
	next := safeNext(r.PostFormValue("next"))
	if next == "" {
		next = h.home0(p, links{q: url.Values{"lang": {t.lang}}})
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session. It is a POST carrying the session's CSRF token
// (the form on every page has it), so another site can sign nobody out;
// without the token nothing is ended and the reader is sent back.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := r.ParseForm(); err != nil || !validLogout(r) {
		t := text{lang: langOf(r)}
		h.message(w, t, http.StatusForbidden, t.tr("forbidden"), "/dashboards/board")
		return
	}
	h.sessions.end(r)
	setCookie(w, r, "", 0)
	http.Redirect(w, r, "/login?lang="+langOf(r), http.StatusSeeOther)
}

// --- output -----------------------------------------------------------------

// fail answers a page whose place could not be resolved or read.
func (h *Handler) fail(w http.ResponseWriter, t text, err error, p access.Principal) {
	back := h.home0(p, links{q: url.Values{"lang": {t.lang}}})
	var refused badRequest
	switch code := apperr.CodeOf(err); {
	case errors.As(err, &refused):
		h.message(w, t, http.StatusBadRequest, refused.in(t), back)
	case code == apperr.Invalid:
		h.message(w, t, http.StatusBadRequest, apperr.MessageOf(err), back)
	case code == apperr.Forbidden:
		h.message(w, t, http.StatusForbidden, t.tr("forbidden"), back)
	case code == apperr.NotFound:
		h.message(w, t, http.StatusNotFound, t.tr("notfound")+" "+apperr.MessageOf(err), back)
	default:
		h.opt.Log.Error("dashboards: page failed", "err", err)
		h.message(w, t, http.StatusServiceUnavailable, t.tr("error"), back)
	}
}

type messageView struct {
	T          text
	Lang, Text string
	Back       string
}

func (h *Handler) message(w http.ResponseWriter, t text, status int, msg, back string) {
	h.html(w, status, "message.html", messageView{T: t, Lang: t.lang, Text: msg, Back: back})
}

func (h *Handler) html(w http.ResponseWriter, status int, name string, data any) {
	var b bytes.Buffer
	if err := h.pages.ExecuteTemplate(&b, name, data); err != nil {
		h.opt.Log.Error("dashboards: template", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", csp)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// writeCSV sends one chart's table. Text cells that a spreadsheet would
// read as a formula are prefixed with a quote.
func (h *Handler) writeCSV(w http.ResponseWriter, v *view, c *chart) {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	_ = cw.Write(c.Table.Columns)
	for _, row := range c.Table.Rows {
		rec := make([]string, len(row))
		for i, x := range row {
			s := x.Raw
			if !x.Num && s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
				s = "'" + s
			}
			rec[i] = s
		}
		_ = cw.Write(rec)
	}
	cw.Flush()
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, v.kind+"-"+c.ID)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="camino-`+name+`.csv"`)
	_, _ = w.Write(b.Bytes())
}
