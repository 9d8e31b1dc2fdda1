package icmap

import (
	"strings"

	"github.com/gorosync/gorosync/wire"
)

type roEntry struct {
	key    string
	prefix bool
}

// SetROAccess is icmap_set_ro_access: mark key (or, with prefix, every key
// starting with it) read-only for clients, or remove such a marking.
// Marking twice is CS_ERR_EXIST; removing an absent marking is
// CS_ERR_NOT_EXIST.
func (m *Map) SetROAccess(key string, prefix, ro bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, e := range m.ro {
		if e.prefix == prefix && e.key == key {
			if ro {
				return wire.CsErrExist
			}
			m.ro = append(m.ro[:i:i], m.ro[i+1:]...)
			return nil
		}
	}
	if !ro {
		return wire.CsErrNotExist
	}
	m.ro = append(m.ro, roEntry{key: key, prefix: prefix})
	return nil
}

// IsKeyRO is icmap_is_key_ro.
func (m *Map) IsKeyRO(key string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, e := range m.ro {
		if e.prefix && strings.HasPrefix(key, e.key) || !e.prefix && e.key == key {
			return true
		}
	}
	return false
}

// ClientSet is a set on behalf of a cmap client: CS_ERR_ACCESS on a
// read-only key, as cmap.c's set handler answers.
func (m *Map) ClientSet(key string, data []byte, t wire.ValueType) error {
	if m.IsKeyRO(key) {
		return wire.CsErrAccess
	}
	return m.SetRaw(key, data, t)
}

// ClientDelete is cmap.c's delete handler: CS_ERR_ACCESS on a read-only key.
func (m *Map) ClientDelete(key string) error {
	if m.IsKeyRO(key) {
		return wire.CsErrAccess
	}
	return m.Delete(key)
}

// ClientAdjustInt is cmap.c's adjust handler: CS_ERR_ACCESS on a
// read-only key.
func (m *Map) ClientAdjustInt(key string, step int32) error {
	if m.IsKeyRO(key) {
		return wire.CsErrAccess
	}
	return m.AdjustInt(key, step)
}
