//go:build interop

package interop

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// ipcConnPart is the "<pid>.<pointer>" of a per-connection stats.ipcs key.
var ipcConnPart = regexp.MustCompile(`^stats\.ipcs\.service(\d+)\.(\d+\.0x[0-9a-f]+)\.`)

// normIPCStats names each connection of a `corosync-cmapctl -m stats
// stats.ipcs.` listing by its order of appearance (CONN1, CONN2, ...),
// keeping every value.
func normIPCStats(out string) string {
	names := map[string]string{}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if m := ipcConnPart.FindStringSubmatchIndex(line); m != nil {
			id := line[m[4]:m[5]]
			if names[id] == "" {
				names[id] = fmt.Sprintf("CONN%d", len(names)+1)
			}
			line = line[:m[4]] + names[id] + line[m[5]:]
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// ipcStatsScenario: a long-lived corosync-cmapctl tracker receives three
// notifications, then the IPC statistics are cleared with -C ipc and with
// a direct set of stats.clear.ipc, and the tracker quits. It returns the
// stats.ipcs listing after each step.
func ipcStatsScenario(t *testing.T, h *harness.Host) []step {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := h.Command(ctx, "stdbuf", "-oL", "corosync-cmapctl", "-t", "gr.trk")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	waitLines := func(n int) {
		t.Helper()
		timer := time.NewTimer(15 * time.Second)
		defer timer.Stop()
		for range n {
			select {
			case _, ok := <-lines:
				if !ok {
					t.Fatal("tracker ended early")
				}
			case <-timer.C:
				t.Fatalf("tracker: no line within 15 s")
			}
		}
	}
	waitLines(1) // Type "q" to finish
	var steps []step
	list := func(name string) {
		r := h.MustRun("corosync-cmapctl", "-m", "stats", "stats.ipcs.")
		steps = append(steps, step{name: name, out: normIPCStats(r.Stdout)})
	}
	for v := 1; v <= 3; v++ {
		h.MustRun("corosync-cmapctl", "-s", "gr.trk", "u8", fmt.Sprint(v))
	}
	waitLines(3)
	// global.closed counts the daemon's earlier clients (WaitCmap's
	// retries differ between runs): only its key is compared here.
	list("tracker after 3 notifications")
	steps[0].out = regexp.MustCompile(`(?m)^(stats\.ipcs\.global\.closed \(u64\) = )\d+$`).ReplaceAllString(steps[0].out, "${1}N")

	h.MustRun("corosync-cmapctl", "-C", "ipc")
	list("after corosync-cmapctl -C ipc")
	h.MustRun("corosync-cmapctl", "-s", "gr.trk", "u8", "4")
	waitLines(1)
	list("one more notification")
	h.MustRun("corosync-cmapctl", "-m", "stats", "-s", "stats.clear.ipc", "u8", "1")
	list("after -m stats -s stats.clear.ipc u8 1")

	io.WriteString(stdin, "q\n")
	stdin.Close()
	for range lines {
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("tracker: %v", err)
	}
	// The daemon sees the close a moment after the tool exits.
	var last string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		last = normIPCStats(h.MustRun("corosync-cmapctl", "-m", "stats", "stats.ipcs.").Stdout)
		if !strings.Contains(last, "CONN2") {
			break
		}
	}
	steps = append(steps, step{name: "tracker gone", out: last})

	// A prefix tracker sees a client's 13 keys come (values at creation)
	// and go (values at removal).
	tr := track(t, h, []string{"-m", "stats", "-T", "stats.ipcs."}, 26, [][]string{{"-g", "totem.cluster_name"}})
	tr.out = ipcConnAnywhere.ReplaceAllString(tr.out, "${1}CONN.")
	steps = append(steps, tr)
	return steps
}

var ipcConnAnywhere = regexp.MustCompile(`(stats\.ipcs\.service\d+\.)\d+\.0x[0-9a-f]+\.`)

// srpClearCheck: corosync-cmapctl -C totem, -C knet (totemsrp_stats_clear
// zeroes the srp counters whatever the flags) and -C all restart
// stats.srp.* at once.
func srpClearCheck(t *testing.T, h *harness.Host, impl harness.Impl) {
	t.Helper()
	get := func(key string) uint64 {
		t.Helper()
		out := h.MustRun("corosync-cmapctl", "-m", "stats", "-g", key).Stdout
		var v uint64
		if _, err := fmt.Sscanf(out, key+" (u64) = %d", &v); err != nil {
			t.Fatalf("%v: %q: %v", impl, out, err)
		}
		return v
	}
	for _, what := range []string{"totem", "knet", "all"} {
		var before uint64
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if before = get("stats.srp.orf_token_rx"); before >= 3 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%v: stats.srp.orf_token_rx stays at %d", impl, before)
			}
		}
		h.MustRun("corosync-cmapctl", "-C", what)
		after, entered := get("stats.srp.orf_token_rx"), get("stats.srp.operational_entered")
		if after >= before || entered != 0 {
			t.Errorf("%v: -C %s: orf_token_rx %d then %d, operational_entered %d", impl, what, before, after, entered)
		} else {
			t.Logf("%v: -C %s: orf_token_rx %d then %d, operational_entered 0", impl, what, before, after)
		}
	}
}

// TestStatsIPCsOnCAndGo runs ipcStatsScenario against Debian's corosync and
// then ours on one node: the stats.ipcs listings (every value, the
// connection's pid and pointer normalised) must be the same, which covers
// the per-connection counters, the keys' life cycle and what
// stats.clear.ipc clears (including C's global.active going below zero
// when a connection open at the clear closes).
func TestStatsIPCsOnCAndGo(t *testing.T) {
	c := harness.New(t, 1, harness.Config{ClusterName: "grstats", NamePrefix: "gr"})
	h := c.Host(1)
	results := map[harness.Impl][]step{}
	for _, impl := range []harness.Impl{harness.C, harness.Go} {
		h.StartCorosync(impl)
		h.WaitCmap(30 * time.Second)
		results[impl] = ipcStatsScenario(t, h)
		srpClearCheck(t, h, impl)
		h.StopCorosync()
	}
	cs, gs := results[harness.C], results[harness.Go]
	if len(cs) != len(gs) {
		t.Fatalf("%d steps on C, %d on Go", len(cs), len(gs))
	}
	for i := range cs {
		if cs[i].out != gs[i].out {
			t.Errorf("%s:\n--- C:\n%s--- Go:\n%s", cs[i].name, cs[i].out, gs[i].out)
		} else {
			t.Logf("%s, same on C and Go:\n%s", cs[i].name, gs[i].out)
		}
	}
	// Guard against both sides failing alike.
	for i, want := range map[int]string{
		0: "stats.ipcs.service0.CONN1.dispatched (u64) = 3\n",
		1: "stats.ipcs.service0.CONN1.dispatched (u64) = 0\n",
		2: "stats.ipcs.service0.CONN1.dispatched (u64) = 1\n",
		4: "stats.ipcs.global.active (u64) = ",
	} {
		if !strings.Contains(cs[i].out, want) {
			t.Errorf("%s: C output lacks %q", cs[i].name, want)
		}
	}
}
