// Package chlocal starts and stops a local clickhouse-server as a child
// process: its own generated config, data directory and free loopback ports.
//
// `camino serve` uses it when no ClickHouse address is configured (data kept
// under ./.camino/clickhouse), and the test harness starts one per test binary.
//
// It owns only the process and its files. It must never create databases or
// tables (that is internal/warehouse) and never listen on anything but
// loopback.
package chlocal
