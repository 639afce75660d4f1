package warehouse

import "context"

// SlowQueryForTest runs a query that would take a minute, through the same
// guarded path as every query.
func SlowQueryForTest(ctx context.Context, d *DB) error {
	rows, err := d.query(ctx, "slow_for_test", "SELECT sleepEachRow(0.5) FROM system.numbers LIMIT 120 SETTINGS max_block_size = 1")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}
