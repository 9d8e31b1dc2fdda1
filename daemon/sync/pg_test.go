package sync

import (
	"strings"
	"testing"

	"github.com/gorosync/gorosync/daemon/totempg"
	"github.com/gorosync/gorosync/wire"
)

// ringSim is a stand-in for totemsrp: every packet any node multicasts is
// put in one agreed order and delivered to every node; the token visits the
// nodes in turn (which flushes totempg's staging buffer); the queue holds
// at most avail packets per rotation.
type ringSim struct {
	order []struct {
		from   uint32
		packet []byte
	}
	avail int
}

type simSRP struct {
	r  *ringSim
	id uint32
}

func (s simSRP) Mcast(p []byte, _ totempg.Guarantee) error {
	s.r.order = append(s.r.order, struct {
		from   uint32
		packet []byte
	}{s.id, append([]byte(nil), p...)})
	return nil
}
func (s simSRP) Avail() int { return s.r.avail }

type pgNode struct {
	pg   *totempg.PG
	sync *Engine
	log  []string
	done int
}

// The wiring the daemon does: sync's Mcast is a totempg group "sync"
// multicast, totempg delivers group "sync" to the engine; votequorum-like
// traffic in group "a" shares the packets.
func newPGNode(r *ringSim, id uint32) *pgNode {
	n := &pgNode{}
	n.pg = totempg.New(simSRP{r, id}, totempg.Config{NetMTU: 1410})
	var syncGroup *totempg.Instance
	n.sync = New(Config{
		Mcast:     func(m []byte) error { return syncGroup.McastJoined(totempg.Agreed, m) },
		Completed: func(wire.RingID) { n.done++ },
		Event:     func(e Event) { n.log = append(n.log, e.Msg) },
	})
	syncGroup = n.pg.GroupsInitialize(func(from uint32, m []byte, _ bool) { n.sync.Deliver(from, m) }, nil)
	syncGroup.Join(wire.GroupSync)
	a := n.pg.GroupsInitialize(nil, nil)
	a.Join(wire.GroupA)
	for _, s := range CompatServices(func(e Event) { n.log = append(n.log, e.Msg) }) {
		if s.ID() == ServiceCpg {
			// a cpg stand-in that sends a 1568-byte downlist like C's
			s = &downlistSender{announceOnly: announceOnly{id: ServiceCpg}, a: a}
		}
		n.sync.Register(s)
	}
	return n
}

type downlistSender struct {
	announceOnly
	a *totempg.Instance
}

func (d *downlistSender) Process() bool {
	msg := wire.RequestHeader{ID: wire.ServiceID(2, 5), Size: 1568}.Append(make([]byte, 0, 1568))
	return d.a.McastJoined(totempg.Agreed, append(msg, make([]byte, 1568-16)...)) == nil
}

func TestSyncOverTotempg(t *testing.T) {
	r := &ringSim{avail: 3}
	ids := []uint32{1, 2, 3}
	nodes := map[uint32]*pgNode{}
	for _, id := range ids {
		nodes[id] = newPGNode(r, id)
	}
	ring := wire.RingID{Rep: 1, Seq: 0x10}
	for _, id := range ids {
		c := totempg.ConfChg{Type: totempg.ConfigurationRegular, Members: ids, RingID: ring}
		nodes[id].pg.ConfChg(c)
		nodes[id].sync.ConfChg(c)
	}
	delivered := 0
	for rot := 0; rot < 200; rot++ {
		for _, id := range ids { // the token goes round
			nodes[id].sync.Run()
			if err := nodes[id].pg.TokenReceived(); err != nil {
				t.Fatal(err)
			}
		}
		for ; delivered < len(r.order); delivered++ {
			p := r.order[delivered]
			for _, id := range ids {
				nodes[id].pg.Deliver(p.from, p.packet, false)
			}
		}
		all := true
		for _, id := range ids {
			all = all && nodes[id].done == 1
		}
		if all {
			t.Logf("completed after %d rotations, %d packets", rot+1, len(r.order))
			for _, id := range ids {
				if !strings.Contains(strings.Join(nodes[id].log, "\n"), "Sync members[3]: 1 2 3") {
					t.Fatalf("node %d log:\n%s", id, strings.Join(nodes[id].log, "\n"))
				}
			}
			return
		}
	}
	for _, id := range ids {
		t.Logf("node %d: done %d\n%s", id, nodes[id].done, strings.Join(nodes[id].log, "\n"))
	}
	t.Fatal("sync did not complete over totempg")
}
