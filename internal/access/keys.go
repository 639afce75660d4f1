package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/warehouse"
)

// Roles a key can have.
const (
	RoleBoard   = "board"
	RolePartner = "partner"
	RoleAnalyst = "analyst"
	RoleAdmin   = "admin"
)

// Roles lists the roles in the order the CLI shows them.
var Roles = []string{RoleBoard, RolePartner, RoleAnalyst, RoleAdmin}

// Store keeps keys; *warehouse.DB implements it.
type Store interface {
	SaveKey(ctx context.Context, k warehouse.APIKey) error
	Key(ctx context.Context, id string) (warehouse.APIKey, bool, error)
	Keys(ctx context.Context) ([]warehouse.APIKey, error)
	DistrictsByID(ctx context.Context, ids []string) ([]warehouse.District, error)
}

// A key reads "cmn_<id>_<secret>": the id (12 hex digits) finds the stored
// row, the secret (32 random bytes, base64url) is checked against its hash.
const keyPrefix = "cmn_"

var (
	keyRE      = regexp.MustCompile(`^cmn_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$`)
	keyIDRE    = regexp.MustCompile(`^[0-9a-f]{12}$`)
	districtRE = regexp.MustCompile(`^[0-9]{7}$`)
)

// NewKey is what Create returns: the secret key (shown once) and its row.
type NewKey struct {
	Secret string
	Key    warehouse.APIKey
}

// CreateOptions describe a key to create.
type CreateOptions struct {
	Role      string
	Districts []string // partner keys only, at least one
	Name      string
	ExpiresAt *time.Time
	// Public keys are for output that leaves the organisation (an embed, a
	// published page): everything they read is suppressed, whatever the role.
	Public bool
}

// Create makes a key, stores its hash and returns the secret once.
func Create(ctx context.Context, s Store, o CreateOptions, now time.Time) (NewKey, error) {
	if !slices.Contains(Roles, o.Role) {
		return NewKey{}, apperr.Errorf(apperr.Invalid, "role: %q is not one of %s", clip(o.Role), strings.Join(Roles, ", "))
	}
	if o.Role == RolePartner && len(o.Districts) == 0 {
		return NewKey{}, apperr.Errorf(apperr.Invalid, "district: a partner key needs at least one district (--district LEA_ID)")
	}
	if o.Role != RolePartner && len(o.Districts) > 0 {
		return NewKey{}, apperr.Errorf(apperr.Invalid, "district: only partner keys are bound to districts; a %s key sees everything its role allows", o.Role)
	}
	if o.Public && o.Role == RoleAdmin {
		return NewKey{}, apperr.Errorf(apperr.Invalid, "public: an admin key changes things and is never published; make a board, partner or analyst key public")
	}
	if len(o.Districts) > 100 {
		return NewKey{}, apperr.Errorf(apperr.Invalid, "district: at most 100 districts per key")
	}
	districts := slices.Clone(o.Districts)
	slices.Sort(districts)
	districts = slices.Compact(districts)
	for _, d := range districts {
		if !districtRE.MatchString(d) {
			return NewKey{}, apperr.Errorf(apperr.Invalid, "district: %q is not a 7-digit NCES district (LEA) id", clip(d))
		}
	}
	if len(districts) > 0 {
		found, err := s.DistrictsByID(ctx, districts)
		if err != nil {
			return NewKey{}, err
		}
		for _, d := range districts {
			if !slices.ContainsFunc(found, func(f warehouse.District) bool { return f.ID == d }) {
				return NewKey{}, apperr.Errorf(apperr.Invalid, "district: %s is not in the warehouse", d)
			}
		}
	}
	if !utf8.ValidString(o.Name) || utf8.RuneCountInString(o.Name) > 100 || strings.ContainsAny(o.Name, "\x00\n\r") {
		return NewKey{}, apperr.Errorf(apperr.Invalid, "name: want one line of at most 100 characters")
	}
	if o.ExpiresAt != nil && !o.ExpiresAt.After(now) {
		return NewKey{}, apperr.Errorf(apperr.Invalid, "expires: %s is not in the future", o.ExpiresAt.UTC().Format(time.RFC3339))
	}
	var id [6]byte
	var secret [32]byte
	if _, err := rand.Read(id[:]); err != nil {
		return NewKey{}, err
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return NewKey{}, err
	}
	s64 := base64.RawURLEncoding.EncodeToString(secret[:])
	k := warehouse.APIKey{ID: hex.EncodeToString(id[:]), Name: o.Name, Role: o.Role, Districts: districts,
		SecretHash: hashSecret(s64), CreatedAt: now.UTC().Truncate(time.Second), ExpiresAt: o.ExpiresAt, Public: o.Public}
	if k.Districts == nil {
		k.Districts = []string{}
	}
	if err := s.SaveKey(ctx, k); err != nil {
		return NewKey{}, err
	}
	return NewKey{Secret: keyPrefix + k.ID + "_" + s64, Key: k}, nil
}

func hashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Principal is who a request acts for.
type Principal struct {
	KeyID     string
	Role      string
	Districts []string // partner scope
	States    []string // the states of Districts
	// Public: the key was created public, so all it reads is suppressed.
	Public bool
}

var errUnauthenticated = apperr.Errorf(apperr.Unauthenticated, "missing, invalid, expired or revoked API key; send Authorization: Bearer <key>")

// Authenticate checks a key. Every failure is the same error, whatever the
// reason, so a caller cannot probe which key ids exist.
func Authenticate(ctx context.Context, s Store, key string, now time.Time) (Principal, error) {
	p, _, err := authenticate(ctx, s, key, now)
	return p, err
}

// authenticate is Authenticate that also returns when the key expires.
func authenticate(ctx context.Context, s Store, key string, now time.Time) (Principal, *time.Time, error) {
	m := keyRE.FindStringSubmatch(key)
	if m == nil {
		return Principal{}, nil, errUnauthenticated
	}
	k, ok, err := s.Key(ctx, m[1])
	if err != nil {
		return Principal{}, nil, err
	}
	if !ok || subtle.ConstantTimeCompare([]byte(hashSecret(m[2])), []byte(k.SecretHash)) != 1 {
		return Principal{}, nil, errUnauthenticated
	}
	if k.RevokedAt != nil || (k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)) {
		return Principal{}, nil, errUnauthenticated
	}
	p := Principal{KeyID: k.ID, Role: k.Role, Districts: k.Districts, Public: k.Public}
	if len(k.Districts) > 0 {
		ds, err := s.DistrictsByID(ctx, k.Districts)
		if err != nil {
			return Principal{}, nil, err
		}
		for _, d := range ds {
			if !slices.Contains(p.States, d.StateCode) {
				p.States = append(p.States, d.StateCode)
			}
		}
		slices.Sort(p.States)
	}
	return p, k.ExpiresAt, nil
}

// Revoke marks a key revoked from now on.
func Revoke(ctx context.Context, s Store, id string, now time.Time) error {
	if !keyIDRE.MatchString(id) {
		return apperr.Errorf(apperr.Invalid, "key id: %q is not a key id (12 hex digits, as `camino keys list` shows)", clip(id))
	}
	k, ok, err := s.Key(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Errorf(apperr.NotFound, "key id: no key %s", id)
	}
	if k.RevokedAt != nil {
		return nil
	}
	t := now.UTC().Truncate(time.Second)
	k.RevokedAt = &t
	return s.SaveKey(ctx, k)
}

func clip(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
