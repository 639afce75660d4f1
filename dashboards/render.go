package dashboards

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// pageView is what page.html renders.
type pageView struct {
	T      text
	Lang   string
	Title  string
	Kind   string
	Crumbs []crumb
	Charts []*chart
	// Scripts are the chart library's files, from the charts' own asset
	// list (go-echarts, with AssetsHost set to camino's vendor path).
	Scripts                 []string
	F                       filters
	Years                   []option
	Tiers                   []option
	States                  []option
	OtherLangURL, OtherLang string
	// LogoutToken is the sign-out form's CSRF token (see logoutToken).
	LogoutToken   string
	Action        string
	SuppressBelow int
	// BoardURL is the reader's home (the board, or a partner's district).
	BoardURL string
	// Span is the years the page covers, for the header.
	Span string
	// Scope, Tier and DataDate head the printed page: what it covers, the
	// leaders it counts, and when the data were last loaded.
	Scope, Tier string
	DataDate    string
	Printed     string
}

type option struct {
	Value, Label string
	Selected     bool
}

// pageScript is the page's own script, loaded after the charts' assets.
const pageScript = "/assets/dashboards/dashboards.js"

// scriptsOf are the charts' script assets as go-echarts lists them (under
// AssetsHost), each once, then the page's script.
func scriptsOf(cs []*chart) []string {
	var out []string
	for _, c := range cs {
		for _, a := range c.assets {
			if !slices.Contains(out, a) {
				out = append(out, a)
			}
		}
	}
	return append(out, pageScript)
}

func (h *Handler) render(w http.ResponseWriter, q *request, v *view, cs []*chart) {
	t := q.t
	pv := pageView{T: t, Lang: t.lang, Title: v.title, Kind: v.kind, Crumbs: v.crumbs, Charts: cs, Scripts: scriptsOf(cs),
		F: q.f, Action: q.r.URL.Path, SuppressBelow: h.opt.SuppressBelow,
		Span: t.years(q.f.From, q.f.To), BoardURL: h.home0(q.p, q.links)}
	other := "es"
	if t.lang == "es" {
		other = "en"
	}
	pv.LogoutToken = logoutToken(q.r)
	pv.OtherLang = t.tr("lang.other")
	pv.OtherLangURL = q.links.path(q.r.URL.Path, "lang", other, "state", q.f.State)
	for y := q.first; y <= q.last && q.first > 0; y++ {
		pv.Years = append(pv.Years, option{Value: strconv.Itoa(y), Label: t.schoolYear(y)})
	}
	var scope []string
	for _, c := range v.crumbs {
		scope = append(scope, c.Name)
	}
	pv.Scope = strings.Join(scope, " › ")
	if v.kind == "board" {
		pv.Scope = t.tr("all_states")
		if q.f.StateName != "" {
			pv.Scope = q.f.StateName
		}
	}
	pv.Tier = t.tier(q.f.Tier)
	pv.Printed = t.date(time.Now())
	if loads, err := h.opt.Places.LastLoads(q.r.Context()); err == nil {
		var last time.Time
		for _, at := range loads {
			if at.After(last) {
				last = at
			}
		}
		if !last.IsZero() {
			pv.DataDate = t.date(last)
		}
	}
	pv.Tiers = []option{{Value: "", Label: t.tier(""), Selected: q.f.Tier == ""}}
	for _, x := range tiers {
		pv.Tiers = append(pv.Tiers, option{Value: x, Label: t.tier(x), Selected: q.f.Tier == x})
	}
	if v.kind == "board" {
		if states, err := h.opt.Places.States(q.r.Context()); err == nil && len(states) > 1 {
			pv.States = []option{{Value: "", Label: t.tr("all_states"), Selected: q.f.State == ""}}
			for _, s := range states {
				pv.States = append(pv.States, option{Value: s.Code, Label: s.Name, Selected: q.f.State == s.Code})
			}
		}
	}
	h.html(w, http.StatusOK, "page.html", pv)
}
