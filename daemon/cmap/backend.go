package cmap

import (
	"strings"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/wire"
)

// backend is exec/cmap.c's struct cmap_map: the functions a connection
// uses, switched as a whole by SET_CURRENT_MAP.
type backend interface {
	getRaw(key string) ([]byte, wire.ValueType, error)
	info(key string) (int, wire.ValueType, error)
	set(key string, data []byte, t wire.ValueType) error
	adjustInt(key string, step int32) error
	delete(key string) error
	isKeyRO(key string) bool
	iterInit(prefix string) iterator
	trackAdd(key string, flags icmap.TrackFlags, fn icmap.NotifyFunc) (*icmap.Track, error)
	trackDelete(t *icmap.Track) error
}

type iterator interface {
	Next() (key string, valueLen int, t wire.ValueType, ok bool)
}

// defaultMap is icmap_map: the daemon's configuration/runtime store.
type defaultMap struct{ m *icmap.Map }

func (d defaultMap) getRaw(key string) ([]byte, wire.ValueType, error) { return d.m.GetRaw(key) }
func (d defaultMap) info(key string) (int, wire.ValueType, error)      { return d.m.Info(key) }
func (d defaultMap) set(key string, data []byte, t wire.ValueType) error {
	return d.m.SetRaw(key, data, t)
}
func (d defaultMap) adjustInt(key string, step int32) error { return d.m.AdjustInt(key, step) }
func (d defaultMap) delete(key string) error                { return d.m.Delete(key) }
func (d defaultMap) isKeyRO(key string) bool                { return d.m.IsKeyRO(key) }
func (d defaultMap) iterInit(prefix string) iterator        { return d.m.Iter(prefix) }
func (d defaultMap) trackAdd(key string, flags icmap.TrackFlags, fn icmap.NotifyFunc) (*icmap.Track, error) {
	return d.m.TrackAdd(key, flags, fn, nil)
}
func (d defaultMap) trackDelete(t *icmap.Track) error { return d.m.TrackDelete(t) }

// statsClearPrefix is the only writable part of the stats map
// (exec/stats.c's STATS_CLEAR).
const statsClearPrefix = "stats.clear."

// statsClearTargets are what stats_map_set recognises, each matched as a
// prefix of the key (strncmp), so "stats.clear.allxyz" clears all too.
var statsClearTargets = []string{"knet", "ipc", "totem", "schedmiss", "all"}

// statsMap is exec/stats.c's stats_map over the daemon's stats store:
// read-only except the stats.clear.* triggers; set, delete and adjust are
// CS_ERR_NOT_SUPPORTED; prefix tracks must track both ADD and DELETE.
type statsMap struct {
	m     *icmap.Map
	clear func(what string)
	live  func(key string) (any, bool)
}

// getRaw is stats_map_get: a key the live source knows is computed now, as
// C computes every stats value when it is read; the rest are the values
// last stored.
func (s statsMap) getRaw(key string) ([]byte, wire.ValueType, error) {
	if s.live != nil {
		if v, ok := s.live(key); ok {
			return wire.EncodeValue(v)
		}
	}
	return s.m.GetRaw(key)
}

func (s statsMap) info(key string) (int, wire.ValueType, error) {
	if s.live != nil {
		if v, ok := s.live(key); ok {
			b, t, err := wire.EncodeValue(v)
			return len(b), t, err
		}
	}
	return s.m.Info(key)
}

func (s statsMap) set(key string, _ []byte, _ wire.ValueType) error {
	cleared := false
	for _, what := range statsClearTargets {
		if strings.HasPrefix(key, statsClearPrefix+what) {
			if s.clear != nil {
				s.clear(what)
			}
			cleared = true
		}
	}
	if !cleared {
		return wire.CsErrNotSupported
	}
	return nil
}

func (s statsMap) adjustInt(string, int32) error { return wire.CsErrNotSupported }
func (s statsMap) delete(string) error           { return wire.CsErrNotSupported }
func (s statsMap) isKeyRO(key string) bool       { return !strings.HasPrefix(key, statsClearPrefix) }
func (s statsMap) iterInit(prefix string) iterator {
	return s.m.Iter(prefix)
}

// trackAdd follows stats_map_track_add. C's stats trackers see MODIFY only
// for a single named key (it polls those), and every stats notification
// carries the current value as both new and old value.
func (s statsMap) trackAdd(key string, flags icmap.TrackFlags, fn icmap.NotifyFunc) (*icmap.Track, error) {
	if flags&icmap.TrackPrefix != 0 && (flags&icmap.TrackDelete == 0 || flags&icmap.TrackAdd == 0) {
		return nil, wire.CsErrNotSupported
	}
	// stats.c checks no other bits: unknown ones are ignored, not refused.
	flags &= icmap.TrackAdd | icmap.TrackDelete | icmap.TrackModify | icmap.TrackPrefix
	if flags&icmap.TrackPrefix != 0 || key == "" {
		flags &^= icmap.TrackModify
	}
	wrapped := func(ev icmap.TrackFlags, k string, newV, oldV icmap.NotifyValue, ud any) {
		cur := newV
		if ev == icmap.TrackDelete {
			cur = oldV
		}
		fn(ev, k, cur, cur, ud)
	}
	return s.m.TrackAdd(key, flags, wrapped, nil)
}

func (s statsMap) trackDelete(t *icmap.Track) error { return s.m.TrackDelete(t) }
