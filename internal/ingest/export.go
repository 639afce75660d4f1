package ingest

import (
	"strconv"
	"strings"
)

// staffExportColumns is the header of a staffing export.
var staffExportColumns = []string{colYear, colLEA, colSchool, colStaffKey, colRole, colTitle, colFTE, colGender,
	colHispanic, colRace}

// StaffExportHeader returns the header of a staffing export (camino export
// staffing): a staffing file that carries staff_key in place of staff_id
// and role_code beside the title, so that it loads back unchanged whatever
// title table was used to load it first.
func StaffExportHeader() []string { return append([]string(nil), staffExportColumns...) }

// ExportRecord returns the row as a record under StaffExportHeader. Reading
// the record back gives the same row.
func (r StaffRow) ExportRecord() []string {
	return []string{
		strconv.Itoa(int(r.SchoolYear)), r.LeaID, r.SchoolID, strconv.FormatUint(r.StaffKey, 10), r.RoleCode,
		r.Title, strconv.FormatFloat(float64(r.FTE), 'g', -1, 32), r.Gender, r.HispanicAnswer,
		strings.Join(r.RaceAnswers, ";"),
	}
}
