package cfg

import (
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// ServiceID and Name are the engine's identity (CFG_SERVICE, its socket).
const (
	ServiceID = 1
	Name      = "cfg"
	// EngineName is cfg_service_engine.name.
	EngineName = "corosync configuration service"
	// DefaultShutdownTimeout is DEFAULT_SHUTDOWN_TIMEOUT: how long tracking
	// clients get to answer a shutdown request unless cfg.shutdown_timeout
	// (ms) says otherwise.
	DefaultShutdownTimeout = 5000 * time.Millisecond
)

// Interface is one configured totem interface of a node, as
// totem_ifaces_get reports it: the link number, the node's address on it
// from the nodelist, and the transport's status string for that slot.
type Interface struct {
	Link   int
	Addr   netip.Addr
	Status string
}

// NodeStatus is what totempg_nodestatus_get fills in; the engine adds the
// version and the asked nodeid as exec/cfg.c does.
type NodeStatus struct {
	Reachable, Remote, External     bool
	OnwireMin, OnwireMax, OnwireVer uint8
	Links                           [wire.CfgMaxLinks]wire.CfgLinkStatusV1
}

// Node is what the engine needs from the daemon's totem stack.
type Node interface {
	// LocalNodeID is api->totem_nodeid_get.
	LocalNodeID() uint32
	// NodeStatus is totempg_nodestatus_get; an error becomes
	// CS_ERR_FAILED_OPERATION.
	NodeStatus(nodeid uint32) (NodeStatus, error)
	// Interfaces is totem_ifaces_get for one node: its address on every
	// configured link, in link order. A node with none yields an empty list.
	Interfaces(nodeid uint32) []Interface
	// Mcast multicasts one exec message to the ring with TOTEM_SAFE.
	Mcast(msg []byte) error
}

// Config wires the engine to the daemon (see the package doc).
type Config struct {
	Map  *icmap.Map
	Node Node
	// ConfigPath is the corosync.conf RELOAD_CONFIG re-reads.
	ConfigPath string
	// Options are the confparse options a reload uses; the zero value asks
	// the machine, as the daemon's start does.
	Options confparse.Options
	// ReadFile reads ConfigPath; nil means os.ReadFile.
	ReadFile func(path string) ([]byte, error)
	// Shutdown is api->shutdown_request: the node leaves in an orderly way.
	Shutdown func()
	// Fatal is corosync_fatal_error(COROSYNC_FATAL_ERROR_EXIT), called when
	// another node's KILLNODE names this one.
	Fatal func()
	// Reopen is logsys_reopen_log_files.
	Reopen func() error
	// ApplyTotem puts a reloaded configuration into the running totem
	// stack (totempg_put_config + totemconfig_commit_new_params: timers,
	// nodelist members). Nil means nothing to apply.
	ApplyTotem func(c *confparse.Config) error
	// CryptoReconfigure is totempg_crypto_reconfigure_phase (knet only).
	CryptoReconfigure func(phase uint32)
	// Log receives the engine's log lines (subsystem CFG in C).
	Log func(level logsys.Level, format string, args ...any)
	// AfterFunc starts the shutdown timer; nil means time.AfterFunc.
	AfterFunc func(d time.Duration, f func()) (stop func() bool)
	// SocketName overrides the socket's name (default "cfg").
	SocketName string
}

// Engine is the cfg service engine.
type Engine struct {
	cfg Config

	mu    sync.Mutex
	conns map[uint64]*connInfo
	// trackers is C's trackers_list; qb_list_add puts newcomers first.
	trackers []*connInfo
	sd       shutdownState
}

// connInfo is struct cfg_info.
type connInfo struct {
	c         *ipc.Conn
	requested bool // cfg_info.conn is set: this connection once sent TRYSHUTDOWN
	tracking  bool
	reply     shutdownReply
}

// New creates the engine.
func New(cfg Config) *Engine {
	if cfg.ReadFile == nil {
		cfg.ReadFile = os.ReadFile
	}
	if cfg.Log == nil {
		cfg.Log = func(logsys.Level, string, ...any) {}
	}
	if cfg.AfterFunc == nil {
		cfg.AfterFunc = func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }
	}
	for _, f := range []*func(){&cfg.Shutdown, &cfg.Fatal} {
		if *f == nil {
			*f = func() {}
		}
	}
	if cfg.Reopen == nil {
		cfg.Reopen = func() error { return nil }
	}
	return &Engine{cfg: cfg, conns: map[uint64]*connInfo{}}
}

// Register opens the "cfg" socket on srv with the engine's lib handlers
// and C's flow-control flags.
func (e *Engine) Register(srv *ipc.Server) (*ipc.Service, error) {
	name := e.cfg.SocketName
	if name == "" {
		name = Name
	}
	svc, err := srv.Register(ipc.ServiceConfig{
		Name:      name,
		ID:        ServiceID,
		OnConnect: e.libInit,
		OnClose:   e.libExit,
	})
	if err != nil {
		return nil, err
	}
	for id, h := range e.libHandlers() {
		if h.flow {
			svc.Handle(id, h.fn, ipc.FlowControlled)
		} else {
			svc.Handle(id, h.fn)
		}
	}
	return svc, nil
}

// libInit is cfg_lib_init_fn.
func (e *Engine) libInit(c *ipc.Conn) syscall.Errno {
	ci := &connInfo{c: c}
	c.SetContext(ci)
	e.mu.Lock()
	e.conns[c.ID()] = ci
	e.mu.Unlock()
	return 0
}

// libExit is cfg_lib_exit_fn: a departing tracker counts as a YES.
func (e *Engine) libExit(c *ipc.Conn) {
	ci, _ := c.Context().(*connInfo)
	if ci == nil {
		return
	}
	var out effects
	e.mu.Lock()
	delete(e.conns, c.ID())
	e.removeFromShutdown(ci, &out)
	e.mu.Unlock()
	out.run()
}

// effects are the calls out of the engine (responses, events, multicasts,
// process hooks) decided under the lock and made after it is released, so
// that a synchronous delivery or callback cannot deadlock.
type effects []func()

func (o *effects) add(f func()) { *o = append(*o, f) }

func (o *effects) run() {
	for _, f := range *o {
		f()
	}
}

func (e *Engine) logf(l logsys.Level, format string, args ...any) { e.cfg.Log(l, format, args...) }

// respond sends a response, logging a failure as C's ipc layer would.
func (e *Engine) respond(c *ipc.Conn, msg []byte) {
	if err := c.Respond(msg); err != nil {
		e.logf(logsys.Debug, "response to conn %d not sent: %v", c.ID(), err)
	}
}
