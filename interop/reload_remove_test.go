//go:build interop

package interop

import (
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// TestReloadRemoveRunning: a reload on nodes 1-3 that drops node4 from
// their nodelist while node4 still runs (its own file still lists it, so
// its reload changes nothing). The others stop sending to it and drop
// what it sends, so the ring re-forms without it and it stays alone. On
// {C,C,C}+C, {C,Go,Go}+Go and {C,Go,Go}+C every node must then read as on
// the all-C ring (quorumtool -s, runtime.members, nodelist.).
func TestReloadRemoveRunning(t *testing.T) {
	results := make([][]nodelistSnapshot, len(nodelistLayouts))
	phases := []string{"4 nodes", "reload on 1-3 removes running node4"}
	t.Run("rings", func(t *testing.T) {
		for i, l := range nodelistLayouts {
			t.Run(l.name, func(t *testing.T) {
				t.Parallel()
				results[i] = removeRunningScenario(t, l.impls)
			})
		}
	})
	if t.Failed() {
		return
	}
	compareNodelistRuns(t, results, phases)
}

func removeRunningScenario(t *testing.T, impls [4]harness.Impl) []nodelistSnapshot {
	cfg := fastTimers(harness.UDPU)
	cfg.NamePrefix = "gv"
	c := harness.New(t, 4, cfg)
	first3 := c.Hosts[:3]
	n4 := c.Host(4)
	three, err := harness.Generate(cfg, []harness.Node{c.Host(1).Node, c.Host(2).Node, c.Host(3).Node})
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range c.Hosts {
		h.StartCorosync(impls[i])
	}
	c.WaitQuorate(time.Now(), c.Hosts, 4, 60*time.Second)
	snaps := []nodelistSnapshot{settledSnapshot(t, c.Hosts)}

	for _, h := range first3 {
		if err := h.WriteConfig(three); err != nil {
			t.Fatal(err)
		}
	}
	since := time.Now()
	c.Host(1).MustRun("corosync-cfgtool", "-R")
	cv := c.WaitQuorate(since, first3, 3, 60*time.Second)
	c.WaitConverged(since, []*harness.Host{n4}, 1, 60*time.Second)
	t.Logf("nodes 1-3 on ring %s without node4 %v after the reload", cv.RingID, cv.Elapsed.Round(time.Millisecond))
	time.Sleep(4 * time.Second) // a few token timeouts for a merge that must not come
	snaps = append(snaps, settledSnapshot(t, c.Hosts))
	return snaps
}
