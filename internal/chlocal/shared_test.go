package chlocal

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// TestAttachedProcessKilled runs this binary as a process that attaches
	// and waits to be killed.
	if dir := os.Getenv("CHLOCAL_ATTACH_AND_WAIT"); dir != "" {
		a, err := Attach(context.Background(), Options{Dir: dir}, "test child")
		if err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(1)
		}
		os.Stdout.WriteString(a.Addr() + "\n")
		select {}
	}
	os.Exit(m.Run())
}

// sql runs a query over the HTTP interface and returns its answer.
func sql(t *testing.T, httpAddr, query string) (string, error) {
	t.Helper()
	resp, err := noKeepAlive.Post("http://"+httpAddr+"/", "text/plain", strings.NewReader(query))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return strings.TrimSpace(string(b)), nil
}

func answers(httpAddr string) bool {
	resp, err := noKeepAlive.Get("http://" + httpAddr + "/ping")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func TestStartRefusesALiveServerOnItsDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s1, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Stop()
	if _, err := sql(t, s1.HTTPAddr(), "CREATE TABLE default.kept (x UInt8) ENGINE = MergeTree ORDER BY x"); err != nil {
		t.Fatal(err)
	}
	sql(t, s1.HTTPAddr(), "INSERT INTO default.kept (x) VALUES (7)")
	if _, err := Start(ctx, Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "already runs") {
		t.Fatalf("a second Start on a live server's directory: %v, want a refusal", err)
	}
	if !answers(s1.HTTPAddr()) {
		t.Fatal("the first server was disturbed by the second Start")
	}
	// Once it stops, its data is there for the next.
	if err := s1.Stop(); err != nil {
		t.Fatal(err)
	}
	s2, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Stop()
	if got, _ := sql(t, s2.HTTPAddr(), "SELECT sum(x) FROM default.kept"); got != "7" {
		t.Fatalf("kept data = %q, want 7", got)
	}
}

func TestAttachSharesOneServerAndTheLastToDetachStopsIt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a1, err := Attach(ctx, Options{Dir: dir}, "serve")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := Attach(ctx, Options{Dir: dir}, "keys create")
	if err != nil {
		a1.Detach()
		t.Fatal(err)
	}
	if !a1.Started() || a2.Started() || a1.Addr() != a2.Addr() || a1.PID() != a2.PID() {
		t.Fatalf("want one server started by the first: %v %s %d / %v %s %d", a1.Started(), a1.Addr(), a1.PID(),
			a2.Started(), a2.Addr(), a2.PID())
	}
	st, err := Status(dir)
	if err != nil || !st.Running || len(st.Clients) != 1 || st.Clients[0].Command != "keys create" {
		// Both attachments are this process: one clients file.
		t.Fatalf("status = %+v, %v", st, err)
	}
	if _, err := StopShared(ctx, dir, false); !errors.Is(err, ErrAttached) {
		t.Fatalf("stop with processes attached: %v, want ErrAttached", err)
	}
	// The starter detaches first: the server stays for the other.
	if stopped, err := a1.Detach(); err != nil || stopped {
		t.Fatalf("first detach: stopped=%v err=%v, want the server left running", stopped, err)
	}
	if !answers(a2.HTTPAddr()) {
		t.Fatal("the server stopped while a process was attached")
	}
	if stopped, err := a2.Detach(); err != nil || !stopped {
		t.Fatalf("last detach: stopped=%v err=%v, want the server stopped", stopped, err)
	}
	if answers(a2.HTTPAddr()) {
		t.Fatal("the server answers after the last detach")
	}
	if st, _ := Status(dir); st.Running {
		t.Fatalf("status after stop: %+v", st)
	}
}

func TestAttachedProcessKilledLeavesTheServerForTheNext(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CHLOCAL_ATTACH_AND_WAIT="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	cmd.Stderr = &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 64)
	n, _ := out.Read(line)
	addr := strings.TrimSpace(string(line[:n]))
	if addr == "" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child did not attach: %s", errOut.String())
	}
	st, err := Status(dir)
	if err != nil || !st.Running || len(st.Clients) != 1 || st.Clients[0].PID != cmd.Process.Pid {
		t.Fatalf("status with the child attached: %+v %v", st, err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	// Its server runs on (it has its own session); the next process finds it.
	a, err := Attach(ctx, Options{Dir: dir}, "next")
	if err != nil {
		t.Fatal(err)
	}
	if a.Started() || a.Addr() != addr {
		a.Detach()
		t.Fatalf("next attach started=%v addr=%s, want the running server %s", a.Started(), a.Addr(), addr)
	}
	if stopped, err := a.Detach(); err != nil || !stopped {
		t.Fatalf("detach: %v %v, want stopped (the killed process holds nothing)", stopped, err)
	}
}

func TestAttachRestartsAServerWhoseProcessIsGone(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a1, err := Attach(ctx, Options{Dir: dir}, "first")
	if err != nil {
		t.Fatal(err)
	}
	sql(t, a1.HTTPAddr(), "CREATE TABLE default.kept (x UInt8) ENGINE = MergeTree ORDER BY x")
	sql(t, a1.HTTPAddr(), "INSERT INTO default.kept (x) VALUES (3)")
	a1.own.Crash() // the server dies; its record stays
	a1.own = nil
	a2, err := Attach(ctx, Options{Dir: dir}, "second")
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Detach()
	if !a2.Started() {
		t.Fatal("a dead server was taken for a live one")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, _ := sql(t, a2.HTTPAddr(), "SELECT sum(x) FROM default.kept")
		if got == "3" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("kept data after restart = %q", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	a1.Detach()
}
