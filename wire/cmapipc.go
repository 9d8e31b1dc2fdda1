package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// libcmap IPC messages (include/corosync/ipc_cmap.h, corosync 3.1.7): the
// requests corosync-cmapctl and every libcmap user send on the "cmap" socket,
// the responses exec/cmap.c sends back and the NOTIFY_CALLBACK event.
// Every member is aligned to 8, hence the padding; offsets below are from
// the start of the message.

// Request ids (enum req_cmap_types).
const (
	MessageReqCmapSet           int32 = 0
	MessageReqCmapDelete        int32 = 1
	MessageReqCmapGet           int32 = 2
	MessageReqCmapAdjustInt     int32 = 3
	MessageReqCmapIterInit      int32 = 4
	MessageReqCmapIterNext      int32 = 5
	MessageReqCmapIterFinalize  int32 = 6
	MessageReqCmapTrackAdd      int32 = 7
	MessageReqCmapTrackDelete   int32 = 8
	MessageReqCmapSetCurrentMap int32 = 9
)

// Response and event ids (enum res_cmap_types). Note the gap: the
// SET_CURRENT_MAP response is 10 because 9 is the notify event.
const (
	MessageResCmapSet            int32 = 0
	MessageResCmapDelete         int32 = 1
	MessageResCmapGet            int32 = 2
	MessageResCmapAdjustInt      int32 = 3
	MessageResCmapIterInit       int32 = 4
	MessageResCmapIterNext       int32 = 5
	MessageResCmapIterFinalize   int32 = 6
	MessageResCmapTrackAdd       int32 = 7
	MessageResCmapTrackDelete    int32 = 8
	MessageResCmapNotifyCallback int32 = 9
	MessageResCmapSetCurrentMap  int32 = 10
)

// Maps a connection can select (CMAP_SETMAP_*, cmap_initialize_map's
// CMAP_MAP_DEFAULT / CMAP_MAP_STATS).
const (
	CmapSetMapDefault int32 = 0
	CmapSetMapStats   int32 = 1
)

// Track types (CMAP_TRACK_*), the same bits as icmap's.
const (
	CmapTrackDelete int32 = 1
	CmapTrackModify int32 = 2
	CmapTrackAdd    int32 = 4
	CmapTrackPrefix int32 = 8
)

// Fixed sizes of the structs; SET, GET responses and NOTIFY carry their
// values right after.
const (
	CmapReqSetSize           = 296 // + value
	CmapReqDeleteSize        = 280
	CmapReqGetSize           = 288
	CmapReqAdjustIntSize     = 288
	CmapReqIterInitSize      = 280
	CmapReqIterNextSize      = 24
	CmapReqIterFinalizeSize  = 24
	CmapReqTrackAddSize      = 296
	CmapReqTrackDeleteSize   = 24
	CmapReqSetCurrentMapSize = 24

	CmapResSetSize           = 24
	CmapResDeleteSize        = 24
	CmapResGetSize           = 40 // + the requester's buffer size
	CmapResAdjustIntSize     = 24
	CmapResIterInitSize      = 32
	CmapResIterNextSize      = 304
	CmapResIterFinalizeSize  = 24
	CmapResTrackAddSize      = 32
	CmapResTrackDeleteSize   = 32
	CmapResSetCurrentMapSize = 24
	CmapNotifySize           = 336 // + new value + old value
)

// ErrCmapValueLen is returned when a message's value_len points past its end.
var ErrCmapValueLen = errors.New("wire: cmap value_len beyond end of message")

// CString is the key as exec/cmap.c reads it: the value array as a C string
// (up to its first NUL), whatever Length says. Only ITER_INIT and TRACK_ADD
// look at Length, and only to tell "no key" (0) from a key.
func (n MarName) CString() string {
	for i, c := range n.Value {
		if c == 0 {
			return string(n.Value[:i])
		}
	}
	return string(n.Value[:])
}

// cmiReadKey reads a mar_name_t without judging its length field: the server
// uses the value as a C string and a client copies what it got.
func cmiReadKey(b []byte) MarName {
	var n MarName
	n.Length = binary.LittleEndian.Uint16(b)
	copy(n.Value[:], b[8:MarNameSize])
	return n
}

func cmiAppendU64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }
func cmiAppendI32Pad(b []byte, v int32) []byte {
	return cmiAppendU32Pad(b, uint32(v))
}
func cmiAppendU8Pad(b []byte, v uint8) []byte { return append(b, v, 0, 0, 0, 0, 0, 0, 0) }
func cmiAppendU32Pad(b []byte, v uint32) []byte {
	return append(binary.LittleEndian.AppendUint32(b, v), 0, 0, 0, 0)
}
func cmiU64at(b []byte, off int) uint64 { return binary.LittleEndian.Uint64(b[off:]) }
func cmiI32at(b []byte, off int) int32  { return int32(binary.LittleEndian.Uint32(b[off:])) }

// cmiCheckReq verifies a request's length against its struct: the header's
// size must match the bytes given and cover the fixed part.
func cmiCheckReq(b []byte, min int) error {
	h, err := DecodeRequestHeader(b)
	if err != nil {
		return err
	}
	if len(b) < min {
		return fmt.Errorf("wire: cmap request id %d: %d bytes, need %d: %w", h.ID, len(b), min, ErrShort)
	}
	return nil
}

func cmiReqHeader(b []byte, id int32, size int) []byte {
	return RequestHeader{ID: id, Size: int32(size)}.Append(b)
}

func cmiResHeader(b []byte, id int32, size int, e CsError) []byte {
	return ResponseHeader{ID: id, Size: int32(size), Error: int32(e)}.Append(b)
}

// CmapReqSet is struct req_lib_cmap_set. libcmap sends strings without
// their NUL (value_len = strlen).
type CmapReqSet struct {
	Key   MarName
	Type  ValueType
	Value []byte // value_len is len(Value)
}

func (r *CmapReqSet) Append(b []byte) []byte {
	b = cmiReqHeader(b, MessageReqCmapSet, CmapReqSetSize+len(r.Value))
	b = r.Key.append(b)
	b = cmiAppendU64(b, uint64(len(r.Value)))
	b = cmiAppendU8Pad(b, uint8(r.Type))
	return append(b, r.Value...)
}

func DecodeCmapReqSet(b []byte) (*CmapReqSet, error) {
	if err := cmiCheckReq(b, CmapReqSetSize); err != nil {
		return nil, err
	}
	n := cmiU64at(b, 280)
	if n > uint64(len(b)-CmapReqSetSize) {
		return nil, ErrCmapValueLen
	}
	return &CmapReqSet{
		Key:   cmiReadKey(b[16:]),
		Type:  ValueType(b[288]),
		Value: b[CmapReqSetSize : CmapReqSetSize+int(n)],
	}, nil
}

// CmapReqDelete is struct req_lib_cmap_delete.
type CmapReqDelete struct{ Key MarName }

func (r *CmapReqDelete) Append(b []byte) []byte {
	b = cmiReqHeader(b, MessageReqCmapDelete, CmapReqDeleteSize)
	return r.Key.append(b)
}

func DecodeCmapReqDelete(b []byte) (*CmapReqDelete, error) {
	if err := cmiCheckReq(b, CmapReqDeleteSize); err != nil {
		return nil, err
	}
	return &CmapReqDelete{Key: cmiReadKey(b[16:])}, nil
}

// CmapReqGet is struct req_lib_cmap_get. ValueLen is the size of the
// caller's buffer (0 asks for type and length only); the response is
// 40 + ValueLen bytes.
type CmapReqGet struct {
	Key      MarName
	ValueLen uint64
}

func (r *CmapReqGet) Append(b []byte) []byte {
	b = cmiReqHeader(b, MessageReqCmapGet, CmapReqGetSize)
	b = r.Key.append(b)
	return cmiAppendU64(b, r.ValueLen)
}

func DecodeCmapReqGet(b []byte) (*CmapReqGet, error) {
	if err := cmiCheckReq(b, CmapReqGetSize); err != nil {
		return nil, err
	}
	return &CmapReqGet{Key: cmiReadKey(b[16:]), ValueLen: cmiU64at(b, 280)}, nil
}

// CmapReqAdjustInt is struct req_lib_cmap_adjust_int (cmap_inc/dec/adjust).
type CmapReqAdjustInt struct {
	Key  MarName
	Step int32
}

func (r *CmapReqAdjustInt) Append(b []byte) []byte {
	b = cmiReqHeader(b, MessageReqCmapAdjustInt, CmapReqAdjustIntSize)
	b = r.Key.append(b)
	return cmiAppendI32Pad(b, r.Step)
}

func DecodeCmapReqAdjustInt(b []byte) (*CmapReqAdjustInt, error) {
	if err := cmiCheckReq(b, CmapReqAdjustIntSize); err != nil {
		return nil, err
	}
	return &CmapReqAdjustInt{Key: cmiReadKey(b[16:]), Step: cmiI32at(b, 280)}, nil
}

// CmapReqIterInit is struct req_lib_cmap_iter_init; Prefix.Length 0
// iterates over every key.
type CmapReqIterInit struct{ Prefix MarName }

func (r *CmapReqIterInit) Append(b []byte) []byte {
	b = cmiReqHeader(b, MessageReqCmapIterInit, CmapReqIterInitSize)
	return r.Prefix.append(b)
}

func DecodeCmapReqIterInit(b []byte) (*CmapReqIterInit, error) {
	if err := cmiCheckReq(b, CmapReqIterInitSize); err != nil {
		return nil, err
	}
	return &CmapReqIterInit{Prefix: cmiReadKey(b[16:])}, nil
}

// CmapReqHandle is the shape shared by ITER_NEXT, ITER_FINALIZE and
// TRACK_DELETE: a header and one u64 handle.
type CmapReqHandle struct {
	ID     int32 // CmapReqIterNext, CmapReqIterFinalize or CmapReqTrackDelete
	Handle uint64
}

func (r *CmapReqHandle) Append(b []byte) []byte {
	b = cmiReqHeader(b, r.ID, CmapReqIterNextSize)
	return cmiAppendU64(b, r.Handle)
}

func DecodeCmapReqHandle(b []byte) (*CmapReqHandle, error) {
	if err := cmiCheckReq(b, CmapReqIterNextSize); err != nil {
		return nil, err
	}
	return &CmapReqHandle{ID: cmiI32at(b, 0), Handle: cmiU64at(b, 16)}, nil
}

// CmapReqTrackAdd is struct req_lib_cmap_track_add. TrackInstHandle is the
// client's cookie, echoed in every notification and in the TRACK_DELETE
// response.
type CmapReqTrackAdd struct {
	Key             MarName
	TrackType       int32
	TrackInstHandle uint64
}

func (r *CmapReqTrackAdd) Append(b []byte) []byte {
	b = cmiReqHeader(b, MessageReqCmapTrackAdd, CmapReqTrackAddSize)
	b = r.Key.append(b)
	b = cmiAppendI32Pad(b, r.TrackType)
	return cmiAppendU64(b, r.TrackInstHandle)
}

func DecodeCmapReqTrackAdd(b []byte) (*CmapReqTrackAdd, error) {
	if err := cmiCheckReq(b, CmapReqTrackAddSize); err != nil {
		return nil, err
	}
	return &CmapReqTrackAdd{Key: cmiReadKey(b[16:]), TrackType: cmiI32at(b, 280), TrackInstHandle: cmiU64at(b, 288)}, nil
}

// CmapReqSetCurrentMap is struct req_lib_cmap_set_current_map, sent by
// cmap_initialize_map.
type CmapReqSetCurrentMap struct{ Map int32 }

func (r *CmapReqSetCurrentMap) Append(b []byte) []byte {
	b = cmiReqHeader(b, MessageReqCmapSetCurrentMap, CmapReqSetCurrentMapSize)
	return cmiAppendI32Pad(b, r.Map)
}

func DecodeCmapReqSetCurrentMap(b []byte) (*CmapReqSetCurrentMap, error) {
	if err := cmiCheckReq(b, CmapReqSetCurrentMapSize); err != nil {
		return nil, err
	}
	return &CmapReqSetCurrentMap{Map: cmiI32at(b, 16)}, nil
}

// CmapResStatus builds the bare 24-byte responses (SET, DELETE,
// ADJUST_INT, ITER_FINALIZE, SET_CURRENT_MAP).
func CmapResStatus(b []byte, id int32, e CsError) []byte {
	return cmiResHeader(b, id, ResponseHeaderSize, e)
}

// CmapResGet is struct res_lib_cmap_get. Value is the whole buffer the
// requester asked for (its value_len), zero-filled past the actual value;
// ValueLen is the actual length. An error response has no Value (40 bytes).
type CmapResGet struct {
	Error    CsError
	ValueLen uint64
	Type     ValueType
	Value    []byte
}

func (r *CmapResGet) Append(b []byte) []byte {
	b = cmiResHeader(b, MessageResCmapGet, CmapResGetSize+len(r.Value), r.Error)
	b = cmiAppendU64(b, r.ValueLen)
	b = cmiAppendU8Pad(b, uint8(r.Type))
	return append(b, r.Value...)
}

// DecodeCmapResGet reads a GET response; the value buffer is what follows
// the fixed part, up to the header's size.
func DecodeCmapResGet(b []byte) (*CmapResGet, ResponseHeader, error) {
	h, body, err := cmiCheckRes(b, CmapResGetSize)
	if err != nil {
		return nil, h, err
	}
	r := &CmapResGet{Error: CsError(h.Error), ValueLen: cmiU64at(body, 24), Type: ValueType(body[32]), Value: body[CmapResGetSize:]}
	if r.Error == CsOK && r.ValueLen > uint64(len(r.Value)) && len(r.Value) > 0 {
		return nil, h, ErrCmapValueLen
	}
	return r, h, nil
}

// cmiCheckRes verifies a response or event: header size within the bytes
// given and covering the fixed part. It returns the message cut to size.
func cmiCheckRes(b []byte, min int) (ResponseHeader, []byte, error) {
	h, err := DecodeResponseHeader(b)
	if err != nil {
		return h, nil, err
	}
	if h.Size < int32(min) || int(h.Size) > len(b) {
		return h, nil, fmt.Errorf("wire: cmap response id %d: size %d, %d bytes, need %d: %w", h.ID, h.Size, len(b), min, ErrShort)
	}
	return h, b[:h.Size], nil
}

// CmapResHandle is the shape of ITER_INIT, TRACK_ADD and TRACK_DELETE
// responses: a header and one u64 (iter handle, track handle, or the
// track's inst handle).
type CmapResHandle struct {
	ID     int32
	Error  CsError
	Handle uint64
}

func (r *CmapResHandle) Append(b []byte) []byte {
	b = cmiResHeader(b, r.ID, CmapResIterInitSize, r.Error)
	return cmiAppendU64(b, r.Handle)
}

func DecodeCmapResHandle(b []byte) (*CmapResHandle, error) {
	h, body, err := cmiCheckRes(b, CmapResIterInitSize)
	if err != nil {
		return nil, err
	}
	return &CmapResHandle{ID: h.ID, Error: CsError(h.Error), Handle: cmiU64at(body, 24)}, nil
}

// CmapResIterNext is struct res_lib_cmap_iter_next.
type CmapResIterNext struct {
	Error    CsError
	Key      MarName
	ValueLen uint64
	Type     ValueType
}

func (r *CmapResIterNext) Append(b []byte) []byte {
	b = cmiResHeader(b, MessageResCmapIterNext, CmapResIterNextSize, r.Error)
	b = r.Key.append(b)
	b = cmiAppendU64(b, r.ValueLen)
	return cmiAppendU8Pad(b, uint8(r.Type))
}

func DecodeCmapResIterNext(b []byte) (*CmapResIterNext, error) {
	h, body, err := cmiCheckRes(b, CmapResIterNextSize)
	if err != nil {
		return nil, err
	}
	return &CmapResIterNext{Error: CsError(h.Error), Key: cmiReadKey(body[24:]), ValueLen: cmiU64at(body, 288), Type: ValueType(body[296])}, nil
}

// CmapNotify is struct res_lib_cmap_notify_callback, the event a track
// fires: the new value's bytes then the old value's follow the fixed part.
type CmapNotify struct {
	TrackInstHandle uint64
	Key             MarName
	Event           int32 // CmapTrackAdd, CmapTrackDelete or CmapTrackModify
	NewType         ValueType
	OldType         ValueType
	NewValue        []byte
	OldValue        []byte
}

func (e *CmapNotify) Append(b []byte) []byte {
	b = cmiResHeader(b, MessageResCmapNotifyCallback, CmapNotifySize+len(e.NewValue)+len(e.OldValue), CsOK)
	b = cmiAppendU64(b, e.TrackInstHandle)
	b = e.Key.append(b)
	b = cmiAppendI32Pad(b, e.Event)
	b = cmiAppendU8Pad(b, uint8(e.NewType))
	b = cmiAppendU8Pad(b, uint8(e.OldType))
	b = cmiAppendU64(b, uint64(len(e.NewValue)))
	b = cmiAppendU64(b, uint64(len(e.OldValue)))
	b = append(b, e.NewValue...)
	return append(b, e.OldValue...)
}

func DecodeCmapNotify(b []byte) (*CmapNotify, error) {
	_, body, err := cmiCheckRes(b, CmapNotifySize)
	if err != nil {
		return nil, err
	}
	nl, ol := cmiU64at(body, 320), cmiU64at(body, 328)
	rest := uint64(len(body) - CmapNotifySize)
	if nl > rest || ol > rest-nl {
		return nil, ErrCmapValueLen
	}
	return &CmapNotify{
		TrackInstHandle: cmiU64at(body, 24),
		Key:             cmiReadKey(body[32:]),
		Event:           cmiI32at(body, 296),
		NewType:         ValueType(body[304]),
		OldType:         ValueType(body[312]),
		NewValue:        body[CmapNotifySize : CmapNotifySize+nl],
		OldValue:        body[CmapNotifySize+nl : CmapNotifySize+nl+ol],
	}, nil
}
