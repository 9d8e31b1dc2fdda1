package wire

import (
	"encoding/binary"
	"fmt"
)

// Sizes of the shared marshalling structs (include/corosync/mar_gen.h,
// ipc_cpg.h). Every field carries __attribute__((aligned(8))), hence the
// padding after each length.
const (
	CSMaxNameLength      = 256 // CS_MAX_NAME_LENGTH
	CPGMaxNameLength     = 128 // CPG_MAX_NAME_LENGTH
	MarNameSize          = 264 // mar_name_t: u16 length, 6 pad, value[256]
	MarCpgNameSize       = 136 // mar_cpg_name_t: u32 length, 4 pad, value[128]
	MarMessageSourceSize = 16  // mar_message_source_t: u32 nodeid, 4 pad, u64 conn
)

// MarName is mar_name_t. The whole value array is kept, not just the first
// Length bytes: C copies the 256 bytes around verbatim (marshall_to_mar_name_t),
// so keeping them is what makes re-encoding byte-exact.
type MarName struct {
	Length uint16
	Value  [CSMaxNameLength]byte
}

// NewMarName stores s the way C's senders do (strcpy into zeroed memory).
// C needs the terminating NUL inside the array, so s may have at most 255 bytes.
func NewMarName(s string) (MarName, error) {
	var n MarName
	if len(s) >= CSMaxNameLength {
		return n, fmt.Errorf("wire: mar_name_t holds at most %d bytes, got %d", CSMaxNameLength-1, len(s))
	}
	n.Length = uint16(len(s))
	copy(n.Value[:], s)
	return n, nil
}

// String gives the first Length bytes (get_mar_name_t would stop at the first
// NUL instead; names written by C have no NUL before Length).
func (n MarName) String() string { return string(n.Value[:min(int(n.Length), CSMaxNameLength)]) }

func (n *MarName) append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, n.Length)
	b = append(b, 0, 0, 0, 0, 0, 0)
	return append(b, n.Value[:]...)
}

// decodeMarName reads 264 bytes. Strict: a length beyond the array can only be
// garbage, and C code using it (mar_name_match) would read past the array.
func decodeMarName(b []byte) (MarName, error) {
	var n MarName
	if len(b) < MarNameSize {
		return n, ErrShort
	}
	n.Length = binary.LittleEndian.Uint16(b)
	if n.Length > CSMaxNameLength {
		return n, fmt.Errorf("wire: mar_name_t length %d > %d", n.Length, CSMaxNameLength)
	}
	copy(n.Value[:], b[8:MarNameSize])
	return n, nil
}

// CpgName is mar_cpg_name_t. The value is not NUL-terminated; only Length
// bytes count, but all 128 are kept for byte-exact re-encoding (C memcpy's the
// whole struct from the client's request, tail included).
type CpgName struct {
	Length uint32
	Value  [CPGMaxNameLength]byte
}

// NewCpgName builds a group name as libcpg does (no NUL needed).
func NewCpgName(s string) (CpgName, error) {
	var n CpgName
	if len(s) > CPGMaxNameLength {
		return n, fmt.Errorf("wire: cpg group name holds at most %d bytes, got %d", CPGMaxNameLength, len(s))
	}
	n.Length = uint32(len(s))
	copy(n.Value[:], s)
	return n, nil
}

func (n CpgName) String() string { return string(n.Value[:min(n.Length, CPGMaxNameLength)]) }

// Equal compares as mar_name_compare does: length, then the first Length bytes.
func (n *CpgName) Equal(o *CpgName) bool {
	return n.Length == o.Length && n.String() == o.String()
}

func (n *CpgName) append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, n.Length)
	b = append(b, 0, 0, 0, 0)
	return append(b, n.Value[:]...)
}

// decodeCpgName reads 136 bytes. Strict on the length for the same reason as
// decodeMarName (libcpg refuses such names before they reach the wire).
func decodeCpgName(b []byte) (CpgName, error) {
	var n CpgName
	if len(b) < MarCpgNameSize {
		return n, ErrShort
	}
	n.Length = binary.LittleEndian.Uint32(b)
	if n.Length > CPGMaxNameLength {
		return n, fmt.Errorf("wire: cpg group name length %d > %d", n.Length, CPGMaxNameLength)
	}
	copy(n.Value[:], b[8:MarCpgNameSize])
	return n, nil
}

// MessageSource is mar_message_source_t: who sent a message on behalf of which
// IPC connection. Conn is a pointer local to the sending daemon; peers only
// carry it, never dereference it, so a Go node may send 0 (or any cookie).
type MessageSource struct {
	NodeID uint32
	Conn   uint64
}

func (s MessageSource) append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, s.NodeID)
	b = append(b, 0, 0, 0, 0)
	return binary.LittleEndian.AppendUint64(b, s.Conn)
}

func decodeMessageSource(b []byte) (MessageSource, error) {
	if len(b) < MarMessageSourceSize {
		return MessageSource{}, ErrShort
	}
	return MessageSource{
		NodeID: binary.LittleEndian.Uint32(b),
		Conn:   binary.LittleEndian.Uint64(b[8:]),
	}, nil
}

// marAppendU32Pad writes a u32 field declared aligned(8): value plus 4 zero bytes.
func marAppendU32Pad(b []byte, v uint32) []byte {
	b = binary.LittleEndian.AppendUint32(b, v)
	return append(b, 0, 0, 0, 0)
}

// marAppendU8Pad writes a u8 field declared aligned(8).
func marAppendU8Pad(b []byte, v uint8) []byte { return append(b, v, 0, 0, 0, 0, 0, 0, 0) }

func marU32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

func marAppendU32(b []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(b, v) }
