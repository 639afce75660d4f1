// Package server owns camino's HTTP wiring: routes (/graphql, the GraphiQL
// page at /, /healthz, /readyz, local front-end assets), middleware (request
// id, body limits, authentication, rate limits per key and per address,
// per-request loaders, query tagging, logging), the gqlgen handler with its
// limits, trusted documents and error presenter, and graceful shutdown.
//
// It must never compute a figure or write SQL (that is internal/metrics and
// internal/warehouse), never fetch assets from outside the process, and never
// show an internal or ClickHouse message to a client.
package server
