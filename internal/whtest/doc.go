// Package whtest is the test harness for anything that touches data: one
// real clickhouse-server per test binary (started with internal/chlocal in
// TestMain), and a fresh, migrated database per test, dropped at cleanup.
//
// It must never be imported by non-test code, and never fake the warehouse.
package whtest
