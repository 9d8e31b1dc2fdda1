package ipc

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestAdmission(t *testing.T) {
	var lastCred atomic.Pointer[Credentials]
	var allow atomic.Bool
	s, dir := newTestServer(t, SHM, func(c *Config) {
		c.Authorize = func(cr Credentials) syscall.Errno {
			lastCred.Store(&cr)
			if allow.Load() {
				return 0
			}
			return syscall.EACCES
		}
	})
	name, empty, picky := uniqueName(), uniqueName(), uniqueName()
	registerEcho(t, s, name)
	if _, err := s.Register(ServiceConfig{Name: empty}); err != nil {
		t.Fatal(err)
	}
	pk, _ := s.Register(ServiceConfig{Name: picky, OnConnect: func(c *Conn) syscall.Errno { return syscall.EMFILE }})
	pk.Handle(1, func(*Conn, []byte) {})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	refused := func(svc string, want syscall.Errno) {
		t.Helper()
		_, err := Dial(svc, &DialOptions{Timeout: 5 * time.Second})
		var re *RefusedError
		if !errors.As(err, &re) || re.Errno != want {
			t.Fatalf("%s: got %v, want refusal %v", svc, err, want)
		}
	}
	refused(name, syscall.EAGAIN) // not ready yet
	s.SetReady(true)
	refused(empty, syscall.ENOSYS)
	refused(name, syscall.EACCES)
	if cr := lastCred.Load(); cr.PID != int32(os.Getpid()) || cr.UID != uint32(os.Getuid()) || cr.GID != uint32(os.Getgid()) {
		t.Fatalf("authorize got %+v", cr)
	}
	allow.Store(true)
	refused(picky, syscall.EMFILE)
	healthy(t, name)
	waitEmpty(t, dir)
}

func TestOwnershipAndModes(t *testing.T) {
	_, name, dir := startEcho(t, SHM)
	c, err := Dial(name, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("%d entries", len(ents))
	}
	want := "qb-" + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(os.Getpid()) + "-"
	if got := ents[0].Name(); !connDirRe.MatchString(got) || !strings.HasPrefix(got, want) {
		t.Fatalf("directory %q does not follow qb-<srvpid>-<clipid>-<fd>-XXXXXX", got)
	}
	st, _ := os.Stat(filepath.Join(dir, ents[0].Name()))
	if st.Mode().Perm() != 0770 {
		t.Fatalf("dir mode %v", st.Mode())
	}
	files, _ := filepath.Glob(filepath.Join(dir, ents[0].Name(), "qb-*"))
	if len(files) != 6 {
		t.Fatalf("files %v", files)
	}
	for _, f := range files {
		st, _ := os.Stat(f)
		if st.Mode().Perm() != 0600 {
			t.Fatalf("%s mode %v", f, st.Mode())
		}
		if st.Sys().(*syscall.Stat_t).Uid != uint32(os.Getuid()) {
			t.Fatalf("%s not owned by the client", f)
		}
	}
}

func deadPid(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestStaleDirsRemoved(t *testing.T) {
	s, dir := newTestServer(t, SHM, nil)
	mk := func(name string) string {
		p := filepath.Join(dir, name)
		os.Mkdir(p, 0770)
		os.WriteFile(filepath.Join(p, "qb-request-x-header"), []byte("x"), 0600)
		return p
	}
	dead := mk("qb-" + strconv.Itoa(deadPid(t)) + "-77-12-AbCdEf")
	self := mk("qb-" + strconv.Itoa(os.Getpid()) + "-77-13-ghIJk0")
	alive := mk("qb-1-77-14-zzzzzz") // pid 1 is alive
	other := mk("not-qb-dir")
	registerEcho(t, s, uniqueName())
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dead, self} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("stale %s kept", p)
		}
	}
	for _, p := range []string{alive, other} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
		os.RemoveAll(p)
	}
}

// A connection whose files cannot be created is refused with the errno, and
// the service's OnClose still pairs with its OnConnect.
func TestSetupFailure(t *testing.T) {
	var connects, closes atomic.Int32
	s, dir := newTestServer(t, SHM, nil)
	s.cfg.ShmDir = filepath.Join(dir, "missing")
	name := uniqueName()
	svc := registerEcho(t, s, name)
	svc.cfg.OnConnect = func(*Conn) syscall.Errno { connects.Add(1); return 0 }
	svc.cfg.OnClose = func(*Conn) { closes.Add(1) }
	s.Start()
	s.SetReady(true)
	_, err := Dial(name, nil)
	var re *RefusedError
	if !errors.As(err, &re) || re.Errno != syscall.ENOENT {
		t.Fatalf("got %v, want refusal ENOENT", err)
	}
	if connects.Load() != 1 || closes.Load() != 1 {
		t.Fatalf("OnConnect %d, OnClose %d", connects.Load(), closes.Load())
	}
}
