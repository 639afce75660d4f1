// Package ingest owns the parsing and validation half of loading real files:
// it reads a district's staffing or enrollment CSV file, or the
// association's members or member events file, and turns each record into a
// row ready for the warehouse (StaffRow, EnrollmentRow, MemberRow, EventRow,
// whose Values follow warehouse.StaffAssignmentsColumns, EnrollmentColumns,
// MembersColumns and MemberEventsColumns) or into a Reject that names the
// line, the column and the reason.
//
// It owns:
//   - the accepted file formats (docs/formats.md): header names, types,
//     allowed values; a wrong header, delimiter or encoding is an
//     apperr.Invalid error naming what is wrong and what is expected;
//   - the staffing export format (StaffExportHeader, StaffRow.ExportRecord),
//     which carries staff_key and role_code so an export loads back
//     unchanged;
//   - the federal ethnicity standards: the 1997 two questions and the 2024
//     combined question, the raw answers kept, the seven reporting
//     categories derived (hispanic_latino of any race first);
//   - the title → role table (DefaultTitles, ReadTitleMap) onto the ladder
//     teacher … superintendent, state_leader;
//   - staff keys: HMAC-SHA256 of a district's staff id with a configured
//     secret (StaffKey), so people are followed across years without their
//     ids;
//   - the reject report (RejectWriter);
//   - bounded memory: records stream through a 64 KiB buffer and duplicates
//     are found with an 8-byte hash per row (≈100 MB at the peak for a
//     5-million-row file).
//
// The readers share one reading layer (table.go): CSV records, the header
// check, the shape of a record (values, UTF-8), and turning a problem into a
// Reject; each reader only parses its own columns.
//
// What it must never do:
//   - write SQL or talk to the warehouse: the CLI loads the rows it returns
//     through internal/warehouse, and backs Directory with it;
//   - keep raw staff ids or names beyond the record being parsed: a staff id
//     becomes a staff_key at once, name columns are never read, and a
//     Reject's Value never carries a staff id (nor a staff_key);
//   - guess a title: a title the table does not know is rejected with its
//     reason, however close it is to a known one;
//   - stop on a bad row: every row is checked and reported; only a broken
//     file (header, a record over 64 KiB, a read error) ends a read.
package ingest
