package ids

import (
	"strings"
	"testing"

	"github.com/camino-edu/camino/internal/apperr"
)

func TestValidation(t *testing.T) {
	good := []func() error{
		func() error { _, err := StateCode("code", "ut"); return err },
		func() error { _, err := District("id", "4900870"); return err },
		func() error { _, err := School("id", "490087000123"); return err },
		func() error { _, err := Search("search", "Salt Lake"); return err },
	}
	for i, f := range good {
		if err := f(); err != nil {
			t.Errorf("good %d: %v", i, err)
		}
	}
	bad := map[string]func() error{
		"state 3 letters":  func() error { _, err := StateCode("code", "UTA"); return err },
		"state injection":  func() error { _, err := StateCode("code", "U'"); return err },
		"district letters": func() error { _, err := District("id", "49008x0"); return err },
		"district short":   func() error { _, err := District("id", "490087"); return err },
		"district sql":     func() error { _, err := District("id", "1' OR 1=1 --"); return err },
		"school 11":        func() error { _, err := School("id", "49008700012"); return err },
		"school huge":      func() error { _, err := School("id", strings.Repeat("9", 100000)); return err },
		"search long":      func() error { _, err := Search("search", strings.Repeat("a", 101)); return err },
		"search bad utf8":  func() error { _, err := Search("search", "\xff\xfe"); return err },
		"search nul":       func() error { _, err := Search("search", "a\x00b"); return err },
		"first negative":   func() error { n := -1; _, err := First("first", &n, 50); return err },
		"first too big":    func() error { n := 1000000; _, err := First("first", &n, 50); return err },
	}
	for name, f := range bad {
		err := f()
		if apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("%s: err = %v, want invalid", name, err)
		}
		if len(apperr.MessageOf(err)) > 200 {
			t.Errorf("%s: message too long (%d bytes): hostile input echoed", name, len(apperr.MessageOf(err)))
		}
	}
}

func TestCursorRoundTripAndRefusals(t *testing.T) {
	c := Cursor{Name: "Salt Lake City", ID: "4900870"}
	enc := EncodeCursor("district", c)
	if enc != EncodeCursor("district", c) {
		t.Fatal("cursor not stable")
	}
	if strings.Contains(enc, "Salt") || strings.Contains(enc, "4900870") {
		t.Fatalf("cursor %q is not opaque", enc)
	}
	got, err := DecodeCursor("after", "district", enc)
	if err != nil || got != c {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
	for _, s := range []string{"", "abc", "!!!", EncodeCursor("school", c), strings.Repeat("A", 5000)} {
		if _, err := DecodeCursor("after", "district", s); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("cursor %.20q: err = %v, want invalid", s, err)
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(EncodeCursor("district", Cursor{"a", "1"}))
	f.Add("djEAZGlzdHJpY3QA")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := DecodeCursor("after", "district", s)
		if err == nil && EncodeCursor("district", c) == "" {
			t.Fatal("decoded cursor does not re-encode")
		}
	})
}
