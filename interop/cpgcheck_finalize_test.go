//go:build interop

package interop

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorosync/gorosync/cmd/cpgcheck/evs"
	"github.com/gorosync/gorosync/interop/harness"
)

func buildCpgcheck(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "cpgcheck")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/cpgcheck").CombinedOutput(); err != nil {
		t.Fatalf("go build cpgcheck: %v\n%s", err, out)
	}
	return bin
}

// TestCpgcheckFinalizeStress starts four checkers per node of {C,Go,Go} in
// rounds, all sending every 20 ms until a common deadline and finalizing
// at once, 20 ms or 4 s later: FINALIZE meets deliveries and the confchgs
// of the other checkers' leaves in flight, on both daemons. Every checker
// must exit 0 with a complete log (a finalize that does not return within
// 5 s is cpgcheck's exit 3, a checker stuck before it exit 4); the 4 s
// rounds, where every message has time to arrive (1.5 s was too short on
// a loaded machine), are also judged by evs.Verify.
func TestCpgcheckFinalizeStress(t *testing.T) {
	bin := buildCpgcheck(t)
	impls := []harness.Impl{harness.C, harness.Go, harness.Go}
	c := harness.New(t, 3, fastTimers(harness.UDPU))
	for i, impl := range impls {
		c.Host(i + 1).StartCorosync(impl)
	}
	c.WaitConverged(time.Now(), c.Hosts, 3, 30*time.Second)
	const perNode, rounds = 4, 6
	lingers := []time.Duration{0, 20 * time.Millisecond, 4 * time.Second}
	stop := time.Now().Add(100 * time.Second)
	round := 0
	for ; round < rounds && time.Now().Before(stop); round++ {
		linger := lingers[round%len(lingers)]
		until := time.Now().Add(2 * time.Second)
		exit := until.Add(linger)
		var procs []*cpgcheckProc
		for _, h := range c.Hosts {
			for k := range perNode {
				procs = append(procs, startCpgcheckArgs(t, bin, h, round*perNode+k, until, exit,
					"-interval", "20ms", "-group", fmt.Sprintf("fin%d", round)))
			}
		}
		var logs []*evs.Log
		for _, p := range procs {
			select {
			case <-p.done:
			case <-time.After(time.Until(exit) + 30*time.Second):
				t.Fatalf("round %d: cpgcheck %s did not exit", round, p.name)
			}
			var ee *exec.ExitError
			if errors.As(p.err, &ee) && ee.ExitCode() == 3 {
				t.Fatalf("round %d: cpgcheck %s: cpg_finalize hung:\n%s", round, p.name, p.errb.String()[:min(p.errb.Len(), 12000)])
			}
			if p.err != nil {
				t.Fatalf("round %d: cpgcheck %s: %v\n%s\n%s", round, p.name, p.err, tail(p.out.String(), 400), mainStack(p.errb.String()))
			}
			l, err := evs.ParseLog(p.name, bytes.NewReader(p.out.Bytes()))
			if err != nil {
				t.Fatalf("%v", err)
			}
			if !l.Clean {
				t.Errorf("round %d: cpgcheck %s did not end cleanly (exit %q)", round, p.name, l.Exit)
			}
			logs = append(logs, l)
		}
		if linger < time.Second {
			t.Logf("round %d (finalize %v after the last send): %d checkers exited cleanly", round, linger, len(procs))
			continue
		}
		r := evs.Verify(logs)
		for _, v := range r.Violations {
			t.Errorf("round %d: %v", round, v)
		}
		var sent uint64
		for _, n := range r.Sent {
			sent += n
		}
		t.Logf("round %d (finalize %v after the last send): %d sent; %s", round, linger, sent, r.Summary())
	}
	if round < rounds {
		t.Errorf("only %d of %d rounds in the time budget", round, rounds)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
