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
	// peers is list without the local address (McastPeers).
	peers []netip.Addr
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
		}
	}
	return s, nil
}
