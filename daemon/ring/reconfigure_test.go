package ring

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/transport"
	"github.com/gorosync/gorosync/totemsrp"
)

// A reload reaches a running ring: a refused config changes nothing, new
// timers land in totemsrp, and a new nodelist in the transport (nodes 1
// and 2 drop node 3, node 3 keeps only itself: two rings form).
func TestRingReconfigure(t *testing.T) {
	net := transport.NewMemNetwork()
	ids := []uint32{1, 2, 3}
	base := t.TempDir()
	var nodes []*testNode
	for _, id := range ids {
		dir := filepath.Join(base, fmt.Sprint(id))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, startNode(t, net, id, ids, dir))
	}
	waitRing(t, nodes, ids, 10*time.Second)
	members := func(ids ...uint32) []transport.Member {
		var ms []transport.Member
		for _, id := range ids {
			ms = append(ms, transport.Member{NodeID: id})
		}
		return ms
	}
	token := func(tn *testNode) (d time.Duration) {
		tn.r.Do(func(n *totemsrp.Node) { d = n.Config().Token })
		return d
	}

	bad := fastSRP(1)
	bad.Consensus = 0
	if err := nodes[0].r.Reconfigure(bad, members(1)); err == nil {
		t.Fatal("consensus 0 accepted")
	}
	if got := token(nodes[0]); got != fastSRP(1).Token {
		t.Errorf("token %v after a refused reconfiguration", got)
	}

	for i, tn := range nodes {
		c := fastSRP(ids[i])
		c.Token = 500 * time.Millisecond
		c.DeriveTimeouts()
		ms := members(1, 2)
		if ids[i] == 3 {
			ms = members(3)
		}
		if err := tn.r.Reconfigure(c, ms); err != nil {
			t.Fatalf("node %d: %v", ids[i], err)
		}
		if got := token(tn); got != 500*time.Millisecond {
			t.Errorf("node %d: token %v after the reconfiguration, want 500ms", ids[i], got)
		}
	}
	waitRing(t, nodes[:2], []uint32{1, 2}, 10*time.Second)
	waitRing(t, nodes[2:], []uint32{3}, 10*time.Second)
}
