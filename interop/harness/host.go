package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Host is one cluster node: a network namespace plus a directory holding
// its private views of the system directories corosync and Pacemaker use.
type Host struct {
	c *Cluster
	Node
	Index int    // 1-based
	NS    string // network namespace
	Veth  string // root-namespace end of the host's veth pair (eth0 inside)
	Dir   string // host directory; see mounts

	netReady     bool
	corosync     *Daemon
	corosyncImpl Impl
	pacemaker    *Daemon
}

// mount is one bind mount of a host subdirectory over a system path.
type mount struct {
	sub    string
	target string
	mode   os.FileMode
	pcmk   bool // owned by hacluster:haclient
}

// mounts are applied, in order, before every daemon and command run on a
// host. /dev/shm is world-writable with the sticky bit because Pacemaker's
// daemons, running as hacluster, create libqb ring buffers there.
var mounts = []mount{
	{sub: "etc", target: "/etc/corosync", mode: 0o755},
	{sub: "run", target: "/run", mode: 0o755},
	{sub: "lib", target: "/var/lib/corosync", mode: 0o755},
	{sub: "shm", target: "/dev/shm", mode: 0o1777},
	{sub: "log", target: "/var/log/corosync", mode: 0o755},
	{sub: "pcmk-lib", target: "/var/lib/pacemaker", mode: 0o750, pcmk: true},
	{sub: "pcmk-log", target: "/var/log/pacemaker", mode: 0o770, pcmk: true},
}

var mountTargets = func() []string {
	var out []string
	for _, m := range mounts {
		out = append(out, m.target)
	}
	return out
}()

// pcmkLibSubdirs are the directories Pacemaker expects under /var/lib/pacemaker.
var pcmkLibSubdirs = []string{"cib", "pengine", "blackbox", "cores"}

func (h *Host) addNetwork() error {
	if err := ipCmd("netns", "add", h.NS); err != nil {
		return err
	}
	h.netReady = true
	if err := ipCmd("link", "add", h.Veth, "type", "veth", "peer", "name", "eth0", "netns", h.NS); err != nil {
		return err
	}
	if err := disableIPv6(h.Veth); err != nil {
		return err
	}
	steps := [][]string{
		{"link", "set", h.Veth, "master", h.c.Bridge, "up"},
		{"-n", h.NS, "addr", "add", fmt.Sprintf("%s/%d", h.Addr, h.c.Subnet.Bits()), "dev", "eth0"},
		{"-n", h.NS, "link", "set", "eth0", "up"},
		{"-n", h.NS, "link", "set", "lo", "up"},
	}
	for _, s := range steps {
		if err := ipCmd(s...); err != nil {
			return err
		}
	}
	return nil
}

func (h *Host) makeDirs() error {
	uid, gid, err := haclusterIDs()
	if err != nil {
		return err
	}
	own := func(p string, m mount) error {
		// Chmod after Mkdir: the umask would strip the sticky and group bits.
		if err := os.Chmod(p, m.mode); err != nil {
			return err
		}
		if m.pcmk {
			return os.Chown(p, uid, gid)
		}
		return nil
	}
	for _, m := range mounts {
		p := filepath.Join(h.Dir, m.sub)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return err
		}
		if err := own(p, m); err != nil {
			return err
		}
	}
	for _, s := range pcmkLibSubdirs {
		p := filepath.Join(h.Dir, "pcmk-lib", s)
		if err := os.Mkdir(p, 0o750); err != nil {
			return err
		}
		if err := own(p, mount{mode: 0o750, pcmk: true}); err != nil {
			return err
		}
	}
	return nil
}

func haclusterIDs() (int, int, error) {
	u, err := user.Lookup("hacluster")
	if err != nil {
		return 0, 0, fmt.Errorf("user hacluster: %v (install pacemaker: make deps)", err)
	}
	g, err := user.LookupGroup("haclient")
	if err != nil {
		return 0, 0, fmt.Errorf("group haclient: %v (install pacemaker: make deps)", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(g.Gid)
	return uid, gid, nil
}

// WriteConfig replaces the host's /etc/corosync/corosync.conf; it takes
// effect at the next start of corosync.
func (h *Host) WriteConfig(text string) error {
	return os.WriteFile(h.Path("etc", "corosync.conf"), []byte(text), 0o644)
}

// Path returns a path inside the host directory, e.g. Path("log",
// "corosync.log") is what the host sees as /var/log/corosync/corosync.log.
func (h *Host) Path(elem ...string) string {
	return filepath.Join(append([]string{h.Dir}, elem...)...)
}

// wrap turns argv into a command line that runs it in the host's network
// namespace with the host's private directories mounted.
func (h *Host) wrap(argv []string) []string {
	var s strings.Builder
	s.WriteString("set -e\n")
	for _, m := range mounts {
		fmt.Fprintf(&s, "mount --bind %s %s\n", shellQuote(h.Path(m.sub)), m.target)
	}
	s.WriteString(`exec "$@"`)
	return append([]string{"ip", "netns", "exec", h.NS, "unshare", "--mount", "--propagation", "private",
		"sh", "-c", s.String(), "sh"}, argv...)
}

// Command returns an exec.Cmd for argv on the host (not started).
func (h *Host) Command(ctx context.Context, argv ...string) *exec.Cmd {
	w := h.wrap(argv)
	return exec.CommandContext(ctx, w[0], w[1:]...)
}

// Result is the outcome of a command run on a host.
type Result struct {
	Stdout, Stderr string
	ExitCode       int
}

func (r Result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.ExitCode, r.Stdout, r.Stderr)
}

// Run runs argv on the host and returns its output and exit status. The
// error is set only when the command could not run to completion (not
// found, context expired); a non-zero exit is a Result, not an error.
func (h *Host) Run(ctx context.Context, argv ...string) (Result, error) {
	cmd := h.Command(ctx, argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return r, fmt.Errorf("%s on %s: %w", strings.Join(argv, " "), h.Name, ctx.Err())
	case errors.As(err, &ee):
		r.ExitCode = ee.ExitCode()
	default:
		return r, fmt.Errorf("%s on %s: %w", strings.Join(argv, " "), h.Name, err)
	}
	return r, nil
}

// DefaultCommandTimeout bounds MustRun and RunT.
const DefaultCommandTimeout = 30 * time.Second

// RunT runs argv like Run with DefaultCommandTimeout and fails the test if
// it cannot run; the exit code is the caller's to judge.
func (h *Host) RunT(argv ...string) Result {
	h.c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultCommandTimeout)
	defer cancel()
	r, err := h.Run(ctx, argv...)
	if err != nil {
		h.c.t.Fatalf("harness: %v", err)
	}
	return r
}

// MustRun runs argv and fails the test unless it exits 0.
func (h *Host) MustRun(argv ...string) Result {
	h.c.t.Helper()
	r := h.RunT(argv...)
	if r.ExitCode != 0 {
		h.c.t.Fatalf("harness: %s on %s: %s", strings.Join(argv, " "), h.Name, r)
	}
	return r
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
