package wire

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"
)

func mustMarName(t testing.TB, s string) MarName {
	n, err := NewMarName(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Offsets as printed by a C program compiled against corosync 3.1.7's
// ipc_cmap.h (ipc-spec §5.2).
func TestCmapIPCLayout(t *testing.T) {
	le := binary.LittleEndian
	key := mustMarName(t, "totem.token")

	set := (&CmapReqSet{Key: key, Type: ValueString, Value: []byte("abc")}).Append(nil)
	if len(set) != 299 || le.Uint32(set[8:]) != 299 || le.Uint16(set[16:]) != 11 ||
		string(set[24:35]) != "totem.token" || le.Uint64(set[280:]) != 3 || set[288] != 11 || string(set[296:]) != "abc" {
		t.Fatalf("set layout: % x", set)
	}
	get := (&CmapReqGet{Key: key, ValueLen: 16}).Append(nil)
	if len(get) != CmapReqGetSize || le.Uint32(get[0:]) != 2 || le.Uint64(get[280:]) != 16 {
		t.Fatalf("get layout")
	}
	adj := (&CmapReqAdjustInt{Key: key, Step: -1}).Append(nil)
	if len(adj) != CmapReqAdjustIntSize || int32(le.Uint32(adj[280:])) != -1 {
		t.Fatalf("adjust layout")
	}
	ta := (&CmapReqTrackAdd{Key: key, TrackType: CmapTrackPrefix | CmapTrackAdd, TrackInstHandle: 0x1122334455667788}).Append(nil)
	if len(ta) != CmapReqTrackAddSize || le.Uint32(ta[280:]) != 12 || le.Uint64(ta[288:]) != 0x1122334455667788 {
		t.Fatalf("track add layout")
	}
	for _, c := range []struct {
		b    []byte
		size int
	}{
		{(&CmapReqDelete{Key: key}).Append(nil), CmapReqDeleteSize},
		{(&CmapReqIterInit{Prefix: key}).Append(nil), CmapReqIterInitSize},
		{(&CmapReqHandle{ID: MessageReqCmapIterNext, Handle: 5}).Append(nil), CmapReqIterNextSize},
		{(&CmapReqSetCurrentMap{Map: 1}).Append(nil), CmapReqSetCurrentMapSize},
		{CmapResStatus(nil, MessageResCmapSetCurrentMap, CsErrBusy), CmapResSetCurrentMapSize},
		{(&CmapResHandle{ID: MessageResCmapTrackAdd, Handle: 7}).Append(nil), CmapResTrackAddSize},
		{(&CmapResIterNext{Key: key, ValueLen: 4, Type: ValueUint32}).Append(nil), CmapResIterNextSize},
		{(&CmapResGet{Error: CsErrNotExist}).Append(nil), CmapResGetSize},
		{(&CmapResGet{Error: CsOK, ValueLen: 4, Type: ValueUint32, Value: make([]byte, 16)}).Append(nil), CmapResGetSize + 16},
	} {
		if len(c.b) != c.size || int(le.Uint32(c.b[8:])) != c.size {
			t.Errorf("message id %d: %d bytes (header %d), want %d", le.Uint32(c.b), len(c.b), le.Uint32(c.b[8:]), c.size)
		}
	}
	in := (&CmapResIterNext{Error: CsOK, Key: key, ValueLen: 4, Type: ValueUint32}).Append(nil)
	if le.Uint16(in[24:]) != 11 || string(in[32:43]) != "totem.token" || le.Uint64(in[288:]) != 4 || in[296] != 6 {
		t.Fatalf("iter next layout")
	}
}

// The notification seen byte-for-byte in a C corosync event ring: ADD of
// test.key1 = "hello" (ipc-spec §5.2).
func TestCmapNotifyGolden(t *testing.T) {
	le := binary.LittleEndian
	n := CmapNotify{TrackInstHandle: 0xabcdef, Key: mustMarName(t, "test.key1"), Event: CmapTrackAdd,
		NewType: ValueString, NewValue: []byte("hello\x00")}
	b := n.Append(nil)
	if len(b) != 0x156 || le.Uint32(b[0:]) != 9 || le.Uint32(b[8:]) != 0x156 || le.Uint32(b[16:]) != 1 {
		t.Fatalf("header: % x", b[:24])
	}
	if le.Uint64(b[24:]) != 0xabcdef || le.Uint16(b[32:]) != 9 || string(b[40:49]) != "test.key1" ||
		le.Uint32(b[296:]) != 4 || b[304] != 11 || b[312] != 0 || le.Uint64(b[320:]) != 6 || le.Uint64(b[328:]) != 0 ||
		string(b[336:]) != "hello\x00" {
		t.Fatalf("body: % x", b[24:])
	}
	d, err := DecodeCmapNotify(b)
	if err != nil || !reflect.DeepEqual(d.NewValue, n.NewValue) || len(d.OldValue) != 0 || d.Key.CString() != "test.key1" {
		t.Fatalf("decode: %+v %v", d, err)
	}
	// MODIFY carries the old value right after the new one.
	n.Event, n.OldType, n.OldValue = CmapTrackModify, ValueString, []byte("bye\x00")
	d, err = DecodeCmapNotify(n.Append(nil))
	if err != nil || string(d.NewValue) != "hello\x00" || string(d.OldValue) != "bye\x00" || d.OldType != ValueString {
		t.Fatalf("modify: %+v %v", d, err)
	}
}

func TestCmapIPCRoundTrip(t *testing.T) {
	key := mustMarName(t, "a.b.c")
	set := &CmapReqSet{Key: key, Type: ValueBinary, Value: []byte{1, 2, 3, 0}}
	if d, err := DecodeCmapReqSet(set.Append(nil)); err != nil || !reflect.DeepEqual(d, set) {
		t.Errorf("set: %+v %v", d, err)
	}
	tr := &CmapReqTrackAdd{Key: key, TrackType: 15, TrackInstHandle: 99}
	if d, err := DecodeCmapReqTrackAdd(tr.Append(nil)); err != nil || !reflect.DeepEqual(d, tr) {
		t.Errorf("track add: %+v %v", d, err)
	}
	g := &CmapResGet{Error: CsOK, ValueLen: 2, Type: ValueUint16, Value: []byte{1, 2, 0, 0}}
	if d, _, err := DecodeCmapResGet(g.Append(nil)); err != nil || !reflect.DeepEqual(d, g) {
		t.Errorf("get res: %+v %v", d, err)
	}
}

func TestCmapIPCBadInput(t *testing.T) {
	key := mustMarName(t, "a.b.c")
	set := (&CmapReqSet{Key: key, Type: ValueString, Value: []byte("xyz")}).Append(nil)
	// value_len beyond the message.
	binary.LittleEndian.PutUint64(set[280:], 1<<63)
	if _, err := DecodeCmapReqSet(set); err == nil {
		t.Error("set with huge value_len decoded")
	}
	if _, err := DecodeCmapReqGet(make([]byte, 100)); err == nil {
		t.Error("short get decoded")
	}
	ev := (&CmapNotify{Key: key, NewValue: []byte("x")}).Append(nil)
	binary.LittleEndian.PutUint64(ev[328:], ^uint64(0))
	if _, err := DecodeCmapNotify(ev); err == nil {
		t.Error("notify with huge old_value_len decoded")
	}
	res := (&CmapResHandle{ID: 4}).Append(nil)
	binary.LittleEndian.PutUint32(res[8:], 1000)
	if _, err := DecodeCmapResHandle(res); err == nil {
		t.Error("response with size beyond its bytes decoded")
	}
	// The server reads the key as a C string, whatever length says.
	var n MarName
	n.Length = 300
	copy(n.Value[:], "abc\x00def")
	if n.CString() != "abc" {
		t.Errorf("CString = %q", n.CString())
	}
}

// FuzzDecodeCmapIPC feeds every libcmap decoder; whatever decodes must
// re-encode to a message that decodes to the same thing.
func FuzzDecodeCmapIPC(f *testing.F) {
	key, _ := NewMarName("totem.token")
	for _, b := range [][]byte{
		(&CmapReqSet{Key: key, Type: ValueUint32, Value: []byte{1, 0, 0, 0}}).Append(nil),
		(&CmapReqGet{Key: key, ValueLen: 16}).Append(nil),
		(&CmapReqTrackAdd{Key: key, TrackType: 8, TrackInstHandle: 1}).Append(nil),
		(&CmapNotify{Key: key, Event: 2, NewType: 6, OldType: 6, NewValue: []byte{1, 0, 0, 0}, OldValue: []byte{2, 0, 0, 0}}).Append(nil),
		(&CmapResGet{Error: CsOK, ValueLen: 4, Type: 6, Value: []byte{1, 0, 0, 0, 0, 0}}).Append(nil),
		(&CmapResIterNext{Error: CsOK, Key: key, ValueLen: 4, Type: 6}).Append(nil),
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := DecodeCmapReqSet(b); err == nil {
			d, err := DecodeCmapReqSet(r.Append(nil))
			if err != nil || !reflect.DeepEqual(d, r) {
				t.Fatalf("set re-decode: %v", err)
			}
		}
		if r, err := DecodeCmapReqGet(b); err == nil {
			if d, err := DecodeCmapReqGet(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("get re-decode: %v", err)
			}
		}
		if r, err := DecodeCmapReqTrackAdd(b); err == nil {
			if d, err := DecodeCmapReqTrackAdd(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("track add re-decode: %v", err)
			}
		}
		if r, err := DecodeCmapReqAdjustInt(b); err == nil {
			if d, err := DecodeCmapReqAdjustInt(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("adjust re-decode: %v", err)
			}
		}
		if r, err := DecodeCmapReqHandle(b); err == nil {
			if d, err := DecodeCmapReqHandle(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("handle re-decode: %v", err)
			}
		}
		DecodeCmapReqDelete(b)
		DecodeCmapReqIterInit(b)
		DecodeCmapReqSetCurrentMap(b)
		if r, err := DecodeCmapNotify(b); err == nil {
			d, err := DecodeCmapNotify(r.Append(nil))
			if err != nil || !bytes.Equal(d.NewValue, r.NewValue) || !bytes.Equal(d.OldValue, r.OldValue) || d.Key != r.Key {
				t.Fatalf("notify re-decode: %v", err)
			}
		}
		if r, _, err := DecodeCmapResGet(b); err == nil {
			d, _, err := DecodeCmapResGet(r.Append(nil))
			if err != nil || !reflect.DeepEqual(d, r) {
				t.Fatalf("get res re-decode: %v", err)
			}
		}
		if r, err := DecodeCmapResIterNext(b); err == nil {
			if d, err := DecodeCmapResIterNext(r.Append(nil)); err != nil || *d != *r {
				t.Fatalf("iter next re-decode: %v", err)
			}
		}
		DecodeCmapResHandle(b)
	})
}
