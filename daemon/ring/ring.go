package ring

import (
	"errors"
	"fmt"
	"log/slog"
	gosync "sync"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
	gsync "github.com/gorosync/gorosync/daemon/sync"
	"github.com/gorosync/gorosync/daemon/totempg"
	"github.com/gorosync/gorosync/daemon/transport"
	"github.com/gorosync/gorosync/totemsrp"
	"github.com/gorosync/gorosync/wire"
)

// LogFunc prints one line for a subsystem ("TOTEM", "QUORUM", "MAIN",
// "SYNC") at a level, as logsys does.
type LogFunc func(subsys string, level logsys.Level, format string, args ...any)

// Config of a Ring.
type Config struct {
	SRP       totemsrp.Config
	Transport transport.Transport
	// StateDir holds ringid_<nodeid>; empty means the ring seq is neither
	// loaded nor stored (unit tests).
	StateDir string
	// Map receives runtime.members.*; Stats receives stats.srp.* and
	// stats.pg.*. Either may be nil.
	Map, Stats *icmap.Map
	// MemberIP names a member's interfaces for runtime.members.<id>.ip, as
	// totem_ifaces_print does ("r(0) ip(192.168.1.1) ").
	MemberIP func(nodeid uint32) string
	Log      LogFunc
	// SyncCompleted, if set, runs after each completed sync round
	// (corosync_sync_completed: IPC open, READY=1).
	SyncCompleted func(ring wire.RingID)
	// StatsInterval is how often stats.srp.* are refreshed; 0 means 1 s.
	StatsInterval time.Duration

	// Service engines ride on the ring through these; every one of them
	// is called on the event loop, where Mcast and Do's node may be used.
	Services Services
}

// Services is what service engines plug into the ring (main.c's totempg
// handle for group "a" and the sync registrations).
type Services struct {
	// Sync are sync services; each replaces the announce-only placeholder
	// of its id (see sync.CompatServices). Supplying the quorum service
	// (id 3) also hands it the "Members[n]:" line the ring prints otherwise.
	Sync []gsync.Service
	// Deliver receives every message of group "a" (exec messages, header
	// included) in agreed order, our own included. nil: the ring does not
	// join group "a".
	Deliver func(nodeid uint32, msg []byte, swapped bool)
	// ConfChg is told of every configuration change, after
	// runtime.members.* and before sync starts, as main.c's confchg_fn
	// calls the engines' confchg_fn.
	ConfChg func(totempg.ConfChg)
	// NextDeadline and Advance give engines timers on the ring's clock
	// (Now): Advance runs once NextDeadline has passed.
	NextDeadline func() (time.Duration, bool)
	Advance      func(now time.Duration)
	// Flush runs before the ring lock is let go after a turn of the loop
	// or a Do: engines tell their clients about the batch of messages
	// the turn delivered (one wake-up per client, not one per message).
	Flush func()
}

// Ring is one running Totem instance and its event loop.
type Ring struct {
	cfg       Config
	node      *totemsrp.Node
	tr        transport.Transport
	pg        *totempg.PG
	sync      *gsync.Engine
	syncGroup *totempg.Instance
	mainGroup *totempg.Instance
	log       LogFunc

	t0        time.Time
	startOnce gosync.Once
	stopOnce  gosync.Once
	cmds      chan func()
	stop      chan struct{}
	done      chan struct{}

	// mu is the ring lock: whoever holds it may touch the node, totempg,
	// sync and the engines' ring callbacks. The loop holds it while it
	// handles an event; Do takes it on the caller's goroutine, so an IPC
	// request (cpg mcast) is queued and answered without waking the loop:
	// a hand-off per request capped CPG at a few thousand messages/s.
	mu      gosync.Mutex
	running bool          // under mu: the loop is between Start and its end
	armed   time.Duration // under mu: when the loop's timer fires
	kick    chan struct{} // wakes the loop to re-arm its timer (or end)
	failed  bool          // under mu: a Do hit the fatal error; the loop ends
	batch   [][]byte      // under mu: sendFrames' McastPeers batch

	fatal error
}

// New loads the ring seq, builds the totemsrp node, totempg and sync on top
// of the transport. Nothing runs until Start.
func New(cfg Config) (*Ring, error) {
	if cfg.Transport == nil {
		return nil, errors.New("ring: no transport")
	}
	if cfg.Log == nil {
		cfg.Log = func(string, logsys.Level, string, ...any) {}
	}
	if cfg.StatsInterval <= 0 {
		cfg.StatsInterval = time.Second
	}
	var stored uint64
	if cfg.StateDir != "" {
		var err error
		if stored, err = LoadRingSeq(cfg.StateDir, cfg.SRP.NodeID); err != nil {
			return nil, err
		}
	}
	logConfig(cfg.Log, cfg.SRP, cfg.Transport.NetMTU()-totempg.McastHeaderOverhead)
	// Every transport leaves the local node out of McastPeers.
	cfg.SRP.SkipOwnCopy = true
	node, err := totemsrp.New(cfg.SRP, stored)
	if err != nil {
		return nil, err
	}
	r := &Ring{cfg: cfg, node: node, tr: cfg.Transport, log: cfg.Log,
		cmds: make(chan func(), 16), stop: make(chan struct{}), done: make(chan struct{}),
		kick: make(chan struct{}, 1)}
	r.pg = totempg.New(srpAdapter{node}, totempg.Config{
		NetMTU: cfg.Transport.NetMTU() - totempg.McastHeaderOverhead,
		Logger: slog.New(&slogHandler{log: cfg.Log, subsys: "TOTEM"}),
	})
	node.TokenReceived = func() { _ = r.pg.TokenReceived() }
	r.sync = gsync.New(gsync.Config{
		Mcast:     func(msg []byte) error { return r.syncGroup.McastJoined(totempg.Agreed, msg) },
		Completed: r.syncCompleted,
		Event:     r.syncEvent,
	})
	own := map[int]bool{}
	for _, s := range cfg.Services.Sync {
		own[s.ID()] = true
	}
	for _, s := range gsync.CompatServices(r.syncEvent) {
		if own[s.ID()] {
			continue
		}
		if q, ok := s.(*gsync.QuorumSync); ok {
			q.OnActivate(r.quorumActivated)
		}
		r.sync.Register(s)
	}
	for _, s := range cfg.Services.Sync {
		r.sync.Register(s)
	}
	if cfg.Services.Deliver != nil {
		r.mainGroup = r.pg.GroupsInitialize(cfg.Services.Deliver, nil)
		r.mainGroup.Join("a")
	}
	// sync.c joins group "sync" with its own totempg handle; main.c's
	// handle (group "a") carries the service engines' messages, which a
	// node without those engines has nothing to do with.
	r.syncGroup = r.pg.GroupsInitialize(func(nodeid uint32, msg []byte, _ bool) {
		r.sync.Deliver(nodeid, msg)
	}, nil)
	r.syncGroup.Join("sync")
	return r, nil
}

// srpAdapter gives totempg the totemsrp calls it needs.
type srpAdapter struct{ n *totemsrp.Node }

func (a srpAdapter) Mcast(p []byte, g totempg.Guarantee) error {
	err := a.n.Mcast(p, int32(g))
	if errors.Is(err, totemsrp.ErrQueueFull) {
		return totempg.ErrTryAgain
	}
	return err
}

func (a srpAdapter) Avail() int { return a.n.Avail() }

// Mcast multicasts an exec message in group "a" (totempg_groups_mcast_joined
// on main.c's handle). Call it only on the event loop (from a Services
// callback or Do). totempg.ErrTryAgain: the queue is full for now.
func (r *Ring) Mcast(msg []byte, g totempg.Guarantee) error {
	if r.mainGroup == nil {
		return errors.New("ring: no Services.Deliver, not in group \"a\"")
	}
	return r.mainGroup.McastJoined(g, msg)
}

// Now is the ring's clock, the time base of Services timers.
func (r *Ring) Now() time.Duration { return r.now() }

// Start runs the event loop in its own goroutine: the interface is up, the
// node enters GATHER.
func (r *Ring) Start() {
	r.startOnce.Do(func() {
		r.t0 = time.Now()
		go r.loop()
	})
}

// Do runs f under the ring lock (where the node may be touched), then acts
// on what f produced, on the caller's goroutine. It returns false if the
// loop has ended. It must not be called from the loop or a Services
// callback (those already hold the lock).
func (r *Ring) Do(f func(n *totemsrp.Node)) bool {
	r.mu.Lock()
	if r.running {
		defer r.mu.Unlock()
		f(r.node)
		ok := r.process()
		r.flush()
		if !ok {
			r.failed = true
			r.wake()
			return true
		}
		if r.nextWait() < r.armed-r.now() {
			r.wake()
		}
		return true
	}
	r.mu.Unlock()
	// Not started yet, or ended: the loop takes it from the queue when it
	// starts, or Done tells the caller it never will.
	ran := make(chan struct{})
	select {
	case r.cmds <- func() { f(r.node); close(ran) }:
	case <-r.done:
		return false
	}
	select {
	case <-ran:
		return true
	case <-r.done:
		return false
	}
}

// ForceGather is totempg_force_gather (runtime.force_gather).
func (r *Ring) ForceGather() { r.Do(func(n *totemsrp.Node) { n.ForceGather() }) }

// Stop sends the LEAVE message (totemsrp_finalize), lets it reach the
// network and closes the transport. It is safe to call more than once.
func (r *Ring) Stop() error {
	// A ring never started has no loop to stop: just release the transport.
	r.startOnce.Do(func() {
		r.tr.Close()
		close(r.done)
	})
	r.stopOnce.Do(func() { close(r.stop) })
	<-r.done
	return r.fatal
}

// Done is closed when the loop has ended (Stop, or a fatal error: see Err).
func (r *Ring) Done() <-chan struct{} { return r.done }

// Err is why the loop ended on its own (the ring seq could not be stored).
func (r *Ring) Err() error {
	select {
	case <-r.done:
		return r.fatal
	default:
		return nil
	}
}

func (r *Ring) now() time.Duration { return time.Since(r.t0) }

// wake makes the loop re-arm its timer; it never blocks.
func (r *Ring) wake() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// nextWait is how long the loop may sleep before a timer is due. Under mu.
func (r *Ring) nextWait() time.Duration {
	wait := time.Hour
	if d, ok := r.node.NextDeadline(); ok {
		wait = d - r.now()
	}
	if f := r.cfg.Services.NextDeadline; f != nil {
		if d, ok := f(); ok && d-r.now() < wait {
			wait = d - r.now()
		}
	}
	if r.sync.Busy() && wait > syncRetry {
		// The totemsrp queue was full; the next token frees it.
		wait = syncRetry
	}
	return max(wait, 0)
}

// maxBatch bounds the frames the loop handles per turn of the lock, so a
// flood of packets does not keep an IPC request waiting for long.
const maxBatch = 32

func (r *Ring) loop() {
	defer close(r.done)
	defer r.tr.Close()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	statsTick := time.NewTicker(r.cfg.StatsInterval)
	defer statsTick.Stop()
	packets := r.tr.Packets()

	r.mu.Lock()
	defer func() {
		r.running = false
		r.mu.Unlock()
	}()
	r.running = true
	r.node.Start(r.now())
	for {
		if r.failed || !r.process() {
			r.flush()
			return
		}
		r.flush()
		wait := r.nextWait()
		r.armed = r.now() + wait
		timer.Reset(wait)
		r.mu.Unlock()
		var (
			p      transport.Packet
			gotPkt bool
			ok     bool
			f      func()
			timed  bool
			stats  bool
			stop   bool
		)
		select {
		case p, ok = <-packets:
			gotPkt = true
		case <-timer.C:
			timed = true
		case f = <-r.cmds:
		case <-statsTick.C:
			stats = true
		case <-r.kick:
		case <-r.stop:
			stop = true
		}
		r.mu.Lock()
		switch {
		case gotPkt:
			if !ok {
				r.fatal = errors.New("ring: transport closed")
				return
			}
			r.node.Tick(r.now())
			_ = r.node.Step(p.Data)
			// Frames that queued up meanwhile go in the same turn.
			for i := 1; i < maxBatch; i++ {
				select {
				case p, ok = <-packets:
				default:
					i = maxBatch
					continue
				}
				if !ok {
					r.fatal = errors.New("ring: transport closed")
					return
				}
				if !r.process() {
					return
				}
				r.node.Tick(r.now())
				_ = r.node.Step(p.Data)
			}
		case timed:
			r.node.Tick(r.now())
			r.advanceServices()
		case f != nil:
			f()
		case stats:
			r.publishStats()
		case stop:
			r.node.Leave()
			r.process()
			return
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

func (r *Ring) flush() {
	if f := r.cfg.Services.Flush; f != nil {
		f()
	}
}

func (r *Ring) advanceServices() {
	s := r.cfg.Services
	if s.NextDeadline == nil || s.Advance == nil {
		return
	}
	if d, ok := s.NextDeadline(); ok && d <= r.now() {
		s.Advance(r.now())
	}
}

// syncRetry bounds how long a sync message waits for queue room.
const syncRetry = 20 * time.Millisecond

// process acts on everything totemsrp and sync produced, until both are
// quiet. false: a fatal error (ring seq not stored) ended the ring.
func (r *Ring) process() bool {
	for i := 0; i < 100; i++ {
		if r.node.HasReady() {
			if !r.handle(r.node.Ready()) {
				return false
			}
			continue
		}
		if r.sync.Busy() {
			r.sync.Run()
			if !r.node.HasReady() {
				return true
			}
			continue
		}
		return true
	}
	return true
}

func (r *Ring) handle(rd totemsrp.Ready) bool {
	if rd.HasRingSeq && r.cfg.StateDir != "" {
		if err := StoreRingSeq(r.cfg.StateDir, r.cfg.SRP.NodeID, rd.RingSeq); err != nil {
			r.log("MAIN", logsys.Error, "%v", err)
			r.fatal = err
			return false
		}
	}
	r.sendFrames(rd.Frames)
	for i := range rd.Deliveries {
		d := &rd.Deliveries[i]
		switch d.Kind {
		case totemsrp.DeliverMessage:
			r.pg.Deliver(d.NodeID, d.Payload, d.EndianConversion)
		case totemsrp.DeliverConfChg:
			r.confChg(d.ConfChg)
		case totemsrp.DeliverWaitingTransAck:
			r.pg.WaitingTransAck(d.WaitingTransAck)
		}
	}
	for _, l := range rd.Logs {
		r.log("TOTEM", srpLevel(l.Level), "%s", l.Text)
	}
	return true
}

// sendFrames sends in order; each run of kept frames (the MCASTs of one
// token visit) goes to the transport in one McastPeers call, with the ORF
// token that follows it, so the transport can hand the next member the
// token before the other members' copies.
func (r *Ring) sendFrames(frames []totemsrp.Frame) {
	for i := 0; i < len(frames); {
		f := frames[i]
		var err error
		switch {
		case f.To == 0 && f.Kept:
			batch := r.batch[:0]
			for ; i < len(frames) && frames[i].To == 0 && frames[i].Kept; i++ {
				batch = append(batch, frames[i].Data)
			}
			var tokenTo uint32
			var token []byte
			if i < len(frames) && frames[i].To != 0 && frames[i].Type == wire.SrpOrfToken {
				tokenTo, token = frames[i].To, frames[i].Data
				f = frames[i] // for the log line
				i++
			}
			err = r.tr.McastPeers(batch, tokenTo, token)
			clear(batch)
			r.batch = batch[:0]
		case f.To == 0:
			err = r.tr.Mcast(f.Data)
			i++
		default:
			err = r.tr.Send(f.To, f.Data)
			i++
		}
		if err != nil {
			r.log("TOTEM", logsys.Debug, "sending %v frame to %d failed: %v", f.Type, f.To, err)
		}
	}
}

// srpLevel maps totemsrp's levels to logsys's; security messages are
// printed at warning (totemsrp_log_level_security).
func srpLevel(l totemsrp.LogLevel) logsys.Level {
	switch l {
	case totemsrp.LogError:
		return logsys.Error
	case totemsrp.LogWarning, totemsrp.LogSecurity:
		return logsys.Warning
	case totemsrp.LogNotice:
		return logsys.Notice
	case totemsrp.LogTrace:
		return logsys.Trace
	}
	return logsys.Debug
}

// confChg is main.c's confchg_fn: membership keys, then totempg's
// handlers (which clean reassembly state), then sync.
func (r *Ring) confChg(c *totemsrp.ConfChg) {
	pc := totempg.ConfChg{Type: totempg.ConfigurationType(c.Type), Members: c.Members,
		Left: c.Left, Joined: c.Joined, RingID: c.RingID}
	for _, id := range c.Left {
		r.memberLeft(id)
	}
	for _, id := range c.Joined {
		r.memberJoined(id)
	}
	r.pg.ConfChg(pc)
	if r.cfg.Services.ConfChg != nil {
		r.cfg.Services.ConfChg(pc)
	}
	r.sync.ConfChg(pc)
	if c.Type == totemsrp.ConfChgRegular {
		// A new ring is when pollers look: do not make them wait a tick.
		r.publishStats()
	}
}

func (r *Ring) syncCompleted(ring wire.RingID) {
	// corosync_sync_completed: totempg_trans_ack, then the world may
	// talk to us again.
	r.node.TransAck()
	if r.cfg.SyncCompleted != nil {
		r.cfg.SyncCompleted(ring)
	}
}

func (r *Ring) syncEvent(e gsync.Event) {
	r.log(e.Subsys, slogLevel(e.Level), "%s", e.Msg)
}

// quorumActivated prints the view vsf_quorum reports once the round commits.
func (r *Ring) quorumActivated(members []uint32) {
	for _, line := range viewList("Members", members) {
		r.log("QUORUM", logsys.Notice, "%s", line)
	}
}

// viewList is log_view_list: " id" entries in lines shorter than 64
// characters, continued lines ending in a backslash.
func viewList(what string, list []uint32) []string {
	var out []string
	for i := 0; ; {
		buf := ""
		for ; i < len(list); i++ {
			s := fmt.Sprintf(" %d", list[i])
			if len(buf)+len(s) >= 64 {
				break
			}
			buf += s
		}
		cont := ""
		if i < len(list) {
			cont = "\\"
		}
		out = append(out, fmt.Sprintf("%s[%d]:%s%s", what, len(list), buf, cont))
		if i == len(list) {
			return out
		}
	}
}
