package warehouse

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/scope"
)

// Rows of these tables belong to one district (or one of its schools, or
// a goal of one): under a restricted scope (a partner key) a query may read
// them only through scoped, which writes the scope's filter into the FROM
// item itself. A hand-written query that names one of them directly is
// refused before it is sent (see checkScope), so a new query that forgets
// the scope fails closed instead of leaking.
var restrictedTables = []string{TableDistricts, TableSchools, TableStaffAssignments, TableEnrollment, TableMembers,
	TableMemberEvents, TableGoals, "staff_person_year", "leadership_rollup", "place_rollup", "district_rollup",
	"moves_rollup", "spell_rollup", "load_rejects"}

const (
	inScope  = " /*in scope*/"
	metadata = " /*metadata*/"
)

// scoped is the FROM item reading one of the restricted tables (FINAL,
// for those that are replaced by key) as far as ctx's scope allows: every
// row when unrestricted; otherwise the rows of the scope's districts (a
// district's schools; the goals of those districts, their schools and the
// scope's states). table must be a Go constant.
func (d *DB) scoped(ctx context.Context, table string) string {
	final := ""
	switch table {
	case TableDistricts, TableSchools, TableGoals:
		final = " FINAL"
	}
	s := scope.From(ctx)
	if !s.Restricted() {
		return d.table(table) + inScope + final
	}
	districts := "0" // an empty scope reads nothing
	if len(s.Districts) > 0 {
		districts = "lea_id IN (" + scope.Quoted(s.Districts) + ")"
	}
	var where string
	switch table {
	case TableGoals:
		states := "0"
		if len(s.States) > 0 {
			states = "scope_id IN (" + scope.Quoted(s.States) + ")"
		}
		where = "(scope = 'district' AND " + strings.Replace(districts, "lea_id", "scope_id", 1) + ") OR (scope = 'state' AND " +
			states + ") OR (scope = 'school' AND scope_id IN (SELECT school_id FROM " + d.table(TableSchools) + inScope +
			" FINAL WHERE " + districts + "))"
	default:
		where = districts
	}
	return "(SELECT * FROM " + d.table(table) + inScope + final + " WHERE " + where + ")"
}

// metadataOf names a restricted table in a query that reads no row of it
// as such (the first and last school year with data).
func (d *DB) metadataOf(table string) string { return d.table(table) + metadata }

var tableMentionRE = regexp.MustCompile(`\.([a-z_]+)( /\*(in scope|metadata)\*/)?`)

// checkScope refuses, under a restricted scope, SQL that names a restricted
// table other than through scoped or metadataOf.
func (d *DB) checkScope(ctx context.Context, name, sql string) error {
	if !scope.From(ctx).Restricted() || ctx.Value(compiledKey{}) != nil {
		return nil
	}
	prefix := d.db + "."
	for _, m := range tableMentionRE.FindAllStringSubmatchIndex(sql, -1) {
		start := m[0]
		if start < len(d.db) || sql[start-len(d.db):start] != d.db {
			continue
		}
		table := sql[m[2]:m[3]]
		if m[4] >= 0 || !slices.Contains(restrictedTables, table) {
			continue
		}
		d.log.Error("query names a restricted table outside the scope; refused", "query", name, "table", prefix+table)
		return apperr.Errorf(apperr.Internal, "internal error")
	}
	return nil
}

type compiledKey struct{}

// ScopeMarker is the comment a query compiled by internal/metrics carries
// when it applied ctx's scope to every table it reads; Select refuses a
// compiled query without it under a restricted scope.
func ScopeMarker(ctx context.Context) string { return "/* scope " + scope.From(ctx).Key() + " */" }

// checkCompiled is checkScope for SQL compiled from the catalog.
func (d *DB) checkCompiled(ctx context.Context, sql string) (context.Context, error) {
	if !scope.From(ctx).Restricted() {
		return ctx, nil
	}
	if !strings.Contains(sql, ScopeMarker(ctx)) {
		d.log.Error("compiled query without the request's scope; refused")
		return ctx, apperr.Errorf(apperr.Internal, "internal error")
	}
	return context.WithValue(ctx, compiledKey{}, true), nil
}
