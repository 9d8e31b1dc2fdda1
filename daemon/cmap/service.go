package cmap

import (
	"sync"
	"syscall"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

// ServiceID and Name are the engine's identity (CMAP_SERVICE, its socket).
const (
	ServiceID = 0
	Name      = "cmap"
	// EngineName is cmap_service_engine.name.
	EngineName = "corosync configuration map access"
)

// Config wires the engine to the daemon.
type Config struct {
	Map *icmap.Map // the default map (icmap_get_global_map)
	// Stats is the stats map a connection reaches after
	// SET_CURRENT_MAP(CMAP_SETMAP_STATS). Nil means an empty one.
	Stats *icmap.Map
	// StatsClear is called for a write to stats.clear.{knet,ipc,totem,
	// schedmiss,all}, with the part after "stats.clear.".
	StatsClear func(what string)
	// StatsLive, if set, gives the current value of a stats key computed
	// on read (stats.ipcs.*); ok false means "use the stored value". The
	// key must also be in Stats, which is what iteration and tracking see.
	StatsLive func(key string) (value any, ok bool)
	// Logf receives debug lines (C logs them under subsystem CMAP).
	Logf func(format string, args ...any)
	// SocketName overrides the socket's name (default "cmap"); tests use
	// it to stay clear of other servers in the same network namespace.
	SocketName string
}

// Engine is the cmap service engine.
type Engine struct {
	cfg   Config
	def   backend
	stats backend
}

// New creates the engine.
func New(cfg Config) *Engine {
	if cfg.Stats == nil {
		cfg.Stats = icmap.New()
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	return &Engine{
		cfg:   cfg,
		def:   defaultMap{cfg.Map},
		stats: statsMap{m: cfg.Stats, clear: cfg.StatsClear, live: cfg.StatsLive},
	}
}

// Register opens the "cmap" socket on srv with the engine's lib handlers.
// All cmap requests are CS_LIB_FLOW_CONTROL_NOT_REQUIRED.
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
		svc.Handle(int32(id), h)
	}
	return svc, nil
}

// connInfo is struct cmap_conn_info: the connection's map and its open
// iterators and tracks.
type connInfo struct {
	mu     sync.Mutex
	be     backend
	iters  handleDB[iterator]
	tracks handleDB[*trackInfo]
}

// trackInfo is struct cmap_track_user_data plus the icmap track.
type trackInfo struct {
	be   backend
	t    *icmap.Track
	inst uint64
}

// libInit is cmap_lib_init_fn: every connection starts on the default map.
func (e *Engine) libInit(c *ipc.Conn) syscall.Errno {
	e.cfg.Logf("lib_init_fn: conn=%d", c.ID())
	c.SetContext(&connInfo{be: e.def})
	return 0
}

// libExit is cmap_lib_exit_fn: drop the iterators, delete the tracks.
func (e *Engine) libExit(c *ipc.Conn) {
	e.cfg.Logf("exit_fn for conn=%d", c.ID())
	ci := info(c)
	if ci == nil {
		return
	}
	ci.mu.Lock()
	defer ci.mu.Unlock()
	for _, t := range ci.tracks.all() {
		_ = t.be.trackDelete(t.t)
	}
	ci.tracks = handleDB[*trackInfo]{}
	ci.iters = handleDB[iterator]{}
}

func info(c *ipc.Conn) *connInfo {
	ci, _ := c.Context().(*connInfo)
	return ci
}

// csErr turns a map or hdb error into the cs_error_t on the wire
// (hdb_error_to_cs for handle lookups).
func csErr(err error) wire.CsError {
	if err == syscall.EBADF {
		return wire.CsErrBadHandle
	}
	return wire.CsErrorOf(err)
}
