package cfg

import (
	"time"

	"github.com/gorosync/gorosync/daemon/logsys"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

type shutdownReply int

const (
	replyUnknown shutdownReply = iota
	replyYes
	replyNo
)

// shutdownState is exec/cfg.c's set of statics controlling a requested
// shutdown (shutdown_con, shutdown_flags, shutdown_yes/no/expected and the
// timer).
type shutdownState struct {
	con               *connInfo // the connection waiting for its TRYSHUTDOWN answer
	flags             uint32
	yes, no, expected int
	stopTimer         func() bool
	timerGen          uint64 // a timer firing with an older generation was deleted
}

// tryShutdown is message_handler_req_lib_cfg_tryshutdown. Unless flags is
// IMMEDIATE or nobody tracks, the answer is deferred until every tracker
// has replied or the timer fires.
func (e *Engine) tryShutdown(c *ipc.Conn, msg []byte) {
	req, err := wire.DecodeCfgReqTryShutdown(msg)
	if err != nil {
		e.respond(c, wire.CfgResPlain(wire.MessageResCfgTryShutdown, wire.CsErrInvalidParam))
		return
	}
	ci, _ := c.Context().(*connInfo)
	var out effects
	defer out.run()
	e.mu.Lock()
	defer e.mu.Unlock()

	if req.Flags == wire.CfgShutdownFlagImmediate {
		e.sendShutdown(&out)
		out.add(func() { e.respond(c, wire.CfgResPlain(wire.MessageResCfgTryShutdown, wire.CsOK)) })
		return
	}
	if e.sd.con != nil {
		out.add(func() { e.respond(c, wire.CfgResPlain(wire.MessageResCfgTryShutdown, wire.CsErrExist)) })
		return
	}
	ci.requested = true
	e.sd.con = ci
	e.sd.flags = req.Flags
	e.sd.yes, e.sd.no, e.sd.expected = 0, 0, 0
	for _, t := range e.trackers {
		if t != ci {
			t.reply = replyUnknown
			e.sd.expected++
		}
	}
	if e.sd.expected == 0 {
		// C leaves shutdown_con set here until the requester disconnects;
		// a REPLYTOSHUTDOWN meanwhile then answers the requester a second
		// time (a stray response that desynchronizes its connection) and
		// a TRACKSTART gets a TESTSHUTDOWN for a decided shutdown. The
		// session is over, so we close it.
		e.sd.con = nil
		out.add(func() { e.respond(c, wire.CfgResPlain(wire.MessageResCfgTryShutdown, wire.CsOK)) })
		e.sendShutdown(&out)
		return
	}
	timeout := DefaultShutdownTimeout
	if ms, err := e.cfg.Map.GetUint32("cfg.shutdown_timeout"); err == nil {
		timeout = time.Duration(ms) * time.Millisecond
	}
	e.sd.timerGen++
	gen := e.sd.timerGen
	e.sd.stopTimer = e.cfg.AfterFunc(timeout, func() { e.shutdownTimer(gen) })
	e.sendTestShutdown(nil, c, wire.CsOK, &out)
}

// replyToShutdown is message_handler_req_lib_cfg_replytoshutdown. Like C
// it neither checks that the replier was asked nor that it answers once.
func (e *Engine) replyToShutdown(c *ipc.Conn, msg []byte) {
	req, err := wire.DecodeCfgReqReplyToShutdown(msg)
	if err != nil {
		e.respond(c, wire.CfgResPlain(wire.MessageResCfgReplyToShutdown, wire.CsErrInvalidParam))
		return
	}
	ci, _ := c.Context().(*connInfo)
	var out effects
	defer out.run()
	e.mu.Lock()
	defer e.mu.Unlock()
	status := wire.CsOK
	if e.sd.con == nil {
		status = wire.CsErrAccess
	} else {
		if req.Response != 0 {
			e.sd.yes++
			ci.reply = replyYes
		} else {
			e.sd.no++
			ci.reply = replyNo
		}
		e.checkShutdownStatus(&out)
	}
	out.add(func() { e.respond(c, wire.CfgResPlain(wire.MessageResCfgReplyToShutdown, status)) })
}

// trackStart is message_handler_req_lib_cfg_trackstart: only shutdown
// tracking exists. A newcomer during a shutdown is asked at once.
func (e *Engine) trackStart(c *ipc.Conn, msg []byte) {
	if _, err := wire.DecodeCfgReqTrackStart(msg); err != nil {
		e.respond(c, wire.CfgResPlain(wire.MessageResCfgStateTrackStart, wire.CsErrInvalidParam))
		return
	}
	ci, _ := c.Context().(*connInfo)
	var out effects
	defer out.run()
	e.mu.Lock()
	defer e.mu.Unlock()
	if !ci.tracking {
		ci.tracking = true
		e.trackers = append([]*connInfo{ci}, e.trackers...)
		if e.sd.con != nil {
			ci.reply = replyUnknown
			e.sd.expected++
			e.sendTestShutdown(ci, nil, wire.CsOK, &out)
		}
	}
	out.add(func() { e.respond(c, wire.CfgResPlain(wire.MessageResCfgStateTrackStart, wire.CsOK)) })
}

// trackStop is message_handler_req_lib_cfg_trackstop.
func (e *Engine) trackStop(c *ipc.Conn, _ []byte) {
	ci, _ := c.Context().(*connInfo)
	var out effects
	e.mu.Lock()
	e.removeFromShutdown(ci, &out)
	e.mu.Unlock()
	out.add(func() { e.respond(c, wire.CfgResPlain(wire.MessageResCfgStateTrackStop, wire.CsOK)) })
	out.run()
}

// removeFromShutdown is remove_ci_from_shutdown: the requester leaving
// cancels the session; a tracker leaving counts as YES.
func (e *Engine) removeFromShutdown(ci *connInfo, out *effects) {
	if ci == e.sd.con {
		e.sd.con = nil
		e.deleteTimer()
	}
	if !ci.tracking {
		return
	}
	ci.tracking = false
	for i, t := range e.trackers {
		if t == ci {
			e.trackers = append(e.trackers[:i:i], e.trackers[i+1:]...)
			break
		}
	}
	if e.sd.con != nil {
		switch ci.reply {
		case replyYes:
			e.sd.yes--
		case replyNo:
			e.sd.no--
		}
	}
	ci.reply = replyYes
	e.sd.yes++
	e.checkShutdownStatus(out)
}

// checkShutdownStatus is check_shutdown_status: once every expected
// answer is in, the requester learns the verdict.
func (e *Engine) checkShutdownStatus(out *effects) {
	con := e.sd.con
	if con == nil {
		return
	}
	if e.sd.yes+e.sd.no < e.sd.expected {
		return
	}
	e.deleteTimer()
	if e.sd.yes >= e.sd.expected || e.sd.flags == wire.CfgShutdownFlagRegardless {
		out.add(func() { e.respond(con.c, wire.CfgResPlain(wire.MessageResCfgTryShutdown, wire.CsOK)) })
		e.sd.con = nil
		e.sendShutdown(out)
	} else {
		out.add(func() { e.respond(con.c, wire.CfgResPlain(wire.MessageResCfgTryShutdown, wire.CsErrBusy)) })
		e.sd.con = nil
	}
	e.logf(logsys.Debug, "shutdown decision is: (yes count: %d, no count: %d) flags=%x",
		e.sd.yes, e.sd.no, e.sd.flags)
}

// shutdownTimer is shutdown_timer_fn: undecided trackers count as NO and
// every tracker hears CS_ERR_TIMEOUT.
func (e *Engine) shutdownTimer(gen uint64) {
	var out effects
	e.mu.Lock()
	if gen != e.sd.timerGen || e.sd.stopTimer == nil {
		e.mu.Unlock()
		return
	}
	e.sd.stopTimer = nil
	e.sd.no = e.sd.expected
	e.checkShutdownStatus(&out)
	e.sendTestShutdown(nil, nil, wire.CsErrTimeout, &out)
	e.mu.Unlock()
	out.run()
}

func (e *Engine) deleteTimer() {
	if e.sd.stopTimer != nil {
		e.sd.stopTimer()
		e.sd.stopTimer = nil
	}
	e.sd.timerGen++
}

// sendTestShutdown is send_test_shutdown: to only, or to every tracker but
// exclude. C compares exclude with cfg_info.conn, which is only set on a
// connection that has itself asked for a shutdown; so the broadcast after
// a timeout (exclude NULL) skips every tracker that never did, and
// pacemakerd never hears CS_ERR_TIMEOUT. Checked against the C daemon
// (interop testdata/cfgtool/tracker.txt).
func (e *Engine) sendTestShutdown(only *connInfo, exclude *ipc.Conn, status wire.CsError, out *effects) {
	ev := (&wire.CfgTestShutdown{Error: status, Flags: e.sd.flags}).Append(nil)
	targets := []*connInfo{only}
	if only == nil {
		targets = nil
		for _, t := range e.trackers {
			var conn *ipc.Conn
			if t.requested {
				conn = t.c
			}
			if conn != exclude {
				targets = append(targets, t)
			}
		}
	}
	for _, t := range targets {
		out.add(func() {
			if err := t.c.SendEvent(ev); err != nil {
				e.logf(logsys.Debug, "testshutdown to conn %d not sent: %v", t.c.ID(), err)
			}
		})
	}
}

// sendShutdown is send_shutdown: tell every node, ourselves included; we
// leave when our own message comes back (Deliver).
func (e *Engine) sendShutdown(out *effects) {
	msg, _ := (&wire.CfgShutdown{}).Append(nil)
	out.add(func() {
		if err := e.cfg.Node.Mcast(msg); err != nil {
			e.logf(logsys.Error, "cannot multicast the shutdown message: %v", err)
		}
	})
}
