package warehouse

import "context"

// DataYears returns the first and last school year with staffing or
// enrollment data, or ok=false on an empty warehouse. It reads the district
// rollup (a few rows per district-year): at national scale a scan of a
// person-level table here cost ~100 ms on every request.
func (d *DB) DataYears(ctx context.Context) (first, last int, ok bool, err error) {
	live, err := d.live(ctx, "district_rollup")
	if err != nil {
		return 0, 0, false, err
	}
	rows, err := d.query(ctx, "data_years", "SELECT min(school_year), max(school_year), count() FROM "+d.metadataOf("district_rollup")+
		" WHERE "+live)
	if err != nil {
		return 0, 0, false, err
	}
	defer rows.Close()
	var lo, hi uint16
	var n uint64
	for rows.Next() {
		if err := rows.Scan(&lo, &hi, &n); err != nil {
			return 0, 0, false, err
		}
	}
	return int(lo), int(hi), n > 0, rows.Err()
}
