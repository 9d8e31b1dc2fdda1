package wire

import (
	"errors"
	"fmt"
)

// Totem SRP message header constants (include/corosync/totem/totem.h).
const (
	SrpMagic        = 0xC070
	SrpMagicSwapped = 0x70C0
	SrpVersion      = 0x03

	SrpHeaderSize          = 13
	RingIDSize             = 12
	RtrItemSize            = 16
	CommitMembEntrySize    = 24
	OrfTokenHeaderSize     = 57
	McastHeaderSize        = 45
	MergeDetectSize        = 29
	MembJoinHeaderSize     = 33
	CommitTokenHeaderSize  = 41
	TokenHoldCancelSize    = 25
	RetransmitEntriesMax   = 30    // RETRANSMIT_ENTRIES_MAX: rtr_list never holds more
	ProcessorCountMax      = 384   // PROCESSOR_COUNT_MAX: bound on proc/failed/addr lists
	FrameSizeMax           = 65536 // FRAME_SIZE_MAX: C asserts on larger mcasts
	LeaveDummyNodeID       = 0     // header.nodeid of a JOIN sent as a LEAVE
	EncapsulatedMcast      = 1     // MESSAGE_ENCAPSULATED
	NotEncapsulatedMcast   = 2     // MESSAGE_NOT_ENCAPSULATED
	srpTypeMax             = 5
	commitTokenPerMember   = 4 + CommitMembEntrySize
	joinListEntrySize      = 4
	maxJoinListEntriesSane = 2 * ProcessorCountMax
)

// SrpType is the totem_message_header type byte.
type SrpType uint8

const (
	SrpOrfToken        SrpType = 0 // MESSAGE_TYPE_ORF_TOKEN
	SrpMcast           SrpType = 1 // MESSAGE_TYPE_MCAST
	SrpMergeDetect     SrpType = 2 // MESSAGE_TYPE_MEMB_MERGE_DETECT
	SrpMembJoin        SrpType = 3 // MESSAGE_TYPE_MEMB_JOIN
	SrpCommitToken     SrpType = 4 // MESSAGE_TYPE_MEMB_COMMIT_TOKEN
	SrpTokenHoldCancel SrpType = 5 // MESSAGE_TYPE_TOKEN_HOLD_CANCEL
)

func (t SrpType) String() string {
	switch t {
	case SrpOrfToken:
		return "ORF_TOKEN"
	case SrpMcast:
		return "MCAST"
	case SrpMergeDetect:
		return "MEMB_MERGE_DETECT"
	case SrpMembJoin:
		return "MEMB_JOIN"
	case SrpCommitToken:
		return "MEMB_COMMIT_TOKEN"
	case SrpTokenHoldCancel:
		return "TOKEN_HOLD_CANCEL"
	}
	return fmt.Sprintf("SrpType(%d)", uint8(t))
}

// Errors returned by the SRP decoders. Every one of them means "drop the
// frame", as check_message_header_validity and the check_*_sanity functions do.
var (
	ErrSrpBadMagic   = errors.New("wire: totemsrp bad magic number")
	ErrSrpBadVersion = errors.New("wire: totemsrp unsupported version")
	ErrSrpBadType    = errors.New("wire: totemsrp unknown message type")
	ErrSrpWrongType  = errors.New("wire: totemsrp message has another type")
	ErrSrpBadCount   = errors.New("wire: totemsrp list count out of range")
)

// SrpHeader is struct totem_message_header (13 bytes, packed).
//
// Byte order: a frame whose magic reads 0x70C0 came from a big-endian sender.
// We decode it by swapping every totemsrp field (as C does) and record that in
// Swapped so upper layers know the payload of an MCAST is foreign-endian too.
// Encoders always write little-endian.
type SrpHeader struct {
	Type         SrpType
	Encapsulated uint8  // MCAST only: EncapsulatedMcast or NotEncapsulatedMcast
	NodeID       uint32 // sender; 0 (LeaveDummyNodeID) in a LEAVE
	TargetNodeID uint32 // knet unicast destination; garbage on udpu, ignore on receive
	Swapped      bool   // decoded from a byte-swapped (big-endian) frame
}

// RingID is struct memb_ring_id (12 bytes, packed): representative and ring seq.
type RingID struct {
	Rep uint32
	Seq uint64
}

// String prints the ring id as C does (CS_PRI_RING_ID, "%x.%llx").
func (r RingID) String() string { return fmt.Sprintf("%x.%x", r.Rep, r.Seq) }

// RtrItem is struct rtr_item: a retransmit request for seq on ring RingID.
type RtrItem struct {
	RingID RingID
	Seq    uint32
}

// OrfToken is struct orf_token followed by its rtr_list.
type OrfToken struct {
	Header     SrpHeader
	Seq        uint32
	TokenSeq   uint32
	Aru        uint32
	AruAddr    uint32
	RingID     RingID
	Backlog    uint32
	Fcc        uint32
	RetransFlg int32
	RtrList    []RtrItem
}

// Mcast is struct mcast (45-byte header) plus its payload. For an
// encapsulated MCAST the payload is a whole old-ring MCAST frame.
type Mcast struct {
	Header     SrpHeader
	SystemFrom uint32
	Seq        uint32
	ThisSeqno  int32
	RingID     RingID
	NodeID     uint32 // unused by C, always 0
	Guarantee  int32
	Payload    []byte
}

// MergeDetect is struct memb_merge_detect.
type MergeDetect struct {
	Header     SrpHeader
	SystemFrom uint32
	RingID     RingID
}

// MembJoin is struct memb_join with its proc and failed lists. A LEAVE is a
// MembJoin with Header.NodeID == LeaveDummyNodeID.
type MembJoin struct {
	Header     SrpHeader
	SystemFrom uint32
	RingSeq    uint64
	ProcList   []uint32
	FailedList []uint32
}

// CommitMembEntry is struct memb_commit_token_memb_entry: one member's old
// ring state as carried by the commit token.
type CommitMembEntry struct {
	RingID        RingID // the member's old ring
	Aru           uint32
	HighDelivered uint32
	ReceivedFlg   uint32
}

// CommitToken is struct memb_commit_token with its addr and memb lists, which
// always have the same length.
type CommitToken struct {
	Header     SrpHeader
	TokenSeq   uint32
	RingID     RingID
	RetransFlg uint32
	MembIndex  int32
	Addr       []uint32
	MembList   []CommitMembEntry
}

// TokenHoldCancel is struct token_hold_cancel.
type TokenHoldCancel struct {
	Header SrpHeader
	RingID RingID
}

// SrpMessage is any of the six decoded totemsrp messages.
type SrpMessage interface {
	// SrpHdr returns the common header.
	SrpHdr() *SrpHeader
	// Append encodes the message little-endian onto b.
	Append(b []byte) []byte
}

func (m *OrfToken) SrpHdr() *SrpHeader        { return &m.Header }
func (m *Mcast) SrpHdr() *SrpHeader           { return &m.Header }
func (m *MergeDetect) SrpHdr() *SrpHeader     { return &m.Header }
func (m *MembJoin) SrpHdr() *SrpHeader        { return &m.Header }
func (m *CommitToken) SrpHdr() *SrpHeader     { return &m.Header }
func (m *TokenHoldCancel) SrpHdr() *SrpHeader { return &m.Header }

// SqLt is sq_lt_compare: a < b for 32-bit sequence numbers with C's rollover
// rule (both shifted down by 0x10000 when either is past 0x80000000).
func SqLt(a, b uint32) bool {
	if a > 0x80000000 || b > 0x80000000 {
		return a-0x10000 < b-0x10000
	}
	return a < b
}

// SqLte is sq_lte_compare: a <= b with the same rollover rule as SqLt.
func SqLte(a, b uint32) bool {
	if a > 0x80000000 || b > 0x80000000 {
		return a-0x10000 <= b-0x10000
	}
	return a <= b
}
