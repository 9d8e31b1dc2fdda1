package sync

import (
	"fmt"
	"log/slog"
	"sort"

	"github.com/gorosync/gorosync/daemon/totempg"
	"github.com/gorosync/gorosync/wire"
)

func sprintfUnknown(id int) string { return fmt.Sprintf("Unknown External Service (id = %d)\n", id) }

// LevelNotice is syslog's notice, which slog lacks: between Info and Warn.
// C prints the sync views and "Completed service synchronization" at it.
const LevelNotice = slog.LevelInfo + 2

// Event is a log line C prints at this point, for the daemon to log.
type Event struct {
	Level  slog.Level
	Subsys string // "SYNC", "MAIN" or the service's subsystem ("QUORUM")
	Msg    string // C's text
}

// Config of an Engine.
type Config struct {
	// Mcast multicasts a sync message in group "sync" with AGREED ordering
	// (totempg_groups_mcast_joined on the sync group). An error (TRY_AGAIN)
	// keeps the message queued here; Run sends it again. (C ignores the
	// error and so can stall; we retry.)
	Mcast func(msg []byte) error
	// Completed is called once a round has completed on this node
	// (corosync_sync_completed: allow IPC, totempg trans ack, READY=1).
	Completed func(ring wire.RingID)
	// Event receives the log lines. May be nil.
	Event func(Event)
}

type syncState int

const (
	stateServiceListBuild syncState = iota // SYNC_SERVICELIST_BUILD
	stateProcess                           // SYNC_PROCESS
	stateBarrier                           // SYNC_BARRIER
)

type entry struct {
	svc      Service
	local    bool // a registered service, not a dummy
	activate bool // enum sync_process_state: past its barrier
}

type processor struct {
	nodeid   uint32
	received bool
}

// Engine runs sync v2 for one node.
type Engine struct {
	cfg        Config
	registered map[int]Service

	state      syncState
	ring       wire.RingID
	processors []processor
	members    []uint32
	trans      []uint32
	services   []entry
	idx        int
	work       bool // schedwrk pending: Process of services[idx]
	inProcess  bool // main.c sync_in_process
	outbox     [][]byte
	completed  uint64
}

// New makes an engine. Register the services before the first ConfChg.
func New(cfg Config) *Engine {
	if cfg.Mcast == nil {
		panic("sync: Config.Mcast is required")
	}
	return &Engine{cfg: cfg, registered: map[int]Service{}, state: stateBarrier}
}

// Register adds a local service with sync callbacks.
func (e *Engine) Register(s Service) {
	if s.ID() < 0 || s.ID() >= 64 {
		panic(fmt.Sprintf("sync: service id %d out of range", s.ID()))
	}
	e.registered[s.ID()] = s
}

func (e *Engine) emit(level slog.Level, subsys, format string, args ...any) {
	if e.cfg.Event != nil {
		e.cfg.Event(Event{Level: level, Subsys: subsys, Msg: fmt.Sprintf(format, args...)})
	}
}

// InProgress reports whether a sync round is running (main.c sync_in_process;
// IPC requests wait meanwhile).
func (e *Engine) InProgress() bool { return e.inProcess }

// Completed is the number of rounds completed so far.
func (e *Engine) Completed() uint64 { return e.completed }

// RingID is the ring of the current round (zero after an abort).
func (e *Engine) RingID() wire.RingID { return e.ring }

// Busy reports whether Run has work: a service to process or a message to resend.
func (e *Engine) Busy() bool { return e.work || len(e.outbox) > 0 }

// ConfChg is main.c's confchg_fn as far as sync is concerned.
func (e *Engine) ConfChg(c totempg.ConfChg) {
	abort := e.inProcess
	e.inProcess = true
	if abort {
		e.abort()
	}
	switch c.Type {
	case totempg.ConfigurationTransitional:
		e.trans = append(e.trans[:0], c.Members...)
	case totempg.ConfigurationRegular:
		e.start(c.Members, c.RingID)
	}
}

// abort is sync_abort.
func (e *Engine) abort() {
	if e.state == stateProcess {
		e.work = false
		if en := e.current(); en != nil && en.local {
			en.svc.Abort()
		}
	}
	// Late messages of the aborted round now fail the ring id compare.
	e.ring = wire.RingID{}
	e.outbox = e.outbox[:0]
}

func (e *Engine) current() *entry {
	if e.idx < len(e.services) {
		return &e.services[e.idx]
	}
	return nil
}

// start is sync_start + sync_servicelist_build_enter.
func (e *Engine) start(members []uint32, ring wire.RingID) {
	e.ring = ring
	e.state = stateServiceListBuild
	e.processors = e.processors[:0]
	for _, m := range members {
		e.processors = append(e.processors, processor{nodeid: m})
	}
	e.members = append(e.members[:0], members...)
	e.idx = 0
	e.work = false
	e.services = e.services[:0]
	ids := make([]int, 0, len(e.registered))
	for id := range e.registered {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	build := wire.SyncServiceBuild{RingID: ring}
	for _, id := range ids {
		e.services = append(e.services, entry{svc: e.registered[id], local: true})
		build.Services = append(build.Services, int32(id))
	}
	e.send(build.Append(nil))
	e.emit(slog.LevelDebug, "SYNC", "call init for locally known services")
	e.callInit()
}

// callInit is sync_process_call_init: the transitional list keeps only
// nodes that are members of the new ring.
func (e *Engine) callInit() {
	var trans []uint32
	for _, t := range e.trans {
		for _, m := range e.members {
			if t == m {
				trans = append(trans, t)
				break
			}
		}
	}
	e.trans = trans
	for _, en := range e.services {
		if en.local {
			en.svc.Init(append([]uint32(nil), trans...), append([]uint32(nil), e.members...), e.ring)
		}
	}
}

func (e *Engine) send(msg []byte) {
	if len(e.outbox) == 0 {
		if err := e.cfg.Mcast(msg); err == nil {
			return
		}
	}
	e.outbox = append(e.outbox, msg)
}

// Deliver handles a message totempg delivered in group "sync" (sync_deliver_fn).
// Unknown ids and malformed messages are dropped.
func (e *Engine) Deliver(nodeid uint32, msg []byte) {
	id, err := wire.SyncMessageID(msg)
	if err != nil {
		return
	}
	switch id {
	case wire.SyncMsgBarrier:
		if m, err := wire.DecodeSyncBarrier(msg); err == nil {
			e.barrier(nodeid, m)
		}
	case wire.SyncMsgServiceBuild:
		if m, err := wire.DecodeSyncServiceBuild(msg); err == nil {
			e.serviceBuild(nodeid, m)
		}
	}
}

func (e *Engine) markReceived(nodeid uint32) bool {
	all := true
	for i := range e.processors {
		if e.processors[i].nodeid == nodeid {
			e.processors[i].received = true
		}
		all = all && e.processors[i].received
	}
	return all
}

func (e *Engine) barrier(nodeid uint32, m wire.SyncBarrier) {
	if m.RingID != e.ring {
		e.emit(slog.LevelDebug, "SYNC", "barrier for old ring - discarding")
		return
	}
	if !e.markReceived(nodeid) {
		return
	}
	en := e.current()
	if en == nil || e.state != stateBarrier {
		// Every barrier of this round is in already; C would run past the
		// end of its service list here.
		return
	}
	e.emit(slog.LevelDebug, "SYNC", "Committing synchronization for %s", en.svc.Name())
	en.activate = true
	en.svc.Activate()
	e.idx++
	if e.idx == len(e.services) {
		e.complete()
	} else {
		e.processEnter()
	}
}

func (e *Engine) serviceBuild(nodeid uint32, m wire.SyncServiceBuild) {
	if m.RingID != e.ring {
		e.emit(slog.LevelDebug, "SYNC", "service build for old ring - discarding")
		return
	}
	if e.state != stateServiceListBuild {
		return // a second copy; C would restart the current service
	}
	added := false
	for _, id := range m.Services {
		found := false
		for _, en := range e.services {
			if en.svc.ID() == int(id) {
				found = true
				break
			}
		}
		if !found {
			e.services = append(e.services, entry{svc: dummy{id: int(id)}})
			added = true
		}
	}
	if added {
		sort.SliceStable(e.services, func(a, b int) bool { return e.services[a].svc.ID() < e.services[b].svc.ID() })
	}
	if e.markReceived(nodeid) {
		e.emit(slog.LevelDebug, "SYNC", "enter sync process")
		e.processEnter()
	}
}

// processEnter is sync_process_enter.
func (e *Engine) processEnter() {
	e.state = stateProcess
	if len(e.services) == 0 {
		e.state = stateServiceListBuild
		e.complete()
		return
	}
	for i := range e.processors {
		e.processors[i].received = false
	}
	e.work = true
}

func (e *Engine) complete() {
	e.inProcess = false
	e.completed++
	e.emit(LevelNotice, "MAIN", "Completed service synchronization, ready to provide service.")
	if e.cfg.Completed != nil {
		e.cfg.Completed(e.ring)
	}
}

// Run does the pending work: resends queued messages, then runs the current
// service's Process (schedwrk_processor) and, once it is done, sends the
// BARRIER. It returns Busy().
func (e *Engine) Run() bool {
	for len(e.outbox) > 0 {
		if err := e.cfg.Mcast(e.outbox[0]); err != nil {
			return true
		}
		e.outbox = e.outbox[1:]
	}
	if e.work {
		en := e.current()
		if en == nil || en.activate {
			e.work = false
		} else if en.svc.Process() {
			e.work = false
			e.state = stateBarrier
			e.send(wire.SyncBarrier{RingID: e.ring}.Append(nil))
		}
	}
	return e.Busy()
}
