package votequorum

import (
	"github.com/gorosync/gorosync/wire"
)

// The libvotequorum operations, independent of the IPC transport: ipc.go
// decodes requests and calls these.

func (e *Engine) nodeStates() []wire.VotequorumNodeState {
	l := make([]wire.VotequorumNodeState, 0, len(e.nodes)+1)
	for _, n := range e.nodes {
		l = append(l, wire.VotequorumNodeState{NodeID: n.id, State: n.state})
	}
	if e.us.flags&flagQdevReg != 0 {
		l = append(l, wire.VotequorumNodeState{NodeID: 0, State: e.qdevice.state})
	}
	return l
}

// sendQuorumNotification is votequorum_exec_send_quorum_notification: to one
// tracker (t != nil) or to every tracker with its own context. Every known
// node is listed, dead ones included.
func (e *Engine) sendQuorumNotification(t *Tracker, context uint64) {
	nodes := e.nodeStates()
	if t != nil {
		_ = t.Send(wire.AppendVotequorumQuorumNotification(nil, e.clusterIsQuorate, context, nodes))
		return
	}
	for _, tr := range e.trackers {
		_ = tr.Send(wire.AppendVotequorumQuorumNotification(nil, e.clusterIsQuorate, tr.context, nodes))
	}
}

func (e *Engine) sendNodelistNotification(t *Tracker, context uint64) {
	if t != nil {
		_ = t.Send(wire.AppendVotequorumNodelistNotification(nil, context, e.quorumRingID, e.quorumMembers))
		return
	}
	for _, tr := range e.trackers {
		_ = tr.Send(wire.AppendVotequorumNodelistNotification(nil, tr.context, e.quorumRingID, e.quorumMembers))
	}
}

func (e *Engine) sendExpectedVotesNotification() {
	for _, tr := range e.trackers {
		_ = tr.Send(wire.AppendVotequorumExpectedvotesNotification(nil, tr.context, e.us.expected))
	}
}

// GetInfo is message_handler_req_lib_votequorum_getinfo; nodeid 0 means us.
func (e *Engine) GetInfo(nodeid uint32) (*wire.VotequorumInfo, wire.CsError) {
	if nodeid == wire.VotequorumQdeviceNodeID {
		nodeid = e.us.id
	}
	n := e.findNode(nodeid)
	if n == nil {
		return &wire.VotequorumInfo{}, wire.CsErrNotExist
	}
	var highest, total uint32
	for _, x := range e.nodes {
		if x.state == NodeStateMember {
			highest = maxU(highest, x.expected)
			total += x.votes
		}
	}
	if n.flags&flagQdevCast != 0 {
		total += e.qdevice.votes
	}
	in := &wire.VotequorumInfo{NodeID: n.id, State: n.state, Votes: n.votes, ExpectedVotes: n.expected,
		HighestExpected: highest, TotalVotes: total, Quorum: uint32(e.quorum),
		QdeviceVotes: e.qdevice.votes, QdeviceName: e.qdeviceName}
	set := func(c bool, f uint32) {
		if c {
			in.Flags |= f
		}
	}
	set(e.twoNode, wire.VotequorumInfoTwoNode)
	set(e.clusterIsQuorate, wire.VotequorumInfoQuorate)
	set(e.waitForAll, wire.VotequorumInfoWaitForAll)
	set(e.lastManStanding, wire.VotequorumInfoLastManStanding)
	set(e.atb != atbNone, wire.VotequorumInfoAutoTieBreaker)
	set(e.allowDownscale, wire.VotequorumInfoAllowDownscale)
	set(n.flags&flagQdevReg != 0, wire.VotequorumInfoQdeviceRegistered)
	set(n.flags&flagQdevAlive != 0, wire.VotequorumInfoQdeviceAlive)
	set(n.flags&flagQdevCast != 0, wire.VotequorumInfoQdeviceCastVote)
	set(n.flags&flagQdevMaster != 0, wire.VotequorumInfoQdeviceMasterWins)
	return in, wire.CsOK
}

// SetExpected is message_handler_req_lib_votequorum_setexpected: refused
// below the current total votes, or when it would make a quorate cluster
// inquorate.
func (e *Engine) SetExpected(expected uint32) wire.CsError {
	saved := e.allowDownscale
	e.allowDownscale = false
	newQuorum, total := e.calculateQuorum(true, expected)
	e.allowDownscale = saved
	if expected < total || (e.clusterIsQuorate && newQuorum > total) {
		return wire.CsErrInvalidParam
	}
	e.updateNodeExpectedVotes(expected)
	if e.sendReconfigure(paramExpectedVotes, e.us.id, expected) != nil {
		return wire.CsErrNoResources
	}
	return wire.CsOK
}

// SetVotes is message_handler_req_lib_votequorum_setvotes.
func (e *Engine) SetVotes(nodeid, votes uint32) wire.CsError {
	n := e.findNode(nodeid)
	if n == nil {
		return wire.CsErrNameNotFound
	}
	saved := n.votes
	n.votes = votes
	newQuorum, total := e.calculateQuorum(true, 0)
	if newQuorum < total/2 || newQuorum > total {
		n.votes = saved
		return wire.CsErrInvalidParam
	}
	if e.sendReconfigure(paramNodeVotes, nodeid, votes) != nil {
		return wire.CsErrNoResources
	}
	return wire.CsOK
}

// TrackStart is message_handler_req_lib_votequorum_trackstart: with
// CURRENT or CHANGES the node list then the quorum state go to t before
// the response.
func (e *Engine) TrackStart(t *Tracker, context uint64, flags uint32) wire.CsError {
	if flags&(wire.CsTrackCurrent|wire.CsTrackChanges) != 0 {
		e.sendNodelistNotification(t, context)
		e.sendQuorumNotification(t, context)
	}
	if t.enabled {
		return wire.CsErrExist
	}
	if flags&(wire.CsTrackChanges|wire.CsTrackChangesOnly) != 0 {
		t.flags, t.enabled, t.context = flags, true, context
		e.trackers = append([]*Tracker{t}, e.trackers...) // qb_list_add puts it first
	}
	return wire.CsOK
}

// TrackStop is message_handler_req_lib_votequorum_trackstop; also called
// when the connection closes (quorum_lib_exit_fn).
func (e *Engine) TrackStop(t *Tracker) wire.CsError {
	if !t.enabled {
		return wire.CsErrNotExist
	}
	t.enabled = false
	for i, x := range e.trackers {
		if x == t {
			e.trackers = append(e.trackers[:i], e.trackers[i+1:]...)
			break
		}
	}
	return wire.CsOK
}

// QdeviceRegister is message_handler_req_lib_votequorum_qdevice_register.
// When it returns pending, done is called once the QDEVICE_REG exec message
// comes back (the response is sent then, as in C).
func (e *Engine) QdeviceRegister(conn any, name string, done func(conn any, err wire.CsError)) (err wire.CsError, pending bool) {
	if !e.qdeviceCanOperate {
		e.logf(LevelInfo, "Registration of quorum device is disabled by incorrect corosync.conf. See logs for more information")
		return wire.CsErrAccess, false
	}
	if e.us.flags&flagQdevReg != 0 {
		if name == e.qdeviceName {
			return wire.CsOK, false
		}
		e.logf(LevelWarning, "A new qdevice with different name (new: %s old: %s) is trying to re-register!", name, e.qdeviceName)
		return wire.CsErrExist, false
	}
	if e.qdeviceRegConn != nil {
		e.logf(LevelWarning, "Registration request already in progress")
		return wire.CsErrTryAgain, false
	}
	e.qdeviceRegConn, e.qdeviceRegDone = conn, done
	if e.mcast(&wire.VotequorumQdeviceReg{Operation: wire.VotequorumQdeviceOperationRegister, Name: name}) != nil {
		e.logf(LevelWarning, "Unable to send qdevice registration request to cluster")
		e.qdeviceRegConn, e.qdeviceRegDone = nil, nil
		return wire.CsErrTryAgain, false
	}
	return wire.CsOK, true
}

// ConnClosed forgets a pending qdevice registration of conn, so a later
// exec reply does not answer a dead connection.
func (e *Engine) ConnClosed(conn any, t *Tracker) {
	if t != nil {
		e.TrackStop(t)
	}
	if e.qdeviceRegConn == conn {
		e.qdeviceRegConn, e.qdeviceRegDone = nil, nil
	}
}

// QdeviceUnregister is message_handler_req_lib_votequorum_qdevice_unregister.
func (e *Engine) QdeviceUnregister(name string) wire.CsError {
	if e.us.flags&flagQdevReg == 0 {
		return wire.CsErrNotExist
	}
	if name != e.qdeviceName {
		return wire.CsErrInvalidParam
	}
	if e.qdevTimerSet {
		e.qdevTimerSet = false
		e.syncWaitForPoll = false
	}
	e.us.flags &^= flagQdevReg | flagQdevAlive | flagQdevCast | flagQdevMaster
	_ = e.sendNodeinfo(e.us.id)
	_ = e.mcast(&wire.VotequorumQdeviceReg{Operation: wire.VotequorumQdeviceOperationUnregister, Name: name})
	return wire.CsOK
}

// QdeviceUpdate is message_handler_req_lib_votequorum_qdevice_update.
func (e *Engine) QdeviceUpdate(oldName, newName string) wire.CsError {
	if e.us.flags&flagQdevReg == 0 {
		return wire.CsErrNotExist
	}
	if oldName != e.qdeviceName {
		return wire.CsErrInvalidParam
	}
	_ = e.mcast(&wire.VotequorumQdeviceReconfigure{OldName: oldName, NewName: newName})
	return wire.CsOK
}

// QdevicePoll is message_handler_req_lib_votequorum_qdevice_poll: only a
// poll for the current ring counts; it (re)arms the qdevice timeout.
func (e *Engine) QdevicePoll(name string, castVote bool, ring wire.RingID) wire.CsError {
	if !e.qdeviceCanOperate {
		return wire.CsErrAccess
	}
	if e.us.flags&flagQdevReg == 0 {
		return wire.CsErrNotExist
	}
	if ring != e.quorumRingID {
		e.logf(LevelDebug, "Received poll ring id (%x.%x) != last sync ring id (%x.%x). Ignoring poll call.",
			ring.Rep, ring.Seq, e.quorumRingID.Rep, e.quorumRingID.Seq)
		return wire.CsErrMessageError
	}
	if name != e.qdeviceName {
		return wire.CsErrInvalidParam
	}
	old := e.us.flags
	e.us.flags |= flagQdevAlive
	if castVote {
		e.us.flags |= flagQdevCast
	} else {
		e.us.flags &^= flagQdevCast
	}
	if e.us.flags != old {
		_ = e.sendNodeinfo(e.us.id)
	}
	e.qdevTimer = e.now + ms(e.qdeviceTimeout)
	e.qdevTimerSet = true
	e.syncWaitForPoll = false
	return wire.CsOK
}

// QdeviceMasterWins is message_handler_req_lib_votequorum_qdevice_master_wins.
func (e *Engine) QdeviceMasterWins(name string, allow bool) wire.CsError {
	if !e.qdeviceCanOperate {
		return wire.CsErrAccess
	}
	if e.us.flags&flagQdevReg == 0 {
		return wire.CsErrNotExist
	}
	if name != e.qdeviceName {
		return wire.CsErrInvalidParam
	}
	old := e.us.flags
	if allow {
		e.us.flags |= flagQdevMaster
	} else {
		e.us.flags &^= flagQdevMaster
	}
	if e.us.flags != old {
		_ = e.sendNodeinfo(e.us.id)
	}
	e.updateQdeviceMasterWins(allow)
	return wire.CsOK
}
