package daemon

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/cfg"
	"github.com/gorosync/gorosync/daemon/cmap"
	"github.com/gorosync/gorosync/daemon/cpg"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/daemon/mon"
	"github.com/gorosync/gorosync/daemon/quorum"
	"github.com/gorosync/gorosync/daemon/ring"
	gsync "github.com/gorosync/gorosync/daemon/sync"
	"github.com/gorosync/gorosync/daemon/totempg"
	"github.com/gorosync/gorosync/daemon/votequorum"
	"github.com/gorosync/gorosync/daemon/wd"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/totemsrp"
	"github.com/gorosync/gorosync/wire"
)

// engines holds the service engines of one daemon and carries everything
// between them, the ring and the IPC server.
//
// C runs all of this on one thread. Here every entry into an engine (ring
// callbacks, IPC handlers, timers) holds mu, and once the ring exists IPC
// handlers are moved onto the ring's loop (ipc.Config.Exec), the only
// goroutine allowed to multicast. Before the ring exists, or off the
// loop, exec messages are queued and sent from the loop's next turn, as
// totempg queues what services send before the ring is operational.
type engines struct {
	d *Daemon

	mu     sync.Mutex
	onLoop bool // guarded by mu: the current entry runs on the ring's loop
	ring   atomic.Pointer[ring.Ring]

	qmu    sync.Mutex
	queued []queuedMcast

	syncing    atomic.Bool
	critical   atomic.Bool // totem's queue is TOTEM_Q_LEVEL_CRITICAL
	node       atomic.Pointer[totemsrp.Node]
	queueCap   int   // loop only: the largest free room seen (the empty queue)
	cpgFC      int32 // loop only: the flow control level cpg clients have
	members    atomic.Pointer[[]uint32]
	conf       atomic.Pointer[confparse.Config] // the running config; a reload swaps it (reload.go)
	cpgPending bool                             // guarded by mu: cpg has PROCLEAVEs waiting for room

	srv atomic.Pointer[ipc.Server]

	cmap   *cmap.Exec
	cfg    *cfg.Engine
	cpg    *cpg.Engine
	quorum *quorum.Service
	mon    *mon.Monitor
	wd     *wd.Watchdog
	vq     *votequorum.Engine // nil without quorum.provider
	// vqIPC is the lock votequorum's IPC takes; entries already hold mu.
	vqIPC sync.Mutex

	stats map[uint32][]statKeys // service id -> per-function tx/rx counter keys
}

type queuedMcast struct {
	msg []byte
	g   totempg.Guarantee
}

type statKeys struct{ tx, rx string }

// retryInterval is how often queued exec messages and cpg's pending
// PROCLEAVEs are retried while totem has no room (C retries every token).
const retryInterval = 10 * time.Millisecond

// newEngines builds and starts the engines (their exec_init_fn), in the
// order C's service loader initializes them.
func (d *Daemon) newEngines() (*engines, error) {
	en := &engines{d: d, stats: map[uint32][]statKeys{}}
	empty := []uint32{}
	en.members.Store(&empty)
	for _, s := range DefaultServices {
		for fn := 0; fn < s.ExecEngineCount; fn++ {
			en.stats[uint32(s.ID)] = append(en.stats[uint32(s.ID)], statKeys{
				tx: fmt.Sprintf("runtime.services.%s.%d.tx", s.suffix(), fn),
				rx: fmt.Sprintf("runtime.services.%s.%d.rx", s.suffix(), fn),
			})
		}
	}
	nodeID := d.Config.NodeID()
	servLog := d.Logs.Subsys("SERV")
	loaded := func(name string, id int) { servLog.Noticef("Service engine loaded: %s [%d]", name, id) }

	en.cmap = cmap.NewExec(cmap.ExecConfig{Map: d.Map, NodeID: nodeID,
		Mcast:    func(m []byte) error { return en.mcast(m, totempg.Agreed) },
		Shutdown: d.requestShutdown,
		Log:      d.Logs.Subsys("CMAP").Logf,
	})
	if err := en.cmap.Start(); err != nil {
		return nil, err
	}
	loaded(cmap.EngineName, cmap.ServiceID)

	en.cfg = cfg.New(en.cfgConfig())
	loaded(cfg.EngineName, cfg.ServiceID)

	en.cpg = cpg.New(cpg.Config{NodeID: nodeID,
		Mcast: func(iov ...[]byte) error {
			n := 0
			for _, b := range iov {
				n += len(b)
			}
			m := make([]byte, 0, n)
			for _, b := range iov {
				m = append(m, b...)
			}
			return en.mcast(m, totempg.Agreed)
		},
	})
	loaded(cpg.ServiceName, cpg.ServiceID)

	if err := en.startMonWd(loaded); err != nil {
		return nil, err
	}

	quorumLog := d.Logs.Subsys("QUORUM")
	en.quorum = quorum.New(quorum.Options{Map: d.Map, Name: d.IPCSocketName("quorum"),
		Log: func(l int, msg string) { quorumLog.Logf(logsys.Level(l), "%s", msg) }})
	provider, err := en.quorum.Start()
	if err != nil {
		return nil, err
	}
	if provider != "" {
		vqLog := d.Logs.Subsys("VOTEQ")
		en.vq = votequorum.New(votequorum.Options{NodeID: nodeID, Map: d.Map,
			Hooks: votequorum.Hooks{
				Mcast:  func(m []byte) error { return en.mcast(m, totempg.Agreed) },
				Quorum: en.quorum.SetQuorum,
				Log:    func(l votequorum.Level, msg string) { vqLog.Logf(logsys.Level(l), "%s", msg) },
			}})
		en.mu.Lock()
		err := en.vq.Start()
		en.mu.Unlock()
		if err != nil {
			return nil, err
		}
		loaded(en.vq.Name(), en.vq.ID())
		// votequorum_exec_add_config_notification; the writers of these
		// keys (cmap clients, cfg reload) run inside an engine entry.
		for _, t := range []struct {
			key   string
			flags icmap.TrackFlags
		}{
			{"nodelist.", icmap.TrackPrefix},
			{"quorum.", icmap.TrackPrefix},
			{"config.totemconfig_reload_in_progress", 0},
		} {
			if _, err := d.Map.TrackAdd(t.key, t.flags|icmap.TrackAdd|icmap.TrackDelete|icmap.TrackModify,
				func(_ icmap.TrackFlags, key string, _, _ icmap.NotifyValue, _ any) { en.vq.ConfigChanged(key) }, nil); err != nil {
				return nil, err
			}
		}
	}
	loaded(en.quorum.Name(), en.quorum.ID())
	return en, nil
}

// startMonWd starts the mon and wd engines, which C loads after pload
// and before quorum. Their timers are engine entries.
func (en *engines) startMonWd(loaded func(string, int)) error {
	d := en.d
	after := func(dur time.Duration, f func()) func() bool {
		return time.AfterFunc(dur, func() { en.exec(f) }).Stop
	}
	fatal := func(file string) func() {
		return func() {
			d.log.Errorf("Corosync Cluster Engine exiting with status %d at %s.", DoneFatalErr, file)
			if !d.params.InProcess {
				d.Logs.Close()
				os.Exit(DoneFatalErr)
			}
			d.requestShutdown()
		}
	}
	en.mon = mon.New(mon.Config{Map: d.Map, Log: d.Logs.Subsys("MON").Logf, AfterFunc: after, Fatal: fatal("mon.c:207")})
	if err := en.mon.Start(); err != nil {
		return err
	}
	loaded(mon.EngineName, mon.ServiceID)
	en.wd = wd.New(wd.Config{Map: d.Map, Log: d.Logs.Subsys("WD").Logf, AfterFunc: after, Fatal: fatal("wd.c:204")})
	if err := en.wd.Start(); err != nil {
		return err
	}
	loaded(wd.EngineName, wd.ServiceID)
	return nil
}

// cfgConfig is the cfg engine's view of the daemon (daemon/cfg/doc.go).
func (en *engines) cfgConfig() cfg.Config {
	d := en.d
	ipv6 := false
	if l := d.Config.Links(); len(l) > 0 && l[0].LocalAddr != nil && l[0].LocalAddr.To4() == nil {
		ipv6 = true
	}
	cfgLog := d.Logs.Subsys("CFG")
	en.conf.Store(d.Config)
	node := &cfg.UDPNode{
		NodeID:  d.Config.NodeID(),
		Members: func() []uint32 { return *en.members.Load() },
		Nodes:   func() []confparse.Node { return en.conf.Load().Nodes() },
		NetMTU:  func() int { return cfg.UDPNetMTU(int(d.Config.Totem().NetMTU), ipv6) },
		Send:    func(m []byte) error { return en.mcast(m, totempg.Safe) },
	}
	return cfg.Config{
		Map: d.Map, Node: node, ConfigPath: d.opts.configFile,
		Options:  d.params.ConfOptions,
		Shutdown: d.requestShutdown,
		Fatal: func() {
			// corosync_fatal_error(COROSYNC_FATAL_ERROR_EXIT): C names its
			// own source line.
			d.log.Errorf("Corosync Cluster Engine exiting with status -1 at cfg.c:566.")
			if !d.params.InProcess {
				d.Logs.Close()
				os.Exit(255)
			}
		},
		Reopen:     d.Logs.Reopen,
		ApplyTotem: en.applyTotem,
		Log:        cfgLog.Logf,
		SocketName: d.IPCSocketName(cfg.Name),
		AfterFunc: func(dur time.Duration, f func()) func() bool {
			return time.AfterFunc(dur, func() { en.exec(f) }).Stop
		},
	}
}

// enter runs fn as one engine entry.
func (en *engines) enter(onLoop bool, fn func()) {
	en.mu.Lock()
	defer en.mu.Unlock()
	prev := en.onLoop
	en.onLoop = onLoop
	defer func() { en.onLoop = prev }()
	if onLoop {
		en.flushLocked()
		if en.vq != nil {
			// votequorum's timers run on the ring's clock; it must
			// know the time before any event (votequorum/doc.go).
			en.vq.Advance(en.now())
		}
	}
	fn()
}

// exec is ipc.Config.Exec: on the ring's loop when there is one.
func (en *engines) exec(fn func()) {
	if r := en.ring.Load(); r != nil {
		ran := false
		r.Do(func(*totemsrp.Node) { ran = true; en.enter(true, fn) })
		if ran {
			return
		}
	}
	en.enter(false, fn)
}

// mcast is api->totem_mcast for every engine. Called with mu held.
func (en *engines) mcast(msg []byte, g totempg.Guarantee) error {
	r := en.ring.Load()
	if !en.onLoop || r == nil {
		en.qmu.Lock()
		en.queued = append(en.queued, queuedMcast{msg: append([]byte(nil), msg...), g: g})
		en.qmu.Unlock()
		return nil
	}
	if err := en.flushLocked(); err != nil {
		return err
	}
	return en.send(r, msg, g)
}

func (en *engines) send(r *ring.Ring, msg []byte, g totempg.Guarantee) error {
	if err := r.Mcast(msg, g); err != nil {
		return err
	}
	en.count(msg, true)
	return nil
}

// flushLocked sends what was queued before the ring or off the loop.
func (en *engines) flushLocked() error {
	r := en.ring.Load()
	if r == nil {
		return nil
	}
	en.qmu.Lock()
	defer en.qmu.Unlock()
	for len(en.queued) > 0 {
		q := en.queued[0]
		if err := en.send(r, q.msg, q.g); err != nil {
			return err
		}
		en.queued[0] = queuedMcast{}
		en.queued = en.queued[1:]
	}
	return nil
}

// count bumps runtime.services.<service>.<fn>.tx or .rx as main.c does.
func (en *engines) count(msg []byte, tx bool) {
	h, err := wire.DecodeRequestHeader(msg)
	if err != nil {
		return
	}
	svc, fn := wire.SplitServiceID(h.ID)
	keys := en.stats[uint32(svc)]
	if int(fn) >= len(keys) {
		return
	}
	k := keys[fn].rx
	if tx {
		k = keys[fn].tx
	}
	_ = en.d.Map.FastInc(k)
}

// ringServices are the engines' hooks into the ring.
func (en *engines) ringServices() ring.Services {
	ss := []gsync.Service{en.cmap, en.cpg, en.quorum}
	if en.vq != nil {
		ss = append(ss, en.vq)
	}
	wrapped := make([]gsync.Service, len(ss))
	for i, s := range ss {
		wrapped[i] = lockedSync{en: en, s: s}
	}
	return ring.Services{
		Sync:         wrapped,
		Deliver:      en.deliver,
		ConfChg:      en.confChg,
		NextDeadline: en.nextDeadline,
		Advance:      en.advance,
		Flush:        en.cpg.FlushEvents,
	}
}

// attach is called once the ring exists, before it starts.
func (en *engines) attach(r *ring.Ring) { en.ring.Store(r) }

// started is called once the ring's loop runs (not from the loop): the
// loop-side hooks may then read totem's queue room.
func (en *engines) started(r *ring.Ring) {
	r.Do(func(n *totemsrp.Node) { en.node.Store(n) })
}

// checkQueueLevel is totempg's check_q_level as far as flow control goes:
// CRITICAL from 75 % of the new-message queue used until it is below
// 70 %. Loop only.
func (en *engines) checkQueueLevel() {
	n := en.node.Load()
	if n == nil {
		return
	}
	avail := n.Avail()
	if avail > en.queueCap {
		en.queueCap = avail
	}
	if en.queueCap == 0 {
		return
	}
	used := 100 - avail*100/en.queueCap
	switch {
	case used >= 75:
		en.critical.Store(true)
	case used < 70:
		en.critical.Store(false)
	}
	en.updateCpgFlowControl()
}

// updateCpgFlowControl is cs_ipcs_check_for_flow_control for cpg's
// connections: QB_IPCS_RATE_OFF_2 while sync runs or totem's queue is
// critical, so libcpg stops sending MCASTs it would otherwise lose.
func (en *engines) updateCpgFlowControl() {
	level := int32(0)
	if en.syncing.Load() || en.critical.Load() {
		level = 2
	}
	if level != en.cpgFC {
		en.cpgFC = level
		en.setCpgFlowControl(level)
	}
}

// deliver is main.c's deliver_fn: group "a" messages go to the engine of
// the service in their header.
func (en *engines) deliver(nodeid uint32, msg []byte, swapped bool) {
	if swapped {
		// We only speak little-endian (wire/); C would convert.
		return
	}
	h, err := wire.DecodeRequestHeader(msg)
	if err != nil {
		return
	}
	svc, fn := wire.SplitServiceID(h.ID)
	if keys := en.stats[uint32(svc)]; int(fn) >= len(keys) {
		// C: "Invalid service.function (%d.%d) - discarded".
		return
	}
	en.enter(true, func() {
		en.count(msg, false)
		switch int(svc) {
		case cmap.ServiceID:
			en.cmap.Deliver(nodeid, msg)
		case cfg.ServiceID:
			en.cfg.Deliver(nodeid, msg)
		case cpg.ServiceID:
			en.cpg.Deliver(nodeid, msg)
		case int(wire.VotequorumService):
			if en.vq != nil {
				_ = en.vq.Deliver(nodeid, msg)
			}
		}
	})
}

func (en *engines) now() time.Duration {
	if r := en.ring.Load(); r != nil {
		return r.Now()
	}
	return 0
}

// confChg: a new membership means sync is coming; C stops services from
// sending (corosync_sending_allowed) and libcpg clients from queueing
// until it completes.
func (en *engines) confChg(c totempg.ConfChg) {
	if c.Type == totempg.ConfigurationRegular {
		m := append([]uint32(nil), c.Members...)
		en.members.Store(&m)
	}
	en.syncing.Store(true)
	en.updateCpgFlowControl()
}

// syncCompleted is corosync_sync_completed's part for the engines.
func (en *engines) syncCompleted() {
	en.syncing.Store(false)
	en.updateCpgFlowControl()
}

// setCpgFlowControl is cs_ipcs_check_for_flow_control for cpg's
// connections: QB_IPCS_RATE_OFF_2 while sync runs.
func (en *engines) setCpgFlowControl(level int32) {
	srv := en.srv.Load()
	if srv == nil {
		return
	}
	for _, c := range srv.Connections(en.d.IPCSocketName("cpg")) {
		_ = c.SetFlowControl(level)
	}
}

func (en *engines) nextDeadline() (time.Duration, bool) {
	var dl time.Duration
	ok := false
	en.checkQueueLevel()
	en.enter(true, func() {
		if en.vq != nil {
			dl, ok = en.vq.NextDeadline()
		}
		en.qmu.Lock()
		waiting := len(en.queued) > 0
		en.qmu.Unlock()
		if waiting || en.cpgPending || en.critical.Load() {
			if r := en.now() + retryInterval; !ok || r < dl {
				dl, ok = r, true
			}
		}
	})
	return dl, ok
}

func (en *engines) advance(now time.Duration) {
	en.enter(true, func() {
		if en.vq != nil {
			en.vq.Advance(now)
		}
		en.cpgPending = en.cpg.Retry()
	})
}

// busy is ipc.Config.Busy (corosync_sending_allowed: sync in progress or
// no room in totem's queue).
func (en *engines) busy() bool { return en.syncing.Load() || en.critical.Load() }

// registerIPC opens the engines' sockets (cmap's is opened by startIPC).
func (en *engines) registerIPC(srv *ipc.Server) error {
	en.srv.Store(srv)
	if _, err := en.cfg.Register(srv); err != nil {
		return err
	}
	if _, err := en.cpg.RegisterIPC(srv, en.d.IPCSocketName("cpg")); err != nil {
		return err
	}
	if _, err := en.quorum.RegisterIPC(srv); err != nil {
		return err
	}
	if en.vq != nil {
		vi := &votequorum.IPC{E: en.vq, Lock: &en.vqIPC, Name: en.d.IPCSocketName("votequorum")}
		if _, err := vi.RegisterIPC(srv); err != nil {
			return err
		}
	}
	return nil
}

// exit is the engines' exec_exit_fn, before totem leaves.
func (en *engines) exit() {
	en.exec(func() {
		if en.vq != nil {
			_ = en.vq.Exit()
		}
		en.cmap.Stop()
	})
	// Outside the entry: their timers wait for it.
	en.wd.Exit()
	en.mon.Stop()
}

// lockedSync makes a sync service an engine entry.
type lockedSync struct {
	en *engines
	s  gsync.Service
}

func (l lockedSync) ID() int      { return l.s.ID() }
func (l lockedSync) Name() string { return l.s.Name() }
func (l lockedSync) Init(trans, members []uint32, r wire.RingID) {
	l.en.enter(true, func() { l.s.Init(trans, members, r) })
}
func (l lockedSync) Process() (done bool) {
	l.en.enter(true, func() { done = l.s.Process() })
	return done
}
func (l lockedSync) Activate() { l.en.enter(true, l.s.Activate) }
func (l lockedSync) Abort()    { l.en.enter(true, l.s.Abort) }
