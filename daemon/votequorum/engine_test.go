package votequorum

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/wire"
)

// cluster drives engines with the daemon's sync semantics (all NODEINFO of
// a round delivered, in one total order, before any activate).
type cluster struct {
	t     *testing.T
	nodes map[uint32]*tnode
	ring  uint64
	dir   string
}

type tnode struct {
	e      *Engine
	m      *icmap.Map
	out    [][]byte
	logs   []string
	quorum []bool
}

func nodelistMap(n int, conf map[string]any, pos int) *icmap.Map {
	m := icmap.New()
	for i := 0; i < n; i++ {
		m.Set("nodelist.node."+itoa(i)+".nodeid", uint32(i+1))
	}
	m.Set("nodelist.local_node_pos", uint32(pos))
	for k, v := range conf {
		m.Set(k, v)
	}
	return m
}

func itoa(i int) string { return strconv.Itoa(i) }

func newCluster(t *testing.T, n int, conf map[string]any) *cluster {
	c := &cluster{t: t, nodes: map[uint32]*tnode{}, dir: t.TempDir()}
	for i := 0; i < n; i++ {
		c.start(uint32(i+1), nodelistMap(n, conf, i))
	}
	return c
}

func (c *cluster) start(id uint32, m *icmap.Map) *tnode {
	tn := &tnode{m: m}
	tn.e = New(Options{NodeID: id, Map: m, StateDir: c.dir, Hooks: Hooks{
		Mcast:  func(b []byte) error { tn.out = append(tn.out, b); return nil },
		Log:    func(_ Level, s string) { tn.logs = append(tn.logs, s) },
		Quorum: func(_ []uint32, q bool, _ wire.RingID) { tn.quorum = append(tn.quorum, q) },
	}})
	if err := tn.e.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.nodes[id] = tn
	return tn
}

// deliver sends every queued message of members to members, in order.
func (c *cluster) deliver(members []uint32) {
	for again := true; again; {
		again = false
		for _, from := range members {
			tn := c.nodes[from]
			for len(tn.out) > 0 {
				b := tn.out[0]
				tn.out = tn.out[1:]
				again = true
				for _, to := range members {
					if err := c.nodes[to].e.Deliver(from, b); err != nil {
						c.t.Fatal(err)
					}
				}
			}
		}
	}
}

func (c *cluster) sync(members ...uint32) {
	c.ring += 4
	ring := wire.RingID{Rep: members[0], Seq: c.ring}
	for _, id := range members {
		c.nodes[id].e.Init(nil, members, ring)
	}
	for _, id := range members {
		c.nodes[id].e.Process()
	}
	c.deliver(members)
	for _, id := range members {
		c.nodes[id].e.Activate()
	}
	c.deliver(members)
}

func (tn *tnode) logged(s string) bool {
	for _, l := range tn.logs {
		if l == s {
			return true
		}
	}
	return false
}

func TestStartupNodeinfoAsCaptured(t *testing.T) {
	// capture of C corosync alone in a 2-node nodelist:
	// nodeid=1 votes=1 exp=2 flags=8 (FIRST)
	c := newCluster(t, 0, nil)
	tn := c.start(1, nodelistMap(2, nil, 0))
	want, _ := (&wire.VotequorumNodeinfo{NodeID: 1, Votes: 1, ExpectedVotes: 2, Flags: wire.NodeFlagsFirst}).Append(nil)
	if len(tn.out) != 1 || string(tn.out[0]) != string(want) {
		t.Fatalf("startup messages % x", tn.out)
	}
	tn.out = nil
	tn.e.Init([]uint32{1}, []uint32{1}, wire.RingID{Rep: 1, Seq: 4})
	tn.e.Process()
	qdev, _ := (&wire.VotequorumNodeinfo{NodeID: 0}).Append(nil)
	if len(tn.out) != 2 || string(tn.out[1]) != string(qdev) {
		t.Fatalf("sync messages % x", tn.out)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		conf map[string]any
		n    int
		err  string
	}{
		{map[string]any{}, -1, "configuration error: nodelist or quorum.expected_votes must be configured!"},
		{map[string]any{"quorum.two_node": uint8(1), "quorum.device.model": "net"}, 2, "configuration error: two_node and quorum device cannot be configured at the same time!"},
		{map[string]any{"quorum.auto_tie_breaker": uint8(1), "quorum.last_man_standing": uint8(1)}, 3, "configuration error: auto_tie_breaker & last_man_standing not available in odd sized cluster"},
		{map[string]any{"quorum.device.model": "net", "quorum.last_man_standing": uint8(1)}, 3, "configuration error: quorum.device is not compatible with last_man_standing"},
		{map[string]any{"quorum.device.model": "net", "quorum.auto_tie_breaker": uint8(1)}, 4, "configuration error: quorum.device is not compatible with auto_tie_breaker"},
		{map[string]any{"quorum.device.model": "net", "quorum.allow_downscale": uint8(1)}, 3, "configuration error: quorum.device is not compatible with allow_downscale"},
		{map[string]any{"quorum.device.model": "net", "quorum.expected_votes": uint32(5)}, 3, "configuration error: quorum.device.votes must be specified when quorum.expected_votes is set"},
		{map[string]any{"quorum.device.model": "net", "nodelist.node.0.quorum_votes": uint32(2)}, 3, "configuration error: quorum.device.votes must be specified when not all nodes votes 1"},
		{map[string]any{"quorum.device.model": "net", "quorum.device.votes": uint32(4), "quorum.expected_votes": uint32(5)}, 3, "configuration error: quorum.device.votes is too high or expected_votes is too low"},
	} {
		var m *icmap.Map
		if tc.n < 0 {
			m = icmap.New()
		} else {
			m = nodelistMap(tc.n, tc.conf, 0)
		}
		e := New(Options{NodeID: 1, Map: m, StateDir: t.TempDir()})
		if err := e.Start(); err == nil || err.Error() != tc.err {
			t.Errorf("%v: err = %v, want %q", tc.conf, err, tc.err)
		}
	}
}

func TestConfigAdjustments(t *testing.T) {
	// ATB in an odd cluster without wait_for_all is switched off
	c := newCluster(t, 3, map[string]any{"quorum.auto_tie_breaker": uint8(1)})
	n := c.nodes[1]
	if v, _ := n.m.GetUint32("runtime.votequorum.atb_type"); v != 0 || !n.logged("Therefore auto_tie_breaker has been disabled. Please fix your corosync.conf\n") {
		t.Fatalf("atb_type %d, logs %q", v, n.logs)
	}
	// two_node and ATB: two_node loses
	c = newCluster(t, 2, map[string]any{"quorum.auto_tie_breaker": uint8(1), "quorum.two_node": uint8(1)})
	n = c.nodes[1]
	if v, _ := n.m.GetUint8("runtime.votequorum.two_node"); v != 0 || !n.logged("two_node has been disabled, please fix your corosync.conf") {
		t.Fatalf("two_node %d, logs %q", v, n.logs)
	}
	// two_node sets wait_for_all unless configured
	c = newCluster(t, 2, map[string]any{"quorum.two_node": uint8(1)})
	n = c.nodes[1]
	if v, _ := n.m.GetUint8("runtime.votequorum.wait_for_all_status"); v != 1 || !n.e.waitForAll {
		t.Fatalf("wait_for_all_status %d", v)
	}
	// ATB list parsing: strtol semantics, stops at junk
	c = newCluster(t, 4, map[string]any{"quorum.auto_tie_breaker": uint8(1), "quorum.auto_tie_breaker_node": "3 1 x 2"})
	if e := c.nodes[1].e; e.atb != atbList || len(e.atbNodelist) != 2 || e.atbNodelist[0] != 3 || e.atbNodelist[1] != 1 {
		t.Fatalf("atb %d list %v", e.atb, e.atbNodelist)
	}
	c = newCluster(t, 4, map[string]any{"quorum.auto_tie_breaker": uint8(1), "quorum.auto_tie_breaker_node": "nonsense"})
	if e := c.nodes[1].e; e.atb != atbNone {
		t.Fatalf("atb %d", e.atb)
	}
}

func TestRuntimeKeysAndQuorumLines(t *testing.T) {
	c := newCluster(t, 3, map[string]any{"quorum.wait_for_all": uint8(1)})
	n1 := c.nodes[1]
	c.sync(1)
	if !n1.logged("Waiting for all cluster members. Current votes: 1 expected_votes: 3") {
		t.Fatalf("logs %q", n1.logs)
	}
	c.sync(1, 2)
	if n1.e.Quorate() || !n1.logged("Waiting for all cluster members. Current votes: 2 expected_votes: 3") {
		t.Fatalf("quorate with 2 of 3 under wait_for_all")
	}
	c.sync(1, 2, 3)
	if !n1.e.Quorate() {
		t.Fatal("not quorate with all 3")
	}
	for k, want := range map[string]uint32{"runtime.votequorum.this_node_id": 1, "runtime.votequorum.lowest_node_id": 1,
		"runtime.votequorum.highest_node_id": 3, "runtime.votequorum.ev_barrier": 3} {
		if v, err := n1.m.GetUint32(k); err != nil || v != want {
			t.Errorf("%s = %d %v, want %d", k, v, err, want)
		}
	}
	// C only writes atb_type when auto_tie_breaker is configured
	if _, err := n1.m.GetUint32("runtime.votequorum.atb_type"); err == nil {
		t.Error("atb_type set without auto_tie_breaker")
	}
	for k, want := range map[string]uint8{"runtime.votequorum.two_node": 0, "runtime.votequorum.wait_for_all_status": 0} {
		if v, err := n1.m.GetUint8(k); err != nil || v != want {
			t.Errorf("%s = %d %v, want %d", k, v, err, want)
		}
	}
	// the quorum callback fires on every activate (vsf_quorum logs Members then)
	if len(n1.quorum) != 3 || n1.quorum[0] || n1.quorum[1] || !n1.quorum[2] {
		t.Fatalf("quorum callbacks %v", n1.quorum)
	}
	// losing 2 of 3: quorum never drops below 2
	c.sync(1)
	if n1.e.Quorate() || n1.e.QuorumValue() != 2 {
		t.Fatalf("quorate=%v quorum=%d", n1.e.Quorate(), n1.e.QuorumValue())
	}
	if info, _ := n1.e.Node(3); info.State != NodeStateDead {
		t.Fatalf("node 3 %+v", info)
	}
	// FIRST is gone once the node synced with others
	if info, _ := n1.e.Node(1); info.Flags&wire.NodeFlagsFirst != 0 {
		t.Fatalf("node 1 flags %x", info.Flags)
	}
}

func TestCancelWaitForAll(t *testing.T) {
	c := newCluster(t, 3, map[string]any{"quorum.wait_for_all": uint8(1)})
	n1 := c.nodes[1]
	c.sync(1, 2)
	if n1.e.Quorate() {
		t.Fatal("quorate before cancel")
	}
	// corosync-quorumtool -a sets quorum.cancel_wait_for_all
	n1.m.Set("quorum.cancel_wait_for_all", uint8(1))
	n1.e.ConfigChanged("quorum.cancel_wait_for_all")
	c.deliver([]uint32{1, 2})
	if !n1.e.Quorate() || !c.nodes[2].e.Quorate() || !n1.logged("wait_for_all_status reset by user on node 1.") {
		t.Fatalf("after cancel: %v %v", n1.e.Quorate(), n1.logs)
	}
	if v, _ := n1.m.GetUint8("quorum.cancel_wait_for_all"); v != 0 {
		t.Fatal("cancel_wait_for_all not reset")
	}
}

func TestRuntimeExpectedVotesReload(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.sync(1, 2, 3)
	n1 := c.nodes[1]
	n1.m.Set("quorum.expected_votes", uint32(5))
	n1.e.ConfigChanged("quorum.expected_votes")
	c.deliver([]uint32{1, 2, 3})
	for id, n := range c.nodes {
		if info, _ := n.e.Node(id); info.ExpectedVotes != 5 || n.e.QuorumValue() != 3 || !n.e.Quorate() {
			t.Fatalf("node %d: %+v quorum %d", id, info, n.e.QuorumValue())
		}
	}
}

func TestAdoptExpectedVotesFromQuorateNode(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.sync(1, 2, 3)
	// node 4 joins with a config of its own that expects 1 vote
	n4 := c.start(4, nodelistMap(1, nil, 0))
	c.sync(1, 2, 3, 4)
	if info, _ := n4.e.Node(4); info.ExpectedVotes != 4 || !n4.e.Quorate() {
		t.Fatalf("node 4 %+v quorate %v", info, n4.e.Quorate())
	}
}

func TestExpectedVotesTrackingFile(t *testing.T) {
	c := newCluster(t, 3, map[string]any{"quorum.allow_downscale": uint8(1)})
	c.sync(1, 2, 3)
	b, err := os.ReadFile(filepath.Join(c.dir, "ev_tracking"))
	if err != nil || len(b) != 4 || binary.LittleEndian.Uint32(b) != 3 {
		t.Fatalf("ev_tracking % x %v", b, err)
	}
	// allow_downscale: a leaving node tells the others, quorum follows down
	if err := c.nodes[3].e.Exit(); err != nil {
		t.Fatal(err)
	}
	c.deliver([]uint32{1, 2, 3})
	delete(c.nodes, 3)
	c.sync(1, 2)
	if n := c.nodes[1]; !n.e.Quorate() {
		t.Fatalf("not quorate after a clean leave with allow_downscale: quorum %d", n.e.QuorumValue())
	}
	// a restarted node reads the barrier back as its expected votes
	n := c.start(9, nodelistMap(1, map[string]any{"quorum.expected_votes_tracking": uint8(1)}, 0))
	if info, _ := n.e.Node(9); info.ExpectedVotes != 3 {
		t.Fatalf("restarted node %+v", info)
	}
}

func TestLastManStandingWindow(t *testing.T) {
	c := newCluster(t, 5, map[string]any{"quorum.last_man_standing": uint8(1), "quorum.last_man_standing_window": uint32(10000)})
	c.sync(1, 2, 3, 4, 5)
	c.sync(1, 2, 3)
	n1 := c.nodes[1]
	if d, ok := n1.e.NextDeadline(); !ok || d != 10*time.Second {
		t.Fatalf("deadline %v %v", d, ok)
	}
	n1.e.Advance(9 * time.Second)
	if n1.e.QuorumValue() != 3 {
		t.Fatalf("quorum %d before the window", n1.e.QuorumValue())
	}
	for _, id := range []uint32{1, 2, 3} {
		c.nodes[id].e.Advance(10 * time.Second)
	}
	if n1.e.QuorumValue() != 2 {
		t.Fatalf("quorum %d after the window", n1.e.QuorumValue())
	}
	c.sync(1, 2)
	if !n1.e.Quorate() {
		t.Fatal("2 of 3 after last_man_standing not quorate")
	}
}

func TestReconfigureNodeVotes(t *testing.T) {
	c := newCluster(t, 3, nil)
	c.sync(1, 2, 3)
	if st := c.nodes[1].e.SetVotes(2, 3); st != wire.CsOK {
		t.Fatalf("setvotes %v", st)
	}
	c.deliver([]uint32{1, 2, 3})
	for id, n := range c.nodes {
		if info, _ := n.e.Node(2); info.Votes != 3 {
			t.Fatalf("node %d sees node 2 %+v", id, info)
		}
		if info, _ := n.e.GetInfo(id); info.TotalVotes != 5 || info.ExpectedVotes != 5 {
			t.Fatalf("node %d info %+v", id, info)
		}
	}
}

func TestNodeTableRecyclesDeadNodes(t *testing.T) {
	e := New(Options{NodeID: 1, Map: nodelistMap(3, nil, 0), StateDir: t.TempDir()})
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	nodeinfo := func(id uint32) {
		b, _ := (&wire.VotequorumNodeinfo{NodeID: id, Votes: 1, ExpectedVotes: 3}).Append(nil)
		if err := e.Deliver(id, b); err != nil {
			t.Fatal(err)
		}
	}
	// fill C's table: qdevice + us + 384 others
	for id := uint32(2); id <= processorCountMax+1; id++ {
		nodeinfo(id)
	}
	e.Init(nil, []uint32{1}, wire.RingID{Rep: 1, Seq: 4}) // everyone else is gone
	e.quorumMembers = []uint32{1, 2}
	e.Init(nil, []uint32{1}, wire.RingID{Rep: 1, Seq: 8}) // node 2 is DEAD now
	if n, _ := e.Node(2); n.State != NodeStateDead {
		t.Fatalf("node 2 %+v", n)
	}
	nodeinfo(1000)
	if _, ok := e.Node(2); ok {
		t.Fatal("DEAD node 2 not recycled for node 1000")
	}
	if n, ok := e.Node(1000); !ok || n.State != NodeStateMember || len(e.nodes) != processorCountMax+1 {
		t.Fatalf("node 1000 %+v %v, %d nodes", n, ok, len(e.nodes))
	}
}
