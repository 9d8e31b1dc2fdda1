//go:build interop

package interop

import (
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/interop/harness"
)

// fastTimers keep membership changes within a few seconds; every host gets
// the same values (the harness writes one config for all).
func fastTimers(tr harness.Transport) harness.Config {
	return harness.Config{Transport: tr, Token: 1000}
}

// checkQuorumtool asserts the acceptance criterion directly on the text
// corosync-quorumtool prints, not only on the parsed form.
func checkQuorumtool(t *testing.T, c *harness.Cluster, nodes int) {
	t.Helper()
	for _, h := range c.Hosts {
		r := h.RunT("corosync-quorumtool", "-s")
		q, err := harness.ParseQuorumtool(r.Stdout)
		if err != nil {
			t.Fatalf("%s: %v\n%s", h.Name, err, r)
		}
		if q.Nodes != nodes || !q.Quorate || len(q.Members) != nodes {
			t.Errorf("%s: want %d nodes, quorate; got %+v\n%s", h.Name, nodes, q, r.Stdout)
		}
		if !strings.Contains(r.Stdout, "Quorate:          Yes") {
			t.Errorf("%s: no \"Quorate: Yes\" line:\n%s", h.Name, r.Stdout)
		}
		local := 0
		for _, m := range q.Members {
			if m.Local {
				local++
				if m.NodeID != h.NodeID || m.Name != h.Name {
					t.Errorf("%s: local member is %+v", h.Name, m)
				}
			}
		}
		if local != 1 {
			t.Errorf("%s: %d local members in\n%s", h.Name, local, r.Stdout)
		}
	}
}

func testThreeNodeC(t *testing.T, tr harness.Transport) {
	c := harness.New(t, 3, fastTimers(tr))
	start := time.Now()
	c.StartAll(harness.C)
	for _, h := range c.Hosts {
		h.WaitCmap(30 * time.Second)
	}
	conv := c.WaitQuorate(start, c.Hosts, 3, 60*time.Second)
	t.Logf("%s: 3 C nodes quorate on ring %s, %v after start", tr, conv.RingID, conv.Elapsed.Round(time.Millisecond))
	checkQuorumtool(t, c, 3)
}

func TestThreeNodeCUDPU(t *testing.T) { testThreeNodeC(t, harness.UDPU) }

func TestThreeNodeCKnet(t *testing.T) { testThreeNodeC(t, harness.KNET) }
