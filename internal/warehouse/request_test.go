package warehouse_test

import (
	"context"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// A query that answers a request runs read-only with its own memory and
// result bounds on the server: a write sent through it is refused by
// ClickHouse, and so is lowering readonly.
func TestRequestQueriesAreReadOnlyAndBounded(t *testing.T) {
	db := whtest.NewDB(t)
	tag := "readonly" + warehouse.NewID()
	ctx := warehouse.ForRequest(warehouse.WithTag(context.Background(), tag, "Op"))
	if _, err := db.States(ctx); err != nil {
		t.Fatal(err)
	}
	q := strings(t, db)
	var got []string
	for deadline := time.Now().Add(10 * time.Second); len(got) == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err := db.Conn().Exec(context.Background(), "SYSTEM FLUSH LOGS"); err != nil {
			t.Fatal(err)
		}
		got = q(`SELECT concat(toString(Settings.Values[indexOf(Settings.Names, 'readonly')]), '|',
			toString(Settings.Values[indexOf(Settings.Names, 'max_memory_usage')]), '|',
			toString(Settings.Values[indexOf(Settings.Names, 'max_result_bytes')]))
			FROM system.query_log WHERE query_id LIKE ? LIMIT 1`, tag+"-%")
	}
	if len(got) != 1 || got[0] != "2|4294967296|268435456" {
		t.Fatalf("settings of a request's query (readonly|max_memory_usage|max_result_bytes): %v", got)
	}

	table := db.Database() + ".readonly_probe_" + warehouse.NewID()
	each := func(driver.Rows) error { return nil }
	for _, sql := range []string{
		"CREATE TABLE " + table + " (a UInt8) ENGINE = Memory",
		"SELECT 1 SETTINGS readonly = 0",
	} {
		_, err := db.Select(ctx, "probe", sql, nil, each)
		if err == nil {
			t.Fatalf("%s: ran under a request's context", sql)
		}
	}
	_ = db.Conn().Exec(context.Background(), "DROP TABLE IF EXISTS "+table)
}
