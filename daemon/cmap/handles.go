package cmap

import (
	"math/rand/v2"
	"syscall"
)

// handleDB is libqb's qb_hdb as corosync uses it for a connection's
// iterators and tracks: a handle is (random check << 32) | slot, freed
// slots are reused lowest first, and a check of 0xffffffff matches any
// slot. Clients see these numbers and hand them back, so a stale or forged
// handle must fail the way hdb fails: -EBADF (CS_ERR_BAD_HANDLE).
type handleDB[T any] struct {
	slots []hslot[T]
}

type hslot[T any] struct {
	used  bool // hdb state ACTIVE
	refs  int  // hdb ref_count; the slot is reusable at 0
	check uint32
	v     T
}

// anyCheck is the wildcard check value hdb accepts.
const anyCheck = 0xffffffff

func (db *handleDB[T]) create(v T) uint64 {
	i := 0
	for ; i < len(db.slots); i++ {
		if db.slots[i].refs == 0 {
			break
		}
	}
	if i == len(db.slots) {
		db.slots = append(db.slots, hslot[T]{})
	}
	// random() in C: positive 31-bit values only.
	check := uint32(rand.Int32N(1<<31-1)) + 1
	db.slots[i] = hslot[T]{used: true, refs: 1, check: check, v: v}
	return uint64(check)<<32 | uint64(i)
}

func (db *handleDB[T]) lookup(h uint64) (int, error) {
	check, idx := uint32(h>>32), uint32(h)
	if uint64(idx) >= uint64(len(db.slots)) || !db.slots[idx].used {
		return 0, syscall.EBADF
	}
	if check != anyCheck && check != db.slots[idx].check {
		return 0, syscall.EBADF
	}
	return int(idx), nil
}

func (db *handleDB[T]) get(h uint64) (T, error) {
	i, err := db.lookup(h)
	if err != nil {
		var zero T
		return zero, err
	}
	return db.slots[i].v, nil
}

func (db *handleDB[T]) destroy(h uint64) error {
	i, err := db.lookup(h)
	if err != nil {
		return err
	}
	s := &db.slots[i]
	var zero T
	s.used, s.v = false, zero
	if s.refs--; s.refs == 0 {
		*s = hslot[T]{}
	}
	return nil
}

// pinAll is what corosync's SET_CURRENT_MAP does to every live handle
// while counting them: hdb_iterator_next takes a reference that is never
// put back. A handle destroyed later therefore keeps its slot for the
// connection's life, so the slot numbers clients see in later handles
// differ from a naive table's.
func (db *handleDB[T]) pinAll() {
	for i := range db.slots {
		if db.slots[i].used {
			db.slots[i].refs++
		}
	}
}

// all lists the live entries (hdb_iterator_next).
func (db *handleDB[T]) all() []T {
	var out []T
	for _, s := range db.slots {
		if s.used {
			out = append(out, s.v)
		}
	}
	return out
}

func (db *handleDB[T]) len() int {
	n := 0
	for _, s := range db.slots {
		if s.used {
			n++
		}
	}
	return n
}
