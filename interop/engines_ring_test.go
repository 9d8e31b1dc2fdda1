//go:build interop

package interop

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// TestEnginesRingMixed: udpu rings {C,C,Go} and {C,Go,Go}. Every node is
// quorate with 3 votes; on a Go node Debian's quorumtool and cfgtool print
// what they print on a C node apart from node-local fields, also after
// quorumtool -e and -v; cmapctl lists every member joined with its
// config_version everywhere, and its full listing and stats have the same
// keys on C and Go nodes (cmapKeysCommon says what is set aside).
func TestEnginesRingMixed(t *testing.T) {
	for _, l := range mixedLayouts {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			enginesRingMixed(t, l.impls)
		})
	}
}

func enginesRingMixed(t *testing.T, impls []harness.Impl) {
	c := harness.New(t, 3, fastTimers(harness.UDPU))
	for i, im := range impls {
		c.Host(i + 1).StartCorosync(im)
	}
	goNode := c.Host(3)
	start := time.Now()
	cv := c.WaitQuorate(start, c.Hosts, 3, 60*time.Second)
	t.Logf("all quorate on ring %s after %v", cv.RingID, cv.Elapsed.Round(time.Millisecond))
	cNode := c.Host(1)

	for _, h := range c.Hosts {
		q, r, err := h.QuorumStatus(t.Context())
		if err != nil {
			t.Fatalf("%s: %v\n%s", h.Name, err, r)
		}
		if !q.Quorate || len(q.Members) != 3 || !strings.Contains(r.Stdout, "Total votes:      3\n") {
			t.Errorf("%s: want quorate with 3 votes:\n%s", h.Name, r.Stdout)
		}
	}

	// The quorum service's view of the 3-node ring, as C logs it.
	var logC, logGo []string
	for time.Since(start) < 10*time.Second {
		logC, logGo = quorumLinesSince(t, cNode, 3), quorumLinesSince(t, goNode, 3)
		if strings.Join(logC, "\n") == strings.Join(logGo, "\n") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if strings.Join(logC, "\n") != strings.Join(logGo, "\n") || len(logGo) < 2 {
		t.Errorf("[QUORUM] lines of the 3-node sync differ.\nC node1:\n%s\nGo node3:\n%s", strings.Join(logC, "\n"), strings.Join(logGo, "\n"))
	} else {
		t.Logf("[QUORUM] lines of the 3-node sync, same on C and Go:\n%s", strings.Join(logGo, "\n"))
	}

	for _, h := range c.Hosts {
		b, err := os.ReadFile(h.Corosync().Out)
		if err != nil || !strings.Contains(string(b), "[QUORUM] This node is within the primary component and will provide service.") {
			t.Errorf("%s never logged that it is within the primary component (%v)", h.Name, err)
		}
	}

	qC := quorumtoolCommon(cNode.MustRun("corosync-quorumtool", "-s").Stdout, true)
	qGo := quorumtoolCommon(goNode.MustRun("corosync-quorumtool", "-s").Stdout, true)
	if qC != qGo {
		t.Errorf("corosync-quorumtool -s differs.\nC node1:\n%s\nGo node3:\n%s", qC, qGo)
	} else {
		t.Logf("corosync-quorumtool -s, same on C and Go (date, node id, (local) removed):\n%s", qGo)
	}
	lC := quorumtoolCommon(cNode.MustRun("corosync-quorumtool", "-l").Stdout, true)
	lGo := quorumtoolCommon(goNode.MustRun("corosync-quorumtool", "-l").Stdout, true)
	if lC != lGo {
		t.Errorf("corosync-quorumtool -l differs.\nC node1:\n%s\nGo node3:\n%s", lC, lGo)
	}

	sC := cfgtoolStatusCommon(t, cNode, cNode.MustRun("corosync-cfgtool", "-s").Stdout)
	sGo := cfgtoolStatusCommon(t, goNode, goNode.MustRun("corosync-cfgtool", "-s").Stdout)
	if sC != sGo {
		t.Errorf("corosync-cfgtool -s differs.\nC node1:\n%s\nGo node3:\n%s", sC, sGo)
	} else {
		t.Logf("corosync-cfgtool -s, same on C and Go (local id, addr line, localhost removed):\n%s", sGo)
	}

	// -n lists the other nodes: each node's block must read the same
	// wherever it is printed, and each host lists exactly the others.
	blocks := map[string]string{}
	for _, h := range c.Hosts {
		out := h.MustRun("corosync-cfgtool", "-n").Stdout
		if want := fmt.Sprintf("Local node ID %d, transport udpu\n", h.NodeID); !strings.HasPrefix(out, want) {
			t.Errorf("%s: corosync-cfgtool -n does not start with %q:\n%s", h.Name, want, out)
		}
		got := cfgtoolNodes(out)
		var want []string
		for _, o := range c.Others(h) {
			want = append(want, fmt.Sprint(o.NodeID))
		}
		if strings.Join(sortedKeys(got), ",") != strings.Join(want, ",") {
			t.Errorf("%s: corosync-cfgtool -n lists nodes %v, want %v:\n%s", h.Name, sortedKeys(got), want, out)
		}
		for id, b := range got {
			if prev, ok := blocks[id]; ok && prev != b {
				t.Errorf("%s: corosync-cfgtool -n says of node %s\n%s\nanother node says\n%s", h.Name, id, b, prev)
			}
			blocks[id] = b
		}
		if h == goNode {
			t.Logf("corosync-cfgtool -n on Go node3:\n%s", out)
		}
	}

	var first string
	for _, h := range c.Hosts {
		out := h.MustRun("corosync-cmapctl", "runtime.members.").Stdout
		for _, o := range c.Hosts {
			for _, line := range []string{
				fmt.Sprintf("runtime.members.%d.config_version (u64) = 0\n", o.NodeID),
				fmt.Sprintf("runtime.members.%d.status (str) = joined\n", o.NodeID),
			} {
				if !strings.Contains(out, line) {
					t.Errorf("%s: corosync-cmapctl runtime.members. lacks %q:\n%s", h.Name, line, out)
				}
			}
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Errorf("%s: corosync-cmapctl runtime.members. differs from node1's:\n%s\nnode1:\n%s", h.Name, out, first)
		}
	}
	t.Logf("corosync-cmapctl runtime.members., same on all nodes:\n%s", first)

	compareCmapKeys(t, cNode, goNode)
	compareVoteChanges(t, c, cNode, goNode)
}
