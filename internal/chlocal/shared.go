package chlocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/camino-edu/camino/internal/proc"
)

// A shared server is one local clickhouse-server that every camino process
// using the same data directory shares (docs/loads.md):
//
//   - server.json records the running server (pid, ports, when it started);
//   - start.lock (flock, exclusive) serialises starting and stopping;
//   - attached.lock is held shared by every process using the server, for
//     its whole life: the kernel releases it when the process dies, even by
//     kill -9, so "is anyone else attached" is a non-blocking exclusive try;
//   - clients/<pid>.json says which command each attached process runs.
//
// The server runs in its own session, so it outlives the process that
// started it; the last process to detach stops it. A recorded server is
// stale only when its process is gone: a live one is never stopped to
// start another.
const (
	recordFile   = "server.json"
	startLock    = "start.lock"
	attachedLock = "attached.lock"
	clientsDir   = "clients"
)

// record is server.json.
type record struct {
	PID       int       `json:"pid"`
	TCPPort   int       `json:"tcp_port"`
	HTTPPort  int       `json:"http_port"`
	Config    string    `json:"config"`
	StartedAt time.Time `json:"started_at"`
	StartedBy string    `json:"started_by"`
}

// Attachment is this process's use of a shared local server.
type Attachment struct {
	dir      string
	rec      record
	attached *os.File
	started  bool    // this process started the server
	own      *Server // set when this process started it (its child)
	opt      Options
}

// Addr is the native-protocol address of the shared server.
func (a *Attachment) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(a.rec.TCPPort))
}

// HTTPAddr is its HTTP address.
func (a *Attachment) HTTPAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(a.rec.HTTPPort))
}

// PID is the server's process id.
func (a *Attachment) PID() int { return a.rec.PID }

// Started reports whether this process started the server (rather than
// finding it running).
func (a *Attachment) Started() bool { return a.started }

// Attach uses the local server of opt.Dir (required), starting it when none
// runs. who names the attaching command in `camino warehouse status`.
func Attach(ctx context.Context, opt Options, who string) (*Attachment, error) {
	if opt.Dir == "" {
		return nil, errors.New("chlocal: Attach needs a directory")
	}
	dir, err := filepath.Abs(opt.Dir)
	if err != nil {
		return nil, err
	}
	if opt.StartTimeout == 0 {
		opt.StartTimeout = 60 * time.Second
	}
	opt.Dir = dir
	if err := os.MkdirAll(filepath.Join(dir, clientsDir), 0o755); err != nil {
		return nil, fmt.Errorf("chlocal: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, startLock), opt.StartTimeout+30*time.Second)
	if err != nil {
		return nil, err
	}
	defer unlock()
	a := &Attachment{dir: dir, opt: opt}
	rec, live, err := running(dir)
	if err != nil {
		return nil, err
	}
	if live {
		if err := waitReady(ctx, rec, opt.StartTimeout); err != nil {
			return nil, fmt.Errorf("chlocal: the clickhouse-server of %s (pid %d) is running but does not answer (%v); "+
				"it is never stopped while it runs: wait for it, or stop it with `camino warehouse stop`", dir, rec.PID, err)
		}
		a.rec = rec
	} else {
		opt.shared = true
		s, err := Start(ctx, opt)
		if err != nil {
			return nil, err
		}
		a.own, a.started = s, true
		a.rec = record{PID: s.cmd.Process.Pid, TCPPort: s.tcpPort, HTTPPort: s.httpPort, Config: filepath.Join(dir, "config.xml"),
			StartedAt: time.Now().UTC(), StartedBy: who}
		if err := writeJSON(filepath.Join(dir, recordFile), a.rec); err != nil {
			s.Stop()
			return nil, err
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, attachedLock), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("chlocal: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return nil, fmt.Errorf("chlocal: locking %s: %w", f.Name(), err)
	}
	a.attached = f
	_ = writeJSON(a.clientFile(), client{PID: os.Getpid(), Command: who, Since: time.Now().UTC(), Start: proc.Self()})
	return a, nil
}

func (a *Attachment) clientFile() string {
	return filepath.Join(a.dir, clientsDir, strconv.Itoa(os.Getpid())+".json")
}

// Detach ends this process's use of the server and stops the server when no
// other process is attached. It returns whether it stopped it.
func (a *Attachment) Detach() (stopped bool, err error) {
	if a == nil || a.attached == nil {
		return false, nil
	}
	os.Remove(a.clientFile())
	unlock, err := lockFile(context.Background(), filepath.Join(a.dir, startLock), 2*time.Minute)
	if err != nil {
		a.attached.Close()
		a.attached = nil
		return false, err
	}
	defer unlock()
	_ = syscall.Flock(int(a.attached.Fd()), syscall.LOCK_UN)
	a.attached.Close()
	a.attached = nil
	alone, release, err := nobodyAttached(a.dir)
	if err != nil || !alone {
		return false, err
	}
	defer release()
	return true, a.stopLocked()
}

// stopLocked stops the recorded server; start.lock and an exclusive
// attached.lock are held.
func (a *Attachment) stopLocked() error {
	if a.own != nil {
		err := a.own.Stop()
		os.Remove(filepath.Join(a.dir, recordFile))
		return err
	}
	return stopRecorded(a.dir)
}

// client is clients/<pid>.json.
type client struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
	Start   string    `json:"start"` // the process's start time (/proc/<pid>/stat), against pid reuse
}

// SharedStatus describes the shared server of a directory.
type SharedStatus struct {
	Dir      string
	Running  bool
	PID      int
	Addr     string
	Started  time.Time
	Clients  []Client
	Unlisted bool // some attached process wrote no clients/ file
}

// Client is an attached process.
type Client struct {
	PID     int
	Command string
	Since   time.Time
}

// Status reports the shared server of dir and the processes attached to it.
func Status(dir string) (SharedStatus, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return SharedStatus{}, err
	}
	st := SharedStatus{Dir: dir}
	rec, live, err := running(dir)
	if err != nil {
		return st, err
	}
	if live {
		st.Running, st.PID, st.Started = true, rec.PID, rec.StartedAt
		st.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(rec.TCPPort))
	}
	st.Clients = clients(dir)
	if alone, release, err := nobodyAttached(dir); err == nil {
		if alone {
			release()
		} else if len(st.Clients) == 0 {
			st.Unlisted = true
		}
	}
	return st, nil
}

// ErrAttached is returned by StopShared when other processes use the server.
var ErrAttached = errors.New("chlocal: other camino processes use this clickhouse-server")

// StopShared stops the shared server of dir (`camino warehouse stop`). With
// processes attached it returns an error wrapping ErrAttached that lists
// them, unless force. It returns false when no server was running.
func StopShared(ctx context.Context, dir string, force bool) (bool, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false, err
	}
	if _, err := os.Stat(dir); err != nil {
		return false, nil
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, startLock), 2*time.Minute)
	if err != nil {
		return false, err
	}
	defer unlock()
	_, live, err := running(dir)
	if err != nil || !live {
		return false, err
	}
	alone, release, err := nobodyAttached(dir)
	if err != nil {
		return false, err
	}
	if alone {
		defer release()
	} else if !force {
		var who []string
		for _, c := range clients(dir) {
			who = append(who, fmt.Sprintf("%s (pid %d, since %s)", c.Command, c.PID, c.Since.Local().Format("15:04:05")))
		}
		if len(who) == 0 {
			who = []string{"a camino process"}
		}
		return false, fmt.Errorf("%w: %s; stop them first, or pass --force", ErrAttached, strings.Join(who, ", "))
	}
	return true, stopRecorded(dir)
}

// running reads server.json (or, from an earlier camino, server.pid and
// config.xml) and reports whether that server's process is alive.
func running(dir string) (record, bool, error) {
	var rec record
	data, err := os.ReadFile(filepath.Join(dir, recordFile))
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &rec); err != nil {
			os.Remove(filepath.Join(dir, recordFile)) // torn by a crash while writing: as if absent
			return record{}, false, nil
		}
	case errors.Is(err, os.ErrNotExist):
		legacy, ok := legacyRecord(dir)
		if !ok {
			return record{}, false, nil
		}
		rec = legacy
	default:
		return record{}, false, fmt.Errorf("chlocal: %w", err)
	}
	if rec.Config == "" {
		rec.Config = filepath.Join(dir, "config.xml")
	}
	if !serverAlive(rec.PID, rec.Config) {
		os.Remove(filepath.Join(dir, recordFile))
		os.Remove(filepath.Join(dir, "server.pid"))
		return record{}, false, nil
	}
	return rec, true, nil
}

var portRE = regexp.MustCompile(`<(tcp_port|http_port)>(\d+)</`)

// legacyRecord is the server an earlier camino left running: server.pid and
// the ports of its config.xml.
func legacyRecord(dir string) (record, bool) {
	data, err := os.ReadFile(filepath.Join(dir, "server.pid"))
	if err != nil {
		return record{}, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		return record{}, false
	}
	cfg, err := os.ReadFile(filepath.Join(dir, "config.xml"))
	if err != nil {
		return record{}, false
	}
	rec := record{PID: pid, Config: filepath.Join(dir, "config.xml")}
	for _, m := range portRE.FindAllSubmatch(cfg, -1) {
		n, _ := strconv.Atoi(string(m[2]))
		if string(m[1]) == "tcp_port" {
			rec.TCPPort = n
		} else {
			rec.HTTPPort = n
		}
	}
	return rec, rec.TCPPort > 0 && rec.HTTPPort > 0
}

// serverAlive reports whether pid is a running clickhouse-server with this
// config (not a zombie, not another program that reuses the pid).
func serverAlive(pid int, config string) bool {
	if pid <= 1 {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !bytes.Contains(cmdline, []byte(config)) {
		return false
	}
	return !proc.Zombie(pid)
}

// clients lists the attached processes that are alive (removing the files
// of dead ones).
func clients(dir string) []Client {
	files, _ := filepath.Glob(filepath.Join(dir, clientsDir, "*.json"))
	var out []Client
	for _, f := range files {
		var c client
		data, err := os.ReadFile(f)
		if err != nil || json.Unmarshal(data, &c) != nil || !proc.Alive(c.PID, c.Start) {
			os.Remove(f)
			continue
		}
		out = append(out, Client{PID: c.PID, Command: c.Command, Since: c.Since})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Since.Before(out[j].Since) })
	return out
}

// nobodyAttached tries attached.lock exclusively: true (and a release func)
// when no process holds it shared.
func nobodyAttached(dir string) (bool, func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, attachedLock), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return false, nil, fmt.Errorf("chlocal: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return false, nil, nil
		}
		return false, nil, fmt.Errorf("chlocal: %w", err)
	}
	return true, func() { f.Close() }, nil
}

// stopRecorded stops the server server.json names (not a child of this
// process): SIGTERM, up to 20 s, then SIGKILL.
func stopRecorded(dir string) error {
	rec, live, err := running(dir)
	if err != nil || !live {
		return err
	}
	_ = syscall.Kill(rec.PID, syscall.SIGTERM)
	deadline := time.Now().Add(20 * time.Second)
	for serverAlive(rec.PID, rec.Config) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(rec.PID, syscall.SIGKILL)
			deadline = time.Now().Add(10 * time.Second)
		}
		time.Sleep(50 * time.Millisecond)
	}
	os.Remove(filepath.Join(dir, recordFile))
	os.Remove(filepath.Join(dir, "server.pid"))
	return nil
}

// waitReady waits until the recorded server answers /ping.
func waitReady(ctx context.Context, rec record, timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	var lastErr error
	for {
		resp, err := client.Get("http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(rec.HTTPPort)) + "/ping")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.HasPrefix(string(body), "Ok") {
				return nil
			}
			err = fmt.Errorf("/ping answered %d", resp.StatusCode)
		}
		lastErr = err
		if time.Now().After(deadline) {
			return lastErr
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// lockFile takes an exclusive flock on path, waiting up to wait; the
// returned func releases it.
func lockFile(ctx context.Context, path string, wait time.Duration) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("chlocal: %w", err)
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("chlocal: locking %s: %w", path, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("chlocal: another camino process has been starting or stopping the clickhouse-server of %s for %s",
				filepath.Dir(path), wait)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("chlocal: %w", err)
	}
	return os.Rename(tmp, path)
}
