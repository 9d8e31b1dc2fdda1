package transport

import (
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// UDPU is the udpu transport (exec/totemudpu.c): one socket bound to
// ring0_addr:mcastport receives everything and sends tokens; "multicasts"
// are unicast copies to every nodelist member, sent from a second socket
// bound to ring0_addr with an ephemeral port. (C uses one such socket per
// member; the receivers check only the source IP, so one is enough.)
type UDPU struct {
	cfg     Config
	token   *net.UDPConn
	mcast   *net.UDPConn
	members atomic.Pointer[memberSet]
	c       counters
	recv    *receiver
	closed  atomic.Bool
	mm      *mmsgSender // sendmmsg batch for Mcast
	// first and rest are McastPeers' destination lists, kept between
	// calls (the event loop is the only caller).
	first, rest []netip.Addr
}

// NewUDPU binds the sockets and starts receiving.
func NewUDPU(cfg Config) (*UDPU, error) {
	cfg.defaults()
	if !cfg.BindAddr.IsValid() || cfg.Port == 0 {
		return nil, fmt.Errorf("transport: udpu needs a bind address and port")
	}
	t := &UDPU{cfg: cfg}
	ms, err := newMemberSet(cfg.Members, cfg.BindAddr)
	if err != nil {
		return nil, err
	}
	t.members.Store(ms)
	t.token, err = listen(netip.AddrPortFrom(cfg.BindAddr, cfg.Port), func(fd int) error {
		// Best effort, as in C: the kernel caps both at its limits.
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, mcastSocketBufferSize)
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PRIORITY, 6) // TC_PRIO_INTERACTIVE
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("transport: bind token socket %s:%d: %w", cfg.BindAddr, cfg.Port, err)
	}
	t.mcast, err = listen(netip.AddrPortFrom(cfg.BindAddr, 0), func(fd int) error {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, mcastSocketBufferSize)
		return nil
	})
	if err != nil {
		t.token.Close()
		return nil, fmt.Errorf("transport: bind mcast socket %s: %w", cfg.BindAddr, err)
	}
	t.mm = newMmsgSender(t.mcast)
	t.mm.disabled = t.mm.disabled || cfg.plainIO
	t.recv = newReceiver(cfg.QueueLen, &t.c, cfg.Logger)
	if !cfg.AllowUnlistedIPs {
		t.recv.allow = func(a netip.Addr) bool { return t.members.Load().ips[a] }
	}
	t.recv.start(t.token, 0)
	// Nothing is expected on the mcast socket, but a peer could answer to
	// its port; C polls only the token socket, so we do not read it.
	cfg.Logger.Info(fmt.Sprintf("Initializing transport (UDP/IP Unicast)."), "bind", netip.AddrPortFrom(cfg.BindAddr, cfg.Port))
	return t, nil
}

// LocalAddr is the token socket's address.
func (t *UDPU) LocalAddr() netip.AddrPort { return t.token.LocalAddr().(*net.UDPAddr).AddrPort() }

// Send implements Transport.
func (t *UDPU) Send(nodeid uint32, frame []byte) error {
	if t.closed.Load() {
		return ErrClosed
	}
	a, ok := t.members.Load().byID[nodeid]
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownMember, nodeid)
	}
	if err := rawSendTo(t.token, frame, netip.AddrPortFrom(a, t.cfg.Port)); err != nil {
		t.c.txErr.Add(1)
		return nil // non-critical in C: totemsrp recovers by retransmission
	}
	t.c.tx.Add(1)
	return nil
}

// Mcast implements Transport: one copy to every member, the local node too.
func (t *UDPU) Mcast(frame []byte) error {
	if t.closed.Load() {
		return ErrClosed
	}
	sent, failed := t.mm.sendAll(frame, t.members.Load().list, t.cfg.Port)
	t.count(sent, failed)
	return nil
}

// McastPeers implements Transport: a copy of each frame to every member
// but ourselves, tokenTo's first, then the token, then the others' (one
// sendmmsg each way).
func (t *UDPU) McastPeers(frames [][]byte, tokenTo uint32, token []byte) error {
	if t.closed.Load() {
		return ErrClosed
	}
	ms := t.members.Load()
	if token == nil {
		t.count(t.mm.sendFrames(frames, ms.peers, t.cfg.Port))
		return nil
	}
	var ok bool
	t.first, t.rest, ok = ms.visitOrder(tokenTo, t.first, t.rest)
	if !ok {
		t.count(t.mm.sendFrames(frames, ms.peers, t.cfg.Port))
		return t.Send(tokenTo, token)
	}
	t.count(t.mm.sendFrames(frames, t.first, t.cfg.Port))
	err := t.Send(tokenTo, token)
	t.count(t.mm.sendFrames(frames, t.rest, t.cfg.Port))
	return err
}

func (t *UDPU) count(sent, failed int) {
	t.c.tx.Add(uint64(sent))
	t.c.txErr.Add(uint64(failed))
}

// Packets implements Transport.
func (t *UDPU) Packets() <-chan Packet { return t.recv.ch }

// SetMembers implements Transport.
func (t *UDPU) SetMembers(members []Member) error {
	ms, err := newMemberSet(members, t.cfg.BindAddr)
	if err != nil {
		return err
	}
	t.members.Store(ms)
	return nil
}

// NetMTU implements Transport.
func (t *UDPU) NetMTU() int { return t.cfg.NetMTU }

// Stats implements Transport.
func (t *UDPU) Stats() Stats { return t.c.stats() }

// Close implements Transport.
func (t *UDPU) Close() error {
	if t.closed.Swap(true) {
		return nil
	}
	t.token.Close()
	t.mcast.Close()
	t.recv.stop()
	return nil
}
