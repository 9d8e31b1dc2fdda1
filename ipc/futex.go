package ipc

import (
	"syscall"
	"time"
	"unsafe"
)

// Plain (shared, not _PRIVATE) futex operations: the semaphore lives in memory
// shared with another process, and glibc marks pshared semaphores with
// private=128 so that C peers use the shared variants too.
const (
	futexWait = 0
	futexWake = 1
)

// futexWakeOne never blocks, so it is a raw call: the runtime's syscall
// bookkeeping would wake its sysmon thread whenever the process was idle
// (daemon/transport/rawio.go), once per response.
func futexWakeOne(addr *uint32) {
	syscall.RawSyscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWake, 1, 0, 0, 0)
}

// futexWaitFor sleeps while *addr == val, at most d. Spurious wake-ups are
// fine: callers re-check the semaphore.
func futexWaitFor(addr *uint32, val uint32, d time.Duration) syscall.Errno {
	ts := syscall.NsecToTimespec(int64(d))
	_, _, e := syscall.Syscall6(syscall.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), futexWait,
		uintptr(val), uintptr(unsafe.Pointer(&ts)), 0, 0)
	return e
}
