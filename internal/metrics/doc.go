// Package metrics owns the definitions of what Camino counts: measures,
// their formulas and how a series is assembled from warehouse counts. It is
// the one place a share or a gap is computed, used alike by the API and the
// dashboards.
//
// It must never format SQL with a caller's value, and never decide access:
// scope comes from the context and is applied where SQL is built.
package metrics
