// Package bench owns `camino bench`: end-to-end measurements that print
// ratios measured side by side in one run (GraphQL over HTTP against the same
// SQL sent directly through clickhouse-go), and rewrites BENCHMARKS.md with
// the results and the machine they ran on.
//
// It starts its own local ClickHouse in a temporary directory (the
// dashboard-query section may keep its national warehouse in a directory
// given with --metrics-data-dir, to reuse the seed between runs). It must never
// be imported by the serving code, and never assert a timing: it reports.
package bench
