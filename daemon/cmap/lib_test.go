package cmap

import (
	"bytes"
	"encoding/binary"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/ipc"
	"github.com/gorosync/gorosync/wire"
)

func TestSetGetEveryType(t *testing.T) {
	for _, tr := range []ipc.Transport{ipc.SHM, ipc.Socket} {
		t.Run(tr.String(), func(t *testing.T) {
			f := newFixture(t, tr)
			c := f.dial(t)
			vals := []any{int8(-5), uint8(200), int16(-300), uint16(60000), int32(-70000), uint32(4000000000),
				int64(math.MinInt64), uint64(math.MaxUint64), float32(1.5), float64(-2.25), []byte{0, 1, 2, 0, 3}}
			for i, v := range vals {
				k := "test.type" + string(rune('a'+i))
				data, typ, _ := wire.EncodeValue(v)
				if e := c.set(k, typ, data); e != wire.CsOK {
					t.Fatalf("set %T: %v", v, e)
				}
				got, gt, err := f.m.Get(k)
				if err != nil || gt != typ || !reflect.DeepEqual(got, v) {
					t.Fatalf("map holds %v %v %v, want %v", got, gt, err, v)
				}
				g := c.get(k, 16)
				if g.Error != wire.CsOK || g.Type != typ || g.ValueLen != uint64(len(data)) || !bytes.Equal(g.Value[:len(data)], data) {
					t.Fatalf("get %T: %+v", v, g)
				}
				if !bytes.Equal(g.Value[len(data):], make([]byte, 16-len(data))) {
					t.Fatalf("get %T: buffer tail not zero: % x", v, g.Value)
				}
			}
			// libcmap sends strings without NUL; the map counts it.
			if e := c.set("test.str", wire.ValueString, []byte("hello")); e != wire.CsOK {
				t.Fatal(e)
			}
			g := c.get("test.str", 0)
			if g.Error != wire.CsOK || g.ValueLen != 6 || g.Type != wire.ValueString || len(g.Value) != 0 {
				t.Fatalf("metadata get: %+v", g)
			}
			g = c.get("test.str", 6)
			if string(g.Value) != "hello\x00" {
				t.Fatalf("string get: %q", g.Value)
			}
			// A buffer smaller than the value is INVALID_PARAM (40 bytes).
			if g := c.get("test.str", 5); g.Error != wire.CsErrInvalidParam {
				t.Fatalf("short buffer: %v", g.Error)
			}
			if g := c.get("test.missing", 16); g.Error != wire.CsErrNotExist {
				t.Fatalf("missing: %v", g.Error)
			}
			if g := c.get("test.missing", 0); g.Error != wire.CsErrNotExist {
				t.Fatalf("missing metadata: %v", g.Error)
			}
		})
	}
}

func TestSetErrors(t *testing.T) {
	f := newFixture(t, ipc.SHM)
	c := f.dial(t)
	f.m.Set("totem.cluster_name", "x")
	f.m.SetROAccess("totem.cluster_name", false, true)
	f.m.SetROAccess("runtime.ro.", true, true)
	f.m.Set("runtime.ro.k", uint32(1))
	cases := []struct {
		name string
		e    wire.CsError
		want wire.CsError
	}{
		{"wrong int size", c.set("test.a", wire.ValueUint32, []byte{1, 2}), wire.CsErrInvalidParam},
		{"bad type", c.set("test.a", 13, []byte{1}), wire.CsErrInvalidParam},
		{"type 0", c.set("test.a", 0, []byte{1}), wire.CsErrInvalidParam},
		{"too long value", c.set("test.a", wire.ValueBinary, make([]byte, icmap.MaxValueLen+1)), wire.CsErrInvalidParam},
		{"longest value", c.set("test.a", wire.ValueBinary, make([]byte, icmap.MaxValueLen)), wire.CsOK},
		{"string with bytes after NUL", c.set("test.s", wire.ValueString, []byte("ab\x00c")), wire.CsErrInvalidParam},
		{"string with NUL", c.set("test.s", wire.ValueString, []byte("ab\x00")), wire.CsOK},
		{"short key", c.set("ab", wire.ValueUint8, []byte{1}), wire.CsErrNameTooLong},
		{"bad char", c.set("test.a b", wire.ValueUint8, []byte{1}), wire.CsErrNameTooLong},
		{"ro key", c.set("totem.cluster_name", wire.ValueString, []byte("y")), wire.CsErrAccess},
		{"ro prefix", c.set("runtime.ro.new", wire.ValueUint8, []byte{1}), wire.CsErrAccess},
		{"ro delete", c.del("runtime.ro.k"), wire.CsErrAccess},
		{"ro adjust", c.adjust("runtime.ro.k", 1), wire.CsErrAccess},
		{"delete missing", c.del("test.none"), wire.CsErrNotExist},
		{"delete", c.del("test.s"), wire.CsOK},
		{"adjust missing", c.adjust("test.none", 1), wire.CsErrNotExist},
		{"adjust binary", c.adjust("test.a", 1), wire.CsErrInvalidParam},
	}
	for _, tc := range cases {
		if tc.e != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.e, tc.want)
		}
	}
	if v, _ := f.m.GetString("totem.cluster_name"); v != "x" {
		t.Errorf("ro key changed to %q", v)
	}
}

func TestAdjust(t *testing.T) {
	f := newFixture(t, ipc.SHM)
	c := f.dial(t)
	f.m.Set("test.u8", uint8(255))
	f.m.Set("test.i64", int64(10))
	if e := c.adjust("test.u8", 1); e != wire.CsOK {
		t.Fatal(e)
	}
	if e := c.adjust("test.i64", -15); e != wire.CsOK {
		t.Fatal(e)
	}
	if v, _ := f.m.GetUint8("test.u8"); v != 0 {
		t.Errorf("u8 wrapped to %d", v)
	}
	if v, _, _ := f.m.Get("test.i64"); v != int64(-5) {
		t.Errorf("i64 = %v", v)
	}
}

func TestIter(t *testing.T) {
	f := newFixture(t, ipc.SHM)
	c := f.dial(t)
	f.m.Set("a.b.x", "val")
	f.m.Set("a.b.y", uint16(1))
	f.m.Set("a.c", uint64(1))
	f.m.Set("b.a", int8(1))
	want := []string{"a.b.x str 4", "a.b.y u16 2"}
	if got := c.list("a.b."); !reflect.DeepEqual(got, want) {
		t.Fatalf("prefix a.b.: %q", got)
	}
	if got := c.list(""); len(got) != 4 || got[3] != "b.a i8 1" {
		t.Fatalf("all: %q", got)
	}
	it := c.iterInit("a.")
	// Bad handles are hdb's -EBADF: CS_ERR_BAD_HANDLE.
	if r := c.iterNext(it.Handle + 1); r.Error != wire.CsErrBadHandle || r.Key.Length != 0 {
		t.Fatalf("wrong slot: %+v", r)
	}
	if r := c.iterNext(it.Handle ^ 1<<40); r.Error != wire.CsErrBadHandle {
		t.Fatalf("wrong check: %v", r.Error)
	}
	// hdb lets a check of 0xffffffff through.
	if r := c.iterNext(0xffffffff<<32 | it.Handle&0xffffffff); r.Error != wire.CsOK || r.Key.String() != "a.b.x" {
		t.Fatalf("wildcard check: %+v", r)
	}
	fin := (&wire.CmapReqHandle{ID: wire.MessageReqCmapIterFinalize, Handle: it.Handle}).Append(nil)
	if e := c.status(fin, wire.MessageResCmapIterFinalize); e != wire.CsOK {
		t.Fatal(e)
	}
	if e := c.status(fin, wire.MessageResCmapIterFinalize); e != wire.CsErrBadHandle {
		t.Fatalf("second finalize: %v", e)
	}
	if r := c.iterNext(it.Handle); r.Error != wire.CsErrBadHandle {
		t.Fatalf("next after finalize: %v", r.Error)
	}
}

func TestTrack(t *testing.T) {
	f := newFixture(t, ipc.SHM)
	c := f.dial(t)
	w := f.dial(t) // a second client makes the changes
	all := wire.CmapTrackAdd | wire.CmapTrackDelete | wire.CmapTrackModify
	tk := c.trackAdd("test.key", all, 0x1234)
	if tk.Error != wire.CsOK || tk.Handle == 0 {
		t.Fatalf("track add: %+v", tk)
	}
	w.set("test.key", wire.ValueString, []byte("one"))
	ev := c.event(5 * time.Second)
	if ev.TrackInstHandle != 0x1234 || ev.Key.String() != "test.key" || ev.Event != wire.CmapTrackAdd ||
		ev.NewType != wire.ValueString || string(ev.NewValue) != "one\x00" || ev.OldType != 0 || len(ev.OldValue) != 0 {
		t.Fatalf("add event: %+v", ev)
	}
	w.set("test.key", wire.ValueUint32, []byte{7, 0, 0, 0})
	ev = c.event(5 * time.Second)
	if ev.Event != wire.CmapTrackModify || ev.NewType != wire.ValueUint32 || !bytes.Equal(ev.NewValue, []byte{7, 0, 0, 0}) ||
		ev.OldType != wire.ValueString || string(ev.OldValue) != "one\x00" {
		t.Fatalf("modify event: %+v", ev)
	}
	// Same value again: no event.
	w.set("test.key", wire.ValueUint32, []byte{7, 0, 0, 0})
	w.adjust("test.key", 2)
	ev = c.event(5 * time.Second)
	if ev.Event != wire.CmapTrackModify || ev.NewValue[0] != 9 || ev.OldValue[0] != 7 {
		t.Fatalf("adjust event: %+v", ev)
	}
	w.set("test.keyx", wire.ValueUint8, []byte{1}) // not tracked: exact key only
	w.del("test.key")
	ev = c.event(5 * time.Second)
	if ev.Event != wire.CmapTrackDelete || ev.NewType != 0 || len(ev.NewValue) != 0 || ev.OldType != wire.ValueUint32 || ev.OldValue[0] != 9 {
		t.Fatalf("delete event: %+v", ev)
	}
	c.noEvent()

	// Prefix tracks, here only for ADD|PREFIX.
	pt := c.trackAdd("test.p.", wire.CmapTrackAdd|wire.CmapTrackPrefix, 77)
	w.set("test.p.a", wire.ValueUint8, []byte{1})
	w.set("test.p.a", wire.ValueUint8, []byte{2}) // modify: not tracked
	w.set("test.q", wire.ValueUint8, []byte{1})
	w.set("test.p.b", wire.ValueUint8, []byte{3})
	for _, k := range []string{"test.p.a", "test.p.b"} {
		if ev := c.event(5 * time.Second); ev.Key.String() != k || ev.TrackInstHandle != 77 || ev.Event != wire.CmapTrackAdd {
			t.Fatalf("prefix event: %+v, want %s", ev, k)
		}
	}
	c.noEvent()
	// Track delete answers with the inst handle; a second one is BAD_HANDLE.
	if r := c.trackDelete(pt.Handle); r.Error != wire.CsOK || r.Handle != 77 {
		t.Fatalf("track delete: %+v", r)
	}
	if r := c.trackDelete(pt.Handle); r.Error != wire.CsErrBadHandle || r.Handle != 0 {
		t.Fatalf("second track delete: %+v", r)
	}
	w.set("test.p.c", wire.ValueUint8, []byte{1})
	c.noEvent()
	// Unknown bits are refused, with handle 0.
	if r := c.trackAdd("test.key", 16|wire.CmapTrackAdd, 1); r.Error != wire.CsErrInvalidParam || r.Handle != 0 {
		t.Fatalf("bad flags: %+v", r)
	}
	// No key and PREFIX: every key.
	c.trackAdd("", wire.CmapTrackModify|wire.CmapTrackPrefix, 5)
	w.set("test.p.c", wire.ValueUint8, []byte{2})
	if ev := c.event(5 * time.Second); ev.Key.String() != "test.p.c" || ev.TrackInstHandle != 5 {
		t.Fatalf("all-keys track: %+v", ev)
	}
	if r := c.trackDelete(tk.Handle); r.Error != wire.CsOK || r.Handle != 0x1234 {
		t.Fatalf("track delete: %+v", r)
	}
}

// A track of a connection that goes away is deleted (cmap_lib_exit_fn).
func TestTrackRemovedOnDisconnect(t *testing.T) {
	f := newFixture(t, ipc.SHM)
	c := f.dial(t)
	c.trackAdd("test.", wire.CmapTrackAdd|wire.CmapTrackDelete|wire.CmapTrackPrefix, 1)
	conns := f.srv.Connections(f.name)
	if len(conns) != 1 {
		t.Fatalf("%d connections", len(conns))
	}
	ci := info(conns[0])
	ci.mu.Lock()
	tr := ci.tracks.all()[0].t
	ci.mu.Unlock()
	c.c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for len(f.srv.Connections(f.name)) > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := f.m.TrackDelete(tr); err != wire.CsErrNotExist {
		t.Fatalf("track still registered after disconnect: %v", err)
	}
	f.m.Set("test.after", uint8(1)) // must not reach the dead connection
}

func TestSetCurrentMap(t *testing.T) {
	f := newFixture(t, ipc.SHM)
	c := f.dial(t)
	f.stats.Set("stats.srp.orf_token_tx", uint64(42))
	f.m.Set("test.k", uint8(1))
	if e := c.setMap(wire.CmapSetMapStats); e != wire.CsOK {
		t.Fatal(e)
	}
	if g := c.get("stats.srp.orf_token_tx", 8); g.Error != wire.CsOK || binary.LittleEndian.Uint64(g.Value) != 42 || g.Type != wire.ValueUint64 {
		t.Fatalf("stats get: %+v", g)
	}
	if g := c.get("test.k", 8); g.Error != wire.CsErrNotExist {
		t.Fatalf("default key through stats map: %v", g.Error)
	}
	if got := c.list("stats."); len(got) != 1 || !strings.HasPrefix(got[0], "stats.srp.orf_token_tx u64 8") {
		t.Fatalf("stats list: %q", got)
	}
	// Read-only except stats.clear.*, which is NOT_SUPPORTED unless known.
	if e := c.set("stats.srp.orf_token_tx", wire.ValueUint64, make([]byte, 8)); e != wire.CsErrAccess {
		t.Errorf("stats set: %v", e)
	}
	if e := c.del("stats.srp.orf_token_tx"); e != wire.CsErrAccess {
		t.Errorf("stats delete: %v", e)
	}
	if e := c.adjust("stats.srp.orf_token_tx", 1); e != wire.CsErrAccess {
		t.Errorf("stats adjust: %v", e)
	}
	if e := c.del("stats.clear.all"); e != wire.CsErrNotSupported {
		t.Errorf("stats clear delete: %v", e)
	}
	if e := c.set("stats.clear.bogus", wire.ValueUint8, []byte{1}); e != wire.CsErrNotSupported {
		t.Errorf("unknown clear: %v", e)
	}
	if e := c.set("stats.clear.all", wire.ValueUint8, []byte{1}); e != wire.CsOK || f.cleared.Load() != "all" {
		t.Errorf("clear all: %v %v", e, f.cleared.Load())
	}
	// Prefix tracks on stats need ADD and DELETE.
	if r := c.trackAdd("stats.", wire.CmapTrackAdd|wire.CmapTrackPrefix, 1); r.Error != wire.CsErrNotSupported {
		t.Errorf("stats prefix track without delete: %v", r.Error)
	}
	r := c.trackAdd("stats.", wire.CmapTrackAdd|wire.CmapTrackDelete|wire.CmapTrackModify|wire.CmapTrackPrefix, 9)
	if r.Error != wire.CsOK {
		t.Fatal(r.Error)
	}
	f.stats.Set("stats.srp.orf_token_tx", uint64(43)) // MODIFY: not for prefix tracks
	f.stats.Set("stats.new", uint32(5))
	ev := c.event(5 * time.Second)
	if ev.Event != wire.CmapTrackAdd || ev.Key.String() != "stats.new" || ev.OldType != wire.ValueUint32 || !bytes.Equal(ev.OldValue, ev.NewValue) {
		t.Fatalf("stats add event: %+v", ev)
	}
	// Switching is refused while a track or iterator is open.
	if e := c.setMap(wire.CmapSetMapDefault); e != wire.CsErrBusy {
		t.Fatalf("switch with open track: %v", e)
	}
	c.trackDelete(r.Handle)
	if e := c.setMap(2); e != wire.CsErrNotExist {
		t.Fatalf("map 2: %v", e)
	}
	if e := c.setMap(wire.CmapSetMapDefault); e != wire.CsOK {
		t.Fatal(e)
	}
	if g := c.get("test.k", 1); g.Error != wire.CsOK {
		t.Fatalf("back on default map: %v", g.Error)
	}
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t, ipc.SHM)
	c := f.dial(t)
	// Unknown id: the dispatcher's {id 0, 24, INVALID_PARAM}, as corosync.
	if e := c.status(wire.RequestHeader{ID: 10, Size: 16}.Append(nil), 0); e != wire.CsErrInvalidParam {
		t.Fatalf("unknown id: %v", e)
	}
	// Truncated requests get their own response kind with INVALID_PARAM.
	if e := c.status(wire.RequestHeader{ID: wire.MessageReqCmapSet, Size: 16}.Append(nil), wire.MessageResCmapSet); e != wire.CsErrInvalidParam {
		t.Fatalf("short set: %v", e)
	}
	res := c.req(wire.RequestHeader{ID: wire.MessageReqCmapGet, Size: 16}.Append(nil))
	if g, _, err := wire.DecodeCmapResGet(res); err != nil || len(res) != 40 || g.Error != wire.CsErrInvalidParam {
		t.Fatalf("short get: %d bytes %v", len(res), err)
	}
	// A set whose value_len runs past the message.
	set := (&wire.CmapReqSet{Key: key(t, "test.k"), Type: wire.ValueUint8, Value: []byte{1}}).Append(nil)
	binary.LittleEndian.PutUint64(set[280:], 100)
	if e := c.status(set, wire.MessageResCmapSet); e != wire.CsErrInvalidParam {
		t.Fatalf("overrunning set: %v", e)
	}
	// A buffer no response could carry.
	if g := c.get("test.k", 1<<40); g.Error != wire.CsErrNoMemory {
		t.Fatalf("huge get: %v", g.Error)
	}
	// The connection still works.
	if e := c.set("test.k", wire.ValueUint8, []byte{1}); e != wire.CsOK {
		t.Fatal(e)
	}
}
