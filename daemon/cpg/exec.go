package cpg

import (
	"errors"
	"syscall"

	"github.com/gorosync/gorosync/wire"
)

// Deliver handles one cpg exec message delivered by totem in agreed order
// (the service's exec_engine). nodeid is the sender. msg starts with the
// header; it is only read during the call. Byte-swapped (big-endian)
// senders are not supported: the daemon must drop their messages.
func (e *Engine) Deliver(nodeid uint32, msg []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	h, err := wire.DecodeRequestHeader(msg)
	if err != nil {
		e.log.Warn("cpg exec message dropped", "nodeid", nodeid, "err", err)
		return
	}
	svc, fn := wire.SplitServiceID(h.ID)
	if svc != wire.CpgService {
		e.log.Warn("not a cpg exec message", "id", h.ID)
		return
	}
	switch fn {
	case wire.MessageReqExecCpgProcjoin:
		m, err := wire.DecodeCpgProcjoin(msg)
		if err != nil {
			break
		}
		e.debugf("got procjoin message from cluster node %d for pid %d", nodeid, m.PID)
		e.doProcJoin(&m.Group, m.PID, nodeid, wire.CpgReasonJoin, nil)
		return
	case wire.MessageReqExecCpgProcleave:
		m, err := wire.DecodeCpgProcjoin(msg)
		if err != nil {
			break
		}
		e.debugf("got procleave message from cluster node %d for pid %d", nodeid, m.PID)
		e.doProcLeave(&m.Group, m.PID, nodeid, m.Reason)
		return
	case wire.MessageReqExecCpgJoinlist:
		m, err := wire.DecodeCpgJoinlist(msg)
		if err != nil {
			break
		}
		e.debugf("got joinlist message from node %d", nodeid)
		for _, jle := range m.Entries {
			e.joinlists = append(e.joinlists, joinlistMsg{sender: nodeid, pid: jle.PID, group: jle.Group})
		}
		return
	case wire.MessageReqExecCpgMcast:
		m, err := wire.DecodeCpgMcast(msg)
		if err != nil {
			break
		}
		e.execMcast(nodeid, &m.Group, func(b []byte) []byte {
			b = wire.AppendCpgDeliverHeader(b, &m.Group, nodeid, m.PID, len(m.Message))
			return append(b, m.Message...)
		})
		return
	case wire.MessageReqExecCpgPartialMcast:
		m, err := wire.DecodeCpgPartialMcast(msg)
		if err != nil {
			break
		}
		e.debugf("Got fragmented message from node %d, size = %d bytes", nodeid, len(m.Data))
		e.execMcast(nodeid, &m.Group, func(b []byte) []byte {
			ev := wire.CpgPartialDeliver{Group: m.Group, MsgLen: m.MsgLen, NodeID: nodeid, PID: m.PID, Type: m.Type, Data: m.Data}
			return ev.Append(b)
		})
		return
	case wire.MessageReqExecCpgDownlistOld:
		e.debugf("downlist OLD from node %d", nodeid)
		return
	case wire.MessageReqExecCpgDownlist:
		m, err := wire.DecodeCpgDownlist(msg)
		if err != nil {
			break
		}
		e.debugf("downlist left_list: %d received", m.LeftNodes)
		return
	default:
		e.log.Warn("unknown cpg exec message", "fn", fn, "nodeid", nodeid)
		return
	}
	e.log.Warn("malformed cpg exec message dropped", "fn", fn, "nodeid", nodeid, "len", len(msg))
}

// execMcast is the common part of message_handler_req_exec_cpg_mcast and
// _partial_mcast: the event goes to every local connection joined (or
// leaving) in the group, unless the sender node is not known to have a
// process in that group, in which case nobody gets it.
func (e *Engine) execMcast(nodeid uint32, group *wire.CpgName, build func([]byte) []byte) {
	known := false
	var ev []byte
	for i := len(e.pds) - 1; i >= 0; i-- {
		pd := e.pds[i]
		if (pd.state != cpdLeaveStarted && pd.state != cpdJoinCompleted) || !pd.group.Equal(group) {
			continue
		}
		if !known {
			for j := range e.procs {
				if e.procs[j].nodeid == nodeid && e.procs[j].group.Equal(group) {
					known = true
					break
				}
			}
			if !known {
				e.log.Warn("Unknown node -> we will not deliver message")
				return
			}
			e.evbuf = build(e.evbuf[:0])
			ev = e.evbuf
		}
		e.dispatchHeld(pd, ev)
	}
	if cap(e.evbuf) > 4<<20 {
		e.evbuf = nil // don't pin a reassembled giant
	}
}

// dispatchSend is api->ipc_dispatch_send. C queues events without bound;
// the IPC layer here bounds its queue (ipc.Config.EventQueueLen, which the
// daemon should set high). A client that misses an event can no longer
// rely on virtual synchrony, so it is disconnected rather than left
// running with a hole in its stream.
func (e *Engine) dispatchSend(pd *cpd, ev []byte) {
	if err := pd.conn.SendEvent(ev); err != nil {
		e.eventLost(pd, err)
	}
}

// dispatchHeld is dispatchSend for delivered messages: the client is told
// at FlushEvents.
func (e *Engine) dispatchHeld(pd *cpd, ev []byte) {
	first, err := pd.conn.SendEventHeld(ev)
	if first {
		e.held = append(e.held, pd.conn)
	}
	if err != nil {
		e.eventLost(pd, err)
	}
}

func (e *Engine) eventLost(pd *cpd, err error) {
	e.log.Error("cpg event lost, disconnecting the client", "conn", pd.cookie, "err", err)
	if cl, ok := pd.conn.(interface{ Close() }); ok && errors.Is(err, syscall.EAGAIN) {
		go cl.Close() // Close runs OnClose -> LibExit, which takes the lock
	}
}

func (e *Engine) findProc(group *wire.CpgName, pid, nodeid uint32) bool {
	for i := range e.procs {
		pi := &e.procs[i]
		if pi.pid == pid && pi.nodeid == nodeid && pi.group.Equal(group) {
			return true
		}
	}
	return false
}

// groupNotify collects the joins of one sync activation per group key
// (join_list_confchg_data in a qb skiplist keyed by the group's C string).
type groupNotify struct {
	keys []string
	data map[string]*groupList
}

type groupList struct {
	group wire.CpgName
	list  []wire.CpgAddress
}

func newGroupNotify() *groupNotify { return &groupNotify{data: map[string]*groupList{}} }

// add appends to the entry of key; a new key keeps the group it came with.
// Two groups with the same C string (say "a" of length 1 and "a\0" of
// length 2) share one entry and one confchg, as in C.
func (n *groupNotify) add(key string, g *wire.CpgName, a wire.CpgAddress) {
	d := n.data[key]
	if d == nil {
		d = &groupList{group: *g}
		n.data[key] = d
		n.keys = insertSorted(n.keys, key)
	}
	d.list = append(d.list, a)
}

func insertSorted(keys []string, k string) []string {
	i := 0
	for i < len(keys) && keys[i] < k {
		i++
	}
	keys = append(keys, "")
	copy(keys[i+1:], keys[i:])
	keys[i] = k
	return keys
}

// cString is the group's value read as a C string, which is what C's
// skiplists compare (strcmp order = Go's byte order).
func cString(v []byte) string {
	for i, c := range v {
		if c == 0 {
			return string(v[:i])
		}
	}
	return string(v)
}

// doProcJoin is do_proc_join: notify nil sends the confchg at once.
func (e *Engine) doProcJoin(group *wire.CpgName, pid, nodeid, reason uint32, notify *groupNotify) {
	if e.findProc(group, pid, nodeid) {
		return
	}
	pi := processInfo{nodeid: nodeid, pid: pid, group: *group}
	at := len(e.procs)
	for i, p := range e.procs {
		if p.nodeid > nodeid || (p.nodeid == nodeid && p.pid > pid) {
			at = i
			break
		}
	}
	e.procs = append(e.procs, processInfo{})
	copy(e.procs[at+1:], e.procs[at:])
	e.procs[at] = pi
	a := wire.CpgAddress{NodeID: nodeid, PID: pid, Reason: reason}
	if notify == nil {
		e.notifyJoinlist(group, []wire.CpgAddress{a}, nil)
		return
	}
	notify.add(cString(group.Value[:]), group, a)
}

// doProcLeave is do_proc_leave: the confchg is sent before the process is
// removed (notify_lib_joinlist leaves it out of the member list itself).
func (e *Engine) doProcLeave(group *wire.CpgName, pid, nodeid, reason uint32) {
	e.notifyJoinlist(group, nil, []wire.CpgAddress{{NodeID: nodeid, PID: pid, Reason: reason}})
	out := e.procs[:0]
	for _, pi := range e.procs {
		if !(pi.pid == pid && pi.nodeid == nodeid && pi.group.Equal(group)) {
			out = append(out, pi)
		}
	}
	e.procs = out
}

// notifyJoinlist is notify_lib_joinlist: one CONFCHG_CALLBACK to every
// local connection joined in (or leaving) the group.
func (e *Engine) notifyJoinlist(group *wire.CpgName, joined, left []wire.CpgAddress) {
	ev := wire.CpgConfchg{Group: *group, Left: left, Joined: joined}
	for _, pi := range e.procs {
		if !pi.group.Equal(group) {
			continue
		}
		inLeft := false
		for _, l := range left {
			if l.NodeID == pi.nodeid && l.PID == pi.pid {
				inLeft = true
				break
			}
		}
		if !inLeft {
			ev.Members = append(ev.Members, wire.CpgAddress{NodeID: pi.nodeid, PID: pi.pid, Reason: wire.CpgReasonUndefined})
		}
	}
	for _, j := range joined {
		if j.NodeID != e.cfg.NodeID {
			continue
		}
		e.eachPD(func(pd *cpd) {
			if j.PID == pd.pid && pd.group.Equal(group) {
				pd.state = cpdJoinCompleted
			}
		})
	}
	var buf []byte
	e.eachPD(func(pd *cpd) {
		if pd.group.Equal(group) && (pd.state == cpdJoinCompleted || pd.state == cpdLeaveStarted) {
			if buf == nil {
				buf = ev.Append(nil)
			}
			e.dispatchSend(pd, buf)
			pd.transitionCounter++
		}
	})
	// C then means to reset the connections whose LEAVE this was, but its
	// loop runs over joined_list_entries, which is always 0 when there are
	// left entries: a connection that left stays LEAVE_STARTED (it keeps
	// getting this group's confchgs and messages, and joining again on it
	// gives CS_ERR_EXIST or CS_ERR_BUSY). We keep that behaviour.
	e.eachPD(func(pd *cpd) {
		if pd.flags&wire.CpgModelV1DeliverInitialTotemConf != 0 && !pd.initialTotemConfSent {
			pd.initialTotemConfSent = true
			e.notifyTotemMembership(pd, e.myOldMembers)
		}
	})
}

// notifyTotemMembership is notify_lib_totem_membership: to one connection,
// or to every listed one when pd is nil.
func (e *Engine) notifyTotemMembership(pd *cpd, members []uint32) {
	ev := (&wire.CpgTotemConfchg{RingID: e.lastSyncRing, Members: members}).Append(nil)
	if pd != nil {
		e.dispatchSend(pd, ev)
		return
	}
	e.eachPD(func(pd *cpd) { e.dispatchSend(pd, ev) })
}
