package daemon

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/gorosync/gorosync/daemon/logsys"
)

// DefaultLockFile is LOCALSTATEDIR "/run/corosync.pid".
const DefaultLockFile = "/run/corosync.pid"

// lockFile is corosync_flock: an fcntl write lock on the whole file held
// for the life of the process, with our pid written in it. A second
// instance finds the lock taken.
type lockFile struct {
	path string
	f    *os.File
}

func acquireLock(path string, pid int, log *logsys.Logger) (*lockFile, int) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|unix.O_CLOEXEC, 0o640)
	if err != nil {
		log.Errorf("Corosync Executive couldn't create lock file.")
		return nil, DoneAcquireLock
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: 0, Len: 0}
	for {
		err = unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		if err == unix.EAGAIN || err == unix.EACCES {
			log.Errorf("Another Corosync instance is already running.")
			return nil, DoneAlreadyRunning
		}
		log.Errorf("Corosync Executive couldn't acquire lock. Error was %s", strerror(err))
		return nil, DoneAcquireLock
	}
	fail := func(what string, err error) (*lockFile, int) {
		log.Errorf("Corosync Executive couldn't %s. Error was %s", what, strerror(err))
		os.Remove(path)
		f.Close()
		return nil, DoneAcquireLock
	}
	if err := f.Truncate(0); err != nil {
		return fail("truncate lock file", err)
	}
	if _, err := f.WriteString(fmt.Sprintf("%d\n", pid)); err != nil {
		return fail("write pid to lock file", err)
	}
	return &lockFile{path: path, f: f}, DoneExit
}

// release is main's exit path: close (dropping the lock) and unlink.
func (l *lockFile) release() {
	l.f.Close()
	os.Remove(l.path)
}

// strerror gives C's strerror(3) text for an errno.
func strerror(err error) string {
	if en, ok := err.(unix.Errno); ok {
		s := en.Error()
		if s != "" && s[0] >= 'a' && s[0] <= 'z' {
			s = string(s[0]-'a'+'A') + s[1:]
		}
		return s
	}
	if pe, ok := err.(*os.PathError); ok {
		return strerror(pe.Err)
	}
	return err.Error()
}
