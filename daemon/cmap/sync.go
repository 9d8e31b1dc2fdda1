package cmap

import (
	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/wire"
)

// ID and Name make Exec a daemon/sync Service.
func (x *Exec) ID() int      { return ServiceID }
func (x *Exec) Name() string { return EngineName }

// Init is cmap_sync_init.
func (x *Exec) Init(trans, _ []uint32, _ wire.RingID) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.transEntries = len(trans)
	x.myVersion = x.ownVersion()
	x.highestReceived = x.myVersion
}

// Process is cmap_sync_process: everyone announces its config_version.
func (x *Exec) Process() bool {
	return x.mcastVersion(wire.CmapMcastReasonSync) == nil
}

// Activate is cmap_sync_activate: a node joining a cluster that runs
// another config_version leaves (only on its first sync, and only if it
// has a version at all).
func (x *Exec) Activate() {
	x.mu.Lock()
	switch {
	case x.transEntries == 0:
		x.mu.Unlock()
		x.cfg.Log(logsys.Debug, "Single node sync -> no action")
		return
	case !x.firstSync:
		x.mu.Unlock()
		x.cfg.Log(logsys.Debug, "Not first sync -> no action")
		return
	}
	x.firstSync = false
	if x.myVersion == 0 {
		x.mu.Unlock()
		x.cfg.Log(logsys.Debug, "My config version is 0 -> no action")
		return
	}
	high, mine := x.highestReceived, x.myVersion
	x.mu.Unlock()
	if high != mine {
		x.cfg.Log(logsys.Error, "Received config version (%d) is different than my config version (%d)! Exiting", high, mine)
		x.cfg.Shutdown()
	}
}

// Abort is cmap_sync_abort: nothing to undo.
func (x *Exec) Abort() {}
