package icmap

import (
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/gorosync/gorosync/wire"
)

func mustSet(t *testing.T, m *Map, k string, v any) {
	t.Helper()
	if err := m.Set(k, v); err != nil {
		t.Fatalf("Set(%q, %#v): %v", k, v, err)
	}
}

func TestKeyName(t *testing.T) {
	for name, ok := range map[string]bool{
		"abc": true, "ab": false, "": false, "a.b": true, "A-Z_0/9:.": true,
		"totem.interface.0.bindnetaddr": true, "a b": false, "a\x00b": false, "ké": false,
		strings.Repeat("x", 255): true, strings.Repeat("x", 256): false, "a*b": false,
	} {
		if ValidKeyName(name) != ok {
			t.Errorf("ValidKeyName(%q) = %v, want %v", name, !ok, ok)
		}
	}
	if got := ConvertNameToValidName("no de#1 é"); got != "no_de_1___" {
		t.Errorf("ConvertNameToValidName = %q", got)
	}
}

func TestAllTypesRoundTrip(t *testing.T) {
	m := New()
	vals := []any{int8(-8), uint8(8), int16(-16), uint16(16), int32(-32), uint32(32),
		int64(-64), uint64(64), float32(1.5), float64(-2.25), "str", []byte{0, 1, 2}}
	for i, v := range vals {
		k := "key.type." + wire.ValueType(i+1).String()
		mustSet(t, m, k, v)
		got, typ, err := m.Get(k)
		if err != nil || typ != wire.ValueType(i+1) {
			t.Fatalf("Get(%s) = %v %v %v", k, got, typ, err)
		}
		raw, rt, err := m.GetRaw(k)
		want, _, _ := wire.EncodeValue(v)
		if err != nil || rt != typ || string(raw) != string(want) {
			t.Errorf("GetRaw(%s) = %v %v %v", k, raw, rt, err)
		}
		vl, _, _ := m.Info(k)
		if vl != len(want) {
			t.Errorf("%s value_len = %d, want %d", k, vl, len(want))
		}
	}
	if n, _ := GetAs[int16](m, "key.type.i16"); n != -16 {
		t.Errorf("GetAs[int16] = %d", n)
	}
	if _, err := GetAs[uint32](m, "key.type.i16"); !errors.Is(err, wire.CsErrInvalidParam) {
		t.Errorf("wrong-type get: %v, want CS_ERR_INVALID_PARAM", err)
	}
	// A binary value handed out is a copy.
	b, _, _ := m.Get("key.type.bin")
	b.([]byte)[0] = 99
	if b2, _, _ := m.Get("key.type.bin"); b2.([]byte)[0] != 0 {
		t.Error("binary value aliased")
	}
}

func TestSetRules(t *testing.T) {
	m := New()
	if err := m.Set("ab", uint8(1)); !errors.Is(err, wire.CsErrNameTooLong) {
		t.Errorf("short key: %v", err)
	}
	if err := m.Set("a b c", uint8(1)); !errors.Is(err, wire.CsErrNameTooLong) {
		t.Errorf("bad char: %v", err)
	}
	if err := m.Set("abc", 5); !errors.Is(err, wire.CsErrInvalidParam) {
		t.Errorf("Go int: %v", err)
	}
	if err := m.Set("abc", strings.Repeat("x", MaxValueLen+1)); !errors.Is(err, wire.CsErrInvalidParam) {
		t.Errorf("long string: %v", err)
	}
	mustSet(t, m, "abc", strings.Repeat("x", MaxValueLen))
	if err := m.Set("abc", make([]byte, MaxValueLen+1)); !errors.Is(err, wire.CsErrInvalidParam) {
		t.Errorf("long binary: %v", err)
	}
	// Type change is allowed.
	mustSet(t, m, "abc", uint32(7))
	if v, typ, _ := m.Get("abc"); v != uint32(7) || typ != wire.ValueUint32 {
		t.Errorf("after type change: %v %v", v, typ)
	}
	// Strings stop at NUL, value_len counts the terminator.
	mustSet(t, m, "str", "ab\x00cd")
	if v, _, _ := m.Get("str"); v != "ab" {
		t.Errorf("string with NUL: %q", v)
	}
	if n, _, _ := m.Info("str"); n != 3 {
		t.Errorf("value_len = %d, want 3", n)
	}
	if _, _, err := m.Get("nope"); !errors.Is(err, wire.CsErrNotExist) {
		t.Errorf("get absent: %v", err)
	}
	if err := m.Delete("nope"); !errors.Is(err, wire.CsErrNotExist) {
		t.Errorf("delete absent: %v", err)
	}
	if err := m.Delete("str"); err != nil {
		t.Error(err)
	}
	if _, _, err := m.Get("str"); !errors.Is(err, wire.CsErrNotExist) {
		t.Errorf("get deleted: %v", err)
	}
}

func TestSetRaw(t *testing.T) {
	m := New()
	for _, c := range []struct {
		data []byte
		t    wire.ValueType
		err  error
		want any
	}{
		{[]byte{1, 0, 0, 0}, wire.ValueUint32, nil, uint32(1)},
		{[]byte{1, 0, 0}, wire.ValueUint32, wire.CsErrInvalidParam, nil},
		{[]byte("abc\x00"), wire.ValueString, nil, "abc"},
		{[]byte("abc"), wire.ValueString, nil, "abc"},
		{[]byte("ab\x00c"), wire.ValueString, wire.CsErrInvalidParam, nil},
		{[]byte{}, wire.ValueBinary, nil, []byte{}},
		{[]byte{1}, wire.ValueType(13), wire.CsErrInvalidParam, nil},
		{[]byte{1}, wire.ValueNotExist, wire.CsErrInvalidParam, nil},
	} {
		err := m.SetRaw("raw.key", c.data, c.t)
		if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
			t.Errorf("SetRaw(%q, %v) = %v, want %v", c.data, c.t, err, c.err)
			continue
		}
		if err == nil {
			v, _, _ := m.Get("raw.key")
			if b, ok := v.([]byte); ok {
				if len(b) != 0 {
					t.Errorf("binary = %v", b)
				}
			} else if v != c.want {
				t.Errorf("SetRaw(%q) stored %#v", c.data, v)
			}
		}
	}
}

func TestIterOrderAndPrefix(t *testing.T) {
	m := New()
	for _, k := range []string{"totem.token", "nodelist.node.1.nodeid", "nodelist.node.0.nodeid",
		"nodelist.local_node_pos", "totem.consensus", "logging.debug", "totema.x"} {
		mustSet(t, m, k, uint32(1))
	}
	var got []string
	it := m.Iter("nodelist.")
	for k, vl, typ, ok := it.Next(); ok; k, vl, typ, ok = it.Next() {
		if vl != 4 || typ != wire.ValueUint32 {
			t.Errorf("%s: %d %v", k, vl, typ)
		}
		got = append(got, k)
	}
	want := "nodelist.local_node_pos nodelist.node.0.nodeid nodelist.node.1.nodeid"
	if strings.Join(got, " ") != want {
		t.Errorf("iter = %v", got)
	}
	// Prefix is a string prefix, not a dotted component.
	if n := len(m.Snapshot("totem")); n != 3 {
		t.Errorf("Snapshot(totem) has %d keys, want 3", n)
	}
	if n := len(m.Snapshot("")); n != 7 {
		t.Errorf("Snapshot() has %d keys", n)
	}
	// Live iteration: deleting the current key and adding ahead works.
	it = m.Iter("totem.")
	k, _, _, _ := it.Next()
	_ = m.Delete(k)
	mustSet(t, m, "totem.zzz", uint8(1))
	var rest []string
	for k, _, _, ok := it.Next(); ok; k, _, _, ok = it.Next() {
		rest = append(rest, k)
	}
	if strings.Join(rest, " ") != "totem.token totem.zzz" {
		t.Errorf("live iteration = %v", rest)
	}
}

type rec struct {
	ev       TrackFlags
	key      string
	nv, ov   NotifyValue
	userData any
}

func recorder(out *[]rec) NotifyFunc {
	return func(ev TrackFlags, key string, nv, ov NotifyValue, ud any) {
		*out = append(*out, rec{ev, key, nv, ov, ud})
	}
}

func TestTrack(t *testing.T) {
	m := New()
	mustSet(t, m, "logging.debug", "off")
	var exact, pref, all []rec
	te, err := m.TrackAdd("logging.debug", TrackModify|TrackDelete, recorder(&exact), "E")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.TrackAdd("logging.", TrackAdd|TrackModify|TrackDelete|TrackPrefix, recorder(&pref), 7); err != nil {
		t.Fatal(err)
	}
	if _, err := m.TrackAdd("", TrackAdd|TrackPrefix, recorder(&all), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := m.TrackAdd("x", 16, recorder(&all), nil); !errors.Is(err, wire.CsErrInvalidParam) {
		t.Errorf("bad flags: %v", err)
	}
	if _, err := m.TrackAdd("x", TrackAdd, nil, nil); !errors.Is(err, wire.CsErrInvalidParam) {
		t.Errorf("nil fn: %v", err)
	}

	mustSet(t, m, "logging.debug", "off") // unchanged: no event
	mustSet(t, m, "logging.debug", "on")
	mustSet(t, m, "logging.to_stderr", "yes")
	mustSet(t, m, "totem.token", uint32(3000))
	mustSet(t, m, "logging.debugX", "no") // not the exact key
	_ = m.Delete("logging.debug")

	if len(exact) != 2 || exact[0].ev != TrackModify || exact[0].nv.Data != "on" || exact[0].ov.Data != "off" ||
		exact[0].nv.Len != 3 || exact[0].ov.Type != wire.ValueString || exact[0].userData != "E" {
		t.Errorf("exact track got %+v", exact)
	}
	if exact[1].ev != TrackDelete || exact[1].nv.Type != 0 || exact[1].ov.Data != "on" {
		t.Errorf("delete event %+v", exact[1])
	}
	if len(pref) != 4 || pref[1].ev != TrackAdd || pref[1].ov.Type != 0 || pref[1].userData != 7 {
		t.Errorf("prefix track got %+v", pref)
	}
	if len(all) != 3 {
		t.Errorf("all-keys ADD track got %d events: %+v", len(all), all)
	}
	if err := m.TrackDelete(te); err != nil {
		t.Fatal(err)
	}
	if err := m.TrackDelete(te); !errors.Is(err, wire.CsErrNotExist) {
		t.Errorf("double delete: %v", err)
	}
	mustSet(t, m, "logging.debug", "trace")
	if len(exact) != 2 {
		t.Error("deleted track still called")
	}
}

func TestTrackCallbackUsesMap(t *testing.T) {
	m := New()
	var seen []string
	_, _ = m.TrackAdd("a.", TrackAdd|TrackModify|TrackPrefix, func(ev TrackFlags, key string, nv, _ NotifyValue, _ any) {
		v, _, err := m.Get(key) // reading from a callback must not deadlock
		if err != nil {
			t.Errorf("get in callback: %v", err)
		}
		seen = append(seen, key)
		if key == "a.1" && v == uint8(1) {
			// writing from a callback must not deadlock either; its event
			// comes after this one.
			_ = m.Set("a.2", uint8(2))
			_ = m.Set("a.1", uint8(3))
		}
		_ = nv
	}, nil)
	mustSet(t, m, "a.1", uint8(1))
	if strings.Join(seen, ",") != "a.1,a.2,a.1" {
		t.Errorf("events %v", seen)
	}
}

func TestTrackOrderConcurrent(t *testing.T) {
	m := New()
	mustSet(t, m, "cnt.x", uint64(0))
	var mu sync.Mutex
	var last uint64
	bad := 0
	_, _ = m.TrackAdd("cnt.x", TrackModify, func(_ TrackFlags, _ string, nv, ov NotifyValue, _ any) {
		mu.Lock()
		defer mu.Unlock()
		if ov.Data.(uint64) != last {
			bad++
		}
		last = nv.Data.(uint64)
	}, nil)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				if err := m.Inc("cnt.x"); err != nil {
					t.Error(err)
				}
				_, _, _ = m.Get("cnt.x")
			}
		}()
	}
	wg.Wait()
	if v, _ := GetAs[uint64](m, "cnt.x"); v != 4000 || last != 4000 || bad != 0 {
		t.Errorf("value %d, last event %d, out-of-order events %d", v, last, bad)
	}
}

func TestROAccess(t *testing.T) {
	m := New()
	if err := m.SetROAccess("runtime.", true, true); err != nil {
		t.Fatal(err)
	}
	if err := m.SetROAccess("runtime.", true, true); !errors.Is(err, wire.CsErrExist) {
		t.Errorf("second mark: %v", err)
	}
	if err := m.SetROAccess("totem.cluster_name", false, true); err != nil {
		t.Fatal(err)
	}
	if err := m.SetROAccess("nothere", false, false); !errors.Is(err, wire.CsErrNotExist) {
		t.Errorf("unmark absent: %v", err)
	}
	for k, ro := range map[string]bool{"runtime.x": true, "runtime.": true, "runtim": false,
		"totem.cluster_name": true, "totem.cluster_name2": false, "totem.token": false} {
		if m.IsKeyRO(k) != ro {
			t.Errorf("IsKeyRO(%q) != %v", k, ro)
		}
	}
	if err := m.ClientSet("runtime.x", []byte{1}, wire.ValueUint8); !errors.Is(err, wire.CsErrAccess) {
		t.Errorf("ClientSet RO: %v", err)
	}
	mustSet(t, m, "runtime.x", uint8(1)) // internal set ignores RO, as in C
	if err := m.ClientDelete("runtime.x"); !errors.Is(err, wire.CsErrAccess) {
		t.Errorf("ClientDelete RO: %v", err)
	}
	if err := m.ClientAdjustInt("runtime.x", 1); !errors.Is(err, wire.CsErrAccess) {
		t.Errorf("ClientAdjustInt RO: %v", err)
	}
	if err := m.ClientSet("quorum.x", []byte{1}, wire.ValueUint8); err != nil {
		t.Errorf("ClientSet rw: %v", err)
	}
	if err := m.SetROAccess("runtime.", true, false); err != nil || m.IsKeyRO("runtime.x") {
		t.Errorf("unmark: %v", err)
	}
}

func TestAdjust(t *testing.T) {
	m := New()
	mustSet(t, m, "u8.key", uint8(255))
	mustSet(t, m, "i8.key", int8(127))
	mustSet(t, m, "u64.key", uint64(0))
	mustSet(t, m, "i32.key", int32(-1))
	mustSet(t, m, "flt.key", float32(1))
	mustSet(t, m, "str.key", "x")
	if err := m.Inc("u8.key"); err != nil {
		t.Fatal(err)
	}
	if v, _ := GetAs[uint8](m, "u8.key"); v != 0 {
		t.Errorf("u8 wrap = %d", v)
	}
	_ = m.Inc("i8.key")
	if v, _ := GetAs[int8](m, "i8.key"); v != -128 {
		t.Errorf("i8 wrap = %d", v)
	}
	_ = m.Dec("u64.key")
	if v, _ := GetAs[uint64](m, "u64.key"); v != math.MaxUint64 {
		t.Errorf("u64 dec = %d", v)
	}
	_ = m.AdjustInt("i32.key", 10)
	if v, _ := GetAs[int32](m, "i32.key"); v != 9 {
		t.Errorf("i32 adjust = %d", v)
	}
	for _, k := range []string{"flt.key", "str.key"} {
		if err := m.Inc(k); !errors.Is(err, wire.CsErrInvalidParam) {
			t.Errorf("Inc(%s) = %v", k, err)
		}
	}
	if err := m.Inc("none.key"); !errors.Is(err, wire.CsErrNotExist) {
		t.Errorf("Inc absent = %v", err)
	}
	var evs []rec
	_, _ = m.TrackAdd("u8.key", TrackModify, recorder(&evs), nil)
	_ = m.Inc("u8.key")
	_ = m.FastInc("u8.key")
	_ = m.FastDec("u8.key")
	if len(evs) != 3 || evs[0].ov.Data != uint8(0) || evs[0].nv.Data != uint8(1) ||
		evs[1].ov.Type != 0 || evs[1].nv.Data != uint8(2) || evs[2].nv.Data != uint8(1) {
		t.Errorf("adjust events %+v", evs)
	}
}

func TestCopyAndEq(t *testing.T) {
	a, b := New(), New()
	mustSet(t, a, "k.one", "v")
	mustSet(t, a, "k.two", []byte{1, 2})
	mustSet(t, a, "k.nan", math.NaN())
	if err := CopyMap(b, a); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k.one", "k.two", "k.nan"} {
		if !KeyValueEq(a, k, b, k) {
			t.Errorf("%s differs after copy", k)
		}
	}
	mustSet(t, b, "k.one", "w")
	if KeyValueEq(a, "k.one", b, "k.one") || KeyValueEq(a, "k.one", b, "k.none") {
		t.Error("KeyValueEq true for different values")
	}
	mustSet(t, a, "k.u", uint32(1))
	mustSet(t, b, "k.u", int32(1))
	if KeyValueEq(a, "k.u", b, "k.u") {
		t.Error("KeyValueEq ignores type")
	}
}

func TestStatsMapIsSeparate(t *testing.T) {
	def, stats := New(), New()
	mustSet(t, stats, "stats.srp.orf_token_tx", uint64(1))
	if _, _, err := def.Get("stats.srp.orf_token_tx"); err == nil {
		t.Error("maps share storage")
	}
}
