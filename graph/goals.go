package graph

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/camino-edu/camino/graph/model"
	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/ids"
	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
)

// Goals: validation of goal input, conversions, and the actual series of a
// goal through the metrics engine. The arithmetic of progress lives in
// internal/metrics (GoalProgressOf).

// Limits of a goal's fields.
const (
	goalTitleMax = 200
	goalMinYear  = 2000
	goalMaxYear  = 2100
	// goalMaxValue bounds baseline and target values: far above any count
	// of people or share a goal can be about, far below where float
	// arithmetic on them loses meaning.
	goalMaxValue = 1e9
)

// goalMeasureOf is the API value (the generated Measure enum) of a stored
// catalog name, and goalMeasureName the catalog name of an API value.
func goalMeasureOf(name string) model.Measure { return model.Measure(strings.ToUpper(name)) }

func goalMeasureName(m model.Measure) string { return strings.ToLower(string(m)) }

// goalScopeDims are the catalog dimensions that filter a goal's scope.
var goalScopeDims = map[model.GoalScope]string{model.GoalScopeState: metrics.GoalScopeDims[warehouse.ScopeState],
	model.GoalScopeDistrict: metrics.GoalScopeDims[warehouse.ScopeDistrict], model.GoalScopeSchool: metrics.GoalScopeDims[warehouse.ScopeSchool]}

var goalIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,100}$`)

// goalID checks a goal id argument.
func goalID(arg, id string) (string, error) {
	if !goalIDRE.MatchString(id) {
		return "", apperr.Errorf(apperr.Invalid, "%s: %q is not a goal id (letters, digits, - and _, at most 100)", arg, clipArg(id))
	}
	return id, nil
}

func clipArg(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

func goalOf(g warehouse.Goal) *model.Goal {
	out := &model.Goal{ID: g.ID, Title: g.Title, Measure: goalMeasureOf(g.Measure), Scope: model.GoalScope(strings.ToUpper(g.Scope)),
		ScopeID: g.ScopeID, BaselineYear: g.BaselineYear, BaselineValue: g.BaselineValue, TargetYear: g.TargetYear,
		TargetValue: g.TargetValue, Archived: g.Archived, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	if g.Tier != "" {
		t := model.Tier(strings.ToUpper(g.Tier))
		out.Tier = &t
	}
	return out
}

// goalFromInput validates a goal's input and returns its fields (no id, no
// timestamps). Every refused field is named in one Invalid error; the scope's
// existence is checked in the warehouse only when the rest of the scope is
// well formed.
func (r *Resolver) goalFromInput(ctx context.Context, in model.GoalInput) (warehouse.Goal, error) {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	g := warehouse.Goal{Title: strings.TrimSpace(in.Title), Measure: goalMeasureName(in.Measure),
		Scope: strings.ToLower(string(in.Scope)), BaselineYear: in.BaselineYear, BaselineValue: in.BaselineValue,
		TargetYear: in.TargetYear, TargetValue: in.TargetValue}

	switch n := utf8.RuneCountInString(g.Title); {
	case n == 0:
		bad("title: must not be empty")
	case n > goalTitleMax:
		bad("title: %d characters; at most %d", n, goalTitleMax)
	case strings.IndexFunc(g.Title, unicode.IsControl) >= 0:
		bad("title: must be one line of text without control characters")
	}

	// The measure must give one series by school year, filtered by the
	// goal's scope (and tier, when set).
	m, exists := metrics.LookupMeasure(g.Measure)
	if !exists {
		bad("measure: %q is not a measure of the catalog", clipArg(g.Measure))
	} else {
		if !m.AllowsDimension(metrics.DimSchoolYear) {
			bad("measure: %s cannot be counted by school year, so it cannot be tracked as a goal", g.Measure)
		}
		for _, d := range m.Requires {
			if d != metrics.DimSchoolYear {
				bad("measure: %s needs the %s dimension, so it is not one series a goal can track", g.Measure, d)
			}
		}
		if dim, ok := goalScopeDims[in.Scope]; ok && !m.AllowsDimension(dim) {
			bad("scope: measure %s cannot be filtered by %s", g.Measure, dim)
		}
	}
	if in.Tier != nil {
		if !in.Tier.IsValid() {
			bad("tier: %q is not one of SCHOOL, DISTRICT, STATE", clipArg(string(*in.Tier)))
		} else {
			g.Tier = strings.ToLower(string(*in.Tier))
			if exists && !m.AllowsDimension(metrics.DimTier) {
				bad("tier: measure %s cannot be cut by tier; omit tier", g.Measure)
			}
		}
	}

	scopeOK := true
	switch in.Scope {
	case model.GoalScopeState:
		g.ScopeID, scopeOK = checkID(ids.StateCode, in.ScopeID, bad)
	case model.GoalScopeDistrict:
		g.ScopeID, scopeOK = checkID(ids.District, in.ScopeID, bad)
	case model.GoalScopeSchool:
		g.ScopeID, scopeOK = checkID(ids.School, in.ScopeID, bad)
	default:
		scopeOK = false
		bad("scope: %q is not one of STATE, DISTRICT, SCHOOL", clipArg(string(in.Scope)))
	}

	yearsOK := true
	for _, y := range []struct {
		name string
		v    int
	}{{"baselineYear", in.BaselineYear}, {"targetYear", in.TargetYear}} {
		if y.v < goalMinYear || y.v > goalMaxYear {
			yearsOK = false
			bad("%s: %d is not a school year from %d to %d", y.name, y.v, goalMinYear, goalMaxYear)
		}
	}
	if yearsOK && in.TargetYear <= in.BaselineYear {
		bad("targetYear: %d must be after baselineYear (%d)", in.TargetYear, in.BaselineYear)
	}

	for _, v := range []struct {
		name string
		v    float64
	}{{"baselineValue", in.BaselineValue}, {"targetValue", in.TargetValue}} {
		switch {
		case math.IsNaN(v.v) || math.IsInf(v.v, 0):
			bad("%s: not a finite number", v.name)
		case v.v < 0:
			bad("%s: %g is negative; want a number of at least 0", v.name, v.v)
		case v.v > goalMaxValue:
			bad("%s: %g is larger than the largest goal value, %g", v.name, v.v, float64(goalMaxValue))
		}
	}

	if scopeOK {
		ok, err := r.GoalStore.ScopeExists(ctx, g.Scope, g.ScopeID)
		if err != nil {
			return warehouse.Goal{}, err
		}
		if !ok {
			bad("scopeId: no %s with id %q in the warehouse", g.Scope, g.ScopeID)
		}
	}
	if len(problems) > 0 {
		return warehouse.Goal{}, apperr.Errorf(apperr.Invalid, "%s", strings.Join(problems, "; "))
	}
	return g, nil
}

// checkID runs an id check under the argument name scopeId, reporting a
// refusal through bad.
func checkID(check func(arg, s string) (string, error), s string, bad func(string, ...any)) (string, bool) {
	id, err := check("scopeId", strings.TrimSpace(s))
	if err != nil {
		bad("%s", apperr.MessageOf(err))
		return "", false
	}
	return id, true
}

// goalNow is the time a goal is written, to the second as it is stored.
func goalNow() time.Time { return time.Now().UTC().Truncate(time.Second) }

// goalByID returns the goal or an error: NotFound when it does not exist.
func (r *Resolver) goalByID(ctx context.Context, id string) (warehouse.Goal, error) {
	id, err := goalID("id", id)
	if err != nil {
		return warehouse.Goal{}, err
	}
	return r.GoalStore.GoalByID(ctx, id)
}

// goalProgress computes a goal's progress over its actual series
// (metrics.GoalProgressFor: one metrics query, none without data).
func (r *Resolver) goalProgress(ctx context.Context, g *model.Goal) (*model.GoalProgress, error) {
	if r.Metrics == nil {
		return nil, apperr.Errorf(apperr.Unavailable, "goal progress is not available: no metrics engine")
	}
	spec := warehouse.Goal{Measure: goalMeasureName(g.Measure), Scope: strings.ToLower(string(g.Scope)), ScopeID: g.ScopeID,
		Tier: tierName(g.Tier), BaselineYear: g.BaselineYear, BaselineValue: g.BaselineValue,
		TargetYear: g.TargetYear, TargetValue: g.TargetValue}
	p, err := metrics.GoalProgressFor(ctx, r.Metrics, spec)
	if err != nil {
		return nil, err
	}
	return &model.GoalProgress{
		Actual: goalPoints(p.Actual), Target: g.TargetValue, LatestYear: p.LatestYear, LatestValue: p.LatestValue,
		PercentOfWay: p.PercentOfWay, ExpectedValue: p.ExpectedValue, Projection: goalPoints(p.Projection), ProjectedValue: p.ProjectedValue,
		OnTrack: p.OnTrack, GrowthNeededRate: p.GrowthNeededRate, GrowthNeededPerYear: p.GrowthNeededPerYear,
	}, nil
}

func goalPoints(ps []metrics.GoalPoint) []model.GoalPoint {
	out := make([]model.GoalPoint, len(ps))
	for i, p := range ps {
		out[i] = model.GoalPoint{Year: p.Year, Value: p.Value}
	}
	return out
}
