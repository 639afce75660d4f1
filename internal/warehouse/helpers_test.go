package warehouse_test

import (
	"context"
	"testing"

	"github.com/camino-edu/camino/internal/warehouse"
)

// strings returns a function running plain SQL (written in the test) whose
// single column is a String, for independent checks.
func strings(t *testing.T, db *warehouse.DB) func(string, ...any) []string {
	return func(sql string, args ...any) []string {
		t.Helper()
		rows, err := db.Conn().Query(context.Background(), sql, args...)
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
}

// insertRows inserts literal rows into a table, failing the test on error.
func insertRows(t *testing.T, db *warehouse.DB, table string, rows ...[]any) {
	t.Helper()
	if _, err := db.Insert(context.Background(), table, func(add warehouse.AppendFunc) error {
		for _, r := range rows {
			if err := add(r...); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// live is the condition, written in the test from the journal's definition
// (docs/loads.md), that selects a table's live rows: for every part, the
// generation of its entry with the highest version.
func live(db *warehouse.DB, table string) string {
	return "gen IN (SELECT argMax(gen, version) FROM " + db.Database() + ".load_journal WHERE table_name = '" + table + "' GROUP BY part)"
}
