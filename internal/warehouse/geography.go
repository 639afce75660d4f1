package warehouse

import (
	"context"
	"strings"
)

// State is a row of states.
type State struct {
	Code, FIPS, Name string
	Synthetic        bool
}

// District is a row of districts (an LEA: regular district, charter LEA or
// state agency).
type District struct {
	ID, StateCode, Name string
	Type                string // regular, charter, state_agency, other
	Locale              string // city, suburb, town, rural
	Synthetic           bool
}

// School is a row of schools.
type School struct {
	ID, LeaID, StateCode, Name string
	Level                      string // elementary, middle, high, other
	Charter, Title1, Synthetic bool
}

// Keyset is a position in a list ordered by (name, id): the last row seen.
type Keyset struct{ Name, ID string }

// DistrictFilter narrows the district list. Empty fields do not filter.
type DistrictFilter struct {
	StateCodes []string // any of these states; empty: all
	Type       string   // regular, charter, state_agency, other
	Search     string   // case-insensitive substring of the name
}

const (
	statesCols    = "state_code, fips, name, synthetic"
	districtsCols = "lea_id, state_code, name, toString(lea_type), toString(locale), synthetic"
	schoolsCols   = "school_id, lea_id, state_code, name, toString(level), charter, title1, synthetic"
)

func scanStates(rows rowScanner) ([]State, error) {
	defer rows.Close()
	var out []State
	for rows.Next() {
		var s State
		var syn uint8
		if err := rows.Scan(&s.Code, &s.FIPS, &s.Name, &syn); err != nil {
			return nil, err
		}
		s.Synthetic = syn == 1
		out = append(out, s)
	}
	return out, rows.Err()
}

// States lists every state, by name.
func (d *DB) States(ctx context.Context) ([]State, error) {
	rows, err := d.query(ctx, "states", "SELECT "+statesCols+" FROM "+d.table(TableStates)+" FINAL ORDER BY name")
	if err != nil {
		return nil, err
	}
	return scanStates(rows)
}

// StatesByCode returns the states with these codes (missing ones absent).
func (d *DB) StatesByCode(ctx context.Context, codes []string) ([]State, error) {
	if len(codes) == 0 {
		return nil, nil
	}
	rows, err := d.query(ctx, "states_by_code", "SELECT "+statesCols+" FROM "+d.table(TableStates)+
		" FINAL WHERE "+inList("state_code"), codes)
	if err != nil {
		return nil, err
	}
	return scanStates(rows)
}

type rowScanner interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

func scanDistricts(rows rowScanner) ([]District, error) {
	defer rows.Close()
	var out []District
	for rows.Next() {
		var x District
		var syn uint8
		if err := rows.Scan(&x.ID, &x.StateCode, &x.Name, &x.Type, &x.Locale, &syn); err != nil {
			return nil, err
		}
		x.Synthetic = syn == 1
		out = append(out, x)
	}
	return out, rows.Err()
}

func scanSchools(rows rowScanner) ([]School, error) {
	defer rows.Close()
	var out []School
	for rows.Next() {
		var x School
		var charter, title1, syn uint8
		if err := rows.Scan(&x.ID, &x.LeaID, &x.StateCode, &x.Name, &x.Level, &charter, &title1, &syn); err != nil {
			return nil, err
		}
		x.Charter, x.Title1, x.Synthetic = charter == 1, title1 == 1, syn == 1
		out = append(out, x)
	}
	return out, rows.Err()
}

// DistrictsByID returns the districts with these ids (missing ones absent).
func (d *DB) DistrictsByID(ctx context.Context, ids []string) ([]District, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := d.query(ctx, "districts_by_id", "SELECT "+districtsCols+" FROM "+d.scoped(ctx, TableDistricts)+
		" WHERE "+inList("lea_id"), ids)
	if err != nil {
		return nil, err
	}
	return scanDistricts(rows)
}

// SchoolsByID returns the schools with these ids (missing ones absent).
func (d *DB) SchoolsByID(ctx context.Context, ids []string) ([]School, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := d.query(ctx, "schools_by_id", "SELECT "+schoolsCols+" FROM "+d.scoped(ctx, TableSchools)+
		" WHERE "+inList("school_id"), ids)
	if err != nil {
		return nil, err
	}
	return scanSchools(rows)
}

func (f DistrictFilter) where() (string, []any) {
	var conds []string
	var args []any
	if len(f.StateCodes) > 0 {
		conds = append(conds, inList("state_code"))
		args = append(args, f.StateCodes)
	}
	if f.Type != "" {
		conds = append(conds, "lea_type = ?")
		args = append(args, f.Type)
	}
	if f.Search != "" {
		conds = append(conds, "positionCaseInsensitiveUTF8(name, ?) > 0")
		args = append(args, f.Search)
	}
	if len(conds) == 0 {
		return "1", nil
	}
	return strings.Join(conds, " AND "), args
}

// afterCond is the keyset condition "after (name, id)" for a list ordered
// by (name, idCol). idCol is a Go constant.
func afterCond(after *Keyset, idCol string) (string, []any) {
	if after == nil {
		return "1", nil
	}
	return "(name > ? OR (name = ? AND " + idCol + " > ?))", []any{after.Name, after.Name, after.ID}
}

// DistrictsPerState returns, for each state of the filter (or all), up to
// limit districts ordered by (name, id) after the keyset: one query for any
// number of states (LIMIT n BY state_code). Ask limit+1 to learn whether a
// next page exists.
func (d *DB) DistrictsPerState(ctx context.Context, f DistrictFilter, after *Keyset, limit int) (map[string][]District, error) {
	where, args := f.where()
	ac, aargs := afterCond(after, "lea_id")
	rows, err := d.query(ctx, "districts_page", "SELECT "+districtsCols+" FROM "+d.scoped(ctx, TableDistricts)+
		" WHERE "+where+" AND "+ac+" ORDER BY state_code, name, lea_id LIMIT ? BY state_code",
		append(append(args, aargs...), limit)...)
	if err != nil {
		return nil, err
	}
	list, err := scanDistricts(rows)
	if err != nil {
		return nil, err
	}
	out := map[string][]District{}
	for _, x := range list {
		out[x.StateCode] = append(out[x.StateCode], x)
	}
	return out, nil
}

// Districts returns up to limit districts matching f after the keyset,
// ordered by (name, id), across states.
func (d *DB) Districts(ctx context.Context, f DistrictFilter, after *Keyset, limit int) ([]District, error) {
	where, args := f.where()
	ac, aargs := afterCond(after, "lea_id")
	rows, err := d.query(ctx, "districts", "SELECT "+districtsCols+" FROM "+d.scoped(ctx, TableDistricts)+
		" WHERE "+where+" AND "+ac+" ORDER BY name, lea_id LIMIT ?", append(append(args, aargs...), limit)...)
	if err != nil {
		return nil, err
	}
	return scanDistricts(rows)
}

// CountDistricts counts districts matching f per state ("" holds the total).
func (d *DB) CountDistricts(ctx context.Context, f DistrictFilter) (map[string]int, error) {
	where, args := f.where()
	rows, err := d.query(ctx, "districts_count", "SELECT state_code, toInt64(count()) FROM "+d.scoped(ctx, TableDistricts)+
		" WHERE "+where+" GROUP BY state_code", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{"": 0}
	for rows.Next() {
		var code string
		var n int64
		if err := rows.Scan(&code, &n); err != nil {
			return nil, err
		}
		out[code] = int(n)
		out[""] += int(n)
	}
	return out, rows.Err()
}

// SchoolsPerDistrict returns, for each district, up to limit schools ordered
// by (name, id) after the keyset: one query for any number of districts.
func (d *DB) SchoolsPerDistrict(ctx context.Context, leaIDs []string, after *Keyset, limit int) (map[string][]School, error) {
	if len(leaIDs) == 0 {
		return map[string][]School{}, nil
	}
	ac, aargs := afterCond(after, "school_id")
	rows, err := d.query(ctx, "schools_page", "SELECT "+schoolsCols+" FROM "+d.scoped(ctx, TableSchools)+
		" WHERE "+inList("lea_id")+" AND "+ac+" ORDER BY lea_id, name, school_id LIMIT ? BY lea_id",
		append(append([]any{leaIDs}, aargs...), limit)...)
	if err != nil {
		return nil, err
	}
	list, err := scanSchools(rows)
	if err != nil {
		return nil, err
	}
	out := map[string][]School{}
	for _, x := range list {
		out[x.LeaID] = append(out[x.LeaID], x)
	}
	return out, nil
}

// CountSchools counts the schools of each district.
func (d *DB) CountSchools(ctx context.Context, leaIDs []string) (map[string]int, error) {
	if len(leaIDs) == 0 {
		return map[string]int{}, nil
	}
	rows, err := d.query(ctx, "schools_count", "SELECT lea_id, toInt64(count()) FROM "+d.scoped(ctx, TableSchools)+
		" WHERE "+inList("lea_id")+" GROUP BY lea_id", leaIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = int(n)
	}
	return out, rows.Err()
}
