package wire

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"
)

func TestCpgIPCLayouts(t *testing.T) {
	g, _ := NewCpgName("grp")
	le := binary.LittleEndian
	join := (&CpgReqJoin{Group: g, PID: 77, Flags: 1}).Append(nil)
	if len(join) != CpgReqJoinSize || le.Uint32(join[16:]) != 3 || string(join[24:27]) != "grp" || le.Uint32(join[152:]) != 77 || le.Uint32(join[160:]) != 1 {
		t.Fatalf("join layout % x", join[:32])
	}
	mc := (&CpgReqMcast{Guarantee: 2, Message: []byte("hello")}).Append(nil)
	if len(mc) != 45 || le.Uint32(mc[8:]) != 45 || le.Uint32(mc[24:]) != 2 || le.Uint32(mc[32:]) != 5 || string(mc[40:]) != "hello" {
		t.Fatalf("mcast layout % x", mc)
	}
	pm := (&CpgReqPartialMcast{Guarantee: 2, MsgLen: 10, Type: CpgPartialFirst, Data: []byte("abc")}).Append(nil)
	if len(pm) != 59 || le.Uint32(pm[0:]) != 12 || le.Uint32(pm[32:]) != 10 || le.Uint32(pm[40:]) != 3 || le.Uint32(pm[48:]) != 1 {
		t.Fatalf("partial layout % x", pm[:56])
	}
	cc := (&CpgConfchg{Group: g,
		Members: []CpgAddress{{1, 10, 0}},
		Left:    []CpgAddress{{2, 20, 3}},
		Joined:  []CpgAddress{{3, 30, 1}, {4, 40, 1}},
	}).Append(nil)
	if len(cc) != 184+4*24 || le.Uint32(cc[0:]) != 4 || le.Uint32(cc[160:]) != 1 || le.Uint32(cc[168:]) != 2 || le.Uint32(cc[176:]) != 1 {
		t.Fatalf("confchg counts % x", cc[160:184])
	}
	// members, then left, then joined
	if le.Uint32(cc[184:]) != 1 || le.Uint32(cc[184+24:]) != 2 || le.Uint32(cc[184+24+16:]) != 3 || le.Uint32(cc[184+48:]) != 3 || le.Uint32(cc[184+48+8:]) != 30 {
		t.Fatalf("confchg lists % x", cc[184:])
	}
	dl := (&CpgDeliver{Group: g, NodeID: 5, PID: 6, Message: []byte("xy")}).Append(nil)
	if len(dl) != 186 || le.Uint32(dl[0:]) != 5 || le.Uint32(dl[160:]) != 2 || le.Uint32(dl[168:]) != 5 || le.Uint32(dl[176:]) != 6 || string(dl[184:]) != "xy" {
		t.Fatalf("deliver layout")
	}
	pd := (&CpgPartialDeliver{Group: g, MsgLen: 9, NodeID: 5, PID: 6, Type: 3, Data: []byte("z")}).Append(nil)
	if len(pd) != 201 || le.Uint32(pd[0:]) != 17 || le.Uint32(pd[160:]) != 9 || le.Uint32(pd[168:]) != 1 || le.Uint32(pd[176:]) != 5 || le.Uint32(pd[184:]) != 6 || le.Uint32(pd[192:]) != 3 {
		t.Fatalf("partial deliver layout")
	}
	tc := (&CpgTotemConfchg{RingID: RingID{Rep: 1, Seq: 0x1234}, Members: []uint32{1, 2, 3}}).Append(nil)
	if len(tc) != 60 || le.Uint32(tc[0:]) != 13 || le.Uint32(tc[8:]) != 60 || le.Uint32(tc[24:]) != 1 || le.Uint64(tc[32:]) != 0x1234 || le.Uint32(tc[40:]) != 3 || le.Uint32(tc[44:]) != 1 || le.Uint32(tc[52:]) != 3 {
		t.Fatalf("totem confchg layout % x", tc)
	}
	ms := (&CpgResMembership{Error: CsOK, Members: []CpgAddress{{1, 2, 0}}}).Append(nil)
	if len(ms) != 9248 || le.Uint32(ms[24:]) != 1 || le.Uint32(ms[32:]) != 1 || le.Uint32(ms[40:]) != 2 {
		t.Fatalf("membership layout")
	}
	in := (&CpgResIterNext{Error: CsOK, Group: g, NodeID: 7, PID: 8}).Append(nil)
	if len(in) != 168 || le.Uint32(in[160:]) != 7 || le.Uint32(in[164:]) != 8 {
		t.Fatalf("iteration next layout")
	}
	var za CpgReqZcAlloc
	za.MapSize = 4096
	copy(za.Path[:], "/dev/shm/corosync_zerocopy-abc")
	zb := za.Append(nil)
	if len(zb) != CpgReqZcAllocSize || le.Uint64(zb[16:]) != 4096 || !bytes.HasPrefix(zb[24:], []byte("/dev/shm/")) {
		t.Fatal("zc alloc layout")
	}
}

func TestCpgIPCDecodeErrors(t *testing.T) {
	mc := (&CpgReqMcast{Message: []byte("hello")}).Append(nil)
	if _, err := DecodeCpgReqMcast(mc[:44]); err == nil {
		t.Fatal("msglen past end accepted")
	}
	if _, err := DecodeCpgReqJoin(make([]byte, 167)); err == nil {
		t.Fatal("short join accepted")
	}
	long := (&CpgReqJoin{PID: 1}).Append(nil)
	binary.LittleEndian.PutUint32(long[16:], 200)
	j, err := DecodeCpgReqJoin(long)
	if err != nil || j.Group.Length != 200 {
		t.Fatalf("over-long join name must reach the handler (NAME_TOO_LONG): %v", err)
	}
	cc := (&CpgConfchg{Members: []CpgAddress{{1, 1, 0}}}).Append(nil)
	binary.LittleEndian.PutUint32(cc[176:], 1<<31)
	if _, err := DecodeCpgConfchg(cc); err == nil {
		t.Fatal("huge left count accepted")
	}
}

// FuzzDecodeCpgIPC runs every libcpg request and event decoder on the same
// bytes; whatever decodes must re-encode to something that decodes equal.
func FuzzDecodeCpgIPC(f *testing.F) {
	g, _ := NewCpgName("pcmk")
	var za CpgReqZcAlloc
	copy(za.Path[:], "/dev/shm/corosync_zerocopy-Q1w2e3")
	for _, b := range [][]byte{
		(&CpgReqJoin{Group: g, PID: 1, Flags: 1}).Append(nil),
		(&CpgReqLeave{Group: g, PID: 1}).Append(nil),
		(&CpgReqMcast{Guarantee: 2, Message: []byte("m")}).Append(nil),
		(&CpgReqPartialMcast{Guarantee: 2, MsgLen: 3, Type: 2, Data: []byte("abc")}).Append(nil),
		(&CpgReqIterInit{Group: g, Type: 3}).Append(nil),
		za.Append(nil),
		(&CpgReqZcFree{MapSize: 1, ServerAddress: 2}).Append(nil),
		(&CpgConfchg{Group: g, Members: []CpgAddress{{1, 2, 0}}, Joined: []CpgAddress{{1, 2, 1}}}).Append(nil),
		(&CpgDeliver{Group: g, NodeID: 1, PID: 2, Message: []byte("x")}).Append(nil),
		(&CpgPartialDeliver{Group: g, MsgLen: 2, Type: 1, Data: []byte("x")}).Append(nil),
		(&CpgTotemConfchg{RingID: RingID{1, 2}, Members: []uint32{1}}).Append(nil),
	} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		same := func(what string, a, d any, err error) {
			if err != nil || !reflect.DeepEqual(a, d) {
				t.Fatalf("%s re-decode: %v\n%+v\n%+v", what, err, a, d)
			}
		}
		if r, err := DecodeCpgReqJoin(b); err == nil {
			d, err := DecodeCpgReqJoin(r.Append(nil))
			same("join", r, d, err)
		}
		if r, err := DecodeCpgReqLeave(b); err == nil {
			d, err := DecodeCpgReqLeave(r.Append(nil))
			same("leave", r, d, err)
		}
		if r, err := DecodeCpgReqMcast(b); err == nil {
			d, err := DecodeCpgReqMcast(r.Append(nil))
			same("mcast", r, d, err)
		}
		if r, err := DecodeCpgReqPartialMcast(b); err == nil {
			d, err := DecodeCpgReqPartialMcast(r.Append(nil))
			same("partial", r, d, err)
		}
		if r, err := DecodeCpgReqMembership(b); err == nil {
			d, err := DecodeCpgReqMembership(r.Append(nil))
			same("membership", r, d, err)
		}
		if r, err := DecodeCpgReqIterInit(b); err == nil {
			d, err := DecodeCpgReqIterInit(r.Append(nil))
			same("iterinit", r, d, err)
		}
		if v, err := DecodeCpgReqU64(b); err == nil {
			d, err := DecodeCpgReqU64(AppendCpgReqU64(nil, 6, v))
			same("u64", v, d, err)
		}
		if r, err := DecodeCpgReqZcAlloc(b); err == nil {
			d, err := DecodeCpgReqZcAlloc(r.Append(nil))
			same("zcalloc", r, d, err)
			_ = r.PathString()
		}
		if r, err := DecodeCpgReqZcFree(b); err == nil {
			d, err := DecodeCpgReqZcFree(r.Append(nil))
			same("zcfree", r, d, err)
		}
		if r, err := DecodeCpgConfchg(b); err == nil {
			d, err := DecodeCpgConfchg(r.Append(nil))
			same("confchg", r, d, err)
		}
		if r, err := DecodeCpgDeliver(b); err == nil {
			d, err := DecodeCpgDeliver(r.Append(nil))
			same("deliver", r, d, err)
		}
		if r, err := DecodeCpgPartialDeliver(b); err == nil {
			d, err := DecodeCpgPartialDeliver(r.Append(nil))
			same("pdeliver", r, d, err)
		}
		if r, err := DecodeCpgTotemConfchg(b); err == nil {
			d, err := DecodeCpgTotemConfchg(r.Append(nil))
			same("totem confchg", r, d, err)
		}
		if r, err := DecodeCpgResMembership(b); err == nil {
			d, err := DecodeCpgResMembership(r.Append(nil))
			same("membership res", r, d, err)
		}
		if r, err := DecodeCpgResIterNext(b); err == nil {
			d, err := DecodeCpgResIterNext(r.Append(nil))
			same("iternext res", r, d, err)
		}
	})
}
