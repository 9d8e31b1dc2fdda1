package wire

import (
	"encoding/binary"
	"errors"
)

// ErrShort is returned by decoders when the input ends before the struct does.
var ErrShort = errors.New("wire: message too short")

// RequestHeader is libqb's struct qb_ipc_request_header: every exec (inter-node)
// message and every IPC request starts with it. Both fields are aligned to 8, so
// it occupies 16 bytes with padding after each i32.
type RequestHeader struct {
	ID   int32 // exec: SERVICE_ID_MAKE(service, fn); IPC: the request id
	Size int32 // whole message length, header included
}

const RequestHeaderSize = 16

// ResponseHeader is struct qb_ipc_response_header (24 bytes): IPC responses,
// events, and the CPG JOINLIST exec message.
type ResponseHeader struct {
	ID    int32
	Size  int32
	Error int32 // cs_error_t
}

const ResponseHeaderSize = 24

// ServiceID builds the exec header id, SERVICE_ID_MAKE(service, fn).
func ServiceID(service, fn uint16) int32 { return int32(uint32(service)<<16 | uint32(fn)) }

// SplitServiceID is the inverse of ServiceID.
func SplitServiceID(id int32) (service, fn uint16) { return uint16(uint32(id) >> 16), uint16(id) }

// Append writes h (16 bytes, zero padding) to b.
func (h RequestHeader) Append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(h.ID))
	b = append(b, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(h.Size))
	return append(b, 0, 0, 0, 0)
}

// DecodeRequestHeader reads the first 16 bytes of b. Padding is ignored.
func DecodeRequestHeader(b []byte) (RequestHeader, error) {
	if len(b) < RequestHeaderSize {
		return RequestHeader{}, ErrShort
	}
	return RequestHeader{
		ID:   int32(binary.LittleEndian.Uint32(b[0:])),
		Size: int32(binary.LittleEndian.Uint32(b[8:])),
	}, nil
}

// Append writes h (24 bytes, zero padding) to b.
func (h ResponseHeader) Append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, uint32(h.ID))
	b = append(b, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(h.Size))
	b = append(b, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, uint32(h.Error))
	return append(b, 0, 0, 0, 0)
}

// DecodeResponseHeader reads the first 24 bytes of b. Padding is ignored.
func DecodeResponseHeader(b []byte) (ResponseHeader, error) {
	if len(b) < ResponseHeaderSize {
		return ResponseHeader{}, ErrShort
	}
	return ResponseHeader{
		ID:    int32(binary.LittleEndian.Uint32(b[0:])),
		Size:  int32(binary.LittleEndian.Uint32(b[8:])),
		Error: int32(binary.LittleEndian.Uint32(b[16:])),
	}, nil
}
