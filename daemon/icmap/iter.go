package icmap

import (
	"slices"
	"strings"

	"github.com/gorosync/gorosync/wire"
)

// Iter walks the keys with a prefix in key order (icmap_iter_init). Like
// C's trie iterator it is live: keys added or removed behind or ahead of
// the cursor while iterating are seen or skipped by position, and an
// iterator never fails because the map changed. One Iter is not for use
// from several goroutines at once.
type Iter struct {
	m       *Map
	prefix  string
	last    string
	started bool
}

// Iter starts an iteration over keys beginning with prefix ("" = all).
func (m *Map) Iter(prefix string) *Iter { return &Iter{m: m, prefix: prefix} }

// Next returns the next key with its C value_len and type; ok is false at
// the end (icmap_iter_next returning NULL).
func (it *Iter) Next() (key string, valueLen int, t wire.ValueType, ok bool) {
	m := it.m
	m.mu.RLock()
	defer m.mu.RUnlock()
	var i int
	if it.started {
		var found bool
		i, found = slices.BinarySearch(m.keys, it.last)
		if found {
			i++
		}
	} else {
		i, _ = slices.BinarySearch(m.keys, it.prefix)
	}
	if i >= len(m.keys) || !strings.HasPrefix(m.keys[i], it.prefix) {
		return "", 0, 0, false
	}
	key = m.keys[i]
	it.last, it.started = key, true
	v := m.items[key]
	return key, v.vlen, v.typ, true
}
