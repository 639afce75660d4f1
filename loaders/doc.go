// Package loaders owns the per-request dataloaders: sibling lookups (a
// school's district, a district's state) and sibling metric fetches (the
// leadership series of every district in a list) are batched into one SQL
// query each.
//
// Loaders are built per request by Middleware and found with For(ctx). A
// batch is sent after a millisecond without a new key (at most 100 ms after
// its first) or at 1,000 keys: see Loader. Root resolvers prime the caches with
// what they fetched. This package must never hold state across requests
// (that would serve one caller's rows to another) and never write SQL: it
// calls the warehouse's typed functions through the Source interface.
package loaders
