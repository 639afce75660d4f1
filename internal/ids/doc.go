// Package ids validates the identifiers clients send: state codes, NCES LEA
// and school ids, and the opaque page cursors of the API. A malformed id is
// an apperr.Invalid error naming the argument; a well-formed unknown id is
// not an error here (it resolves to null).
//
// It must never touch the warehouse.
package ids
