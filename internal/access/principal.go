package access

import (
	"context"
	"crypto/sha256"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/scope"
)

type principalKey struct{}

// WithPrincipal returns ctx acting for p, with the scope p's role allows
// and the audience its figures are for (scope.Audience): a partner reads
// its districts in full and its states' aggregates (and peers) suppressed;
// any other role reads everything in full. Output meant for publication —
// public set (the X-Camino-Public header) or a key created public — is
// suppressed whoever asks. suppressBelow is the small-cell threshold.
func WithPrincipal(ctx context.Context, p Principal, suppressBelow int, public bool) context.Context {
	ctx = context.WithValue(ctx, principalKey{}, p)
	s := scope.Scope{Public: public || p.Public}
	if p.Role == RolePartner {
		s.Districts = append([]string{}, p.Districts...)
		s.States = append([]string{}, p.States...)
	}
	if s.Public || p.Role == RolePartner {
		s.SuppressBelow = suppressBelow
	}
	return scope.With(ctx, s)
}

// PrincipalFrom returns who ctx acts for; ok is false for an
// unauthenticated context.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Require refuses ctx unless it acts for one of roles.
func Require(ctx context.Context, roles ...string) error {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return errUnauthenticated
	}
	if !slices.Contains(roles, p.Role) {
		return apperr.Errorf(apperr.Forbidden, "a %s key may not do this (it needs one of: %s)", p.Role, strings.Join(roles, ", "))
	}
	return nil
}

// Authenticator checks keys, remembering a valid key for a short while so
// that a request does not cost a warehouse lookup. A revoked or expired
// key stops working within TTL.
type Authenticator struct {
	Store Store
	TTL   time.Duration // default 10 s
	Now   func() time.Time

	mu    sync.Mutex
	cache map[[32]byte]cached
}

type cached struct {
	p     Principal
	until time.Time
}

// maxCached bounds the cache; past it, it starts over.
const maxCached = 10000

// Authenticate checks key like the package-level Authenticate.
func (a *Authenticator) Authenticate(ctx context.Context, key string) (Principal, error) {
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	// Keyed by a hash of the whole key: a good id with a wrong secret is
	// never a hit.
	h := sha256.Sum256([]byte(key))
	a.mu.Lock()
	c, ok := a.cache[h]
	a.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.p, nil
	}
	p, expires, err := authenticate(ctx, a.Store, key, now)
	if err != nil {
		return Principal{}, err
	}
	ttl := a.TTL
	if ttl == 0 {
		ttl = 10 * time.Second
	}
	until := now.Add(ttl)
	if expires != nil && expires.Before(until) {
		until = *expires
	}
	a.mu.Lock()
	if a.cache == nil || len(a.cache) >= maxCached {
		a.cache = map[[32]byte]cached{}
	}
	a.cache[h] = cached{p: p, until: until}
	a.mu.Unlock()
	return p, nil
}
