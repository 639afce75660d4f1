package whtest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/chlocal"
	"github.com/camino-edu/camino/internal/seed"
	"github.com/camino-edu/camino/internal/warehouse"
)

var addr string

// Main starts a local ClickHouse for the test binary, runs the tests and
// stops the server. Use it as: func TestMain(m *testing.M) { whtest.Main(m) }.
// CAMINO_TEST_CLICKHOUSE_ADDR points the tests at a running server instead.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if a := os.Getenv("CAMINO_TEST_CLICKHOUSE_ADDR"); a != "" {
		addr = a
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	srv, err := chlocal.Start(ctx, chlocal.Options{})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "whtest: cannot start ClickHouse:", err)
		return 1
	}
	defer srv.Stop()
	addr = srv.Addr()
	return m.Run()
}

// Addr is the test server's native address.
func Addr() string { return addr }

var nonIdent = regexp.MustCompile(`[^a-z0-9_]`)

// NewDB returns a handle on a new, migrated database that is dropped when
// the test ends.
func NewDB(t testing.TB) *warehouse.DB {
	t.Helper()
	db := OpenEmpty(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// OpenEmpty returns a handle on a database name of its own that does not
// exist yet; it is dropped when the test ends.
func OpenEmpty(t testing.TB) *warehouse.DB {
	t.Helper()
	if addr == "" {
		t.Fatal("whtest: no ClickHouse; call whtest.Main from TestMain")
	}
	name := strings.ToLower(t.Name())
	name = nonIdent.ReplaceAllString(name, "_")
	if len(name) > 30 {
		name = name[:30]
	}
	name = "t_" + name + "_" + warehouse.NewID()[:8]
	return Open(t, name)
}

// Open returns a handle on the named database (created by Migrate), dropped
// when the test ends.
func Open(t testing.TB, database string) *warehouse.DB {
	t.Helper()
	ctx := context.Background()
	db, err := warehouse.Open(ctx, warehouse.Config{Addr: addr, Database: database})
	if err != nil {
		t.Fatalf("open warehouse: %v", err)
	}
	t.Cleanup(func() {
		if os.Getenv("CAMINO_TEST_KEEP_DB") == "" {
			_ = db.DropDatabase(context.Background())
		}
		db.Close()
	})
	return db
}

var (
	utahOnce sync.Once
	utahDB   *warehouse.DB
	utahErr  error
)

// Utah returns a database of this test binary's server holding the Utah
// seed (school years 2014-2025), seeded once and shared by the tests that
// only read it (it goes with the temporary server).
func Utah(t testing.TB) *warehouse.DB {
	t.Helper()
	utahOnce.Do(func() {
		ctx := context.Background()
		utahDB, utahErr = warehouse.Open(ctx, warehouse.Config{Addr: Addr(), Database: "t_utah_" + warehouse.NewID()[:8]})
		if utahErr != nil {
			return
		}
		if _, utahErr = utahDB.Migrate(ctx); utahErr != nil {
			return
		}
		_, utahErr = seed.Run(ctx, utahDB, seed.Options{Profile: "utah", Seed: 1})
	})
	if utahErr != nil {
		t.Fatal(utahErr)
	}
	return utahDB
}
