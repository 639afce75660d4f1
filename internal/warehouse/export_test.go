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

// DieBeforePublishingForTest does all of Commit's work but the journal
// insert, then stops as a load killed there would: its lease lapses (it is
// released here, as the death of its process would make it).
func DieBeforePublishingForTest(ctx context.Context, l *Load) error {
	l.done = true
	lk, err := l.d.lockWrites(ctx, "test")
	if err != nil {
		return err
	}
	defer lk.release(ctx)
	snap, err := l.d.snapshotAt(ctx, 0)
	if err != nil {
		return err
	}
	entries, _, years, err := l.build(ctx, snap)
	if err != nil {
		return err
	}
	if _, err := l.d.buildRollups(ctx, l, snap.with(entries), years); err != nil {
		return err
	}
	l.lease.release(ctx)
	return nil
}

// AbandonForTest ends a load as the death of its process would: nothing is
// committed or dropped, and its lease lapses.
func AbandonForTest(ctx context.Context, l *Load) {
	l.done = true
	l.lease.release(ctx)
}
