package graph

import (
	"context"
	"log/slog"

	"github.com/camino-edu/camino/internal/warehouse"
)

// Geography is what root resolvers fetch directly (nested fields go through
// loaders). *warehouse.DB implements it.
type Geography interface {
	States(ctx context.Context) ([]warehouse.State, error)
	Districts(ctx context.Context, f warehouse.DistrictFilter, after *warehouse.Keyset, limit int) ([]warehouse.District, error)
}

// Resolver holds the resolvers' dependencies. Resolvers stay thin: they
// validate arguments, call a service or a loader, and convert types.
type Resolver struct {
	Geo Geography
	Log *slog.Logger
}
