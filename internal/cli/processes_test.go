package cli

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// proc is camino running as a child process: this test binary acting as
// the camino command (TestMain), so tests can run, kill and wait for real
// processes.
type proc struct {
	t   *testing.T
	cmd *exec.Cmd
	out *syncBuffer
}

// camino starts `camino args...` with env added to this process's
// environment.
func camino(t *testing.T, env map[string]string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "CAMINO_CLI_AS_MAIN=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{t: t, cmd: cmd, out: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return p
}

// runCamino runs camino to its end and returns its exit code and output.
func runCamino(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	p := camino(t, env, args...)
	return p.wait(5 * time.Minute), p.out.String()
}

// wait waits for the process to exit (at most d, then kills it and fails)
// and returns its exit code.
func (p *proc) wait(d time.Duration) int {
	p.t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(d):
		p.cmd.Process.Kill()
		<-done
		p.t.Fatalf("camino %v did not end within %s:\n%s", p.cmd.Args[1:], d, p.out.String())
	}
	return p.cmd.ProcessState.ExitCode()
}

// waitFor waits until the output matches re (or the process ends, or a
// generous deadline that only bounds a hang) and returns the match.
func (p *proc) waitFor(re *regexp.Regexp) []string {
	p.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.out.String()); m != nil {
			return m
		}
		if p.cmd.ProcessState != nil || (p.cmd.Process != nil && p.cmd.Process.Signal(syscall.Signal(0)) != nil) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.t.Fatalf("camino %v: no %q in its output:\n%s", p.cmd.Args[1:], re, p.out.String())
	return nil
}

var servingRE = regexp.MustCompile(`serving on (http://[0-9.:a-z]+)`)

// graphql sends a query with a key and returns the status and body.
func graphql(t *testing.T, base, key, query string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/graphql?query="+url.QueryEscape(query), nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

var keyRE = regexp.MustCompile(`(cmn_[0-9a-f]{12}_[A-Za-z0-9_-]{43})`)

// The README's own sequence: `camino serve` on the local ClickHouse it
// started, then `camino keys create` in another process on the same data
// dir. The second process uses the same server and leaves it running; the
// server answers with the new key; the last process to exit stops the
// local ClickHouse.
func TestServeAndKeysCreateShareTheLocalClickHouse(t *testing.T) {
	dataDir := t.TempDir()
	env := map[string]string{"CAMINO_DATA_DIR": dataDir, "CAMINO_DATABASE": "shared", "CAMINO_CLICKHOUSE_ADDR": ""}
	serve := camino(t, env, "serve", "--listen", "127.0.0.1:0", "--admin-key-file", filepath.Join(dataDir, "admin.key"))
	base := serve.waitFor(servingRE)[1]

	code, out := runCamino(t, env, "keys", "create", "--role", "analyst", "--name", "beside serve")
	key := keyRE.FindString(out)
	if code != 0 || key == "" {
		t.Fatalf("keys create beside serve: exit %d\n%s", code, out)
	}
	if strings.Contains(out, "started a local clickhouse-server") {
		t.Fatalf("keys create started its own ClickHouse:\n%s", out)
	}
	for i := 0; i < 3; i++ { // the key store keeps answering after keys create exited
		if status, body := graphql(t, base, key, "{ me { role } }"); status != 200 || !strings.Contains(body, `"ANALYST"`) {
			t.Fatalf("serve after keys create: %d %s\nserve's output:\n%s", status, body, serve.out.String())
		}
	}
	code, out = runCamino(t, env, "warehouse", "status")
	if code != 0 || !regexp.MustCompile(`attached: serve \(pid \d+`).MatchString(out) {
		t.Fatalf("warehouse status = %d\n%s", code, out)
	}
	if code, out = runCamino(t, env, "warehouse", "stop"); code != 2 || !strings.Contains(out, "serve (pid") {
		t.Fatalf("warehouse stop beside serve = %d (want 2, refused)\n%s", code, out)
	}
	serve.cmd.Process.Signal(os.Interrupt)
	if code := serve.wait(time.Minute); code != 0 {
		t.Fatalf("serve exited %d:\n%s", code, serve.out.String())
	}
	code, out = runCamino(t, env, "warehouse", "status")
	if code != 0 || !strings.Contains(out, "not running") {
		t.Fatalf("after the last process exited, warehouse status = %d\n%s", code, out)
	}
}
