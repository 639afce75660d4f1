package graph

//go:generate go run ../internal/metrics/schemagen -o catalog_gen.graphqls -docs ../docs/metrics.md
//go:generate go tool gqlgen generate
