package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/whtest"
)

func TestMain(m *testing.M) {
	// The fault tests run this binary as camino, to kill it mid-load.
	if os.Getenv("CAMINO_CLI_AS_MAIN") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Exit(ctx)
		stop()
		os.Exit(code)
	}
	whtest.Main(m)
}

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func run(ctx context.Context, env map[string]string, args ...string) (int, string, string) {
	var out, errb syncBuffer
	code := Main(ctx, args, &out, &errb, func(k string) string { return env[k] })
	return code, out.String(), errb.String()
}

func TestHelpForEveryCommand(t *testing.T) {
	code, out, _ := run(context.Background(), nil, "--help")
	if code != 0 || !strings.Contains(out, "serve") || !strings.Contains(out, "migrate") || !strings.Contains(out, "seed") {
		t.Fatalf("camino --help = %d %q", code, out)
	}
	for _, c := range []struct{ cmd, flag string }{
		{"serve", "-seed-if-empty"}, {"migrate", "-clickhouse-addr"}, {"seed", "-profile"}, {"version", ""}, {"bench", "-runs"},
		{"load", "-dry-run"}, {"export", "-district"}, {"report", "-key-file"},
	} {
		code, out, _ := run(context.Background(), nil, c.cmd, "--help")
		if code != 0 || !strings.Contains(out, "Usage: camino "+c.cmd) || !strings.Contains(out, c.flag) {
			t.Errorf("camino %s --help = %d %q", c.cmd, code, out)
		}
	}
	if code, out, _ := run(context.Background(), nil, "version"); code != 0 || !strings.HasPrefix(out, "camino ") {
		t.Errorf("version = %d %q", code, out)
	}
}

func TestBadUsageAndConfigurationFailAtStart(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"frobnicate"}, nil, `unknown command "frobnicate"`},
		{[]string{"serve", "--no-such-flag"}, nil, "flag provided but not defined"},
		{[]string{"serve"}, map[string]string{"CAMINO_CLICKHOUSE_ADDR": "nohost"}, "CAMINO_CLICKHOUSE_ADDR"},
		{[]string{"migrate"}, map[string]string{"CAMINO_DATABASE": "x-y"}, "CAMINO_DATABASE"},
		{[]string{"migrate", "sideways"}, map[string]string{"CAMINO_CLICKHOUSE_ADDR": whtest.Addr()}, "migrate up"},
		{[]string{"seed", "--profile", "mars"}, map[string]string{"CAMINO_CLICKHOUSE_ADDR": whtest.Addr(), "CAMINO_DATABASE": "cli_bad_profile"}, "profile"},
		{[]string{"seed", "--scale", "-1", "--profile", "national"}, map[string]string{"CAMINO_CLICKHOUSE_ADDR": whtest.Addr(), "CAMINO_DATABASE": "cli_bad_scale"}, "scale"},
		{[]string{"serve", "--listen", "nonsense"}, nil, "CAMINO_LISTEN"},
		{[]string{"serve", "--suppress-below", "1"}, nil, "CAMINO_SUPPRESS_BELOW"},
		{[]string{"serve"}, map[string]string{"CAMINO_SUPPRESS_BELOW": "ten"}, "not a whole number"},
		{[]string{"serve"}, map[string]string{"CAMINO_KEY_RATE": "fast"}, "CAMINO_KEY_RATE"},
		{[]string{"serve", "--key-in-flight", "0"}, nil, "CAMINO_KEY_IN_FLIGHT"},
		{[]string{"serve"}, map[string]string{"CAMINO_KEY_TIME_WINDOW": "1ms"}, "CAMINO_KEY_TIME_WINDOW"},
		{[]string{"bench", "--runs", "0"}, nil, "--runs"},
	}
	for _, c := range cases {
		code, _, errOut := run(context.Background(), c.env, c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("camino %v: exit %d, stderr %q; want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

func TestKeysCreateListRevoke(t *testing.T) {
	db := whtest.OpenEmpty(t)
	env := map[string]string{"CAMINO_CLICKHOUSE_ADDR": whtest.Addr(), "CAMINO_DATABASE": db.Database()}
	ctx := context.Background()
	code, out, errOut := run(ctx, env, "keys", "create", "--role", "analyst", "--name", "research team", "--expires", "2099-12-31")
	m := regexp.MustCompile(`created analyst key ([0-9a-f]{12})\n\n  (cmn_[0-9a-f]{12}_[A-Za-z0-9_-]{43})\n`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("keys create = %d %q %q", code, out, errOut)
	}
	code, out, _ = run(ctx, env, "keys", "list")
	if code != 0 || !strings.Contains(out, m[1]) || !strings.Contains(out, "research team") || !strings.Contains(out, "active") {
		t.Fatalf("keys list = %d %q", code, out)
	}
	if strings.Contains(out, m[2]) {
		t.Fatal("keys list shows the secret")
	}
	if code, out, _ = run(ctx, env, "keys", "revoke", m[1]); code != 0 || !strings.Contains(out, "revoked "+m[1]) {
		t.Fatalf("keys revoke = %d %q", code, out)
	}
	if _, out, _ = run(ctx, env, "keys", "list"); !strings.Contains(out, "revoked 20") {
		t.Fatalf("keys list after revoke = %q", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"keys", "create", "--role", "partner"}, "at least one district"},
		{[]string{"keys", "create", "--role", "admin", "--expires", "soon"}, "--expires"},
		{[]string{"keys", "revoke", "zzz"}, "not a key id"},
		{[]string{"keys", "rotate"}, "keys create"},
	} {
		if code, _, errOut := run(ctx, env, c.args...); code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("camino %v = %d %q, want 2 and %q", c.args, code, errOut, c.want)
		}
	}
}

func TestMigrateSeedAndServe(t *testing.T) {
	db := whtest.OpenEmpty(t) // dropped at cleanup; the CLI creates it
	env := map[string]string{"CAMINO_CLICKHOUSE_ADDR": whtest.Addr(), "CAMINO_DATABASE": db.Database()}
	ctx := context.Background()

	code, out, errOut := run(ctx, env, "migrate", "status")
	if code != 0 || !strings.Contains(out, "0001_dimensions") || !strings.Contains(out, "pending") {
		t.Fatalf("status before = %d %q %q", code, out, errOut)
	}
	if code, out, errOut = run(ctx, env, "migrate"); code != 0 || !strings.Contains(out, "applied 0005_api_keys") {
		t.Fatalf("migrate = %d %q %q", code, out, errOut)
	}
	if code, out, _ = run(ctx, env, "migrate", "up"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("second migrate = %d %q", code, out)
	}
	if code, out, errOut = run(ctx, env, "seed", "--profile", "utah", "--seed", "3"); code != 0 || !regexp.MustCompile(`seeded \d+ rows`).MatchString(out) {
		t.Fatalf("seed = %d %q %q", code, out, errOut)
	}
	// A second seed would double the data: refused, and the data is kept.
	if code, _, errOut = run(ctx, env, "seed"); code != 2 || !strings.Contains(errOut, "--replace") {
		t.Fatalf("second seed = %d %q", code, errOut)
	}
	var staff uint64
	if err := db.Conn().QueryRow(ctx, "SELECT count() FROM "+db.Database()+".staff_assignments").Scan(&staff); err != nil || staff == 0 {
		t.Fatalf("staff rows after refused seed = %d, %v", staff, err)
	}

	// serve: prints its URLs, answers, and shuts down cleanly on cancel.
	// With --admin-key-file and no admin key yet, it creates one there.
	keyFile := filepath.Join(t.TempDir(), "keys", "admin.key")
	sctx, cancel := context.WithCancel(ctx)
	var out2, err2 syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Main(sctx, []string{"serve", "--listen", "127.0.0.1:0", "--seed-if-empty", "--admin-key-file", keyFile}, &out2, &err2,
			func(k string) string { return env[k] })
	}()
	urlRE := regexp.MustCompile(`serving on (http://[0-9.:]+)`)
	var base string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && base == ""; time.Sleep(50 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(out2.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("serve printed no URL: %q %q", out2.String(), err2.String())
	}
	if strings.Contains(out2.String(), "seeding") {
		t.Fatal("--seed-if-empty seeded a warehouse that has data")
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 || !strings.Contains(out2.String(), "Created admin key") {
		t.Fatalf("admin key file: %v %v; output %q", fi, err, out2.String())
	}
	key, _ := os.ReadFile(keyFile)
	for _, c := range []struct {
		auth string
		want int
	}{{"Bearer " + strings.TrimSpace(string(key)), 200}, {"", 401}, {"Bearer cmn_000000000000_" + strings.Repeat("A", 43), 401}} {
		req, _ := http.NewRequest(http.MethodGet, base+"/graphql?query="+url.QueryEscape("{ me { role } }"), nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want || (c.want == 200 && !strings.Contains(string(body), `"role":"ADMIN"`)) {
			t.Fatalf("me with %.20q: %d %s", c.auth, resp.StatusCode, body)
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, err2.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}
