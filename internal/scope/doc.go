// Package scope carries what one request may see, from the access layer
// that authenticates it to the places that build SQL and shape results: the
// districts a partner key is bound to, the states whose state-level
// aggregates it may compare itself with, and the small-cell threshold below
// which counts are suppressed.
//
// It decides nothing itself and imports nothing of ours. It must never be
// filled from a caller's input (a GraphQL argument, a header other than the
// authenticated key): only internal/access and the server's request setup
// put a Scope in a context. A context without one is a trusted internal
// caller (the CLI, the benchmarks): it sees everything, unsuppressed.
package scope
