package scope

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Scope is what a request may see.
type Scope struct {
	// Districts, when not nil, are the only districts whose rows (and
	// schools' rows) the request may read; an empty non-nil list reads
	// nothing below state level.
	Districts []string
	// States are the states whose state-level aggregates a restricted
	// request may read for comparison (those of its districts).
	States []string
	// SuppressBelow is the small-cell threshold of suppressed output; 0
	// (a trusted internal caller) suppresses nothing.
	SuppressBelow int
	// Public marks output meant for publication (the X-Camino-Public
	// header, a key created public): every figure is suppressed, whoever
	// asks, the request's own districts included.
	Public bool
}

// Audience says which figures of a request are suppressed.
type Audience string

const (
	// Full: every figure in full (board, analyst and admin keys, not public).
	Full Audience = "full"
	// Own: a partner's own districts and their schools in full; every
	// figure about others (its states' aggregates, peers) suppressed.
	Own Audience = "own"
	// Public: published output, every figure suppressed.
	Public Audience = "public"
)

// Audience is who the request's figures are for.
func (s Scope) Audience() Audience {
	switch {
	case s.SuppressBelow > 0 && s.Public:
		return Public
	case s.Restricted():
		return Own
	}
	return Full
}

// Restricted reports whether the request is bound to some districts.
func (s Scope) Restricted() bool { return s.Districts != nil }

// Suppressed reports whether some figures of the request may be suppressed:
// published output, or a partner's figures about others.
func (s Scope) Suppressed() bool { return s.SuppressBelow > 0 && s.Audience() != Full }

// Key identifies the scope in a cache key: two requests share cached
// results only when they would see exactly the same rows, suppressed the
// same way.
func (s Scope) Key() string {
	if !s.Restricted() && !s.Suppressed() {
		return "all"
	}
	var b strings.Builder
	if s.Restricted() {
		b.WriteString("d=" + strings.Join(s.Districts, ",") + ";s=" + strings.Join(s.States, ","))
	} else {
		b.WriteString("all")
	}
	b.WriteString(";k=" + strconv.Itoa(s.SuppressBelow))
	if s.Public {
		b.WriteString(";public")
	}
	return b.String()
}

type key struct{}

// ids are what a scope may hold: they are also written into SQL as
// literals by the warehouse, so nothing else passes.
var (
	districtRE = regexp.MustCompile(`^[0-9]{7}$`)
	stateRE    = regexp.MustCompile(`^[A-Z]{2}$`)
)

// With returns ctx carrying s. Ids that are not well-formed district ids
// or state codes are dropped (a restricted scope stays restricted: it can
// only lose rows).
func With(ctx context.Context, s Scope) context.Context {
	if s.Restricted() {
		s.Districts = valid(s.Districts, districtRE)
		s.States = valid(s.States, stateRE)
	} else {
		s.States = nil
	}
	return context.WithValue(ctx, key{}, s)
}

func valid(ids []string, re *regexp.Regexp) []string {
	out := []string{}
	for _, id := range ids {
		if re.MatchString(id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// From returns the scope in ctx; without one, everything, unsuppressed.
func From(ctx context.Context) Scope {
	s, _ := ctx.Value(key{}).(Scope)
	return s
}

// Quoted returns ids as SQL string literals joined by commas. The ids were
// checked by With (digits or capital letters only), so they need no
// escaping; anything else panics rather than reach SQL.
func Quoted(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		if !districtRE.MatchString(id) && !stateRE.MatchString(id) {
			panic("scope: unchecked id in SQL: " + strconv.Quote(id))
		}
		parts[i] = "'" + id + "'"
	}
	return strings.Join(parts, ", ")
}
