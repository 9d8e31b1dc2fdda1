package icmap

import (
	"strings"
	"sync/atomic"

	"github.com/gorosync/gorosync/wire"
)

// TrackFlags are icmap.h's ICMAP_TRACK_* bits.
type TrackFlags int32

const (
	TrackDelete TrackFlags = 1
	TrackModify TrackFlags = 2
	TrackAdd    TrackFlags = 4
	// TrackPrefix makes the track key a prefix: every key starting with
	// it (as a string, not per dotted component) is tracked.
	TrackPrefix TrackFlags = 8
)

const trackAll = TrackDelete | TrackModify | TrackAdd | TrackPrefix

// NotifyValue is icmap_notify_value: the value before or after a change.
// Type 0 (wire.ValueNotExist) means "no value" (the old value of an ADD,
// the new value of a DELETE, the old value after a fast adjust). Data
// must not be modified: every track of the event shares it.
type NotifyValue struct {
	Type wire.ValueType
	Len  int
	Data any
}

func notifyValue(it item) NotifyValue {
	return NotifyValue{Type: it.typ, Len: it.vlen, Data: it.val}
}

// NotifyFunc is icmap_notify_fn_t. event is one of TrackAdd, TrackDelete,
// TrackModify.
type NotifyFunc func(event TrackFlags, key string, newVal, oldVal NotifyValue, userData any)

// Track is a registered tracking callback (icmap_track_t).
type Track struct {
	m        *Map
	key      string
	flags    TrackFlags
	fn       NotifyFunc
	userData any
	deleted  atomic.Bool
}

// UserData is icmap_track_get_user_data.
func (t *Track) UserData() any { return t.userData }

func (t *Track) matches(ev TrackFlags, key string) bool {
	if t.flags&ev == 0 {
		return false
	}
	if t.flags&TrackPrefix != 0 {
		return strings.HasPrefix(key, t.key)
	}
	return key == t.key
}

// TrackAdd is icmap_track_add. key "" with TrackPrefix tracks every key.
func (m *Map) TrackAdd(key string, flags TrackFlags, fn NotifyFunc, userData any) (*Track, error) {
	if fn == nil || flags&^trackAll != 0 {
		return nil, wire.CsErrInvalidParam
	}
	t := &Track{m: m, key: key, flags: flags, fn: fn, userData: userData}
	m.mu.Lock()
	m.tracks = append(m.tracks, t)
	m.mu.Unlock()
	return t, nil
}

// TrackDelete is icmap_track_delete. After it returns the callback is not
// called again, even for changes made before the delete whose delivery
// was still pending. A second delete is CS_ERR_NOT_EXIST.
func (m *Map) TrackDelete(t *Track) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.tracks {
		if x == t {
			m.tracks = append(m.tracks[:i:i], m.tracks[i+1:]...)
			t.deleted.Store(true)
			return nil
		}
	}
	return wire.CsErrNotExist
}

type event struct {
	ev       TrackFlags
	key      string
	newV     NotifyValue
	oldV     NotifyValue
	receiver []*Track
}

// notifyLocked queues the change for the tracks it concerns. Caller holds
// m.mu for writing, so queue order is change order.
func (m *Map) notifyLocked(ev TrackFlags, key string, newV, oldV NotifyValue) {
	var rx []*Track
	for _, t := range m.tracks {
		if t.matches(ev, key) {
			rx = append(rx, t)
		}
	}
	if len(rx) == 0 {
		return
	}
	m.qmu.Lock()
	m.queue = append(m.queue, event{ev: ev, key: key, newV: newV, oldV: oldV, receiver: rx})
	m.qmu.Unlock()
}

// dispatch delivers queued events with no map lock held, so callbacks may
// use the map. Only one goroutine delivers at a time, which keeps events
// in change order: a writer that finds delivery under way leaves its
// events to the goroutine already delivering, and a callback that writes
// to the map sees its own events delivered right after it returns.
func (m *Map) dispatch() {
	m.qmu.Lock()
	if m.dispatching || len(m.queue) == 0 {
		m.qmu.Unlock()
		return
	}
	m.dispatching = true
	defer func() {
		m.dispatching = false
		m.qmu.Unlock()
	}()
	for len(m.queue) > 0 {
		e := m.queue[0]
		m.queue[0] = event{}
		m.queue = m.queue[1:]
		m.qmu.Unlock()
		for _, t := range e.receiver {
			if !t.deleted.Load() {
				t.fn(e.ev, e.key, e.newV, e.oldV, t.userData)
			}
		}
		m.qmu.Lock()
	}
}
