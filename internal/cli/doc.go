// Package cli owns camino's command line: subcommands, their flags and help,
// and the start-up sequence they share (configuration, a local ClickHouse
// when none is configured, the warehouse connection).
//
// It must never hold business logic: each command calls a package of
// internal/ and reports what happened in words a data steward understands.
package cli
