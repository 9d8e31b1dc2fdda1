package votequorum

import (
	"fmt"

	"github.com/gorosync/gorosync/wire"
)

// Deliver handles one exec message of the votequorum service in agreed
// order; sender is the originating node id.
func (e *Engine) Deliver(sender uint32, msg []byte) error {
	h, err := wire.DecodeRequestHeader(msg)
	if err != nil {
		return err
	}
	svc, fn := wire.SplitServiceID(h.ID)
	if svc != wire.VotequorumService {
		return fmt.Errorf("votequorum: message for service %d", svc)
	}
	m, err := wire.DecodeExec(msg)
	if err != nil {
		return err
	}
	_ = fn
	switch v := m.(type) {
	case *wire.VotequorumNodeinfo:
		e.handleNodeinfo(sender, v)
	case *wire.VotequorumReconfigure:
		e.handleReconfigure(sender, v)
	case *wire.VotequorumQdeviceReg:
		e.handleQdeviceReg(sender, v)
	case *wire.VotequorumQdeviceReconfigure:
		e.logf(LevelDebug, "Received qdevice name change req from node %d [from: %s to: %s]", sender, v.OldName, v.NewName)
		if v.OldName == e.qdeviceName {
			e.logf(LevelDebug, "Allowing qdevice rename")
			e.qdeviceName = v.NewName
		}
	default:
		return fmt.Errorf("votequorum: unexpected message %T", m)
	}
	return nil
}

func decodeFlags(f uint32) string {
	yn := func(b uint32) string {
		if f&b != 0 {
			return "Yes"
		}
		return "No"
	}
	return fmt.Sprintf("flags: quorate: %s Leaving: %s WFA Status: %s First: %s Qdevice: %s QdeviceAlive: %s QdeviceCastVote: %s QdeviceMasterWins: %s",
		yn(flagQuorate), yn(flagLeaving), yn(flagWFA), yn(flagFirst), yn(flagQdevReg), yn(flagQdevAlive), yn(flagQdevCast), yn(flagQdevMaster))
}

// handleNodeinfo is message_handler_req_exec_votequorum_nodeinfo.
func (e *Engine) handleNodeinfo(sender uint32, m *wire.VotequorumNodeinfo) {
	e.logf(LevelDebug, "got nodeinfo message from cluster node %d", sender)
	e.logf(LevelDebug, "nodeinfo message[%d]: votes: %d, expected: %d flags: %d", m.NodeID, m.Votes, m.ExpectedVotes, m.Flags)
	if m.NodeID != wire.VotequorumQdeviceNodeID {
		e.logf(LevelDebug, "%s", decodeFlags(m.Flags))
	}
	n := e.findNode(m.NodeID)
	newNode := n == nil
	if newNode {
		n = e.allocateNode(m.NodeID)
		if n == nil {
			// C calls error_memory_failure() and the daemon dies
			return
		}
	}
	var oldVotes, oldExpected, oldFlags uint32
	oldState := NodeStateDead
	if !newNode {
		oldVotes, oldExpected, oldState, oldFlags = n.votes, n.expected, n.state, n.flags
	}
	allowDowngrade, byNode := false, false

	if m.NodeID == wire.VotequorumQdeviceNodeID {
		s := e.findNode(sender)
		// C asserts the sender is known: a qdevice NODEINFO always follows
		// the sender's own NODEINFO in the same sync round.
		if s != nil && !e.clusterIsQuorate && s.flags&flagQuorate != 0 {
			n.votes = m.Votes
		} else {
			n.votes = maxU(n.votes, m.Votes)
		}
	} else {
		n.flags = m.Flags
		n.votes = m.Votes
		n.state = NodeStateMember
		if n.flags&flagLeaving != 0 {
			n.state = NodeStateLeaving
			allowDowngrade, byNode = true, true
		}
		if !e.clusterIsQuorate && n.flags&flagQuorate != 0 {
			allowDowngrade = true
			e.us.expected = m.ExpectedVotes
		}
		if n.flags&flagQuorate != 0 || e.evTracking {
			n.expected = m.ExpectedVotes
		} else {
			n.expected = e.us.expected
		}
		if e.lastManStanding && n.votes > 1 {
			e.logf(LevelWarning, "Last Man Standing feature is supported only when all"+
				"cluster nodes votes are set to 1. Disabling LMS.")
			e.lastManStanding = false
			e.lmsTimerSet = false
		}
	}
	if newNode || m.NodeID == e.us.id || n.flags&flagFirst != 0 || oldVotes != n.votes ||
		oldExpected != n.expected || oldFlags != n.flags || oldState != n.state {
		e.recalculateQuorum(allowDowngrade, byNode)
	}
	if e.waitForAll && n.flags&flagWFA == 0 && n.flags&flagQuorate != 0 {
		e.updateWaitForAllStatus(false)
	}
}

// handleReconfigure is message_handler_req_exec_votequorum_reconfigure.
func (e *Engine) handleReconfigure(sender uint32, m *wire.VotequorumReconfigure) {
	e.logf(LevelDebug, "got reconfigure message from cluster node %d for %d", sender, m.NodeID)
	switch m.Param {
	case paramExpectedVotes:
		e.updateNodeExpectedVotes(m.Value)
		e.sendExpectedVotesNotification()
		e.updateEvBarrier(m.Value)
		if e.evTracking {
			e.us.expected = maxU(e.us.expected, e.evTrackingBarrier)
		}
		e.recalculateQuorum(true, false)
	case paramNodeVotes:
		n := e.findNode(m.NodeID)
		if n == nil {
			return
		}
		n.votes = m.Value
		e.recalculateQuorum(true, false)
	case paramCancelWFA:
		e.updateWaitForAllStatus(false)
		e.logf(LevelInfo, "wait_for_all_status reset by user on node %d.", m.NodeID)
		e.recalculateQuorum(false, false)
	}
}

// handleQdeviceReg is message_handler_req_exec_votequorum_qdevice_reg.
func (e *Engine) handleQdeviceReg(sender uint32, m *wire.VotequorumQdeviceReg) {
	e.logf(LevelDebug, "Received qdevice op %d req from node %d [%s]", m.Operation, sender, m.Name)
	switch m.Operation {
	case wire.VotequorumQdeviceOperationRegister:
		if sender != e.us.id {
			if e.qdeviceName == "" {
				e.logf(LevelDebug, "Remote qdevice name recorded")
				e.qdeviceName = m.Name
			}
			return
		}
		if e.us.flags&flagQdevReg != 0 {
			return
		}
		if e.qdeviceRegConn == nil {
			e.logf(LevelWarning, "Unable to determine origin of the qdevice register call!")
			return
		}
		if e.qdeviceName == "" {
			e.qdeviceName = m.Name
		}
		res := wire.CsOK
		if m.Name == e.qdeviceName {
			e.us.flags |= flagQdevReg
			_ = e.sendNodeinfo(0)
			_ = e.sendNodeinfo(e.us.id)
		} else {
			e.logf(LevelWarning, "A new qdevice with different name (new: %s old: %s) is trying to register!", m.Name, e.qdeviceName)
			res = wire.CsErrExist
		}
		conn, done := e.qdeviceRegConn, e.qdeviceRegDone
		e.qdeviceRegConn, e.qdeviceRegDone = nil, nil
		if done != nil {
			done(conn, res)
		}
	case wire.VotequorumQdeviceOperationUnregister:
		wipe := true
		for _, n := range e.nodes {
			if n.state == NodeStateMember && n.flags&flagQdevReg != 0 {
				wipe = false
			}
		}
		if wipe {
			e.qdeviceName = ""
		}
	}
}
