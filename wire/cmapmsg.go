package wire

import (
	"encoding/binary"
	"fmt"
)

// cmap exec messages (exec/cmap.c): one function, MCAST, used by sync and by
// config_version changes.
const (
	MessageReqExecCmapMcast uint16 = 0 // MESSAGE_REQ_EXEC_CMAP_MCAST

	CmapMcastHeaderSize = 48  // struct req_exec_cmap_mcast
	CmapMcastItemSize   = 280 // struct req_exec_cmap_mcast_item without value
	CmapMcastMaxItems   = 32  // MAX_REQ_EXEC_CMAP_MCAST_ITEMS (sender side only)
)

// CmapMcastReason is enum cmap_mcast_reason.
type CmapMcastReason uint8

const (
	CmapMcastReasonSync             CmapMcastReason = 0 // CMAP_MCAST_REASON_SYNC
	CmapMcastReasonNewConfigVersion CmapMcastReason = 1 // CMAP_MCAST_REASON_NEW_CONFIG_VERSION
)

// CmapMcastItem is struct req_exec_cmap_mcast_item: key, type, value_len (u64)
// and the value padded to 8. Type ValueNotExist with an empty value says
// "this key does not exist on the sender".
type CmapMcastItem struct {
	Key   MarName
	Type  ValueType
	Value []byte
}

// CmapMcast is struct req_exec_cmap_mcast plus its items.
type CmapMcast struct {
	Reason CmapMcastReason
	Items  []CmapMcastItem
}

func (*CmapMcast) ExecID() int32 { return ServiceID(CmapService, MessageReqExecCmapMcast) }

// NewCmapMcastItem builds an item from a Go cmap value (nil: key missing).
func NewCmapMcastItem(key string, v any) (CmapMcastItem, error) {
	name, err := NewMarName(key)
	if err != nil {
		return CmapMcastItem{}, err
	}
	if v == nil {
		return CmapMcastItem{Key: name, Type: ValueNotExist}, nil
	}
	val, typ, err := EncodeValue(v)
	if err != nil {
		return CmapMcastItem{}, err
	}
	return CmapMcastItem{Key: name, Type: typ, Value: val}, nil
}

// Find returns the item whose key equals key, as cmap_mcast_item_find does.
func (m *CmapMcast) Find(key string) (*CmapMcastItem, bool) {
	for i := range m.Items {
		if m.Items[i].Key.String() == key {
			return &m.Items[i], true
		}
	}
	return nil, false
}

func marAlign8(n int) int { return (n + 7) &^ 7 }

// Size is the encoded length.
func (m *CmapMcast) Size() int {
	n := CmapMcastHeaderSize
	for i := range m.Items {
		n += marAlign8(CmapMcastItemSize + len(m.Items[i].Value))
	}
	return n
}

// Append encodes m. The item count travels in a u8, so at most 255 items fit;
// C itself never sends more than 32.
func (m *CmapMcast) Append(b []byte) ([]byte, error) {
	if len(m.Items) > 255 {
		return b, fmt.Errorf("wire: cmap mcast with %d items (max 255)", len(m.Items))
	}
	b = RequestHeader{ID: m.ExecID(), Size: int32(m.Size())}.Append(b)
	b = marAppendU8Pad(b, uint8(m.Reason))
	b = marAppendU8Pad(b, uint8(len(m.Items)))
	b = marAppendU8Pad(b, 0)
	b = marAppendU8Pad(b, 0)
	for i := range m.Items {
		it := &m.Items[i]
		b = it.Key.append(b)
		b = marAppendU8Pad(b, uint8(it.Type))
		b = binary.LittleEndian.AppendUint64(b, uint64(len(it.Value)))
		b = append(b, it.Value...)
		for pad := marAlign8(len(it.Value)) - len(it.Value); pad > 0; pad-- {
			b = append(b, 0)
		}
	}
	return b, nil
}

// DecodeCmapMcast decodes a cmap MCAST.
//
// Strict where C would read out of bounds: every one of no_items items must
// fit in b, and the value of a fixed-size type must have exactly that size
// (the receiver memcpy's value_len bytes of a UINT64 item into a u64).
// Lenient where C is: the reason byte is kept whatever its value (C logs
// unknown reasons and ignores them), unknown value types are kept as raw
// bytes, and no_items is not capped at 32.
func DecodeCmapMcast(b []byte) (*CmapMcast, error) {
	if err := marCheckFixed("cmap mcast", b, CmapMcastHeaderSize); err != nil {
		return nil, err
	}
	m := &CmapMcast{Reason: CmapMcastReason(b[16])}
	count := int(b[24])
	off := CmapMcastHeaderSize
	if count > 0 {
		m.Items = make([]CmapMcastItem, 0, count)
	}
	for i := 0; i < count; i++ {
		if len(b)-off < CmapMcastItemSize {
			return nil, fmt.Errorf("%w: cmap mcast item %d of %d", ErrShort, i, count)
		}
		key, err := decodeMarName(b[off:])
		if err != nil {
			return nil, err
		}
		typ := ValueType(b[off+264])
		vlen := binary.LittleEndian.Uint64(b[off+272:])
		rest := uint64(len(b) - off - CmapMcastItemSize)
		if vlen > rest {
			return nil, fmt.Errorf("%w: cmap mcast item %d value_len %d, %d bytes left", ErrShort, i, vlen, rest)
		}
		if n := typ.FixedSize(); n != 0 && vlen != uint64(n) {
			return nil, fmt.Errorf("wire: cmap mcast item %d: %s value with length %d", i, typ, vlen)
		}
		start := off + CmapMcastItemSize
		it := CmapMcastItem{Key: key, Type: typ}
		if vlen > 0 {
			it.Value = append([]byte(nil), b[start:start+int(vlen)]...)
		}
		m.Items = append(m.Items, it)
		// The last item's padding may be missing: C never reads it.
		off = min(len(b), start+marAlign8(int(vlen)))
	}
	return m, nil
}
