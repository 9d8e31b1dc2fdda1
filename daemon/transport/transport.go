// Package transport moves totem frames between nodes: udpu (unicast UDP to
// every nodelist member), udp (IP multicast or broadcast) and, later, knet,
// all behind one small interface. It knows nothing of totem beyond frame
// sizes: totemsrp decides what to send and to whom.
package transport

import (
	"errors"
	"net/netip"
)

// UDPReceiveFrameSizeMax is UDP_RECEIVE_FRAME_SIZE_MAX (totem.h): C's receive
// buffer. A datagram that does not fit is dropped as truncated.
const UDPReceiveFrameSizeMax = 384*(8*2*22) + 1024 // 136192

// Packet is one received frame.
type Packet struct {
	Data []byte         // the frame; owned by the receiver
	From netip.AddrPort // sender's address as the socket saw it
	Link int            // link (ringX) it arrived on; 0 for udp/udpu
}

// Member is a nodelist entry as the transport needs it.
type Member struct {
	NodeID uint32
	Addrs  []netip.Addr // ring0_addr, ring1_addr, ... (udp/udpu use Addrs[0])
}

// Stats are the transport's counters.
type Stats struct {
	TxFrames, RxFrames uint64
	TxErrors           uint64 // sends the kernel refused (C logs them as non-critical)
	RxTruncated        uint64 // datagrams larger than UDPReceiveFrameSizeMax
	RxUnlisted         uint64 // dropped: source IP not in the nodelist (block_unlisted_ips)
	RxEmpty            uint64 // zero-length datagrams
}

// Transport is what the daemon needs from the network.
//
// Send and Mcast may be called from one goroutine at a time (the daemon's
// event loop); Packets is read by that loop. Frames passed to Send and Mcast
// are not retained.
type Transport interface {
	// Send unicasts a frame to one member (ORF token, commit token). knet
	// needs the target nodeid; udp/udpu look the address up in the member
	// list. A nodeid not in the list is an error and nothing is sent (C
	// silently keeps its old token target).
	Send(nodeid uint32, frame []byte) error
	// Mcast sends a frame to every member (the local node included: totem
	// needs its own multicasts back). udpu unicasts a copy to each nodelist
	// member, udp sends one datagram to the group and loops one back
	// internally.
	Mcast(frame []byte) error
	// McastPeers sends one token visit: frames, in order, to every member
	// but the local node (the MCASTs totem already holds: C sends itself a
	// copy and discards it as a duplicate; skipping it saves the sender a
	// send and a receive per frame), then token, if not nil, to tokenTo.
	//
	// The token goes right after tokenTo's copies of frames; the other
	// members' copies may follow it. The next member then starts on the
	// token while the rest still receive, which shortens the rotation. Totem
	// allows the order: on the token a member counts as missing only the
	// seqs below the highest one it has received, and asks for a
	// retransmission after miss_count_const such visits (exec/totemsrp.c,
	// orf_token_rtr); MCASTs that trail the token are not counted at all.
	// udp multicast cannot split the group copies and sends the token last.
	McastPeers(frames [][]byte, tokenTo uint32, token []byte) error
	// Packets delivers received frames, already filtered. It is closed by Close.
	Packets() <-chan Packet
	// SetMembers replaces the member list (nodelist reload, totemsrp
	// member_add/remove).
	SetMembers(members []Member) error
	// NetMTU is C's totem_config->net_mtu before totemsrp adjusts it
	// (totem.netmtu, 1500 by default for udp/udpu; 65536 for knet). totempg
	// works with NetMTU() − 90.
	NetMTU() int
	// Stats returns the counters.
	Stats() Stats
	// Close releases the sockets and closes Packets.
	Close() error
}

// ErrUnknownMember is returned by Send for a nodeid that is not a member.
var ErrUnknownMember = errors.New("transport: nodeid not in member list")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("transport: closed")
