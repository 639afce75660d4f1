package chlocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/template"
	"time"
)

// InstallHint says how to get the server binary on the machines we support.
const InstallHint = "install it with: sudo apt-get update && sudo apt-get install -y clickhouse-server clickhouse-client " +
	"(or set CAMINO_CLICKHOUSE_SERVER to the path of a clickhouse-server or clickhouse binary)"

// ErrNoBinary is returned when no clickhouse-server binary can be found.
var ErrNoBinary = errors.New("clickhouse-server not found; " + InstallHint)

// Options configure a local server. The zero value is usable: a temporary
// directory that Stop removes, and the first binary found.
type Options struct {
	// Dir keeps the data between runs when set; when empty a temporary
	// directory is used and removed by Stop.
	Dir string
	// Binary is the clickhouse-server (or multi-call clickhouse) executable.
	Binary string
	// StartTimeout bounds the wait for the server to answer (default 60s).
	StartTimeout time.Duration
	// MaxMemoryBytes caps the server's memory (default 4 GiB).
	MaxMemoryBytes int64
	// Ports are the TCP, HTTP and interserver ports to listen on (default:
	// free ones); a restart after Crash may ask for the same (Server.Ports).
	Ports  []int
	Logger *slog.Logger

	// shared starts the server in its own session, to outlive this process
	// (Attach); otherwise it dies with this process.
	shared bool
}

// Server is a running local clickhouse-server.
type Server struct {
	cmd      *exec.Cmd
	dir      string
	tempDir  bool
	tcpPort  int
	httpPort int
	ports    []int
	done     chan struct{}
	waitErr  error
	log      *slog.Logger
}

// Addr is the native-protocol address, host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.tcpPort)) }

// HTTPAddr is the HTTP interface address, host:port.
func (s *Server) HTTPAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.httpPort)) }

// Ports are the TCP, HTTP and interserver ports (Options.Ports).
func (s *Server) Ports() []int { return s.ports }

// Dir is the server's working directory (config, data, logs).
func (s *Server) Dir() string { return s.dir }

// FindBinary returns the server executable and the arguments that precede
// --config-file (["server"] for the multi-call clickhouse binary).
func FindBinary(explicit string) (string, []string, error) {
	if explicit == "" {
		explicit = os.Getenv("CAMINO_CLICKHOUSE_SERVER")
	}
	if explicit != "" {
		p, err := exec.LookPath(explicit)
		if err != nil {
			return "", nil, fmt.Errorf("CAMINO_CLICKHOUSE_SERVER=%q: %w; %s", explicit, err, InstallHint)
		}
		return p, prefixArgs(p), nil
	}
	for _, name := range []string{"clickhouse-server", "/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server", "clickhouse", "/usr/bin/clickhouse"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, prefixArgs(p), nil
		}
	}
	return "", nil, ErrNoBinary
}

func prefixArgs(path string) []string {
	if filepath.Base(path) == "clickhouse" {
		return []string{"server"}
	}
	return nil
}

// Start launches a server and waits until it answers queries.
func Start(ctx context.Context, opt Options) (*Server, error) {
	bin, pre, err := FindBinary(opt.Binary)
	if err != nil {
		return nil, err
	}
	if opt.StartTimeout == 0 {
		opt.StartTimeout = 60 * time.Second
	}
	if opt.MaxMemoryBytes == 0 {
		opt.MaxMemoryBytes = 4 << 30
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{dir: opt.Dir, log: opt.Logger, done: make(chan struct{})}
	if s.dir == "" {
		d, err := os.MkdirTemp("", "camino-clickhouse-")
		if err != nil {
			return nil, fmt.Errorf("chlocal: temp dir: %w", err)
		}
		s.dir, s.tempDir = d, true
	}
	if s.dir, err = filepath.Abs(s.dir); err != nil {
		return nil, err
	}
	for _, sub := range []string{"data", "tmp", "user_files", "format_schemas", "log"} {
		if err := os.MkdirAll(filepath.Join(s.dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("chlocal: %w", err)
		}
	}
	if !s.tempDir && !opt.shared {
		// Attach checked under its lock; here a live server on the directory
		// is someone else's, never to be stopped.
		if rec, live, err := running(s.dir); err != nil {
			return nil, err
		} else if live {
			return nil, fmt.Errorf("chlocal: a clickhouse-server (pid %d) already runs on %s; use it, or stop it with `camino warehouse stop`",
				rec.PID, s.dir)
		}
	}

	// A port picked free may be taken before the server binds it; try again.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if err := s.start(ctx, bin, pre, opt); err != nil {
			lastErr = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		return s, nil
	}
	if s.tempDir {
		os.RemoveAll(s.dir)
	}
	return nil, lastErr
}

func (s *Server) start(ctx context.Context, bin string, pre []string, opt Options) error {
	ports := opt.Ports
	if len(ports) != 3 {
		var err error
		if ports, err = freePorts(3); err != nil {
			return fmt.Errorf("chlocal: free ports: %w", err)
		}
	}
	s.ports = ports
	s.tcpPort, s.httpPort = ports[0], ports[1]
	cfgPath := filepath.Join(s.dir, "config.xml")
	if err := writeConfig(s.dir, cfgPath, ports, opt.MaxMemoryBytes); err != nil {
		return err
	}
	s.done = make(chan struct{})
	stdout, err := os.Create(filepath.Join(s.dir, "log", "stdout.log"))
	if err != nil {
		return fmt.Errorf("chlocal: %w", err)
	}
	cmd := exec.Command(bin, append(pre, "--config-file="+cfgPath)...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = stdout, stdout
	// Out of the terminal's process group either way, so ^C reaches only
	// camino, which decides. A server of this process alone dies with it
	// even if it is killed; a shared one has its own session and outlives
	// the process that started it (the last one attached stops it).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if opt.shared {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	}
	if err := cmd.Start(); err != nil {
		stdout.Close()
		return fmt.Errorf("chlocal: starting %s: %w", bin, err)
	}
	s.cmd = cmd
	if !s.tempDir {
		_ = writeJSON(filepath.Join(s.dir, recordFile), record{PID: cmd.Process.Pid, TCPPort: s.tcpPort, HTTPPort: s.httpPort,
			Config: cfgPath, StartedAt: time.Now().UTC()})
	}
	go func() {
		s.waitErr = cmd.Wait()
		stdout.Close()
		close(s.done)
	}()
	s.log.Info("starting clickhouse-server", "binary", bin, "dir", s.dir, "tcp", s.Addr())

	deadline := time.Now().Add(opt.StartTimeout)
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("chlocal: clickhouse-server exited during start (%v): %s", s.waitErr, s.logTail())
		case <-ctx.Done():
			s.Stop()
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := client.Get("http://" + s.HTTPAddr() + "/ping")
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && strings.HasPrefix(string(body), "Ok") {
			s.log.Info("clickhouse-server ready", "tcp", s.Addr())
			return nil
		}
	}
	s.kill()
	return fmt.Errorf("chlocal: clickhouse-server did not answer within %s: %s", opt.StartTimeout, s.logTail())
}

// Stop asks the server to shut down, waits up to 20 seconds, then kills it.
// A temporary directory is removed.
func (s *Server) Stop() error {
	if s == nil || s.cmd == nil {
		return nil
	}
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			s.kill()
		}
	}
	os.Remove(filepath.Join(s.dir, recordFile))
	if s.tempDir {
		return os.RemoveAll(s.dir)
	}
	return nil
}

// Crash ends the server at once with SIGKILL, as a power cut or an OOM kill
// would (fault tests); its data directory is kept for a restart.
func (s *Server) Crash() {
	if s == nil || s.cmd == nil {
		return
	}
	select {
	case <-s.done:
	default:
		s.kill()
	}
	os.Remove(filepath.Join(s.dir, recordFile))
}

func (s *Server) kill() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

func (s *Server) logTail() string {
	var b bytes.Buffer
	for _, f := range []string{"log/err.log", "log/stdout.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, f))
		if err != nil || len(data) == 0 {
			continue
		}
		if len(data) > 2000 {
			data = data[len(data)-2000:]
		}
		b.Write(data)
	}
	if b.Len() == 0 {
		return "(no server log)"
	}
	return strings.TrimSpace(b.String())
}

func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

var configTmpl = template.Must(template.New("config").Parse(`<?xml version="1.0"?>
<!-- Generated by camino (internal/chlocal). Edits are overwritten at every start. -->
<yandex>
  <logger>
    <level>warning</level>
    <log>{{.Dir}}/log/server.log</log>
    <errorlog>{{.Dir}}/log/err.log</errorlog>
    <size>100M</size>
    <count>3</count>
    <console>0</console>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>{{.TCP}}</tcp_port>
  <http_port>{{.HTTP}}</http_port>
  <interserver_http_port>{{.Inter}}</interserver_http_port>
  <path>{{.Dir}}/data/</path>
  <tmp_path>{{.Dir}}/tmp/</tmp_path>
  <user_files_path>{{.Dir}}/user_files/</user_files_path>
  <format_schema_path>{{.Dir}}/format_schemas/</format_schema_path>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>200</max_concurrent_queries>
  <max_server_memory_usage>{{.Mem}}</max_server_memory_usage>
  <timezone>UTC</timezone>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <users_config>{{.Dir}}/users.xml</users_config>
  <query_log>
    <database>system</database>
    <table>query_log</table>
    <flush_interval_milliseconds>500</flush_interval_milliseconds>
  </query_log>
</yandex>
`))

var usersTmpl = template.Must(template.New("users").Parse(`<?xml version="1.0"?>
<!-- Generated by camino (internal/chlocal): a loopback-only server. -->
<yandex>
  <profiles>
    <default>
      <max_memory_usage>{{.Mem}}</max_memory_usage>
      <log_queries>1</log_queries>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries><errors>0</errors><result_rows>0</result_rows>
        <read_rows>0</read_rows><execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`))

func writeConfig(dir, cfgPath string, ports []int, mem int64) error {
	v := struct {
		Dir              string
		TCP, HTTP, Inter int
		Mem              int64
	}{dir, ports[0], ports[1], ports[2], mem}
	for _, f := range []struct {
		path string
		t    *template.Template
	}{{cfgPath, configTmpl}, {filepath.Join(dir, "users.xml"), usersTmpl}} {
		var b bytes.Buffer
		if err := f.t.Execute(&b, v); err != nil {
			return err
		}
		if err := os.WriteFile(f.path, b.Bytes(), 0o644); err != nil {
			return fmt.Errorf("chlocal: writing config: %w", err)
		}
	}
	return nil
}
