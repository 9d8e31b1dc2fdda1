package daemon

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"
)

// Go cannot fork a running runtime, so the background daemon is a fresh
// copy of this program started in its own session with stdio on
// /dev/null (what C's corosync_tty_detach does after fork). childEnv tells
// the copy it is the detached child; fd 3 is a pipe to the parent.
const childEnv = "GOROSYNC_DETACHED_CHILD"

const readyFD = 3

func isDetachedChild() bool { return os.Getenv(childEnv) == "1" }

// detach starts the detached child and waits until it reports ready (the
// lock file is ours and the main loop runs): then the parent exits 0. If
// the child dies first, the parent exits with the child's status, so a
// second instance started in the background still fails visibly (C's
// parent exits 0 at fork time, before the child has checked the lock).
func detach(args []string, dir string) int {
	self, err := os.Executable()
	if err != nil {
		return DoneFork
	}
	r, w, err := os.Pipe()
	if err != nil {
		return DoneFork
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Dir = dir
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// nil Stdin/Stdout/Stderr: the child gets /dev/null on 0, 1 and 2.
	if err := cmd.Start(); err != nil {
		w.Close()
		r.Close()
		return DoneFork
	}
	w.Close()
	buf := make([]byte, 1)
	n, _ := io.ReadFull(r, buf)
	r.Close()
	if n == 1 && buf[0] == 'R' {
		_ = cmd.Process.Release()
		return DoneExit
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if code := ee.ExitCode(); code >= 0 {
			return code
		}
		return DoneFatalErr
	}
	return DoneFork
}

// tellParentReady releases a waiting parent; outside a detached child it
// does nothing.
func tellParentReady() {
	if !isDetachedChild() {
		return
	}
	f := os.NewFile(readyFD, "ready")
	if f == nil {
		return
	}
	_, _ = f.Write([]byte{'R'})
	f.Close()
}
