package ipc

import (
	"sync"
	"syscall"
)

// Handler serves one request. msg is the whole request (16-byte header
// included) and belongs to the handler, unless the service set
// BorrowMessages. Unless registered with Async, the
// handler must answer with exactly one c.Respond.
type Handler func(c *Conn, msg []byte)

// HandlerOption modifies how the dispatcher treats a request id.
type HandlerOption int

const (
	// FlowControlled is corosync's CS_LIB_FLOW_CONTROL_REQUIRED: while
	// Config.Busy reports true the request is answered with a bare
	// {id 0, size 24, CS_ERR_TRY_AGAIN} and the handler is not called.
	FlowControlled HandlerOption = 1 << iota
	// Async marks a request that never gets a response (CPG MCAST); when it
	// cannot be served the error is only logged.
	Async
)

type handlerEntry struct {
	fn   Handler
	opts HandlerOption
}

// ServiceConfig describes one IPC service (one listening socket).
type ServiceConfig struct {
	Name string // abstract socket name: "cmap", "cfg", "cpg", "quorum", "votequorum"
	ID   int    // corosync service id (informational; logs and Conn.Service)

	// OnConnect runs after the server-wide admission checks, before any file
	// is created. Returning a non-zero errno refuses the connection; the
	// client sees it as hdr.error = -errno. It is the place to attach a
	// per-connection context with c.SetContext (corosync's lib_init_fn).
	OnConnect func(c *Conn) syscall.Errno
	// OnCreated runs once the handshake response has been sent
	// (libqb's connection_created); events may be sent from here on.
	OnCreated func(c *Conn)
	// OnClose runs exactly once for every connection OnConnect accepted,
	// when it is gone for whatever reason, including a setup failure right
	// after OnConnect (then without OnCreated).
	OnClose func(c *Conn)
	// BorrowMessages makes a request's bytes valid only until its handler
	// returns, as libqb's msg_process data is: the server then reads every
	// request into one buffer per connection instead of allocating, which
	// matters for large messages (CPG). Handlers must copy what they keep.
	BorrowMessages bool
}

// Service is a registered service: its handler table and its connections.
type Service struct {
	cfg      ServiceConfig
	srv      *Server
	mu       sync.RWMutex
	handlers map[int32]handlerEntry
}

// Name returns the socket name.
func (s *Service) Name() string { return s.cfg.Name }

// ID returns the corosync service id given at registration.
func (s *Service) ID() int { return s.cfg.ID }

// Handle registers (or replaces) the handler of request id. It may be called
// at any time; a service with no handler at all refuses connections with
// -ENOSYS, as corosync does for a service whose engine is not loaded.
func (s *Service) Handle(id int32, h Handler, opts ...HandlerOption) {
	var o HandlerOption
	for _, x := range opts {
		o |= x
	}
	s.mu.Lock()
	s.handlers[id] = handlerEntry{fn: h, opts: o}
	s.mu.Unlock()
}

func (s *Service) lookup(id int32) (handlerEntry, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	h, ok := s.handlers[id]
	return h, ok
}

func (s *Service) available() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.handlers) > 0
}
