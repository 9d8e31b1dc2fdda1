package cfg

import (
	"net/netip"
	"slices"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/wire"
)

// UDPNode implements Node for the udp and udpu transports the way
// totemudp.c/totemudpu.c answer (they have no per-link data like knet):
// one link (0) per node, "enabled" while the interface is bound,
// "connected" exactly when the node is in the current membership, the
// transport's net_mtu, the node's nodelist address as source and no
// destination; every interface's status string is "OK". Its funcs are
// called from IPC handler goroutines and must be safe for that.
type UDPNode struct {
	NodeID uint32
	// Members is the current ring membership (totemsrp's my_proc_list).
	Members func() []uint32
	// Nodes is the current nodelist (changes on reload).
	Nodes func() []confparse.Node
	// Bound reports netif_bind_state == BIND_STATE_REGULAR; nil means bound.
	Bound func() bool
	// NetMTU is totem_config->net_mtu after the transport's adjustment
	// (totem.netmtu minus the UDP/IP header sizes).
	NetMTU func() int
	// Send multicasts an exec message with TOTEM_SAFE.
	Send func(msg []byte) error
}

func (u *UDPNode) LocalNodeID() uint32 { return u.NodeID }

func (u *UDPNode) Mcast(msg []byte) error { return u.Send(msg) }

// NodeStatus is totemsrp_nodestatus_get + totemudp(u)_nodestatus_get. A
// node missing from the nodelist still gets its reachable flag.
func (u *UDPNode) NodeStatus(nodeid uint32) (NodeStatus, error) {
	var st NodeStatus
	st.Reachable = slices.Contains(u.Members(), nodeid)
	for _, n := range u.Nodes() {
		if n.NodeID != nodeid || n.Addrs[0] == nil {
			continue
		}
		l := &st.Links[0]
		l.Enabled = 1
		if u.Bound != nil && !u.Bound() {
			l.Enabled = 0
		}
		l.Connected = b2u8(st.Reachable)
		l.MTU = uint32(u.NetMTU())
		if a, ok := netip.AddrFromSlice(n.Addrs[0]); ok {
			l.SrcIPAddr = truncHost(a.Unmap().String())
		}
	}
	return st, nil
}

// truncHost is strncpy(.., KNET_MAX_HOST_LEN-1).
func truncHost(s string) string {
	if len(s) > wire.CfgMaxHostLen-1 {
		return s[:wire.CfgMaxHostLen-1]
	}
	return s
}

// Interfaces is totemsrp_ifaces_get for udp/udpu: the node's ring0
// address (only interface 0 exists), status "OK".
func (u *UDPNode) Interfaces(nodeid uint32) []Interface {
	var out []Interface
	for _, n := range u.Nodes() {
		if n.NodeID != nodeid || n.Addrs[0] == nil {
			continue
		}
		a, ok := netip.AddrFromSlice(n.Addrs[0])
		if !ok {
			continue
		}
		out = append(out, Interface{Link: 0, Addr: a.Unmap(), Status: "OK"})
	}
	return out
}

// UDPNetMTU is the net_mtu udp/udpu report for totem.netmtu: minus the
// UDP/IP header (totemudp(u)_net_mtu_adjust) and two totemsrp mcast
// headers (totemsrp_net_mtu_adjust, 31 bytes each). C 3.1.7 prints 1410
// for the default 1500 over IPv4.
func UDPNetMTU(netmtu int, ipv6 bool) int {
	hdr := 8 + 20
	if ipv6 {
		hdr = 8 + 40
	}
	return netmtu - hdr - 2*31
}
