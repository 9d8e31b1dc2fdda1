package wire

import (
	"encoding/binary"
	"testing"
)

func TestQuorumRequestRoundTrip(t *testing.T) {
	for _, r := range []*QuorumRequest{
		{ID: MessageReqQuorumGetquorate}, {ID: MessageReqQuorumTrackstart, TrackFlags: 3},
		{ID: MessageReqQuorumTrackstop}, {ID: MessageReqQuorumGettype}, {ID: MessageReqQuorumModelGettype, Model: 1},
	} {
		b, err := r.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeQuorumRequest(b)
		if err != nil || *got != *r {
			t.Fatalf("%+v -> %+v %v", r, got, err)
		}
	}
	if _, err := DecodeQuorumRequest(RequestHeader{ID: MessageReqQuorumTrackstart, Size: 16}.Append(nil)); err == nil {
		t.Fatal("short trackstart decoded")
	}
	if _, err := DecodeQuorumRequest(RequestHeader{ID: 5, Size: 16}.Append(nil)); err == nil {
		t.Fatal("unknown id decoded")
	}
}

func TestQuorumNotifications(t *testing.T) {
	le := binary.LittleEndian
	v0 := AppendQuorumNotificationV0(nil, true, 0x10, []uint32{1, 2, 3})
	if len(v0) != 60 || le.Uint32(v0[8:]) != 60 || le.Uint32(v0) != 3 || v0[24] != 1 || v0[32] != 0x10 || v0[40] != 3 || v0[44] != 1 || v0[52] != 3 {
		t.Fatalf("v0 % x", v0)
	}
	v1 := AppendQuorumNotificationV1(nil, false, RingID{Rep: 2, Seq: 0x14}, []uint32{2, 3})
	if len(v1) != 64 || le.Uint32(v1) != 6 || v1[24] != 0 || v1[32] != 2 || v1[40] != 0x14 || v1[48] != 2 || v1[52] != 2 || v1[56] != 3 {
		t.Fatalf("v1 % x", v1)
	}
	nl := AppendQuorumNodelistNotificationV1(nil, RingID{Rep: 1, Seq: 8}, []uint32{1, 2}, []uint32{2}, []uint32{3})
	if len(nl) != 80 || le.Uint32(nl) != 7 || nl[24] != 1 || nl[32] != 8 || nl[40] != 2 || nl[48] != 1 || nl[56] != 1 ||
		nl[60] != 1 || nl[64] != 2 || nl[68] != 2 || nl[72] != 3 {
		t.Fatalf("nodelist % x", nl)
	}
	g := AppendQuorumU32Response(nil, MessageResQuorumGettype, CsOK, 1)
	if len(g) != 32 || le.Uint32(g) != 4 || g[24] != 1 {
		t.Fatalf("gettype % x", g)
	}
}

func FuzzDecodeQuorumRequest(f *testing.F) {
	for _, r := range []*QuorumRequest{{ID: 0}, {ID: 1, TrackFlags: 2}, {ID: 4, Model: 1}} {
		b, _ := r.Append(nil)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeQuorumRequest(b)
		if err != nil {
			return
		}
		out, err := r.Append(nil)
		if err != nil {
			t.Fatal(err)
		}
		if r2, err := DecodeQuorumRequest(out); err != nil || *r2 != *r {
			t.Fatalf("%+v -> %+v %v", r, r2, err)
		}
	})
}
