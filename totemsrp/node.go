package totemsrp

import (
	"errors"
	"fmt"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// Node is one totemsrp instance (struct totemsrp_instance).
type Node struct {
	cfg  Config
	myID uint32
	now  time.Duration

	started, stopped bool

	state State

	failedToRecv bool
	consensus    []consensusItem

	procList, failedList []uint32
	newMembList          []uint32
	transMembList        []uint32
	membList             []uint32
	deliverMembList      []uint32
	leftMembList         []uint32
	leaveMembList        []uint32

	ringID, oldRingID wire.RingID

	aruCount        uint32
	mergeDetectOut  bool
	lastAru         uint32 // my_last_aru
	seqUnchanged    uint32
	receivedFlg     bool
	highSeqReceived uint32
	installSeq      uint32
	rotationCounter int
	setRetransFlg   bool
	retransFlgCount int
	highRingDeliv   uint32

	newMessageQueue      []*wire.Mcast
	newMessageQueueTrans []*wire.Mcast
	retransMessageQueue  []*wire.Mcast
	queueMax             int

	regularSQ, recoverySQ *sortQueue

	aru           uint32 // my_aru
	highDelivered uint32

	tokenRetransmit     []byte
	tokenRetransmitType wire.SrpType
	tokenTarget         uint32
	myTokenSeq          uint32

	timers            timers
	useHeartbeat      bool
	heartbeatTimeout  time.Duration
	globalSeqno       int32
	tokenHeld         bool
	tokenRingIDSeq    uint64
	lastReleased      uint32
	oldRingSaved      bool
	oldRingAru        uint32
	oldRingHighSeqRcv uint32
	myLastSeq         uint32
	trc, pbl, cbl     uint32
	commitToken       *wire.CommitToken
	stats             Stats
	orfTokenDiscard   bool
	originatedOrf     bool
	waitingTransAck   bool
	fccRemcastCurrent uint32

	// send_join: the JOIN waiting for its random delay, and the generator
	// (xorshift, seeded by the nodeid, so runs stay reproducible).
	pendingJoin []byte
	joinRand    uint64

	// TokenReceived, when set, runs each time a valid ORF token arrives and
	// before this node uses it to send (TOTEM_CALLBACK_TOKEN_RECEIVED):
	// totempg flushes its packing buffer with Mcast from here.
	TokenReceived func()
	// TokenSent, when set, runs after this node has passed a valid ORF token
	// on (TOTEM_CALLBACK_TOKEN_SENT): schedwrk runs its work items there.
	TokenSent func()

	rd Ready
}

type consensusItem struct {
	addr uint32
	set  bool
}

// New creates a node. storedRingSeq is the content of state_dir/ringid_<id>
// (0 if the file was missing); the first ring id is {me, stored+1}. The node
// does nothing until Start.
func New(cfg Config, storedRingSeq uint64) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n := &Node{
		cfg:             cfg,
		myID:            cfg.NodeID,
		state:           StateOperational,
		receivedFlg:     true,
		myTokenSeq:      ^uint32(0), // SEQNO_START_TOKEN - 1
		waitingTransAck: true,
		regularSQ:       newSortQueue(0),
		recoverySQ:      newSortQueue(0),
		queueMax:        cfg.messageQueueMax(),
		joinRand:        uint64(cfg.NodeID)*0x9E3779B97F4A7C15 | 1,
	}
	n.ringID = wire.RingID{Rep: n.myID, Seq: StartRingSeq(storedRingSeq)}
	n.tokenRingIDSeq = n.ringID.Seq
	if cfg.HeartbeatFailuresAllowed > 0 {
		n.heartbeatTimeout = time.Duration(cfg.HeartbeatFailuresAllowed)*cfg.TokenRetransmit + cfg.MaxNetworkDelay
		n.useHeartbeat = n.heartbeatTimeout < cfg.Token
	}
	return n, nil
}

// Start brings the node up at time now: the interface is ready, so it enters
// GATHER and sends its first JOIN (main_iface_change_fn).
func (n *Node) Start(now time.Duration) {
	if n.started {
		return
	}
	n.started = true
	n.now = now
	n.logConfig()
	n.logf(LogDebug, "Created or loaded sequence id %s for this ring.", n.ringID)
	n.rd.Deliveries = append(n.rd.Deliveries, Delivery{Kind: DeliverWaitingTransAck, WaitingTransAck: true})
	n.gatherEnter(gsInterfaceChange)
}

// Ready drains and returns everything produced since the last call.
func (n *Node) Ready() Ready {
	r := n.rd
	n.rd = Ready{}
	return r
}

// HasReady reports whether Ready would return something.
func (n *Node) HasReady() bool { return !n.rd.Empty() }

// NextDeadline is when Tick should be called next (false: no timer pending).
func (n *Node) NextDeadline() (time.Duration, bool) {
	if !n.started || n.stopped {
		return 0, false
	}
	return n.timers.earliest()
}

// Tick advances the clock to now (monotonic; earlier values are ignored)
// and runs every timer that has expired, earliest first.
func (n *Node) Tick(now time.Duration) {
	if now > n.now {
		n.now = now
	}
	if !n.started || n.stopped {
		return
	}
	for {
		id, ok := n.timers.next(n.now)
		if !ok {
			return
		}
		n.timers.cancel(id)
		n.fireTimer(id)
		if n.stopped {
			return
		}
	}
}

// Step feeds one received totemsrp frame (a UDP payload, or a knet data
// packet's user data). Invalid frames are dropped and reported as an error
// (and a security-level log line, as C logs them); they never change state.
//
// The node keeps MCAST frames (for retransmission, and Delivery.Payload
// aliases them): the caller must not reuse frame's memory afterwards. Call
// Tick(now) before Step so timers started by Step count from the right time.
func (n *Node) Step(frame []byte) error {
	if !n.started || n.stopped {
		return nil
	}
	m, err := wire.DecodeSrp(frame)
	if err != nil {
		if errors.Is(err, wire.ErrSrpBadType) {
			n.stats.RxMsgDropped++ // main_deliver_fn counts only this case
		}
		n.logf(LogSecurity, "Message received is invalid...  ignoring: %v", err)
		return err
	}
	n.StepMsg(m, frame)
	return nil
}

// StepMsg feeds an already decoded message. frame must be the bytes m was
// decoded from when m is an MCAST (it is stored for retransmission); it may
// be nil for other types.
func (n *Node) StepMsg(m wire.SrpMessage, frame []byte) {
	if !n.started || n.stopped {
		return
	}
	switch msg := m.(type) {
	case *wire.OrfToken:
		n.stats.OrfTokenRx++
		n.handleOrfToken(msg)
	case *wire.Mcast:
		n.stats.McastRx++
		if frame == nil {
			frame = msg.Append(nil)
		}
		n.handleMcast(msg, frame)
	case *wire.MergeDetect:
		n.stats.MembMergeDetectRx++
		n.handleMergeDetect(msg)
	case *wire.MembJoin:
		n.stats.MembJoinRx++
		n.handleMembJoin(msg)
	case *wire.CommitToken:
		n.stats.MembCommitTokenRx++
		n.handleCommitToken(msg)
	case *wire.TokenHoldCancel:
		n.stats.TokenHoldCancelRx++
		n.handleTokenHoldCancel(msg)
	}
}

// Mcast queues an application message (a totempg packet) for sending with
// the token, as totemsrp_mcast does. It returns ErrQueueFull when the queue
// is full; the caller retries later. While WaitingTransAck (from a new
// configuration until TransAck) messages go to the transitional queue,
// which is only drained while waiting: as in corosync, only sync may send
// then.
func (n *Node) Mcast(payload []byte, guarantee int32) error {
	if n.stopped {
		return ErrQueueFull
	}
	// totempg_mcast signals a new message first, which cancels a token hold.
	n.tokenHoldCancelSend()
	if mtu := n.cfg.NetMTU - netMTUAdjust; mtu > 0 && len(payload) > mtu {
		return ErrMessageTooLarge
	}
	q := &n.newMessageQueue
	if n.waitingTransAck {
		q = &n.newMessageQueueTrans
	}
	if len(*q) >= n.queueMax-1 {
		n.logf(LogDebug, "queue full")
		return ErrQueueFull
	}
	m := &wire.Mcast{
		Header:     wire.SrpHeader{Type: wire.SrpMcast, Encapsulated: wire.NotEncapsulatedMcast, NodeID: n.myID},
		SystemFrom: n.myID,
		Guarantee:  guarantee,
		Payload:    append([]byte(nil), payload...),
	}
	n.stats.McastTx++
	*q = append(*q, m)
	return nil
}

// Avail is totemsrp_avail: how many more messages the queue takes.
func (n *Node) Avail() int {
	q := n.newMessageQueue
	if n.waitingTransAck {
		q = n.newMessageQueueTrans
	}
	a := n.queueMax - len(q) - 2
	if a < 0 {
		a = 0
	}
	return a
}

// TransAck is totemsrp_trans_ack: sync finished, so new messages go to the
// regular queue again.
func (n *Node) TransAck() {
	n.waitingTransAck = false
	n.rd.Deliveries = append(n.rd.Deliveries, Delivery{Kind: DeliverWaitingTransAck, WaitingTransAck: false})
}

// Leave sends the LEAVE message (totemsrp_finalize) and stops the node.
func (n *Node) Leave() {
	if !n.started || n.stopped {
		return
	}
	n.membLeaveMessageSend()
	n.stopped = true
}

// ForceGather is totemsrp_force_gather (runtime.force_gather): act as if the
// token had been lost.
func (n *Node) ForceGather() {
	if n.started && !n.stopped {
		n.orfTokenTimeout()
	}
}

// State returns the membership state.
func (n *Node) State() State { return n.state }

// RingID returns the current ring id.
func (n *Node) RingID() wire.RingID { return n.ringID }

// NodeID returns this processor's nodeid.
func (n *Node) NodeID() uint32 { return n.myID }

// Members returns the members of the installed ring.
func (n *Node) Members() []uint32 { return append([]uint32(nil), n.membList...) }

// Stats returns a copy of the counters.
func (n *Node) Stats() Stats { return n.stats }

// ClearStats is totemsrp_stats_clear.
func (n *Node) ClearStats() { n.stats = Stats{} }

// WaitingTransAck reports whether new messages currently go to the
// transitional queue.
func (n *Node) WaitingTransAck() bool { return n.waitingTransAck }

// logConfig prints the configuration as totemsrp_initialize does.
func (n *Node) logConfig() {
	c := &n.cfg
	ms := func(d time.Duration) int64 { return d.Milliseconds() }
	n.logf(LogDebug, "Token Timeout (%d ms) retransmit timeout (%d ms)", ms(c.Token), ms(c.TokenRetransmit))
	if c.TokenWarning > 0 {
		w := int64(c.TokenWarning) * ms(c.Token) / 100
		n.logf(LogDebug, "Token warning every %d ms (%d%% of Token Timeout)", w, c.TokenWarning)
		if w < ms(c.TokenRetransmit) {
			n.logf(LogDebug, "The token warning interval (%d ms) is less than the token retransmit timeout (%d ms) "+
				"which can lead to spurious token warnings. Consider increasing the token_warning parameter.", w, ms(c.TokenRetransmit))
		}
	} else {
		n.logf(LogDebug, "Token warnings disabled")
	}
	n.logf(LogDebug, "token hold (%d ms) retransmits before loss (%d retrans)", ms(c.Hold), c.TokenRetransmitsBeforeLoss)
	n.logf(LogDebug, "join (%d ms) send_join (%d ms) consensus (%d ms) merge (%d ms)", ms(c.Join), ms(c.SendJoin), ms(c.Consensus), ms(c.Merge))
	n.logf(LogDebug, "downcheck (%d ms) fail to recv const (%d msgs)", ms(c.Downcheck), c.FailRecvConst)
	n.logf(LogDebug, "seqno unchanged const (%d rotations) Maximum network MTU %d", c.SeqnoUnchangedConst, c.NetMTU-netMTUAdjust)
	n.logf(LogDebug, "window size per rotation (%d messages) maximum messages per rotation (%d messages)", c.WindowSize, c.MaxMessages)
	n.logf(LogDebug, "missed count const (%d messages)", c.MissCountConst)
	n.logf(LogDebug, "send threads (%d threads)", 0)
	n.logf(LogDebug, "heartbeat_failures_allowed (%d)", c.HeartbeatFailuresAllowed)
	n.logf(LogDebug, "max_network_delay (%d ms)", ms(c.MaxNetworkDelay))
	if c.HeartbeatFailuresAllowed == 0 {
		n.logf(LogDebug, "HeartBeat is Disabled. To enable set heartbeat_failures_allowed > 0")
	} else if !n.useHeartbeat {
		n.logf(LogDebug, "total heartbeat_timeout (%d ms) is not less than token timeout (%d ms)", ms(n.heartbeatTimeout), ms(c.Token))
		n.logf(LogDebug, "heartbeat_timeout = heartbeat_failures_allowed * token_retransmit_timeout + max_network_delay")
		n.logf(LogDebug, "heartbeat timeout should be less than the token timeout. Heartbeat is disabled!!")
	} else {
		n.logf(LogDebug, "total heartbeat_timeout (%d ms)", ms(n.heartbeatTimeout))
	}
}

func (n *Node) logf(level LogLevel, format string, args ...any) {
	if (level == LogDebug || level == LogTrace) && !n.cfg.Debug {
		return
	}
	n.rd.Logs = append(n.rd.Logs, LogEvent{Level: level, Text: fmt.Sprintf(format, args...)})
}

func (n *Node) fireTimer(id timerID) {
	switch id {
	case timerOrfTokenTimeout:
		n.orfTokenTimeout()
	case timerOrfTokenWarning:
		n.orfTokenWarning()
	case timerOrfTokenRetransmit:
		n.tokenRetransmitTimeout()
	case timerOrfTokenHoldRetransmit:
		n.tokenHoldRetransmitTimeout()
	case timerMergeDetect:
		n.mergeDetectTimeout()
	case timerGatherJoin:
		n.gatherJoinTimeout()
	case timerGatherConsensus:
		n.consensusTimeoutExpired()
	case timerSendJoin:
		n.sendPendingJoin()
	case timerHeartbeat:
		n.logf(LogDebug, "HeartBeat Timer expired Invoking token loss mechanism in state %d ", int(n.state))
		n.orfTokenTimeout()
	}
}

// --- sending ---

func (n *Node) mcastFlushSend(m wire.SrpMessage) {
	m.SrpHdr().TargetNodeID = 0
	n.rd.Frames = append(n.rd.Frames, Frame{To: 0, Type: m.SrpHdr().Type, Data: m.Append(nil)})
}

// joinSend multicasts a JOIN, after a random delay below send_join when it
// is set. C sleeps the whole process (usleep(random() % send_join)), so its
// JOIN always reflects the state it sends in; here only the JOIN waits, so
// a newer JOIN replaces a waiting one and leaving GATHER drops it (a stale
// JOIN of our own naming us failed would make us fail ourselves).
func (n *Node) joinSend(j *wire.MembJoin) {
	if n.cfg.SendJoin <= 0 || n.stopped {
		n.mcastFlushSend(j)
		return
	}
	frame := j.Append(nil)
	if n.pendingJoin != nil {
		n.pendingJoin = frame
		return
	}
	n.joinRand ^= n.joinRand << 13
	n.joinRand ^= n.joinRand >> 7
	n.joinRand ^= n.joinRand << 17
	delay := time.Duration(n.joinRand%uint64(n.cfg.SendJoin/time.Microsecond)) * time.Microsecond
	n.pendingJoin = frame
	n.timers.start(timerSendJoin, n.now, delay)
}

func (n *Node) dropPendingJoin() {
	n.pendingJoin = nil
	n.timers.cancel(timerSendJoin)
}

func (n *Node) sendPendingJoin() {
	if n.pendingJoin != nil {
		n.rd.Frames = append(n.rd.Frames, Frame{To: 0, Type: wire.SrpMembJoin, Data: n.pendingJoin})
		n.pendingJoin = nil
	}
}

func (n *Node) mcastNoflushSend(frame []byte) {
	if n.cfg.SkipOwnCopy {
		n.stats.McastRx++
	}
	n.rd.Frames = append(n.rd.Frames, Frame{To: 0, Type: wire.SrpMcast, Data: frame, Kept: n.cfg.SkipOwnCopy})
}

// tokenSendBytes sends a token (ORF or commit) to the token target.
func (n *Node) tokenSendBytes(typ wire.SrpType, frame []byte) {
	n.rd.Frames = append(n.rd.Frames, Frame{To: n.tokenTarget, Type: typ, Data: frame})
}

// --- timers (reset_*/cancel_* of totemsrp.c) ---

func (n *Node) resetTokenRetransmitTimeout() {
	n.timers.start(timerOrfTokenRetransmit, n.now, n.cfg.TokenRetransmit)
}
func (n *Node) cancelTokenRetransmitTimeout() { n.timers.cancel(timerOrfTokenRetransmit) }

func (n *Node) startMergeDetectTimeout() {
	if !n.mergeDetectOut {
		n.timers.start(timerMergeDetect, n.now, n.cfg.Merge)
		n.mergeDetectOut = true
	}
}

func (n *Node) cancelMergeDetectTimeout() {
	n.timers.cancel(timerMergeDetect)
	n.mergeDetectOut = false
}

func (n *Node) resetTokenTimeout() {
	n.timers.start(timerOrfTokenTimeout, n.now, n.cfg.Token)
	if n.cfg.TokenWarning > 0 {
		n.resetTokenWarning()
	}
}

func (n *Node) resetTokenWarning() {
	n.timers.start(timerOrfTokenWarning, n.now, time.Duration(n.cfg.TokenWarning)*n.cfg.Token/100)
}

func (n *Node) cancelTokenTimeout() {
	n.timers.cancel(timerOrfTokenTimeout)
	if n.cfg.TokenWarning > 0 {
		n.timers.cancel(timerOrfTokenWarning)
	}
}

func (n *Node) resetHeartbeatTimeout()  { n.timers.start(timerHeartbeat, n.now, n.heartbeatTimeout) }
func (n *Node) cancelHeartbeatTimeout() { n.timers.cancel(timerHeartbeat) }

func (n *Node) startTokenHoldRetransmitTimeout() {
	n.timers.start(timerOrfTokenHoldRetransmit, n.now, n.cfg.Hold)
}
func (n *Node) cancelTokenHoldRetransmitTimeout() { n.timers.cancel(timerOrfTokenHoldRetransmit) }

func (n *Node) orfTokenWarning() {
	if n.cfg.TokenWarning == 0 {
		return
	}
	diff := msOf(n.now) - n.stats.lastTokenRx()
	n.logf(LogNotice, "Token has not been received in %d ms ", diff)
	n.resetTokenWarning()
}

func (n *Node) orfTokenTimeout() {
	switch n.state {
	case StateOperational:
		n.logf(LogDebug, "The token was lost in the OPERATIONAL state.")
		n.logf(LogNotice, "A processor failed, forming new configuration: token timed out (%dms), waiting %dms for consensus.",
			n.cfg.Token.Milliseconds(), n.cfg.Consensus.Milliseconds())
		n.gatherEnter(gsTokenLostOperational)
		n.stats.OperationalTokenLost++
	case StateGather:
		n.logf(LogDebug, "The consensus timeout expired (%dms).", n.cfg.Consensus.Milliseconds())
		n.consensusTimeoutExpired()
		n.gatherEnter(gsConsensusTimeoutExpired)
		n.stats.GatherTokenLost++
	case StateCommit:
		n.logf(LogDebug, "The token was lost in the COMMIT state.")
		n.gatherEnter(gsTokenLostCommit)
		n.stats.CommitTokenLost++
	case StateRecovery:
		n.logf(LogDebug, "The token was lost in the RECOVERY state.")
		n.recoveryStateTokenLoss()
		n.orfTokenDiscard = true
	}
}

func (n *Node) tokenRetransmitTimeout() {
	switch n.state {
	case StateCommit, StateOperational, StateRecovery:
		n.tokenRetransmitSend()
		n.resetTokenRetransmitTimeout()
	}
}

func (n *Node) tokenHoldRetransmitTimeout() {
	switch n.state {
	case StateOperational, StateRecovery:
		n.tokenRetransmitSend()
	}
}

func (n *Node) tokenRetransmitSend() {
	if n.tokenRetransmit != nil {
		n.tokenSendBytes(n.tokenRetransmitType, n.tokenRetransmit)
	}
}

func (n *Node) mergeDetectTimeout() {
	n.mergeDetectOut = false
	if n.state == StateOperational && n.ringID.Rep == n.myID {
		n.membMergeDetectTransmit()
	}
}

func (n *Node) gatherJoinTimeout() {
	switch n.state {
	case StateGather, StateCommit:
		n.membJoinMessageSend()
		n.timers.start(timerGatherJoin, n.now, n.cfg.Join)
	}
}
