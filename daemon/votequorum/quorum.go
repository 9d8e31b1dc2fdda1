package votequorum

import "github.com/gorosync/gorosync/wire"

const (
	flagQuorate    = wire.NodeFlagsQuorate
	flagLeaving    = wire.NodeFlagsLeaving
	flagWFA        = wire.NodeFlagsWFAStatus
	flagFirst      = wire.NodeFlagsFirst
	flagQdevReg    = wire.NodeFlagsQdeviceRegistered
	flagQdevAlive  = wire.NodeFlagsQdeviceAlive
	flagQdevCast   = wire.NodeFlagsQdeviceCastVote
	flagQdevMaster = wire.NodeFlagsQdeviceMasterWins

	paramExpectedVotes = wire.VotequorumReconfigParamExpectedVotes
	paramNodeVotes     = wire.VotequorumReconfigParamNodeVotes
	paramCancelWFA     = wire.VotequorumReconfigParamCancelWFA
)

func maxU(a, b uint32) uint32 {
	if a > b {
		return a
	}
	return b
}

// calculateQuorum is calculate_quorum: the OpenVMS rule
// max((highest_expected+2)/2, (total_votes+2)/2), never lower than the
// current quorum unless allowed, and 1 for two_node with at most 2 nodes.
func (e *Engine) calculateQuorum(allowDecrease bool, maxExpected uint32) (newQuorum, totalVotes uint32) {
	if e.allowDownscale && allowDecrease && maxExpected != 0 {
		maxExpected = maxU(e.evBarrier, maxExpected)
	}
	var highest, totalNodes uint32
	for _, n := range e.nodes {
		if n.state == NodeStateMember {
			highest = maxU(highest, n.expected)
			totalVotes += n.votes
			totalNodes++
		}
	}
	if e.us.flags&flagQdevCast != 0 {
		totalVotes += e.qdevice.votes
		totalNodes++
	}
	if maxExpected > 0 {
		highest = maxExpected
	}
	newQuorum = maxU((highest+2)/2, (totalVotes+2)/2)
	if !allowDecrease {
		newQuorum = maxU(uint32(e.quorum), newQuorum)
	}
	if e.twoNode && totalNodes <= 2 {
		newQuorum = 1
	}
	return newQuorum, totalVotes
}

func (e *Engine) updateNodeExpectedVotes(v uint32) {
	if v == 0 {
		return
	}
	for _, n := range e.nodes {
		if n.state == NodeStateMember {
			n.expected = v
		}
	}
}

func (e *Engine) memberPresent(id int32) bool {
	for _, n := range e.nodes {
		if n.state == NodeStateMember && int32(n.id) == id {
			return true
		}
	}
	return false
}

func (e *Engine) getLowestNodeID() {
	e.lowestNodeID = int32(e.us.id)
	for _, n := range e.nodes {
		if n.state == NodeStateMember && int32(n.id) < e.lowestNodeID {
			e.lowestNodeID = int32(n.id)
		}
	}
	e.logf(LevelDebug, "lowest node id: %d us: %d", uint32(e.lowestNodeID), e.us.id)
	e.setU32("runtime.votequorum.lowest_node_id", uint32(e.lowestNodeID))
}

func (e *Engine) getHighestNodeID() {
	e.highestNodeID = int32(e.us.id)
	for _, n := range e.nodes {
		if n.state == NodeStateMember && int32(n.id) > e.highestNodeID {
			e.highestNodeID = int32(n.id)
		}
	}
	e.logf(LevelDebug, "highest node id: %d us: %d", uint32(e.highestNodeID), e.us.id)
	e.setU32("runtime.votequorum.highest_node_id", uint32(e.highestNodeID))
}

func inList(id uint32, l []uint32) bool {
	for _, x := range l {
		if x == id {
			return true
		}
	}
	return false
}

// checkAutoTieBreaker is check_auto_tie_breaker: for a list, the first list
// node in our partition wins unless an earlier list node was in the previous
// partition (it may be on the other side).
func (e *Engine) checkAutoTieBreaker() bool {
	switch e.atb {
	case atbLowest:
		return e.memberPresent(e.lowestNodeID)
	case atbHighest:
		return e.memberPresent(e.highestNodeID)
	}
	for i, id := range e.atbNodelist {
		if inList(id, e.quorumMembers) {
			for _, prev := range e.atbNodelist[:i] {
				if inList(prev, e.previousMembers) {
					e.logf(LevelDebug, "ATB_LIST found node %d in previous partition but not here, quorum denied", prev)
					return false
				}
			}
			return true
		}
	}
	return false
}

func (e *Engine) checkQdeviceMaster() bool {
	for _, n := range e.nodes {
		if n.state == NodeStateMember && n.flags&flagQdevMaster != 0 && n.flags&flagQdevCast != 0 {
			return true
		}
	}
	return false
}

// areWeQuorate is are_we_quorate.
func (e *Engine) areWeQuorate(totalVotes uint32) {
	if e.waitForAll && e.waitForAllStatus {
		if totalVotes != e.us.expected {
			e.logf(LevelNotice, "Waiting for all cluster members. Current votes: %d expected_votes: %d",
				totalVotes, e.us.expected)
			return
		}
		e.updateWaitForAllStatus(false)
	}
	quorate := true
	if uint32(e.quorum) > totalVotes {
		quorate = false
	} else {
		e.getLowestNodeID()
		e.getHighestNodeID()
	}
	if e.atb != atbNone && totalVotes == e.us.expected/2 &&
		len(e.previousMembers)-len(e.quorumMembers) < int(e.quorum) &&
		e.checkAutoTieBreaker() {
		quorate = true
	}
	if e.qdeviceMasterWins && !quorate && e.checkQdeviceMaster() {
		e.logf(LevelDebug, "node is quorate as part of master_wins partition")
		quorate = true
	}
	change := e.clusterIsQuorate != quorate
	if change && quorate {
		e.logf(LevelDebug, "quorum regained, resuming activity")
	} else if change {
		e.logf(LevelDebug, "quorum lost, blocking activity")
	}
	e.clusterIsQuorate = quorate
	if quorate {
		e.us.flags |= flagQuorate
	} else {
		e.us.flags &^= flagQuorate
	}
	if e.waitForAll {
		e.updateWaitForAllStatus(!quorate)
	}
	if change && !e.syncInProgress {
		e.quorumCallback()
		e.sendQuorumNotification(nil, 0)
	}
}

func (e *Engine) quorumCallback() {
	if e.h.Quorum != nil {
		e.h.Quorum(e.Members(), e.clusterIsQuorate, e.quorumRingID)
	}
}

// totalVotes is get_total_votes (it counts the qdevice whenever it has
// votes, unlike calculate_quorum).
func (e *Engine) totalVotes() (votes, members uint32) {
	for _, n := range e.nodes {
		if n.state == NodeStateMember {
			members++
			votes += n.votes
		}
	}
	if e.qdevice.votes != 0 {
		votes += e.qdevice.votes
		members++
	}
	return
}

// recalculateQuorum is recalculate_quorum.
func (e *Engine) recalculateQuorum(allowDecrease, byCurrentNodes bool) {
	total, members := e.totalVotes()
	if !byCurrentNodes {
		members = 0
	}
	e.logf(LevelDebug, "total_votes=%d, expected_votes=%d", total, e.us.expected)
	if total > e.us.expected {
		e.us.expected = total
		e.sendExpectedVotesNotification()
	}
	if e.evTracking && e.us.expected > e.evTrackingBarrier {
		e.updateEvTrackingBarrier(e.us.expected)
	}
	q, total := e.calculateQuorum(allowDecrease, members)
	e.quorum = uint8(q)
	e.updateNodeExpectedVotes(members)
	e.areWeQuorate(total)
}
