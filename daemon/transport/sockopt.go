package transport

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

func network(a netip.Addr) string {
	if a.Unmap().Is4() {
		return "udp4"
	}
	return "udp6"
}

// listen binds a UDP socket after running opts on it (C sets its options
// before bind; IPv6 multicast options only take effect that way).
func listen(addr netip.AddrPort, opts func(fd int) error) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var oerr error
		err := c.Control(func(fd uintptr) { oerr = opts(int(fd)) })
		if err != nil {
			return err
		}
		return oerr
	}}
	a := netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	pc, err := lc.ListenPacket(context.Background(), network(a.Addr()), a.String())
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

func setInt(fd, level, opt, v int, what string) error {
	if err := unix.SetsockoptInt(fd, level, opt, v); err != nil {
		return fmt.Errorf("transport: %s: %w", what, err)
	}
	return nil
}

// ifIndex finds the interface that holds addr (IPv6 multicast options take
// an interface index).
func ifIndex(addr netip.Addr) (int, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return 0, err
	}
	for _, ifc := range ifs {
		as, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range as {
			if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr() == addr {
				return ifc.Index, nil
			}
		}
	}
	return 0, fmt.Errorf("transport: no interface has address %s", addr)
}
