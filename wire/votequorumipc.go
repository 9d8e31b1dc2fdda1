package wire

import (
	"encoding/binary"
	"fmt"
)

// libvotequorum IPC messages (include/corosync/ipc_votequorum.h, corosync
// 3.1.7) on the "votequorum" socket. Every struct starts with an aligned(8)
// header, so sizes are rounded up to 8.

// Request ids (enum req_votequorum_types).
const (
	MessageReqVotequorumGetinfo           int32 = 0
	MessageReqVotequorumSetexpected       int32 = 1
	MessageReqVotequorumSetvotes          int32 = 2
	MessageReqVotequorumTrackstart        int32 = 3
	MessageReqVotequorumTrackstop         int32 = 4
	MessageReqVotequorumQdeviceRegister   int32 = 5
	MessageReqVotequorumQdeviceUnregister int32 = 6
	MessageReqVotequorumQdeviceUpdate     int32 = 7
	MessageReqVotequorumQdevicePoll       int32 = 8
	MessageReqVotequorumQdeviceMasterWins int32 = 9
)

// Response and event ids (enum res_votequorum_types).
const (
	MessageResVotequorumStatus                    int32 = 0
	MessageResVotequorumGetinfo                   int32 = 1
	MessageResVotequorumTrackstart                int32 = 2
	MessageResVotequorumQuorumNotification        int32 = 3
	MessageResVotequorumExpectedvotesNotification int32 = 4
	MessageResVotequorumNodelistNotification      int32 = 5
)

// Request sizes (sizeof the lib's structs).
const (
	VotequorumGetinfoReqSize       = 24
	VotequorumSetexpectedReqSize   = 24
	VotequorumSetvotesReqSize      = 24
	VotequorumTrackstartReqSize    = 32
	VotequorumTrackstopReqSize     = 16
	VotequorumQdeviceNameReqSize   = 272 // register and unregister
	VotequorumQdeviceUpdateReqSize = 528
	VotequorumQdevicePollReqSize   = 296
	VotequorumQdeviceMasterReqSize = 280
	VotequorumGetinfoResSize       = 320
	VotequorumStatusResSize        = 24
	VotequorumExpectedvotesResSize = 40
)

// VOTEQUORUM_INFO_* flags of the GETINFO response.
const (
	VotequorumInfoTwoNode           uint32 = 1
	VotequorumInfoQuorate           uint32 = 2
	VotequorumInfoWaitForAll        uint32 = 4
	VotequorumInfoLastManStanding   uint32 = 8
	VotequorumInfoAutoTieBreaker    uint32 = 16
	VotequorumInfoAllowDownscale    uint32 = 32
	VotequorumInfoQdeviceRegistered uint32 = 64
	VotequorumInfoQdeviceAlive      uint32 = 128
	VotequorumInfoQdeviceCastVote   uint32 = 256
	VotequorumInfoQdeviceMasterWins uint32 = 512
)

// CS_TRACK_* flags (corotypes.h), shared by quorum and votequorum.
const (
	CsTrackCurrent     uint32 = 1
	CsTrackChanges     uint32 = 2
	CsTrackChangesOnly uint32 = 4
)

// VotequorumRequest is a decoded libvotequorum request. Only the fields of
// its ID are meaningful.
type VotequorumRequest struct {
	ID            int32
	NodeID        uint32 // GETINFO (0 = local), SETVOTES
	ExpectedVotes uint32 // SETEXPECTED
	Votes         uint32 // SETVOTES
	Context       uint64 // TRACKSTART
	TrackFlags    uint32 // TRACKSTART
	Name          string // qdevice calls; UPDATE's old name
	NewName       string // UPDATE
	CastVote      int32  // POLL
	RingID        RingID // POLL
	Allow         uint32 // MASTER_WINS
}

var votequorumReqMin = map[int32]int{
	// C reads only up to the last field, so the minimum is where it ends,
	// not the padded struct size.
	MessageReqVotequorumGetinfo:           20,
	MessageReqVotequorumSetexpected:       20,
	MessageReqVotequorumSetvotes:          24,
	MessageReqVotequorumTrackstart:        28,
	MessageReqVotequorumTrackstop:         16,
	MessageReqVotequorumQdeviceRegister:   16 + VotequorumQdeviceMaxNameLen,
	MessageReqVotequorumQdeviceUnregister: 16 + VotequorumQdeviceMaxNameLen,
	MessageReqVotequorumQdeviceUpdate:     16 + 2*VotequorumQdeviceMaxNameLen,
	MessageReqVotequorumQdevicePoll:       VotequorumQdevicePollReqSize,
	MessageReqVotequorumQdeviceMasterWins: 276,
}

// DecodeVotequorumRequest decodes a whole request (header included). Names
// must be NUL-terminated inside their arrays, because the C engine treats
// them as C strings.
func DecodeVotequorumRequest(b []byte) (*VotequorumRequest, error) {
	h, err := DecodeRequestHeader(b)
	if err != nil {
		return nil, err
	}
	min, ok := votequorumReqMin[h.ID]
	if !ok {
		return nil, fmt.Errorf("wire: unknown votequorum request id %d", h.ID)
	}
	if len(b) < min {
		return nil, fmt.Errorf("wire: votequorum request %d: %d bytes, need %d", h.ID, len(b), min)
	}
	le := binary.LittleEndian
	r := &VotequorumRequest{ID: h.ID}
	const n = VotequorumQdeviceMaxNameLen
	switch h.ID {
	case MessageReqVotequorumGetinfo:
		r.NodeID = le.Uint32(b[16:])
	case MessageReqVotequorumSetexpected:
		r.ExpectedVotes = le.Uint32(b[16:])
	case MessageReqVotequorumSetvotes:
		r.Votes = le.Uint32(b[16:])
		r.NodeID = le.Uint32(b[20:])
	case MessageReqVotequorumTrackstart:
		r.Context = le.Uint64(b[16:])
		r.TrackFlags = le.Uint32(b[24:])
	case MessageReqVotequorumQdeviceRegister, MessageReqVotequorumQdeviceUnregister:
		r.Name, err = marCString(b[16 : 16+n])
	case MessageReqVotequorumQdeviceUpdate:
		if r.Name, err = marCString(b[16 : 16+n]); err == nil {
			r.NewName, err = marCString(b[16+n : 16+2*n])
		}
	case MessageReqVotequorumQdevicePoll:
		r.Name, err = marCString(b[16 : 16+n])
		r.CastVote = int32(le.Uint32(b[272:]))
		r.RingID = RingID{Rep: le.Uint32(b[280:]), Seq: le.Uint64(b[288:])}
	case MessageReqVotequorumQdeviceMasterWins:
		r.Name, err = marCString(b[16 : 16+n])
		r.Allow = le.Uint32(b[272:])
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Append encodes r as the C library would send it (client side, tests).
func (r *VotequorumRequest) Append(b []byte) ([]byte, error) {
	le := binary.LittleEndian
	size := map[int32]int{
		MessageReqVotequorumGetinfo:           VotequorumGetinfoReqSize,
		MessageReqVotequorumSetexpected:       VotequorumSetexpectedReqSize,
		MessageReqVotequorumSetvotes:          VotequorumSetvotesReqSize,
		MessageReqVotequorumTrackstart:        VotequorumTrackstartReqSize,
		MessageReqVotequorumTrackstop:         VotequorumTrackstopReqSize,
		MessageReqVotequorumQdeviceRegister:   VotequorumQdeviceNameReqSize,
		MessageReqVotequorumQdeviceUnregister: VotequorumQdeviceNameReqSize,
		MessageReqVotequorumQdeviceUpdate:     VotequorumQdeviceUpdateReqSize,
		MessageReqVotequorumQdevicePoll:       VotequorumQdevicePollReqSize,
		MessageReqVotequorumQdeviceMasterWins: VotequorumQdeviceMasterReqSize,
	}[r.ID]
	if size == 0 {
		return b, fmt.Errorf("wire: unknown votequorum request id %d", r.ID)
	}
	for _, s := range []string{r.Name, r.NewName} {
		if err := marCheckQdeviceName(s); err != nil {
			return b, err
		}
	}
	start := len(b)
	b = RequestHeader{ID: r.ID, Size: int32(size)}.Append(b)
	b = append(b, make([]byte, size-RequestHeaderSize)...)
	m := b[start:]
	switch r.ID {
	case MessageReqVotequorumGetinfo:
		le.PutUint32(m[16:], r.NodeID)
	case MessageReqVotequorumSetexpected:
		le.PutUint32(m[16:], r.ExpectedVotes)
	case MessageReqVotequorumSetvotes:
		le.PutUint32(m[16:], r.Votes)
		le.PutUint32(m[20:], r.NodeID)
	case MessageReqVotequorumTrackstart:
		le.PutUint64(m[16:], r.Context)
		le.PutUint32(m[24:], r.TrackFlags)
	case MessageReqVotequorumQdeviceRegister, MessageReqVotequorumQdeviceUnregister:
		copy(m[16:], r.Name)
	case MessageReqVotequorumQdeviceUpdate:
		copy(m[16:], r.Name)
		copy(m[16+VotequorumQdeviceMaxNameLen:], r.NewName)
	case MessageReqVotequorumQdevicePoll:
		copy(m[16:], r.Name)
		le.PutUint32(m[272:], uint32(r.CastVote))
		le.PutUint32(m[280:], r.RingID.Rep)
		le.PutUint64(m[288:], r.RingID.Seq)
	case MessageReqVotequorumQdeviceMasterWins:
		copy(m[16:], r.Name)
		le.PutUint32(m[272:], r.Allow)
	}
	return b, nil
}

// AppendVotequorumStatus is res_lib_votequorum_status: a bare header.
func AppendVotequorumStatus(b []byte, err CsError) []byte {
	return ResponseHeader{ID: MessageResVotequorumStatus, Size: VotequorumStatusResSize, Error: int32(err)}.Append(b)
}

// VotequorumInfo is res_lib_votequorum_getinfo's body.
type VotequorumInfo struct {
	NodeID, State, Votes, ExpectedVotes, HighestExpected, TotalVotes, Quorum, Flags, QdeviceVotes uint32
	QdeviceName                                                                                   string
}

// AppendVotequorumGetinfo encodes the GETINFO response. The name is always
// NUL-terminated: libvotequorum strcpy()s it.
func AppendVotequorumGetinfo(b []byte, err CsError, in *VotequorumInfo) []byte {
	b = ResponseHeader{ID: MessageResVotequorumGetinfo, Size: VotequorumGetinfoResSize, Error: int32(err)}.Append(b)
	le := binary.LittleEndian
	for _, v := range []uint32{in.NodeID, in.State, in.Votes, in.ExpectedVotes, in.HighestExpected, in.TotalVotes, in.Quorum, in.Flags, in.QdeviceVotes} {
		b = le.AppendUint32(b, v)
	}
	name := in.QdeviceName
	if len(name) >= VotequorumQdeviceMaxNameLen {
		name = name[:VotequorumQdeviceMaxNameLen-1]
	}
	b = marAppendFixedString(b, name, VotequorumQdeviceMaxNameLen)
	return append(b, 0, 0, 0, 0, 0) // 315 -> 320
}

// DecodeVotequorumGetinfo is the client side of AppendVotequorumGetinfo.
func DecodeVotequorumGetinfo(b []byte) (*VotequorumInfo, CsError, error) {
	h, err := DecodeResponseHeader(b)
	if err != nil {
		return nil, 0, err
	}
	if len(b) < 315 {
		return nil, 0, ErrShort
	}
	le := binary.LittleEndian
	var v [9]uint32
	for i := range v {
		v[i] = le.Uint32(b[24+4*i:])
	}
	name, err := marCString(b[60 : 60+VotequorumQdeviceMaxNameLen])
	if err != nil {
		return nil, 0, err
	}
	return &VotequorumInfo{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], name}, CsError(h.Error), nil
}

// VotequorumNodeState is struct votequorum_node.
type VotequorumNodeState struct{ NodeID, State uint32 }

// AppendVotequorumQuorumNotification: quorate @24, context @32, entries @40,
// node list @48.
func AppendVotequorumQuorumNotification(b []byte, quorate bool, context uint64, nodes []VotequorumNodeState) []byte {
	size := 48 + 8*len(nodes)
	b = ResponseHeader{ID: MessageResVotequorumQuorumNotification, Size: int32(size), Error: int32(CsOK)}.Append(b)
	le := binary.LittleEndian
	q := uint32(0)
	if quorate {
		q = 1
	}
	b = le.AppendUint32(b, q)
	b = append(b, 0, 0, 0, 0)
	b = le.AppendUint64(b, context)
	b = le.AppendUint32(b, uint32(len(nodes)))
	b = append(b, 0, 0, 0, 0)
	for _, n := range nodes {
		b = le.AppendUint32(b, n.NodeID)
		b = le.AppendUint32(b, n.State)
	}
	return b
}

// AppendVotequorumNodelistNotification: context @24, ring id @32/@40,
// entries @48, node ids @56.
func AppendVotequorumNodelistNotification(b []byte, context uint64, ring RingID, nodes []uint32) []byte {
	size := 56 + 4*len(nodes)
	b = ResponseHeader{ID: MessageResVotequorumNodelistNotification, Size: int32(size), Error: int32(CsOK)}.Append(b)
	le := binary.LittleEndian
	b = le.AppendUint64(b, context)
	b = le.AppendUint32(b, ring.Rep)
	b = append(b, 0, 0, 0, 0)
	b = le.AppendUint64(b, ring.Seq)
	b = le.AppendUint32(b, uint32(len(nodes)))
	b = append(b, 0, 0, 0, 0)
	for _, n := range nodes {
		b = le.AppendUint32(b, n)
	}
	return b
}

// AppendVotequorumExpectedvotesNotification: context @24, expected_votes @32.
func AppendVotequorumExpectedvotesNotification(b []byte, context uint64, expected uint32) []byte {
	b = ResponseHeader{ID: MessageResVotequorumExpectedvotesNotification, Size: VotequorumExpectedvotesResSize, Error: int32(CsOK)}.Append(b)
	b = binary.LittleEndian.AppendUint64(b, context)
	b = binary.LittleEndian.AppendUint32(b, expected)
	return append(b, 0, 0, 0, 0)
}
