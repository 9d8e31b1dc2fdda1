package cpg

import (
	"bytes"
	"maps"
	"slices"
	"testing"

	"github.com/gorosync/gorosync/daemon/sync"
	"github.com/gorosync/gorosync/daemon/totempg"
	"github.com/gorosync/gorosync/wire"
)

// syncNode wires an Engine to the real daemon/sync engine the way the
// daemon must (see doc.go): cpg exec messages and sync messages share one
// agreed order, configuration changes go to sync only.
type syncNode struct {
	id      uint32
	cpg     *Engine
	sync    *sync.Engine
	members []uint32
}

type syncMsg struct {
	group string // "a" (service engines) or "sync"
	from  uint32
	to    []uint32
	msg   []byte
}

type syncCluster struct {
	t     *testing.T
	nodes map[uint32]*syncNode
	queue []syncMsg
	seq   uint64
}

func newSyncCluster(t *testing.T, ids ...uint32) *syncCluster {
	c := &syncCluster{t: t, nodes: map[uint32]*syncNode{}}
	for _, id := range ids {
		n := &syncNode{id: id}
		mcast := func(group string) func(iov ...[]byte) error {
			return func(iov ...[]byte) error {
				c.queue = append(c.queue, syncMsg{group: group, from: n.id, to: slices.Clone(n.members), msg: bytes.Join(iov, nil)})
				return nil
			}
		}
		n.cpg = New(Config{NodeID: id, Mcast: mcast("a")})
		sm := mcast("sync")
		n.sync = sync.New(sync.Config{Mcast: func(msg []byte) error { return sm(msg) }})
		n.sync.Register(n.cpg)
		c.nodes[id] = n
	}
	c.confchg(ids)
	return c
}

// run delivers everything and lets the sync engines work until quiet.
func (c *syncCluster) run() {
	for i := 0; i < 10000; i++ {
		busy := false
		// Node id order: the JOINLISTs' order decides the NODEUP lists'.
		for _, id := range slices.Sorted(maps.Keys(c.nodes)) {
			if n := c.nodes[id]; n.sync.Busy() {
				n.sync.Run()
				busy = true
			}
		}
		if len(c.queue) == 0 && !busy {
			return
		}
		for len(c.queue) > 0 {
			m := c.queue[0]
			c.queue = c.queue[1:]
			for _, to := range m.to {
				n := c.nodes[to]
				if m.group == "sync" {
					n.sync.Deliver(m.from, m.msg)
				} else {
					n.cpg.Deliver(m.from, m.msg)
				}
			}
		}
	}
	c.t.Fatal("no quiescence")
}

func (c *syncCluster) confchg(parts ...[]uint32) {
	c.run()
	for _, p := range parts {
		c.seq += 4
		ring := wire.RingID{Rep: slices.Min(p), Seq: c.seq}
		for _, id := range p {
			n := c.nodes[id]
			var trans []uint32
			for _, old := range n.members {
				if slices.Contains(p, old) {
					trans = append(trans, old)
				}
			}
			n.sync.ConfChg(totempg.ConfChg{Type: totempg.ConfigurationTransitional, Members: trans, RingID: ring})
			n.members = slices.Clone(p)
			n.sync.ConfChg(totempg.ConfChg{Type: totempg.ConfigurationRegular, Members: p, RingID: ring})
		}
	}
	c.run()
	for _, n := range c.nodes {
		if n.sync.InProgress() {
			c.t.Fatalf("node %d: sync did not complete", n.id)
		}
	}
}

// The failure and merge scenarios of TestNodeFailure and
// TestMergeAfterPartition, driven by the real sync engine instead of
// direct hook calls: same events.
func TestWithSyncEngine(t *testing.T) {
	c := newSyncCluster(t, 1, 2, 3)
	cl := map[uint32]*fakeConn{}
	for id := uint32(1); id <= 3; id++ {
		cl[id] = &fakeConn{name: "c"}
		c.nodes[id].cpg.LibInit(cl[id])
		c.nodes[id].cpg.LibRequest(cl[id], joinReq("g", id*100))
		c.run()
	}
	for _, x := range cl {
		x.takeEvents(t)
	}
	c.nodes[3].cpg.LibRequest(cl[3], mcastReq("last words"))
	c.confchg([]uint32{1, 2}, []uint32{3})
	expectEvents(t, cl[1], `deliver g from 3:300 "last words"`, "confchg g m[1:100,2:200] l[3:300/3] j[]", "totem 1.8 [1 2]")
	expectEvents(t, cl[3], `deliver g from 3:300 "last words"`, "confchg g m[3:300] l[1:100/3,2:200/3] j[]", "totem 3.c [3]")
	c.confchg([]uint32{1, 2, 3})
	expectEvents(t, cl[1], "confchg g m[1:100,2:200,3:300] l[] j[3:300/4]", "totem 1.10 [1 2 3]")
	expectEvents(t, cl[3], "confchg g m[1:100,2:200,3:300] l[] j[2:200/4,1:100/4]", "totem 1.10 [1 2 3]")
}
