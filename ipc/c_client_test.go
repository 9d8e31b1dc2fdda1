package ipc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestCClientAgainstGoServer runs Debian's libqb client code (our small
// qb_ipcc_* program) against the Go server: echo from 0 bytes to the largest
// payload that fits, an oversize request, and events polled on the fd.
func TestCClientAgainstGoServer(t *testing.T) {
	bin := cProgram(t, "qbclient")
	for _, tr := range []Transport{SHM, Socket} {
		t.Run(tr.String(), func(t *testing.T) {
			_, name, dir := startEcho(t, tr)
			out, err := exec.Command(bin, "check", name).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "OK" {
				t.Fatalf("qbclient check: %v\n%s", err, out)
			}
			waitEmpty(t, dir)
		})
	}
}

// TestCClientNonRoot runs the C client as nobody: the connection's files
// must be handed to the client's uid/gid (chown) as libqb does, or it could
// not open them (0600).
func TestCClientNonRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("switching to another uid needs root")
	}
	bin := cProgram(t, "qbclient")
	// The test binary's temp dirs are private to root; the client must
	// traverse them as /dev/shm (1777) allows.
	os.Chmod(filepath.Dir(bin), 0755)
	os.Chmod(bin, 0755)
	var seen atomic.Pointer[Credentials]
	s, dir := newTestServer(t, SHM, func(c *Config) {
		c.Authorize = func(cr Credentials) syscall.Errno { seen.Store(&cr); return 0 }
	})
	os.Chmod(dir, 01777)
	name := uniqueName()
	registerEcho(t, s, name)
	s.Start()
	s.SetReady(true)
	out, err := exec.Command("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", bin, "check", name).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "OK" {
		t.Fatalf("qbclient as nobody: %v\n%s", err, out)
	}
	if cr := seen.Load(); cr == nil || cr.UID != 65534 || cr.GID != 65534 {
		t.Fatalf("credentials seen by Authorize: %+v", cr)
	}
	waitEmpty(t, dir)
}

// TestCClientRefusals: libqb's client turns the handshake's hdr.error into
// errno (the corosync libs map EAGAIN to CS_ERR_TRY_AGAIN, EACCES to
// CS_ERR_ACCESS).
func TestCClientRefusals(t *testing.T) {
	bin := cProgram(t, "qbclient")
	var allow atomic.Bool
	s, dir := newTestServer(t, SHM, func(c *Config) {
		c.Authorize = func(Credentials) syscall.Errno {
			if allow.Load() {
				return 0
			}
			return syscall.EACCES
		}
	})
	name := uniqueName()
	registerEcho(t, s, name)
	s.Start()
	try := func(want string) {
		t.Helper()
		out, err := exec.Command(bin, "connect", name).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != want {
			t.Fatalf("qbclient connect: %v %q, want %q", err, out, want)
		}
	}
	try("ERRNO 11") // not ready: EAGAIN
	s.SetReady(true)
	try("ERRNO 13") // EACCES
	allow.Store(true)
	try("OK")
	waitEmpty(t, dir)
}
