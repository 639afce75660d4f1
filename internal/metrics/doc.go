// Package metrics owns the semantic catalog: every measure Camino computes
// (name, unit, formula in words, the dimensions it can be cut by, the SQL it
// compiles to) and every dimension, and the compiler that turns a query —
// measures, dimensions, filters, measure filters, order, limit — into one
// SELECT over the smallest rollup that can answer it (or the facts alone,
// the reference the rollups are tested against). The typed GraphQL fields,
// the analyst query, the CSV export, the goals and the dashboards all go
// through it, so a share or a gap is defined in one place.
//
// How a query compiles: each measure is a formula over base aggregates;
// each base comes from a source (staff by place and rank, enrollment,
// schools, year-to-year moves of people, promotion spells, members); each
// source's branch groups its relation by the query's dimensions with every
// base as a column; the branches are UNION ALLed, summed by dimension, and
// the formulas, HAVING, ORDER BY and LIMIT apply on top. Undefined values
// are nan in SQL and null in Go.
//
// It must never put a caller's value into SQL text: values are bound, and
// identifiers come from the catalog. It never decides access: the district
// scope arrives in the context (internal/scope) and every source applies
// it where it reads a table: a restricted scope reads its own districts, or,
// for a query with nothing finer than state, its own states' aggregates.
package metrics
