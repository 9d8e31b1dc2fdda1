//go:build interop

package interop

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// cpgload (testdata/cpgload.c, built against Debian's libcpg) makes steady
// totem traffic from every host, C or Go (our cpg engine serves the same
// libcpg), during the loss window, so the window tests retransmission and
// agreed order across C and Go nodes, not only token survival.
const (
	loadInterval = 20 * time.Millisecond
	loadLinger   = 5 // s after the last message
	loadGroup    = "grload"
)

// buildCpgload compiles cpgload into a directory of t's that every host
// can read.
func buildCpgload(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "cpgload")
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libcpg").Output()
	if err != nil {
		t.Fatalf("pkg-config libcpg (libcpg-dev is required): %v", err)
	}
	args := append([]string{"-O2", "-Wall", "-Werror", "-o", bin, "testdata/cpgload.c"}, strings.Fields(string(flags))...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}

type cpgLoad struct {
	h      *harness.Host
	impl   harness.Impl
	cmd    *exec.Cmd
	out    bytes.Buffer
	errb   bytes.Buffer
	cancel context.CancelFunc
}

// startCpgLoad runs cpgload on every host for about d.
func startCpgLoad(t *testing.T, rc ringCase, hosts []*harness.Host, d time.Duration, bin string) []*cpgLoad {
	t.Helper()
	count := int(d / loadInterval)
	var loads []*cpgLoad
	members := len(hosts)
	for i, h := range hosts {
		ctx, cancel := context.WithTimeout(context.Background(), d+loadLinger*time.Second+60*time.Second)
		l := &cpgLoad{h: h, impl: rc.impls[i], cancel: cancel}
		l.cmd = h.Command(ctx, bin, loadGroup, strconv.Itoa(count), strconv.Itoa(int(loadInterval/time.Millisecond)), strconv.Itoa(loadLinger), strconv.Itoa(members))
		l.cmd.Stdout, l.cmd.Stderr = &l.out, &l.errb
		if err := l.cmd.Start(); err != nil {
			cancel()
			t.Fatalf("cpgload on %s: %v", h.Name, err)
		}
		loads = append(loads, l)
	}
	return loads
}

// finishCpgLoad waits for the loads and checks extended virtual synchrony
// as far as one ring goes: every C host delivered every message of every
// sender exactly once, in the sender's order, and all in one agreed order,
// whichever corosync served it.
func finishCpgLoad(t *testing.T, loads []*cpgLoad, count int) int {
	t.Helper()
	var ref []string
	var refHost string
	senders := map[string]bool{}
	for _, l := range loads {
		senders[strconv.Itoa(l.h.NodeID)] = true
	}
	total := 0
	for _, l := range loads {
		err := l.cmd.Wait()
		l.cancel()
		if err != nil {
			t.Errorf("cpgload on %s (%v): %v\n%s", l.h.Name, l.impl, err, l.errb.String())
			continue
		}
		var got []string
		next := map[string]int{}
		for _, line := range strings.Split(strings.TrimSpace(l.out.String()), "\n") {
			f := strings.Fields(line)
			if len(f) == 3 && f[0] == "D" {
				got = append(got, f[1]+":"+f[2])
				seq, _ := strconv.Atoi(f[2])
				if seq != next[f[1]]+1 {
					t.Errorf("%s (%v): message %d of node %s delivered after %d (lost, duplicated or reordered)", l.h.Name, l.impl, seq, f[1], next[f[1]])
				}
				next[f[1]] = seq
			}
		}
		for s := range senders {
			if next[s] != count {
				t.Errorf("%s (%v): delivered %d of node %s's %d messages", l.h.Name, l.impl, next[s], s, count)
			}
		}
		if ref == nil {
			ref, refHost = got, l.h.Name
		} else if !slices.Equal(got, ref) {
			t.Errorf("%s (%v) and %s delivered in different orders (%d and %d messages)", l.h.Name, l.impl, refHost, len(got), len(ref))
		}
		total = len(got)
	}
	return total
}

// srpCounter sums a stats.srp counter over hosts (corosync-cmapctl -m stats).
func srpCounter(t *testing.T, hosts []*harness.Host, key string) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, h := range hosts {
		r := h.RunT("corosync-cmapctl", "-m", "stats", "-g", key)
		f := strings.Fields(r.Stdout)
		if r.ExitCode != 0 || len(f) == 0 {
			t.Errorf("%s: corosync-cmapctl -m stats -g %s: %s", h.Name, key, r)
			continue
		}
		v, err := strconv.ParseUint(f[len(f)-1], 10, 64)
		if err != nil {
			t.Errorf("%s: %s: %q", h.Name, key, r.Stdout)
		}
		out[h.Name] = v
	}
	return out
}
