// Package access owns who may ask what: API keys (random, shown once,
// stored as a hash), their roles (board, partner, analyst, admin) and the
// districts a partner key is bound to.
//
// It must never store or log a key's secret, never tell a caller whether a
// key id exists (every failed authentication is the same "unauthenticated"
// error), and never decide scope in a resolver: the principal it returns
// travels in the context to where SQL is built.
package access
