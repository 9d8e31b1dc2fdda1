package cpg

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/gorosync/gorosync/wire"
)

// fakeConn records what the engine answers and sends to one client.
// Held events are recorded at once; unflushed counts those not yet
// flushed.
type fakeConn struct {
	name      string
	resp      [][]byte
	events    [][]byte
	unflushed int
}

func (c *fakeConn) Respond(msg []byte) error {
	c.resp = append(c.resp, bytes.Clone(msg))
	return nil
}

func (c *fakeConn) SendEvent(msg []byte) error {
	c.events = append(c.events, bytes.Clone(msg))
	c.unflushed = 0 // announcing one announces the held ones too
	return nil
}

func (c *fakeConn) SendEventHeld(msg []byte) (bool, error) {
	c.events = append(c.events, bytes.Clone(msg))
	c.unflushed++
	return c.unflushed == 1, nil
}

func (c *fakeConn) FlushEvents() { c.unflushed = 0 }

// lastError is the error field of the last response.
func (c *fakeConn) lastError(t *testing.T) wire.CsError {
	t.Helper()
	if len(c.resp) == 0 {
		t.Fatalf("%s: no response", c.name)
	}
	h, err := wire.DecodeResponseHeader(c.resp[len(c.resp)-1])
	if err != nil {
		t.Fatal(err)
	}
	return wire.CsError(h.Error)
}

// takeEvents returns the events as readable strings and forgets them.
func (c *fakeConn) takeEvents(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, ev := range c.events {
		out = append(out, describeEvent(t, ev))
	}
	c.events = nil
	return out
}

func addrs(l []wire.CpgAddress) string {
	s := ""
	for i, a := range l {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf("%d:%d", a.NodeID, a.PID)
		if a.Reason != 0 {
			s += fmt.Sprintf("/%d", a.Reason)
		}
	}
	return s
}

// describeEvent renders an event compactly: "confchg g m[..] l[..] j[..]",
// "deliver g from 1:100 \"msg\"", "totem 1.4 [1 2]".
func describeEvent(t *testing.T, ev []byte) string {
	t.Helper()
	h, err := wire.DecodeResponseHeader(ev)
	if err != nil || int(h.Size) != len(ev) {
		t.Fatalf("event header %+v, %d bytes: %v", h, len(ev), err)
	}
	switch h.ID {
	case wire.MessageResCpgConfchgCallback:
		m, err := wire.DecodeCpgConfchg(ev)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("confchg %s m[%s] l[%s] j[%s]", m.Group.String(), addrs(m.Members), addrs(m.Left), addrs(m.Joined))
	case wire.MessageResCpgDeliverCallback:
		m, err := wire.DecodeCpgDeliver(ev)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("deliver %s from %d:%d %q", m.Group.String(), m.NodeID, m.PID, m.Message)
	case wire.MessageResCpgPartialDeliverCallback:
		m, err := wire.DecodeCpgPartialDeliver(ev)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("partial %s from %d:%d type %d %d/%d", m.Group.String(), m.NodeID, m.PID, m.Type, len(m.Data), m.MsgLen)
	case wire.MessageResCpgTotemConfchgCallback:
		m, err := wire.DecodeCpgTotemConfchg(ev)
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("totem %s %v", m.RingID, m.Members)
	}
	t.Fatalf("unexpected event id %d", h.ID)
	return ""
}

// simNode is one daemon: an engine and its clients.
type simNode struct {
	id      uint32
	e       *Engine
	members []uint32 // current ring
	full    bool     // totem queue full: Mcast says try again
	sent    [][]byte
}

// simCluster is a tiny in-memory totem: every Mcast is queued and later
// delivered in one agreed order to every member of the sender's ring;
// configuration changes run the sync hooks the way sync v2 calls them.
type simCluster struct {
	t     *testing.T
	nodes map[uint32]*simNode
	queue []simMsg
	seq   uint64
}

type simMsg struct {
	from uint32
	to   []uint32
	msg  []byte
}

func newSim(t *testing.T, ids ...uint32) *simCluster {
	s := &simCluster{t: t, nodes: map[uint32]*simNode{}}
	for _, id := range ids {
		s.addNode(id)
	}
	s.confchg(ids)
	return s
}

func (s *simCluster) addNode(id uint32) *simNode {
	n := &simNode{id: id}
	n.e = New(Config{NodeID: id, Mcast: func(iov ...[]byte) error {
		if n.full {
			return errors.New("try again")
		}
		msg := bytes.Join(iov, nil)
		n.sent = append(n.sent, msg)
		s.queue = append(s.queue, simMsg{from: id, to: slices.Clone(n.members), msg: msg})
		return nil
	}})
	s.nodes[id] = n
	return n
}

// deliver hands every queued message to its ring, in order.
func (s *simCluster) deliver() {
	for len(s.queue) > 0 {
		m := s.queue[0]
		s.queue = s.queue[1:]
		for _, to := range m.to {
			if n := s.nodes[to]; n != nil {
				n.e.Deliver(m.from, m.msg)
			}
		}
	}
}

// confchg installs new rings (one per partition): messages of the old
// rings are delivered first (extended virtual synchrony), then for each
// ring every node runs sync_init with its transitional membership, every
// node's sync_process, delivery of the sync messages, and sync_activate.
func (s *simCluster) confchg(parts ...[]uint32) {
	s.deliver()
	for _, p := range parts {
		s.seq += 4
		ring := wire.RingID{Rep: slices.Min(p), Seq: s.seq}
		for _, id := range p {
			n := s.nodes[id]
			var trans []uint32
			for _, old := range n.members {
				if slices.Contains(p, old) {
					trans = append(trans, old)
				}
			}
			n.members = slices.Clone(p)
			n.e.Init(trans, p, ring)
		}
		for _, id := range p {
			if !s.nodes[id].e.Process() {
				s.t.Fatalf("node %d: sync process not done", id)
			}
		}
		s.deliver()
		for _, id := range p {
			s.nodes[id].e.Activate()
		}
	}
}

func (s *simCluster) client(node uint32, name string) *fakeConn {
	c := &fakeConn{name: name}
	s.nodes[node].e.LibInit(c)
	return c
}

func gname(s string) wire.CpgName {
	g, err := wire.NewCpgName(s)
	if err != nil {
		panic(err)
	}
	return g
}

func joinReq(group string, pid uint32) []byte {
	return (&wire.CpgReqJoin{Group: gname(group), PID: pid}).Append(nil)
}

func leaveReq(group string, pid uint32) []byte {
	return (&wire.CpgReqLeave{Group: gname(group), PID: pid}).Append(nil)
}

func mcastReq(msg string) []byte {
	return (&wire.CpgReqMcast{Guarantee: 2, Message: []byte(msg)}).Append(nil)
}

func (s *simCluster) req(node uint32, c *fakeConn, msg []byte) wire.CsError {
	s.t.Helper()
	n := len(c.resp)
	s.nodes[node].e.LibRequest(c, msg)
	if len(c.resp) == n {
		return 0 // no response (MCAST)
	}
	return c.lastError(s.t)
}

func expectEvents(t *testing.T, c *fakeConn, want ...string) {
	t.Helper()
	got := c.takeEvents(t)
	if !slices.Equal(got, want) {
		t.Fatalf("%s events:\n got  %q\n want %q", c.name, got, want)
	}
}
