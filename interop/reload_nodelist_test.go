//go:build interop

package interop

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// nodelistLayouts: node1..3 form the ring, node4 is added by a reload and
// joins afterwards. {C,C,C}+C is the reference.
var nodelistLayouts = []struct {
	name  string
	impls [4]harness.Impl
}{
	{"CCC+C", [4]harness.Impl{harness.C, harness.C, harness.C, harness.C}},
	{"CGoGo+Go", [4]harness.Impl{harness.C, harness.Go, harness.Go, harness.Go}},
	{"CGoGo+C", [4]harness.Impl{harness.C, harness.Go, harness.Go, harness.C}},
}

// nodelistSnapshot is what every running node says in one phase: host
// name -> normalised output of the three tools.
type nodelistSnapshot map[string]string

// TestReloadNodelist: `corosync-cfgtool -R` with a nodelist that gains a
// 4th node lets that node join a running udpu ring; a reload that drops
// it again (after it stopped) takes it out of the ring's member set so
// that, started again, it cannot rejoin; and once it is back in the
// nodelist, a reload that moves it to another address is refused. The same steps run on
// {C,C,C} and on {C,Go,Go} (node4 Go, and node4 C) side by side; after
// every step `corosync-quorumtool -s`, `corosync-cmapctl runtime.members`
// and `corosync-cmapctl nodelist.` on every running node must read as on
// the all-C ring (ring ids, dates and the subnet normalised).
func TestReloadNodelist(t *testing.T) {
	results := make([][]nodelistSnapshot, len(nodelistLayouts))
	phases := []string{"3 nodes", "reload adds node4", "node4 joined", "node4 stopped",
		"reload removes node4", "node4 started again", "node4 stopped, reload adds it back",
		"reload moves node4 (refused)"}
	t.Run("rings", func(t *testing.T) {
		for i, l := range nodelistLayouts {
			t.Run(l.name, func(t *testing.T) {
				t.Parallel()
				results[i] = nodelistScenario(t, l.impls)
			})
		}
	})
	if t.Failed() {
		return
	}
	compareNodelistRuns(t, results, phases)
}

// compareNodelistRuns compares every layout's snapshots with the first
// layout's (the all-C ring), phase by phase and node by node.
func compareNodelistRuns(t *testing.T, results [][]nodelistSnapshot, phases []string) {
	t.Helper()
	ref := results[0]
	for i := 1; i < len(results); i++ {
		if len(results[i]) != len(ref) {
			t.Errorf("%s has %d snapshots, %s %d", nodelistLayouts[i].name, len(results[i]), nodelistLayouts[0].name, len(ref))
			continue
		}
		for p, snap := range results[i] {
			for _, host := range sortedKeys(snap) {
				want, got := ref[p][host], snap[host]
				if want != got {
					t.Errorf("%s, after %q, %s differs from %s:\n%s--- %s:\n%s--- %s:\n%s",
						nodelistLayouts[i].name, phases[p], host, nodelistLayouts[0].name,
						lineDiff(want, got), nodelistLayouts[0].name, want, nodelistLayouts[i].name, got)
				}
			}
		}
	}
	for p, snap := range ref {
		t.Logf("%s after %q (%d nodes answering); node1:\n%s", nodelistLayouts[0].name, phases[p], len(snap), snap["node1"])
	}
}

// nodelistScenario runs the steps on one cluster and returns a snapshot
// per phase.
func nodelistScenario(t *testing.T, impls [4]harness.Impl) []nodelistSnapshot {
	cfg := fastTimers(harness.UDPU)
	cfg.NamePrefix = "gv"
	c := harness.New(t, 4, cfg)
	first3 := c.Hosts[:3]
	n4 := c.Host(4)
	three, err := harness.Generate(cfg, []harness.Node{c.Host(1).Node, c.Host(2).Node, c.Host(3).Node})
	if err != nil {
		t.Fatal(err)
	}
	four := c.ConfigText
	writeAll := func(hosts []*harness.Host, text string) {
		t.Helper()
		for _, h := range hosts {
			if err := h.WriteConfig(text); err != nil {
				t.Fatal(err)
			}
		}
	}
	var snaps []nodelistSnapshot
	snap := func(hosts []*harness.Host) {
		t.Helper()
		snaps = append(snaps, settledSnapshot(t, hosts))
	}

	writeAll(c.Hosts, three)
	for i, h := range first3 {
		h.StartCorosync(impls[i])
	}
	c.WaitQuorate(time.Now(), first3, 3, 60*time.Second)
	snap(first3)

	// The reload is asked on node2 (Go on the mixed ring), executed by all.
	writeAll(c.Hosts, four)
	c.Host(2).MustRun("corosync-cfgtool", "-R")
	for _, h := range first3 {
		if !logHas(h, "adding new UDPU member {"+n4.Addr.String()+"}", 10*time.Second) {
			t.Errorf("%s did not log adding node4's address to its udpu members", h.Name)
		}
	}
	snap(first3)

	n4.StartCorosync(impls[3])
	cv := c.WaitQuorate(time.Now(), c.Hosts, 4, 60*time.Second)
	t.Logf("node4 (%v) joined: ring %s after %v", impls[3], cv.RingID, cv.Elapsed.Round(time.Millisecond))
	snap(c.Hosts)

	n4.StopCorosync()
	c.WaitQuorate(time.Now(), first3, 3, 60*time.Second)
	snap(first3)

	// This one is asked on node1 (C everywhere).
	writeAll(first3, three)
	c.Host(1).MustRun("corosync-cfgtool", "-R")
	for _, h := range first3 {
		if !logHas(h, "removing UDPU member {"+n4.Addr.String()+"}", 10*time.Second) {
			t.Errorf("%s did not log removing node4's address from its udpu members", h.Name)
		}
	}
	snap(first3)

	// node4 still lists all four, but the others no longer send to it and
	// drop what it sends (block_unlisted_ips): it stays alone.
	n4.StartCorosync(impls[3])
	c.WaitConverged(time.Now(), []*harness.Host{n4}, 1, 60*time.Second)
	time.Sleep(4 * time.Second) // a few token timeouts (1650 ms) for a merge that must not come
	c.WaitQuorate(time.Now(), first3, 3, 10*time.Second)
	snap(c.Hosts)

	// node4 stopped and put back into the nodelist: then a reload that
	// moves it to another address is refused everywhere
	// (check_things_have_not_changed) and, as C's remove_deleted_entries
	// has run by then, leaves nodelist.local_node_pos deleted.
	n4.StopCorosync()
	writeAll(first3, four)
	c.Host(2).MustRun("corosync-cfgtool", "-R")
	snap(first3)
	moved := strings.Replace(four, "ring0_addr: "+n4.Addr.String()+"\n", "ring0_addr: "+n4.Addr.String()+"4\n", 1)
	if moved == four {
		t.Fatalf("node4's address not in the config:\n%s", four)
	}
	writeAll(first3, moved)
	r := c.Host(3).RunT("corosync-cfgtool", "-R")
	for _, h := range first3 {
		if !logHas(h, "new config has different address for link 0 (addr changed from "+n4.Addr.String()+" to "+n4.Addr.String()+"4)", 10*time.Second) {
			t.Errorf("%s did not log the refused address change", h.Name)
		}
	}
	snap(first3)
	snaps[len(snaps)-1]["cfgtool -R"] = subnetRE.ReplaceAllString(r.String(), "192.168.S.")

	return snaps
}

// settledSnapshot polls the hosts until two rounds a second apart read the
// same (a reload is applied by each node as it delivers it, and
// votequorum's expected votes follow after another round of messages).
func settledSnapshot(t *testing.T, hosts []*harness.Host) nodelistSnapshot {
	t.Helper()
	var prev nodelistSnapshot
	deadline := time.Now().Add(30 * time.Second)
	for {
		cur := nodelistSnapshotOnce(t, hosts)
		if prev != nil && equalSnapshots(prev, cur) {
			return cur
		}
		if time.Now().After(deadline) {
			t.Fatalf("the nodes' answers did not settle within 30 s; last:\n%v", cur)
		}
		prev = cur
		time.Sleep(time.Second)
	}
}

func nodelistSnapshotOnce(t *testing.T, hosts []*harness.Host) nodelistSnapshot {
	t.Helper()
	out := nodelistSnapshot{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b strings.Builder
			for _, argv := range [][]string{
				{"corosync-quorumtool", "-s"},
				{"corosync-cmapctl", "runtime.members"},
				{"corosync-cmapctl", "nodelist."},
				{"corosync-cfgtool", "-n"},
			} {
				r, err := h.Run(t.Context(), argv...)
				if err != nil {
					fmt.Fprintf(&b, "### %s: %v\n", strings.Join(argv, " "), err)
					continue
				}
				text := r.Stdout
				if argv[0] == "corosync-quorumtool" {
					text = quorumtoolCommon(text, false)
				}
				fmt.Fprintf(&b, "### %s\nexit %d\n%s%s", strings.Join(argv, " "), r.ExitCode, text, r.Stderr)
			}
			mu.Lock()
			out[h.Name] = subnetRE.ReplaceAllString(b.String(), "192.168.S.")
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func equalSnapshots(a, b nodelistSnapshot) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
