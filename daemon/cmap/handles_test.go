package cmap

import (
	"syscall"
	"testing"
)

func TestHandleDB(t *testing.T) {
	var db handleDB[string]
	a, b := db.create("a"), db.create("b")
	if uint32(a) != 0 || uint32(b) != 1 || a>>32 == 0 || a>>32 >= 1<<31+1 {
		t.Fatalf("handles %#x %#x", a, b)
	}
	if v, err := db.get(b); err != nil || v != "b" {
		t.Fatalf("get: %q %v", v, err)
	}
	if _, err := db.get(b ^ 1<<33); err != syscall.EBADF {
		t.Fatalf("wrong check: %v", err)
	}
	if v, err := db.get(0xffffffff<<32 | 1); err != nil || v != "b" {
		t.Fatalf("wildcard check: %q %v", v, err)
	}
	if err := db.destroy(a); err != nil {
		t.Fatal(err)
	}
	if err := db.destroy(a); err != syscall.EBADF {
		t.Fatalf("second destroy: %v", err)
	}
	// The freed slot is reused first.
	if c := db.create("c"); uint32(c) != 0 {
		t.Fatalf("reuse: %#x", c)
	}
	// After pinAll (SET_CURRENT_MAP) a destroyed slot stays taken.
	db.pinAll()
	db.destroy(b)
	if _, err := db.get(b); err != syscall.EBADF {
		t.Fatalf("pinned and destroyed: %v", err)
	}
	if d := db.create("d"); uint32(d) != 2 {
		t.Fatalf("slot of pinned handle reused: %#x", d)
	}
	if db.len() != 2 || len(db.all()) != 2 {
		t.Fatalf("len %d", db.len())
	}
}
