package warehouse

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// reshapeFacts moves the fact tables of an earlier camino into their
// versioned form (migration 0009): every part's rows are copied into
// TABLE_v2 under a generation of their own, the journal publishes them, and
// the tables are swapped (TABLE → TABLE_v1 → dropped, TABLE_v2 → TABLE).
// Each step can be redone: a run that died half way is finished by the
// next. It runs under the write lock (Migrate).
func (d *DB) reshapeFacts(ctx context.Context) error {
	if err := d.recoverLegacyLoads(ctx); err != nil {
		return err
	}
	for i, t := range []string{TableStaffAssignments, TableEnrollment, TableMembers, TableMemberEvents} {
		if err := d.reshapeTable(ctx, t, uint64(i+1)); err != nil {
			return fmt.Errorf("versioning %s: %w", t, err)
		}
	}
	return nil
}

// reshapeTable versions one fact table; loadNo numbers its generations
// (1-4: the migration's own loads).
func (d *DB) reshapeTable(ctx context.Context, t string, loadNo uint64) error {
	v2, prev := t+"_v2", t+"_v1"
	exists := func(name string) (bool, error) { return d.tableExists(ctx, name) }
	hasT, err := exists(t)
	if err != nil {
		return err
	}
	versioned := false
	if hasT {
		if versioned, err = d.columnExists(ctx, t, "gen"); err != nil {
			return err
		}
	}
	drop := func(name string) error { return d.exec(ctx, "reshape.drop", "DROP TABLE IF EXISTS "+d.table(name)) }
	switch {
	case versioned: // done by an earlier run; TABLE_v2 is this run's empty copy
		if err := drop(v2); err != nil {
			return err
		}
		return drop(prev)
	case !hasT: // died between the two renames
		if err := d.exec(ctx, "reshape.rename", "RENAME TABLE "+d.table(v2)+" TO "+d.table(t)); err != nil {
			return err
		}
		return drop(prev)
	}
	if err := d.exec(ctx, "reshape.truncate", "TRUNCATE TABLE "+d.table(v2)); err != nil {
		return err
	}
	parts, err := d.legacyParts(ctx, t)
	if err != nil {
		return err
	}
	if len(parts) > 0 {
		if len(parts) > maxOrdinal {
			return fmt.Errorf("%d partitions, more than a load may write (%d)", len(parts), maxOrdinal)
		}
		gens := make([]uint64, len(parts))
		entries := make([]journalEntry, len(parts))
		for i, p := range parts {
			gens[i] = loadNo<<ordinalBits | uint64(i+1)
			entries[i] = journalEntry{table: t, part: p, gen: gens[i]}
		}
		cols := strings.Join(insertable[t], ", ")
		if err := d.maintain(ctx, "reshape.copy", "INSERT INTO "+d.table(v2)+" ("+cols+", gen) SELECT "+cols+", transform("+
			legacyPartExpr(t)+", ?, ?, toUInt64(0)) FROM "+d.table(t), parts, gens); err != nil {
			return err
		}
		v, err := d.DataVersion(ctx)
		if err != nil {
			return err
		}
		if err := d.writeJournal(ctx, v+1, "migration-0009-"+t, time.Now().UTC(), entries); err != nil {
			return err
		}
	}
	if err := d.exec(ctx, "reshape.rename", "RENAME TABLE "+d.table(t)+" TO "+d.table(prev)+", "+d.table(v2)+" TO "+d.table(t)); err != nil {
		return err
	}
	d.forget()
	return drop(prev)
}

// legacyPartExpr is a row's journal part, in SQL, in a fact table of an
// earlier camino.
func legacyPartExpr(t string) string {
	switch t {
	case TableMembers:
		return "''"
	case TableMemberEvents:
		return "toString(toYear(event_date))"
	default:
		return "concat(toString(school_year), ':', state_code)"
	}
}

// legacyParts lists the parts of an unversioned fact table, sorted.
func (d *DB) legacyParts(ctx context.Context, t string) ([]string, error) {
	var out []string
	err := d.scanAll(ctx, "reshape.parts", func(r driver.Rows) error {
		var p string
		err := r.Scan(&p)
		out = append(out, p)
		return err
	}, "SELECT DISTINCT "+legacyPartExpr(t)+" AS p FROM "+d.table(t)+" ORDER BY p")
	return out, err
}

func (d *DB) tableExists(ctx context.Context, name string) (bool, error) {
	n := 0
	err := d.scanAll(ctx, "table_exists", func(r driver.Rows) error { n++; return nil },
		"SELECT name FROM system.tables WHERE database = ? AND name = ?", d.db, name)
	return n > 0, err
}

func (d *DB) columnExists(ctx context.Context, table, column string) (bool, error) {
	n := 0
	err := d.scanAll(ctx, "column_exists", func(r driver.Rows) error { n++; return nil },
		"SELECT name FROM system.columns WHERE database = ? AND table = ? AND name = ?", d.db, table, column)
	return n > 0, err
}

var legacyPartitionRE = regexp.MustCompile(`^(\d{4}):([A-Z]{2})?$|^$`)

// recoverLegacyLoads finishes the loads an earlier camino left half swapped
// (its journal, load_commits, says committing): each partition is swapped
// in from the load's stage again, as that camino would have. The derived
// tables are rebuilt after the migration.
func (d *DB) recoverLegacyLoads(ctx context.Context) error {
	if ok, err := d.tableExists(ctx, "load_commits"); err != nil || !ok {
		return err
	}
	type pending struct {
		batch, table, stage string
		parts               []string
	}
	var todo []pending
	err := d.scanAll(ctx, "reshape.legacy_pending", func(r driver.Rows) error {
		var p pending
		err := r.Scan(&p.batch, &p.table, &p.stage, &p.parts)
		todo = append(todo, p)
		return err
	}, "SELECT batch_id, table_name, stage, partitions FROM "+d.table("load_commits")+" FINAL WHERE status = 'committing'")
	if err != nil {
		return err
	}
	for _, p := range todo {
		ok, err := d.tableExists(ctx, p.stage)
		if err != nil {
			return err
		}
		if ok && ValidIdent(p.stage) && loadKinds[p.table] != nil {
			for _, part := range p.parts {
				m := legacyPartitionRE.FindStringSubmatch(part)
				if m == nil {
					return fmt.Errorf("load %s: bad partition %q in load_commits", p.batch, part)
				}
				y, _ := strconv.Atoi(m[1])
				expr, args := "tuple()", []any{}
				switch p.table {
				case TableMemberEvents:
					expr, args = "?", []any{uint16(y)}
				case TableStaffAssignments, TableEnrollment:
					expr, args = "(?, ?)", []any{uint16(y), m[2]}
				}
				if err := d.maintain(ctx, "reshape.legacy_swap", "ALTER TABLE "+d.table(p.table)+" REPLACE PARTITION "+expr+" FROM "+
					d.table(p.stage), args...); err != nil {
					return fmt.Errorf("finishing load %s: %w", p.batch, err)
				}
			}
			d.log.Warn("finished a load an earlier camino left half swapped", "batch", p.batch, "table", p.table)
		}
		if err := d.exec(ctx, "reshape.legacy_done", "INSERT INTO "+d.table("load_commits")+
			" (batch_id, table_name, stage, partitions, status, updated_at, version) SELECT ?, ?, ?, ?, ?, now(), ?",
			p.batch, p.table, p.stage, p.parts, "done", uint64(time.Now().UnixNano())); err != nil {
			return err
		}
		if ValidIdent(p.stage) {
			_ = d.exec(ctx, "reshape.legacy_unstage", "DROP TABLE IF EXISTS "+d.table(p.stage))
		}
	}
	return nil
}
