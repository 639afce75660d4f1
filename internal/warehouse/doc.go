// Package warehouse owns Camino's ClickHouse: the connection, the embedded
// migrations, the rebuild of derived tables, and typed query functions.
//
// It is the only package that writes SQL (with internal/metrics, which
// compiles the catalog into SQL that runs through here). Every query it sends
// carries guardrails: a context deadline, max_execution_time, a query_id that
// can be KILLed, and a comment naming the operation that asked.
//
// It must never interpolate a caller's value into SQL: values are bound with
// ? placeholders (lists with col IN (SELECT arrayJoin(?))); identifiers (database, table,
// column names) come only from Go constants or are validated against a strict
// pattern at Open. It must run on ClickHouse 18.16 and current releases:
// native protocol, column lists in every INSERT, no window functions.
package warehouse
