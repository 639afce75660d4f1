package chlocal

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// noKeepAlive leaves no idle connection for the server to wait on at shutdown.
var noKeepAlive = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func TestStartQueryStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := s.Dir()
	resp, err := noKeepAlive.Get("http://" + s.HTTPAddr() + "/?query=SELECT%20version()")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if v := strings.TrimSpace(string(body)); v == "" || strings.Contains(v, "Exception") {
		t.Fatalf("version query answered %q", v)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temp dir %s not removed: %v", dir, err)
	}
	if _, err := http.Get("http://" + s.HTTPAddr() + "/ping"); err == nil {
		t.Fatal("server still answers after Stop")
	}
}

func TestKeptDirSurvivesRestartAndStaleServer(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s1, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	q := func(s *Server, sql string) string {
		t.Helper()
		resp, err := noKeepAlive.Post("http://"+s.HTTPAddr()+"/", "text/plain", strings.NewReader(sql))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.TrimSpace(string(b))
	}
	q(s1, "CREATE TABLE default.kept (x UInt8) ENGINE = MergeTree ORDER BY x")
	q(s1, "INSERT INTO default.kept (x) VALUES (7)")
	// Simulate a camino that died without stopping its server: a second
	// Start on the same dir must end the stale server, not fail on its lock.
	s2, err := Start(ctx, Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Stop()
	if got := q(s2, "SELECT sum(x) FROM default.kept"); got != "7" {
		t.Fatalf("kept data = %q, want 7", got)
	}
	select {
	case <-s1.done:
	case <-time.After(5 * time.Second):
		t.Fatal("stale server still running")
	}
}

func TestMissingBinaryNamesInstallCommand(t *testing.T) {
	_, err := Start(context.Background(), Options{Binary: "/nonexistent/clickhouse-server"})
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y clickhouse-server") {
		t.Fatalf("err = %v, want install hint", err)
	}
}
