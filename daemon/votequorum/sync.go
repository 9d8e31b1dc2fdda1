package votequorum

import (
	"time"

	"github.com/gorosync/gorosync/wire"
)

func ms(v uint32) time.Duration { return time.Duration(v) * time.Millisecond }

// Init is votequorum_sync_init (daemon/sync.Service). Nodes of the previous
// membership that are not in members become DEAD; last_man_standing arms
// its window when nodes left.
func (e *Engine) Init(trans, members []uint32, ring wire.RingID) {
	e.syncInProgress = true
	e.syncNodeinfoSent = false
	e.syncWaitForPoll = false
	if len(members) > 1 {
		e.us.flags &^= flagFirst
	}
	left := false
	for _, id := range e.quorumMembers {
		if !inList(id, members) {
			left = true
			if n := e.findNode(id); n != nil {
				n.state = NodeStateDead
			}
		}
	}
	if e.lastManStanding {
		if (len(members) >= int(e.quorum) && left) ||
			(len(members) <= int(e.quorum) && e.atb != atbNone && e.memberPresent(e.lowestNodeID)) {
			e.lmsTimer = e.now + ms(e.lmsWindow)
			e.lmsTimerSet = true
		}
	}
	e.previousMembers = append(e.previousMembers[:0], e.quorumMembers...)
	e.quorumMembers = append([]uint32(nil), members...)
	e.quorumRingID = ring
	if e.us.flags&flagQdevReg != 0 && e.us.flags&flagQdevAlive != 0 {
		e.qdevTimer = e.now + ms(e.qdeviceSyncTimeout)
		e.qdevTimerSet = true
		e.syncWaitForPoll = true
		e.logf(LevelInfo, "waiting for quorum device %s poll (but maximum for %d ms)", e.qdeviceName, e.qdeviceSyncTimeout)
	}
}

// Process is votequorum_sync_process: NODEINFO for us and for the qdevice
// (node id 0), the qdevice registration if one is known, then it waits for
// a qdevice poll carrying the new ring id (or the sync timeout).
func (e *Engine) Process() bool {
	if !e.syncNodeinfoSent {
		_ = e.sendNodeinfo(e.us.id)
		_ = e.sendNodeinfo(0)
		if e.qdeviceName != "" {
			_ = e.mcast(&wire.VotequorumQdeviceReg{Operation: wire.VotequorumQdeviceOperationRegister, Name: e.qdeviceName})
		}
		e.sendNodelistNotification(nil, 0)
		e.syncNodeinfoSent = true
	}
	return !(e.us.flags&flagQdevReg != 0 && e.syncWaitForPoll)
}

// Activate is votequorum_sync_activate.
func (e *Engine) Activate() {
	e.recalculateQuorum(false, false)
	e.quorumCallback()
	e.sendQuorumNotification(nil, 0)
	e.syncInProgress = false
}

// Abort is votequorum_sync_abort, which does nothing in C.
func (e *Engine) Abort() {}

// NextDeadline returns the earliest armed timer.
func (e *Engine) NextDeadline() (time.Duration, bool) {
	switch {
	case e.lmsTimerSet && e.qdevTimerSet:
		return min(e.lmsTimer, e.qdevTimer), true
	case e.lmsTimerSet:
		return e.lmsTimer, true
	case e.qdevTimerSet:
		return e.qdevTimer, true
	}
	return 0, false
}

// Advance moves the engine's clock to now and fires due timers.
func (e *Engine) Advance(now time.Duration) {
	if now > e.now {
		e.now = now
	}
	if e.lmsTimerSet && e.now >= e.lmsTimer {
		e.lmsTimerSet = false
		if e.clusterIsQuorate {
			e.recalculateQuorum(true, true)
		}
	}
	if e.qdevTimerSet && e.now >= e.qdevTimer {
		e.qdeviceTimerFn()
	}
}

// qdeviceTimerFn is qdevice_timer_fn: no poll in time means the device is
// gone.
func (e *Engine) qdeviceTimerFn() {
	if e.us.flags&flagQdevAlive == 0 || !e.qdevTimerSet {
		return
	}
	e.us.flags &^= flagQdevAlive | flagQdevCast
	e.logf(LevelInfo, "lost contact with quorum device %s", e.qdeviceName)
	_ = e.sendNodeinfo(e.us.id)
	e.qdevTimerSet = false
	e.syncWaitForPoll = false
}
