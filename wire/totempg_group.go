package wire

import (
	"encoding/binary"
	"errors"
)

// Group names corosync puts in the totempg group header (exec/main.c, sync.c).
const (
	GroupA    = "a"    // every service exec message
	GroupSync = "sync" // sync SERVICE_BUILD and BARRIER
)

// ErrGroupHeader means the group header claims more bytes than the message has.
// (C trusts it and reads past the end; we drop the message.)
var ErrGroupHeader = errors.New("wire: totempg group header overruns message")

// GroupMessage is a complete totempg message: group header plus the exec message.
// Layout: u16 group_count N, u16 len[N], the N names back to back, then payload.
type GroupMessage struct {
	Groups  [][]byte // aliases the decoded buffer
	Payload []byte   // the exec message; aliases the decoded buffer
}

// GroupHeaderSize is the length of the group header for these names.
func GroupHeaderSize(groups ...string) int {
	n := 2 + 2*len(groups)
	for _, g := range groups {
		n += len(g)
	}
	return n
}

// AppendGroupHeader writes the group header for groups after b; the exec
// message goes right after it. Names longer than a u16 are a programming error.
func AppendGroupHeader(b []byte, groups ...string) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(len(groups)))
	for _, g := range groups {
		if len(g) > 0xffff {
			panic("wire: group name too long")
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(len(g)))
	}
	for _, g := range groups {
		b = append(b, g...)
	}
	return b
}

// DecodeGroupMessage splits a complete totempg message into its groups and
// payload. swapped: the sender was big-endian (group_endian_convert).
func DecodeGroupMessage(b []byte, swapped bool) (GroupMessage, error) {
	var m GroupMessage
	u16 := func(x []byte) int {
		if swapped {
			return int(binary.BigEndian.Uint16(x))
		}
		return int(binary.LittleEndian.Uint16(x))
	}
	if len(b) < 2 {
		return m, ErrShort
	}
	n := u16(b)
	names := 2 + 2*n
	if len(b) < names {
		return m, ErrGroupHeader
	}
	off := names
	m.Groups = make([][]byte, n)
	for i := 0; i < n; i++ {
		l := u16(b[2+2*i:])
		if len(b)-off < l {
			return GroupMessage{}, ErrGroupHeader
		}
		m.Groups[i] = b[off : off+l : off+l]
		off += l
	}
	m.Payload = b[off:]
	return m, nil
}

// InGroups reports whether m names one of groups (group_matches).
func (m *GroupMessage) InGroups(groups ...string) bool {
	for _, have := range m.Groups {
		for _, g := range groups {
			if string(have) == g {
				return true
			}
		}
	}
	return false
}
