//go:build interop

package interop

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorosync/gorosync/cmd/cpgcheck/evs"
	"github.com/gorosync/gorosync/interop/harness"
)

type cpgcheckProc struct {
	h      *harness.Host
	name   string
	cmd    *exec.Cmd
	out    bytes.Buffer
	errb   bytes.Buffer
	done   chan struct{} // closed once err is set
	err    error
	killed bool // its node's corosync was killed under it
}

func startCpgcheck(t *testing.T, bin string, h *harness.Host, n int, until, exit time.Time) *cpgcheckProc {
	t.Helper()
	return startCpgcheckArgs(t, bin, h, n, until, exit)
}

// startCpgcheckArgs starts one checker on h with extra flags.
func startCpgcheckArgs(t *testing.T, bin string, h *harness.Host, n int, until, exit time.Time, args ...string) *cpgcheckProc {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), exit.Add(20*time.Second))
	p := &cpgcheckProc{h: h, name: h.Name + "#" + strconv.Itoa(n), done: make(chan struct{})}
	argv := append([]string{bin, "-until", strconv.FormatInt(until.UnixMilli(), 10), "-exit", strconv.FormatInt(exit.UnixMilli(), 10)}, args...)
	p.cmd = h.Command(ctx, argv...)
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errb
	// A hung checker dumps its goroutines (SIGQUIT) before it is killed.
	p.cmd.Cancel = func() error { return p.cmd.Process.Signal(syscall.SIGQUIT) }
	p.cmd.WaitDelay = 3 * time.Second
	if err := p.cmd.Start(); err != nil {
		cancel()
		t.Fatalf("cpgcheck on %s: %v", h.Name, err)
	}
	go func() { p.err = p.cmd.Wait(); cancel(); close(p.done) }()
	return p
}

// TestCpgcheckMixedFaults runs cmd/cpgcheck on {C,Go,Go}, {C,C,Go} and
// {Go,Go,Go} (one ring after the other, about a minute each) through up
// to six fault rounds (kill -9 + restart of every node, three partitions
// healed) and requires every checker that kept its daemon to exit
// cleanly, finalize included, and evs.Verify to find no violation of
// extended virtual synchrony in the delivery logs.
func TestCpgcheckMixedFaults(t *testing.T) {
	bin := buildCpgcheck(t)
	for _, impls := range [][]harness.Impl{
		{harness.C, harness.Go, harness.Go},
		{harness.C, harness.C, harness.Go},
		{harness.Go, harness.Go, harness.Go},
	} {
		name := ""
		for _, i := range impls {
			name += strings.ToUpper(i.String()[:1])
		}
		t.Run(name, func(t *testing.T) { cpgcheckFaults(t, bin, impls) })
	}
}

func cpgcheckFaults(t *testing.T, bin string, impls []harness.Impl) {
	c := harness.New(t, 3, fastTimers(harness.UDPU))
	for i, impl := range impls {
		c.Host(i + 1).StartCorosync(impl)
	}
	c.WaitConverged(time.Now(), c.Hosts, 3, 30*time.Second)
	start := time.Now()
	until := start.Add(55 * time.Second)
	exit := until.Add(5 * time.Second)
	var procs []*cpgcheckProc
	cur := map[*harness.Host]*cpgcheckProc{}
	for _, h := range c.Hosts {
		p := startCpgcheck(t, bin, h, 1, until, exit)
		procs, cur[h] = append(procs, p), p
	}
	time.Sleep(3 * time.Second)
	h1, h2, h3 := c.Host(1), c.Host(2), c.Host(3)
	killRestart := func(h *harness.Host) {
		h.KillCorosync()
		p := cur[h]
		p.killed = true
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Fatalf("cpgcheck on %s still running 10 s after its corosync was killed", h.Name)
		}
		time.Sleep(2 * time.Second)
		h.StartCorosync(impls[h.Index-1])
		cv := c.WaitConverged(time.Now(), c.Hosts, 3, 30*time.Second)
		p = startCpgcheck(t, bin, h, len(procs)+1, until, exit)
		procs, cur[h] = append(procs, p), p
		t.Logf("%v: kill -9 + restart of %s (%v): ring %s", time.Since(start).Round(time.Millisecond), h.Name, impls[h.Index-1], cv.RingID)
	}
	partition := func(alone *harness.Host) {
		c.Partition([]*harness.Host{alone}, c.Others(alone))
		c.WaitConverged(time.Now(), []*harness.Host{alone}, 1, 30*time.Second)
		time.Sleep(2 * time.Second)
		c.Heal()
		cv := c.WaitConverged(time.Now(), c.Hosts, 3, 30*time.Second)
		t.Logf("%v: partition {%s} | rest, healed: ring %s", time.Since(start).Round(time.Millisecond), alone.Name, cv.RingID)
	}
	rounds := []func(){
		func() { killRestart(h2) },
		func() { partition(h1) },
		func() { killRestart(h1) },
		func() { partition(h3) },
		func() { killRestart(h3) },
		func() { partition(h2) },
	}
	done := 0
	for _, r := range rounds {
		if time.Until(until) < 12*time.Second {
			break
		}
		r()
		done++
		time.Sleep(time.Second)
	}
	if done < 5 {
		t.Errorf("only %d fault rounds fit before the senders stopped", done)
	}
	var logs []*evs.Log
	var logText [][]byte
	for _, p := range procs {
		select {
		case <-p.done:
		case <-time.After(time.Until(exit) + 30*time.Second):
			t.Fatalf("cpgcheck %s did not exit", p.name)
		}
		var ee *exec.ExitError
		if !p.killed && errors.As(p.err, &ee) && ee.ExitCode() == 3 {
			// Its log is complete, so the ordering is still judged below.
			t.Errorf("cpgcheck %s: cpg_finalize hung at exit:\n%s", p.name, p.errb.String()[:min(p.errb.Len(), 8000)])
		} else if !p.killed && p.err != nil {
			t.Errorf("cpgcheck %s: %v\n%s", p.name, p.err, mainStack(p.errb.String()))
		}
		logText = append(logText, bytes.Clone(p.out.Bytes()))
		l, perr := evs.ParseLog(p.name, &p.out)
		if perr != nil {
			t.Fatalf("%v", perr)
		}
		if !p.killed && !l.Clean {
			t.Errorf("cpgcheck %s did not end cleanly (exit %q)", p.name, l.Exit)
		}
		logs = append(logs, l)
	}
	r := evs.Verify(logs)
	if keep := os.Getenv("GOROSYNC_CPGCHECK_KEEP"); keep != "" && r.Total() > 0 {
		// The delivery logs and whole daemon logs, for a post-mortem.
		ring := filepath.Base(t.Name()) + "-"
		for i, p := range procs {
			os.WriteFile(filepath.Join(keep, ring+p.name+".log"), logText[i], 0o644)
		}
		for _, h := range c.Hosts {
			for _, lf := range h.LogFiles()[:2] {
				if b, err := os.ReadFile(lf[1]); err == nil {
					os.WriteFile(filepath.Join(keep, ring+h.Name+"-"+filepath.Base(lf[1])), b, 0o644)
				}
			}
		}
	}
	for _, v := range r.Violations {
		t.Errorf("%v", v)
	}
	var b strings.Builder
	for _, l := range logs {
		b.WriteString("  " + l.Name + ": delivered " + strconv.Itoa(r.Delivered[l.Name]) + ", sent " + strconv.FormatUint(l.Sent, 10))
		if l.Exit != "" {
			b.WriteString(" (" + l.Exit + ")")
		}
		b.WriteString("\n")
	}
	t.Logf("%d fault rounds; %s\n%s", done, r.Summary(), b.String())
	if r.Configs < 2*done {
		t.Errorf("only %d configurations seen in %d fault rounds", r.Configs, done)
	}
}

// mainStack is the start of a SIGQUIT dump: the main goroutine.
func mainStack(s string) string {
	if i := strings.Index(s, "goroutine 1 "); i >= 0 {
		s = s[i:]
	}
	return s[:min(len(s), 2500)]
}
