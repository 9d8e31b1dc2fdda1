package ipc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// Transport selects how a server exchanges messages after the handshake.
type Transport int

const (
	// SHM: shared-memory rings (libqb QB_IPC_SHM, corosync's "native").
	SHM Transport = iota
	// Socket: one datagram per message (libqb QB_IPC_SOCKET).
	Socket
)

func (t Transport) String() string {
	if t == Socket {
		return "socket"
	}
	return "shm"
}

// ParseTransport maps corosync's system.qb_ipc_type values ("native", "shm",
// "socket") onto a Transport, as corosync's cs_get_ipc_type does. For any
// other value C logs "Unknown ipc type" and uses native (SHM): so do we,
// returning SHM together with an error for the log.
func ParseTransport(s string) (Transport, error) {
	switch s {
	case "native", "shm", "":
		return SHM, nil
	case "socket":
		return Socket, nil
	}
	return SHM, fmt.Errorf("ipc: unknown qb_ipc_type %q", s)
}

// DefaultMaxMsgSize is what every corosync client library asks for (and what
// libcpg assumes when fragmenting).
const DefaultMaxMsgSize = 1 << 20

// Credentials of a peer (SO_PEERCRED of the setup socket).
type Credentials struct {
	PID int32
	UID uint32
	GID uint32
}

// Config of a Server. The zero value serves SHM in /dev/shm.
type Config struct {
	Transport Transport
	// ShmDir holds the per-connection directories (default /dev/shm).
	// Tests point it at a private directory.
	ShmDir string
	// MaxMsgSize is the smallest max_msg_size offered (default 1 MiB); the
	// client may ask for more, up to MaxMsgLimit (default 16 MiB).
	MaxMsgSize  uint32
	MaxMsgLimit uint32
	// EventQueueLen bounds the events waiting for room in a client's event
	// ring; beyond it SendEvent returns ErrTryAgain (default 4096).
	EventQueueLen int
	// Authorize gets the peer credentials; a non-zero errno (EACCES for
	// corosync's uidgid rule) refuses the connection.
	Authorize func(Credentials) syscall.Errno
	// Busy is consulted for FlowControlled requests (totem backlog, sync).
	Busy func() bool
	// Exec, if set, runs every handler and hook call; it must return only
	// after fn has run. Use it to put all service code on one goroutine.
	Exec func(fn func())
	// OnConnCreated and OnConnClosed see every connection of every
	// service, after the service's own OnCreated and OnClose (corosync's
	// bookkeeping in cs_ipcs_connection_created/closed: the stats map's
	// stats.ipcs.* keys). OnConnClosed runs exactly once for each
	// connection OnConnCreated saw. Both run through Exec.
	OnConnCreated func(c *Conn)
	OnConnClosed  func(c *Conn)
	// Logf receives diagnostics (default: discarded).
	Logf func(format string, args ...any)
}

// Server is a libqb IPC server for any number of services.
type Server struct {
	cfg      Config
	pid      int
	ready    atomic.Bool
	mu       sync.Mutex
	services map[string]*Service
	lns      map[string]*net.UnixListener
	conns    map[*Conn]struct{}
	pending  map[*net.UnixConn]struct{} // accepted, handshake not done
	closed   bool
	started  bool
	wg       sync.WaitGroup
	nextID   atomic.Uint64
}

// ErrClosed is returned by operations on a closed server or connection.
var ErrClosed = errors.New("ipc: closed")

// ErrTryAgain is what Respond and SendEvent return when the client's ring (or
// socket) is full or its event backlog is at the bound: corosync maps it to
// CS_ERR_TRY_AGAIN.
var ErrTryAgain = syscall.EAGAIN

// NewServer creates a server; register services, then Start.
func NewServer(cfg Config) *Server {
	if cfg.ShmDir == "" {
		cfg.ShmDir = "/dev/shm"
	}
	if cfg.MaxMsgSize == 0 {
		cfg.MaxMsgSize = DefaultMaxMsgSize
	}
	if cfg.MaxMsgLimit == 0 {
		cfg.MaxMsgLimit = 16 << 20
	}
	if cfg.MaxMsgLimit < cfg.MaxMsgSize {
		cfg.MaxMsgLimit = cfg.MaxMsgSize
	}
	if cfg.EventQueueLen <= 0 {
		cfg.EventQueueLen = 4096
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	return &Server{
		cfg:      cfg,
		pid:      os.Getpid(),
		services: map[string]*Service{},
		lns:      map[string]*net.UnixListener{},
		conns:    map[*Conn]struct{}{},
		pending:  map[*net.UnixConn]struct{}{},
	}
}

// Register adds a service. If the server is already started its socket is
// opened at once.
func (s *Server) Register(cfg ServiceConfig) (*Service, error) {
	if cfg.Name == "" || len(cfg.Name) > 107 || strings.ContainsRune(cfg.Name, 0) {
		return nil, fmt.Errorf("ipc: bad service name %q", cfg.Name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if _, dup := s.services[cfg.Name]; dup {
		return nil, fmt.Errorf("ipc: service %q registered twice", cfg.Name)
	}
	svc := &Service{cfg: cfg, srv: s, handlers: map[int32]handlerEntry{}}
	s.services[cfg.Name] = svc
	if len(s.lns) > 0 || s.started {
		if err := s.listenLocked(svc); err != nil {
			delete(s.services, cfg.Name)
			return nil, err
		}
	}
	return svc, nil
}

// SetReady opens (true) or closes (false) the gate: while not ready every
// connection is refused with -EAGAIN, as corosync does before its services
// are up.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// Start removes stale connection directories and opens every service socket.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.cfg.Transport == SHM || s.cfg.Transport == Socket {
		removeStaleDirs(s.cfg.ShmDir, s.pid, s.cfg.Logf)
	}
	s.started = true
	for _, svc := range s.services {
		if _, ok := s.lns[svc.cfg.Name]; ok {
			continue
		}
		if err := s.listenLocked(svc); err != nil {
			return err
		}
	}
	return nil
}

// abstractName is the name NUL-padded to the whole sun_path: libqb clients
// connect with addrlen sizeof(struct sockaddr_un), so a short name would not
// be found.
func abstractName(name string) string {
	return "@" + name + strings.Repeat("\x00", 107-len(name))
}

func (s *Server) listenLocked(svc *Service) error {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: abstractName(svc.cfg.Name), Net: "unix"})
	if err != nil {
		return fmt.Errorf("ipc: listen %s: %w", svc.cfg.Name, err)
	}
	s.lns[svc.cfg.Name] = ln
	s.wg.Add(1)
	go s.acceptLoop(svc, ln)
	return nil
}

func (s *Server) acceptLoop(svc *Service, ln *net.UnixListener) {
	defer s.wg.Done()
	delay := time.Millisecond
	for {
		uc, err := ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// EMFILE and friends: back off instead of spinning.
			s.cfg.Logf("ipc: %s: accept: %v", svc.cfg.Name, err)
			time.Sleep(delay)
			delay = min(delay*2, time.Second)
			continue
		}
		delay = time.Millisecond
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			uc.Close()
			return
		}
		s.pending[uc] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.handshake(svc, uc)
		}()
	}
}

// handshakeTimeout bounds how long a silent client can hold an accepted
// socket before sending its connection request.
const handshakeTimeout = 10 * time.Second

func (s *Server) handshake(svc *Service, uc *net.UnixConn) {
	done := func() {
		s.mu.Lock()
		delete(s.pending, uc)
		s.mu.Unlock()
	}
	defer done()
	uc.SetReadDeadline(time.Now().Add(handshakeTimeout))
	buf := make([]byte, wire.ConnRequestSize)
	if _, err := io.ReadFull(uc, buf); err != nil {
		uc.Close()
		return
	}
	req, err := wire.DecodeConnRequest(buf)
	if err != nil {
		// libqb closes without a response.
		uc.Close()
		return
	}
	uc.SetReadDeadline(time.Time{})
	cred, err := peerCred(uc)
	if err != nil {
		uc.Close()
		return
	}
	c := &Conn{
		srv:   s,
		svc:   svc,
		uc:    uc,
		cred:  cred,
		id:    s.nextID.Add(1),
		done:  make(chan struct{}),
		kick:  make(chan struct{}, 1),
		evMax: s.cfg.EventQueueLen,
	}
	c.maxMsg = min(max(req.MaxMsgSize, s.cfg.MaxMsgSize), s.cfg.MaxMsgLimit)

	resp := wire.ConnResponse{MaxMsgSize: c.maxMsg, Connection: c.id}
	if errno := s.admit(c); errno != 0 {
		s.refuse(uc, errno)
		return
	}
	if err := c.setup(&resp); err != nil {
		s.cfg.Logf("ipc: %s: connection setup for pid %d: %v", svc.cfg.Name, cred.PID, err)
		errno := syscall.ENOMEM
		errors.As(err, &errno)
		c.runClose()
		s.refuse(uc, errno)
		return
	}
	b, err := resp.Marshal()
	if err == nil {
		err = writeAllOnce(uc, b)
	}
	s.mu.Lock()
	delete(s.pending, uc)
	if s.closed {
		err = ErrClosed
	} else if err == nil {
		s.conns[c] = struct{}{}
	}
	s.mu.Unlock()
	if err != nil {
		c.teardown()
		c.runClose()
		return
	}
	s.exec(func() {
		if svc.cfg.OnCreated != nil {
			svc.cfg.OnCreated(c)
		}
		if s.cfg.OnConnCreated != nil {
			c.created = true
			s.cfg.OnConnCreated(c)
		}
	})
	c.serve()
}

// admit applies corosync's acceptance order: readiness, service presence,
// credentials, then the service's own hook.
func (s *Server) admit(c *Conn) syscall.Errno {
	if !s.ready.Load() {
		return syscall.EAGAIN
	}
	if !c.svc.available() {
		return syscall.ENOSYS
	}
	var errno syscall.Errno
	s.exec(func() {
		if s.cfg.Authorize != nil {
			errno = s.cfg.Authorize(c.cred)
		}
		if errno == 0 && c.svc.cfg.OnConnect != nil {
			errno = c.svc.cfg.OnConnect(c)
		}
	})
	c.accepted = errno == 0
	return errno
}

// refuse sends the full-size response carrying -errno, then closes, as libqb.
func (s *Server) refuse(uc *net.UnixConn, errno syscall.Errno) {
	r := wire.ConnResponse{Hdr: wire.ResponseHeader{Error: -int32(errno)}}
	b, _ := r.Marshal()
	writeAllOnce(uc, b)
	uc.Close()
}

// writeAllOnce sends b with a single write: libqb 2.0.6 clients fail the
// connect if the handshake response arrives in pieces.
func writeAllOnce(uc *net.UnixConn, b []byte) error {
	uc.SetWriteDeadline(time.Now().Add(handshakeTimeout))
	defer uc.SetWriteDeadline(time.Time{})
	n, err := uc.Write(b)
	if err == nil && n != len(b) {
		err = io.ErrShortWrite
	}
	return err
}

func peerCred(uc *net.UnixConn) (Credentials, error) {
	rc, err := uc.SyscallConn()
	if err != nil {
		return Credentials{}, err
	}
	var u *syscall.Ucred
	var uerr error
	if err := rc.Control(func(fd uintptr) {
		u, uerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return Credentials{}, err
	}
	if uerr != nil {
		return Credentials{}, uerr
	}
	return Credentials{PID: u.Pid, UID: u.Uid, GID: u.Gid}, nil
}

func (s *Server) exec(fn func()) {
	if s.cfg.Exec != nil {
		s.cfg.Exec(fn)
		return
	}
	fn()
}

// Connections returns the live connections of one service (all if name is "").
func (s *Server) Connections(name string) []*Conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Conn
	for c := range s.conns {
		if name == "" || c.svc.cfg.Name == name {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) forget(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Close stops listening, disconnects every client, removes their files and
// waits for all connection goroutines, OnClose hooks included. With a
// Config.Exec that runs hooks on the daemon's loop, call Close from another
// goroutine than that loop (or let the loop keep serving until it returns).
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for _, ln := range s.lns {
		ln.Close()
	}
	for uc := range s.pending {
		uc.Close() // unblocks handshakes waiting for a silent client
	}
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
	s.wg.Wait()
	return nil
}
