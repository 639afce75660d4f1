package server

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/camino-edu/camino/internal/access"
	"github.com/camino-edu/camino/internal/apperr"
)

// publicHeader asks for public output: small cells suppressed whatever the
// key's role (a partner's output always is).
const publicHeader = "X-Camino-Public"

// authenticated lets a request through only with a valid Bearer key, and
// puts its principal and scope in the context. Every failure is the same
// 401, GraphQL-shaped, whatever the reason. Rates are limited here too
// (ratelimit.go): failed authentications per client address, before the
// key is looked at, and requests per key, once it is known.
// keyCheckTimeout bounds one key lookup in the warehouse.
var keyCheckTimeout = 5 * time.Second

func authenticated(opt Options, auth *access.Authenticator, lim *limiters, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if opt.Unauthenticated {
			// The benchmark baseline: no key, no scope, no suppression, and
			// every field open (an admin's view).
			ctx := access.WithPrincipal(r.Context(), access.Principal{Role: access.RoleAdmin}, 0, false)
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		if !lim.allowAuthentication(w, r) {
			return
		}
		key, ok := bearer(r.Header.Get("Authorization"))
		if !ok {
			refuseUnauthenticated(w)
			return
		}
		// A hanging key store must not hold the request: the key check gets
		// its own bound and a timeout answers 503 like any store failure.
		actx, acancel := context.WithTimeout(r.Context(), keyCheckTimeout)
		p, err := auth.Authenticate(actx, key)
		acancel()
		if err != nil {
			if apperr.CodeOf(err) == apperr.Unauthenticated {
				refuseUnauthenticated(w)
				return
			}
			lim.authenticated(r) // not the client's failure
			opt.Log.Error("authentication failed", "err", err, "request_id", requestIDFrom(r.Context()))
			writeGraphQLError(w, http.StatusServiceUnavailable, string(apperr.Unavailable), "the key store is unavailable; try again")
			return
		}
		lim.authenticated(r)
		public := strings.EqualFold(r.Header.Get(publicHeader), "true")
		r = r.WithContext(access.WithPrincipal(r.Context(), p, opt.SuppressBelow, public))
		done, ok := admit(w, r, lim, p)
		if !ok {
			return
		}
		defer done()
		next.ServeHTTP(w, r)
	})
}

// admit is what follows a valid key, for the API and the dashboards alike:
// the audit line names the key, and the key's limits apply: rate, time
// budget and requests in flight (not ok: the refusal is written; ok: call
// done when the request ends).
func admit(w http.ResponseWriter, r *http.Request, lim *limiters, p access.Principal) (done func(), ok bool) {
	if a := auditFrom(r.Context()); a != nil {
		a.mu.Lock()
		a.keyID, a.role = p.KeyID, p.Role
		a.mu.Unlock()
	}
	return lim.admitKey(w, r, p.KeyID)
}

func refuseUnauthenticated(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="camino"`)
	writeGraphQLError(w, http.StatusUnauthorized, string(apperr.Unauthenticated),
		"missing, invalid, expired or revoked API key; send Authorization: Bearer <key> (create one with `camino keys create`)")
}

// bearer returns the key of an "Authorization: Bearer KEY" header.
func bearer(h string) (string, bool) {
	scheme, key, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	key = strings.TrimSpace(key)
	return key, key != "" && len(key) <= 200
}

// roleRules is the gqlgen extension that applies a key's role to a whole
// operation before any resolver runs: introspection only for analysts and
// admins, mutations only for admins.
type roleRules struct{ open bool }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = roleRules{}

func (roleRules) ExtensionName() string                   { return "RoleRules" }
func (roleRules) Validate(graphql.ExecutableSchema) error { return nil }

func (r roleRules) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if r.open {
		oc.DisableIntrospection = false
		return nil
	}
	p, ok := access.PrincipalFrom(ctx)
	oc.DisableIntrospection = !ok || (p.Role != access.RoleAnalyst && p.Role != access.RoleAdmin)
	if oc.Operation != nil && oc.Operation.Operation == ast.Mutation && (!ok || p.Role != access.RoleAdmin) {
		return &gqlerror.Error{Message: "only admin keys may change anything (mutations)",
			Extensions: map[string]any{"code": string(apperr.Forbidden)}}
	}
	return nil
}
