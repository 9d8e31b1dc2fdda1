package cmap

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/wire"
)

// configVersionKey is the only key cmap exchanges between nodes.
const configVersionKey = "totem.config_version"

// memberConfigVersionKey is where a member's announced config_version is
// recorded, next to the ring's runtime.members.<id>.* keys.
func memberConfigVersionKey(nodeid uint32) string {
	return fmt.Sprintf("runtime.members.%d.config_version", nodeid)
}

// ExecConfig wires the ring side of the cmap engine (exec/cmap.c's exec
// handler and sync callbacks) to the daemon.
type ExecConfig struct {
	Map    *icmap.Map
	NodeID uint32 // api->totem_nodeid_get
	// Mcast multicasts one exec message with TOTEM_AGREED; an error is
	// C's totem_mcast failure.
	Mcast func(msg []byte) error
	// Shutdown is api->shutdown_request, called when the cluster's
	// config_version differs from ours on our first sync.
	Shutdown func()
	Log      func(level logsys.Level, format string, args ...any)
}

// Exec is cmap's exec engine and sync service (service 0). Its methods are
// safe for concurrent use; Mcast and Shutdown are called without its lock.
type Exec struct {
	cfg   ExecConfig
	mu    sync.Mutex
	track *icmap.Track

	transEntries    int
	myVersion       uint64
	highestReceived uint64
	firstSync       bool
}

// NewExec returns the engine; Start begins tracking totem.config_version.
func NewExec(cfg ExecConfig) *Exec {
	if cfg.Log == nil {
		cfg.Log = func(logsys.Level, string, ...any) {}
	}
	if cfg.Shutdown == nil {
		cfg.Shutdown = func() {}
	}
	return &Exec{cfg: cfg, firstSync: true}
}

// Start is cmap_exec_init_fn: any change of totem.config_version (a cfg
// reload) is announced to the other nodes.
func (x *Exec) Start() error {
	t, err := x.cfg.Map.TrackAdd(configVersionKey, icmap.TrackAdd|icmap.TrackDelete|icmap.TrackModify,
		func(icmap.TrackFlags, string, icmap.NotifyValue, icmap.NotifyValue, any) { x.configVersionChanged() }, nil)
	if err != nil {
		return fmt.Errorf("Can't add config_version icmap tracker")
	}
	x.track = t
	return nil
}

// Stop is cmap_exec_exit_fn.
func (x *Exec) Stop() {
	if x.track != nil && x.cfg.Map.TrackDelete(x.track) != nil {
		x.cfg.Log(logsys.Error, "Can't delete config_version icmap tracker")
	}
	x.track = nil
}

func (x *Exec) ownVersion() uint64 {
	v, err := icmap.GetAs[uint64](x.cfg.Map, configVersionKey)
	if err != nil {
		return 0
	}
	return v
}

func (x *Exec) configVersionChanged() {
	x.mu.Lock()
	x.myVersion = x.ownVersion()
	x.mu.Unlock()
	if err := x.mcastVersion(wire.CmapMcastReasonNewConfigVersion); err != nil {
		x.cfg.Log(logsys.Error, "Can't inform other nodes about new config version")
	}
}

// mcastVersion is cmap_mcast_send with the one key C ever sends.
func (x *Exec) mcastVersion(reason wire.CmapMcastReason) error {
	var v any
	if val, _, err := x.cfg.Map.Get(configVersionKey); err == nil {
		v = val
	}
	it, err := wire.NewCmapMcastItem(configVersionKey, v)
	if err != nil {
		return err
	}
	m := &wire.CmapMcast{Reason: reason, Items: []wire.CmapMcastItem{it}}
	b, err := m.Append(nil)
	if err != nil {
		return err
	}
	if x.cfg.Mcast == nil {
		return nil
	}
	return x.cfg.Mcast(b)
}

// Deliver is message_handler_req_exec_cmap_mcast for one delivered message
// of service 0 (header included). Messages that do not decode are dropped:
// C would read beyond them.
func (x *Exec) Deliver(nodeid uint32, msg []byte) {
	h, err := wire.DecodeRequestHeader(msg)
	if err != nil {
		return
	}
	if _, fn := wire.SplitServiceID(h.ID); fn != wire.MessageReqExecCmapMcast {
		x.cfg.Log(logsys.Debug, "cmap: exec message %d from node %d ignored", fn, nodeid)
		return
	}
	m, err := wire.DecodeCmapMcast(msg)
	if err != nil {
		x.cfg.Log(logsys.Debug, "cmap: mcast from node %d dropped: %v", nodeid, err)
		return
	}
	switch m.Reason {
	case wire.CmapMcastReasonSync, wire.CmapMcastReasonNewConfigVersion:
	default:
		x.cfg.Log(logsys.Trace, "Received mcast with unknown reason %d", m.Reason)
		return
	}
	var version uint64
	if it, ok := m.Find(configVersionKey); ok && it.Type == wire.ValueUint64 && len(it.Value) == 8 {
		version = binary.LittleEndian.Uint64(it.Value)
	}
	x.mu.Lock()
	if nodeid != x.cfg.NodeID && version > x.highestReceived {
		x.highestReceived = version
	}
	x.mu.Unlock()
	_ = x.cfg.Map.Set(memberConfigVersionKey(nodeid), version)
}
