package transport

import (
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The hot path reads and writes its non-blocking sockets with raw system
// calls, which skip the runtime's entersyscall/exitsyscall. Each of those
// transitions out of an idle process wakes the Go runtime's sysmon thread
// and sets it polling every 20 µs for the next millisecond; between totem
// frames the daemon goes idle hundreds of times a second, so sysmon alone
// made over half of its context switches (measured with cmd/cpgbench and
// perf sched_switch: ~10 switches per delivered CPG message, against 0.1
// for C corosync). The calls cannot block: the sockets are O_NONBLOCK and
// readiness comes from the runtime's poller through RawConn.

// rawRecv reads one datagram from rc into buf. It waits in the poller while
// the socket is empty.
func rawRecv(rc syscall.RawConn, buf []byte) (n, flags int, from netip.AddrPort, err error) {
	var sa unix.RawSockaddrAny
	var iov unix.Iovec
	iov.Base = &buf[0]
	iov.SetLen(len(buf))
	var msg unix.Msghdr
	var errno syscall.Errno
	cerr := rc.Read(func(fd uintptr) bool {
		msg = unix.Msghdr{Name: (*byte)(unsafe.Pointer(&sa)), Namelen: unix.SizeofSockaddrAny, Iov: &iov}
		msg.SetIovlen(1)
		var r uintptr
		r, _, errno = unix.RawSyscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&msg)), unix.MSG_DONTWAIT)
		if errno == unix.EAGAIN || errno == unix.EINTR {
			return false
		}
		n = int(r)
		return true
	})
	if cerr != nil {
		return 0, 0, netip.AddrPort{}, cerr
	}
	if errno != 0 {
		return 0, 0, netip.AddrPort{}, errno
	}
	return n, int(msg.Flags), sockaddrToAddrPort(&sa), nil
}

func sockaddrToAddrPort(sa *unix.RawSockaddrAny) netip.AddrPort {
	switch sa.Addr.Family {
	case unix.AF_INET:
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom4(p.Addr), htons(p.Port))
	case unix.AF_INET6:
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(sa))
		return netip.AddrPortFrom(netip.AddrFrom16(p.Addr), htons(p.Port))
	}
	return netip.AddrPort{}
}

// rawSendTo sends one datagram through conn without blocking the caller on
// a full socket buffer: EAGAIN waits in the poller, as the net package does.
func rawSendTo(conn *net.UDPConn, frame []byte, to netip.AddrPort) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var sa4 unix.RawSockaddrInet4
	var sa6 unix.RawSockaddrInet6
	var name unsafe.Pointer
	var namelen uintptr
	a := to.Addr()
	if a.Is4() {
		sa4 = unix.RawSockaddrInet4{Family: unix.AF_INET, Port: htons(to.Port()), Addr: a.As4()}
		name, namelen = unsafe.Pointer(&sa4), unix.SizeofSockaddrInet4
	} else {
		sa6 = unix.RawSockaddrInet6{Family: unix.AF_INET6, Port: htons(to.Port()), Addr: a.As16()}
		if z := a.Zone(); z != "" {
			if ifi, err := net.InterfaceByName(z); err == nil {
				sa6.Scope_id = uint32(ifi.Index)
			}
		}
		name, namelen = unsafe.Pointer(&sa6), unix.SizeofSockaddrInet6
	}
	var p unsafe.Pointer
	if len(frame) > 0 {
		p = unsafe.Pointer(&frame[0])
	}
	var errno syscall.Errno
	cerr := rc.Write(func(fd uintptr) bool {
		_, _, errno = unix.RawSyscall6(unix.SYS_SENDTO, fd, uintptr(p), uintptr(len(frame)),
			unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL, uintptr(name), namelen)
		return errno != unix.EAGAIN && errno != unix.EINTR
	})
	if cerr != nil {
		return cerr
	}
	if errno != 0 {
		return errno
	}
	return nil
}
