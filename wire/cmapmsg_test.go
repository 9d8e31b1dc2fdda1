package wire

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestCmapMcastBadItems(t *testing.T) {
	item, _ := NewCmapMcastItem("totem.config_version", uint64(7))
	good, _ := (&CmapMcast{Items: []CmapMcastItem{item}}).Append(nil)
	const it = CmapMcastHeaderSize

	huge := append([]byte(nil), good...)
	binary.LittleEndian.PutUint64(huge[it+272:], 1<<63)
	if _, err := DecodeCmapMcast(huge); !errors.Is(err, ErrShort) {
		t.Errorf("value_len 2^63: %v", err)
	}
	wrongLen := append([]byte(nil), good...)
	binary.LittleEndian.PutUint64(wrongLen[it+272:], 4) // a u64 of 4 bytes would overflow C's memcpy target
	if _, err := DecodeCmapMcast(wrongLen); err == nil {
		t.Error("u64 with value_len 4 accepted")
	}
	longKey := append([]byte(nil), good...)
	binary.LittleEndian.PutUint16(longKey[it:], 257)
	if _, err := DecodeCmapMcast(longKey); err == nil {
		t.Error("key length 257 accepted")
	}
	moreItems := append([]byte(nil), good...)
	moreItems[24] = 2
	if _, err := DecodeCmapMcast(moreItems); !errors.Is(err, ErrShort) {
		t.Errorf("no_items 2 with one item: %v", err)
	}
	// lenient: unknown reason and unknown value type are carried
	odd := append([]byte(nil), good...)
	odd[16], odd[it+264] = 9, 200
	m, err := DecodeCmapMcast(odd)
	if err != nil || m.Reason != 9 || m.Items[0].Type != 200 || len(m.Items[0].Value) != 8 {
		t.Errorf("odd reason/type: %+v %v", m, err)
	}
	if _, err := NewCmapMcastItem(strings.Repeat("k", 256), nil); err == nil {
		t.Error("256-byte key accepted (C needs room for the NUL)")
	}
	if _, err := NewCmapMcastItem("k", struct{}{}); err == nil {
		t.Error("struct value accepted")
	}
	if _, err := (&CmapMcast{Items: make([]CmapMcastItem, 256)}).Append(nil); err == nil {
		t.Error("256 items encoded into a u8 count")
	}
}
