package dashboards

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
)

// filters are a page's query string: the span of school years, the tier
// of the leader figures, the board's state, and the language. They are
// kept in every link between pages.
type filters struct {
	From, To int
	Tier     string // "" (every tier), school, district, state
	State    string // the board's state ("" every state)
	// StateName is the board state's name (for titles).
	StateName string
	Lang      string
	// Ranking is "all" when the ranking of districts draws every district
	// it ranks, not only the first.
	Ranking string
}

var tiers = []string{"school", "district", "state"}

var stateRE = regexp.MustCompile(`^[A-Z]{2}$`)

// badRequest is a filter or path the page refuses: a message key and its
// arguments, said in the reader's language on a 400 page.
type badRequest struct {
	key  string
	args []any
}

func bad(key string, args ...any) badRequest { return badRequest{key: key, args: args} }

func (b badRequest) Error() string { return b.in(text{lang: "en"}) }

// in is the refusal in t's language.
func (b badRequest) in(t text) string { return fmt.Sprintf(t.tr(b.key), b.args...) }

// parseFilters reads the query string, defaulting the span to the years
// with data (first..last; 0, 0 when the warehouse is empty). A value that
// is not one we know is refused, never guessed.
func parseFilters(r *http.Request, lang string, first, last int) (filters, error) {
	q := r.URL.Query()
	f := filters{From: first, To: last, Lang: lang}
	for _, name := range []string{"from", "to", "tier", "state", "lang", "ranking"} {
		if vs := q[name]; len(vs) > 1 || (len(vs) == 1 && len(vs[0]) > 40) {
			return f, bad("bad.once", name)
		}
	}
	year := func(name string, def int) (int, error) {
		s := q.Get(name)
		if s == "" {
			return def, nil
		}
		y, err := strconv.Atoi(s)
		if err != nil || y < first || y > last {
			return 0, bad("bad.year", name, s, first, last)
		}
		return y, nil
	}
	var err error
	if f.From, err = year("from", first); err != nil {
		return f, err
	}
	if f.To, err = year("to", last); err != nil {
		return f, err
	}
	if f.From > f.To {
		return f, bad("bad.span", f.From, f.To)
	}
	if t := q.Get("tier"); t != "" {
		if !slices.Contains(tiers, t) {
			return f, bad("bad.tier", t)
		}
		f.Tier = t
	}
	switch v := q.Get("ranking"); v {
	case "", "all":
		f.Ranking = v
	default:
		return f, bad("bad.ranking", v)
	}
	if s := q.Get("state"); s != "" {
		if !stateRE.MatchString(s) {
			return f, bad("bad.state", s)
		}
		f.State = s
	}
	return f, nil
}

// links builds the pages' URLs, keeping the filters the reader set (the
// defaults are left out, so a bookmark follows new data); here is the
// page's own path and boardState its board state.
type links struct {
	q                url.Values
	here, boardState string
}

func linksFor(r *http.Request, f filters) links {
	in := r.URL.Query()
	q := url.Values{}
	for _, k := range []string{"from", "to", "tier"} {
		if v := in.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	q.Set("lang", f.Lang)
	return links{q: q, here: r.URL.Path, boardState: f.State}
}

// self is the page itself with extra query values (key, value, …).
func (l links) self(extra ...string) string {
	return l.path(l.here, append([]string{"state", l.boardState}, extra...)...)
}

func (l links) path(p string, extra ...string) string {
	q := url.Values{}
	for k, v := range l.q {
		q[k] = v
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			q.Del(extra[i])
		} else {
			q.Set(extra[i], extra[i+1])
		}
	}
	if s := q.Encode(); s != "" {
		return p + "?" + s
	}
	return p
}

func (l links) board(state string) string { return l.path("/dashboards/board", "state", state) }
func (l links) state(code string) string  { return l.path("/dashboards/state/" + url.PathEscape(code)) }
func (l links) district(id string) string {
	return l.path("/dashboards/district/" + url.PathEscape(id))
}
func (l links) school(id string) string { return l.path("/dashboards/school/" + url.PathEscape(id)) }
