package transport

import (
	"io"
	"log/slog"
	"net/netip"
)

// Config of the udp and udpu transports (totem.interface.0.* and nodelist).
type Config struct {
	// BindAddr is this node's ring0_addr (the address totem binds to).
	BindAddr netip.Addr
	// Port is totem.interface.0.mcastport (5405 by default).
	Port uint16
	// Members is the nodelist, this node included.
	Members []Member
	// NetMTU is totem.netmtu; 0 means 1500.
	NetMTU int
	// AllowUnlistedIPs turns block_unlisted_ips off (udpu only: C's udp
	// transport never filters).
	AllowUnlistedIPs bool
	// QueueLen is the depth of the Packets channel; 0 means 1024.
	QueueLen int
	Logger   *slog.Logger

	// udp only.
	McastAddr   netip.Addr // totem.interface.0.mcastaddr; zero: derived from ClusterName
	ClusterName string
	Broadcast   bool // totem.interface.0.broadcast: yes
	TTL         int  // totem.interface.0.ttl; 0 means 1

	plainIO bool // one sendto per member instead of sendmmsg (benchmarks)
}

// mcastSocketBufferSize is MCAST_SOCKET_BUFFER_SIZE (TRANSMITS_ALLOWED ×
// UDP_RECEIVE_FRAME_SIZE_MAX), asked of the kernel with plain SO_RCVBUF /
// SO_SNDBUF, so net.core.[rw]mem_max caps it as it caps C's.
const mcastSocketBufferSize = 16 * UDPReceiveFrameSizeMax

func (c *Config) defaults() {
	if c.NetMTU == 0 {
		c.NetMTU = 1500
	}
	if c.QueueLen == 0 {
		c.QueueLen = 1024
	}
	if c.TTL == 0 {
		c.TTL = 1
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}
