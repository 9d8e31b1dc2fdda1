package transport

import (
	"fmt"
	"net/netip"
)

// clusterID is generate_cluster_id (totemconfig.c): fold the name with
// value = value<<1 + byte in a C int, bytes read as signed char as on
// x86-64, and keep the low 16 bits.
func clusterID(name string) uint16 {
	var v int32
	for i := 0; i < len(name); i++ {
		v = v<<1 + int32(int8(name[i]))
	}
	return uint16(v & 0xffff)
}

// DefaultMcastAddr is the multicast address corosync derives for link when
// totem.interface.N.mcastaddr is not set (get_cluster_mcast_addr):
// 239.192.(id>>8).(id%255) for IPv4 and ff15::<id in hex> for IPv6, with
// id = cluster id + link number. Note % 255, not & 0xff, as in C.
func DefaultMcastAddr(clusterName string, link int, ipv6 bool) (netip.Addr, error) {
	if clusterName == "" {
		return netip.Addr{}, fmt.Errorf("transport: no cluster_name to derive a multicast address from")
	}
	id := clusterID(clusterName) + uint16(link)
	if ipv6 {
		return netip.ParseAddr(fmt.Sprintf("ff15::%x", id))
	}
	return netip.AddrFrom4([4]byte{239, 192, byte(id >> 8), byte(id % 0xff)}), nil
}

// BroadcastAddr is where udp sends with `broadcast: yes`.
var BroadcastAddr = netip.AddrFrom4([4]byte{255, 255, 255, 255})
