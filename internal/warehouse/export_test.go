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

// DieWhileSwappingForTest does what Commit does up to the journal entry,
// swaps the first swaps partitions and stops there, as a load killed while
// swapping would.
func DieWhileSwappingForTest(ctx context.Context, l *Load, swaps int) error {
	l.done = true
	c, err := l.journalled(ctx)
	if err != nil {
		return err
	}
	for _, p := range c.parts[:swaps] {
		if err := l.d.swap(ctx, l.kind, *c, p); err != nil {
			return err
		}
	}
	return nil
}
