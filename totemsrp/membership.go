package totemsrp

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gorosync/gorosync/wire"
)

// gatherFrom is enum gather_state_from: why GATHER was entered (logged).
type gatherFrom int

const (
	gsConsensusTimeout gatherFrom = iota
	gsGatherMissing1
	gsTokenLostOperational
	gsConsensusTimeoutExpired
	gsTokenLostCommit
	gsTokenLostRecovery
	gsFailedToReceive
	gsForeignMessageOperational
	gsForeignMessageGather
	gsMergeDuringOperational
	gsMergeDuringGather
	gsMergeDuringJoin
	gsJoinDuringOperational
	gsJoinDuringCommit
	gsJoinDuringRecovery
	gsInterfaceChange
)

var gatherFromDesc = [...]string{
	gsConsensusTimeout:          "consensus timeout",
	gsGatherMissing1:            "MISSING",
	gsTokenLostOperational:      "The token was lost in the OPERATIONAL state.",
	gsConsensusTimeoutExpired:   "The consensus timeout expired.",
	gsTokenLostCommit:           "The token was lost in the COMMIT state.",
	gsTokenLostRecovery:         "The token was lost in the RECOVERY state.",
	gsFailedToReceive:           "failed to receive",
	gsForeignMessageOperational: "foreign message in operational state",
	gsForeignMessageGather:      "foreign message in gather state",
	gsMergeDuringOperational:    "merge during operational state",
	gsMergeDuringGather:         "merge during gather state",
	gsMergeDuringJoin:           "merge during join",
	gsJoinDuringOperational:     "join during operational state",
	gsJoinDuringCommit:          "join during commit state",
	gsJoinDuringRecovery:        "join during recovery",
	gsInterfaceChange:           "interface change",
}

// --- consensus list ---

func (n *Node) consensusReset() { n.consensus = n.consensus[:0] }

func (n *Node) consensusSet(addr uint32) {
	for i := range n.consensus {
		if n.consensus[i].addr == addr {
			n.consensus[i].set = true
			return
		}
	}
	n.consensus = append(n.consensus, consensusItem{addr: addr, set: true})
}

func (n *Node) consensusIsSet(addr uint32) bool {
	for _, c := range n.consensus {
		if c.addr == addr {
			return c.set
		}
	}
	return false
}

// consensusAgreed is memb_consensus_agreed: every member of proc−failed
// has sent a JOIN with sets equal to mine.
func (n *Node) consensusAgreed() bool {
	for _, m := range setSubtract(n.procList, n.failedList) {
		if !n.consensusIsSet(m) {
			return false
		}
	}
	return true
}

func (n *Node) consensusTimeoutExpired() {
	n.stats.ConsensusTimeouts++
	if n.consensusAgreed() {
		n.consensusReset()
		n.consensusSet(n.myID)
		n.resetTokenTimeout()
		return
	}
	var notSet []uint32
	for _, p := range n.procList {
		if !n.consensusIsSet(p) {
			notSet = append(notSet, p)
		}
	}
	n.failedList = setMerge(n.failedList, notSet...)
	n.gatherEnter(gsConsensusTimeout)
}

// lowestInConfig is memb_lowest_in_config.
func (n *Node) lowestInConfig() bool {
	memb := setSubtract(n.procList, n.failedList)
	if len(memb) == 0 {
		return false
	}
	return slices.Min(memb) == n.myID
}

// --- old ring state (saved at COMMIT, restored if RECOVERY fails) ---

func (n *Node) oldRingStateSave() {
	if !n.oldRingSaved {
		n.oldRingSaved = true
		n.oldRingID = n.ringID
		n.oldRingAru = n.aru
		n.oldRingHighSeqRcv = n.highSeqReceived
		n.logf(LogDebug, "Saving state aru %x high seq received %x", n.aru, n.highSeqReceived)
	}
}

func (n *Node) oldRingStateRestore() {
	n.aru = n.oldRingAru
	n.highSeqReceived = n.oldRingHighSeqRcv
	n.logf(LogDebug, "Restoring instance->my_aru %x my high seq received %x", n.aru, n.highSeqReceived)
}

func (n *Node) oldRingStateReset() {
	n.logf(LogDebug, "Resetting old ring state")
	n.oldRingSaved = false
}

func (n *Node) recoveryStateTokenLoss() {
	n.oldRingStateRestore()
	n.gatherEnter(gsTokenLostRecovery)
	n.stats.RecoveryTokenLost++
}

// --- state entry ---

func (n *Node) gatherEnter(from gatherFrom) {
	n.orfTokenDiscard = true
	n.originatedOrf = false
	n.procList = setMerge(n.procList, n.myID)
	n.membJoinMessageSend()
	n.timers.start(timerGatherJoin, n.now, n.cfg.Join)
	n.timers.start(timerGatherConsensus, n.now, n.cfg.Consensus)
	n.cancelTokenRetransmitTimeout()
	n.cancelTokenTimeout()
	n.cancelMergeDetectTimeout()
	n.consensusReset()
	n.consensusSet(n.myID)
	n.logf(LogDebug, "entering GATHER state from %d(%s).", int(from), gatherFromDesc[from])
	n.state = StateGather
	n.stats.GatherEntered++
	if from == gsConsensusTimeoutExpired {
		n.stats.ContinuousGather++
	}
}

func (n *Node) commitEnter() {
	n.dropPendingJoin()
	n.oldRingStateSave()
	n.commitTokenUpdate()
	n.commitTokenTargetSet()
	n.timers.cancel(timerGatherJoin)
	n.timers.cancel(timerGatherConsensus)
	n.ringID = n.commitToken.RingID
	n.rd.HasRingSeq, n.rd.RingSeq = true, n.ringID.Seq
	n.logf(LogDebug, "Storing new sequence id for ring %x", n.ringID.Seq)
	n.tokenRingIDSeq = n.ringID.Seq
	n.logf(LogDebug, "entering COMMIT state.")
	n.state = StateCommit
	n.resetTokenRetransmitTimeout()
	n.resetTokenTimeout()
	n.stats.CommitEntered++
	n.stats.ContinuousGather = 0
	n.trc, n.pbl, n.cbl = 0, 0, 0
	// totemnet calls target_set_completed at once for every transport.
	n.commitTokenSend(n.commitToken)
}

// commitTokenCreate is memb_state_commit_token_create (the rep's duty).
func (n *Node) commitTokenCreate() {
	n.logf(LogDebug, "Creating commit token because I am the rep.")
	memb := setSubtract(n.procList, n.failedList)
	slices.Sort(memb)
	n.commitToken = &wire.CommitToken{
		Header:   wire.SrpHeader{Type: wire.SrpCommitToken, NodeID: n.myID},
		RingID:   wire.RingID{Rep: n.myID, Seq: n.tokenRingIDSeq + 4},
		Addr:     memb,
		MembList: make([]wire.CommitMembEntry, len(memb)),
	}
}

// commitTokenUpdate is memb_state_commit_token_update: fill in my entry.
func (n *Node) commitTokenUpdate() {
	ct := n.commitToken
	n.newMembList = append(n.newMembList[:0], ct.Addr...)
	idx := int(ct.MembIndex)
	ml := ct.MembList
	ml[idx].RingID = n.oldRingID
	ml[idx].Aru = n.oldRingAru
	n.receivedFlg = n.aru == n.highSeqReceived
	ml[idx].ReceivedFlg = b2u(n.receivedFlg)
	ml[idx].HighDelivered = n.highDelivered
	// Entries of my old ring whose aru is below the highest one among them
	// cannot have received everything.
	highAru := ml[idx].Aru
	for i := 0; i <= idx; i++ {
		if ml[i].RingID == ml[idx].RingID && wire.SqLt(highAru, ml[i].Aru) {
			highAru = ml[i].Aru
		}
	}
	for i := 0; i <= idx; i++ {
		if ml[i].RingID == ml[idx].RingID && wire.SqLt(ml[i].Aru, highAru) {
			ml[i].ReceivedFlg = 0
			if i == idx {
				n.receivedFlg = false
			}
		}
	}
	ct.Header.NodeID = n.myID
	ct.MembIndex++
}

func (n *Node) commitTokenTargetSet() {
	ct := n.commitToken
	n.tokenTarget = ct.Addr[int(ct.MembIndex)%len(ct.Addr)]
}

// commitTokenSend is memb_state_commit_token_send(_recovery).
func (n *Node) commitTokenSend(ct *wire.CommitToken) {
	ct.TokenSeq++
	ct.Header.NodeID = n.myID
	ct.Header.TargetNodeID = n.tokenTarget
	frame := ct.Append(nil)
	n.tokenRetransmit, n.tokenRetransmitType = frame, wire.SrpCommitToken
	n.stats.MembCommitTokenTx++
	n.tokenSendBytes(wire.SrpCommitToken, frame)
	n.resetTokenRetransmitTimeout()
}

func (n *Node) recoveryEnter(ct *wire.CommitToken) {
	n.logf(LogDebug, "entering RECOVERY state.")
	n.orfTokenDiscard = false
	n.highRingDeliv = 0
	n.recoverySQ.reinit(0)
	n.retransMessageQueue = n.retransMessageQueue[:0]
	lowRingAru := n.oldRingHighSeqRcv

	n.commitTokenSend(ct)
	n.myTokenSeq = ^uint32(0)

	// Transitional configuration: new members that were in my old ring.
	n.transMembList = n.transMembList[:0]
	for _, m := range n.membList {
		for j, a := range n.newMembList {
			if a == m {
				if j < len(ct.MembList) && ct.MembList[j].RingID == n.oldRingID {
					n.transMembList = append(n.transMembList, a)
				}
				break
			}
		}
	}
	for i, m := range n.transMembList {
		n.logf(LogDebug, "TRANS [%d] member %d:", i, m)
	}
	for i, a := range ct.Addr {
		e := ct.MembList[i]
		n.logf(LogDebug, "position [%d] member %d:", i, a)
		n.logf(LogDebug, "previous ringid (%s)", e.RingID)
		n.logf(LogDebug, "aru %x high delivered %x received flag %d", e.Aru, e.HighDelivered, e.ReceivedFlg)
	}

	localReceivedFlg := true
	for i := range ct.Addr {
		if i < len(n.newMembList) && setHas(n.transMembList, n.newMembList[i]) && ct.MembList[i].ReceivedFlg == 0 {
			n.deliverMembList = append(n.deliverMembList[:0], n.transMembList...)
			localReceivedFlg = false
			break
		}
	}
	originated := 0
	if !localReceivedFlg {
		for i := range ct.Addr {
			if i < len(n.newMembList) && setHas(n.deliverMembList, n.newMembList[i]) && ct.MembList[i].RingID == n.oldRingID {
				if wire.SqLt(ct.MembList[i].Aru, lowRingAru) {
					lowRingAru = ct.MembList[i].Aru
				}
				if wire.SqLt(n.highRingDeliv, ct.MembList[i].HighDelivered) {
					n.highRingDeliv = ct.MembList[i].HighDelivered
				}
			}
		}
		rng := n.oldRingHighSeqRcv - lowRingAru
		if rng != 0 && rng < queueRtrItemsSizeMax {
			n.logf(LogDebug, "copying all old ring messages from %x-%x.", lowRingAru+1, n.oldRingHighSeqRcv)
			for i := uint32(1); i <= rng; i++ {
				sm := n.regularSQ.get(lowRingAru + i)
				if sm == nil {
					continue
				}
				originated++
				n.retransMessageQueue = append(n.retransMessageQueue, &wire.Mcast{
					Header:     wire.SrpHeader{Type: wire.SrpMcast, Encapsulated: wire.EncapsulatedMcast, NodeID: n.myID},
					SystemFrom: n.myID,
					Payload:    sm.frame,
				})
			}
			n.logf(LogDebug, "Originated %d messages in RECOVERY.", originated)
		}
	}
	if originated == 0 {
		n.logf(LogDebug, "Did not need to originate any messages in recovery.")
	}
	n.aru = 0
	n.aruCount = 0
	n.seqUnchanged = 0
	n.highSeqReceived = 0
	n.installSeq = 0
	// Deviation from C, which leaves these from an earlier RECOVERY that was
	// abandoned (token lost): with a stale rotation counter a node went
	// OPERATIONAL on its first token of the new ring, before the old-ring
	// messages were recovered (found by the simulation).
	n.retransFlgCount = 0
	n.rotationCounter = 0
	n.setRetransFlg = false
	n.lastReleased = 0
	n.resetTokenTimeout()
	n.resetTokenRetransmitTimeout()
	n.state = StateRecovery
	n.stats.RecoveryEntered++
	n.stats.ContinuousGather = 0
}

// deliverMessagesFromRecoveryToRegular unwraps the encapsulated old-ring
// messages received during RECOVERY into the old ring's sort queue.
func (n *Node) deliverMessagesFromRecoveryToRegular() {
	n.logf(LogDebug, "recovery to regular %x-%x", 1, n.aru)
	for i := uint32(1); i <= n.aru && i < queueRtrItemsSizeMax; i++ {
		sm := n.recoverySQ.get(i)
		if sm == nil || sm.hdr.Header.Encapsulated != wire.EncapsulatedMcast {
			continue
		}
		inner, err := wire.DecodeMcast(sm.hdr.Payload)
		if err != nil {
			continue
		}
		n.logf(LogDebug, "comparing if ring id is for this processors old ring seqno %d", inner.Seq)
		if inner.RingID != n.oldRingID {
			n.logf(LogDebug, "-not adding msg with seq no %d", inner.Seq)
			continue
		}
		if !n.regularSQ.inUse(inner.Seq) {
			n.regularSQ.add(inner.Seq, &storedMcast{frame: sm.hdr.Payload, hdr: *inner})
			if wire.SqLt(n.oldRingHighSeqRcv, inner.Seq) {
				n.oldRingHighSeqRcv = inner.Seq
			}
		}
	}
}

func (n *Node) operationalEnter() {
	n.originatedOrf = false
	n.consensusReset()
	n.oldRingStateReset()
	n.deliverMessagesFromRecoveryToRegular()

	n.logf(LogTrace, "Delivering to app %x to %x", n.highDelivered+1, n.oldRingHighSeqRcv)
	aruSave := n.aru
	n.aru = n.oldRingAru
	n.messagesDeliverToApp(false, n.oldRingHighSeqRcv)

	n.leftMembList = setSubtract(n.membList, n.transMembList)
	joined := setSubtract(n.newMembList, n.transMembList)

	n.membList = append(n.membList[:0], n.newMembList...)
	n.lastReleased = 0
	n.setRetransFlg = false

	n.rd.Deliveries = append(n.rd.Deliveries, Delivery{Kind: DeliverConfChg, ConfChg: &ConfChg{
		Type: ConfChgTransitional, Members: slices.Clone(n.transMembList),
		Left: slices.Clone(n.leftMembList), RingID: n.ringID,
	}})
	n.waitingTransAck = true
	// Messages after the first gap, from the transitional members only.
	n.messagesDeliverToApp(true, n.oldRingHighSeqRcv)
	n.rd.Deliveries = append(n.rd.Deliveries, Delivery{Kind: DeliverWaitingTransAck, WaitingTransAck: true})
	n.aru = aruSave

	n.rd.Deliveries = append(n.rd.Deliveries, Delivery{Kind: DeliverConfChg, ConfChg: &ConfChg{
		Type: ConfChgRegular, Members: slices.Clone(n.newMembList), Joined: slices.Clone(joined), RingID: n.ringID,
	}})

	n.regularSQ.copyFrom(n.recoverySQ)
	n.lastAru = 0
	n.procList = append(n.procList[:0], n.newMembList...)
	n.failedList = n.failedList[:0]

	// C's "not exactly to spec": skip to the last message present.
	i := n.highSeqReceived + 1
	for {
		i--
		present := n.regularSQ.inUse(i)
		if i == 0 || present {
			break
		}
	}
	n.highDelivered = i
	n.regularSQ.release(n.highDelivered)
	n.lastReleased = n.highDelivered

	var joinedMsg, leftMsg, failedMsg strings.Builder
	if len(joined) > 0 {
		joinedMsg.WriteString(" joined:")
		for _, j := range joined {
			fmt.Fprintf(&joinedMsg, " %d", j)
		}
	}
	if len(n.leftMembList) > 0 {
		leftMsg.WriteString(" left:")
		for _, l := range n.leftMembList {
			fmt.Fprintf(&leftMsg, " %d", l)
		}
		for _, l := range n.leftMembList {
			if !setHas(n.leaveMembList, l) {
				if failedMsg.Len() == 0 {
					failedMsg.WriteString(" failed:")
				}
				fmt.Fprintf(&failedMsg, " %d", l)
			}
		}
	}
	n.leaveMembList = n.leaveMembList[:0]
	n.logf(LogDebug, "entering OPERATIONAL state.")
	n.logf(LogNotice, "A new membership (%s) was formed. Members%s%s", n.ringID, joinedMsg.String(), leftMsg.String())
	if failedMsg.Len() > 0 {
		n.logf(LogNotice, "Failed to receive the leave message.%s", failedMsg.String())
	}
	n.state = StateOperational
	n.stats.OperationalEntered++
	n.stats.ContinuousGather = 0
	n.receivedFlg = true
	n.oldRingID = n.ringID
}

// --- JOIN / LEAVE ---

func (n *Node) membJoinMessageSend() {
	if wire.MembJoinHeaderSize+4*(len(n.procList)+len(n.failedList)) > 40000 {
		n.logf(LogError, "memb_join_message too long. Ignoring message.")
		return
	}
	j := &wire.MembJoin{
		Header:     wire.SrpHeader{Type: wire.SrpMembJoin, NodeID: n.myID},
		SystemFrom: n.myID,
		RingSeq:    n.ringID.Seq,
		ProcList:   slices.Clone(n.procList),
		FailedList: slices.Clone(n.failedList),
	}
	n.stats.MembJoinTx++
	n.joinSend(j)
}

func (n *Node) membLeaveMessageSend() {
	n.dropPendingJoin()
	n.logf(LogDebug, "sending join/leave message")
	n.failedList = setMerge(n.failedList, n.myID)
	active := setSubtract(n.procList, []uint32{n.myID})
	j := &wire.MembJoin{
		Header:     wire.SrpHeader{Type: wire.SrpMembJoin, NodeID: wire.LeaveDummyNodeID},
		SystemFrom: n.myID,
		RingSeq:    n.ringID.Seq,
		ProcList:   active,
		FailedList: slices.Clone(n.failedList),
	}
	n.stats.MembJoinTx++
	n.mcastFlushSend(j)
}

func (n *Node) leaveMembSet(id uint32) {
	if setHas(n.leaveMembList, id) {
		return
	}
	if len(n.leaveMembList) < wire.ProcessorCountMax-1 {
		n.leaveMembList = append(n.leaveMembList, id)
	} else {
		n.logf(LogWarning, "Cannot set LEAVE nodeid=%d", id)
	}
}

func (n *Node) handleMembJoin(j *wire.MembJoin) {
	// A LEAVE naming me can only be a stale one of a previous incarnation
	// of this node; C would put itself in its failed list and, with nobody
	// left in proc−failed, assert. Drop it.
	if j.Header.NodeID == wire.LeaveDummyNodeID && j.SystemFrom == n.myID {
		return
	}
	if n.tokenRingIDSeq < j.RingSeq {
		n.tokenRingIDSeq = j.RingSeq
	}
	switch n.state {
	case StateOperational:
		if !n.ignoreJoinUnderOperational(j) {
			n.membJoinProcess(j)
		}
	case StateGather:
		n.membJoinProcess(j)
	case StateCommit:
		if setHas(n.newMembList, j.SystemFrom) && j.RingSeq >= n.ringID.Seq {
			n.membJoinProcess(j)
			n.gatherEnter(gsJoinDuringCommit)
		}
	case StateRecovery:
		if setHas(n.newMembList, j.SystemFrom) && j.RingSeq >= n.ringID.Seq {
			n.membJoinProcess(j)
			n.recoveryStateTokenLoss()
			n.gatherEnter(gsJoinDuringRecovery)
		}
	}
}

func (n *Node) ignoreJoinUnderOperational(j *wire.MembJoin) bool {
	if setHas(j.FailedList, n.myID) {
		return true
	}
	return setHas(n.membList, j.SystemFrom) && j.RingSeq < n.ringID.Seq
}

func (n *Node) membJoinProcess(j *wire.MembJoin) {
	gatherEntered := false
	if j.Header.NodeID == wire.LeaveDummyNodeID {
		leaver := uint32(wire.LeaveDummyNodeID)
		if len(j.FailedList) > 0 {
			leaver = j.FailedList[len(j.FailedList)-1]
		}
		n.logf(LogDebug, "Received LEAVE message from %d", leaver)
		if len(j.FailedList) > 0 {
			n.leaveMembSet(leaver)
		}
	}
	from := j.SystemFrom
	switch {
	case setEqual(j.ProcList, n.procList) && setEqual(j.FailedList, n.failedList):
		if j.Header.NodeID != wire.LeaveDummyNodeID {
			n.consensusSet(from)
		}
		if n.consensusAgreed() && n.failedToRecv {
			n.failedToRecv = false
			n.procList = append(n.procList[:0], n.myID)
			n.failedList = n.failedList[:0]
			n.commitTokenCreate()
			n.commitEnter()
			return
		}
		if n.consensusAgreed() && n.lowestInConfig() {
			n.commitTokenCreate()
			n.commitEnter()
		}
	case setSubset(j.ProcList, n.procList) && setSubset(j.FailedList, n.failedList):
	case setHas(n.failedList, from):
	default:
		procBefore, failedBefore := len(n.procList), len(n.failedList)
		n.procList = setMerge(n.procList, j.ProcList...)
		if setHas(j.FailedList, n.myID) {
			n.failedList = setMerge(n.failedList, from)
		} else if setHas(n.membList, from) {
			if !setHas(n.failedList, from) {
				n.failedList = setMerge(n.failedList, j.FailedList...)
			} else {
				n.failedList = setMerge(n.failedList, setSubtract(j.FailedList, n.membList)...)
			}
		}
		// Deviation from C: C re-enters GATHER here even when nothing was
		// merged. Two nodes in GATHER whose failed lists are incomparable then
		// answer each other's JOIN forever, and since every re-entry restarts
		// the consensus timer, neither ever marks the missing node failed (a
		// JOIN storm and livelock the simulation finds within seconds). As in
		// the Totem paper, we only restart GATHER when our sets changed; the
		// join timer still re-sends our view every `join` ms.
		changed := len(n.procList) != procBefore || len(n.failedList) != failedBefore
		if changed || n.state != StateGather {
			n.gatherEnter(gsMergeDuringJoin)
		}
		gatherEntered = true
	}
	if !gatherEntered && n.state == StateOperational {
		n.gatherEnter(gsJoinDuringOperational)
	}
}

// --- commit token ---

func (n *Node) handleCommitToken(ct *wire.CommitToken) {
	n.logf(LogDebug, "got commit token")
	if len(ct.Addr) == 0 {
		return // C would divide by zero setting the token target
	}
	switch n.state {
	case StateGather:
		sub := setSubtract(n.procList, n.failedList)
		if setEqual(ct.Addr, sub) && ct.RingID.Seq > n.ringID.Seq {
			c := *ct
			c.Addr = slices.Clone(ct.Addr)
			c.MembList = slices.Clone(ct.MembList)
			if int(c.MembIndex) >= len(c.Addr) {
				return // a full token in GATHER: C would write past the list
			}
			n.commitToken = &c
			n.commitEnter()
		}
	case StateCommit:
		if ct.RingID.Seq == n.ringID.Seq && int(ct.MembIndex) == len(ct.Addr) {
			c := *ct
			c.Addr = slices.Clone(ct.Addr)
			c.MembList = slices.Clone(ct.MembList)
			n.recoveryEnter(&c)
		}
	case StateRecovery:
		if n.myID == n.ringID.Rep && !n.originatedOrf {
			n.originatedOrf = true
			n.logf(LogDebug, "Sending initial ORF token")
			n.orfTokenSendInitial()
			n.resetTokenTimeout()
			n.resetTokenRetransmitTimeout()
		}
	}
}

// --- merge detect, hold cancel ---

func (n *Node) membMergeDetectTransmit() {
	n.stats.MembMergeDetectTx++
	n.mcastFlushSend(&wire.MergeDetect{
		Header:     wire.SrpHeader{Type: wire.SrpMergeDetect, NodeID: n.myID},
		SystemFrom: n.myID, RingID: n.ringID,
	})
}

func (n *Node) handleMergeDetect(m *wire.MergeDetect) {
	if m.RingID == n.ringID {
		return
	}
	switch n.state {
	case StateOperational:
		n.procList = setMerge(n.procList, m.SystemFrom)
		n.gatherEnter(gsMergeDuringOperational)
	case StateGather:
		if !setHas(n.procList, m.SystemFrom) {
			n.procList = setMerge(n.procList, m.SystemFrom)
			n.gatherEnter(gsMergeDuringGather)
		}
	}
}

func (n *Node) tokenHoldCancelSend() {
	if !n.tokenHeld {
		return
	}
	n.tokenHeld = false
	n.stats.TokenHoldCancelTx++
	n.mcastFlushSend(&wire.TokenHoldCancel{
		Header: wire.SrpHeader{Type: wire.SrpTokenHoldCancel, NodeID: n.myID},
		RingID: n.ringID,
	})
}

func (n *Node) handleTokenHoldCancel(h *wire.TokenHoldCancel) {
	if h.RingID == n.ringID {
		n.seqUnchanged = 0
		if n.ringID.Rep == n.myID {
			n.tokenRetransmitTimeout()
		}
	}
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}
