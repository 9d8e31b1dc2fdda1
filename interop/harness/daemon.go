package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// Impl selects which corosync a host runs.
type Impl int

const (
	// C is Debian's corosync 3.1.7, the reference.
	C Impl = iota
	// Go is this repository's bin/corosync (built by `make build`).
	Go
)

func (i Impl) String() string {
	if i == Go {
		return "go"
	}
	return "c"
}

// CCorosync is Debian's daemon.
const CCorosync = "/usr/sbin/corosync"

// GoBinary returns the path of our daemon: $GOROSYNC_BIN if set, else
// bin/corosync at the repository root. It errors when the file is missing.
func GoBinary() (string, error) {
	p := os.Getenv("GOROSYNC_BIN")
	if p == "" {
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			return "", errors.New("harness: cannot locate the repository (runtime.Caller)")
		}
		p = filepath.Join(filepath.Dir(file), "..", "..", "bin", "corosync")
	}
	p, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(p)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("harness: our corosync binary %s is missing or not executable: run `make build` first", p)
	}
	return p, nil
}

// Daemon is a long-running process started on a host. Pid is the daemon's
// own PID: the wrapper chain (ip netns exec, unshare, sh) ends in exec.
type Daemon struct {
	Name string
	Pid  int
	Out  string // file receiving stdout and stderr (appended across restarts)

	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Exited reports whether the process has ended.
func (d *Daemon) Exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Err is the process's exit status (valid once Exited).
func (d *Daemon) Err() error { <-d.done; return d.err }

// WaitExit waits up to timeout for the process to end.
func (d *Daemon) WaitExit(timeout time.Duration) bool {
	select {
	case <-d.done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// Signal sends sig to the daemon's PID unless it has already been reaped
// (after which the PID may belong to someone else).
func (d *Daemon) Signal(sig syscall.Signal) error {
	if d.Exited() {
		return fmt.Errorf("%s (pid %d) already exited: %v", d.Name, d.Pid, d.err)
	}
	return syscall.Kill(d.Pid, sig)
}

func (d *Daemon) kill() {
	_ = d.Signal(syscall.SIGKILL)
	d.WaitExit(10 * time.Second)
}

// startDaemon runs argv on h in the background with output appended to out.
func (h *Host) startDaemon(name, out string, argv []string, env []string) (*Daemon, error) {
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fmt.Fprintf(f, "==== %s: starting %v\n", time.Now().Format(time.RFC3339Nano), argv)
	cmd := h.Command(context.Background(), argv...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), env...)
	// If the test binary dies without running its cleanups (go test
	// timeout), the daemon dies with it instead of lingering.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s on %s: %w", name, h.Name, err)
	}
	d := &Daemon{Name: name, Pid: cmd.Process.Pid, Out: out, cmd: cmd, done: make(chan struct{})}
	go func() {
		d.err = cmd.Wait()
		close(d.done)
	}()
	return d, nil
}

// StartCorosync starts `corosync -f` of implementation impl on the host.
func (h *Host) StartCorosync(impl Impl) *Daemon {
	t := h.c.t
	t.Helper()
	if h.corosync != nil && !h.corosync.Exited() {
		t.Fatalf("harness: corosync already running on %s (pid %d)", h.Name, h.corosync.Pid)
	}
	bin := CCorosync
	if impl == Go {
		p, err := GoBinary()
		if err != nil {
			t.Fatalf("%v", err)
		}
		bin = p
	}
	d, err := h.startDaemon("corosync("+impl.String()+")", h.Path("corosync.out"), []string{bin, "-f"}, nil)
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	h.corosync, h.corosyncImpl = d, impl
	return d
}

// Corosync returns the host's current corosync process (nil if never started).
func (h *Host) Corosync() *Daemon { return h.corosync }

// StopTimeout bounds how long a SIGTERMed daemon may take to exit.
const StopTimeout = 20 * time.Second

// StopCorosync sends SIGTERM and waits for the exit; a daemon that does not
// exit within StopTimeout is killed and the test marked failed.
func (h *Host) StopCorosync() {
	h.c.t.Helper()
	h.stop(h.corosync)
}

// KillCorosync sends SIGKILL to the daemon's own PID and reaps it. It
// returns the instant the signal was sent, for convergence measurements.
func (h *Host) KillCorosync() time.Time {
	t := h.c.t
	t.Helper()
	d := h.corosync
	if d == nil {
		t.Fatalf("harness: no corosync on %s", h.Name)
	}
	now := time.Now()
	if err := d.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("harness: kill -9 on %s: %v", h.Name, err)
	}
	if !d.WaitExit(10 * time.Second) {
		t.Fatalf("harness: corosync pid %d on %s survived SIGKILL", d.Pid, h.Name)
	}
	return now
}

// RestartCorosync stops corosync (if running) and starts the same
// implementation again.
func (h *Host) RestartCorosync() *Daemon {
	h.c.t.Helper()
	if h.corosync != nil && !h.corosync.Exited() {
		h.StopCorosync()
	}
	return h.StartCorosync(h.corosyncImpl)
}

func (h *Host) stop(d *Daemon) {
	t := h.c.t
	t.Helper()
	if d == nil {
		t.Fatalf("harness: nothing to stop on %s", h.Name)
	}
	if err := d.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("harness: stop %s on %s: %v", d.Name, h.Name, err)
	}
	if !d.WaitExit(StopTimeout) {
		d.kill()
		t.Errorf("harness: %s pid %d on %s ignored SIGTERM for %v; killed", d.Name, d.Pid, h.Name, StopTimeout)
	}
}
