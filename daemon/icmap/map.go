package icmap

import (
	"slices"
	"strings"
	"sync"

	"github.com/gorosync/gorosync/wire"
)

// Map is one icmap instance (C's icmap_map_t): the default map or the
// stats map.
type Map struct {
	mu     sync.RWMutex
	items  map[string]item
	keys   []string // sorted, for prefix iteration in key order
	tracks []*Track
	ro     []roEntry

	// Track events wait here until delivered, in the order the changes
	// were made (see dispatch).
	qmu         sync.Mutex
	queue       []event
	dispatching bool
}

// New returns an empty map (icmap_init_r).
func New() *Map {
	return &Map{items: make(map[string]item)}
}

// Set stores v under key (icmap_set). Setting the value a key already
// has is a no-op that fires no MODIFY event; a new key must pass
// ValidKeyName or the result is CS_ERR_NAME_TOO_LONG, as in C. Changing a
// key's type is allowed. Set does not look at read-only markings: that is
// the IPC service's job (see ClientSet), as in C.
func (m *Map) Set(key string, v any) error {
	it, err := normalize(v)
	if err != nil {
		return err
	}
	return m.put(key, it)
}

// SetRaw stores a value given as the bytes C keeps for it (little-endian
// numbers, a string with or without its NUL), as the cmap IPC set request
// carries it.
func (m *Map) SetRaw(key string, data []byte, t wire.ValueType) error {
	it, err := fromRaw(data, t)
	if err != nil {
		return err
	}
	return m.put(key, it)
}

func (m *Map) put(key string, it item) error {
	m.mu.Lock()
	old, exists := m.items[key]
	if exists && old.equal(it) {
		m.mu.Unlock()
		return nil
	}
	if !exists {
		if !ValidKeyName(key) {
			m.mu.Unlock()
			return wire.CsErrNameTooLong
		}
		i, _ := slices.BinarySearch(m.keys, key)
		m.keys = slices.Insert(m.keys, i, key)
	}
	m.items[key] = it
	if exists {
		m.notifyLocked(TrackModify, key, notifyValue(it), notifyValue(old))
	} else {
		m.notifyLocked(TrackAdd, key, notifyValue(it), NotifyValue{})
	}
	m.mu.Unlock()
	m.dispatch()
	return nil
}

// Delete removes key (icmap_delete); CS_ERR_NOT_EXIST if absent.
func (m *Map) Delete(key string) error {
	m.mu.Lock()
	old, ok := m.items[key]
	if !ok {
		m.mu.Unlock()
		return wire.CsErrNotExist
	}
	delete(m.items, key)
	if i, found := slices.BinarySearch(m.keys, key); found {
		m.keys = slices.Delete(m.keys, i, i+1)
	}
	m.notifyLocked(TrackDelete, key, NotifyValue{}, notifyValue(old))
	m.mu.Unlock()
	m.dispatch()
	return nil
}

// Get returns key's value and type; CS_ERR_NOT_EXIST if absent.
func (m *Map) Get(key string) (any, wire.ValueType, error) {
	m.mu.RLock()
	it, ok := m.items[key]
	m.mu.RUnlock()
	if !ok {
		return nil, 0, wire.CsErrNotExist
	}
	return it.export(), it.typ, nil
}

// GetRaw returns the bytes C stores for key (what the cmap IPC get
// response carries); len(data) is C's value_len.
func (m *Map) GetRaw(key string) ([]byte, wire.ValueType, error) {
	m.mu.RLock()
	it, ok := m.items[key]
	m.mu.RUnlock()
	if !ok {
		return nil, 0, wire.CsErrNotExist
	}
	b, _, err := wire.EncodeValue(it.val)
	return b, it.typ, err
}

// Info returns key's type and C value_len without copying the value.
func (m *Map) Info(key string) (valueLen int, t wire.ValueType, err error) {
	m.mu.RLock()
	it, ok := m.items[key]
	m.mu.RUnlock()
	if !ok {
		return 0, 0, wire.CsErrNotExist
	}
	return it.vlen, it.typ, nil
}

// GetAs is icmap_get_<type>: the stored type must be exactly T, else
// CS_ERR_INVALID_PARAM.
func GetAs[T Value](m *Map, key string) (T, error) {
	var zero T
	v, _, err := m.Get(key)
	if err != nil {
		return zero, err
	}
	x, ok := v.(T)
	if !ok {
		return zero, wire.CsErrInvalidParam
	}
	return x, nil
}

// GetString is icmap_get_string.
func (m *Map) GetString(key string) (string, error) { return GetAs[string](m, key) }

// GetUint32 is icmap_get_uint32.
func (m *Map) GetUint32(key string) (uint32, error) { return GetAs[uint32](m, key) }

// GetUint8 is icmap_get_uint8.
func (m *Map) GetUint8(key string) (uint8, error) { return GetAs[uint8](m, key) }

// Len is the number of keys.
func (m *Map) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.keys)
}

// KeyValueEq is icmap_key_value_eq: both keys exist and hold the same
// type and bytes.
func KeyValueEq(m1 *Map, key1 string, m2 *Map, key2 string) bool {
	m1.mu.RLock()
	a, ok1 := m1.items[key1]
	m1.mu.RUnlock()
	m2.mu.RLock()
	b, ok2 := m2.items[key2]
	m2.mu.RUnlock()
	return ok1 && ok2 && a.equal(b)
}

// CopyMap is icmap_copy_map: every key of src is set in dst (firing dst's
// tracks), stopping at the first error.
func CopyMap(dst, src *Map) error {
	for _, e := range src.Snapshot("") {
		if err := dst.Set(e.Key, e.Value); err != nil {
			return err
		}
	}
	return nil
}

// Entry is one key with its value, as listed by Snapshot.
type Entry struct {
	Key   string
	Type  wire.ValueType
	Value any
}

// Snapshot lists every key starting with prefix, in key order.
func (m *Map) Snapshot(prefix string) []Entry {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Entry
	i, _ := slices.BinarySearch(m.keys, prefix)
	for ; i < len(m.keys) && strings.HasPrefix(m.keys[i], prefix); i++ {
		it := m.items[m.keys[i]]
		out = append(out, Entry{Key: m.keys[i], Type: it.typ, Value: it.export()})
	}
	return out
}
