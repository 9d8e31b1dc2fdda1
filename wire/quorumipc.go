package wire

import (
	"encoding/binary"
	"fmt"
)

// libquorum IPC messages (include/corosync/ipc_quorum.h, corosync 3.1.7) on
// the "quorum" socket.

// Request ids (enum req_quorum_types).
const (
	MessageReqQuorumGetquorate   int32 = 0
	MessageReqQuorumTrackstart   int32 = 1
	MessageReqQuorumTrackstop    int32 = 2
	MessageReqQuorumGettype      int32 = 3
	MessageReqQuorumModelGettype int32 = 4
)

// Response and event ids (enum res_quorum_types).
const (
	MessageResQuorumGetquorate             int32 = 0
	MessageResQuorumTrackstart             int32 = 1
	MessageResQuorumTrackstop              int32 = 2
	MessageResQuorumNotification           int32 = 3
	MessageResQuorumGettype                int32 = 4
	MessageResQuorumModelGettype           int32 = 5
	MessageResQuorumV1QuorumNotification   int32 = 6
	MessageResQuorumV1NodelistNotification int32 = 7
)

// Library models (enum lib_quorum_model).
const (
	LibQuorumModelV0 uint32 = 0
	LibQuorumModelV1 uint32 = 1
)

// QuorumRequest is a decoded libquorum request.
type QuorumRequest struct {
	ID         int32
	TrackFlags uint32 // TRACKSTART
	Model      uint32 // MODEL_GETTYPE
}

// DecodeQuorumRequest decodes a whole request, header included.
func DecodeQuorumRequest(b []byte) (*QuorumRequest, error) {
	h, err := DecodeRequestHeader(b)
	if err != nil {
		return nil, err
	}
	r := &QuorumRequest{ID: h.ID}
	need := RequestHeaderSize
	switch h.ID {
	case MessageReqQuorumGetquorate, MessageReqQuorumTrackstop, MessageReqQuorumGettype:
	case MessageReqQuorumTrackstart, MessageReqQuorumModelGettype:
		need = 20
	default:
		return nil, fmt.Errorf("wire: unknown quorum request id %d", h.ID)
	}
	if len(b) < need {
		return nil, fmt.Errorf("wire: quorum request %d: %d bytes, need %d", h.ID, len(b), need)
	}
	switch h.ID {
	case MessageReqQuorumTrackstart:
		r.TrackFlags = binary.LittleEndian.Uint32(b[16:])
	case MessageReqQuorumModelGettype:
		r.Model = binary.LittleEndian.Uint32(b[16:])
	}
	return r, nil
}

// Append encodes r as libquorum sends it (16 bytes, or 24 with a field).
func (r *QuorumRequest) Append(b []byte) ([]byte, error) {
	switch r.ID {
	case MessageReqQuorumGetquorate, MessageReqQuorumTrackstop, MessageReqQuorumGettype:
		return RequestHeader{ID: r.ID, Size: RequestHeaderSize}.Append(b), nil
	case MessageReqQuorumTrackstart:
		b = RequestHeader{ID: r.ID, Size: 24}.Append(b)
		b = binary.LittleEndian.AppendUint32(b, r.TrackFlags)
		return append(b, 0, 0, 0, 0), nil
	case MessageReqQuorumModelGettype:
		b = RequestHeader{ID: r.ID, Size: 24}.Append(b)
		b = binary.LittleEndian.AppendUint32(b, r.Model)
		return append(b, 0, 0, 0, 0), nil
	}
	return b, fmt.Errorf("wire: unknown quorum request id %d", r.ID)
}

// AppendQuorumU32Response is the 32-byte response carrying one u32 @24
// (GETQUORATE's quorate, GETTYPE's and MODEL_GETTYPE's quorum_type).
func AppendQuorumU32Response(b []byte, id int32, err CsError, v uint32) []byte {
	b = ResponseHeader{ID: id, Size: 32, Error: int32(err)}.Append(b)
	b = binary.LittleEndian.AppendUint32(b, v)
	return append(b, 0, 0, 0, 0)
}

// AppendQuorumStatus is a bare response header (TRACKSTART, TRACKSTOP).
func AppendQuorumStatus(b []byte, id int32, err CsError) []byte {
	return ResponseHeader{ID: id, Size: ResponseHeaderSize, Error: int32(err)}.Append(b)
}

func appendU32s(b []byte, l []uint32) []byte {
	for _, v := range l {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

// AppendQuorumNotificationV0: quorate @24, ring_seq @32, entries @40, view
// list @44; size 48+4n (the struct's tail padding counts, the list starts
// inside it).
func AppendQuorumNotificationV0(b []byte, quorate bool, ringSeq uint64, view []uint32) []byte {
	size := 48 + 4*len(view)
	start := len(b)
	b = ResponseHeader{ID: MessageResQuorumNotification, Size: int32(size), Error: int32(CsOK)}.Append(b)
	b = binary.LittleEndian.AppendUint32(b, uint32(b2u(quorate)))
	b = append(b, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint64(b, ringSeq)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(view)))
	b = appendU32s(b, view)
	return append(b, make([]byte, size-(len(b)-start))...)
}

// AppendQuorumNotificationV1: quorate @24, ring id @32/@40, entries @48,
// view list @52; size 56+4n.
func AppendQuorumNotificationV1(b []byte, quorate bool, ring RingID, view []uint32) []byte {
	size := 56 + 4*len(view)
	start := len(b)
	b = ResponseHeader{ID: MessageResQuorumV1QuorumNotification, Size: int32(size), Error: int32(CsOK)}.Append(b)
	b = binary.LittleEndian.AppendUint32(b, uint32(b2u(quorate)))
	b = append(b, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, ring.Rep)
	b = append(b, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint64(b, ring.Seq)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(view)))
	b = appendU32s(b, view)
	return append(b, make([]byte, size-(len(b)-start))...)
}

// AppendQuorumNodelistNotificationV1: ring id @24/@32, member, joined and
// left counts @40/@48/@56, then the three lists from @60; size 64+4(m+j+l).
func AppendQuorumNodelistNotificationV1(b []byte, ring RingID, members, joined, left []uint32) []byte {
	size := 64 + 4*(len(members)+len(joined)+len(left))
	start := len(b)
	le := binary.LittleEndian
	b = ResponseHeader{ID: MessageResQuorumV1NodelistNotification, Size: int32(size), Error: int32(CsOK)}.Append(b)
	b = le.AppendUint32(b, ring.Rep)
	b = append(b, 0, 0, 0, 0)
	b = le.AppendUint64(b, ring.Seq)
	b = le.AppendUint32(b, uint32(len(members)))
	b = append(b, 0, 0, 0, 0)
	b = le.AppendUint32(b, uint32(len(joined)))
	b = append(b, 0, 0, 0, 0)
	b = le.AppendUint32(b, uint32(len(left)))
	b = appendU32s(b, members)
	b = appendU32s(b, joined)
	b = appendU32s(b, left)
	return append(b, make([]byte, size-(len(b)-start))...)
}

func b2u(v bool) int {
	if v {
		return 1
	}
	return 0
}
