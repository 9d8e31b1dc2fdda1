package ipc

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gorosync/gorosync/wire"
)

// DialOptions tune Dial. The zero value asks for 1 MiB messages, like every
// corosync client library, and waits up to 10 s for the handshake.
type DialOptions struct {
	MaxMsgSize uint32
	Timeout    time.Duration
}

// RefusedError is a connection refused by the server in its handshake
// response (hdr.error = -Errno): EAGAIN not ready, EACCES, ENOSYS, ...
type RefusedError struct{ Errno syscall.Errno }

func (e *RefusedError) Error() string { return "ipc: connection refused by server: " + e.Errno.Error() }
func (e *RefusedError) Unwrap() error { return e.Errno }

// livenessSlice is libqb's QB_IPC_MAX_WAIT_MS: waits are cut in slices after
// which the setup socket is checked for a hang-up.
const livenessSlice = 2 * time.Second

// cliTransport is the client side of a transport.
type cliTransport interface {
	send(fcMax int32, parts ...[]byte) error
	recv(timeout time.Duration) ([]byte, error)
	recvEvent(timeout time.Duration) ([]byte, error)
	fd() int
	close(serverDead bool)
}

// Client is a connection to a libqb IPC server (qb_ipcc_connection).
// Request/response calls are serialised; events may be read concurrently
// from another goroutine.
type Client struct {
	setup     int
	transport Transport
	maxMsg    uint32
	server    Credentials
	t         cliTransport
	reqMu     sync.Mutex
	evMu      sync.Mutex
	closeMu   sync.Mutex
	closed    bool
}

// Dial connects to the service socket name (e.g. "cmap") and sets up the
// transport the server picks.
func Dial(name string, opts *DialOptions) (*Client, error) {
	var o DialOptions
	if opts != nil {
		o = *opts
	}
	if o.MaxMsgSize == 0 {
		o.MaxMsgSize = DefaultMaxMsgSize
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if len(name) > 107 {
		return nil, syscall.ENAMETOOLONG
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	c := &Client{setup: fd}
	ok := false
	defer func() {
		if !ok {
			unix.Close(fd)
		}
	}()
	if err := syscall.Connect(fd, &syscall.SockaddrUnix{Name: abstractName(name)}); err != nil {
		return nil, fmt.Errorf("ipc: connect %s: %w", name, err)
	}
	// As libqb: have the kernel attach credentials to the handshake.
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1)
	req := wire.ConnRequest{
		Hdr:        wire.RequestHeader{ID: wire.QBMsgAuthenticate, Size: wire.ConnRequestSize},
		MaxMsgSize: o.MaxMsgSize,
	}
	if err := writeFull(fd, req.Append(nil)); err != nil {
		return nil, err
	}
	buf := make([]byte, wire.ConnResponseSize)
	if err := readFull(fd, buf, o.Timeout); err != nil {
		return nil, fmt.Errorf("ipc: handshake with %s: %w", name, err)
	}
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 0)
	resp, err := wire.DecodeConnResponse(buf)
	if err != nil {
		return nil, err
	}
	if resp.Hdr.Error != 0 {
		return nil, &RefusedError{Errno: syscall.Errno(-resp.Hdr.Error)}
	}
	if u, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED); err == nil {
		c.server = Credentials{PID: u.Pid, UID: u.Uid, GID: u.Gid}
	}
	c.maxMsg = resp.MaxMsgSize
	switch resp.ConnectionType {
	case wire.QBIPCSHM:
		c.transport = SHM
		c.t, err = openShmClient(fd, &resp)
	case wire.QBIPCSocket:
		c.transport = Socket
		c.t, err = openSockClient(fd, &resp)
	case 2, 3:
		err = syscall.ENOTSUP
	default:
		err = syscall.EINVAL
	}
	if err != nil {
		return nil, err
	}
	ok = true
	return c, nil
}

// Transport is what the server chose.
func (c *Client) Transport() Transport { return c.transport }

// MaxMsgSize is the negotiated limit for requests, responses and events.
func (c *Client) MaxMsgSize() uint32 { return c.maxMsg }

// ServerCreds are the server's pid/uid/gid (qb_ipcc_auth_get).
func (c *Client) ServerCreds() Credentials { return c.server }

// Fd is the descriptor to poll for events (qb_ipcc_fd_get): the setup socket
// with SHM, the event socket with SOCKET. POLLIN means an event is waiting.
func (c *Client) Fd() int { return c.t.fd() }

func (c *Client) check() error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.closed {
		return ErrClosed
	}
	return nil
}

// Send sends one request without waiting for a response (qb_ipcc_sendv).
// syscall.EAGAIN means the server asked for flow control or its ring is full.
func (c *Client) Send(parts ...[]byte) error { return c.SendFC(fcEnableMax, parts...) }

// SendFC is Send with libqb's fc_enable_max set to fcMax for this call: a
// flow-control word from 1 to fcMax refuses it with EAGAIN. libcpg sends
// its MCASTs with 2, so that QB_IPCS_RATE_OFF_2 (sync, totem congestion)
// stops them while its other requests still go in.
func (c *Client) SendFC(fcMax int32, parts ...[]byte) error {
	if err := c.check(); err != nil {
		return err
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n > int(c.maxMsg) {
		return syscall.EMSGSIZE
	}
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	return c.t.send(fcMax, parts...)
}

// Recv waits for the next response. timeout < 0 waits as long as the server
// lives; syscall.ETIMEDOUT when it elapses, syscall.ENOTCONN when the server
// is gone.
func (c *Client) Recv(timeout time.Duration) ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	return c.t.recv(timeout)
}

// Request sends msg and waits for its response (qb_ipcc_sendv_recv).
func (c *Client) Request(msg []byte, timeout time.Duration) ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if len(msg) > int(c.maxMsg) {
		return nil, syscall.EMSGSIZE
	}
	c.reqMu.Lock()
	defer c.reqMu.Unlock()
	if err := c.t.send(fcEnableMax, msg); err != nil {
		return nil, err
	}
	return c.t.recv(timeout)
}

// RecvEvent returns the next event (qb_ipcc_event_recv). timeout 0 polls,
// < 0 waits while the server lives.
func (c *Client) RecvEvent(timeout time.Duration) ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	c.evMu.Lock()
	defer c.evMu.Unlock()
	return c.t.recvEvent(timeout)
}

// Close disconnects (qb_ipcc_disconnect). Files of a dead server are removed.
func (c *Client) Close() error {
	c.closeMu.Lock()
	if c.closed {
		c.closeMu.Unlock()
		return nil
	}
	c.closed = true
	c.closeMu.Unlock()
	c.reqMu.Lock()
	c.evMu.Lock()
	defer c.evMu.Unlock()
	defer c.reqMu.Unlock()
	dead := c.server.PID > 0 && errors.Is(unix.Kill(int(c.server.PID), 0), unix.ESRCH)
	unix.Shutdown(c.setup, unix.SHUT_RDWR)
	unix.Close(c.setup)
	c.t.close(dead)
	return nil
}

// pollFd waits for events on fd up to d (d < 0: forever). It reports the
// returned revents; 0 means timeout.
func pollFd(fd int, events int16, d time.Duration) (int16, error) {
	ms := -1
	if d >= 0 {
		ms = int((d + time.Millisecond - 1) / time.Millisecond)
	}
	deadline := time.Now().Add(d)
	for {
		p := []unix.PollFd{{Fd: int32(fd), Events: events}}
		n, err := unix.Poll(p, ms)
		if err == unix.EINTR {
			if d >= 0 {
				left := time.Until(deadline)
				if left <= 0 {
					return 0, nil
				}
				ms = int((left + time.Millisecond - 1) / time.Millisecond)
			}
			continue
		}
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, nil
		}
		return p[0].Revents, nil
	}
}

// hungUp checks the setup socket without waiting.
func hungUp(fd int) bool {
	re, err := pollFd(fd, 0, 0)
	return err != nil || re&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0
}

func writeFull(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			if _, err := pollFd(fd, unix.POLLOUT, -1); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func readFull(fd int, b []byte, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for len(b) > 0 {
		left := time.Until(deadline)
		if left <= 0 {
			return syscall.ETIMEDOUT
		}
		re, err := pollFd(fd, unix.POLLIN, left)
		if err != nil {
			return err
		}
		if re == 0 {
			return syscall.ETIMEDOUT
		}
		n, err := unix.Read(fd, b)
		if err == unix.EINTR || err == unix.EAGAIN {
			continue
		}
		if err != nil {
			return err
		}
		if n == 0 {
			return syscall.ECONNRESET
		}
		b = b[n:]
	}
	return nil
}
