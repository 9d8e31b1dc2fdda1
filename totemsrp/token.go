package totemsrp

import (
	"fmt"
	"strings"

	"github.com/gorosync/gorosync/wire"
)

// handleOrfToken is message_handler_orf_token (OPERATIONAL and RECOVERY).
func (n *Node) handleOrfToken(token *wire.OrfToken) {
	if n.orfTokenDiscard {
		return
	}
	// C copies exactly RETRANSMIT_ENTRIES_MAX entries into its token buffer.
	if len(token.RtrList) > wire.RetransmitEntriesMax {
		token.RtrList = token.RtrList[:wire.RetransmitEntriesMax]
	}

	// Merge detection and token hold bookkeeping run before the ring check.
	if token.Seq == n.myLastSeq {
		n.startMergeDetectTimeout()
		n.seqUnchanged++
	} else {
		n.cancelMergeDetectTimeout()
		n.cancelTokenHoldRetransmitTimeout()
		n.seqUnchanged = 0
	}
	n.myLastSeq = token.Seq

	n.tokenHeld = false
	isRep := n.ringID.Rep == n.myID
	if isRep && n.seqUnchanged > n.cfg.SeqnoUnchangedConst {
		n.tokenHeld = true
	} else if !isRep && n.seqUnchanged >= n.cfg.SeqnoUnchangedConst {
		n.tokenHeld = true
	}
	forward := !(isRep && n.tokenHeld)

	switch n.state {
	case StateCommit:
		// discard
	case StateOperational, StateGather, StateRecovery:
		if token.RingID != n.ringID {
			n.heartbeatAfterToken(forward)
			return
		}
		if wire.SqLte(token.TokenSeq, n.myTokenSeq) {
			return // a retransmitted copy
		}
		// Deviation from C, which frees before the two checks above: a
		// retransmitted copy of a token whose aru was raised by its sender
		// (aru_addr 0) then makes min(token aru, last aru) that same stale
		// value, and messages a slower member still lacks are freed for good
		// (found by the simulation: virtual synchrony broken after a later
		// failure). Freeing only on fresh tokens keeps C's rule intact.
		if n.state == StateOperational {
			n.messagesFree(token.Aru)
		}
		n.stats.tokenReceived(n.now)
		if n.TokenReceived != nil {
			n.TokenReceived()
		}
		lastAru := n.lastAru
		n.lastAru = token.Aru

		allowed := n.fccCalculate(token)
		retransmitted := n.orfTokenRtr(token, &allowed)
		if n.cfg.CancelTokenHoldOnRetransmit && n.tokenHeld &&
			(len(token.RtrList) > 0 || retransmitted > 0) {
			n.tokenHeld = false
			forward = true
		}
		n.fccRtrLimit(token, &allowed)
		sent := n.orfTokenMcast(token, allowed)
		n.fccTokenUpdate(token, retransmitted+sent)

		if wire.SqLt(n.aru, token.Aru) || n.myID == token.AruAddr || token.AruAddr == 0 {
			token.Aru = n.aru
			if token.Aru == token.Seq {
				token.AruAddr = 0
			} else {
				token.AruAddr = n.myID
			}
		}
		if token.Aru == lastAru && token.AruAddr != 0 {
			n.aruCount++
		} else {
			n.aruCount = 0
		}
		// Unlike the paper, a node that keeps holding the aru back takes
		// itself out (C: "We really don't follow specification there").
		if n.aruCount > n.cfg.FailRecvConst && token.AruAddr == n.myID {
			n.logf(LogError, "FAILED TO RECEIVE")
			n.failedToRecv = true
			n.failedList = setMerge(n.failedList, n.myID)
			n.gatherEnter(gsFailedToReceive)
		} else {
			n.myTokenSeq = token.TokenSeq
			token.TokenSeq++
			if n.state == StateRecovery {
				n.recoveryTokenFlags(token)
			}
			n.tokenSend(token, forward)
			if n.state == StateOperational {
				n.messagesDeliverToApp(false, n.highSeqReceived)
			}
			n.resetTokenTimeout()
			n.resetTokenRetransmitTimeout()
			if n.myID == n.ringID.Rep && n.tokenHeld {
				n.startTokenHoldRetransmitTimeout()
			}
			n.stats.tokenSent(n.now)
			if n.TokenSent != nil {
				n.TokenSent()
			}
		}
	}
	n.heartbeatAfterToken(forward)
}

func (n *Node) heartbeatAfterToken(forward bool) {
	if forward && n.useHeartbeat {
		n.resetHeartbeatTimeout()
	} else {
		n.cancelHeartbeatTimeout()
	}
}

// recoveryTokenFlags runs the retrans_flg / install_seq / rotation counter
// logic that decides when RECOVERY is over.
func (n *Node) recoveryTokenFlags(token *wire.OrfToken) {
	if len(n.retransMessageQueue) > 0 {
		if token.RetransFlg == 0 {
			token.RetransFlg = 1
			n.setRetransFlg = true
		}
	} else if token.RetransFlg == 1 && n.setRetransFlg {
		token.RetransFlg = 0
		n.setRetransFlg = false
	}
	n.logf(LogDebug, "token retrans flag is %d my set retrans flag%d retrans queue empty %d count %d, aru %x",
		token.RetransFlg, b2u(n.setRetransFlg), b2u(len(n.retransMessageQueue) == 0), n.retransFlgCount, token.Aru)
	if token.RetransFlg == 0 {
		n.retransFlgCount++
	} else {
		n.retransFlgCount = 0
	}
	if n.retransFlgCount == 2 {
		n.installSeq = token.Seq
	}
	n.logf(LogDebug, "install seq %x aru %x high seq received %x", n.installSeq, n.aru, n.highSeqReceived)
	if n.retransFlgCount >= 2 && !n.receivedFlg && wire.SqLte(n.installSeq, n.aru) {
		n.receivedFlg = true
		n.deliverMembList = append(n.deliverMembList[:0], n.transMembList...)
	}
	if n.retransFlgCount >= 3 && wire.SqLte(n.installSeq, token.Aru) {
		n.rotationCounter++
	} else {
		n.rotationCounter = 0
	}
	if n.rotationCounter == 2 {
		n.logf(LogDebug, "retrans flag count %x token aru %x install seq %x aru %x %x",
			n.retransFlgCount, token.Aru, n.installSeq, n.aru, token.Seq)
		n.operationalEnter()
		n.rotationCounter = 0
		n.retransFlgCount = 0
	}
}

// tokenSend is token_send: keep a copy for retransmission and, unless the
// rep holds the token, send it to the next member.
func (n *Node) tokenSend(token *wire.OrfToken, forward bool) {
	token.Header = wire.SrpHeader{Type: wire.SrpOrfToken, NodeID: n.myID, TargetNodeID: n.tokenTarget}
	frame := token.Append(nil)
	n.tokenRetransmit, n.tokenRetransmitType = frame, wire.SrpOrfToken
	if !forward {
		return
	}
	n.tokenSendBytes(wire.SrpOrfToken, frame)
}

func (n *Node) orfTokenSendInitial() {
	token := &wire.OrfToken{
		Seq:      0,
		TokenSeq: 0,
		Aru:      ^uint32(0), // SEQNO_START_MSG - 1
		AruAddr:  n.myID,
		RingID:   n.ringID,
	}
	// 3.1.7 counts orf_token_tx here only (fixed in later releases).
	n.stats.OrfTokenTx++
	if len(n.retransMessageQueue) == 0 {
		n.setRetransFlg = false
	} else {
		token.RetransFlg = 1
		n.setRetransFlg = true
	}
	n.tokenSend(token, true)
}

// --- flow control ---

func (n *Node) backlogGet() uint32 {
	var b int
	switch n.state {
	case StateOperational:
		if n.waitingTransAck {
			b = len(n.newMessageQueueTrans)
		} else {
			b = len(n.newMessageQueue)
		}
	case StateRecovery:
		b = len(n.retransMessageQueue)
	}
	n.stats.token[n.stats.latestToken].backlogCalc = uint32(b)
	return uint32(b)
}

func (n *Node) fccCalculate(token *wire.OrfToken) uint32 {
	allowed := n.cfg.MaxMessages
	if allowed > n.cfg.WindowSize-token.Fcc {
		allowed = n.cfg.WindowSize - token.Fcc
	}
	n.cbl = n.backlogGet()
	if d := token.Backlog + n.cbl - n.pbl; d != 0 {
		calc := n.cfg.WindowSize * n.pbl / d
		if calc > 0 && allowed > calc {
			allowed = calc
		}
	}
	return allowed
}

func (n *Node) fccRtrLimit(token *wire.OrfToken, allowed *uint32) {
	if wire.SqLt(n.lastReleased+queueRtrItemsSizeMax-*allowed-n.cfg.WindowSize, token.Seq) {
		*allowed = 0
	}
}

func (n *Node) fccTokenUpdate(token *wire.OrfToken, transmitted uint32) {
	token.Fcc += transmitted - n.trc
	token.Backlog += n.cbl - n.pbl
	n.trc = transmitted
	n.pbl = n.cbl
}

func (n *Node) currentSQ() *sortQueue {
	if n.state == StateRecovery {
		return n.recoverySQ
	}
	return n.regularSQ
}

// orfTokenRtr serves the token's retransmit requests for my ring and adds
// my own missing messages to it.
func (n *Node) orfTokenRtr(token *wire.OrfToken, allowed *uint32) uint32 {
	sq := n.currentSQ()
	if len(token.RtrList) > 0 {
		var b strings.Builder
		b.WriteString("Retransmit List: ")
		for _, r := range token.RtrList {
			fmt.Fprintf(&b, "%x ", r.Seq)
		}
		n.logf(LogDebug, "Retransmit List %d", len(token.RtrList))
		n.logf(LogNotice, "%s", b.String())
	}
	n.fccRemcastCurrent = 0
	for i := 0; n.fccRemcastCurrent < *allowed && i < len(token.RtrList); {
		r := token.RtrList[i]
		if r.RingID != n.ringID {
			i++
			continue
		}
		if n.orfTokenRemcast(sq, r.Seq) {
			token.RtrList = append(token.RtrList[:i], token.RtrList[i+1:]...)
			n.stats.McastRetx++
			n.fccRemcastCurrent++
		} else {
			i++
		}
	}
	*allowed -= n.fccRemcastCurrent

	rng := token.Seq - n.aru
	if rng >= queueRtrItemsSizeMax {
		rng = queueRtrItemsSizeMax - 1 // C asserts; a hostile token must not stall us
	}
	for i := uint32(1); len(token.RtrList) < wire.RetransmitEntriesMax && i <= rng; i++ {
		seq := n.aru + i
		if !sq.inRange(seq) {
			break
		}
		if sq.inUse(seq) {
			continue
		}
		if sq.missCount(seq) < n.cfg.MissCountConst {
			continue
		}
		found := false
		for _, r := range token.RtrList {
			if r.Seq == seq {
				found = true
			}
		}
		if !found {
			token.RtrList = append(token.RtrList, wire.RtrItem{RingID: n.ringID, Seq: seq})
		}
	}
	return n.fccRemcastCurrent
}

func (n *Node) orfTokenRemcast(sq *sortQueue, seq uint32) bool {
	if !sq.inRange(seq) {
		n.logf(LogDebug, "sq not in range")
		return false
	}
	sm := sq.get(seq)
	if sm == nil {
		return false
	}
	n.mcastNoflushSend(sm.frame)
	return true
}

// orfTokenMcast sends up to allowed queued messages, numbering them from the
// token.
func (n *Node) orfTokenMcast(token *wire.OrfToken, allowed uint32) uint32 {
	var q *[]*wire.Mcast
	sq := n.regularSQ
	if n.state == StateRecovery {
		q = &n.retransMessageQueue
		sq = n.recoverySQ
		n.resetTokenRetransmitTimeout()
	} else if n.waitingTransAck {
		q = &n.newMessageQueueTrans
	} else {
		q = &n.newMessageQueue
	}
	var sent uint32
	for sent = 0; sent < allowed && len(*q) > 0; sent++ {
		m := (*q)[0]
		(*q)[0] = nil
		*q = (*q)[1:]
		token.Seq++
		m.Seq = token.Seq
		m.ThisSeqno = n.globalSeqno
		n.globalSeqno++
		m.RingID = n.ringID
		frame := m.Append(nil)
		sm := &storedMcast{frame: frame, hdr: *m}
		sm.hdr.Payload = frame[wire.McastHeaderSize:]
		sq.add(m.Seq, sm)
		n.mcastNoflushSend(frame)
		n.highSeqReceived = token.Seq
	}
	n.updateAru()
	return sent
}

// --- receive path ---

// updateAru advances my_aru over contiguous received messages.
func (n *Node) updateAru() {
	sq := n.currentSQ()
	rng := n.highSeqReceived - n.aru
	saved := n.aru
	var i uint32
	for i = 1; i <= rng && i < queueRtrItemsSizeMax; i++ {
		if !sq.inUse(saved + i) {
			break
		}
	}
	n.aru += i - 1
}

// messagesFree releases messages every member has received.
func (n *Node) messagesFree(tokenAru uint32) {
	releaseTo := tokenAru
	if wire.SqLt(n.lastAru, releaseTo) {
		releaseTo = n.lastAru
	}
	if wire.SqLt(n.highDelivered, releaseTo) {
		releaseTo = n.highDelivered
	}
	if wire.SqLt(releaseTo, n.lastReleased) {
		return
	}
	rng := releaseTo - n.lastReleased
	if rng == 0 || rng >= queueRtrItemsSizeMax {
		return
	}
	n.regularSQ.release(n.lastReleased + rng)
	n.lastReleased += rng
	n.logf(LogTrace, "releasing messages up to and including %x", releaseTo)
}

// messagesDeliverToApp delivers regular-queue messages up to endPoint in
// order. With skip, holes are jumped over and only messages originated by
// my_deliver_memb are delivered (the transitional delivery).
func (n *Node) messagesDeliverToApp(skip bool, endPoint uint32) {
	rng := endPoint - n.highDelivered
	if rng >= queueRtrItemsSizeMax {
		return // C asserts here
	}
	if rng > 0 {
		n.logf(LogTrace, "Delivering %x to %x", n.highDelivered, endPoint)
	}
	stored := n.highDelivered
	for i := uint32(1); i <= rng; i++ {
		seq := stored + i
		if !n.regularSQ.inRange(seq) {
			break
		}
		sm := n.regularSQ.get(seq)
		if sm == nil && !skip {
			break
		}
		n.highDelivered = seq
		if sm == nil {
			continue
		}
		if skip && !setHas(n.deliverMembList, sm.hdr.SystemFrom) {
			continue
		}
		n.rd.Deliveries = append(n.rd.Deliveries, Delivery{
			Kind: DeliverMessage, NodeID: sm.hdr.Header.NodeID,
			Payload: sm.hdr.Payload, EndianConversion: sm.hdr.Header.Swapped,
		})
	}
}

func (n *Node) handleMcast(m *wire.Mcast, frame []byte) {
	sq := n.regularSQ
	if m.Header.Encapsulated == wire.EncapsulatedMcast {
		sq = n.recoverySQ
	}
	if len(frame) > wire.FrameSizeMax {
		n.stats.RxMsgDropped++
		return // C asserts and aborts here
	}
	if m.RingID != n.ringID {
		switch n.state {
		case StateOperational:
			n.procList = setMerge(n.procList, m.SystemFrom)
			n.gatherEnter(gsForeignMessageOperational)
		case StateGather:
			if !setHas(n.procList, m.SystemFrom) {
				n.procList = setMerge(n.procList, m.SystemFrom)
				n.gatherEnter(gsForeignMessageGather)
			}
		case StateCommit, StateRecovery:
			n.stats.RxMsgDropped++
		}
		return
	}
	if sq.inRange(m.Seq) && !sq.inUse(m.Seq) {
		sm := &storedMcast{frame: frame, hdr: *m}
		if wire.SqLt(n.highSeqReceived, m.Seq) {
			n.highSeqReceived = m.Seq
		}
		sq.add(m.Seq, sm)
	}
	n.updateAru()
	if n.state == StateOperational {
		n.messagesDeliverToApp(false, n.highSeqReceived)
	}
}
