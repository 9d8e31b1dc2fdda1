package harness

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var sweepOnce sync.Once

// stale reports whether name is ours and was made by a process that no
// longer exists. Our own PID is never stale: those names belong to this run.
func stale(name string) bool {
	_, pid, ok := tagOf(name)
	if !ok || pid == os.Getpid() {
		return false
	}
	return !pidAlive(pid)
}

func pidAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// sweepStale removes namespaces (and the processes in them), links and run
// directories left by earlier runs that died before their cleanup.
func sweepStale(t testing.TB) {
	out, _ := exec.Command("ip", "netns", "list").Output()
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || !stale(f[0]) {
			continue
		}
		if err := killNetnsPids(f[0], 10*time.Second); err != nil {
			t.Logf("harness: sweep %s: %v", f[0], err)
		}
		if err := ipCmd("netns", "del", f[0]); err != nil {
			t.Logf("harness: sweep: %v", err)
		} else {
			t.Logf("harness: swept stale namespace %s", f[0])
		}
	}
	links, _ := os.ReadDir("/sys/class/net")
	for _, l := range links {
		if stale(l.Name()) && linkExists(l.Name()) {
			if err := ipCmd("link", "del", l.Name()); err != nil {
				t.Logf("harness: sweep: %v", err)
			} else {
				t.Logf("harness: swept stale link %s", l.Name())
			}
		}
	}
	dirs, _ := os.ReadDir(RunRoot)
	for _, d := range dirs {
		if stale(nsName(d.Name(), 0)) {
			if err := os.RemoveAll(filepath.Join(RunRoot, d.Name())); err != nil {
				t.Logf("harness: sweep: %v", err)
			}
		}
	}
}

// killNetnsPids SIGKILLs every process in namespace ns (all of them are
// ours: only our harness starts processes in its namespaces) and waits until
// none is left.
func killNetnsPids(ns string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := exec.CommandContext(ctx, "ip", "netns", "pids", ns).Output()
		cancel()
		if err != nil {
			return fmt.Errorf("ip netns pids %s: %v", ns, err)
		}
		pids := strings.Fields(string(out))
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v in %s survive SIGKILL", pids, ns)
		}
		for _, p := range pids {
			if pid, err := strconv.Atoi(p); err == nil && pid > 1 && pid != os.Getpid() {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}
