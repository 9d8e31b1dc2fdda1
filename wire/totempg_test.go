package wire

import (
	"bytes"
	"errors"
	"testing"
)

func TestTotempgCaptureRoundTrip(t *testing.T) {
	for _, path := range []string{"testdata/udpu2.pcap", "testdata/udpu3.pcap"} {
		ms := captureMcasts(t, path)
		for i, m := range ms {
			p, err := DecodeTotempgPacket(m.payload, false)
			if err != nil {
				t.Fatalf("%s mcast %d: %v", path, i, err)
			}
			if got := p.Append(nil); !bytes.Equal(got, m.payload) {
				t.Fatalf("%s mcast %d: re-encoded\n%x\nwant\n%x", path, i, got, m.payload)
			}
			if p.Size() != len(m.payload) {
				t.Fatalf("Size %d, want %d", p.Size(), len(m.payload))
			}
			var lens []int
			for _, c := range p.Chunks {
				lens = append(lens, len(c))
			}
			t.Logf("%s n%d seq %d frag %d cont %d lens %v", path, m.nodeid, m.seq, p.Fragmented, p.Continuation, lens)
		}
	}
}

// The captured CPG downlist (1573-byte message) arrives as a 1400-byte chunk
// with fragmented=1, then a 173-byte chunk with continuation=1.
func TestTotempgCaptureFragmentPair(t *testing.T) {
	ms := captureMcasts(t, "testdata/udpu2.pcap")
	found := 0
	for i := 0; i+1 < len(ms); i++ {
		a, _ := DecodeTotempgPacket(ms[i].payload, false)
		if a.Fragmented != 1 || len(a.Chunks) != 1 || len(a.Chunks[0]) != 1400 {
			continue
		}
		for _, m := range ms[i+1:] {
			if m.nodeid != ms[i].nodeid || m.seq != ms[i].seq+1 {
				continue
			}
			b, err := DecodeTotempgPacket(m.payload, false)
			if err != nil || b.Continuation != 1 || b.Fragmented != 0 || len(b.Chunks[0]) != 173 {
				t.Fatalf("next packet of n%d: %+v %v", m.nodeid, b, err)
			}
			msg := append(append([]byte{}, a.Chunks[0]...), b.Chunks[0]...)
			g, err := DecodeGroupMessage(msg, false)
			if err != nil || !g.InGroups(GroupA) || len(g.Groups) != 1 {
				t.Fatalf("downlist group header: %+v %v", g, err)
			}
			h, err := DecodeRequestHeader(g.Payload)
			if err != nil || h.ID != ServiceID(2, 5) || h.Size != 1568 || len(g.Payload) != 1568 {
				t.Fatalf("downlist exec header %+v len %d", h, len(g.Payload))
			}
			found++
			break
		}
	}
	if found < 2 {
		t.Fatalf("found %d downlist fragment pairs, want one per node", found)
	}
}

// Every unfragmented chunk of the captures is a whole message: check the group
// header and, for group "sync", the sync codecs byte for byte.
func TestTotempgCaptureMessages(t *testing.T) {
	var builds, barriers int
	for _, path := range []string{"testdata/udpu2.pcap", "testdata/udpu3.pcap"} {
		for _, m := range captureMcasts(t, path) {
			p, _ := DecodeTotempgPacket(m.payload, false)
			for i, c := range p.Chunks {
				if (i == 0 && p.Continuation != 0) || (i == len(p.Chunks)-1 && p.Fragmented != 0) {
					continue
				}
				g, err := DecodeGroupMessage(c, false)
				if err != nil {
					t.Fatalf("%s: group header: %v (%x)", path, err, c)
				}
				if GroupHeaderSize(groupStrings(g.Groups)...)+len(g.Payload) != len(c) {
					t.Fatalf("group header size mismatch")
				}
				if re := append(AppendGroupHeader(nil, groupStrings(g.Groups)...), g.Payload...); !bytes.Equal(re, c) {
					t.Fatalf("group header re-encode\n%x\n%x", re, c)
				}
				if !g.InGroups(GroupSync) {
					if !g.InGroups(GroupA) {
						t.Fatalf("message in groups %q", g.Groups)
					}
					continue
				}
				id, err := SyncMessageID(g.Payload)
				if err != nil {
					t.Fatal(err)
				}
				switch id {
				case SyncMsgBarrier:
					b, err := DecodeSyncBarrier(g.Payload)
					if err != nil || len(g.Payload) != SyncBarrierSize {
						t.Fatalf("barrier: %v len %d", err, len(g.Payload))
					}
					if re := b.Append(nil); !bytes.Equal(re, g.Payload) {
						t.Fatalf("barrier re-encode\n%x\n%x", re, g.Payload)
					}
					if b.RingID.Rep == 0 || b.RingID.Seq == 0 {
						t.Fatalf("barrier ring %v", b.RingID)
					}
					barriers++
				case SyncMsgServiceBuild:
					s, err := DecodeSyncServiceBuild(g.Payload)
					if err != nil || len(g.Payload) != SyncServiceBuildSize {
						t.Fatalf("service build: %v len %d", err, len(g.Payload))
					}
					if re := s.Append(nil); !bytes.Equal(re, g.Payload) {
						t.Fatalf("service build re-encode\n%x\n%x", re, g.Payload)
					}
					want := []int32{0, 2, 3, 5}
					if len(s.Services) != 4 || s.Services[0] != want[0] || s.Services[1] != want[1] ||
						s.Services[2] != want[2] || s.Services[3] != want[3] {
						t.Fatalf("service list %v", s.Services)
					}
					builds++
				default:
					t.Fatalf("sync id %d", id)
				}
			}
		}
	}
	if builds < 4 || barriers < 16 {
		t.Fatalf("%d service builds, %d barriers", builds, barriers)
	}
	t.Logf("%d service builds, %d barriers", builds, barriers)
}

func groupStrings(gs [][]byte) []string {
	var out []string
	for _, g := range gs {
		out = append(out, string(g))
	}
	return out
}

func TestTotempgDecodeErrors(t *testing.T) {
	ok := (&TotempgPacket{Chunks: [][]byte{[]byte("ab"), []byte("c")}}).Append(nil)
	if _, err := DecodeTotempgPacket(ok, false); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		b    []byte
		want error
	}{
		"short header": {ok[:7], ErrShort},
		"short lens":   {[]byte{0, 0, 0, 0, 0, 0, 3, 0, 1, 0}, ErrShort},
		"one short":    {ok[:len(ok)-1], ErrTotempgLength},
		"one long":     {append(append([]byte{}, ok...), 0), ErrTotempgLength},
		"frag empty":   {[]byte{0, 0, 0, 0, 1, 0, 0, 0}, ErrTotempgFrag},
	}
	for name, c := range cases {
		if _, err := DecodeTotempgPacket(c.b, false); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
	// Byte-swapped msg_count/msg_lens from a big-endian sender.
	be := []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 'x', 'y'}
	p, err := DecodeTotempgPacket(be, true)
	if err != nil || len(p.Chunks) != 1 || string(p.Chunks[0]) != "xy" {
		t.Fatalf("swapped: %+v %v", p, err)
	}
}

func TestGroupHeader(t *testing.T) {
	b := AppendGroupHeader(nil, GroupA)
	if !bytes.Equal(b, []byte{1, 0, 1, 0, 'a'}) {
		t.Fatalf("%x", b)
	}
	b = append(AppendGroupHeader(nil, "sync", "a"), 9, 9)
	g, err := DecodeGroupMessage(b, false)
	if err != nil || !g.InGroups("a") || !g.InGroups("x", "sync") || g.InGroups("syn") || !bytes.Equal(g.Payload, []byte{9, 9}) {
		t.Fatalf("%+v %v", g, err)
	}
	for _, bad := range [][]byte{{}, {1}, {1, 0}, {1, 0, 2, 0, 'a'}, {2, 0, 1, 0}} {
		if _, err := DecodeGroupMessage(bad, false); err == nil {
			t.Errorf("%x decoded", bad)
		}
	}
}

func TestSyncCodecs(t *testing.T) {
	r := RingID{Rep: 1, Seq: 0x34}
	b := SyncBarrier{RingID: r}.Append(nil)
	if len(b) != SyncBarrierSize {
		t.Fatal(len(b))
	}
	if got, err := DecodeSyncBarrier(b); err != nil || got.RingID != r {
		t.Fatal(got, err)
	}
	sb := SyncServiceBuild{RingID: r, Services: []int32{0, 2, 3, 5}}.Append(nil)
	if len(sb) != SyncServiceBuildSize {
		t.Fatal(len(sb))
	}
	if _, err := DecodeSyncBarrier(sb); !errors.Is(err, ErrSyncMsgID) {
		t.Fatal(err)
	}
	if _, err := DecodeSyncServiceBuild(b); !errors.Is(err, ErrSyncMsgID) {
		t.Fatal(err)
	}
	bad := append([]byte{}, sb...)
	bad[32] = 129
	if _, err := DecodeSyncServiceBuild(bad); !errors.Is(err, ErrSyncServiceCount) {
		t.Fatal(err)
	}
	bad[32], bad[35] = 0, 0x80
	if _, err := DecodeSyncServiceBuild(bad); !errors.Is(err, ErrSyncServiceCount) {
		t.Fatal(err)
	}
	if _, err := DecodeSyncServiceBuild(sb[:50]); !errors.Is(err, ErrShort) {
		t.Fatal(err)
	}
}
