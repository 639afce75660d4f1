package graph

import (
	"context"
	"log/slog"

	"github.com/camino-edu/camino/internal/metrics"
	"github.com/camino-edu/camino/internal/warehouse"
)

// Geography is what root resolvers fetch directly (nested fields go through
// loaders). *warehouse.DB implements it.
type Geography interface {
	States(ctx context.Context) ([]warehouse.State, error)
	Districts(ctx context.Context, f warehouse.DistrictFilter, after *warehouse.Keyset, limit int) ([]warehouse.District, error)
}

// Goals stores the board's goals. *warehouse.DB implements it.
type Goals interface {
	ListGoals(ctx context.Context, includeArchived bool) ([]warehouse.Goal, error)
	GoalByID(ctx context.Context, id string) (warehouse.Goal, error)
	SaveGoal(ctx context.Context, g warehouse.Goal) error
	ScopeExists(ctx context.Context, scope, id string) (bool, error)
}

// Metrics runs catalog queries (a goal's actual series). *metrics.Engine
// implements it.
type Metrics interface {
	Run(ctx context.Context, q metrics.Query) (*metrics.Result, error)
	// DataYears is the first and last school year with data (0, 0: none).
	DataYears(ctx context.Context) (first, last int, err error)
	Ladder(ctx context.Context) (metrics.Ladder, error)
	Peers(ctx context.Context, leaID, state, locale string, year int) (metrics.PeerGroup, error)
}

// Resolver holds the resolvers' dependencies. Resolvers stay thin: they
// validate arguments, call a service or a loader, and convert types.
type Resolver struct {
	Geo       Geography
	GoalStore Goals
	Metrics   Metrics
	Log       *slog.Logger
	// SuppressBelow is the small-cell threshold (shown by `me`).
	SuppressBelow int
}
