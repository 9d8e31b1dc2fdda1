package transport

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
)

// memberSet is an immutable snapshot of the member list, swapped atomically
// so the receive goroutines can filter without locks.
type memberSet struct {
	byID map[uint32]netip.Addr // link 0 address
	ips  map[netip.Addr]bool
	list []netip.Addr // in nodelist order, as C's member_list
	// peers is list without the local address, in ascending nodeid order
	// (totem's ring order, which McastPeers follows); peerIDs are their
	// nodeids.
	peers   []netip.Addr
	peerIDs []uint32
}

// bind is the local address: it sets the address family, and peers leaves
// it out.
func newMemberSet(ms []Member, bind netip.Addr) (*memberSet, error) {
	s := &memberSet{byID: map[uint32]netip.Addr{}, ips: map[netip.Addr]bool{}}
	var peers []Member
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
			peers = append(peers, Member{NodeID: m.NodeID, Addrs: []netip.Addr{a}})
		}
	}
	slices.SortFunc(peers, func(x, y Member) int { return cmp.Compare(x.NodeID, y.NodeID) })
	for _, p := range peers {
		s.peers = append(s.peers, p.Addrs[0])
		s.peerIDs = append(s.peerIDs, p.NodeID)
	}
	return s, nil
}

// visitOrder returns tokenTo's address in first and the other peers in
// rest, in ring order after tokenTo (ascending nodeid, wrapping, as totem
// orders its members), reusing both slices' memory. ok is false when
// tokenTo is not a peer.
func (s *memberSet) visitOrder(tokenTo uint32, first, rest []netip.Addr) ([]netip.Addr, []netip.Addr, bool) {
	first, rest = first[:0], rest[:0]
	k, ok := slices.BinarySearch(s.peerIDs, tokenTo)
	if !ok {
		return first, rest, false
	}
	first = append(first, s.peers[k])
	rest = append(append(rest, s.peers[k+1:]...), s.peers[:k]...)
	return first, rest, true
}
