package icmap

import (
	"github.com/gorosync/gorosync/wire"
)

// addStep adds step to an integer value with C's unsigned wrap-around at
// the value's width (icmap_adjust_int converts through uintN_t).
func addStep(v any, step int32) (any, bool) {
	s := int64(step)
	switch x := v.(type) {
	case int8:
		return int8(uint8(x) + uint8(s)), true
	case uint8:
		return x + uint8(s), true
	case int16:
		return int16(uint16(x) + uint16(s)), true
	case uint16:
		return x + uint16(s), true
	case int32:
		return int32(uint32(x) + uint32(s)), true
	case uint32:
		return x + uint32(s), true
	case int64:
		return int64(uint64(x) + uint64(s)), true
	case uint64:
		return x + uint64(s), true
	}
	return nil, false
}

// AdjustInt is icmap_adjust_int: add step to an integer key, firing a
// MODIFY event with old and new value. Floats, strings and binaries are
// CS_ERR_INVALID_PARAM; an absent key is CS_ERR_NOT_EXIST.
func (m *Map) AdjustInt(key string, step int32) error {
	return m.adjust(key, step, false)
}

// FastAdjustInt is icmap_fast_adjust_int: as AdjustInt, but like C's fast
// variant the MODIFY event carries no old value.
func (m *Map) FastAdjustInt(key string, step int32) error {
	return m.adjust(key, step, true)
}

// Inc, Dec, FastInc and FastDec are icmap_inc and friends.
func (m *Map) Inc(key string) error     { return m.AdjustInt(key, 1) }
func (m *Map) Dec(key string) error     { return m.AdjustInt(key, -1) }
func (m *Map) FastInc(key string) error { return m.FastAdjustInt(key, 1) }
func (m *Map) FastDec(key string) error { return m.FastAdjustInt(key, -1) }

func (m *Map) adjust(key string, step int32, fast bool) error {
	m.mu.Lock()
	old, ok := m.items[key]
	if !ok {
		m.mu.Unlock()
		return wire.CsErrNotExist
	}
	nv, ok := addStep(old.val, step)
	if !ok {
		m.mu.Unlock()
		return wire.CsErrInvalidParam
	}
	it := item{typ: old.typ, val: nv, vlen: old.vlen}
	m.items[key] = it
	oldV := notifyValue(old)
	if fast {
		oldV = NotifyValue{}
	}
	// C's non-fast path goes through icmap_set, which skips the event when
	// the value is unchanged (step 0); the fast path always notifies.
	if fast || step != 0 {
		m.notifyLocked(TrackModify, key, notifyValue(it), oldV)
	}
	m.mu.Unlock()
	m.dispatch()
	return nil
}
