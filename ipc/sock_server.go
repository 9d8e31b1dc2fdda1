package ipc

import (
	"errors"
	"net"
	"os"
	"runtime/debug"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gorosync/gorosync/wire"
)

// sockServer is the server end of libqb's SOCKET transport: a 24-byte control
// file (sent counters and the flow-control word) and two bound datagram
// sockets, "<base>-request" (requests in, responses out) and
// "<base>-event-tx" (events out). Like libqb we address the client's
// "-response"/"-event" sockets by name on each send, which also copes with a
// client that has not bound them yet.
type sockServer struct {
	base     string
	ctlPath  string
	ctl      []byte
	maxMsg   uint32
	reqSock  *net.UnixConn
	evSock   *net.UnixConn
	respAddr syscall.Sockaddr
	evAddr   syscall.Sockaddr
	// Set once connected; respConnected under Conn.respMu, evConnected
	// under Conn.evMu.
	respConnected, evConnected bool
}

// Control file slots.
const (
	ctlReqSent  = 0
	ctlReqFC    = 4
	ctlRespSent = 8
	ctlEvSent   = 16
)

func sockName(path string) (string, error) {
	if len(path) > 107 {
		return "", syscall.ENAMETOOLONG
	}
	return abstractName(path), nil
}

func bindDgram(path string, maxMsg uint32) (*net.UnixConn, error) {
	name, err := sockName(path)
	if err != nil {
		return nil, err
	}
	uc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return nil, err
	}
	setSockSize(uc, maxMsg)
	return uc, nil
}

// setSockSize raises the buffers to max_msg_size like libqb's set_sock_size;
// the kernel caps them at wmem_max/rmem_max.
func setSockSize(uc *net.UnixConn, maxMsg uint32) {
	uc.SetWriteBuffer(int(maxMsg))
	uc.SetReadBuffer(int(maxMsg))
}

func newSockServer(desc, svc string, maxMsg uint32, uid, gid int) (_ *sockServer, err error) {
	// Not the named result: "return nil, err" must leave it for the cleanup
	// (a too-long socket path used to crash the server here).
	t := &sockServer{base: desc + "-" + svc, ctlPath: desc + "-control-" + svc, maxMsg: maxMsg}
	defer func() {
		if err != nil {
			t.shutdown()
			t.teardown()
		}
	}()
	for _, p := range []string{"-request", "-response", "-event", "-event-tx"} {
		if _, err := sockName(t.base + p); err != nil {
			return nil, err
		}
	}
	f, err := createFile(t.ctlPath, wire.SocketControlSize, uid, gid)
	if err != nil {
		return nil, err
	}
	t.ctl, err = mapFile(f, wire.SocketControlSize)
	f.Close()
	if err != nil {
		os.Remove(t.ctlPath)
		return nil, err
	}
	if t.reqSock, err = bindDgram(t.base+"-request", maxMsg); err != nil {
		return nil, err
	}
	if t.evSock, err = bindDgram(t.base+"-event-tx", maxMsg); err != nil {
		return nil, err
	}
	t.respAddr = &syscall.SockaddrUnix{Name: abstractName(t.base + "-response")}
	t.evAddr = &syscall.SockaddrUnix{Name: abstractName(t.base + "-event")}
	return t, nil
}

// ctlAdd adjusts a counter in the control file; the client may have
// truncated it, hence the guard.
func (t *sockServer) ctlAdd(off int, d int32) (err error) {
	defer recoverFault(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	atomic.AddInt32((*int32)(unsafe.Pointer(&t.ctl[off])), d)
	return nil
}

func (t *sockServer) recvLoop(c *Conn) error {
	// The setup socket carries nothing in this transport; its EOF is the
	// disconnect.
	go func() {
		var b [64]byte
		for {
			if _, err := c.uc.Read(b[:]); err != nil {
				c.Close()
				return
			}
		}
	}()
	buf := make([]byte, t.maxMsg+1)
	for !c.closing.Load() {
		n, err := t.reqSock.Read(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return ErrClosed
			}
			return err
		}
		if n > int(t.maxMsg) {
			return syscall.EMSGSIZE
		}
		if err := t.ctlAdd(ctlReqSent, -1); err != nil {
			return err
		}
		msg := buf[:n]
		if !c.svc.cfg.BorrowMessages {
			msg = append([]byte(nil), msg...)
		}
		if err := c.dispatch(msg); err != nil {
			return err
		}
	}
	return ErrClosed
}

// sendNow makes exactly one non-blocking attempt, gathering parts with
// sendmsg. Like libqb, the socket is connected to the client's socket on the
// first send (the client binds it only after the handshake); a client that
// has not bound it yet, or whose queue is full, means "try again".
func sendNow(uc *net.UnixConn, to syscall.Sockaddr, connected *bool, parts ...[]byte) error {
	rc, err := uc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Write(func(fd uintptr) bool {
		if !*connected {
			if serr = syscall.Connect(int(fd), to); serr != nil {
				return true
			}
			*connected = true
		}
		_, serr = unix.SendmsgBuffers(int(fd), parts, nil, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
		return true
	})
	if err != nil {
		return err
	}
	switch {
	case serr == nil:
		return nil
	case errors.Is(serr, syscall.EAGAIN), errors.Is(serr, syscall.ENOBUFS),
		errors.Is(serr, syscall.ECONNREFUSED), errors.Is(serr, syscall.ENOENT):
		return syscall.EAGAIN
	}
	return serr
}

func (t *sockServer) respond(parts ...[]byte) error {
	if err := sendNow(t.reqSock, t.respAddr, &t.respConnected, parts...); err != nil {
		return err
	}
	return t.ctlAdd(ctlRespSent, 1)
}

func (t *sockServer) eventWrite(msg []byte) error {
	if err := sendNow(t.evSock, t.evAddr, &t.evConnected, msg); err != nil {
		return err
	}
	return t.ctlAdd(ctlEvSent, 1)
}

func (t *sockServer) notify(int, <-chan struct{}) error { return nil }
func (t *sockServer) notifyNow(n int) int               { return n }

func (t *sockServer) setFlowControl(level int32) (err error) {
	defer recoverFault(&err)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	atomic.StoreInt32((*int32)(unsafe.Pointer(&t.ctl[ctlReqFC])), level)
	return nil
}

func (t *sockServer) shutdown() {
	if t.reqSock != nil {
		t.reqSock.Close()
	}
	if t.evSock != nil {
		t.evSock.Close()
	}
}

func (t *sockServer) teardown() {
	if t.ctl != nil {
		syscall.Munmap(t.ctl)
		t.ctl = nil
	}
	os.Remove(t.ctlPath)
}
