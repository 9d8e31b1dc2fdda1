//go:build interop

package interop

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// TestEnginesExecMessagesCCGo: exec messages of cfg and votequorum go both
// ways between C nodes and ours: config reload requested on either side,
// expected votes set on either side, and a C node killing ours.
func TestEnginesExecMessagesCCGo(t *testing.T) {
	c := harness.New(t, 3, fastTimers(harness.UDPU))
	c.Host(1).StartCorosync(harness.C)
	c.Host(2).StartCorosync(harness.C)
	cNode, goNode := c.Host(1), c.Host(3)
	goNode.StartCorosync(harness.Go)
	c.WaitQuorate(time.Now(), c.Hosts, 3, 60*time.Second)

	// Waits until every node's log has want (C and Go log the same text).
	logged := func(hosts []*harness.Host, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for _, h := range hosts {
			for {
				b, _ := os.ReadFile(h.Corosync().Out)
				if strings.Contains(string(b), want) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s never logged %q:\n%s", h.Name, want, b)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	for _, h := range []*harness.Host{goNode, cNode} {
		out := h.MustRun("corosync-cfgtool", "-R").Stdout
		if out != "Reloading corosync.conf...\nDone\n" {
			t.Errorf("corosync-cfgtool -R on %s: %q", h.Name, out)
		}
		logged(c.Hosts, "[CFG   ] Config reload requested by node "+h.Name[len("node"):])
	}

	expected := func(h *harness.Host, want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			out := h.MustRun("corosync-quorumtool", "-s").Stdout
			if strings.Contains(out, "Expected votes:   "+want+"\n") && strings.Contains(out, "Quorate:          Yes\n") {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: expected votes never became %s:\n%s", h.Name, want, out)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	goNode.MustRun("corosync-quorumtool", "-e", "5")
	expected(cNode, "5")
	expected(c.Host(2), "5")
	cNode.MustRun("corosync-quorumtool", "-e", "3")
	expected(goNode, "3")

	if out := cNode.MustRun("corosync-cfgtool", "-k", "3").Stdout; out != "Killing node 3\n" {
		t.Errorf("corosync-cfgtool -k 3: %q", out)
	}
	d := goNode.Corosync()
	if !d.WaitExit(10 * time.Second) {
		t.Fatal("our node still runs 10 s after a C node killed it")
	}
	if !strings.Contains(d.Err().Error(), "exit status 255") {
		t.Errorf("killed node: %v, want exit status 255", d.Err())
	}
	logged([]*harness.Host{goNode}, "[CFG   ] Killed by node 1 : Killed by corosync-cfgtool")
	logged([]*harness.Host{goNode}, "Corosync Cluster Engine exiting with status -1 at cfg.c:566.")
	c.WaitQuorate(time.Now(), c.Hosts[:2], 2, 30*time.Second)
}
