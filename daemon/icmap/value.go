package icmap

import (
	"bytes"
	"strings"

	"github.com/gorosync/gorosync/wire"
)

// Value is the set of Go types a cmap value may have (see wire.TypeOf).
type Value interface {
	int8 | uint8 | int16 | uint16 | int32 | uint32 | int64 | uint64 |
		float32 | float64 | string | []byte
}

// item is one stored value. val holds the Go value of type typ; vlen is
// C's value_len (a string counts its terminating NUL).
type item struct {
	typ  wire.ValueType
	val  any
	vlen int
}

// normalize turns a Go value into the item C would store, applying
// icmap_set_r's checks. Strings are cut at their first NUL, as strlen does.
func normalize(v any) (item, error) {
	t, ok := wire.TypeOf(v)
	if !ok {
		return item{}, wire.CsErrInvalidParam
	}
	switch x := v.(type) {
	case string:
		if i := strings.IndexByte(x, 0); i >= 0 {
			x = x[:i]
		}
		// icmap_set_string passes strlen() as value_len.
		if len(x) > MaxValueLen {
			return item{}, wire.CsErrInvalidParam
		}
		return item{typ: t, val: x, vlen: len(x) + 1}, nil
	case []byte:
		if len(x) > MaxValueLen {
			return item{}, wire.CsErrInvalidParam
		}
		return item{typ: t, val: bytes.Clone(x), vlen: len(x)}, nil
	}
	return item{typ: t, val: v, vlen: t.FixedSize()}, nil
}

// fromRaw is icmap_check_value_len plus the copy icmap_set_r makes, for
// values that arrive as bytes (the cmap IPC set request): fixed-size types
// must have their exact size; a string may end in one NUL and may not
// carry bytes after a NUL.
func fromRaw(data []byte, t wire.ValueType) (item, error) {
	if len(data) > MaxValueLen || !t.Valid() {
		return item{}, wire.CsErrInvalidParam
	}
	switch t {
	case wire.ValueString:
		if i := bytes.IndexByte(data, 0); i >= 0 {
			if len(data) > i+1 {
				return item{}, wire.CsErrInvalidParam
			}
			data = data[:i]
		}
		return item{typ: t, val: string(data), vlen: len(data) + 1}, nil
	case wire.ValueBinary:
		return item{typ: t, val: bytes.Clone(data), vlen: len(data)}, nil
	}
	v, err := wire.DecodeValue(t, data)
	if err != nil {
		return item{}, wire.CsErrInvalidParam
	}
	return item{typ: t, val: v, vlen: len(data)}, nil
}

// equal is icmap_item_eq: same type and same bytes.
func (it item) equal(o item) bool {
	if it.typ != o.typ || it.vlen != o.vlen {
		return false
	}
	if it.typ == wire.ValueBinary {
		return bytes.Equal(it.val.([]byte), o.val.([]byte))
	}
	if it.typ == wire.ValueFloat || it.typ == wire.ValueDouble {
		// memcmp semantics: NaN equals the same NaN, +0 differs from -0.
		a, _, _ := wire.EncodeValue(it.val)
		b, _, _ := wire.EncodeValue(o.val)
		return bytes.Equal(a, b)
	}
	return it.val == o.val
}

// export hands a value out; binary values are copied so callers can't
// modify the store.
func (it item) export() any {
	if b, ok := it.val.([]byte); ok {
		return bytes.Clone(b)
	}
	return it.val
}
