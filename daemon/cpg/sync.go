package cpg

import (
	"github.com/gorosync/gorosync/wire"
)

// Init is cpg_sync_init. The downlist is computed locally, not chosen among
// the members' downlists: in 3.1.7 every node removes the nodes of its own
// previous membership that are missing from the transitional membership
// (received DOWNLISTs are only logged). The older "pick the best downlist"
// selection of corosync 1.x/2.x is gone.
func (e *Engine) Init(trans, members []uint32, ring wire.RingID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.syncState = syncDownlist
	e.myMembers = append(e.myMembers[:0], members...)
	e.lastSyncRing = ring
	n := 0
	for _, old := range e.myOldMembers {
		found := false
		for _, t := range trans {
			if old == t {
				found = true
				break
			}
		}
		if !found && n < len(e.downlist.NodeIDs) {
			e.downlist.NodeIDs[n] = old
			n++
		}
	}
	e.downlist.LeftNodes = uint32(n)
}

// Process is cpg_sync_process: DOWNLIST once, then JOINLIST (skipped when
// no local process is in any group). false means "call again": the totem
// queue had no room.
func (e *Engine) Process() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.syncState == syncDownlist {
		e.downlist.OldMembers = uint32(len(e.myOldMembers))
		b, _ := e.downlist.Append(nil)
		if e.send(b) != nil {
			return false
		}
		e.syncState = syncJoinlist
	}
	return e.sendJoinlist() == nil
}

// sendJoinlist is cpg_exec_send_joinlist.
func (e *Engine) sendJoinlist() error {
	var m wire.CpgJoinlist
	for _, pi := range e.procs {
		if pi.nodeid == e.cfg.NodeID {
			m.Entries = append(m.Entries, wire.CpgJoinlistEntry{PID: pi.pid, Group: pi.group})
		}
	}
	if len(m.Entries) == 0 {
		return nil
	}
	b, _ := m.Append(nil)
	return e.send(b)
}

// Activate is cpg_sync_activate: the new membership becomes the old one,
// then NODEDOWN confchgs for the processes of nodes that left, NODEUP
// confchgs for the processes learnt from other nodes' JOINLISTs, PROCDOWN
// for the remote processes no JOINLIST mentioned, and finally a totem
// confchg to every connection.
func (e *Engine) Activate() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.myOldMembers = append(e.myOldMembers[:0], e.myMembers...)
	e.downlistInformClients()
	e.joinlistInformClients()
	e.joinlists = nil
	e.notifyTotemMembership(nil, e.myMembers)
}

// Abort is cpg_sync_abort.
func (e *Engine) Abort() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.joinlists = nil
}

// downlistInformClients is downlist_inform_clients: the processes of every
// node on the downlist are removed at once, then one confchg per group
// (groups in strcmp order of their names), each process with reason
// NODEDOWN.
func (e *Engine) downlistInformClients() {
	e.debugf("my downlist: members(old:%d left:%d)", e.downlist.OldMembers, e.downlist.LeftNodes)
	left := e.downlist.Left()
	notify := newGroupNotify()
	kept := e.procs[:0]
	for _, pi := range e.procs {
		gone := false
		for _, id := range left {
			if pi.nodeid == id {
				gone = true
				break
			}
		}
		if !gone {
			kept = append(kept, pi)
			continue
		}
		// C NUL-terminates a copy at its length before using it as key.
		key := cString(pi.group.Value[:min(pi.group.Length, wire.CPGMaxNameLength)])
		notify.add(key, &pi.group, wire.CpgAddress{NodeID: pi.nodeid, PID: pi.pid, Reason: wire.CpgReasonNodeDown})
	}
	e.procs = kept
	for _, k := range notify.keys {
		d := notify.data[k]
		e.debugf("left_list_entries:%d", len(d.list))
		e.notifyJoinlist(&d.group, nil, d.list)
	}
}

// joinlistInformClients is joinlist_inform_clients followed by
// joinlist_remove_zombie_pi_entries.
func (e *Engine) joinlistInformClients() {
	notify := newGroupNotify()
	for i := len(e.joinlists) - 1; i >= 0; i-- {
		jl := &e.joinlists[i]
		if jl.sender == e.cfg.NodeID {
			continue
		}
		e.doProcJoin(&jl.group, jl.pid, jl.sender, wire.CpgReasonNodeUp, notify)
	}
	for _, k := range notify.keys {
		d := notify.data[k]
		e.notifyJoinlist(&d.group, d.list, nil)
	}
	e.removeZombies()
}

// removeZombies drops remote processes that no JOINLIST of this round
// mentions (they left while this node was cut off), one PROCDOWN confchg
// each. Local processes are never zombies.
func (e *Engine) removeZombies() {
	// do_proc_leave edits e.procs; walk a snapshot as C's _safe loop does.
	snapshot := append([]processInfo(nil), e.procs...)
	for _, pi := range snapshot {
		if pi.nodeid == e.cfg.NodeID {
			continue
		}
		found := false
		for _, jl := range e.joinlists {
			if jl.sender == e.cfg.NodeID {
				continue
			}
			if pi.nodeid == jl.sender && pi.pid == jl.pid && pi.group.Equal(&jl.group) {
				found = true
				break
			}
		}
		if !found {
			e.doProcLeave(&pi.group, pi.pid, pi.nodeid, wire.CpgReasonProcDown)
		}
	}
}
