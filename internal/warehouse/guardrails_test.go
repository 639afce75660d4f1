package warehouse_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/warehouse"
	"github.com/camino-edu/camino/internal/whtest"
)

// loggedQuery returns "query_id|leading comment|max_execution_time" of the
// query whose id starts with prefix, from system.query_log.
func loggedQuery(t *testing.T, db *warehouse.DB, prefix string) string {
	t.Helper()
	q := strings(t, db)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err := db.Conn().Exec(context.Background(), "SYSTEM FLUSH LOGS"); err != nil {
			t.Fatal(err)
		}
		got := q(`SELECT concat(query_id, '|', substring(query, 1, position(query, '*/') + 1), '|',
			toString(Settings.Values[indexOf(Settings.Names, 'max_execution_time')]))
			FROM system.query_log WHERE query_id LIKE ? LIMIT 1`, prefix+"-%")
		if len(got) == 1 {
			return got[0]
		}
	}
	t.Fatalf("no logged query %s-*", prefix)
	return ""
}

func TestEveryQueryIsTaggedAndBounded(t *testing.T) {
	db := whtest.NewDB(t)
	ctx := warehouse.WithTag(context.Background(), "guardreq", "Districts */ DROP TABLE x; /*")
	ctx, cancel := context.WithTimeout(ctx, 7*time.Second)
	defer cancel()
	if _, err := db.States(ctx); err != nil {
		t.Fatal(err)
	}
	// The id is request-N; the operation name is sanitised (no '*': it cannot
	// close the comment); the server's limit follows the 7 s deadline (the
	// driver adds 5 s of slack; our KILL at the deadline is exact).
	if got, want := loggedQuery(t, db, "guardreq"), "guardreq-1|/* camino states op=Districts _/ DROP TABLE x_ /_ */|11"; got != want {
		t.Fatalf("query_log = %q\nwant        %q", got, want)
	}

	// A caller's deadline longer than the cap does not lift the cap.
	capped, err := warehouse.Open(context.Background(), warehouse.Config{Addr: whtest.Addr(), Database: db.Database(), MaxExecutionTime: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer capped.Close()
	long, cancel2 := context.WithTimeout(warehouse.WithTag(context.Background(), "capreq", "x"), time.Hour)
	defer cancel2()
	if _, err := capped.States(long); err != nil {
		t.Fatal(err)
	}
	if got, want := loggedQuery(t, db, "capreq"), "capreq-1|/* camino states op=x */|7"; got != want {
		t.Fatalf("capped query_log = %q, want %q", got, want)
	}
}

func TestCancelledQueryIsKilledOnTheServer(t *testing.T) {
	db := whtest.NewDB(t)
	ctx, cancel := context.WithTimeout(warehouse.WithTag(context.Background(), "killreq", "slow"), 300*time.Millisecond)
	defer cancel()
	err := warehouse.SlowQueryForTest(ctx, db)
	if apperr.CodeOf(err) != apperr.Unavailable || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want unavailable wrapping the deadline", err)
	}
	q := strings(t, db)
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if n := q("SELECT toString(count()) FROM system.processes WHERE query_id LIKE 'killreq-%'"); n[0] == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cancelled query is still running on the server after 3 s")
		}
	}
}
