//go:build interop

package interop

import (
	"regexp"
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
	// Pacemaker's CPG groups, listed alike by every node's cpg service.
	cpgFirst := c.Host(1).MustRun("corosync-cpgtool").Stdout
	for _, h := range c.Hosts[1:] {
		if out := h.MustRun("corosync-cpgtool").Stdout; out != cpgFirst {
			t.Errorf("corosync-cpgtool on %s:\n%s\non node1:\n%s", h.Name, out, cpgFirst)
		}
	}
	for _, g := range []string{"crmd", "attrd", "stonith-ng", "cib"} {
		if strings.Count(cpgFirst, "\n"+g+`\x00`) != 1 {
			t.Errorf("corosync-cpgtool lacks group %s:\n%s", g, cpgFirst)
		}
	}
	t.Logf("corosync-cpgtool, same on every node:\n%s", cpgFirst)
	for _, h := range c.Hosts {
		if d := h.Pacemaker(); d.Exited() {
			t.Errorf("pacemakerd on %s exited: %v", h.Name, d.Err())
		}
	}
	return c
}

// startDummy disables fencing and adds an ocf:pacemaker:Dummy resource
// through node1; crm_mon -1 on every node must show it started.
func startDummy(t *testing.T, c *harness.Cluster) {
	h := c.Host(1)
	h.MustRun("crm_attribute", "-n", "stonith-enabled", "-v", "false")
	h.MustRun("cibadmin", "--create", "-o", "resources", "--xml-text",
		`<primitive id="dummy1" class="ocf" provider="pacemaker" type="Dummy"/>`)
	start := time.Now()
	started := regexp.MustCompile(`dummy1\s+\(ocf:pacemaker:Dummy\):\s+Started (node\d)`)
	for _, x := range c.Hosts {
		for {
			out := x.MustRun("crm_mon", "-1").Stdout
			if m := started.FindStringSubmatch(out); m != nil {
				if x == h {
					t.Logf("dummy1 started on %s %v after it was added:\n%s", m[1], time.Since(start).Round(time.Millisecond), out)
				}
				break
			}
			if time.Since(start) > 40*time.Second {
				t.Fatalf("%s: dummy1 not started 40 s after it was added:\n%s", x.Name, out)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	// The controller on the last node (ours in {C,C,Go}) must run it too.
	last := c.Host(len(c.Hosts))
	h.MustRun("crm_resource", "--move", "-r", "dummy1", "--node", last.Name)
	start = time.Now()
	for {
		out := h.MustRun("crm_mon", "-1").Stdout
		if m := started.FindStringSubmatch(out); m != nil && m[1] == last.Name {
			t.Logf("dummy1 moved to %s %v after crm_resource --move", last.Name, time.Since(start).Round(time.Millisecond))
			break
		}
		if time.Since(start) > 40*time.Second {
			t.Fatalf("dummy1 not started on %s 40 s after crm_resource --move:\n%s", last.Name, out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if out := h.MustRun("crm_attribute", "-n", "stonith-enabled", "-G").Stdout; !strings.Contains(out, "value=false") {
		t.Errorf("crm_attribute -n stonith-enabled -G: %s", out)
	}
}

// TestPacemakerOnGo: Pacemaker on three of our nodes.
func TestPacemakerOnGo(t *testing.T) {
	c := pacemakerOn(t, harness.Go, harness.Go, harness.Go)
	startDummy(t, c)
}

// TestPacemakerOnCCGo: Pacemaker on two C nodes and ours.
func TestPacemakerOnCCGo(t *testing.T) {
	c := pacemakerOn(t, harness.C, harness.C, harness.Go)
	startDummy(t, c)
}
