package wire

import "fmt"

// pload (exec/pload.c) is a load generator, never loaded by default. It is
// decoded only so that a ring with a C node running it does not log errors.
const (
	MessageReqExecPloadStart uint16 = 0
	MessageReqExecPloadMcast uint16 = 1

	PloadStartSize = 24 // header + u32 msg_count + u32 msg_size (not aligned(8))
)

func decodePload(fn uint16, b []byte) (ExecMessage, error) {
	switch fn {
	case MessageReqExecPloadStart:
		if err := marCheckFixed("pload start", b, PloadStartSize); err != nil {
			return nil, err
		}
		return &PloadStart{MsgCount: marU32(b[16:]), MsgSize: marU32(b[20:])}, nil
	case MessageReqExecPloadMcast:
		if _, err := DecodeRequestHeader(b); err != nil {
			return nil, err
		}
		return &PloadMcast{Filler: b[RequestHeaderSize:]}, nil
	}
	return nil, fmt.Errorf("%w: corosync_pload fn %d", ErrUnknownExec, fn)
}

// PloadStart is struct req_exec_pload_start. C leaves header.size unset
// (stack garbage), so decoders must not trust it.
type PloadStart struct {
	MsgCount uint32
	MsgSize  uint32
}

// PloadMcast is struct req_exec_pload_mcast plus filler. C's sender claims
// header.size = 16 + msg_size while sending msg_size bytes in all; receivers
// only count these messages. The encoder writes the true length.
type PloadMcast struct {
	Filler []byte
}

func (*PloadStart) ExecID() int32 { return ServiceID(PloadService, MessageReqExecPloadStart) }
func (*PloadMcast) ExecID() int32 { return ServiceID(PloadService, MessageReqExecPloadMcast) }

func (m *PloadStart) Append(b []byte) ([]byte, error) {
	b = RequestHeader{ID: m.ExecID(), Size: PloadStartSize}.Append(b)
	b = marAppendU32(b, m.MsgCount)
	return marAppendU32(b, m.MsgSize), nil
}

func (m *PloadMcast) Append(b []byte) ([]byte, error) {
	if len(m.Filler) > 1<<31-1-RequestHeaderSize {
		return b, fmt.Errorf("wire: pload mcast of %d bytes", len(m.Filler))
	}
	b = RequestHeader{ID: m.ExecID(), Size: int32(RequestHeaderSize + len(m.Filler))}.Append(b)
	return append(b, m.Filler...), nil
}
