package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/chlocal"
	"github.com/camino-edu/camino/internal/warehouse"
)

// bigStaffFile writes n staffing rows for 2023 over the fixture's schools
// and returns its path and the rows it holds per "lea role", counted here
// as they are written.
func bigStaffFile(t *testing.T, dir string, n int) (string, map[string]int) {
	t.Helper()
	path := filepath.Join(dir, fmt.Sprintf("big-%d.csv", n))
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("school_year,lea_id,school_id,staff_id,title,fte,gender,hispanic_latino,race\n")
	schools := [][2]string{{"4900001", "490000100001"}, {"4900001", "490000100002"}, {"4900002", "490000200001"}}
	want := map[string]int{}
	for i := range n {
		s := schools[i%3]
		title, role := "Teacher", "teacher"
		if i%50 == 0 {
			title, role = "Principal", "principal"
		}
		fmt.Fprintf(w, "2023,%s,%s,N%d,%s,1,F,no,white\n", s[0], s[1], i, title)
		want[s[0]+" "+role]++
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path, want
}

// counts lists "lea role n" of staff_assignments for 2023, by plain SQL.
func (le *loadEnv) counts() map[string]int {
	out := map[string]int{}
	for _, s := range le.q("SELECT concat(lea_id, ' ', role_code, ' ', toString(count())) FROM {db}.staff_assignments WHERE school_year = 2023 GROUP BY lea_id, role_code") {
		var lea, role string
		var n int
		fmt.Sscan(s, &lea, &role, &n)
		out[lea+" "+role] = n
	}
	return out
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// startLoad runs `camino load staffing path` in a child process (this test
// binary acting as camino) and returns it once the load's stage table has
// received rows, so it is killed mid-load.
func (le *loadEnv) startLoad(t *testing.T, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "load", "staffing", path, "--progress", "none")
	cmd.Env = append(os.Environ(), "CAMINO_CLI_AS_MAIN=1")
	for k, v := range le.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		staged := le.q("SELECT toString(count()) FROM system.parts WHERE database = '{db}' AND startsWith(table, 'stage_load_') AND active")
		if staged[0] != "0" {
			return cmd
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	t.Fatalf("the load never staged rows:\n%s", out.String())
	return nil
}

func TestLoadKilledMidwayLeavesTheOldDataAndARerunCompletes(t *testing.T) {
	le := newLoadEnv(t)
	old, _ := bigStaffFile(t, le.dir, 300)
	if code, out, errOut := le.run("load", "staffing", old, "--progress", "none"); code != 0 {
		t.Fatalf("old load: %d %s %s", code, out, errOut)
	}
	before := le.counts()
	path, want := bigStaffFile(t, le.dir, 300_000)
	cmd := le.startLoad(t, path)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if got := le.counts(); !sameCounts(got, before) {
		t.Fatalf("after the kill: %v, want the old data %v", got, before)
	}
	if code, out, errOut := le.run("load", "staffing", path, "--progress", "none"); code != 0 {
		t.Fatalf("rerun: %d %s %s", code, out, errOut)
	}
	if got := le.counts(); !sameCounts(got, want) {
		t.Fatalf("after the rerun: %v, want %v", got, want)
	}
	leaders := le.q("SELECT concat(lea_id, ' ', toString(sum(people))) FROM {db}.leadership_rollup WHERE school_year = 2023 AND is_leader = 1 GROUP BY lea_id ORDER BY lea_id")
	wantLeaders := []string{fmt.Sprintf("4900001 %d", want["4900001 principal"]), fmt.Sprintf("4900002 %d", want["4900002 principal"])}
	if !equalStrings(leaders, wantLeaders) {
		t.Fatalf("rollup leaders %q, want %q", leaders, wantLeaders)
	}
}

func TestClickHouseCrashMidLoadLeavesTheOldDataAndARerunCompletes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := chlocal.Start(ctx, chlocal.Options{Dir: filepath.Join(dir, "ch")})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Stop() }()
	open := func() *loadEnv {
		db, err := warehouse.Open(ctx, warehouse.Config{Addr: srv.Addr(), Database: "crash"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return &loadEnv{t: t, db: db, dir: dir, env: map[string]string{"CAMINO_CLICKHOUSE_ADDR": srv.Addr(),
			"CAMINO_DATABASE": "crash", "CAMINO_STAFF_KEY_SECRET": testSecret}}
	}
	le := open()
	if _, err := le.db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	le.directory()
	old, _ := bigStaffFile(t, dir, 300)
	if code, out, errOut := le.run("load", "staffing", old, "--progress", "none"); code != 0 {
		t.Fatalf("old load: %d %s %s", code, out, errOut)
	}
	before := le.counts()
	path, want := bigStaffFile(t, dir, 300_000)
	cmd := le.startLoad(t, path)
	srv.Crash()
	if err := cmd.Wait(); err == nil {
		t.Fatal("the load succeeded with its ClickHouse gone")
	}
	if srv, err = chlocal.Start(ctx, chlocal.Options{Dir: filepath.Join(dir, "ch")}); err != nil {
		t.Fatal(err)
	}
	le = open()
	if got := le.counts(); !sameCounts(got, before) {
		t.Fatalf("after the crash: %v, want the old data %v", got, before)
	}
	if code, out, errOut := le.run("load", "staffing", path, "--progress", "none"); code != 0 {
		t.Fatalf("rerun: %d %s %s", code, out, errOut)
	}
	if got := le.counts(); !sameCounts(got, want) {
		t.Fatalf("after the rerun: %v, want %v", got, want)
	}
}
