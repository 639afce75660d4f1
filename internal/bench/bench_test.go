package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileReplacesOnlyTheResults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	before := "# Benchmarks\n\nHand-written intro.\n\n<!-- bench:begin -->\nold table\n<!-- bench:end -->\n\nHand-written notes.\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, "| new | table |\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "# Benchmarks\n\nHand-written intro.\n\n<!-- bench:begin -->\n| new | table |\n<!-- bench:end -->\n\nHand-written notes.\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// A file without markers (or none at all) gets a fresh results section.
	fresh := filepath.Join(t.TempDir(), "B.md")
	if err := WriteFile(fresh, "| t |\n"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(fresh); !strings.Contains(string(b), "<!-- bench:begin -->\n| t |\n<!-- bench:end -->") {
		t.Fatalf("fresh file = %s", b)
	}
}

func TestDashboardTableMarksMissedTargets(t *testing.T) {
	rows, n := metricsRowsRead([]loggedQuery{{name: "metrics", readRows: 40}, {name: "data_years", readRows: 1000}, {name: "metrics", readRows: 2}})
	if rows != 42 || n != 2 {
		t.Fatalf("metricsRowsRead = %d, %d; want 42, 2 (catalog statements only)", rows, n)
	}
	table := dashboardTable([]dashboardResult{
		{c: dashboardCase{name: "fast state", level: "state"}, gql: 110, direct: 100, sqls: 3, rollupRows: 10, factsRows: 1000},
		{c: dashboardCase{name: "slow district", level: "district"}, gql: 200, direct: 100, sqls: 4, rollupRows: 900, factsRows: 1000},
		{c: dashboardCase{name: "nation", level: "national"}, gql: 100, direct: 100, rollupRows: 900, factsRows: 1000},
	}, 5)
	lines := strings.Split(table, "\n")
	find := func(prefix string) string {
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return l
			}
		}
		t.Fatalf("no line %q in\n%s", prefix, table)
		return ""
	}
	if l := find("| M1 |"); strings.Contains(l, "missed") || !strings.Contains(l, "| 1.10 |") || !strings.Contains(l, "1/100") {
		t.Errorf("M1 = %s", l)
	}
	if l := find("| M2 |"); strings.Count(l, "(missed)") != 2 {
		t.Errorf("M2 misses both targets: %s", l)
	}
	if l := find("| M3 |"); strings.Contains(l, "missed") {
		t.Errorf("the rows-read target is for state and district queries only: %s", l)
	}
}
