package transport

import (
	"fmt"
	"net/netip"
	"slices"
	gosync "sync"
	"sync/atomic"
)

// MemNetwork is an in-memory network for tests: every node's frames go to
// the other nodes' Packets channels, and Filter can drop or partition.
type MemNetwork struct {
	mu    gosync.Mutex
	nodes map[uint32]*MemTransport
	// Filter, if set, is asked about every frame; false drops it.
	Filter func(from, to uint32, frame []byte) bool
}

// NewMemNetwork makes an empty network.
func NewMemNetwork() *MemNetwork { return &MemNetwork{nodes: map[uint32]*MemTransport{}} }

// MemTransport is one node on a MemNetwork. Its address is 127.0.0.1:<nodeid>
// only for display.
type MemTransport struct {
	net     *MemNetwork
	nodeid  uint32
	mtu     int
	ch      chan Packet
	members atomic.Pointer[[]uint32]
	closed  atomic.Bool
	mu      gosync.Mutex // guards ch against close while sending
	stats   struct{ tx, rx, txErr atomic.Uint64 }
}

// Join adds a node. queue is the depth of its Packets channel; a full queue
// drops frames, as a full socket buffer would.
func (n *MemNetwork) Join(nodeid uint32, netMTU, queue int) *MemTransport {
	t := &MemTransport{net: n, nodeid: nodeid, mtu: netMTU, ch: make(chan Packet, queue)}
	empty := []uint32{}
	t.members.Store(&empty)
	n.mu.Lock()
	n.nodes[nodeid] = t
	n.mu.Unlock()
	return t
}

func (t *MemTransport) deliver(from uint32, frame []byte) {
	if t.net.Filter != nil && !t.net.Filter(from, t.nodeid, frame) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed.Load() {
		return
	}
	p := Packet{Data: append([]byte(nil), frame...), From: netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(from))}
	select {
	case t.ch <- p:
		t.stats.rx.Add(1)
	default:
	}
}

func (t *MemTransport) peer(nodeid uint32) *MemTransport {
	t.net.mu.Lock()
	defer t.net.mu.Unlock()
	return t.net.nodes[nodeid]
}

// Send implements Transport.
func (t *MemTransport) Send(nodeid uint32, frame []byte) error {
	if t.closed.Load() {
		return ErrClosed
	}
	found := false
	for _, m := range *t.members.Load() {
		found = found || m == nodeid
	}
	if !found {
		return fmt.Errorf("%w: %d", ErrUnknownMember, nodeid)
	}
	t.stats.tx.Add(1)
	if p := t.peer(nodeid); p != nil {
		p.deliver(t.nodeid, frame)
	}
	return nil
}

// McastPeers implements Transport as udpu does: tokenTo's copies, the
// token, then the other members' copies.
func (t *MemTransport) McastPeers(frames [][]byte, tokenTo uint32, token []byte) error {
	if t.closed.Load() {
		return ErrClosed
	}
	t.stats.tx.Add(uint64(len(frames)))
	members := *t.members.Load()
	sendTo := func(m uint32) {
		if p := t.peer(m); p != nil {
			for _, f := range frames {
				p.deliver(t.nodeid, f)
			}
		}
	}
	var err error
	first := t.nodeid // nobody first
	if token != nil {
		if tokenTo != t.nodeid && slices.Contains(members, tokenTo) {
			first = tokenTo
			sendTo(first)
		}
		err = t.Send(tokenTo, token)
	}
	for _, m := range members {
		if m != t.nodeid && m != first {
			sendTo(m)
		}
	}
	return err
}

// Mcast implements Transport.
func (t *MemTransport) Mcast(frame []byte) error {
	if t.closed.Load() {
		return ErrClosed
	}
	t.stats.tx.Add(1)
	for _, m := range *t.members.Load() {
		if p := t.peer(m); p != nil {
			p.deliver(t.nodeid, frame)
		}
	}
	return nil
}

// Packets implements Transport.
func (t *MemTransport) Packets() <-chan Packet { return t.ch }

// SetMembers implements Transport.
func (t *MemTransport) SetMembers(members []Member) error {
	ids := make([]uint32, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.NodeID)
	}
	t.members.Store(&ids)
	return nil
}

// NetMTU implements Transport.
func (t *MemTransport) NetMTU() int { return t.mtu }

// Stats implements Transport.
func (t *MemTransport) Stats() Stats {
	return Stats{TxFrames: t.stats.tx.Load(), RxFrames: t.stats.rx.Load(), TxErrors: t.stats.txErr.Load()}
}

// Close implements Transport.
func (t *MemTransport) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.closed.Swap(true) {
		close(t.ch)
		t.net.mu.Lock()
		delete(t.net.nodes, t.nodeid)
		t.net.mu.Unlock()
	}
	return nil
}
