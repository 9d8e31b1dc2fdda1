package ipc

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
)

// liveDirs are connection directories of servers in this process, so that a
// second Server started in the same process never removes them.
var liveDirs = dirSet{m: map[string]struct{}{}}

type dirSet struct {
	mu sync.Mutex
	m  map[string]struct{}
}

func (d *dirSet) add(p string) {
	d.mu.Lock()
	d.m[p] = struct{}{}
	d.mu.Unlock()
}

func (d *dirSet) remove(p string) {
	d.mu.Lock()
	delete(d.m, p)
	d.mu.Unlock()
}

func (d *dirSet) has(p string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.m[p]
	return ok
}

var connDirRe = regexp.MustCompile(`^qb-([0-9]+)-([0-9]+)-([0-9]+)-[A-Za-z0-9]{6}$`)

// removeStaleDirs deletes connection directories left by a server that is
// gone: its pid is dead, or it is our own pid (a previous instance in a pid
// namespace, or a crashed server of this process) and no live Server here
// owns it. Directories of live servers, C or Go, are left alone.
func removeStaleDirs(dir string, self int, logf func(string, ...any)) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		m := connDirRe.FindStringSubmatch(e.Name())
		if m == nil || !e.IsDir() {
			continue
		}
		pid, err := strconv.Atoi(m[1])
		if err != nil || pid <= 0 {
			continue
		}
		p := filepath.Join(dir, e.Name())
		stale := false
		if pid == self {
			stale = !liveDirs.has(p)
		} else if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			stale = true
		}
		if !stale {
			continue
		}
		if err := removeConnDir(p); err != nil {
			logf("ipc: removing stale %s: %v", p, err)
		} else {
			logf("ipc: removed stale %s", p)
		}
	}
}

// removeConnDir removes only the flat set of files libqb puts there.
func removeConnDir(p string) error {
	ents, err := os.ReadDir(p)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.Type().IsRegular() || e.Type()&os.ModeSocket != 0 {
			os.Remove(filepath.Join(p, e.Name()))
		}
	}
	return os.Remove(p)
}
