package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// votequorum exec functions (exec/votequorum.c). corosync HEAD adds 4,
// QDEVICE_EXTRA_NODEINFO, which 3.1.7 does not know.
const (
	MessageReqExecVotequorumNodeinfo           uint16 = 0
	MessageReqExecVotequorumReconfigure        uint16 = 1
	MessageReqExecVotequorumQdeviceReg         uint16 = 2
	MessageReqExecVotequorumQdeviceReconfigure uint16 = 3
)

// The structs are packed but their header is aligned(8), so gcc rounds each
// size up to a multiple of 8 (trailing padding).
const (
	VotequorumNodeinfoSize           = 32
	VotequorumReconfigureSize        = 32  // 28 used
	VotequorumQdeviceRegSize         = 280 // 275 used
	VotequorumQdeviceReconfigureSize = 528 // 526 used
	VotequorumQdeviceMaxNameLen      = 255 // VOTEQUORUM_QDEVICE_MAX_NAME_LEN, NUL included
	VotequorumQdeviceNodeID          = 0   // VOTEQUORUM_QDEVICE_NODEID
)

// NODEINFO flags (NODE_FLAGS_*).
const (
	NodeFlagsQuorate           uint32 = 1
	NodeFlagsLeaving           uint32 = 2
	NodeFlagsWFAStatus         uint32 = 4
	NodeFlagsFirst             uint32 = 8
	NodeFlagsQdeviceRegistered uint32 = 16
	NodeFlagsQdeviceAlive      uint32 = 32
	NodeFlagsQdeviceCastVote   uint32 = 64
	NodeFlagsQdeviceMasterWins uint32 = 128
)

// RECONFIGURE params (VOTEQUORUM_RECONFIG_PARAM_*).
const (
	VotequorumReconfigParamExpectedVotes uint8 = 1
	VotequorumReconfigParamNodeVotes     uint8 = 2
	VotequorumReconfigParamCancelWFA     uint8 = 3
)

// QDEVICE_REG operations (VOTEQUORUM_QDEVICE_OPERATION_*).
const (
	VotequorumQdeviceOperationUnregister uint32 = 0
	VotequorumQdeviceOperationRegister   uint32 = 1
)

func decodeVotequorum(fn uint16, b []byte) (ExecMessage, error) {
	switch fn {
	case MessageReqExecVotequorumNodeinfo:
		return DecodeVotequorumNodeinfo(b)
	case MessageReqExecVotequorumReconfigure:
		return DecodeVotequorumReconfigure(b)
	case MessageReqExecVotequorumQdeviceReg:
		return DecodeVotequorumQdeviceReg(b)
	case MessageReqExecVotequorumQdeviceReconfigure:
		return DecodeVotequorumQdeviceReconfigure(b)
	}
	return nil, fmt.Errorf("%w: corosync_votequorum fn %d", ErrUnknownExec, fn)
}

// VotequorumNodeinfo is struct req_exec_quorum_nodeinfo. NodeID 0 is the
// qdevice's entry.
type VotequorumNodeinfo struct {
	NodeID        uint32
	Votes         uint32
	ExpectedVotes uint32
	Flags         uint32
}

func (*VotequorumNodeinfo) ExecID() int32 {
	return ServiceID(VotequorumService, MessageReqExecVotequorumNodeinfo)
}

func (m *VotequorumNodeinfo) Append(b []byte) ([]byte, error) {
	b = RequestHeader{ID: m.ExecID(), Size: VotequorumNodeinfoSize}.Append(b)
	le := binary.LittleEndian
	b = le.AppendUint32(b, m.NodeID)
	b = le.AppendUint32(b, m.Votes)
	b = le.AppendUint32(b, m.ExpectedVotes)
	return le.AppendUint32(b, m.Flags), nil
}

// DecodeVotequorumNodeinfo: flags are kept as sent, unknown bits included.
func DecodeVotequorumNodeinfo(b []byte) (*VotequorumNodeinfo, error) {
	if err := marCheckFixed("votequorum nodeinfo", b, VotequorumNodeinfoSize); err != nil {
		return nil, err
	}
	return &VotequorumNodeinfo{NodeID: marU32(b[16:]), Votes: marU32(b[20:]), ExpectedVotes: marU32(b[24:]), Flags: marU32(b[28:])}, nil
}

// VotequorumReconfigure is struct req_exec_quorum_reconfigure.
type VotequorumReconfigure struct {
	NodeID uint32
	Value  uint32
	Param  uint8
}

func (*VotequorumReconfigure) ExecID() int32 {
	return ServiceID(VotequorumService, MessageReqExecVotequorumReconfigure)
}

func (m *VotequorumReconfigure) Append(b []byte) ([]byte, error) {
	b = RequestHeader{ID: m.ExecID(), Size: VotequorumReconfigureSize}.Append(b)
	b = binary.LittleEndian.AppendUint32(b, m.NodeID)
	b = binary.LittleEndian.AppendUint32(b, m.Value)
	return append(b, m.Param, 0, 0, 0, 0, 0, 0, 0), nil
}

// DecodeVotequorumReconfigure only needs the 28 bytes C reads: the trailing
// struct padding is never looked at. An unknown param is kept (C ignores it).
func DecodeVotequorumReconfigure(b []byte) (*VotequorumReconfigure, error) {
	if err := marCheckFixed("votequorum reconfigure", b, 25); err != nil {
		return nil, err
	}
	return &VotequorumReconfigure{NodeID: marU32(b[16:]), Value: marU32(b[20:]), Param: b[24]}, nil
}

// VotequorumQdeviceReg is struct req_exec_quorum_qdevice_reg.
type VotequorumQdeviceReg struct {
	Operation uint32
	Name      string
}

func (*VotequorumQdeviceReg) ExecID() int32 {
	return ServiceID(VotequorumService, MessageReqExecVotequorumQdeviceReg)
}

func (m *VotequorumQdeviceReg) Append(b []byte) ([]byte, error) {
	if err := marCheckQdeviceName(m.Name); err != nil {
		return b, err
	}
	b = RequestHeader{ID: m.ExecID(), Size: VotequorumQdeviceRegSize}.Append(b)
	b = binary.LittleEndian.AppendUint32(b, m.Operation)
	return marAppendFixedString(b, m.Name, VotequorumQdeviceRegSize-20), nil
}

// DecodeVotequorumQdeviceReg: strict about the name's NUL, because C treats
// it as a C string (strcmp, strcpy) and would run off the array without one.
func DecodeVotequorumQdeviceReg(b []byte) (*VotequorumQdeviceReg, error) {
	if err := marCheckFixed("votequorum qdevice_reg", b, 20+VotequorumQdeviceMaxNameLen); err != nil {
		return nil, err
	}
	name, err := marCString(b[20 : 20+VotequorumQdeviceMaxNameLen])
	if err != nil {
		return nil, err
	}
	return &VotequorumQdeviceReg{Operation: marU32(b[16:]), Name: name}, nil
}

// VotequorumQdeviceReconfigure is struct req_exec_quorum_qdevice_reconfigure.
type VotequorumQdeviceReconfigure struct {
	OldName, NewName string
}

func (*VotequorumQdeviceReconfigure) ExecID() int32 {
	return ServiceID(VotequorumService, MessageReqExecVotequorumQdeviceReconfigure)
}

func (m *VotequorumQdeviceReconfigure) Append(b []byte) ([]byte, error) {
	if err := marCheckQdeviceName(m.OldName); err != nil {
		return b, err
	}
	if err := marCheckQdeviceName(m.NewName); err != nil {
		return b, err
	}
	b = RequestHeader{ID: m.ExecID(), Size: VotequorumQdeviceReconfigureSize}.Append(b)
	b = marAppendFixedString(b, m.OldName, VotequorumQdeviceMaxNameLen)
	return marAppendFixedString(b, m.NewName, VotequorumQdeviceReconfigureSize-16-VotequorumQdeviceMaxNameLen), nil
}

// DecodeVotequorumQdeviceReconfigure: both names must be NUL-terminated.
func DecodeVotequorumQdeviceReconfigure(b []byte) (*VotequorumQdeviceReconfigure, error) {
	const n = VotequorumQdeviceMaxNameLen
	if err := marCheckFixed("votequorum qdevice_reconfigure", b, 16+2*n); err != nil {
		return nil, err
	}
	oldName, err := marCString(b[16 : 16+n])
	if err != nil {
		return nil, err
	}
	newName, err := marCString(b[16+n : 16+2*n])
	if err != nil {
		return nil, err
	}
	return &VotequorumQdeviceReconfigure{OldName: oldName, NewName: newName}, nil
}

func marCheckQdeviceName(s string) error {
	if len(s) >= VotequorumQdeviceMaxNameLen || bytes.IndexByte([]byte(s), 0) >= 0 {
		return fmt.Errorf("wire: qdevice name must be < %d bytes without NUL, got %q", VotequorumQdeviceMaxNameLen, s)
	}
	return nil
}

// marAppendFixedString writes s NUL-padded to n bytes.
func marAppendFixedString(b []byte, s string, n int) []byte {
	b = append(b, s...)
	return append(b, make([]byte, n-len(s))...)
}

// marCString returns the bytes before the first NUL, which must exist.
func marCString(b []byte) (string, error) {
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", fmt.Errorf("wire: %d-byte string field without NUL", len(b))
	}
	return string(b[:i]), nil
}
