package cpg

import (
	"github.com/gorosync/gorosync/wire"
)

// LibInit is cpg_lib_init_fn: a new library connection (after the IPC
// handshake, so that events can be sent to it).
func (e *Engine) LibInit(c Conn) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, dup := e.conns[c]; dup {
		return
	}
	pd := &cpd{conn: c, cookie: e.nextCookie, listed: true}
	e.nextCookie++
	e.conns[c] = pd
	e.pds = append(e.pds, pd)
	e.debugf("lib_init_fn: conn=%d", pd.cookie)
}

// LibExit is cpg_lib_exit_fn: the connection is gone. A process still
// joined (or still joining) leaves with reason PROCDOWN.
func (e *Engine) LibExit(c Conn) {
	e.mu.Lock()
	defer e.mu.Unlock()
	pd := e.conns[c]
	if pd == nil {
		return
	}
	e.debugf("exit_fn for conn=%d", pd.cookie)
	if pd.group.Length > 0 && pd.state != cpdLeaveStarted {
		l := wire.CpgProcleave{Group: pd.group, PID: pd.pid, Reason: wire.CpgReasonProcDown}
		b, _ := l.Append(nil)
		if e.send(b) != nil {
			e.pending = append(e.pending, b)
		}
	}
	e.zcbAllFree(pd)
	for len(pd.iterations) > 0 {
		e.iterationFinalize(pd.iterations[0])
	}
	if pd.listed {
		e.unlist(pd)
	}
	delete(e.conns, c)
}

// libHandler is one entry of cpg_lib_engine.
type libHandler struct {
	fn          func(e *Engine, pd *cpd, msg []byte)
	flowControl bool // CS_LIB_FLOW_CONTROL_REQUIRED
}

// libEngine is cpg_lib_engine, indexed by request id.
var libEngine = [...]libHandler{
	wire.MessageReqCpgJoin:                {(*Engine).libJoin, true},
	wire.MessageReqCpgLeave:               {(*Engine).libLeave, true},
	wire.MessageReqCpgMcast:               {(*Engine).libMcast, true},
	wire.MessageReqCpgMembership:          {(*Engine).libMembership, false},
	wire.MessageReqCpgLocalGet:            {(*Engine).libLocalGet, false},
	wire.MessageReqCpgIterationInitialize: {(*Engine).libIterationInitialize, false},
	wire.MessageReqCpgIterationNext:       {(*Engine).libIterationNext, false},
	wire.MessageReqCpgIterationFinalize:   {(*Engine).libIterationFinalize, false},
	wire.MessageReqCpgFinalize:            {(*Engine).libFinalize, true},
	wire.MessageReqCpgZcAlloc:             {(*Engine).libZcAlloc, true},
	wire.MessageReqCpgZcFree:              {(*Engine).libZcFree, true},
	wire.MessageReqCpgZcExecute:           {(*Engine).libZcExecute, true},
	wire.MessageReqCpgPartialMcast:        {(*Engine).libPartialMcast, true},
}

// LibRequestCount is lib_engine_count: ids from 0 to LibRequestCount-1.
const LibRequestCount = len(libEngine)

// FlowControlled reports whether request id is CS_LIB_FLOW_CONTROL_REQUIRED.
func FlowControlled(id int32) bool {
	return id >= 0 && int(id) < len(libEngine) && libEngine[id].flowControl
}

// LibRequest serves one library request (msg includes the header). The
// caller has done corosync's dispatch checks (id in range, flow control).
func (e *Engine) LibRequest(c Conn, msg []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	h, err := wire.DecodeRequestHeader(msg)
	if err != nil || h.ID < 0 || int(h.ID) >= len(libEngine) {
		invalidParam(c, h.ID)
		return
	}
	pd := e.conns[c]
	if pd == nil {
		// A request racing the close; nothing to answer to.
		return
	}
	libEngine[h.ID].fn(e, pd, msg)
}

// invalidParam answers as cs_ipcs_msg_process does for a request it cannot
// take (C would read past a too-short request instead). MCAST has no
// response at all.
func invalidParam(c Conn, id int32) {
	if id == wire.MessageReqCpgMcast {
		return
	}
	c.Respond(wire.AppendCpgResHeader(nil, 0, wire.CsErrInvalidParam))
}

func (e *Engine) respond(pd *cpd, msg []byte) {
	if err := pd.conn.Respond(msg); err != nil {
		e.log.Warn("cpg response not sent", "conn", pd.cookie, "err", err)
	}
}

// libJoin is message_handler_req_lib_cpg_join.
func (e *Engine) libJoin(pd *cpd, msg []byte) {
	req, err := wire.DecodeCpgReqJoin(msg)
	if err != nil {
		invalidParam(pd.conn, wire.MessageReqCpgJoin)
		return
	}
	e.respond(pd, wire.AppendCpgResHeader(nil, wire.MessageResCpgJoin, e.join(pd, req)))
}

func (e *Engine) join(pd *cpd, req *wire.CpgReqJoin) wire.CsError {
	exist := false
	e.eachPD(func(o *cpd) {
		if o.pid == req.PID && req.Group.Equal(&o.group) {
			exist = true
		}
	})
	if exist {
		return wire.CsErrExist
	}
	// A leave of the same process may not be delivered yet.
	for _, pi := range e.procs {
		if pi.nodeid == e.cfg.NodeID && pi.pid == req.PID && req.Group.Equal(&pi.group) {
			return wire.CsErrTryAgain
		}
	}
	if req.Group.Length > wire.CPGMaxNameLength {
		return wire.CsErrNameTooLong
	}
	switch pd.state {
	case cpdLeaveStarted:
		return wire.CsErrBusy
	case cpdJoinStarted, cpdJoinCompleted:
		return wire.CsErrExist
	}
	// C reserved queue room before calling the handler, so its send cannot
	// fail; ours can, and then nothing changes and the library retries.
	if err := e.joinleaveSend(req.PID, &req.Group, wire.MessageReqExecCpgProcjoin, wire.CpgReasonJoin); err != nil {
		return wire.CsErrTryAgain
	}
	pd.state = cpdJoinStarted
	pd.pid = req.PID
	pd.flags = req.Flags
	pd.group = req.Group
	return wire.CsOK
}

// libLeave is message_handler_req_lib_cpg_leave. As in C the PROCLEAVE
// carries the request's pid and group, not the connection's.
func (e *Engine) libLeave(pd *cpd, msg []byte) {
	req, err := wire.DecodeCpgReqLeave(msg)
	if err != nil {
		invalidParam(pd.conn, wire.MessageReqCpgLeave)
		return
	}
	e.debugf("got leave request on conn=%d", pd.cookie)
	res := wire.CsOK
	switch pd.state {
	case cpdUnjoined, cpdLeaveStarted:
		res = wire.CsErrNotExist
	case cpdJoinStarted:
		res = wire.CsErrBusy
	case cpdJoinCompleted:
		switch {
		case req.Group.Length > wire.CPGMaxNameLength:
			// Unencodable (libcpg refuses such names before sending).
			res = wire.CsErrNameTooLong
		case e.joinleaveSend(req.PID, &req.Group, wire.MessageReqExecCpgProcleave, wire.CpgReasonLeave) != nil:
			res = wire.CsErrTryAgain
		default:
			pd.state = cpdLeaveStarted
		}
	}
	e.respond(pd, wire.AppendCpgResHeader(nil, wire.MessageResCpgLeave, res))
}

// libFinalize is message_handler_req_lib_cpg_finalize: the connection stops
// getting events; the PROCDOWN leave, if any, comes with the disconnect.
func (e *Engine) libFinalize(pd *cpd, msg []byte) {
	e.debugf("cpg finalize for conn=%d", pd.cookie)
	if pd.listed {
		e.unlist(pd)
	}
	e.respond(pd, wire.AppendCpgResHeader(nil, wire.MessageResCpgFinalize, wire.CsOK))
}

// canMcast is the state switch shared by the mcast handlers.
func canMcast(pd *cpd) wire.CsError {
	if pd.state == cpdJoinStarted || pd.state == cpdJoinCompleted {
		return wire.CsOK
	}
	return wire.CsErrNotExist
}

func (e *Engine) source(pd *cpd) wire.MessageSource {
	return wire.MessageSource{NodeID: e.cfg.NodeID, Conn: pd.cookie}
}

// mcastHeader builds struct req_exec_cpg_mcast for msglen bytes that the
// caller passes as a second iovec, so the payload is not copied here.
func (e *Engine) mcastHeader(pd *cpd, msglen int) []byte {
	m := wire.CpgMcast{Group: pd.group, PID: pd.pid, Source: e.source(pd)}
	b, _ := m.Append(make([]byte, 0, wire.CpgMcastHeaderSize))
	// Append wrote size = header only; patch in the payload length.
	putU32(b[8:], uint32(wire.CpgMcastHeaderSize+msglen))
	putU32(b[152:], uint32(msglen))
	return b
}

// libMcast is message_handler_req_lib_cpg_mcast: no response, ever. The
// guarantee is ignored (every cpg message is sent AGREED), as in C.
func (e *Engine) libMcast(pd *cpd, msg []byte) {
	req, err := wire.DecodeCpgReqMcast(msg)
	if err != nil {
		e.log.Error("malformed cpg mcast request dropped", "conn", pd.cookie, "err", err)
		return
	}
	if res := canMcast(pd); res != wire.CsOK {
		e.log.Error("can't mcast to group", "conn", pd.cookie, "group", pd.group.String(), "state", pd.state.String(), "error", int(res))
		return
	}
	if err := e.send(e.mcastHeader(pd, len(req.Message)), req.Message); err != nil {
		// C asserts here (it reserved room before); the request is async,
		// so all we can do is say it was lost.
		e.log.Error("cpg mcast lost: totem queue full", "conn", pd.cookie, "err", err)
	}
}

// libPartialMcast is message_handler_req_lib_cpg_partial_mcast. A confchg
// delivered to this connection since its FIRST fragment makes every later
// fragment fail with CS_ERR_INTERRUPT.
func (e *Engine) libPartialMcast(pd *cpd, msg []byte) {
	req, err := wire.DecodeCpgReqPartialMcast(msg)
	if err != nil {
		invalidParam(pd.conn, wire.MessageReqCpgPartialMcast)
		return
	}
	e.debugf("Sending fragmented message size = %d bytes", len(req.Data))
	res := canMcast(pd)
	if req.Type == wire.CpgPartialFirst {
		pd.initialTransitionCounter = pd.transitionCounter
	}
	if pd.transitionCounter != pd.initialTransitionCounter {
		res = wire.CsErrInterrupt
	}
	if res == wire.CsOK {
		m := wire.CpgPartialMcast{Group: pd.group, MsgLen: req.MsgLen, PID: pd.pid, Type: req.Type, Source: e.source(pd)}
		hdr, _ := m.Append(make([]byte, 0, wire.CpgPartialMcastHeaderSize))
		putU32(hdr[8:], uint32(wire.CpgPartialMcastHeaderSize+len(req.Data)))
		putU32(hdr[160:], uint32(len(req.Data)))
		if e.send(hdr, req.Data) != nil {
			res = wire.CsErrTryAgain
		}
	} else {
		e.log.Error("can't mcast to group", "conn", pd.cookie, "group", pd.group.String(), "state", pd.state.String(), "error", int(res))
	}
	e.respond(pd, wire.AppendCpgResHeader(nil, wire.MessageResCpgPartialSend, res))
}

// libMembership is message_handler_req_lib_cpg_membership: every member
// of the group in process_info order (C writes past its array beyond 384
// members; we stop there).
func (e *Engine) libMembership(pd *cpd, msg []byte) {
	req, err := wire.DecodeCpgReqMembership(msg)
	if err != nil {
		invalidParam(pd.conn, wire.MessageReqCpgMembership)
		return
	}
	res := wire.CpgResMembership{Error: wire.CsOK}
	for _, pi := range e.procs {
		if pi.group.Equal(&req.Group) && len(res.Members) < wire.ProcessorCountMax {
			res.Members = append(res.Members, wire.CpgAddress{NodeID: pi.nodeid, PID: pi.pid})
		}
	}
	e.respond(pd, res.Append(nil))
}

// libLocalGet is message_handler_req_lib_cpg_local_get.
func (e *Engine) libLocalGet(pd *cpd, msg []byte) {
	e.respond(pd, wire.AppendCpgResU64(nil, wire.MessageResCpgLocalGet, wire.CsOK, uint64(e.cfg.NodeID)))
}

func putU32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}
