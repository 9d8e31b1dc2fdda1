package totemsrp

import (
	"errors"
	"fmt"

	"github.com/gorosync/gorosync/wire"
)

// State is enum memb_state.
type State int

const (
	StateOperational State = 1
	StateGather      State = 2
	StateCommit      State = 3
	StateRecovery    State = 4
)

func (s State) String() string {
	switch s {
	case StateOperational:
		return "OPERATIONAL"
	case StateGather:
		return "GATHER"
	case StateCommit:
		return "COMMIT"
	case StateRecovery:
		return "RECOVERY"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// ErrQueueFull is returned by Mcast when the new-message queue is full, as
// totemsrp_mcast returns -1 ("queue full"): the caller must try again later
// (totempg turns it into CS_ERR_TRY_AGAIN).
var ErrQueueFull = errors.New("totemsrp: send queue full, try again")

// ErrMessageTooLarge is returned by Mcast for a payload that would make an
// MCAST frame larger than the transport MTU allows.
var ErrMessageTooLarge = errors.New("totemsrp: message larger than the totem MTU")

// Frame is one totemsrp frame to send.
type Frame struct {
	// To is the destination nodeid for a unicast (ORF token, commit token).
	// 0 means multicast: send to every configured member (the local node
	// included, as udpu does).
	To   uint32
	Type wire.SrpType
	Data []byte // must not be modified by the caller
	// Kept: the node keeps this frame in its sort queue already (an MCAST,
	// new or retransmitted) and was configured with SkipOwnCopy: the
	// transport leaves the local node out.
	Kept bool
}

// ConfChgType is enum totem_configuration_type.
type ConfChgType int

const (
	ConfChgRegular      ConfChgType = 0 // TOTEM_CONFIGURATION_REGULAR
	ConfChgTransitional ConfChgType = 1 // TOTEM_CONFIGURATION_TRANSITIONAL
)

func (t ConfChgType) String() string {
	if t == ConfChgTransitional {
		return "TRANSITIONAL"
	}
	return "REGULAR"
}

// ConfChg is one configuration change as totemsrp_confchg_fn reports it.
type ConfChg struct {
	Type    ConfChgType
	Members []uint32
	Left    []uint32 // transitional only
	Joined  []uint32 // regular only
	RingID  wire.RingID
}

// DeliveryKind tells what a Delivery carries.
type DeliveryKind int

const (
	DeliverMessage         DeliveryKind = iota // an application message in agreed order
	DeliverConfChg                             // a configuration change
	DeliverWaitingTransAck                     // totemsrp_waiting_trans_ack_cb_fn(WaitingTransAck)
)

// Delivery is one upcall, in the exact order C makes them: messages,
// configuration changes and the waiting-trans-ack switch are interleaved and
// their relative order is part of extended virtual synchrony.
type Delivery struct {
	Kind DeliveryKind

	// DeliverMessage
	NodeID           uint32 // originator (header.nodeid of the (inner) MCAST)
	Payload          []byte // totempg packet; aliases the received frame
	EndianConversion bool   // the originator is foreign-endian

	ConfChg *ConfChg // DeliverConfChg

	WaitingTransAck bool // DeliverWaitingTransAck
}

// LogLevel mirrors the logsys levels totemsrp logs at.
type LogLevel int

const (
	LogError LogLevel = iota
	LogWarning
	LogNotice
	LogDebug
	LogTrace
	LogSecurity // totemsrp_log_level_security (printed at warning by corosync)
)

func (l LogLevel) String() string {
	return [...]string{"error", "warning", "notice", "debug", "trace", "security"}[l]
}

// LogEvent is one line for the daemon's [TOTEM ] log, worded as C words it.
type LogEvent struct {
	Level LogLevel
	Text  string
}

// Ready is everything a Step, Tick, Mcast or Leave produced. The caller must
// act on it in this order: persist RingSeq (if HasRingSeq) before sending
// Frames, then hand Deliveries to totempg in order, then print Logs.
type Ready struct {
	Frames     []Frame
	Deliveries []Delivery
	HasRingSeq bool
	RingSeq    uint64 // write to state_dir/ringid_<nodeid> (EncodeRingSeq)
	Logs       []LogEvent
}

// Empty reports whether there is nothing to do.
func (r *Ready) Empty() bool {
	return len(r.Frames) == 0 && len(r.Deliveries) == 0 && !r.HasRingSeq && len(r.Logs) == 0
}
