package ipc

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A socket-transport connection whose socket names would not fit in
// sun_path is refused with ENAMETOOLONG; the server's cleanup of the
// half-made transport used to dereference nil and take the server down.
func TestSocketPathTooLongRefused(t *testing.T) {
	s, dir := newTestServer(t, Socket, func(c *Config) {
		long := filepath.Join(c.ShmDir, strings.Repeat("d", 60))
		if err := os.Mkdir(long, 0o700); err != nil {
			t.Fatal(err)
		}
		c.ShmDir = long
	})
	t.Cleanup(func() { os.RemoveAll(filepath.Join(dir, strings.Repeat("d", 60))) })
	name := uniqueName()
	registerEcho(t, s, name)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	s.SetReady(true)
	for range 2 {
		_, err := Dial(name, nil)
		var re *RefusedError
		if !errors.As(err, &re) || re.Errno != syscall.ENAMETOOLONG {
			t.Fatalf("dial with a %d-byte shm dir: %v, want refused ENAMETOOLONG", len(s.cfg.ShmDir), err)
		}
	}
}
