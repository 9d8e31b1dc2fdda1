package wire

import (
	"encoding/binary"
	"fmt"
)

// cpg exec functions (enum cpg_message_req_types in exec/cpg.c).
const (
	MessageReqExecCpgProcjoin     uint16 = 0
	MessageReqExecCpgProcleave    uint16 = 1
	MessageReqExecCpgJoinlist     uint16 = 2
	MessageReqExecCpgMcast        uint16 = 3
	MessageReqExecCpgDownlistOld  uint16 = 4
	MessageReqExecCpgDownlist     uint16 = 5
	MessageReqExecCpgPartialMcast uint16 = 6
)

// Confchg reasons carried by PROCJOIN/PROCLEAVE (enum cpg_reason_t, cpg.h).
const (
	CpgReasonJoin     uint32 = 1 // CPG_REASON_JOIN
	CpgReasonLeave    uint32 = 2 // CPG_REASON_LEAVE
	CpgReasonNodeDown uint32 = 3 // CPG_REASON_NODEDOWN
	CpgReasonNodeUp   uint32 = 4 // CPG_REASON_NODEUP
	CpgReasonProcDown uint32 = 5 // CPG_REASON_PROCDOWN
)

// Partial message types (LIBCPG_PARTIAL_*, ipc_cpg.h).
const (
	CpgPartialFirst     uint32 = 1
	CpgPartialContinued uint32 = 2
	CpgPartialLast      uint32 = 3
)

// Exact struct sizes as gcc lays them out on x86-64 and arm64.
const (
	CpgProcjoinSize           = 168  // struct req_exec_cpg_procjoin
	CpgMcastHeaderSize        = 184  // struct req_exec_cpg_mcast without message
	CpgPartialMcastHeaderSize = 200  // struct req_exec_cpg_partial_mcast without message
	CpgJoinlistEntrySize      = 144  // struct join_list_entry: u32 pid, 4 pad, group
	CpgDownlistSize           = 1568 // struct req_exec_cpg_downlist
	CpgDownlistOldSize        = 1560 // struct req_exec_cpg_downlist_old
)

func decodeCpg(fn uint16, b []byte) (ExecMessage, error) {
	switch fn {
	case MessageReqExecCpgProcjoin:
		return DecodeCpgProcjoin(b)
	case MessageReqExecCpgProcleave:
		m, err := DecodeCpgProcjoin(b)
		if err != nil {
			return nil, err
		}
		l := CpgProcleave(*m)
		return &l, nil
	case MessageReqExecCpgJoinlist:
		return DecodeCpgJoinlist(b)
	case MessageReqExecCpgMcast:
		return DecodeCpgMcast(b)
	case MessageReqExecCpgDownlistOld:
		return DecodeCpgDownlistOld(b)
	case MessageReqExecCpgDownlist:
		return DecodeCpgDownlist(b)
	case MessageReqExecCpgPartialMcast:
		return DecodeCpgPartialMcast(b)
	}
	return nil, fmt.Errorf("%w: corosync_cpg fn %d", ErrUnknownExec, fn)
}

// CpgProcjoin is struct req_exec_cpg_procjoin sent as PROCJOIN (reason JOIN).
type CpgProcjoin struct {
	Group  CpgName
	PID    uint32
	Reason uint32
}

// CpgProcleave has the same layout, sent as PROCLEAVE (reason LEAVE, or
// PROCDOWN when the client died).
type CpgProcleave CpgProcjoin

func (*CpgProcjoin) ExecID() int32  { return ServiceID(CpgService, MessageReqExecCpgProcjoin) }
func (*CpgProcleave) ExecID() int32 { return ServiceID(CpgService, MessageReqExecCpgProcleave) }

func appendProcjoin(b []byte, id int32, m *CpgProcjoin) []byte {
	b = RequestHeader{ID: id, Size: CpgProcjoinSize}.Append(b)
	b = m.Group.append(b)
	b = marAppendU32Pad(b, m.PID)
	return marAppendU32Pad(b, m.Reason)
}

func (m *CpgProcjoin) Append(b []byte) ([]byte, error) {
	return appendProcjoin(b, m.ExecID(), m), nil
}

func (m *CpgProcleave) Append(b []byte) ([]byte, error) {
	return appendProcjoin(b, m.ExecID(), (*CpgProcjoin)(m)), nil
}

// DecodeCpgProcjoin decodes the PROCJOIN/PROCLEAVE layout. The reason is not
// checked (C passes it on to the library as is).
func DecodeCpgProcjoin(b []byte) (*CpgProcjoin, error) {
	if err := marCheckFixed("cpg procjoin", b, CpgProcjoinSize); err != nil {
		return nil, err
	}
	g, err := decodeCpgName(b[16:])
	if err != nil {
		return nil, err
	}
	return &CpgProcjoin{Group: g, PID: marU32(b[152:]), Reason: marU32(b[160:])}, nil
}

// CpgJoinlistEntry is struct join_list_entry.
type CpgJoinlistEntry struct {
	PID   uint32
	Group CpgName
}

// CpgJoinlist is the JOINLIST sync message: a qb_ipc_response_header (not a
// request header) followed by one entry per local CPG member of the sender.
type CpgJoinlist struct {
	Entries []CpgJoinlistEntry
}

func (*CpgJoinlist) ExecID() int32 { return ServiceID(CpgService, MessageReqExecCpgJoinlist) }

func (m *CpgJoinlist) Append(b []byte) ([]byte, error) {
	size := ResponseHeaderSize + CpgJoinlistEntrySize*len(m.Entries)
	b = ResponseHeader{ID: m.ExecID(), Size: int32(size)}.Append(b)
	for i := range m.Entries {
		b = marAppendU32Pad(b, m.Entries[i].PID)
		b = m.Entries[i].Group.append(b)
	}
	return b, nil
}

// DecodeCpgJoinlist decodes a JOINLIST. C walks entries while the entry
// *start* is below header.size, so header.size is authoritative here. Strict:
// size must lie within b, and a trailing partial entry (which C would read
// past the message) is an error. The response header's error field is ignored,
// as in C.
func DecodeCpgJoinlist(b []byte) (*CpgJoinlist, error) {
	h, err := DecodeResponseHeader(b)
	if err != nil {
		return nil, err
	}
	size := int(h.Size)
	if size < ResponseHeaderSize || size > len(b) {
		return nil, fmt.Errorf("wire: cpg joinlist size %d, message has %d bytes", h.Size, len(b))
	}
	if (size-ResponseHeaderSize)%CpgJoinlistEntrySize != 0 {
		return nil, fmt.Errorf("wire: cpg joinlist size %d is not 24 + 144·n", size)
	}
	m := &CpgJoinlist{}
	for off := ResponseHeaderSize; off < size; off += CpgJoinlistEntrySize {
		g, err := decodeCpgName(b[off+8:])
		if err != nil {
			return nil, err
		}
		m.Entries = append(m.Entries, CpgJoinlistEntry{PID: marU32(b[off:]), Group: g})
	}
	return m, nil
}

// CpgDownlist is struct req_exec_cpg_downlist (always 1568 bytes).
//
// NodeIDs keeps all 384 slots: C sends a static struct whose slots past
// LeftNodes still hold node ids from earlier downlists (seen in the udpu3
// capture: left_nodes 0 with nodeids[0] = 2). Receivers only look at the
// first LeftNodes entries (C only logs the count).
type CpgDownlist struct {
	OldMembers uint32 // size of the sender's previous membership
	LeftNodes  uint32
	NodeIDs    [ProcessorCountMax]uint32
}

func (*CpgDownlist) ExecID() int32 { return ServiceID(CpgService, MessageReqExecCpgDownlist) }

// Left returns the meaningful part of NodeIDs.
func (m *CpgDownlist) Left() []uint32 { return m.NodeIDs[:min(m.LeftNodes, ProcessorCountMax)] }

func (m *CpgDownlist) Append(b []byte) ([]byte, error) {
	b = RequestHeader{ID: m.ExecID(), Size: CpgDownlistSize}.Append(b)
	b = marAppendU32Pad(b, m.OldMembers)
	b = marAppendU32Pad(b, m.LeftNodes)
	for _, id := range m.NodeIDs {
		b = binary.LittleEndian.AppendUint32(b, id)
	}
	return b, nil
}

// DecodeCpgDownlist decodes a DOWNLIST. Lenient: left_nodes is not capped at
// 384, since C's handler only logs it (Left clamps).
func DecodeCpgDownlist(b []byte) (*CpgDownlist, error) {
	if err := marCheckFixed("cpg downlist", b, CpgDownlistSize); err != nil {
		return nil, err
	}
	m := &CpgDownlist{OldMembers: marU32(b[16:]), LeftNodes: marU32(b[24:])}
	for i := range m.NodeIDs {
		m.NodeIDs[i] = marU32(b[32+4*i:])
	}
	return m, nil
}

// CpgDownlistOld is the corosync 1.x/2.0 downlist (fn 4). 3.x never sends it
// and its handler only logs that it was received, so it is only recognised.
type CpgDownlistOld struct {
	LeftNodes uint32
	NodeIDs   [ProcessorCountMax]uint32
}

func (*CpgDownlistOld) ExecID() int32 { return ServiceID(CpgService, MessageReqExecCpgDownlistOld) }

func (m *CpgDownlistOld) Append(b []byte) ([]byte, error) {
	b = RequestHeader{ID: m.ExecID(), Size: CpgDownlistOldSize}.Append(b)
	b = marAppendU32Pad(b, m.LeftNodes)
	for _, id := range m.NodeIDs {
		b = binary.LittleEndian.AppendUint32(b, id)
	}
	return b, nil
}

// DecodeCpgDownlistOld is lenient: C reads nothing but the header, so a
// shorter body just leaves the fields zero.
func DecodeCpgDownlistOld(b []byte) (*CpgDownlistOld, error) {
	if _, err := DecodeRequestHeader(b); err != nil {
		return nil, err
	}
	m := &CpgDownlistOld{}
	if len(b) >= 20 {
		m.LeftNodes = marU32(b[16:])
	}
	for i := range m.NodeIDs {
		if 24+4*i+4 > len(b) {
			break
		}
		m.NodeIDs[i] = marU32(b[24+4*i:])
	}
	return m, nil
}
