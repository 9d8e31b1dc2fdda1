package cpg

import (
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/gorosync/gorosync/wire"
)

// ServiceName is cpg_service_engine.name (logged by sync and at startup).
const ServiceName = "corosync cluster closed process group service v1.01"

// ServiceID is CPG_SERVICE.
const ServiceID = int(wire.CpgService)

// Conn is what the engine needs from one IPC connection: *ipc.Conn has
// these methods. None may block nor keep msg after returning (the engine
// reuses its buffers); SendEvent queues the event for the client's dispatch.
// SendEventHeld does too, but the client hears of it only at FlushEvents
// (first: nothing was held before), so that the messages of one turn of
// the ring wake a client once.
type Conn interface {
	Respond(msg []byte) error
	SendEvent(msg []byte) error
	SendEventHeld(msg []byte) (first bool, err error)
	FlushEvents()
}

// Config of an Engine.
type Config struct {
	// NodeID is this node's id (api->totem_nodeid_get).
	NodeID uint32
	// Mcast multicasts one exec message, made of iov, in corosync's service
	// group with AGREED ordering (api->totem_mcast). It must not block and
	// must not call back into the engine; totempg.ErrTryAgain (or any
	// error) means nothing was queued.
	Mcast func(iov ...[]byte) error
	// Logger gets C's debug lines under subsystem CPG. May be nil.
	Logger *slog.Logger
	// ZeroCopyDirs are the directories cpg_zcb_alloc files may live in
	// (libcpg uses /dev/shm, falling back to LOCALSTATEDIR/run). Default
	// /dev/shm, /var/run, /run.
	ZeroCopyDirs []string
}

// cpd_state
type cpdState int

const (
	cpdUnjoined cpdState = iota
	cpdLeaveStarted
	cpdJoinStarted
	cpdJoinCompleted
)

func (s cpdState) String() string {
	return [...]string{"UNJOINED", "LEAVE_STARTED", "JOIN_STARTED", "JOIN_COMPLETED"}[s]
}

// cpd is struct cpg_pd: one library connection.
type cpd struct {
	conn                     Conn
	cookie                   uint64 // stands for the conn pointer in mar_message_source_t
	group                    wire.CpgName
	pid                      uint32
	state                    cpdState
	flags                    uint32
	initialTotemConfSent     bool
	transitionCounter        uint64
	initialTransitionCounter uint64
	listed                   bool // on cpg_pd_list_head (FINALIZE takes it off)
	iterations               []*iteration
	zcbs                     []*zcbMapped
}

// processInfo is struct process_info: one (nodeid, pid) in one group.
type processInfo struct {
	nodeid uint32
	pid    uint32
	group  wire.CpgName
}

// joinlistMsg is struct joinlist_msg: one entry of a received JOINLIST.
type joinlistMsg struct {
	sender uint32
	pid    uint32
	group  wire.CpgName
}

// Engine is exec/cpg.c's state: the process groups of the whole cluster
// as this node knows them, the local library connections, and the sync
// state. All methods are safe for concurrent use (one mutex); callbacks
// (Config.Mcast, Conn methods) run with it held.
type Engine struct {
	mu  sync.Mutex
	cfg Config
	log *slog.Logger

	// pds is cpg_pd_list_head. C inserts at the head, so every walk goes
	// from the end of this slice to its start.
	pds   []*cpd
	conns map[Conn]*cpd
	// procs is process_info_list_head, kept sorted by (nodeid, pid) with
	// new entries after equal ones, as do_proc_join inserts.
	procs []processInfo
	// joinlists is joinlist_messages_head (head insertion: walk backwards).
	joinlists []joinlistMsg

	myMembers    []uint32 // my_member_list
	myOldMembers []uint32 // my_old_member_list
	syncState    int      // my_sync_state
	lastSyncRing wire.RingID
	downlist     wire.CpgDownlist // g_req_exec_cpg_downlist: slots persist between rounds

	iterations map[uint64]*iteration // cpg_iteration_handle_t_db (global, as in C)
	nextHandle uint64
	nextCookie uint64
	nextZcb    uint64

	pending [][]byte // exit-path PROCLEAVEs waiting for queue room (see Retry)
	evbuf   []byte
	held    []Conn // connections with messages SendEventHeld wrote (FlushEvents)
}

const (
	syncDownlist = iota // CPGSYNC_DOWNLIST
	syncJoinlist        // CPGSYNC_JOINLIST
)

// New makes an engine.
func New(cfg Config) *Engine {
	if cfg.Mcast == nil {
		panic("cpg: Config.Mcast is required")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if len(cfg.ZeroCopyDirs) == 0 {
		cfg.ZeroCopyDirs = []string{"/dev/shm", "/var/run", "/run"}
	}
	return &Engine{
		cfg:        cfg,
		log:        log.With("subsys", "CPG"),
		conns:      map[Conn]*cpd{},
		iterations: map[uint64]*iteration{},
		nextHandle: 0x5a3c_0000_0000_0001,
		nextCookie: 1,
		nextZcb:    0x7f00_0000_1000,
	}
}

// FlushEvents tells every client of the messages delivered since the last
// call. The daemon calls it before it lets go of the ring, which delivers
// messages in batches (one turn of its loop).
func (e *Engine) FlushEvents() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, c := range e.held {
		c.FlushEvents()
		e.held[i] = nil
	}
	e.held = e.held[:0]
}

// ID and Name make the engine a daemon/sync Service.
func (e *Engine) ID() int      { return ServiceID }
func (e *Engine) Name() string { return ServiceName }

func (e *Engine) debugf(format string, args ...any) {
	e.log.Debug(fmt.Sprintf(format, args...))
}

// eachPD walks cpg_pd_list_head in C's order (newest connection first).
func (e *Engine) eachPD(fn func(*cpd)) {
	for i := len(e.pds) - 1; i >= 0; i-- {
		fn(e.pds[i])
	}
}

func (e *Engine) unlist(pd *cpd) {
	for i, p := range e.pds {
		if p == pd {
			e.pds = append(e.pds[:i], e.pds[i+1:]...)
			break
		}
	}
	pd.listed = false
}

// send multicasts an exec message; it first retries exit-path messages
// so that they keep their order relative to what follows.
func (e *Engine) send(iov ...[]byte) error {
	if err := e.flushPending(); err != nil {
		return err
	}
	return e.cfg.Mcast(iov...)
}

func (e *Engine) flushPending() error {
	for len(e.pending) > 0 {
		if err := e.cfg.Mcast(e.pending[0]); err != nil {
			return err
		}
		e.pending[0] = nil
		e.pending = e.pending[1:]
	}
	return nil
}

// Retry sends the PROCLEAVE messages of closed connections that found the
// totem queue full (C ignores that failure and the process then stays a
// member forever). The daemon calls it when the queue has room again, for
// example on every token. It reports whether anything is still waiting.
func (e *Engine) Retry() (pending bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.flushPending()
	return len(e.pending) > 0
}

// joinleaveSend is cpg_node_joinleave_send.
func (e *Engine) joinleaveSend(pid uint32, group *wire.CpgName, fn uint16, reason uint32) error {
	m := wire.CpgProcjoin{Group: *group, PID: pid, Reason: reason}
	var b []byte
	if fn == wire.MessageReqExecCpgProcjoin {
		b, _ = m.Append(nil)
	} else {
		l := wire.CpgProcleave(m)
		b, _ = l.Append(nil)
	}
	return e.send(b)
}

// Members returns the cluster-wide members of group in process_info order
// (for tests and diagnostics).
func (e *Engine) Members(group string) []wire.CpgAddress {
	e.mu.Lock()
	defer e.mu.Unlock()
	g, err := wire.NewCpgName(group)
	if err != nil {
		return nil
	}
	var out []wire.CpgAddress
	for _, pi := range e.procs {
		if pi.group.Equal(&g) {
			out = append(out, wire.CpgAddress{NodeID: pi.nodeid, PID: pi.pid})
		}
	}
	return out
}
