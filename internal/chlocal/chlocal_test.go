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

func TestMissingBinaryNamesInstallCommand(t *testing.T) {
	_, err := Start(context.Background(), Options{Binary: "/nonexistent/clickhouse-server"})
	if err == nil || !strings.Contains(err.Error(), "apt-get install -y clickhouse-server") {
		t.Fatalf("err = %v, want install hint", err)
	}
}
