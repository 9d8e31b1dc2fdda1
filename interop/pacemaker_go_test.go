//go:build interop

package interop

import (
	"regexp"
	"strings"
	"syscall"
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

var dummyStarted = regexp.MustCompile(`dummy1\s+\(ocf:pacemaker:Dummy\):\s+Started (node\d)`)

// startDummy disables fencing and adds an ocf:pacemaker:Dummy resource
// through node1; crm_mon -1 on every node must show it started.
func startDummy(t *testing.T, c *harness.Cluster) {
	h := c.Host(1)
	h.MustRun("crm_attribute", "-n", "stonith-enabled", "-v", "false")
	h.MustRun("cibadmin", "--create", "-o", "resources", "--xml-text",
		`<primitive id="dummy1" class="ocf" provider="pacemaker" type="Dummy"/>`)
	start := time.Now()
	started := dummyStarted
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

// recoverDummy kills the node that runs dummy1 the hard way (kill -9 of its
// corosync and its pacemakerd, by PID): with fencing off, the two survivors
// keep quorum and Pacemaker must start dummy1 on one of them.
func recoverDummy(t *testing.T, c *harness.Cluster) {
	m := dummyStarted.FindStringSubmatch(c.Host(1).MustRun("crm_mon", "-1").Stdout)
	if m == nil {
		t.Fatalf("dummy1 not started before the kill")
	}
	var victim *harness.Host
	for _, h := range c.Hosts {
		if h.Name == m[1] {
			victim = h
		}
	}
	killed := victim.KillCorosync()
	pm := victim.Pacemaker()
	if err := pm.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 pacemakerd pid %d on %s: %v", pm.Pid, victim.Name, err)
	}
	if !pm.WaitExit(10 * time.Second) {
		t.Fatalf("pacemakerd pid %d on %s survived SIGKILL", pm.Pid, victim.Name)
	}
	t.Logf("killed corosync and pacemakerd (pid %d) on %s, which ran dummy1", pm.Pid, victim.Name)
	survivors := c.Others(victim)
	for _, h := range survivors {
		for {
			out := h.MustRun("crm_mon", "-1").Stdout
			m := dummyStarted.FindStringSubmatch(out)
			if m != nil && m[1] != victim.Name && strings.Contains(out, "partition with quorum") &&
				regexp.MustCompile(`(?m)OFFLINE:.*\b`+victim.Name+`\b`).MatchString(out) {
				if h == survivors[0] {
					t.Logf("dummy1 recovered on %s %v after the kill; crm_mon -1 on %s:\n%s", m[1], time.Since(killed).Round(time.Millisecond), h.Name, out)
				}
				break
			}
			if time.Since(killed) > 40*time.Second {
				t.Fatalf("%s: dummy1 not recovered 40 s after %s was killed:\n%s", h.Name, victim.Name, out)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
}

// TestPacemakerOnGo: Pacemaker on three of our nodes, including recovery
// of the resource when its node dies.
func TestPacemakerOnGo(t *testing.T) {
	c := pacemakerOn(t, harness.Go, harness.Go, harness.Go)
	startDummy(t, c)
	recoverDummy(t, c)
}

// TestPacemakerOnCGoGo: Pacemaker on one C node and two of ours; dummy1
// moves to a Go node, which then dies.
func TestPacemakerOnCGoGo(t *testing.T) {
	c := pacemakerOn(t, harness.C, harness.Go, harness.Go)
	startDummy(t, c)
	recoverDummy(t, c)
}

// TestPacemakerOnCCGo: Pacemaker on two C nodes and ours.
func TestPacemakerOnCCGo(t *testing.T) {
	c := pacemakerOn(t, harness.C, harness.C, harness.Go)
	startDummy(t, c)
}
