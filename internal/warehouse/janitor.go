package warehouse

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// The janitor removes what no reader can see (docs/loads.md): generations
// superseded longer than the grace period ago (and pinned by no long read),
// generations no commit published whose load is dead, and stage tables left
// by loads that died. Every write command runs it first; `camino serve`
// every minute. A drop that a crash undoes is harmless: the partition is
// still not live, and the next run drops it again.

// physPart is one partition of a versioned table on disk.
type physPart struct {
	table, id string
	gen       uint64
}

var partitionIDRE = regexp.MustCompile(`^[0-9A-Za-z_-]{1,128}$`)

// partitions lists the partitions of the versioned tables (all of them when
// table is "").
func (d *DB) partitions(ctx context.Context, table string) ([]physPart, error) {
	tables := versionedTables
	if table != "" {
		tables = []string{table}
	}
	var out []physPart
	err := d.scanAll(ctx, "janitor.partitions", func(r driver.Rows) error {
		var p physPart
		var part string
		if err := r.Scan(&p.table, &part, &p.id); err != nil {
			return err
		}
		g, ok := genOfPartition(part)
		if ok && partitionIDRE.MatchString(p.id) {
			p.gen = g
			out = append(out, p)
		}
		return nil
	}, "SELECT DISTINCT table, partition, partition_id FROM system.parts WHERE database = ? AND active AND has(?, table)", d.db, tables)
	return out, err
}

// genOfPartition reads the generation, the last element of the partition
// key, from system.parts' text of it: "(2023,'UT',123)", "(2023,123)" or
// "123".
func genOfPartition(p string) (uint64, bool) {
	p = strings.TrimSuffix(strings.TrimSpace(p), ")")
	if i := strings.LastIndexAny(p, ",("); i >= 0 {
		p = p[i+1:]
	}
	g, err := strconv.ParseUint(strings.TrimSpace(p), 10, 64)
	return g, err == nil
}

// dropGens drops the partitions of table whose generation drop selects.
func (d *DB) dropGens(ctx context.Context, table string, drop func(gen uint64) bool) error {
	parts, err := d.partitions(ctx, table)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if !drop(p.gen) {
			continue
		}
		if err := d.exec(ctx, "janitor.drop", "ALTER TABLE "+d.table(p.table)+" DROP PARTITION ID '"+p.id+"'"); err != nil {
			return err
		}
	}
	return nil
}

// dropLoad drops every partition a load wrote (a load that failed).
func (d *DB) dropLoad(ctx context.Context, loadNo uint64) error {
	for _, t := range versionedTables {
		if err := d.dropGens(ctx, t, func(g uint64) bool { return LoadNoOf(g) == loadNo }); err != nil {
			return err
		}
	}
	return nil
}

// CleanOptions tune the janitor.
type CleanOptions struct {
	// Grace keeps every generation that was live during the last Grace
	// (default 10 minutes, and at least twice the longest query cap): the
	// requests reading an older snapshot have ended by then. Negative:
	// none (a warehouse nobody reads).
	Grace time.Duration
}

// CleanReport is what the janitor did.
type CleanReport struct {
	Superseded  int      // partitions of superseded generations dropped
	Unpublished int      // partitions of dead loads dropped
	Killed      []string // loads found dead, marked killed in the loads log
	Stages      []string // stage tables dropped
	Busy        bool     // a commit held the write lock: dead loads are left for the next run
}

// journalRow is a row of load_journal with its age.
type journalRow struct {
	version uint64
	entry   journalEntry
	age     time.Duration
}

// Clean runs the janitor once.
func (d *DB) Clean(ctx context.Context, opt CleanOptions) (CleanReport, error) {
	var rep CleanReport
	if opt.Grace == 0 {
		opt.Grace = max(10*time.Minute, 2*d.cfg.MaxExecutionTime)
	}
	var rows []journalRow
	err := d.scanAll(ctx, "janitor.journal", func(r driver.Rows) error {
		var j journalRow
		var age int64
		if err := r.Scan(&j.version, &j.entry.table, &j.entry.part, &j.entry.gen, &age); err != nil {
			return err
		}
		j.age = time.Duration(age) * time.Second
		rows = append(rows, j)
		return nil
	}, "SELECT version, table_name, part, gen, toInt64(toUInt32(now())) - toInt64(toUInt32(committed_at)) FROM "+
		d.table("load_journal")+" ORDER BY table_name, part, version")
	if err != nil {
		return rep, err
	}
	pins, err := d.registers(ctx, "pin:", true)
	if err != nil {
		return rep, err
	}
	var pinned []uint64
	for _, p := range pins {
		if v, err := strconv.ParseUint(strings.TrimPrefix(p.name, "pin:"), 10, 64); err == nil {
			pinned = append(pinned, v)
		}
	}
	keep, published := map[uint64]bool{}, map[uint64]bool{}
	for i, j := range rows {
		published[j.entry.gen] = true
		last := i+1 == len(rows) || rows[i+1].entry.table != j.entry.table || rows[i+1].entry.part != j.entry.part
		switch {
		case last, opt.Grace > 0 && rows[i+1].age < opt.Grace:
			keep[j.entry.gen] = true // live now, or superseded within the grace period
		default:
			for _, v := range pinned { // live at a pinned version
				if j.version <= v && rows[i+1].version > v {
					keep[j.entry.gen] = true
				}
			}
		}
	}
	parts, err := d.partitions(ctx, "")
	if err != nil {
		return rep, err
	}
	var unpublished []physPart
	for _, p := range parts {
		switch {
		case keep[p.gen]:
		case published[p.gen]:
			if err := d.exec(ctx, "janitor.drop", "ALTER TABLE "+d.table(p.table)+" DROP PARTITION ID '"+p.id+"'"); err != nil {
				return rep, err
			}
			rep.Superseded++
		default:
			unpublished = append(unpublished, p)
		}
	}
	if err := d.cleanDeadLoads(ctx, unpublished, &rep); err != nil {
		return rep, err
	}
	return rep, d.dropLegacyStages(ctx, &rep)
}

// running lists the load numbers whose lease lives.
func (d *DB) running(ctx context.Context) (map[uint64]bool, error) {
	regs, err := d.registers(ctx, "batch:", true)
	if err != nil {
		return nil, err
	}
	out := map[uint64]bool{}
	for _, r := range regs {
		if n, err := strconv.ParseUint(strings.TrimPrefix(r.name, "batch:"), 10, 64); err == nil {
			out[n] = true
		}
	}
	return out, nil
}

// cleanDeadLoads drops the unpublished generations of loads whose lease
// lapsed, marks those loads killed, and settles their quarantine stages —
// under the write lock, so a load taken for dead cannot commit after.
func (d *DB) cleanDeadLoads(ctx context.Context, unpublished []physPart, rep *CleanReport) error {
	run, err := d.running(ctx)
	if err != nil {
		return err
	}
	started, err := d.startedLoads(ctx)
	if err != nil {
		return err
	}
	stages, err := d.tablesWithPrefix(ctx, rejectStagePrefix)
	if err != nil {
		return err
	}
	dead := func(n uint64) bool { return !run[n] }
	need := slices.ContainsFunc(unpublished, func(p physPart) bool { return dead(LoadNoOf(p.gen)) }) ||
		slices.ContainsFunc(started, func(s startedLoad) bool { return dead(s.loadNo) }) || len(stages) > 0
	if !need {
		return nil
	}
	lk, ok, err := d.tryLockWrites(ctx, "janitor")
	if err != nil {
		return err
	}
	if !ok {
		rep.Busy = true
		return nil
	}
	defer lk.release(ctx)
	if run, err = d.running(ctx); err != nil { // again, under the lock
		return err
	}
	committed, err := d.committedLoads(ctx)
	if err != nil {
		return err
	}
	for _, s := range started {
		if run[s.loadNo] {
			continue
		}
		rec := LoadRecord{BatchID: s.batch, Table: s.table, Source: s.source, Rows: s.rows, Rejected: s.rejected,
			Status: "killed", StartedAt: s.startedAt, LoadNo: s.loadNo}
		if v, ok := committed[s.loadNo]; ok {
			// It died after its commit, before it said so: it is done.
			rec.Status, rec.DataVersion = "done", v
		} else {
			rep.Killed = append(rep.Killed, s.batch)
		}
		if err := d.RecordLoad(ctx, rec); err != nil {
			return err
		}
	}
	for _, p := range unpublished {
		if run[LoadNoOf(p.gen)] {
			continue
		}
		if err := d.exec(ctx, "janitor.drop", "ALTER TABLE "+d.table(p.table)+" DROP PARTITION ID '"+p.id+"'"); err != nil {
			return err
		}
		rep.Unpublished++
	}
	done, err := d.doneLoads(ctx, committed)
	if err != nil {
		return err
	}
	for _, st := range stages {
		n, err := strconv.ParseUint(strings.TrimPrefix(st, rejectStagePrefix), 10, 64)
		if err != nil || run[n] {
			continue
		}
		if batch, ok := done[n]; ok {
			if err := d.moveRejects(ctx, st, batch); err != nil {
				return err
			}
		} else if err := d.exec(ctx, "janitor.drop_stage", "DROP TABLE IF EXISTS "+d.table(st)); err != nil {
			return err
		}
		rep.Stages = append(rep.Stages, st)
	}
	return nil
}

// startedLoad is a loads-log row still marked started.
type startedLoad struct {
	table, batch, source string
	loadNo               uint64
	rows, rejected       uint64
	startedAt            time.Time
}

func (d *DB) startedLoads(ctx context.Context) ([]startedLoad, error) {
	var out []startedLoad
	err := d.scanAll(ctx, "janitor.started", func(r driver.Rows) error {
		var s startedLoad
		if err := r.Scan(&s.table, &s.batch, &s.source, &s.loadNo, &s.rows, &s.rejected, &s.startedAt); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	}, "SELECT table_name, batch_id, any(source), load_no, max(rows), max(rejected), min(started_at) FROM "+d.table("loads")+
		" GROUP BY table_name, batch_id, load_no HAVING countIf(status != 'started') = 0")
	return out, err
}

// committedLoads maps the load numbers of the generations the journal
// names to the version that published them.
func (d *DB) committedLoads(ctx context.Context) (map[uint64]uint64, error) {
	out := map[uint64]uint64{}
	err := d.scanAll(ctx, "janitor.committed", func(r driver.Rows) error {
		var n, v uint64
		err := r.Scan(&n, &v)
		out[n] = v
		return err
	}, "SELECT bitShiftRight(gen, ?) AS n, min(version) FROM "+d.table("load_journal")+" WHERE gen != 0 GROUP BY n", uint64(ordinalBits))
	return out, err
}

// doneLoads maps the load numbers of committed loads to their batch ids.
func (d *DB) doneLoads(ctx context.Context, committed map[uint64]uint64) (map[uint64]string, error) {
	out := map[uint64]string{}
	err := d.scanAll(ctx, "janitor.done", func(r driver.Rows) error {
		var n uint64
		var b string
		err := r.Scan(&n, &b)
		if _, ok := committed[n]; ok {
			out[n] = b
		}
		return err
	}, "SELECT DISTINCT load_no, batch_id FROM "+d.table("loads")+" WHERE load_no != 0")
	return out, err
}

func (d *DB) tablesWithPrefix(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	err := d.scanAll(ctx, "janitor.tables", func(r driver.Rows) error {
		var n string
		err := r.Scan(&n)
		if err == nil && ValidIdent(n) {
			out = append(out, n)
		}
		return err
	}, "SELECT name FROM system.tables WHERE database = ? AND startsWith(name, ?)", d.db, prefix)
	return out, err
}

// legacyStageRE names the stage tables of earlier camino versions:
// stage_load_<table>_<unix>_<id> and stage_<derived table>_<id>.
var legacyStageRE = regexp.MustCompile(`^stage_(load_[a-z_]+_\d+_[0-9a-f]{8}|(staff_person_year|leadership_rollup|place_rollup|district_rollup|moves_rollup|spell_rollup)_[0-9a-f]{8})$`)

// dropLegacyStages drops stage tables of earlier camino versions older
// than six hours (a younger one may belong to a load of that version still
// running).
func (d *DB) dropLegacyStages(ctx context.Context, rep *CleanReport) error {
	var names []string
	err := d.scanAll(ctx, "janitor.legacy_stages", func(r driver.Rows) error {
		var n string
		err := r.Scan(&n)
		if err == nil && legacyStageRE.MatchString(n) {
			names = append(names, n)
		}
		return err
	}, "SELECT name FROM system.tables WHERE database = ? AND startsWith(name, 'stage_') AND metadata_modification_time < now() - 6 * 3600", d.db)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := d.exec(ctx, "janitor.drop_stage", "DROP TABLE IF EXISTS "+d.table(n)); err != nil {
			return fmt.Errorf("dropping %s: %w", n, err)
		}
		rep.Stages = append(rep.Stages, n)
	}
	return nil
}

// WriteStatus is what `camino warehouse status` tells about the warehouse's
// writers.
type WriteStatus struct {
	DataVersion uint64
	Lock        string   // who holds or waits for the write lock ("" nobody)
	Running     []string // loads running (their lease lives)
	Hidden      int      // partitions on disk no reader sees (the janitor's work)
}

// WriteStatus reads the warehouse's data version, lock, running loads and
// hidden partitions.
func (d *DB) WriteStatus(ctx context.Context) (WriteStatus, error) {
	var st WriteStatus
	snap, err := d.snapshotAt(ctx, 0)
	if err != nil {
		return st, err
	}
	st.DataVersion = snap.version
	if st.Lock, err = d.LockHolder(ctx); err != nil {
		return st, err
	}
	regs, err := d.registers(ctx, "batch:", true)
	if err != nil {
		return st, err
	}
	for _, r := range regs {
		st.Running = append(st.Running, r.describe())
	}
	parts, err := d.partitions(ctx, "")
	if err != nil {
		return st, err
	}
	live := map[uint64]bool{}
	for _, t := range versionedTables {
		for _, g := range snap.gens(t) {
			live[g] = true
		}
	}
	for _, p := range parts {
		if !live[p.gen] {
			st.Hidden++
		}
	}
	return st, nil
}
