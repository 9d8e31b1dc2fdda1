//go:build interop

package interop

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// cpgWatcher is daemon/cpg/testdata/cpgwatch.c running on one host: one
// libcpg process joined to a group, printing its callbacks.
type cpgWatcher struct {
	t     *testing.T
	name  string
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func buildCProgram(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libcpg").Output()
	if err != nil {
		t.Fatalf("pkg-config libcpg (libcpg-dev is required): %v", err)
	}
	src := filepath.Join("..", "daemon", "cpg", "testdata", name+".c")
	args := append([]string{"-O2", "-Wall", "-Werror", "-o", bin, src}, strings.Fields(string(flags))...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	os.Chmod(filepath.Dir(bin), 0o755)
	return bin
}

func startWatcher(t *testing.T, h *harness.Host, bin, group string) *cpgWatcher {
	t.Helper()
	w := &cpgWatcher{t: t, name: h.Name, done: make(chan struct{})}
	w.cmd = h.Command(context.Background(), bin, group)
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(w.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			w.mu.Lock()
			w.lines = append(w.lines, sc.Text())
			w.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		w.cmd.Process.Kill()
		w.cmd.Wait()
	})
	return w
}

func (w *cpgWatcher) snapshot() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.lines)
}

// wait blocks until line has been printed (bounded by timeout).
func (w *cpgWatcher) wait(line string, timeout time.Duration) {
	w.t.Helper()
	end := time.Now().Add(timeout)
	for time.Now().Before(end) {
		if slices.Contains(w.snapshot(), line) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	w.t.Fatalf("%s: no %q within %v; got:\n%s", w.name, line, timeout, strings.Join(w.snapshot(), "\n"))
}

func (w *cpgWatcher) stop() []string {
	w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(10 * time.Second):
		w.cmd.Process.Kill()
		<-w.done
	}
	w.cmd.Wait()
	return w.snapshot()
}

// TestCpgPartitionMergeOnC records what Debian's corosync 3.1.7 tells libcpg
// clients when a 3-node cluster splits into {1,2} and {3} and merges back,
// and checks it against the sequences daemon/cpg's simulated cluster tests
// (TestNodeFailure, TestMergeAfterPartition) require of our engine: a
// message sent before the split arrives before the confchg; the split is
// one confchg per group with NODEDOWN (3) entries followed by a totem
// confchg; the merge is one confchg with NODEUP (4) entries.
func TestCpgPartitionMergeOnC(t *testing.T) {
	bin := buildCProgram(t, "cpgwatch")
	c := harness.New(t, 3, harness.Config{ClusterName: "gpcpgm"})
	c.StartAll(harness.C)
	c.WaitConverged(time.Now(), c.Hosts, 3, 90*time.Second)

	w := map[int]*cpgWatcher{}
	joined := []string{}
	for i := 1; i <= 3; i++ {
		w[i] = startWatcher(t, c.Host(i), bin, "gpgrp")
		joined = append(joined, string(rune('0'+i)))
		line := "confchg m[" + strings.Join(joined, ",") + "] l[] j[" + string(rune('0'+i)) + "/1]"
		for j := 1; j <= i; j++ {
			w[j].wait(line, 30*time.Second)
		}
	}
	w[3].cmd.Process.Signal(syscall.SIGUSR1)
	for i := 1; i <= 3; i++ {
		w[i].wait("deliver from 3 hello-from-3", 30*time.Second)
	}

	split := time.Now()
	c.Partition([]*harness.Host{c.Host(1), c.Host(2)}, []*harness.Host{c.Host(3)})
	w[1].wait("confchg m[1,2] l[3/3] j[]", 60*time.Second)
	w[2].wait("confchg m[1,2] l[3/3] j[]", 60*time.Second)
	w[3].wait("confchg m[3] l[1/3,2/3] j[]", 60*time.Second)
	t.Logf("split seen by cpg clients after %v", time.Since(split).Round(time.Millisecond))

	merge := time.Now()
	c.Heal()
	w[1].wait("confchg m[1,2,3] l[] j[3/4]", 60*time.Second)
	w[2].wait("confchg m[1,2,3] l[] j[3/4]", 60*time.Second)
	end := time.Now().Add(60 * time.Second)
	var mergeLine string
	for mergeLine == "" && time.Now().Before(end) {
		for _, l := range w[3].snapshot() {
			if l == "confchg m[1,2,3] l[] j[1/4,2/4]" || l == "confchg m[1,2,3] l[] j[2/4,1/4]" {
				mergeLine = l
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if mergeLine == "" {
		t.Fatalf("node 3 saw no merge confchg:\n%s", strings.Join(w[3].snapshot(), "\n"))
	}
	t.Logf("merge seen by cpg clients after %v (node 3: %s)", time.Since(merge).Round(time.Millisecond), mergeLine)

	// Node 3's client finalizes: exit sends PROCLEAVE reason PROCDOWN (5).
	got3 := w[3].stop()
	w[1].wait("confchg m[1,2] l[3/5] j[]", 30*time.Second)
	got1 := w[1].stop()

	// Whole transcripts, in order, totem confchgs right after the sync's
	// confchgs.
	want := map[int][]string{
		1: {"join rc=1", "confchg m[1] l[] j[1/1]", "confchg m[1,2] l[] j[2/1]", "confchg m[1,2,3] l[] j[3/1]",
			"deliver from 3 hello-from-3", "confchg m[1,2] l[3/3] j[]", "totem [1 2]", "confchg m[1,2,3] l[] j[3/4]", "totem [1 2 3]",
			"confchg m[1,2] l[3/5] j[]", "finalize rc=1"},
		3: {"join rc=1", "confchg m[1,2,3] l[] j[3/1]", "mcast rc=1",
			"deliver from 3 hello-from-3", "confchg m[3] l[1/3,2/3] j[]", "totem [3]", mergeLine, "totem [1 2 3]", "finalize rc=1"},
	}
	for i, got := range map[int][]string{1: got1, 3: got3} {
		t.Logf("node %d transcript:\n%s", i, strings.Join(got, "\n"))
		if !slices.Equal(got, want[i]) {
			t.Errorf("node %d transcript differs from what daemon/cpg's engine produces:\n got  %q\n want %q", i, got, want[i])
		}
	}
}
