package daemon

import (
	"golang.org/x/sys/unix"

	"github.com/gorosync/gorosync/daemon/logsys"
)

// mlockall is corosync_mlockall: keep the daemon's memory resident so
// page faults don't delay the token. Failure only warns.
func mlockall(log *logsys.Logger) {
	inf := unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
	if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &inf); err != nil {
		log.Warningf("Could not increase RLIMIT_MEMLOCK, not locking memory: %s (%d)", strerror(err), errnoOf(err))
		return
	}
	if err := unix.Mlockall(unix.MCL_CURRENT | unix.MCL_FUTURE); err != nil {
		log.Warningf("Could not lock memory of service to avoid page faults: %s (%d)", strerror(err), errnoOf(err))
	}
}

func errnoOf(err error) int {
	if en, ok := err.(unix.Errno); ok {
		return int(en)
	}
	return 0
}
