package transport

import (
	"fmt"
	"net/netip"
)

// memberSet is an immutable snapshot of the member list, swapped atomically
// so the receive goroutines can filter without locks.
type memberSet struct {
	byID map[uint32]netip.Addr // link 0 address
	ips  map[netip.Addr]bool
	list []netip.Addr // in nodelist order, as C's member_list
	// peers is list without the local address (McastPeers), peerIDs
	// their nodeids.
	peers   []netip.Addr
	peerIDs []uint32
}

// bind is the local address: it sets the address family, and peers leaves
// it out.
func newMemberSet(ms []Member, bind netip.Addr) (*memberSet, error) {
	s := &memberSet{byID: map[uint32]netip.Addr{}, ips: map[netip.Addr]bool{}}
	for _, m := range ms {
		if len(m.Addrs) == 0 || !m.Addrs[0].IsValid() {
			return nil, fmt.Errorf("transport: member %d has no ring0 address", m.NodeID)
		}
		a := m.Addrs[0].Unmap()
		if a.Is4() != bind.Unmap().Is4() {
			return nil, fmt.Errorf("transport: member %d address %s is not of the bind address family", m.NodeID, a)
		}
		if _, dup := s.byID[m.NodeID]; dup {
			return nil, fmt.Errorf("transport: nodeid %d listed twice", m.NodeID)
		}
		s.byID[m.NodeID] = a
		s.ips[a] = true
		s.list = append(s.list, a)
		if a != bind.Unmap() {
			s.peers = append(s.peers, a)
			s.peerIDs = append(s.peerIDs, m.NodeID)
		}
	}
	return s, nil
}

// visitOrder fills first with tokenTo's address and rest with the other
// peers, in ring order after tokenTo (ascending nodeid, wrapping, as totem
// orders its members), reusing both slices' memory. ok is false when tokenTo is
// not a peer.
func (s *memberSet) visitOrder(tokenTo uint32, first, rest []netip.Addr) ([]netip.Addr, []netip.Addr, bool) {
	first, rest = first[:0], rest[:0]
	for i, id := range s.peerIDs {
		if id == tokenTo {
			first = append(first, s.peers[i])
		}
	}
	if len(first) == 0 {
		return first, rest, false
	}
	// Few peers: an insertion by distance from tokenTo is cheaper than a
	// sort.Slice closure.
	type peer struct {
		dist uint32
		addr netip.Addr
	}
	var buf [16]peer
	ps := buf[:0]
	for i, id := range s.peerIDs {
		if id == tokenTo {
			continue
		}
		p := peer{id - tokenTo, s.peers[i]}
		j := len(ps)
		ps = append(ps, p)
		for ; j > 0 && ps[j-1].dist > p.dist; j-- {
			ps[j] = ps[j-1]
		}
		ps[j] = p
	}
	for _, p := range ps {
		rest = append(rest, p.addr)
	}
	return first, rest, true
}
