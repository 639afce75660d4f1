package warehouse

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/camino-edu/camino/internal/apperr"
	"github.com/camino-edu/camino/internal/proc"
)

// Leases and the write lock live in the warehouse (warehouse_leases), so
// they hold across processes and machines (docs/loads.md).
//
// A register is one owner's row for one name (ReplacingMergeTree by a
// per-owner sequence: read with argMax). Its heartbeat is the server's
// now() at each write, so one clock decides. A register is live while its
// heartbeat is younger than the lease, unless its owner ran on this
// machine and its process is gone: then it is dead at once.
//
// Names: "write" is the bakery lock every commit takes; "batch:<load no>"
// is a load running (the janitor keeps its generations); "pin:<version>"
// a long read that needs that version kept.
const leasesTable = "warehouse_leases"

// leaseTTL is how long a register lives without a heartbeat;
// heartbeatEvery how often its owner renews it.
const (
	leaseTTL       = 30 * time.Second
	heartbeatEvery = 5 * time.Second
)

const leasesDDL = ` (
    name      String,
    owner     String,
    host      String,
    pid       UInt32,
    pstart    String,
    what      String,
    choosing  UInt8,
    ticket    UInt64,
    heartbeat DateTime,
    seq       UInt64
) ENGINE = ReplacingMergeTree(seq) ORDER BY (name, owner)`

// register is one owner's state for a name.
type register struct {
	name, owner, host, pstart, what string
	pid                             uint32
	choosing                        uint8
	ticket                          uint64
	age                             time.Duration // since its last heartbeat, by the server's clock
}

// live reports whether the register's owner may still act.
func (r register) live() bool {
	if r.age >= leaseTTL {
		return false
	}
	if r.host != "" && r.host == thisHost && !proc.Alive(int(r.pid), r.pstart) {
		return false // its process on this machine is gone
	}
	return true
}

// idle reports whether the register holds nothing.
func (r register) idle() bool { return r.choosing == 0 && r.ticket == 0 }

var (
	thisHost  = proc.Host()
	thisStart = proc.Self()
)

// registers reads the live, non-idle registers of a name (every name with
// prefix, when prefix is set).
func (d *DB) registers(ctx context.Context, name string, prefix bool) ([]register, error) {
	cond, arg := "name = ?", name
	if prefix {
		cond = "startsWith(name, ?)"
	}
	var out []register
	err := d.scanAll(ctx, "lease.read", func(r driver.Rows) error {
		var g register
		var age int64
		if err := r.Scan(&g.name, &g.owner, &g.host, &g.pid, &g.pstart, &g.what, &g.choosing, &g.ticket, &age); err != nil {
			return err
		}
		g.age = time.Duration(age) * time.Second
		if g.live() && !g.idle() {
			out = append(out, g)
		}
		return nil
	}, "SELECT name, owner, argMax(host, seq), argMax(pid, seq), argMax(pstart, seq), argMax(what, seq), argMax(choosing, seq), "+
		"argMax(ticket, seq), toInt64(toUInt32(now())) - toInt64(toUInt32(max(heartbeat))) FROM "+d.table(leasesTable)+
		" WHERE "+cond+" GROUP BY name, owner", arg)
	return out, err
}

// lease is a register this process owns, renewed until released.
type lease struct {
	d           *DB
	name, owner string
	what        string
	seq         atomic.Uint64

	mu       sync.Mutex
	choosing uint8
	ticket   uint64
	lastOK   time.Time // last heartbeat that reached the warehouse
	stop     chan struct{}
	stopped  chan struct{}
}

func (d *DB) newLease(name, what string) *lease {
	l := &lease{d: d, name: name, owner: NewID(), what: what}
	l.seq.Store(uint64(time.Now().UnixNano()))
	return l
}

// write records the register's state (with a fresh heartbeat).
func (l *lease) write(ctx context.Context, choosing uint8, ticket uint64) error {
	err := l.d.exec(ctx, "lease.write", "INSERT INTO "+l.d.table(leasesTable)+
		" (name, owner, host, pid, pstart, what, choosing, ticket, heartbeat, seq) SELECT ?, ?, ?, ?, ?, ?, ?, ?, now(), ?",
		l.name, l.owner, thisHost, uint32(os.Getpid()), thisStart, l.what, choosing, ticket, l.seq.Add(1))
	if err == nil {
		l.mu.Lock()
		l.choosing, l.ticket, l.lastOK = choosing, ticket, time.Now()
		l.mu.Unlock()
	}
	return err
}

// hold takes the lease (ticket 1) and renews it until release.
func (d *DB) hold(ctx context.Context, name, what string) (*lease, error) {
	l := d.newLease(name, what)
	if err := l.write(ctx, 0, 1); err != nil {
		return nil, err
	}
	l.renew()
	return l, nil
}

// renew starts the heartbeat.
func (l *lease) renew() {
	l.stop, l.stopped = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(l.stopped)
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				l.mu.Lock()
				c, tk := l.choosing, l.ticket
				l.mu.Unlock()
				ctx, cancel := context.WithTimeout(context.Background(), heartbeatEvery)
				if err := l.write(ctx, c, tk); err != nil {
					l.d.log.Warn("lease heartbeat failed", "lease", l.name, "err", err)
				}
				cancel()
			}
		}
	}()
}

// ok reports whether the lease is surely still held: its last heartbeat
// reached the warehouse well within the lease.
func (l *lease) ok() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Since(l.lastOK) < leaseTTL-2*heartbeatEvery
}

// release ends the lease: the heartbeat stops first, so it cannot write the
// held state again after the release.
func (l *lease) release(ctx context.Context) {
	if l == nil {
		return
	}
	if l.stop != nil {
		close(l.stop)
		<-l.stopped
		l.stop = nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := l.write(ctx, 0, 0); err != nil {
		l.d.log.Warn("releasing a lease", "lease", l.name, "err", err)
	}
}

// writeLock is the bakery lock name.
const writeLock = "write"

// Waiting tells a caller of the write lock who it waits for.
type Waiting func(holder string, waited time.Duration)

type waitingKey struct{}

// WithWaiting returns ctx in which a wait for the warehouse write lock
// calls w now and then.
func WithWaiting(ctx context.Context, w Waiting) context.Context {
	return context.WithValue(ctx, waitingKey{}, w)
}

// lockWrites takes the warehouse write lock (Lamport's bakery over the
// registers of "write"): choose a ticket above every live one, then wait
// until nobody live is choosing or holds a smaller (ticket, owner). It
// waits as long as ctx allows.
func (d *DB) lockWrites(ctx context.Context, what string) (*lease, error) {
	l := d.newLease(writeLock, what)
	fail := func(err error) (*lease, error) {
		l.release(ctx)
		return nil, err
	}
	if err := l.write(ctx, 1, 0); err != nil {
		return nil, err
	}
	regs, err := d.registers(ctx, writeLock, false)
	if err != nil {
		return fail(err)
	}
	ticket := uint64(1)
	for _, r := range regs {
		ticket = max(ticket, r.ticket+1)
	}
	if err := l.write(ctx, 0, ticket); err != nil {
		return fail(err)
	}
	l.renew()
	start, told := time.Now(), time.Time{}
	pause := 20 * time.Millisecond
	for {
		regs, err := d.registers(ctx, writeLock, false)
		if err != nil {
			return fail(err)
		}
		var ahead *register
		for i, r := range regs {
			if r.owner == l.owner {
				continue
			}
			if r.choosing == 1 || (r.ticket != 0 && (r.ticket < ticket || (r.ticket == ticket && r.owner < l.owner))) {
				ahead = &regs[i]
				break
			}
		}
		if ahead == nil {
			return l, nil
		}
		if w, ok := ctx.Value(waitingKey{}).(Waiting); ok && time.Since(told) > 5*time.Second {
			w(ahead.describe(), time.Since(start))
			told = time.Now()
		}
		select {
		case <-ctx.Done():
			return fail(apperr.Wrap(apperr.Unavailable, ctx.Err(), "waiting for the warehouse write lock, held by "+ahead.describe()))
		case <-time.After(pause):
		}
		pause = min(2*pause, 500*time.Millisecond)
	}
}

// tryLockWrites takes the write lock only when nobody holds or waits for
// it (the janitor's way); ok=false otherwise.
func (d *DB) tryLockWrites(ctx context.Context, what string) (*lease, bool, error) {
	regs, err := d.registers(ctx, writeLock, false)
	if err != nil || len(regs) > 0 {
		return nil, false, err
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	l, err := d.lockWrites(wctx, what)
	if err != nil {
		if ctx.Err() == nil && apperr.CodeOf(err) == apperr.Unavailable {
			return nil, false, nil // someone came first
		}
		return nil, false, err
	}
	return l, true, nil
}

func (r register) describe() string {
	what := r.what
	if what == "" {
		what = "a camino process"
	}
	where := fmt.Sprintf("pid %d", r.pid)
	if r.host != thisHost && r.host != "" {
		where += " on " + r.host
	}
	return what + " (" + where + ")"
}

// LockHolder describes who holds or waits for the write lock ("" when
// nobody), for `camino warehouse status`.
func (d *DB) LockHolder(ctx context.Context) (string, error) {
	regs, err := d.registers(ctx, writeLock, false)
	if err != nil || len(regs) == 0 {
		return "", err
	}
	var parts []string
	for _, r := range regs {
		parts = append(parts, r.describe())
	}
	return strings.Join(parts, ", "), nil
}
