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
	for _, s := range []Scope{{}, {SuppressBelow: 10}, {SuppressBelow: 5}, {Districts: []string{}},
		{Districts: []string{"4900001"}, States: []string{"UT"}}, {Districts: []string{"4900002"}, States: []string{"UT"}},
		{Districts: []string{"4900001"}, States: []string{"UT"}, SuppressBelow: 10}} {
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
