// Package proc tells whether a process on this machine is alive: by pid and
// by its start time, so a pid reused by another program is not taken for
// the process that died.
//
// It owns only reading /proc. It must never signal or stop a process.
package proc

import (
	"bytes"
	"fmt"
	"os"
	"strings"
)

// Start is the start time of process pid in clock ticks since boot (field 22
// of /proc/<pid>/stat), or "" when it is not running.
func Start(pid int) string {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 20 {
		return ""
	}
	return f[19]
}

// Self is the start time of this process, as Alive takes it.
func Self() string { return Start(os.Getpid()) }

// Zombie reports whether pid has exited (or is gone) and is only waiting to
// be reaped.
func Zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X'
}

// Alive reports whether process pid runs and started at start (a Start
// value; "" skips that check).
func Alive(pid int, start string) bool {
	if pid <= 0 || Zombie(pid) {
		return false
	}
	return start == "" || Start(pid) == start
}

// Host names this machine for leases: its host name and boot id, so that
// two machines (or containers) sharing a host name, or one machine after a
// reboot, are not taken for the same process space.
func Host() string {
	h, _ := os.Hostname()
	if b, err := os.ReadFile("/proc/sys/kernel/random/boot_id"); err == nil && len(b) >= 8 {
		h += "/" + string(b[:8])
	}
	return h
}
