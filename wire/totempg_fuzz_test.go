package wire

import (
	"bytes"
	"testing"
)

func FuzzTotempgPacket(f *testing.F) {
	f.Add((&TotempgPacket{Fragmented: 1, Chunks: [][]byte{[]byte("abc"), {1}}}).Append(nil), false)
	f.Add([]byte{0, 0, 0, 0, 0, 1, 1, 0, 3, 0, 'x', 'y', 'z'}, true)
	f.Fuzz(func(t *testing.T, b []byte, swapped bool) {
		p, err := DecodeTotempgPacket(b, swapped)
		if err != nil {
			return
		}
		if p.Size() != len(b) {
			t.Fatalf("size %d of %d-byte packet", p.Size(), len(b))
		}
		if !swapped && !bytes.Equal(p.Append(nil), b) {
			t.Fatalf("re-encode differs")
		}
	})
}

func FuzzGroupMessage(f *testing.F) {
	f.Add(append(AppendGroupHeader(nil, GroupSync), 1, 2, 3), false)
	f.Add([]byte{0, 2, 0, 1, 0, 1, 'a', 'b'}, true)
	f.Fuzz(func(t *testing.T, b []byte, swapped bool) {
		g, err := DecodeGroupMessage(b, swapped)
		if err != nil {
			return
		}
		if swapped {
			return
		}
		re := append(AppendGroupHeader(nil, groupStrings(g.Groups)...), g.Payload...)
		if !bytes.Equal(re, b) {
			t.Fatalf("re-encode differs")
		}
	})
}

func FuzzSyncMessage(f *testing.F) {
	f.Add(SyncBarrier{RingID: RingID{Rep: 1, Seq: 9}}.Append(nil))
	f.Add(SyncServiceBuild{RingID: RingID{Rep: 2, Seq: 0x28}, Services: []int32{0, 2, 3, 5}}.Append(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := DecodeSyncBarrier(b); err == nil {
			if got, _ := DecodeSyncBarrier(m.Append(nil)); got != m {
				t.Fatalf("barrier round trip %v %v", got, m)
			}
		}
		if m, err := DecodeSyncServiceBuild(b); err == nil {
			got, err := DecodeSyncServiceBuild(m.Append(nil))
			if err != nil || got.RingID != m.RingID || len(got.Services) != len(m.Services) {
				t.Fatalf("service build round trip %v %v", got, err)
			}
		}
	})
}
