package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/camino-edu/camino/internal/server"
	"github.com/camino-edu/camino/internal/warehouse"
)

// TestReadyzFailsAsSoonAsShutdownBegins: with a slow request in flight,
// beginning shutdown turns /readyz to 503 while /healthz keeps answering
// and the slow request still finishes.
func TestReadyzFailsAsSoonAsShutdownBegins(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "done")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ready\n") })
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan net.Addr, 1)
	served := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() { served <- server.Serve(ctx, "127.0.0.1:0", mux, log, func(a net.Addr) { addrc <- a }) }()
	base := "http://" + (<-addrc).String()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string) (int, string, error) {
		resp, err := client.Get(base + path)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	if code, _, err := get("/readyz"); err != nil || code != 200 {
		t.Fatalf("/readyz before shutdown = %d, %v", code, err)
	}
	slow := make(chan string, 1)
	go func() {
		code, body, err := get("/slow")
		if err != nil {
			slow <- err.Error()
			return
		}
		slow <- strings.TrimSpace(body) + " " + http.StatusText(code)
	}()
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("slow request never arrived")
	}
	cancel() // shutdown begins
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, _, err := get("/readyz")
		if err == nil && code == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never answered 503 during shutdown (last %d, %v)", code, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, body, err := get("/healthz"); err != nil || code != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("/healthz during shutdown = %d %q %v", code, body, err)
	}
	select {
	case err := <-served:
		t.Fatalf("server stopped before the request in flight finished: %v", err)
	default:
	}
	close(release)
	if got := <-slow; got != "done OK" {
		t.Fatalf("slow request = %q", got)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop after the request drained")
	}
}

// hangingKeys is a key store whose lookups go to a listener that accepts
// connections and never answers, like a hung ClickHouse.
type hangingKeys struct {
	addr string
}

func (h *hangingKeys) hang(ctx context.Context) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", h.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	go func() { <-ctx.Done(); c.SetDeadline(time.Now()) }()
	_, err = c.Read(make([]byte, 1))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (h *hangingKeys) SaveKey(ctx context.Context, k warehouse.APIKey) error { return h.hang(ctx) }
func (h *hangingKeys) Key(ctx context.Context, id string) (warehouse.APIKey, bool, error) {
	return warehouse.APIKey{}, false, h.hang(ctx)
}
func (h *hangingKeys) Keys(ctx context.Context) ([]warehouse.APIKey, error) { return nil, h.hang(ctx) }
func (h *hangingKeys) DistrictsByID(ctx context.Context, ids []string) ([]warehouse.District, error) {
	return nil, h.hang(ctx)
}

// TestHangingKeyStoreAnswers503Soon: a key that cannot be checked because
// the store hangs gets a 503 within the key check's bound, not after the
// statement timeout.
func TestHangingKeyStoreAnswers503Soon(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var held []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // accepted, never answered
		}
	}()
	h := server.New(server.Options{DB: fixtureDB(t), Keys: &hangingKeys{addr: ln.Addr().String()},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), AssetsDir: t.TempDir()})
	ts := httptest.NewServer(h)
	defer ts.Close()
	req, _ := http.NewRequest("POST", ts.URL+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer cmn_0123456789ab_"+strings.Repeat("A", 43))
	start := time.Now()
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	took := time.Since(start)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "key store is unavailable") {
		t.Fatalf("answer = %d %s", resp.StatusCode, body)
	}
	if took > 15*time.Second {
		t.Fatalf("answer took %v; the key check should give up after ~5 s", took)
	}
}
