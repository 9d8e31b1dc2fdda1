package icmap

import (
	"bytes"
	"testing"

	"github.com/gorosync/gorosync/wire"
)

// FuzzKeyName checks ValidKeyName against the rule written out another way
// and that a name made valid by ConvertNameToValidName passes when its
// length is in range.
func FuzzKeyName(f *testing.F) {
	for _, s := range []string{"totem.token", "ab", "a b", "nodelist.node.0.ring0_addr", "x\x00yz", "\xff\xfe\xfd"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		ok := len(name) >= 3 && len(name) <= 255
		for _, c := range []byte(name) {
			if !bytes.ContainsRune([]byte("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:"), rune(c)) {
				ok = false
			}
		}
		if ValidKeyName(name) != ok {
			t.Fatalf("ValidKeyName(%q) = %v", name, !ok)
		}
		c := ConvertNameToValidName(name)
		if len(c) >= 3 && len(c) <= 255 && !ValidKeyName(c) {
			t.Fatalf("converted %q to invalid %q", name, c)
		}
		m := New()
		err := m.Set(name, uint8(1))
		if (err == nil) != ValidKeyName(name) {
			t.Fatalf("Set(%q) = %v", name, err)
		}
	})
}

// FuzzSetGet sets raw bytes of any type and checks that what comes back
// is what C would have stored.
func FuzzSetGet(f *testing.F) {
	f.Add("abc.def", uint8(6), []byte{1, 2, 3, 4})
	f.Add("str.key", uint8(11), []byte("hello\x00"))
	f.Add("str.key", uint8(11), []byte("he\x00llo"))
	f.Add("bin.key", uint8(12), []byte{})
	f.Add("dbl.key", uint8(10), []byte{0, 0, 0, 0, 0, 0, 0xf8, 0x7f})
	f.Add("bad.type", uint8(0), []byte{1})
	f.Fuzz(func(t *testing.T, key string, typ uint8, data []byte) {
		m := New()
		vt := wire.ValueType(typ)
		err := m.SetRaw(key, data, vt)
		if err != nil {
			if _, _, gerr := m.Get(key); gerr == nil {
				t.Fatalf("failed set %v left key %q", err, key)
			}
			return
		}
		if !ValidKeyName(key) || !vt.Valid() {
			t.Fatalf("SetRaw(%q, %v) accepted", key, vt)
		}
		raw, gt, err := m.GetRaw(key)
		if err != nil || gt != vt {
			t.Fatalf("GetRaw: %v %v", gt, err)
		}
		want := data
		if vt == wire.ValueString {
			want = append(bytes.TrimSuffix(data, []byte{0}), 0)
		}
		if !bytes.Equal(raw, want) {
			t.Fatalf("GetRaw = %x, want %x", raw, want)
		}
		vl, _, _ := m.Info(key)
		if vl != len(raw) {
			t.Fatalf("value_len %d vs %d bytes", vl, len(raw))
		}
		// Setting it again is a no-op (no MODIFY).
		n := 0
		_, _ = m.TrackAdd(key, TrackModify, func(TrackFlags, string, NotifyValue, NotifyValue, any) { n++ }, nil)
		v, _, _ := m.Get(key)
		if err := m.Set(key, v); err != nil || n != 0 {
			t.Fatalf("re-set: %v, %d events", err, n)
		}
	})
}
