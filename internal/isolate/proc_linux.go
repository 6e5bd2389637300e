package isolate

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of CPU times in /proc; it is 100 on
// every Linux architecture Go supports.
const clockTicks = 100

// usage reads a process's CPU time and resident memory from /proc.
func usage(pid int) (cpu time.Duration, rss int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// Fields after the command name, which may hold spaces and ends at
	// the last ')': state is field 3, utime 14, stime 15, rss 24.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	fields := bytes.Fields(data[i+1:])
	if len(fields) < 22 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	num := func(field int) int64 {
		n, _ := strconv.ParseInt(string(fields[field-3]), 10, 64)
		return n
	}
	cpu = time.Duration(num(14)+num(15)) * time.Second / clockTicks
	return cpu, num(24) * int64(os.Getpagesize()), nil
}

// limitAddressSpace caps this process's address space at what it has
// mapped now plus twice the memory limit: Go reserves address space well
// beyond what it uses, so the cap is a backstop above the pool's RSS limit.
func limitAddressSpace(limit int64) error {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return err
	}
	f := bytes.Fields(data)
	if len(f) == 0 {
		return fmt.Errorf("/proc/self/statm: unexpected format")
	}
	pages, err := strconv.ParseInt(string(f[0]), 10, 64)
	if err != nil {
		return fmt.Errorf("/proc/self/statm: %w", err)
	}
	max := uint64(pages*int64(os.Getpagesize()) + 2*limit)
	return syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: max, Max: max})
}

// sysProcAttr has the kernel kill a worker when the pool's process dies,
// so no worker outlives its caller.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
