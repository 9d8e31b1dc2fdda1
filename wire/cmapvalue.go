package wire

import (
	"encoding/binary"
	"fmt"
	"math"
)

// ValueType is cmap's value type (cmap_value_types_t in corosync's cmap.h).
// It travels in cmap IPC messages and in the cmap exec MCAST, so it lives here.
type ValueType uint8

const (
	ValueNotExist ValueType = 0 // only on the wire: "key does not exist"
	ValueInt8     ValueType = 1
	ValueUint8    ValueType = 2
	ValueInt16    ValueType = 3
	ValueUint16   ValueType = 4
	ValueInt32    ValueType = 5
	ValueUint32   ValueType = 6
	ValueInt64    ValueType = 7
	ValueUint64   ValueType = 8
	ValueFloat    ValueType = 9
	ValueDouble   ValueType = 10
	ValueString   ValueType = 11
	ValueBinary   ValueType = 12
)

// names as corosync-cmapctl prints them in "key (type) = value".
var valueTypeNames = [...]string{
	ValueNotExist: "none", ValueInt8: "i8", ValueUint8: "u8", ValueInt16: "i16", ValueUint16: "u16",
	ValueInt32: "i32", ValueUint32: "u32", ValueInt64: "i64", ValueUint64: "u64",
	ValueFloat: "flt", ValueDouble: "dbl", ValueString: "str", ValueBinary: "bin",
}

func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// ParseValueType is the inverse of String.
func ParseValueType(s string) (ValueType, bool) {
	for i, n := range valueTypeNames {
		if n == s && i != 0 {
			return ValueType(i), true
		}
	}
	return 0, false
}

// Valid reports whether t names a storable type.
func (t ValueType) Valid() bool { return t >= ValueInt8 && t <= ValueBinary }

// FixedSize is the byte length of fixed-size types, 0 for string and binary.
func (t ValueType) FixedSize() int {
	switch t {
	case ValueInt8, ValueUint8:
		return 1
	case ValueInt16, ValueUint16:
		return 2
	case ValueInt32, ValueUint32, ValueFloat:
		return 4
	case ValueInt64, ValueUint64, ValueDouble:
		return 8
	}
	return 0
}

// TypeOf maps a Go value to its cmap type. The Go types used for cmap values
// everywhere in gorosync are int8…uint64, float32, float64, string and []byte.
func TypeOf(v any) (ValueType, bool) {
	switch v.(type) {
	case int8:
		return ValueInt8, true
	case uint8:
		return ValueUint8, true
	case int16:
		return ValueInt16, true
	case uint16:
		return ValueUint16, true
	case int32:
		return ValueInt32, true
	case uint32:
		return ValueUint32, true
	case int64:
		return ValueInt64, true
	case uint64:
		return ValueUint64, true
	case float32:
		return ValueFloat, true
	case float64:
		return ValueDouble, true
	case string:
		return ValueString, true
	case []byte:
		return ValueBinary, true
	}
	return 0, false
}

// EncodeValue gives the bytes C stores for v: little-endian numbers,
// strings with their terminating NUL (cmap counts it in value_len).
func EncodeValue(v any) ([]byte, ValueType, error) {
	t, ok := TypeOf(v)
	if !ok {
		return nil, 0, fmt.Errorf("cmap: unsupported value type %T", v)
	}
	le := binary.LittleEndian
	switch x := v.(type) {
	case int8:
		return []byte{byte(x)}, t, nil
	case uint8:
		return []byte{x}, t, nil
	case int16:
		return le.AppendUint16(nil, uint16(x)), t, nil
	case uint16:
		return le.AppendUint16(nil, x), t, nil
	case int32:
		return le.AppendUint32(nil, uint32(x)), t, nil
	case uint32:
		return le.AppendUint32(nil, x), t, nil
	case int64:
		return le.AppendUint64(nil, uint64(x)), t, nil
	case uint64:
		return le.AppendUint64(nil, x), t, nil
	case float32:
		return le.AppendUint32(nil, math.Float32bits(x)), t, nil
	case float64:
		return le.AppendUint64(nil, math.Float64bits(x)), t, nil
	case string:
		return append([]byte(x), 0), t, nil
	case []byte:
		return append([]byte(nil), x...), t, nil
	}
	panic("unreachable")
}

// DecodeValue is the inverse of EncodeValue. A string loses everything from
// its first NUL on, as C's string handling does.
func DecodeValue(t ValueType, b []byte) (any, error) {
	if n := t.FixedSize(); n != 0 && len(b) != n {
		return nil, fmt.Errorf("cmap: %s value needs %d bytes, got %d", t, n, len(b))
	}
	le := binary.LittleEndian
	switch t {
	case ValueInt8:
		return int8(b[0]), nil
	case ValueUint8:
		return b[0], nil
	case ValueInt16:
		return int16(le.Uint16(b)), nil
	case ValueUint16:
		return le.Uint16(b), nil
	case ValueInt32:
		return int32(le.Uint32(b)), nil
	case ValueUint32:
		return le.Uint32(b), nil
	case ValueInt64:
		return int64(le.Uint64(b)), nil
	case ValueUint64:
		return le.Uint64(b), nil
	case ValueFloat:
		return math.Float32frombits(le.Uint32(b)), nil
	case ValueDouble:
		return math.Float64frombits(le.Uint64(b)), nil
	case ValueString:
		for i, c := range b {
			if c == 0 {
				return string(b[:i]), nil
			}
		}
		return string(b), nil
	case ValueBinary:
		return append([]byte(nil), b...), nil
	}
	return nil, fmt.Errorf("cmap: invalid value type %d", uint8(t))
}
