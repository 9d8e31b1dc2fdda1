package ipc

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gorosync/gorosync/wire"
)

// sockClient is the client end of libqb's SOCKET transport (ipc_socket.c).
type sockClient struct {
	setup   int
	ctlPath string
	ctl     []byte
	reqSock int // bound "-response", connected to "-request"
	evSock  int // bound "-event", connected to "-event-tx"
	maxMsg  uint32
	// Receive buffers, reused: a fresh max_msg_size buffer per message
	// would cost more than the message. respBuf is used under the
	// client's reqMu, evBuf under its evMu.
	respBuf, evBuf []byte
}

func dgramConnect(base, local, remote string, maxMsg uint32) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	for _, n := range []string{local, remote} {
		if len(base)+1+len(n) > 107 {
			unix.Close(fd)
			return -1, syscall.ENAMETOOLONG
		}
	}
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: abstractName(base + "-" + local)}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := syscall.Connect(fd, &syscall.SockaddrUnix{Name: abstractName(base + "-" + remote)}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, int(maxMsg))
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, int(maxMsg))
	return fd, nil
}

func openSockClient(setup int, r *wire.ConnResponse) (cliTransport, error) {
	t := &sockClient{setup: setup, ctlPath: r.Request, maxMsg: r.MaxMsgSize, reqSock: -1, evSock: -1}
	f, err := os.OpenFile(r.Request, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	err = f.Truncate(wire.SocketControlSize)
	if err == nil {
		t.ctl, err = mapFile(f, wire.SocketControlSize)
	}
	f.Close()
	if err != nil {
		return nil, err
	}
	if t.reqSock, err = dgramConnect(r.Response, "response", "request", r.MaxMsgSize); err != nil {
		t.close(false)
		return nil, err
	}
	if t.evSock, err = dgramConnect(r.Response, "event", "event-tx", r.MaxMsgSize); err != nil {
		t.close(false)
		return nil, err
	}
	return t, nil
}

func (t *sockClient) fd() int { return t.evSock }

func (t *sockClient) ctlOp(off int, d int32, load bool) (v int32, err error) {
	defer recoverFault(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	p := (*int32)(unsafe.Pointer(&t.ctl[off]))
	if load {
		return atomic.LoadInt32(p), nil
	}
	return atomic.AddInt32(p, d), nil
}

func (t *sockClient) send(fcMax int32, parts ...[]byte) error {
	fc, err := t.ctlOp(ctlReqFC, 0, true)
	if err != nil {
		return err
	}
	if fc > 0 && fc <= fcMax {
		return syscall.EAGAIN
	}
	var b []byte
	if len(parts) == 1 {
		b = parts[0]
	} else {
		for _, p := range parts {
			b = append(b, p...)
		}
	}
	for {
		err = unix.Send(t.reqSock, b, unix.MSG_NOSIGNAL)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		if err == unix.ECONNREFUSED || err == unix.EPIPE {
			return syscall.ENOTCONN
		}
		return err
	}
	_, err = t.ctlOp(ctlReqSent, 1, false)
	return err
}

// recvOn waits for one datagram on fd in liveness slices.
func (t *sockClient) recvOn(fd int, buf *[]byte, ctlOff int, timeout time.Duration) ([]byte, error) {
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	if *buf == nil {
		*buf = make([]byte, t.maxMsg+1)
	}
	for {
		n, _, err := unix.Recvfrom(fd, *buf, unix.MSG_DONTWAIT)
		if err == nil {
			if n > int(t.maxMsg) {
				return nil, syscall.EMSGSIZE
			}
			t.ctlOp(ctlOff, -1, false)
			return append([]byte(nil), (*buf)[:n]...), nil
		}
		if err != unix.EAGAIN && err != unix.EINTR {
			return nil, err
		}
		slice := livenessSlice
		if timeout >= 0 {
			slice = min(slice, time.Until(deadline))
			if slice <= 0 {
				return nil, syscall.ETIMEDOUT
			}
		}
		re, err := pollFd(fd, unix.POLLIN, slice)
		if err != nil {
			return nil, err
		}
		if re == 0 && hungUp(t.setup) {
			return nil, syscall.ENOTCONN
		}
	}
}

func (t *sockClient) recv(timeout time.Duration) ([]byte, error) {
	return t.recvOn(t.reqSock, &t.respBuf, ctlRespSent, timeout)
}

func (t *sockClient) recvEvent(timeout time.Duration) ([]byte, error) {
	return t.recvOn(t.evSock, &t.evBuf, ctlEvSent, timeout)
}

func (t *sockClient) close(bool) {
	if t.reqSock >= 0 {
		unix.Close(t.reqSock)
	}
	if t.evSock >= 0 {
		unix.Close(t.evSock)
	}
	if t.ctl != nil {
		syscall.Munmap(t.ctl)
	}
	// As libqb's client: the control file and directory are ours to remove.
	os.Remove(t.ctlPath)
	os.Remove(filepath.Dir(t.ctlPath))
}
