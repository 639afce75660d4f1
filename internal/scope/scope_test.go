package scope

import (
	"context"
	"testing"
)

func TestWithDropsMalformedIdsAndStaysRestricted(t *testing.T) {
	ctx := With(context.Background(), Scope{Districts: []string{"4900001", "49'; DROP", "4900001", ""},
		States: []string{"UT", "ut", "U'T"}, SuppressBelow: 10})
	s := From(ctx)
	if !s.Restricted() || len(s.Districts) != 1 || s.Districts[0] != "4900001" {
		t.Fatalf("districts %q", s.Districts)
	}
	if len(s.States) != 1 || s.States[0] != "UT" {
		t.Fatalf("states %q", s.States)
	}
	bad := From(With(context.Background(), Scope{Districts: []string{"x"}}))
	if !bad.Restricted() || len(bad.Districts) != 0 {
		t.Fatalf("a scope of only malformed ids must read nothing, got %+v", bad)
	}
	if From(context.Background()).Restricted() || From(context.Background()).Suppressed() {
		t.Fatal("no scope in the context is a trusted internal caller")
	}
}

func TestKeySeparatesWhatRequestsSee(t *testing.T) {
	keys := map[string]Scope{}
	for _, s := range []Scope{{}, {SuppressBelow: 10, Public: true}, {SuppressBelow: 5, Public: true}, {Districts: []string{}},
		{Districts: []string{"4900001"}, States: []string{"UT"}}, {Districts: []string{"4900002"}, States: []string{"UT"}},
		{Districts: []string{"4900001"}, States: []string{"UT"}, SuppressBelow: 10},
		{Districts: []string{"4900001"}, States: []string{"UT"}, SuppressBelow: 10, Public: true}} {
		k := From(With(context.Background(), s)).Key()
		if prev, ok := keys[k]; ok {
			t.Fatalf("%+v and %+v share the cache key %q", prev, s, k)
		}
		keys[k] = s
	}
}

func TestQuotedRefusesUncheckedIds(t *testing.T) {
	if got := Quoted([]string{"4900001", "UT"}); got != "'4900001', 'UT'" {
		t.Fatal(got)
	}
	defer func() {
		if recover() == nil {
			t.Fatal("an unchecked id reached SQL")
		}
	}()
	Quoted([]string{"1' OR 1=1"})
}

// The audience, not the role, decides suppression: a threshold alone
// suppresses nothing (a board or analyst request), a partner's scope
// suppresses what is about others, public output everything.
func TestAudienceDecidesSuppression(t *testing.T) {
	own := []string{"4900360"}
	for _, c := range []struct {
		s          Scope
		want       Audience
		suppressed bool
	}{
		{Scope{}, Full, false},
		{Scope{SuppressBelow: 10}, Full, false},
		{Scope{Public: true}, Full, false}, // no threshold: a trusted internal caller
		{Scope{SuppressBelow: 10, Public: true}, Public, true},
		{Scope{Districts: own, States: []string{"UT"}, SuppressBelow: 10}, Own, true},
		{Scope{Districts: own, States: []string{"UT"}, SuppressBelow: 10, Public: true}, Public, true},
	} {
		got := From(With(context.Background(), c.s))
		if got.Audience() != c.want || got.Suppressed() != c.suppressed {
			t.Errorf("%+v: audience %q suppressed %v, want %q %v", c.s, got.Audience(), got.Suppressed(), c.want, c.suppressed)
		}
	}
	if a, b := From(With(context.Background(), Scope{})).Key(), From(With(context.Background(), Scope{SuppressBelow: 10})).Key(); a != b {
		t.Errorf("a full request's cache key depends on the threshold: %q vs %q", a, b)
	}
}
