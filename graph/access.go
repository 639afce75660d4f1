package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/camino-edu/camino/graph/model"
	"github.com/camino-edu/camino/internal/access"
)

// NewSchema is the executable schema with its directives and field
// weights: the only way the server builds one, so a field's @allow (or
// a list's weight) cannot be left unwired.
func NewSchema(r *Resolver) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{Resolvers: r, Directives: DirectiveRoot{Allow: allow}, Complexity: complexity()})
}

// allow is the @allow directive: the field resolves only for keys of the
// listed roles.
func allow(ctx context.Context, _ any, next graphql.Resolver, roles []model.Role) (any, error) {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = strings.ToLower(string(r))
	}
	if err := access.Require(ctx, names...); err != nil {
		return nil, err
	}
	return next(ctx)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
