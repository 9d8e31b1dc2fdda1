package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// libqb's connection handshake (qbipc_common.h, ipc_int.h). The client sends a
// ConnRequest on the setup socket; the server answers with one ConnResponse
// written in a single send, because libqb 2.0.6 clients read it with one
// recvmsg and fail on a short read.

// Message ids of the handshake (enum qb_ipc_msg_type).
const (
	QBMsgAuthenticate = -1
	QBMsgNewEventSock = -2
	QBMsgDisconnect   = -3
)

// connection_type values.
const (
	QBIPCSocket = 0
	QBIPCSHM    = 1
)

// QBPathMax is PATH_MAX, the size of each path in the response.
const QBPathMax = 4096

const (
	ConnRequestSize  = 24
	ConnResponseSize = 12328
)

// ConnRequest is struct qb_ipc_connection_request.
type ConnRequest struct {
	Hdr        RequestHeader
	MaxMsgSize uint32
}

// ErrBadConnRequest means the first message on a setup socket was not an
// authenticate request.
var ErrBadConnRequest = errors.New("wire: not a qb_ipc_connection_request")

// Append writes the 24-byte request.
func (r ConnRequest) Append(b []byte) []byte {
	b = r.Hdr.Append(b)
	b = binary.LittleEndian.AppendUint32(b, r.MaxMsgSize)
	return append(b, 0, 0, 0, 0)
}

// DecodeConnRequest checks what libqb's server checks: the id and that the
// whole struct is present. hdr.size is not trusted by libqb and not by us.
func DecodeConnRequest(b []byte) (ConnRequest, error) {
	if len(b) < ConnRequestSize {
		return ConnRequest{}, ErrShort
	}
	h, _ := DecodeRequestHeader(b)
	if h.ID != QBMsgAuthenticate {
		return ConnRequest{}, ErrBadConnRequest
	}
	return ConnRequest{Hdr: h, MaxMsgSize: binary.LittleEndian.Uint32(b[16:])}, nil
}

// ConnResponse is struct qb_ipc_connection_response (12328 bytes).
type ConnResponse struct {
	Hdr            ResponseHeader
	ConnectionType int32
	MaxMsgSize     uint32
	Connection     uint64 // server-side pointer; clients ignore it
	Request        string // SHM: request ring base; SOCKET: control file
	Response       string // SHM: response ring base; SOCKET: socket base name
	Event          string // SHM: event ring base; SOCKET: unused
}

// ErrPathTooLong is returned when a path does not fit PATH_MAX with its NUL.
var ErrPathTooLong = errors.New("wire: path does not fit PATH_MAX")

// Marshal returns the full 12328-byte response. hdr.id and hdr.size are
// forced to the values every libqb server sends.
func (r ConnResponse) Marshal() ([]byte, error) {
	for _, p := range []string{r.Request, r.Response, r.Event} {
		if len(p) >= QBPathMax {
			return nil, ErrPathTooLong
		}
	}
	b := make([]byte, 0, ConnResponseSize)
	h := r.Hdr
	h.ID = QBMsgAuthenticate
	h.Size = ConnResponseSize
	b = h.Append(b)
	b = binary.LittleEndian.AppendUint32(b, uint32(r.ConnectionType))
	b = binary.LittleEndian.AppendUint32(b, r.MaxMsgSize)
	b = binary.LittleEndian.AppendUint64(b, r.Connection)
	b = b[:ConnResponseSize]
	copy(b[40:], r.Request)
	copy(b[40+QBPathMax:], r.Response)
	copy(b[40+2*QBPathMax:], r.Event)
	return b, nil
}

// DecodeConnResponse parses a response. Paths end at the first NUL; a path
// without one is rejected rather than read past its slot.
func DecodeConnResponse(b []byte) (ConnResponse, error) {
	if len(b) < ConnResponseSize {
		return ConnResponse{}, ErrShort
	}
	h, _ := DecodeResponseHeader(b)
	r := ConnResponse{
		Hdr:            h,
		ConnectionType: int32(binary.LittleEndian.Uint32(b[24:])),
		MaxMsgSize:     binary.LittleEndian.Uint32(b[28:]),
		Connection:     binary.LittleEndian.Uint64(b[32:]),
	}
	var err error
	if r.Request, err = qbipcPath(b[40 : 40+QBPathMax]); err != nil {
		return ConnResponse{}, err
	}
	if r.Response, err = qbipcPath(b[40+QBPathMax : 40+2*QBPathMax]); err != nil {
		return ConnResponse{}, err
	}
	if r.Event, err = qbipcPath(b[40+2*QBPathMax : 40+3*QBPathMax]); err != nil {
		return ConnResponse{}, err
	}
	return r, nil
}

func qbipcPath(b []byte) (string, error) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", ErrPathTooLong
	}
	return string(b[:i]), nil
}
