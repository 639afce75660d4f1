package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/camino-edu/camino/internal/ingest"
	"github.com/camino-edu/camino/internal/warehouse"
)

// loadSecret is the staff-key secret of the load benchmark (both sides get
// the same staff keys from it).
const loadSecret = "camino-bench-staff-key-secret"

// staffFiles writes the same n staffing rows twice: as a staffing file
// (docs/formats.md) for camino load, and in staff_assignments' own column
// order, already keyed and categorised, for clickhouse-client. Rows spread
// over the given schools and the years 2000 on (years the Utah seed does
// not have), so every district-year is new.
func staffFiles(dir string, n int, schools [][3]string) (camino, native string, err error) {
	camino, native = filepath.Join(dir, "staffing.csv"), filepath.Join(dir, "staff_assignments.csv")
	fc, err := os.Create(camino)
	if err != nil {
		return "", "", err
	}
	defer fc.Close()
	fn, err := os.Create(native)
	if err != nil {
		return "", "", err
	}
	defer fn.Close()
	wc, wn := bufio.NewWriterSize(fc, 1<<20), bufio.NewWriterSize(fn, 1<<20)
	wc.WriteString("school_year,lea_id,school_id,staff_id,title,fte,gender,hispanic_latino,race\n")

	rng := rand.New(rand.NewPCG(7, 11))
	titles := []struct{ title, role string }{{"Teacher", "teacher"}, {"Math Teacher", "teacher"}, {"Instructional Coach", "teacher_leader"},
		{"Assistant Principal", "assistant_principal"}, {"Principal", "principal"}}
	races := []struct{ race, eth string }{{"white", "white"}, {"asian", "asian"}, {"black", "black"}, {"white;asian", "two_or_more"}}
	genders := []string{"female", "male"}
	const perYear = 400_000
	loaded := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02 15:04:05")
	for i := 0; i < n; i++ {
		year := 2000 + i/perYear
		s := schools[rng.IntN(len(schools))]
		staffID := "E" + strconv.Itoa(i%perYear)
		t := titles[rng.IntN(len(titles))]
		if rng.IntN(10) < 7 { // most people teach
			t = titles[0]
		}
		hisp, race, eth := "no", races[rng.IntN(len(races))].race, ""
		for _, r := range races {
			if r.race == race {
				eth = r.eth
			}
		}
		if rng.IntN(10) == 0 {
			hisp, eth = "yes", "hispanic_latino"
		}
		g := genders[rng.IntN(2)]
		fmt.Fprintf(wc, "%d,%s,%s,%s,%s,1,%s,%s,%s\n", year, s[1], s[0], staffID, t.title, g, hisp, race)
		key := ingest.StaffKey([]byte(loadSecret), s[2], s[1], staffID)
		fmt.Fprintf(wn, "%d,%s,%s,%s,%d,%s,%s,%s,1,%s,\"['%s']\",%s,bench,%s\n", year, s[2], s[1], s[0], key, t.role, eth, g, hisp,
			strings.ReplaceAll(race, ";", "','"), t.title, loaded)
	}
	if err := wc.Flush(); err != nil {
		return "", "", err
	}
	return camino, native, wn.Flush()
}

// loadRatio times `camino load staffing` of an n-row file (a child
// process, for its peak memory) against clickhouse-client inserting the
// same rows into the same table of another database.
func loadRatio(ctx context.Context, db *warehouse.DB, addr, bin string, n int) ([]Result, error) {
	dir, err := os.MkdirTemp("", "camino-bench-load-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	schools, err := utahSchools(ctx, db)
	if err != nil {
		return nil, err
	}
	caminoFile, nativeFile, err := staffFiles(dir, n, schools)
	if err != nil {
		return nil, err
	}
	host, port, _ := strings.Cut(addr, ":")
	client := func(query string, stdin *os.File) error {
		cmd := exec.CommandContext(ctx, "clickhouse-client", "--host", host, "--port", port, "--query", query)
		cmd.Stdin = stdin
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("clickhouse-client %q: %w\n%s", query, err, out.String())
		}
		return nil
	}
	// Two fresh databases with the schema and Utah's directory.
	for _, name := range []string{"bench_load_camino", "bench_load_client"} {
		if err := client("DROP DATABASE IF EXISTS "+name, nil); err != nil {
			return nil, err
		}
		other, err := warehouse.Open(ctx, warehouse.Config{Addr: addr, Database: name})
		if err != nil {
			return nil, err
		}
		_, err = other.Migrate(ctx)
		other.Close()
		if err != nil {
			return nil, err
		}
		for _, t := range []string{"states", "districts", "schools"} {
			if err := client(fmt.Sprintf("INSERT INTO %s.%s SELECT * FROM %s.%s", name, t, db.Database(), t), nil); err != nil {
				return nil, err
			}
		}
	}

	f, err := os.Open(nativeFile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t0 := time.Now()
	if err := client("INSERT INTO bench_load_client.staff_assignments ("+strings.Join(warehouse.StaffAssignmentsColumns, ", ")+") FORMAT CSV", f); err != nil {
		return nil, err
	}
	clientTime := time.Since(t0)

	cmd := exec.CommandContext(ctx, bin, "load", "staffing", caminoFile, "--progress", "none", "--clickhouse-addr", addr,
		"--database", "bench_load_camino", "--rejects", filepath.Join(dir, "rejects.csv"))
	cmd.Env = append(os.Environ(), "CAMINO_STAFF_KEY_SECRET="+loadSecret)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t0 = time.Now()
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("camino load: %w\n%s", err, out.String())
	}
	caminoTime := time.Since(t0)
	peak := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss / 1024
	if m := regexp.MustCompile(`loaded ([\d,]+) rows`).FindStringSubmatch(out.String()); m == nil || strings.ReplaceAll(m[1], ",", "") != strconv.Itoa(n) {
		return nil, fmt.Errorf("camino load did not load all %d rows:\n%s", n, out.String())
	}
	for _, name := range []string{"bench_load_camino", "bench_load_client"} {
		_ = client("DROP DATABASE IF EXISTS "+name, nil)
	}
	cr, kr := float64(n)/caminoTime.Seconds(), float64(n)/clientTime.Seconds()
	var staging time.Duration
	if m := regexp.MustCompile(`; (\S+) reading and staging`).FindStringSubmatch(out.String()); m != nil {
		staging, _ = time.ParseDuration(m[1])
	}
	return []Result{
		{fmt.Sprintf("camino load staffing, %s-row file (child process, incl. validation, staff keys, swap and rollups)", count(n)),
			fmt.Sprintf("%.0f rows/s", cr), fmt.Sprintf("%s; peak RSS %d MiB (target ≤ 256)", caminoTime.Round(100*time.Millisecond), peak)},
		{"clickhouse-client INSERT … FORMAT CSV of the same rows into the same table", fmt.Sprintf("%.0f rows/s", kr),
			clientTime.Round(100 * time.Millisecond).String()},
		{"Ratio camino load ÷ clickhouse-client (rows/s)", fmt.Sprintf("%.2f", cr/kr), "target ≥ 0.8"},
		{"… of which reading, validating, keying and staging", fmt.Sprintf("%.0f rows/s", float64(n)/staging.Seconds()),
			fmt.Sprintf("%s; ratio to clickhouse-client %.2f (the rest is the swap and the rollup rebuild, which clickhouse-client does not do)",
				staging.Round(100*time.Millisecond), float64(n)/staging.Seconds()/kr)},
	}, nil
}

func utahSchools(ctx context.Context, db *warehouse.DB) ([][3]string, error) {
	var out [][3]string
	rows, err := db.Conn().Query(ctx, "SELECT school_id, lea_id, state_code FROM "+db.Database()+".schools FINAL WHERE state_code = 'UT' ORDER BY school_id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s [3]string
		if err := rows.Scan(&s[0], &s[1], &s[2]); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func count(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
