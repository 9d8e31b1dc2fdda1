package wire

import (
	"encoding/binary"
	"errors"
)

// Sync v2 messages (exec/sync.c), sent in group "sync". Their header id is not
// service-encoded, and C never byte-swaps them.
const (
	SyncMsgBarrier      = 0 // MESSAGE_REQ_SYNC_BARRIER
	SyncMsgServiceBuild = 1 // MESSAGE_REQ_SYNC_SERVICE_BUILD

	SyncBarrierSize      = 32  // hdr16, ring_id @16, 4 pad
	SyncServiceBuildSize = 552 // hdr16, ring_id @16, entries @32, list[128] @40
	SyncServiceListMax   = 128
)

// ErrSyncServiceCount: service_list_entries outside 0..128 (C would read past
// its array).
var ErrSyncServiceCount = errors.New("wire: sync service_list_entries out of range")

// ErrSyncMsgID: the header id is neither BARRIER nor SERVICE_BUILD.
var ErrSyncMsgID = errors.New("wire: unknown sync message id")

// SyncBarrier is struct req_exec_barrier_message.
type SyncBarrier struct {
	RingID RingID
}

// SyncServiceBuild is struct req_exec_service_build_message.
type SyncServiceBuild struct {
	RingID   RingID
	Services []int32 // at most SyncServiceListMax
}

func syncAppendRingID(b []byte, r RingID) []byte {
	b = binary.LittleEndian.AppendUint32(b, r.Rep)
	b = binary.LittleEndian.AppendUint64(b, r.Seq)
	return append(b, 0, 0, 0, 0) // aligned(8) padding
}

func syncRingID(b []byte) RingID {
	return RingID{Rep: binary.LittleEndian.Uint32(b), Seq: binary.LittleEndian.Uint64(b[4:])}
}

// Append writes the 32-byte barrier after b.
func (m SyncBarrier) Append(b []byte) []byte {
	b = RequestHeader{ID: SyncMsgBarrier, Size: SyncBarrierSize}.Append(b)
	return syncAppendRingID(b, m.RingID)
}

// Append writes the 552-byte service build after b; unused list entries are 0.
func (m SyncServiceBuild) Append(b []byte) []byte {
	if len(m.Services) > SyncServiceListMax {
		panic("wire: sync service build with more than 128 services")
	}
	b = RequestHeader{ID: SyncMsgServiceBuild, Size: SyncServiceBuildSize}.Append(b)
	b = syncAppendRingID(b, m.RingID)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(m.Services)))
	b = append(b, 0, 0, 0, 0)
	for i := 0; i < SyncServiceListMax; i++ {
		var v int32
		if i < len(m.Services) {
			v = m.Services[i]
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b
}

// SyncMessageID returns the header id of a sync message.
func SyncMessageID(b []byte) (int32, error) {
	h, err := DecodeRequestHeader(b)
	return h.ID, err
}

// DecodeSyncBarrier parses a barrier. The header size is not checked (C does not).
func DecodeSyncBarrier(b []byte) (SyncBarrier, error) {
	if id, err := SyncMessageID(b); err != nil || id != SyncMsgBarrier {
		if err != nil {
			return SyncBarrier{}, err
		}
		return SyncBarrier{}, ErrSyncMsgID
	}
	if len(b) < SyncBarrierSize-4 { // trailing padding may be absent
		return SyncBarrier{}, ErrShort
	}
	return SyncBarrier{RingID: syncRingID(b[16:])}, nil
}

// DecodeSyncServiceBuild parses a service build. Only the entries the message
// claims must be present; C always sends the full 552 bytes.
func DecodeSyncServiceBuild(b []byte) (SyncServiceBuild, error) {
	if id, err := SyncMessageID(b); err != nil || id != SyncMsgServiceBuild {
		if err != nil {
			return SyncServiceBuild{}, err
		}
		return SyncServiceBuild{}, ErrSyncMsgID
	}
	if len(b) < 40 {
		return SyncServiceBuild{}, ErrShort
	}
	m := SyncServiceBuild{RingID: syncRingID(b[16:])}
	n := int32(binary.LittleEndian.Uint32(b[32:]))
	if n < 0 || n > SyncServiceListMax {
		return SyncServiceBuild{}, ErrSyncServiceCount
	}
	if len(b) < 40+4*int(n) {
		return SyncServiceBuild{}, ErrShort
	}
	m.Services = make([]int32, n)
	for i := range m.Services {
		m.Services[i] = int32(binary.LittleEndian.Uint32(b[40+4*i:]))
	}
	return m, nil
}
