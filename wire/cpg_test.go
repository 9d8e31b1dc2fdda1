package wire

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestCpgBadInput(t *testing.T) {
	g, _ := NewCpgName("g")
	mc, _ := (&CpgMcast{Group: g, Message: []byte("hello")}).Append(nil)
	long := append([]byte(nil), mc...)
	binary.LittleEndian.PutUint32(long[152:], 6)
	if _, err := DecodeCpgMcast(long); !errors.Is(err, ErrShort) {
		t.Errorf("msglen past the end: %v", err)
	}
	badName := append([]byte(nil), mc...)
	binary.LittleEndian.PutUint32(badName[16:], 129)
	if _, err := DecodeCpgMcast(badName); err == nil {
		t.Error("group length 129 accepted")
	}
	// lenient: trailing bytes after the message are ignored, as in C
	if m, err := DecodeCpgMcast(append(mc, 1, 2)); err != nil || string(m.Message) != "hello" {
		t.Errorf("trailing bytes: %v", err)
	}

	pm, _ := (&CpgPartialMcast{Group: g, Data: []byte("abc")}).Append(nil)
	binary.LittleEndian.PutUint32(pm[160:], 4)
	if _, err := DecodeCpgPartialMcast(pm); !errors.Is(err, ErrShort) {
		t.Errorf("fraglen past the end: %v", err)
	}

	jl, _ := (&CpgJoinlist{Entries: []CpgJoinlistEntry{{1, g}}}).Append(nil)
	for _, size := range []int32{23, 167, 169, 1 << 30, -1} {
		b := append([]byte(nil), jl...)
		binary.LittleEndian.PutUint32(b[8:], uint32(size))
		if _, err := DecodeCpgJoinlist(b); err == nil {
			t.Errorf("joinlist size %d accepted", size)
		}
	}
	// header.size bounds the list, not the datagram length
	if m, err := DecodeCpgJoinlist(append(jl, make([]byte, 10)...)); err != nil || len(m.Entries) != 1 {
		t.Errorf("joinlist with trailing bytes: %+v %v", m, err)
	}

	dl, _ := (&CpgDownlist{LeftNodes: 1000}).Append(nil)
	if m, err := DecodeCpgDownlist(dl); err != nil || len(m.Left()) != ProcessorCountMax {
		t.Errorf("left_nodes 1000 (C only logs it): %v", err)
	}
	if _, err := NewCpgName(strings.Repeat("x", 129)); err == nil {
		t.Error("129-byte group name accepted")
	}
	if n, err := NewCpgName(strings.Repeat("x", 128)); err != nil || len(n.String()) != 128 {
		t.Errorf("128-byte group name: %v", err)
	}
	a, b := marMustCpgName(t, "ab"), marMustCpgName(t, "ab")
	b.Value[5] = 'z' // bytes past Length do not count
	if !a.Equal(&b) {
		t.Error("names differing after Length compare unequal")
	}
}
