package daemon

import (
	"os"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
)

// rrPriority is sched_get_priority_max(SCHED_RR) on Linux.
const rrPriority = 99

// setScheduler is corosync_setscheduler: with system.sched_rr yes (the
// default) the daemon runs SCHED_RR at the highest priority, as Debian's
// corosync does (measured: every thread RR 99), so CPU load on the host
// does not delay the token past its timeout. Linux sets the policy per
// thread: it is set on every thread the Go runtime has started, and the
// threads it starts later are cloned from those and inherit it.
// Failure only warns, as in C.
func setScheduler(m *icmap.Map, log *logsys.Logger) {
	if v, err := m.GetString("system.sched_rr"); err == nil && v == "no" {
		return
	}
	attr := unix.SchedAttr{Size: uint32(unsafe.Sizeof(unix.SchedAttr{})), Policy: unix.SCHED_RR, Priority: rrPriority}
	// A thread not yet switched may start another one while we go through
	// the list: list again until a pass finds no thread left to switch.
	done := map[int]bool{}
	for pass := 0; pass < 10; pass++ {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			log.Warningf("Could not set SCHED_RR at priority %d: %s (%d)", rrPriority, strerror(err), errnoOf(err))
			return
		}
		fresh := false
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil || done[tid] {
				continue
			}
			fresh = true
			done[tid] = true
			if err := unix.SchedSetAttr(tid, &attr, 0); err != nil && err != unix.ESRCH {
				log.Warningf("Could not set SCHED_RR at priority %d: %s (%d)", rrPriority, strerror(err), errnoOf(err))
				return
			}
		}
		if !fresh {
			return
		}
	}
}
