package ids

import (
	"encoding/base64"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/camino-edu/camino/internal/apperr"
)

var (
	stateRE    = regexp.MustCompile(`^[A-Z]{2}$`)
	districtRE = regexp.MustCompile(`^[0-9]{7}$`)
	schoolRE   = regexp.MustCompile(`^[0-9]{12}$`)
)

// StateCode normalises a two-letter postal code (ut → UT) or refuses it.
func StateCode(arg, s string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if !stateRE.MatchString(u) {
		return "", apperr.Errorf(apperr.Invalid, "%s: %q is not a two-letter state code (e.g. UT)", arg, clip(s))
	}
	return u, nil
}

// District checks a 7-digit NCES LEA id.
func District(arg, s string) (string, error) {
	if !districtRE.MatchString(s) {
		return "", apperr.Errorf(apperr.Invalid, "%s: %q is not a 7-digit NCES district (LEA) id", arg, clip(s))
	}
	return s, nil
}

// School checks a 12-digit NCES school id.
func School(arg, s string) (string, error) {
	if !schoolRE.MatchString(s) {
		return "", apperr.Errorf(apperr.Invalid, "%s: %q is not a 12-digit NCES school id", arg, clip(s))
	}
	return s, nil
}

// MaxSearch is the longest name search accepted.
const MaxSearch = 100

// Search checks a free-text name search.
func Search(arg, s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxSearch || strings.ContainsRune(s, 0) {
		return "", apperr.Errorf(apperr.Invalid, "%s: want valid text of at most %d characters", arg, MaxSearch)
	}
	return s, nil
}

// Cursor is a position in a list ordered by (name, id).
type Cursor struct{ Name, ID string }

// EncodeCursor makes an opaque cursor for kind ("district", "school").
// Cursors are stable: the same row always gives the same cursor.
func EncodeCursor(kind string, c Cursor) string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1\x00" + kind + "\x00" + c.Name + "\x00" + c.ID))
}

// DecodeCursor reads a cursor of kind, refusing anything else clearly.
func DecodeCursor(arg, kind, s string) (Cursor, error) {
	bad := apperr.Errorf(apperr.Invalid, "%s: %q is not a cursor of this list (pass an endCursor or cursor the API returned)", arg, clip(s))
	if len(s) > 1024 {
		return Cursor{}, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !utf8.Valid(raw) {
		return Cursor{}, bad
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 4 || parts[0] != "v1" || parts[1] != kind {
		return Cursor{}, bad
	}
	return Cursor{Name: parts[2], ID: parts[3]}, nil
}

// MaxFirst is the largest page size a list accepts.
const MaxFirst = 500

// First checks a page size (nil means def).
func First(arg string, first *int, def int) (int, error) {
	if first == nil {
		return def, nil
	}
	if *first < 0 || *first > MaxFirst {
		return 0, apperr.Errorf(apperr.Invalid, "%s: %d is out of range; want 0 to %d", arg, *first, MaxFirst)
	}
	return *first, nil
}

func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
