// Package apperr owns Camino's one application error type: an error with a
// code (invalid, not_found, forbidden, unauthenticated, unavailable, internal)
// and a message that is safe to show a client.
//
// Every layer wraps causes with %w; the GraphQL error presenter and the HTTP
// handlers read the code with CodeOf. It must never carry secrets or raw
// ClickHouse messages in Message: those belong in the wrapped cause, which is
// logged, never shown.
package apperr
