//go:build interop

package interop

import (
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// TestPacemakerOnC: Pacemaker 2.1.5 on three C corosync nodes must show all
// three online in a partition with quorum.
func TestPacemakerOnC(t *testing.T) {
	c := harness.New(t, 3, fastTimers(harness.UDPU))
	c.StartAll(harness.C)
	c.WaitQuorate(time.Now(), c.Hosts, 3, 60*time.Second)
	start := time.Now()
	for _, h := range c.Hosts {
		h.StartPacemaker()
	}
	took := c.WaitPacemaker(c.Hosts, []string{"node1", "node2", "node3"}, 80*time.Second)
	t.Logf("pacemaker: all three online with quorum %v after start", took.Round(time.Millisecond))
	out := c.Host(1).MustRun("crm_mon", "-1").Stdout
	if !strings.Contains(out, "Online: [ node1 node2 node3 ]") || !strings.Contains(out, "partition with quorum") {
		t.Errorf("crm_mon -1 on node1:\n%s", out)
	}
	t.Logf("crm_mon -1 on node1, %v after start:\n%s", time.Since(start).Round(time.Millisecond), out)
	for _, h := range c.Hosts {
		if d := h.Pacemaker(); d.Exited() {
			t.Errorf("pacemakerd on %s exited: %v", h.Name, d.Err())
		}
	}
}
