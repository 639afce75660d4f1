package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/camino-edu/camino/internal/whtest"
)

// The two sets of ClickHouse credentials: the commands that write use
// --clickhouse-writer-user (here one ClickHouse does not know, so they
// fail naming it), the ones that only read use --clickhouse-user.
func TestWritesUseTheWriterCredentials(t *testing.T) {
	db := whtest.Utah(t)
	env := map[string]string{"CAMINO_CLICKHOUSE_ADDR": whtest.Addr(), "CAMINO_DATABASE": db.Database(),
		"CAMINO_CLICKHOUSE_WRITER_USER": "camino_no_such_writer", "CAMINO_CLICKHOUSE_WRITER_PASSWORD": "x"}
	ctx := context.Background()
	for _, args := range [][]string{{"migrate"}, {"keys", "list"}, {"warehouse", "clean"}} {
		code, _, errOut := run(ctx, env, args...)
		if code == 0 || !strings.Contains(errOut, "camino_no_such_writer") {
			t.Errorf("camino %v with an unknown writer: exit %d, %q; want a failure naming the writer", args, code, errOut)
		}
	}
	out := filepath.Join(t.TempDir(), "board.html")
	if code, _, errOut := run(ctx, env, "report", "board", "-o", out); code != 0 {
		t.Errorf("camino report (reads only) with an unknown writer: exit %d, %q", code, errOut)
	}
}
