// Package scope carries what one request may see, from the access layer
// that authenticates it to the places that build SQL and shape results: the
// districts a partner key is bound to, the states whose state-level
// aggregates it may compare itself with, the small-cell threshold, and
// whether the output is meant for publication.
//
// Who reads figures in full and who reads them suppressed (the audience)
// follows from those: a trusted role reads everything in full; a partner
// reads its own districts and their schools in full and everything about
// others (its states' aggregates, peers) suppressed; published output is
// suppressed whoever asks. See Audience.
//
// It decides nothing itself and imports nothing of ours. It must never be
// filled from a caller's input (a GraphQL argument, a header other than the
// authenticated key and the publication header the server reads): only
// internal/access and the server's request setup put a Scope in a context.
// A context without one is a trusted internal caller (the CLI, the
// benchmarks): it sees everything, unsuppressed.
package scope
