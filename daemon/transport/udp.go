package transport

import (
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// UDP is the udp transport (exec/totemudp.c), multicast or broadcast. Three
// sockets as in C: mcast_recv bound to mcastaddr:mcastport (group joined on
// the ring0 interface), token bound to ring0_addr:mcastport, and mcast_send
// bound to ring0_addr:mcastport−1, which sends both the multicasts and the
// unicast tokens. Multicast loopback is off: the local copy of every
// multicast is handed straight to Packets (C uses a socketpair for that).
// There is no unlisted-IP filtering in C's udp transport.
type UDP struct {
	cfg     Config
	group   netip.AddrPort
	recvS   *net.UDPConn
	token   *net.UDPConn
	send    *net.UDPConn
	members atomic.Pointer[memberSet]
	c       counters
	recv    *receiver
	closed  atomic.Bool
}

// NewUDP binds the sockets, joins the group and starts receiving.
func NewUDP(cfg Config) (*UDP, error) {
	cfg.defaults()
	if !cfg.BindAddr.IsValid() || cfg.Port < 2 {
		return nil, fmt.Errorf("transport: udp needs a bind address and a port above 1")
	}
	bind := cfg.BindAddr.Unmap()
	v6 := !bind.Is4()
	group := cfg.McastAddr
	switch {
	case cfg.Broadcast:
		if v6 {
			return nil, fmt.Errorf("transport: broadcast needs IPv4")
		}
		group = BroadcastAddr
	case !group.IsValid():
		var err error
		if group, err = DefaultMcastAddr(cfg.ClusterName, 0, v6); err != nil {
			return nil, err
		}
	}
	group = group.Unmap()
	if group.Is4() == v6 {
		return nil, fmt.Errorf("transport: mcastaddr %s and bind address %s differ in family", group, bind)
	}
	if !cfg.Broadcast && !group.IsMulticast() {
		return nil, fmt.Errorf("transport: %s is not a multicast address", group)
	}
	t := &UDP{cfg: cfg, group: netip.AddrPortFrom(group, cfg.Port)}
	ms, err := newMemberSet(cfg.Members, bind)
	if err != nil {
		return nil, err
	}
	t.members.Store(ms)
	ifindex := 0
	if v6 {
		if ifindex, err = ifIndex(bind); err != nil {
			return nil, err
		}
	}
	fail := func(what string, err error) (*UDP, error) {
		for _, c := range []*net.UDPConn{t.recvS, t.token, t.send} {
			if c != nil {
				c.Close()
			}
		}
		return nil, fmt.Errorf("transport: udp %s: %w", what, err)
	}

	t.recvS, err = listen(t.group, func(fd int) error {
		if err := setInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1, "SO_REUSEADDR"); err != nil {
			return err
		}
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, mcastSocketBufferSize)
		if cfg.Broadcast {
			return setInt(fd, unix.SOL_SOCKET, unix.SO_BROADCAST, 1, "SO_BROADCAST")
		}
		if v6 {
			mreq := &unix.IPv6Mreq{Multiaddr: group.As16(), Interface: uint32(ifindex)}
			if err := unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP, mreq); err != nil {
				return fmt.Errorf("join ipv6 multicast group failed: %w", err)
			}
			return setInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF")
		}
		mreq := &unix.IPMreq{Multiaddr: group.As4(), Interface: bind.As4()}
		if err := unix.SetsockoptIPMreq(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq); err != nil {
			return fmt.Errorf("join ipv4 multicast group failed: %w", err)
		}
		return unix.SetsockoptInet4Addr(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, bind.As4())
	})
	if err != nil {
		return fail("mcast_recv socket "+t.group.String(), err)
	}
	t.send, err = listen(netip.AddrPortFrom(bind, cfg.Port-1), func(fd int) error {
		if err := setInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1, "SO_REUSEADDR"); err != nil {
			return err
		}
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, mcastSocketBufferSize)
		if cfg.Broadcast {
			if err := setInt(fd, unix.SOL_SOCKET, unix.SO_BROADCAST, 1, "SO_BROADCAST"); err != nil {
				return err
			}
		}
		if v6 {
			if err := setInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP"); err != nil {
				return err
			}
			if err := setInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, cfg.TTL, "IPV6_MULTICAST_HOPS"); err != nil {
				return err
			}
			return setInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF")
		}
		if err := unix.SetsockoptByte(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0); err != nil {
			return fmt.Errorf("Unable to turn off multicast loopback: %w", err)
		}
		if err := unix.SetsockoptByte(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, byte(cfg.TTL)); err != nil {
			return fmt.Errorf("set mcast v4 TTL failed: %w", err)
		}
		return unix.SetsockoptInet4Addr(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, bind.As4())
	})
	if err != nil {
		return fail(fmt.Sprintf("mcast_send socket %s:%d", bind, cfg.Port-1), err)
	}
	t.token, err = listen(netip.AddrPortFrom(bind, cfg.Port), func(fd int) error {
		if err := setInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1, "SO_REUSEADDR"); err != nil {
			return err
		}
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PRIORITY, 6)
		return nil
	})
	if err != nil {
		return fail(fmt.Sprintf("token socket %s:%d", bind, cfg.Port), err)
	}
	t.recv = newReceiver(cfg.QueueLen, &t.c, cfg.Logger)
	t.recv.start(t.recvS, 0)
	t.recv.start(t.token, 0)
	cfg.Logger.Info("Initializing transport (UDP/IP Multicast).", "group", t.group, "bind", bind)
	return t, nil
}

// Group is the multicast (or broadcast) address and port in use.
func (t *UDP) Group() netip.AddrPort { return t.group }

// Send implements Transport: tokens go out of the mcast_send socket.
func (t *UDP) Send(nodeid uint32, frame []byte) error {
	if t.closed.Load() {
		return ErrClosed
	}
	a, ok := t.members.Load().byID[nodeid]
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownMember, nodeid)
	}
	if err := rawSendTo(t.send, frame, netip.AddrPortFrom(a, t.cfg.Port)); err != nil {
		t.c.txErr.Add(1)
		return nil
	}
	t.c.tx.Add(1)
	return nil
}

// Mcast implements Transport: one datagram to the group, one local copy.
func (t *UDP) Mcast(frame []byte) error {
	if t.closed.Load() {
		return ErrClosed
	}
	t.send1(frame)
	if len(frame) > 0 {
		local := t.send.LocalAddr().(*net.UDPAddr).AddrPort()
		// Never block here: the caller is the loop that drains Packets. A
		// full queue drops the copy, as C's non-blocking socketpair would.
		t.recv.offer(Packet{Data: append([]byte(nil), frame...), From: unmapPort(local)})
	}
	return nil
}

// McastPeers implements Transport: the group datagrams without the local
// copies (the socket does not loop multicasts back), then the token; one
// group datagram reaches every member, so there is no order to choose.
func (t *UDP) McastPeers(frames [][]byte, tokenTo uint32, token []byte) error {
	if t.closed.Load() {
		return ErrClosed
	}
	for _, f := range frames {
		t.send1(f)
	}
	if token != nil {
		return t.Send(tokenTo, token)
	}
	return nil
}

func (t *UDP) send1(frame []byte) {
	if err := rawSendTo(t.send, frame, t.group); err != nil {
		t.c.txErr.Add(1)
	} else {
		t.c.tx.Add(1)
	}
}

// Packets implements Transport.
func (t *UDP) Packets() <-chan Packet { return t.recv.ch }

// SetMembers implements Transport.
func (t *UDP) SetMembers(members []Member) error {
	ms, err := newMemberSet(members, t.cfg.BindAddr)
	if err != nil {
		return err
	}
	t.members.Store(ms)
	return nil
}

// NetMTU implements Transport.
func (t *UDP) NetMTU() int { return t.cfg.NetMTU }

// Stats implements Transport.
func (t *UDP) Stats() Stats { return t.c.stats() }

// Close implements Transport.
func (t *UDP) Close() error {
	if t.closed.Swap(true) {
		return nil
	}
	t.recvS.Close()
	t.token.Close()
	t.send.Close()
	t.recv.stop()
	return nil
}
