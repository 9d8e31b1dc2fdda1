//go:build interop

package interop

import (
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// pacemakerOn starts corosync (impls[i] on node i+1) and an unchanged
// Pacemaker 2.1.5 on every node, and requires crm_mon -1 everywhere to
// show all three nodes online in a partition with quorum.
func pacemakerOn(t *testing.T, impls ...harness.Impl) *harness.Cluster {
	c := harness.New(t, len(impls), fastTimers(harness.UDPU))
	for i, impl := range impls {
		c.Host(i + 1).StartCorosync(impl)
	}
	cv := c.WaitQuorate(time.Now(), c.Hosts, len(impls), 60*time.Second)
	t.Logf("corosync quorate on ring %s after %v", cv.RingID, cv.Elapsed.Round(time.Millisecond))
	start := time.Now()
	for _, h := range c.Hosts {
		h.StartPacemaker()
	}
	took := c.WaitPacemaker(c.Hosts, []string{"node1", "node2", "node3"}, 80*time.Second)
	t.Logf("pacemaker: all three online with quorum %v after start", took.Round(time.Millisecond))
	for _, h := range c.Hosts {
		out := h.MustRun("crm_mon", "-1").Stdout
		if !strings.Contains(out, "Online: [ node1 node2 node3 ]") || !strings.Contains(out, "partition with quorum") {
			t.Errorf("crm_mon -1 on %s:\n%s", h.Name, out)
		}
		if h.Index == len(impls) {
			t.Logf("crm_mon -1 on %s, %v after start:\n%s", h.Name, time.Since(start).Round(time.Millisecond), out)
		}
	}
	for _, h := range c.Hosts {
		if d := h.Pacemaker(); d.Exited() {
			t.Errorf("pacemakerd on %s exited: %v", h.Name, d.Err())
		}
	}
	return c
}

// TestPacemakerOnGo: Pacemaker on three of our nodes.
func TestPacemakerOnGo(t *testing.T) {
	pacemakerOn(t, harness.Go, harness.Go, harness.Go)
}

// TestPacemakerOnCCGo: Pacemaker on two C nodes and ours.
func TestPacemakerOnCCGo(t *testing.T) {
	pacemakerOn(t, harness.C, harness.C, harness.Go)
}
