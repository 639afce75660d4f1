package cli

import "testing"

// TestRefusedLoadLeavesNoQuarantineRows: a load refused by its plan (it
// would drop most of a district-year without --force) leaves nothing
// behind: not its valid rows and not its rejected rows in load_rejects.
func TestRefusedLoadLeavesNoQuarantineRows(t *testing.T) {
	le := newLoadEnv(t)
	good := le.file("good.csv", staffHeader+
		"2023,4900001,490000100001,E1,A,A,Principal,1,F,yes,white\n"+
		"2023,4900001,490000100001,E2,B,B,Teacher,1,F,no,white\n"+
		"2023,4900001,490000100001,E3,C,C,Teacher,1,M,no,white\n"+
		"2023,4900001,490000100001,E4,D,D,Teacher,1,M,no,white\n")
	if code, _, errOut := le.run("load", "staffing", good, "--progress", "none"); code != 0 {
		t.Fatalf("good file: exit %d %s", code, errOut)
	}
	before := le.staffRows()
	rejectsBefore := le.q("SELECT toString(count()) FROM {db}.load_rejects")[0]
	shrink := le.file("shrink.csv", staffHeader+
		"2023,4900001,490000100001,E1,A,A,Principal,1,F,yes,white\n"+
		"2023,4900001,490000100001,E5,E,E,Chief Wizard,1,F,no,white\n"+
		"2023,4900002,490000200001,E6,F,F,Grand Wizard,1,M,no,white\n")
	code, out, errOut := le.run("load", "staffing", shrink, "--progress", "none", "--partial")
	if code != 2 {
		t.Fatalf("shrinking load: exit %d, want 2 (refused)\n%s\n%s", code, out, errOut)
	}
	if got := le.staffRows(); !equalStrings(got, before) {
		t.Fatalf("refused load changed rows: %q -> %q", before, got)
	}
	if got := le.q("SELECT toString(count()) FROM {db}.load_rejects")[0]; got != rejectsBefore {
		t.Fatalf("refused load left quarantine rows: load_rejects %s -> %s", rejectsBefore, got)
	}
	if got := le.q("SELECT toString(count()) FROM system.tables WHERE database = '{db}' AND startsWith(name, 'stage_')")[0]; got != "0" {
		t.Fatalf("refused load left %s stage tables", got)
	}
}
