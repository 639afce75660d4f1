package dashboards

import (
	"net/http"
	"strings"
	"time"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/apperr"
)

// reportPage serves /reports/board: the board report as HTML (print it from
// the browser) or, with format=pdf and Chromium on the server, as PDF. The
// reader signs in as for the dashboards (or sends a Bearer key); a partner
// gets its districts' report; public=true (or X-Camino-Public: true) asks
// for the published, suppressed version.
//
//	/reports/board?state=UT&lang=es&public=true&format=pdf
func (h *Handler) reportPage(w http.ResponseWriter, r *http.Request) {
	t := text{lang: langOf(r)}
	q := r.URL.Query()
	for _, name := range []string{"state", "lang", "public", "format"} {
		if vs := q[name]; len(vs) > 1 || (len(vs) == 1 && len(vs[0]) > 40) {
			h.message(w, t, http.StatusBadRequest, bad("bad.once", name).in(t), "")
			return
		}
	}
	var p access.Principal
	if key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if !h.opt.AllowLogin(w, r) {
			return
		}
		var err error
		if p, err = h.opt.Auth.Authenticate(r.Context(), strings.TrimSpace(key)); err != nil {
			if apperr.CodeOf(err) == apperr.Unauthenticated {
				h.opt.LoginFailed(r)
				w.Header().Set("WWW-Authenticate", `Bearer realm="camino"`)
				h.message(w, t, http.StatusUnauthorized, t.tr("login.failed"), "")
				return
			}
			h.opt.Log.Error("dashboards: report authentication failed", "err", err)
			h.message(w, t, http.StatusServiceUnavailable, t.tr("login.unavailable"), "")
			return
		}
	} else if p, ok = h.signedIn(w, r, t); !ok {
		return
	}
	public := false
	switch v := strings.ToLower(q.Get("public")); v {
	case "", "false", "0":
	case "true", "1":
		public = true
	default:
		h.message(w, t, http.StatusBadRequest, bad("bad.public", v).in(t), "")
		return
	}
	public = public || strings.EqualFold(r.Header.Get("X-Camino-Public"), "true")
	format := q.Get("format")
	if format != "" && format != "html" && format != "pdf" {
		h.message(w, t, http.StatusBadRequest, bad("bad.format", format).in(t), "")
		return
	}
	state := q.Get("state")
	if state != "" && !stateRE.MatchString(state) {
		h.message(w, t, http.StatusBadRequest, bad("bad.state", state).in(t), "")
		return
	}
	ctx := access.WithPrincipal(r.Context(), p, h.opt.SuppressBelow, public)
	r = r.WithContext(ctx)
	if !h.opt.Admit(w, r, p) {
		return
	}
	if p.Role != access.RolePartner {
		if err := access.Require(ctx, wideRoles...); err != nil {
			h.fail(w, t, err, p)
			return
		}
	}
	if format == "pdf" && h.opt.Chromium == "" {
		h.message(w, t, http.StatusServiceUnavailable, t.tr("report.nopdf"), "")
		return
	}
	doc, err := BoardReport(ctx, ReportOptions{Metrics: h.opt.Metrics, Places: h.opt.Places, Lang: t.lang, State: state,
		SuppressBelow: h.opt.SuppressBelow, Now: time.Now()})
	if err != nil {
		h.fail(w, t, err, p)
		return
	}
	name := "camino-board-report-" + t.lang
	if state != "" {
		name += "-" + state
	}
	if public {
		name += "-public"
	}
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Vary", "Cookie, Authorization, Accept-Language")
	if format == "pdf" {
		pdf, err := PrintPDF(ctx, h.opt.Chromium, doc, "Camino · "+t.tr("report.kicker"))
		if err != nil {
			h.opt.Log.Error("dashboards: report PDF", "err", err)
			h.message(w, t, http.StatusServiceUnavailable, t.tr("report.nopdf"), "")
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Header().Set("Content-Disposition", `inline; filename="`+name+`.pdf"`)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(pdf)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", csp)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	_, _ = w.Write(doc)
}
