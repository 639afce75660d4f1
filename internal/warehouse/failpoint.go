package warehouse

import (
	"fmt"
	"os"
	"time"
)

// Failpoints let the fault tests stop a load at a named step and kill it,
// or its ClickHouse, there (internal/cli's kill tests; docs/loads.md). With
// CAMINO_FAILPOINT=<name>, the process says "failpoint <name> reached" on
// stderr when it gets there and waits until the file named by
// CAMINO_FAILPOINT_RESUME exists (or two minutes pass). Unset, a failpoint
// costs a string comparison.
//
// The steps of a load: stage (after its first chunk of rows), locked (the
// commit holds the write lock), kept (the kept rows are copied), rollups
// (half way through the derived tables), published (the journal entries
// are in, nothing else is done).
var (
	failpointName   = os.Getenv("CAMINO_FAILPOINT")
	failpointResume = os.Getenv("CAMINO_FAILPOINT_RESUME")
)

func failpoint(name string) {
	if failpointName != name {
		return
	}
	failpointName = "" // once
	fmt.Fprintf(os.Stderr, "camino: failpoint %s reached\n", name)
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if failpointResume != "" {
			if _, err := os.Stat(failpointResume); err == nil {
				return
			}
		}
	}
}
