//go:build interop

package interop

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/votequorum"
	"github.com/gorosync/gorosync/interop/harness"
	"github.com/gorosync/gorosync/wire"
)

// TestVotequorumEngineMatchesCCluster starts and stops the nodes of a
// 3-node C corosync cluster with wait_for_all, and after every change
// compares what corosync-quorumtool -s says on each running node (quorate,
// expected votes, total votes, quorum, flags, members) with our engines
// driven through the same memberships with the daemon's sync semantics
// (every NODEINFO of a round delivered before any activate). vqsim has no
// sync barrier, so this is the check that the daemon-ordered engine agrees
// with real corosync. The sequence includes wait_for_all coming back after
// a quorum loss.
func TestVotequorumEngineMatchesCCluster(t *testing.T) {
	type step struct {
		start bool
		node  int
		wait  time.Duration // instead of a start/stop: let this much time pass
	}
	for _, tc := range []struct {
		name  string
		n     int
		q     harness.Quorum
		conf  map[string]any
		steps []step
	}{
		{"wait_for_all", 3, harness.Quorum{WaitForAll: true}, map[string]any{"quorum.wait_for_all": uint8(1)},
			[]step{{true, 1, 0}, {true, 2, 0}, {true, 3, 0}, {false, 3, 0}, {false, 2, 0}, {true, 2, 0}, {true, 3, 0}}},
		{"auto_tie_breaker", 4, harness.Quorum{AutoTieBreaker: true}, map[string]any{"quorum.auto_tie_breaker": uint8(1)},
			[]step{{true, 1, 0}, {true, 2, 0}, {true, 3, 0}, {true, 4, 0}, {false, 4, 0}, {false, 3, 0}, {false, 1, 0}, {true, 1, 0}}},
		// The window is long enough for the check after a stop to come
		// before it ends (the Go clock only moves in the wait steps).
		{"last_man_standing", 4, harness.Quorum{LastManStanding: true, LastManStandingWindow: 10000},
			map[string]any{"quorum.last_man_standing": uint8(1), "quorum.last_man_standing_window": uint32(10000)},
			[]step{{true, 1, 0}, {true, 2, 0}, {true, 3, 0}, {true, 4, 0}, {false, 4, 0}, {wait: 11 * time.Second},
				{false, 3, 0}, {wait: 11 * time.Second}, {false, 2, 0}, {true, 2, 0}}},
		{"two_node", 2, harness.Quorum{TwoNode: true}, map[string]any{"quorum.two_node": uint8(1)},
			[]step{{true, 1, 0}, {true, 2, 0}, {false, 2, 0}, {false, 1, 0}, {true, 2, 0}, {true, 1, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := harness.New(t, tc.n, harness.Config{ClusterName: "gvvqc", NamePrefix: "gv", Quorum: tc.q})
			g := newGoCluster(t, tc.n, tc.conf)
			var running []int
			for i, st := range tc.steps {
				if st.wait > 0 {
					time.Sleep(st.wait)
					g.advance(st.wait)
					for _, n := range running {
						compareQuorumtool(t, c, g, n, fmt.Sprintf("step %d (wait %v)", i+1, st.wait))
					}
					continue
				}
				h := c.Host(st.node)
				if st.start {
					h.StartCorosync(harness.C)
					running = append(running, st.node)
					g.start(uint32(st.node))
				} else {
					h.StopCorosync()
					running = slices.DeleteFunc(running, func(n int) bool { return n == st.node })
					g.stop(uint32(st.node))
				}
				slices.Sort(running)
				what := fmt.Sprintf("step %d (%s node %d)", i+1, map[bool]string{true: "start", false: "stop"}[st.start], st.node)
				if len(running) == 0 {
					continue
				}
				var hosts []*harness.Host
				var members []uint32
				for _, n := range running {
					hosts = append(hosts, c.Host(n))
					members = append(members, uint32(n))
				}
				c.WaitConverged(time.Now(), hosts, len(hosts), 60*time.Second)
				time.Sleep(2 * time.Second) // the sync after the ring forms
				g.sync(members)
				for _, n := range running {
					compareQuorumtool(t, c, g, n, what)
				}
			}
		})
	}
}

// compareQuorumtool checks node n's corosync-quorumtool -s against our engine.
func compareQuorumtool(t *testing.T, c *harness.Cluster, g *goCluster, n int, what string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	q, r, err := c.Host(n).QuorumStatus(ctx)
	cancel()
	if err != nil {
		t.Fatalf("%s: quorumtool on node %d: %v\n%s", what, n, err, r.Stdout+r.Stderr)
	}
	cs := fmt.Sprintf("quorate=%v expected=%d total=%d quorum=%d flags=%q members=%v", q.Quorate, q.ExpectedVotes, q.TotalVotes, q.Quorum, q.Flags, memberIDs(q))
	gs := g.status(uint32(n))
	if cs != gs {
		t.Errorf("%s, node %d:\n  C:  %s\n  Go: %s", what, n, cs, gs)
	} else {
		t.Logf("%s, node %d: %s", what, n, cs)
	}
}

func memberIDs(q harness.QuorumStatus) []int {
	var ids []int
	for _, m := range q.Members {
		ids = append(ids, m.NodeID)
	}
	slices.Sort(ids)
	return ids
}

// goCluster is our engines with a perfect totem: agreed order, sync rounds
// as daemon/sync runs them.
type goCluster struct {
	t       *testing.T
	n       int
	conf    map[string]any
	dir     string
	engines map[uint32]*votequorum.Engine
	out     map[uint32][][]byte
	members []uint32
	seq     uint64
	now     time.Duration
}

func newGoCluster(t *testing.T, n int, conf map[string]any) *goCluster {
	return &goCluster{t: t, n: n, conf: conf, dir: t.TempDir(), engines: map[uint32]*votequorum.Engine{}, out: map[uint32][][]byte{}}
}

func (g *goCluster) start(id uint32) {
	m := icmap.New()
	for i := 0; i < g.n; i++ {
		m.Set(fmt.Sprintf("nodelist.node.%d.nodeid", i), uint32(i+1))
	}
	m.Set("nodelist.local_node_pos", id-1)
	for k, v := range g.conf {
		m.Set(k, v)
	}
	e := votequorum.New(votequorum.Options{NodeID: id, Map: m, StateDir: fmt.Sprintf("%s/%d", g.dir, id), Hooks: votequorum.Hooks{
		Mcast: func(b []byte) error { g.out[id] = append(g.out[id], b); return nil },
	}})
	e.Advance(g.now)
	if err := e.Start(); err != nil {
		g.t.Fatal(err)
	}
	g.engines[id] = e
	// C queues the startup NODEINFO before its ring exists; it goes out
	// on the node's first ring, alone
	g.round([]uint32{id}, []uint32{id})
}

// advance moves every engine's clock (last_man_standing_window).
func (g *goCluster) advance(d time.Duration) {
	g.now += d
	for _, e := range g.engines {
		e.Advance(g.now)
	}
	g.deliver(g.members)
}

func (g *goCluster) stop(id uint32) {
	delete(g.engines, id)
	delete(g.out, id)
}

func (g *goCluster) deliver(members []uint32) {
	for again := true; again; {
		again = false
		for _, from := range members {
			for len(g.out[from]) > 0 {
				b := g.out[from][0]
				g.out[from] = g.out[from][1:]
				again = true
				for _, to := range members {
					if err := g.engines[to].Deliver(from, b); err != nil {
						g.t.Fatal(err)
					}
				}
			}
		}
	}
}

func (g *goCluster) round(trans, members []uint32) {
	g.seq += 4
	ring := wire.RingID{Rep: members[0], Seq: g.seq}
	g.deliver(trans)
	for _, id := range members {
		g.engines[id].Init(trans, members, ring)
	}
	for _, id := range members {
		g.engines[id].Process()
	}
	g.deliver(members)
	for _, id := range members {
		g.engines[id].Activate()
	}
	g.deliver(members)
}

func (g *goCluster) sync(members []uint32) {
	g.round(members, members)
	g.members = members
}

// status renders GETINFO the way the test reads quorumtool.
func (g *goCluster) status(id uint32) string {
	e := g.engines[id]
	in, _ := e.GetInfo(0)
	var flags []string
	for _, f := range []struct {
		bit  uint32
		name string
	}{{wire.VotequorumInfoTwoNode, "2Node"}, {wire.VotequorumInfoQuorate, "Quorate"}, {wire.VotequorumInfoWaitForAll, "WaitForAll"},
		{wire.VotequorumInfoLastManStanding, "LastManStanding"}, {wire.VotequorumInfoAutoTieBreaker, "AutoTieBreaker"},
		{wire.VotequorumInfoAllowDownscale, "AllowDownscale"}} {
		if in.Flags&f.bit != 0 {
			flags = append(flags, f.name)
		}
	}
	var ids []int
	for _, m := range e.Members() {
		ids = append(ids, int(m))
	}
	slices.Sort(ids)
	return fmt.Sprintf("quorate=%v expected=%d total=%d quorum=%d flags=%q members=%v", in.Flags&wire.VotequorumInfoQuorate != 0,
		in.ExpectedVotes, in.TotalVotes, in.Quorum, strings.Join(flags, " "), ids)
}
