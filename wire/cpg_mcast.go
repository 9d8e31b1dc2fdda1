package wire

import "fmt"

// CpgMcast is struct req_exec_cpg_mcast followed by the application message.
type CpgMcast struct {
	Group   CpgName
	PID     uint32
	Source  MessageSource
	Message []byte // msglen bytes
}

func (*CpgMcast) ExecID() int32 { return ServiceID(CpgService, MessageReqExecCpgMcast) }

// Size is the encoded length.
func (m *CpgMcast) Size() int { return CpgMcastHeaderSize + len(m.Message) }

func (m *CpgMcast) Append(b []byte) ([]byte, error) {
	if uint64(len(m.Message)) > 1<<31-1-CpgMcastHeaderSize {
		return b, fmt.Errorf("wire: cpg mcast of %d bytes", len(m.Message))
	}
	b = RequestHeader{ID: m.ExecID(), Size: int32(m.Size())}.Append(b)
	b = m.Group.append(b)
	b = marAppendU32Pad(b, uint32(len(m.Message)))
	b = marAppendU32Pad(b, m.PID)
	b = m.Source.append(b)
	return append(b, m.Message...), nil
}

// DecodeCpgMcast decodes an MCAST. Strict: msglen must fit in b (C copies
// msglen bytes to its clients). Lenient: bytes after the message are ignored.
// Message aliases b: copy it if b is reused.
func DecodeCpgMcast(b []byte) (*CpgMcast, error) {
	if err := marCheckFixed("cpg mcast", b, CpgMcastHeaderSize); err != nil {
		return nil, err
	}
	g, err := decodeCpgName(b[16:])
	if err != nil {
		return nil, err
	}
	msglen := marU32(b[152:])
	if uint64(msglen) > uint64(len(b)-CpgMcastHeaderSize) {
		return nil, fmt.Errorf("%w: cpg mcast msglen %d, %d bytes follow the header", ErrShort, msglen, len(b)-CpgMcastHeaderSize)
	}
	src, _ := decodeMessageSource(b[168:])
	return &CpgMcast{
		Group:   g,
		PID:     marU32(b[160:]),
		Source:  src,
		Message: b[CpgMcastHeaderSize : CpgMcastHeaderSize+int(msglen)],
	}, nil
}

// CpgPartialMcast is struct req_exec_cpg_partial_mcast: one fragment of a large
// application message (cpg_mcast_joined over the IPC size limit).
//
// C fills this struct without memset, so its padding bytes travel as stack
// garbage; the encoder writes zeros and the decoder ignores them.
type CpgPartialMcast struct {
	Group  CpgName
	MsgLen uint32 // length of the whole application message
	PID    uint32
	Type   uint32 // CpgPartialFirst, CpgPartialContinued, CpgPartialLast
	Source MessageSource
	Data   []byte // fraglen bytes
}

func (*CpgPartialMcast) ExecID() int32 { return ServiceID(CpgService, MessageReqExecCpgPartialMcast) }

func (m *CpgPartialMcast) Append(b []byte) ([]byte, error) {
	if uint64(len(m.Data)) > 1<<31-1-CpgPartialMcastHeaderSize {
		return b, fmt.Errorf("wire: cpg partial mcast of %d bytes", len(m.Data))
	}
	b = RequestHeader{ID: m.ExecID(), Size: int32(CpgPartialMcastHeaderSize + len(m.Data))}.Append(b)
	b = m.Group.append(b)
	b = marAppendU32Pad(b, m.MsgLen)
	b = marAppendU32Pad(b, uint32(len(m.Data)))
	b = marAppendU32Pad(b, m.PID)
	b = marAppendU32Pad(b, m.Type)
	b = m.Source.append(b)
	return append(b, m.Data...), nil
}

// DecodeCpgPartialMcast decodes a PARTIAL_MCAST. Strict: fraglen must fit in b.
// Lenient as C: type and msglen are passed on unchecked (the library
// reassembles). Data aliases b.
func DecodeCpgPartialMcast(b []byte) (*CpgPartialMcast, error) {
	if err := marCheckFixed("cpg partial mcast", b, CpgPartialMcastHeaderSize); err != nil {
		return nil, err
	}
	g, err := decodeCpgName(b[16:])
	if err != nil {
		return nil, err
	}
	fraglen := marU32(b[160:])
	if uint64(fraglen) > uint64(len(b)-CpgPartialMcastHeaderSize) {
		return nil, fmt.Errorf("%w: cpg partial mcast fraglen %d, %d bytes follow the header", ErrShort, fraglen, len(b)-CpgPartialMcastHeaderSize)
	}
	src, _ := decodeMessageSource(b[184:])
	return &CpgPartialMcast{
		Group:  g,
		MsgLen: marU32(b[152:]),
		PID:    marU32(b[168:]),
		Type:   marU32(b[176:]),
		Source: src,
		Data:   b[CpgPartialMcastHeaderSize : CpgPartialMcastHeaderSize+int(fraglen)],
	}, nil
}
