package wire

import (
	"encoding/binary"
	"fmt"
)

// libcpg IPC messages (include/corosync/ipc_cpg.h, corosync 3.1.7): what
// libcpg sends on the "cpg" socket, the responses exec/cpg.c answers with and
// the four callback events. Every member is aligned to 8, hence the padding.

// Request ids (enum req_cpg_types).
const (
	MessageReqCpgJoin                int32 = 0
	MessageReqCpgLeave               int32 = 1
	MessageReqCpgMcast               int32 = 2
	MessageReqCpgMembership          int32 = 3
	MessageReqCpgLocalGet            int32 = 4
	MessageReqCpgIterationInitialize int32 = 5
	MessageReqCpgIterationNext       int32 = 6
	MessageReqCpgIterationFinalize   int32 = 7
	MessageReqCpgFinalize            int32 = 8
	MessageReqCpgZcAlloc             int32 = 9
	MessageReqCpgZcFree              int32 = 10
	MessageReqCpgZcExecute           int32 = 11
	MessageReqCpgPartialMcast        int32 = 12
)

// Response and event ids (enum res_cpg_types).
const (
	MessageResCpgJoin                   int32 = 0
	MessageResCpgLeave                  int32 = 1
	MessageResCpgMcast                  int32 = 2
	MessageResCpgMembership             int32 = 3
	MessageResCpgConfchgCallback        int32 = 4
	MessageResCpgDeliverCallback        int32 = 5
	MessageResCpgFlowControlStateSet    int32 = 6 // never sent by 3.1.7
	MessageResCpgLocalGet               int32 = 7
	MessageResCpgFlowcontrolCallback    int32 = 8 // never sent by 3.1.7
	MessageResCpgIterationInitialize    int32 = 9
	MessageResCpgIterationNext          int32 = 10
	MessageResCpgIterationFinalize      int32 = 11
	MessageResCpgFinalize               int32 = 12
	MessageResCpgTotemConfchgCallback   int32 = 13
	MessageResCpgZcAlloc                int32 = 14 // unused: C answers ZC_ALLOC with id 0
	MessageResCpgZcFree                 int32 = 15 // unused: C answers ZC_FREE with id 0
	MessageResCpgZcExecute              int32 = 16 // unused: C answers ZC_EXECUTE with id 2
	MessageResCpgPartialDeliverCallback int32 = 17
	MessageResCpgPartialSend            int32 = 18
)

// Iteration types (cpg_iteration_type_t).
const (
	CpgIterationNameOnly uint32 = 1
	CpgIterationOneGroup uint32 = 2
	CpgIterationAll      uint32 = 3
)

// CpgModelV1DeliverInitialTotemConf is the join flag asking for one totem
// confchg callback right after the first confchg.
const CpgModelV1DeliverInitialTotemConf uint32 = 1

// CpgReasonUndefined is the reason of member_list entries.
const CpgReasonUndefined uint32 = 0

// Sizes of the fixed parts (sizeof with gcc on x86-64 / arm64).
const (
	CpgReqJoinSize           = 168
	CpgReqLeaveSize          = 160
	CpgReqMcastSize          = 40 // + msglen
	CpgReqMembershipSize     = 152
	CpgReqLocalGetSize       = 16
	CpgReqIterInitSize       = 160
	CpgReqIterHandleSize     = 24 // ITERATIONNEXT and ITERATIONFINALIZE
	CpgReqFinalizeSize       = 16
	CpgReqZcAllocSize        = 152
	CpgReqZcFreeSize         = 32
	CpgReqZcExecuteSize      = 24
	CpgReqPartialMcastSize   = 56 // + fraglen
	CpgZcPathLen             = 128
	CpgZcHeaderSize          = 16 // struct coroipcs_zc_header: int map_size, u64 server_address @8
	CpgResMembershipSize     = 32 + 24*ProcessorCountMax
	CpgResLocalGetSize       = 32
	CpgResIterInitSize       = 32
	CpgResIterNextSize       = 168
	CpgConfchgSize           = 184 // + 24 per address
	CpgDeliverSize           = 184 // + msglen
	CpgPartialDeliverSize    = 200 // + fraglen
	CpgTotemConfchgSize      = 48  // + 4 per member; the list starts at 44
	CpgAddressSize           = 24
	cpgTotemConfchgListStart = 44
)

// CpgAddress is mar_cpg_address_t.
type CpgAddress struct {
	NodeID uint32
	PID    uint32
	Reason uint32
}

func (a CpgAddress) append(b []byte) []byte {
	b = marAppendU32Pad(b, a.NodeID)
	b = marAppendU32Pad(b, a.PID)
	return marAppendU32Pad(b, a.Reason)
}

func decodeCpgAddress(b []byte) CpgAddress {
	return CpgAddress{NodeID: marU32(b), PID: marU32(b[8:]), Reason: marU32(b[16:])}
}

// readCpgNameRaw reads a mar_cpg_name_t without judging its length: the
// daemon answers an over-long name itself (CS_ERR_NAME_TOO_LONG on join, no
// match elsewhere), as exec/cpg.c does.
func readCpgNameRaw(b []byte) CpgName {
	var n CpgName
	n.Length = marU32(b)
	copy(n.Value[:], b[8:MarCpgNameSize])
	return n
}

// cpgCheck verifies that b holds at least the fixed part of a request.
func cpgCheck(what string, b []byte, need int) error {
	if len(b) < need {
		return fmt.Errorf("wire: cpg %s: %d bytes, need %d: %w", what, len(b), need, ErrShort)
	}
	return nil
}

// CpgReqJoin is struct req_lib_cpg_join.
type CpgReqJoin struct {
	Group CpgName // Length may exceed 128 (answered NAME_TOO_LONG)
	PID   uint32
	Flags uint32
}

func (r *CpgReqJoin) Append(b []byte) []byte {
	b = RequestHeader{ID: MessageReqCpgJoin, Size: CpgReqJoinSize}.Append(b)
	b = r.Group.append(b)
	b = marAppendU32Pad(b, r.PID)
	return marAppendU32Pad(b, r.Flags)
}

func DecodeCpgReqJoin(b []byte) (*CpgReqJoin, error) {
	if err := cpgCheck("join", b, CpgReqJoinSize); err != nil {
		return nil, err
	}
	return &CpgReqJoin{Group: readCpgNameRaw(b[16:]), PID: marU32(b[152:]), Flags: marU32(b[160:])}, nil
}

// CpgReqLeave is struct req_lib_cpg_leave.
type CpgReqLeave struct {
	Group CpgName
	PID   uint32
}

func (r *CpgReqLeave) Append(b []byte) []byte {
	b = RequestHeader{ID: MessageReqCpgLeave, Size: CpgReqLeaveSize}.Append(b)
	b = r.Group.append(b)
	return marAppendU32Pad(b, r.PID)
}

func DecodeCpgReqLeave(b []byte) (*CpgReqLeave, error) {
	if err := cpgCheck("leave", b, CpgReqLeaveSize); err != nil {
		return nil, err
	}
	return &CpgReqLeave{Group: readCpgNameRaw(b[16:]), PID: marU32(b[152:])}, nil
}

// CpgReqMcast is struct req_lib_cpg_mcast. It starts with a 24-byte
// *response* header, as libcpg declares it.
type CpgReqMcast struct {
	Guarantee uint32
	Message   []byte
}

func (r *CpgReqMcast) Append(b []byte) []byte {
	b = ResponseHeader{ID: MessageReqCpgMcast, Size: int32(CpgReqMcastSize + len(r.Message))}.Append(b)
	b = marAppendU32Pad(b, r.Guarantee)
	b = marAppendU32Pad(b, uint32(len(r.Message)))
	return append(b, r.Message...)
}

// DecodeCpgReqMcast: strict where C is not: msglen must lie within b (C
// would multicast whatever follows the request). Message aliases b.
func DecodeCpgReqMcast(b []byte) (*CpgReqMcast, error) {
	if err := cpgCheck("mcast", b, CpgReqMcastSize); err != nil {
		return nil, err
	}
	n := marU32(b[32:])
	if uint64(n) > uint64(len(b)-CpgReqMcastSize) {
		return nil, fmt.Errorf("wire: cpg mcast msglen %d, %d bytes follow: %w", n, len(b)-CpgReqMcastSize, ErrShort)
	}
	return &CpgReqMcast{Guarantee: marU32(b[24:]), Message: b[CpgReqMcastSize : CpgReqMcastSize+int(n)]}, nil
}

// CpgReqPartialMcast is struct req_lib_cpg_partial_mcast (response header too).
type CpgReqPartialMcast struct {
	Guarantee uint32
	MsgLen    uint32 // whole message
	Type      uint32 // CpgPartialFirst/Continued/Last
	Data      []byte // fraglen bytes
}

func (r *CpgReqPartialMcast) Append(b []byte) []byte {
	b = ResponseHeader{ID: MessageReqCpgPartialMcast, Size: int32(CpgReqPartialMcastSize + len(r.Data))}.Append(b)
	b = marAppendU32Pad(b, r.Guarantee)
	b = marAppendU32Pad(b, r.MsgLen)
	b = marAppendU32Pad(b, uint32(len(r.Data)))
	b = marAppendU32Pad(b, r.Type)
	return append(b, r.Data...)
}

func DecodeCpgReqPartialMcast(b []byte) (*CpgReqPartialMcast, error) {
	if err := cpgCheck("partial mcast", b, CpgReqPartialMcastSize); err != nil {
		return nil, err
	}
	n := marU32(b[40:])
	if uint64(n) > uint64(len(b)-CpgReqPartialMcastSize) {
		return nil, fmt.Errorf("wire: cpg partial mcast fraglen %d, %d bytes follow: %w", n, len(b)-CpgReqPartialMcastSize, ErrShort)
	}
	return &CpgReqPartialMcast{
		Guarantee: marU32(b[24:]),
		MsgLen:    marU32(b[32:]),
		Type:      marU32(b[48:]),
		Data:      b[CpgReqPartialMcastSize : CpgReqPartialMcastSize+int(n)],
	}, nil
}

// CpgReqGroup is struct req_lib_cpg_membership_get: just a group name.
type CpgReqGroup struct{ Group CpgName }

func (r *CpgReqGroup) Append(b []byte) []byte {
	b = RequestHeader{ID: MessageReqCpgMembership, Size: CpgReqMembershipSize}.Append(b)
	return r.Group.append(b)
}

func DecodeCpgReqMembership(b []byte) (*CpgReqGroup, error) {
	if err := cpgCheck("membership", b, CpgReqMembershipSize); err != nil {
		return nil, err
	}
	return &CpgReqGroup{Group: readCpgNameRaw(b[16:])}, nil
}

// CpgReqIterInit is struct req_lib_cpg_iterationinitialize.
type CpgReqIterInit struct {
	Group CpgName
	Type  uint32
}

func (r *CpgReqIterInit) Append(b []byte) []byte {
	b = RequestHeader{ID: MessageReqCpgIterationInitialize, Size: CpgReqIterInitSize}.Append(b)
	b = r.Group.append(b)
	return marAppendU32Pad(b, r.Type)
}

func DecodeCpgReqIterInit(b []byte) (*CpgReqIterInit, error) {
	if err := cpgCheck("iteration initialize", b, CpgReqIterInitSize); err != nil {
		return nil, err
	}
	return &CpgReqIterInit{Group: readCpgNameRaw(b[16:]), Type: marU32(b[152:])}, nil
}

// AppendCpgReqU64 builds the requests made of a header and one u64:
// ITERATIONNEXT / ITERATIONFINALIZE (iteration handle) and ZC_EXECUTE
// (server address).
func AppendCpgReqU64(b []byte, id int32, v uint64) []byte {
	b = RequestHeader{ID: id, Size: 24}.Append(b)
	return binary.LittleEndian.AppendUint64(b, v)
}

// DecodeCpgReqU64 reads the u64 at offset 16 of those requests.
func DecodeCpgReqU64(b []byte) (uint64, error) {
	if err := cpgCheck("request", b, 24); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b[16:]), nil
}

// CpgReqZcAlloc is mar_req_coroipcc_zc_alloc_t.
type CpgReqZcAlloc struct {
	MapSize uint64
	Path    [CpgZcPathLen]byte // NUL-terminated
}

// PathString is the path as C's open() reads it: up to the first NUL.
func (r *CpgReqZcAlloc) PathString() string {
	for i, c := range r.Path {
		if c == 0 {
			return string(r.Path[:i])
		}
	}
	return string(r.Path[:])
}

func (r *CpgReqZcAlloc) Append(b []byte) []byte {
	b = RequestHeader{ID: MessageReqCpgZcAlloc, Size: CpgReqZcAllocSize}.Append(b)
	b = binary.LittleEndian.AppendUint64(b, r.MapSize)
	return append(b, r.Path[:]...)
}

func DecodeCpgReqZcAlloc(b []byte) (*CpgReqZcAlloc, error) {
	if err := cpgCheck("zc alloc", b, CpgReqZcAllocSize); err != nil {
		return nil, err
	}
	r := &CpgReqZcAlloc{MapSize: binary.LittleEndian.Uint64(b[16:])}
	copy(r.Path[:], b[24:CpgReqZcAllocSize])
	return r, nil
}

// CpgReqZcFree is mar_req_coroipcc_zc_free_t.
type CpgReqZcFree struct {
	MapSize       uint64
	ServerAddress uint64
}

func (r *CpgReqZcFree) Append(b []byte) []byte {
	b = RequestHeader{ID: MessageReqCpgZcFree, Size: CpgReqZcFreeSize}.Append(b)
	b = binary.LittleEndian.AppendUint64(b, r.MapSize)
	return binary.LittleEndian.AppendUint64(b, r.ServerAddress)
}

func DecodeCpgReqZcFree(b []byte) (*CpgReqZcFree, error) {
	if err := cpgCheck("zc free", b, CpgReqZcFreeSize); err != nil {
		return nil, err
	}
	return &CpgReqZcFree{MapSize: binary.LittleEndian.Uint64(b[16:]), ServerAddress: binary.LittleEndian.Uint64(b[24:])}, nil
}

// AppendCpgResHeader builds the bare 24-byte responses (JOIN, LEAVE,
// FINALIZE, ITERATIONFINALIZE, PARTIAL_SEND, ZC_*).
func AppendCpgResHeader(b []byte, id int32, e CsError) []byte {
	return ResponseHeader{ID: id, Size: ResponseHeaderSize, Error: int32(e)}.Append(b)
}

// CpgResMembership is struct res_lib_cpg_membership_get: always 9248 bytes.
type CpgResMembership struct {
	Error   CsError
	Members []CpgAddress // at most 384
}

func (r *CpgResMembership) Append(b []byte) []byte {
	n := min(len(r.Members), ProcessorCountMax)
	b = ResponseHeader{ID: MessageResCpgMembership, Size: CpgResMembershipSize, Error: int32(r.Error)}.Append(b)
	b = marAppendU32Pad(b, uint32(n))
	for _, a := range r.Members[:n] {
		b = a.append(b)
	}
	return append(b, make([]byte, CpgAddressSize*(ProcessorCountMax-n))...)
}

func DecodeCpgResMembership(b []byte) (*CpgResMembership, error) {
	h, err := DecodeResponseHeader(b)
	if err != nil {
		return nil, err
	}
	if err := cpgCheck("membership response", b, CpgResMembershipSize); err != nil {
		return nil, err
	}
	n := marU32(b[24:])
	if n > ProcessorCountMax {
		return nil, fmt.Errorf("wire: cpg membership count %d > %d", n, ProcessorCountMax)
	}
	r := &CpgResMembership{Error: CsError(h.Error), Members: make([]CpgAddress, n)}
	for i := range r.Members {
		r.Members[i] = decodeCpgAddress(b[32+CpgAddressSize*i:])
	}
	return r, nil
}

// AppendCpgResU64 builds the responses made of a header and one u64-sized
// field: LOCAL_GET (local_nodeid, a u32 in an 8-aligned slot) and
// ITERATIONINITIALIZE (iteration handle).
func AppendCpgResU64(b []byte, id int32, e CsError, v uint64) []byte {
	b = ResponseHeader{ID: id, Size: 32, Error: int32(e)}.Append(b)
	return binary.LittleEndian.AppendUint64(b, v)
}

// DecodeCpgResU64 is the inverse of AppendCpgResU64.
func DecodeCpgResU64(b []byte) (ResponseHeader, uint64, error) {
	h, err := DecodeResponseHeader(b)
	if err != nil {
		return h, 0, err
	}
	if err := cpgCheck("response", b, 32); err != nil {
		return h, 0, err
	}
	return h, binary.LittleEndian.Uint64(b[24:]), nil
}

// CpgResIterNext is struct res_lib_cpg_iterationnext. The description is
// mar_cpg_iteration_description_t: group @24, then nodeid @160 and pid @164
// (not 8-aligned inside that struct).
type CpgResIterNext struct {
	Error  CsError
	Group  CpgName
	NodeID uint32
	PID    uint32
}

func (r *CpgResIterNext) Append(b []byte) []byte {
	b = ResponseHeader{ID: MessageResCpgIterationNext, Size: CpgResIterNextSize, Error: int32(r.Error)}.Append(b)
	b = r.Group.append(b)
	b = marAppendU32(b, r.NodeID)
	return marAppendU32(b, r.PID)
}

func DecodeCpgResIterNext(b []byte) (*CpgResIterNext, error) {
	h, err := DecodeResponseHeader(b)
	if err != nil {
		return nil, err
	}
	if err := cpgCheck("iteration next response", b, CpgResIterNextSize); err != nil {
		return nil, err
	}
	return &CpgResIterNext{Error: CsError(h.Error), Group: readCpgNameRaw(b[24:]), NodeID: marU32(b[160:]), PID: marU32(b[164:])}, nil
}

// CpgConfchg is struct res_lib_cpg_confchg_callback. On the wire the three
// counts are members, joined, left, but the arrays follow in the order
// members, left, joined.
type CpgConfchg struct {
	Group   CpgName
	Members []CpgAddress
	Left    []CpgAddress
	Joined  []CpgAddress
}

// Size is the encoded length.
func (m *CpgConfchg) Size() int {
	return CpgConfchgSize + CpgAddressSize*(len(m.Members)+len(m.Left)+len(m.Joined))
}

func (m *CpgConfchg) Append(b []byte) []byte {
	b = ResponseHeader{ID: MessageResCpgConfchgCallback, Size: int32(m.Size()), Error: int32(CsOK)}.Append(b)
	b = m.Group.append(b)
	b = marAppendU32Pad(b, uint32(len(m.Members)))
	b = marAppendU32Pad(b, uint32(len(m.Joined)))
	b = marAppendU32Pad(b, uint32(len(m.Left)))
	for _, l := range [][]CpgAddress{m.Members, m.Left, m.Joined} {
		for _, a := range l {
			b = a.append(b)
		}
	}
	return b
}

// DecodeCpgConfchg is strict: every list must lie within the message.
func DecodeCpgConfchg(b []byte) (*CpgConfchg, error) {
	if err := cpgCheck("confchg", b, CpgConfchgSize); err != nil {
		return nil, err
	}
	g, err := decodeCpgName(b[24:])
	if err != nil {
		return nil, err
	}
	nm, nj, nl := uint64(marU32(b[160:])), uint64(marU32(b[168:])), uint64(marU32(b[176:]))
	if CpgConfchgSize+CpgAddressSize*(nm+nj+nl) > uint64(len(b)) {
		return nil, fmt.Errorf("wire: cpg confchg of %d+%d+%d entries in %d bytes: %w", nm, nl, nj, len(b), ErrShort)
	}
	m := &CpgConfchg{Group: g}
	off := CpgConfchgSize
	read := func(n uint64) []CpgAddress {
		l := make([]CpgAddress, n)
		for i := range l {
			l[i] = decodeCpgAddress(b[off:])
			off += CpgAddressSize
		}
		return l
	}
	m.Members = read(nm)
	m.Left = read(nl)
	m.Joined = read(nj)
	return m, nil
}

// CpgDeliver is struct res_lib_cpg_deliver_callback.
type CpgDeliver struct {
	Group   CpgName
	NodeID  uint32
	PID     uint32
	Message []byte
}

// AppendCpgDeliverHeader writes the 184-byte header of a deliver event whose
// message of msglen bytes the caller appends (the hot path builds it once
// and appends the payload straight from the exec message).
func AppendCpgDeliverHeader(b []byte, g *CpgName, nodeid, pid uint32, msglen int) []byte {
	b = ResponseHeader{ID: MessageResCpgDeliverCallback, Size: int32(CpgDeliverSize + msglen), Error: int32(CsOK)}.Append(b)
	b = g.append(b)
	b = marAppendU32Pad(b, uint32(msglen))
	b = marAppendU32Pad(b, nodeid)
	return marAppendU32Pad(b, pid)
}

func (m *CpgDeliver) Append(b []byte) []byte {
	b = AppendCpgDeliverHeader(b, &m.Group, m.NodeID, m.PID, len(m.Message))
	return append(b, m.Message...)
}

// DecodeCpgDeliver: strict on msglen. Message aliases b.
func DecodeCpgDeliver(b []byte) (*CpgDeliver, error) {
	if err := cpgCheck("deliver", b, CpgDeliverSize); err != nil {
		return nil, err
	}
	g, err := decodeCpgName(b[24:])
	if err != nil {
		return nil, err
	}
	n := marU32(b[160:])
	if uint64(n) > uint64(len(b)-CpgDeliverSize) {
		return nil, fmt.Errorf("wire: cpg deliver msglen %d, %d bytes follow: %w", n, len(b)-CpgDeliverSize, ErrShort)
	}
	return &CpgDeliver{Group: g, NodeID: marU32(b[168:]), PID: marU32(b[176:]), Message: b[CpgDeliverSize : CpgDeliverSize+int(n)]}, nil
}

// CpgPartialDeliver is struct res_lib_cpg_partial_deliver_callback.
type CpgPartialDeliver struct {
	Group  CpgName
	MsgLen uint32
	NodeID uint32
	PID    uint32
	Type   uint32
	Data   []byte
}

func (m *CpgPartialDeliver) Append(b []byte) []byte {
	b = ResponseHeader{ID: MessageResCpgPartialDeliverCallback, Size: int32(CpgPartialDeliverSize + len(m.Data)), Error: int32(CsOK)}.Append(b)
	b = m.Group.append(b)
	b = marAppendU32Pad(b, m.MsgLen)
	b = marAppendU32Pad(b, uint32(len(m.Data)))
	b = marAppendU32Pad(b, m.NodeID)
	b = marAppendU32Pad(b, m.PID)
	b = marAppendU32Pad(b, m.Type)
	return append(b, m.Data...)
}

func DecodeCpgPartialDeliver(b []byte) (*CpgPartialDeliver, error) {
	if err := cpgCheck("partial deliver", b, CpgPartialDeliverSize); err != nil {
		return nil, err
	}
	g, err := decodeCpgName(b[24:])
	if err != nil {
		return nil, err
	}
	n := marU32(b[168:])
	if uint64(n) > uint64(len(b)-CpgPartialDeliverSize) {
		return nil, fmt.Errorf("wire: cpg partial deliver fraglen %d, %d bytes follow: %w", n, len(b)-CpgPartialDeliverSize, ErrShort)
	}
	return &CpgPartialDeliver{
		Group: g, MsgLen: marU32(b[160:]), NodeID: marU32(b[176:]), PID: marU32(b[184:]), Type: marU32(b[192:]),
		Data: b[CpgPartialDeliverSize : CpgPartialDeliverSize+int(n)],
	}, nil
}

// CpgTotemConfchg is struct res_lib_cpg_totem_confchg_callback. C's
// header.size counts sizeof(struct) = 48 plus 4 per member while the list
// starts at 44, so the last 4 bytes are unused (stack garbage in C, zero here).
type CpgTotemConfchg struct {
	RingID  RingID // mar_cpg_ring_id_t: nodeid @24, seq @32
	Members []uint32
}

func (m *CpgTotemConfchg) Append(b []byte) []byte {
	size := CpgTotemConfchgSize + 4*len(m.Members)
	b = ResponseHeader{ID: MessageResCpgTotemConfchgCallback, Size: int32(size), Error: int32(CsOK)}.Append(b)
	b = marAppendU32Pad(b, m.RingID.Rep)
	b = binary.LittleEndian.AppendUint64(b, m.RingID.Seq)
	b = marAppendU32(b, uint32(len(m.Members)))
	for _, id := range m.Members {
		b = marAppendU32(b, id)
	}
	return append(b, 0, 0, 0, 0)
}

func DecodeCpgTotemConfchg(b []byte) (*CpgTotemConfchg, error) {
	if err := cpgCheck("totem confchg", b, CpgTotemConfchgSize); err != nil {
		return nil, err
	}
	n := uint64(marU32(b[40:]))
	if cpgTotemConfchgListStart+4*n > uint64(len(b)) {
		return nil, fmt.Errorf("wire: cpg totem confchg of %d members in %d bytes: %w", n, len(b), ErrShort)
	}
	m := &CpgTotemConfchg{RingID: RingID{Rep: marU32(b[24:]), Seq: binary.LittleEndian.Uint64(b[32:])}, Members: make([]uint32, n)}
	for i := range m.Members {
		m.Members[i] = marU32(b[cpgTotemConfchgListStart+4*i:])
	}
	return m, nil
}
