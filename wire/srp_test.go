package wire

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"os"
	"strings"
	"testing"
)

type capturedFrame struct {
	frame, src, dst string
	b               []byte
}

// loadCapture reads testdata/srp_<name>.txt: the UDP payloads of a Debian
// corosync 3.1.7 udpu capture, one "frame src dst hex" line each.
func loadCapture(t testing.TB, name string) []capturedFrame {
	t.Helper()
	f, err := os.Open("testdata/srp_" + name + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []capturedFrame
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 4 {
			t.Fatalf("bad line %q", line)
		}
		b, err := hex.DecodeString(fs[3])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, capturedFrame{fs[0], fs[1], fs[2], b})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// zeroTarget clears target_nodeid, which udpu senders leave as stack garbage.
func zeroTarget(b []byte) []byte {
	c := bytes.Clone(b)
	copy(c[9:13], []byte{0, 0, 0, 0})
	return c
}

func TestSrpCaptureRoundTrip(t *testing.T) {
	counts := map[SrpType]int{}
	for _, name := range []string{"udpu", "udpu2", "udpu3"} {
		for _, fr := range loadCapture(t, name) {
			m, err := DecodeSrp(fr.b)
			if err != nil {
				t.Fatalf("%s frame %s: %v", name, fr.frame, err)
			}
			h := m.SrpHdr()
			counts[h.Type]++
			if h.Swapped {
				t.Fatalf("%s frame %s: decoded as byte-swapped", name, fr.frame)
			}
			h.TargetNodeID = 0
			got := m.Append(nil)
			if !bytes.Equal(got, zeroTarget(fr.b)) {
				t.Fatalf("%s frame %s %s: re-encode differs\n got % x\nwant % x", name, fr.frame, h.Type, got, fr.b)
			}
			if mc, ok := m.(*Mcast); ok && mc.Header.Encapsulated == EncapsulatedMcast {
				if _, err := mc.Inner(); err != nil {
					t.Fatalf("%s frame %s: inner mcast: %v", name, fr.frame, err)
				}
			}
		}
	}
	for typ := SrpOrfToken; typ <= SrpMembJoin+1; typ++ {
		if counts[typ] == 0 {
			t.Errorf("captures hold no %s", typ)
		}
	}
	t.Logf("decoded per type: %v", counts)
}

func frameNo(t *testing.T, name, no string) []byte {
	t.Helper()
	for _, fr := range loadCapture(t, name) {
		if fr.frame == no {
			return fr.b
		}
	}
	t.Fatalf("%s has no frame %s", name, no)
	return nil
}

func TestSrpCaptureGolden(t *testing.T) {
	// Node 2's first commit-token forward while joining node 1 (wire-spec §4).
	c, err := DecodeCommitToken(frameNo(t, "udpu", "25"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Header.NodeID != 2 || c.TokenSeq != 2 || c.RingID != (RingID{1, 9}) || c.MembIndex != 2 ||
		len(c.Addr) != 2 || c.Addr[0] != 1 || c.Addr[1] != 2 ||
		c.MembList[1] != (CommitMembEntry{RingID{2, 5}, 8, 8, 1}) {
		t.Fatalf("commit token: %+v", c)
	}
	if c.RingID.String() != "1.9" {
		t.Fatalf("ring id prints %q", c.RingID)
	}
	// A LEAVE: header nodeid 0, proc = others, failed = the leaver.
	j, err := DecodeMembJoin(frameNo(t, "udpu2", "155"))
	if err != nil {
		t.Fatal(err)
	}
	if j.Header.NodeID != LeaveDummyNodeID || j.SystemFrom != 2 || j.RingSeq != 48 ||
		len(j.ProcList) != 1 || j.ProcList[0] != 1 || len(j.FailedList) != 1 || j.FailedList[0] != 2 {
		t.Fatalf("leave: %+v", j)
	}
	h, err := DecodeTokenHoldCancel(frameNo(t, "udpu3", "147"))
	if err != nil || h.RingID != (RingID{1, 0x53}) {
		t.Fatalf("hold cancel: %+v %v", h, err)
	}
	if _, err := DecodeOrfToken(frameNo(t, "udpu3", "147")); !errors.Is(err, ErrSrpWrongType) {
		t.Fatalf("wrong type accepted: %v", err)
	}
}

func TestSrpSyntheticRoundTrip(t *testing.T) {
	r := RingID{Rep: 3, Seq: 0x1122334455}
	msgs := []SrpMessage{
		&OrfToken{Header: SrpHeader{Type: SrpOrfToken, NodeID: 3, TargetNodeID: 4}, Seq: 9, TokenSeq: 10,
			Aru: 7, AruAddr: 3, RingID: r, Backlog: 2, Fcc: 1, RetransFlg: 1,
			RtrList: []RtrItem{{r, 8}, {RingID{1, 5}, 9}}},
		&Mcast{Header: SrpHeader{Type: SrpMcast, Encapsulated: EncapsulatedMcast, NodeID: 3}, SystemFrom: 3,
			Seq: 1, ThisSeqno: -1, RingID: r, Guarantee: 1,
			Payload: (&Mcast{Header: SrpHeader{Type: SrpMcast, Encapsulated: NotEncapsulatedMcast, NodeID: 4},
				SystemFrom: 4, Seq: 5, RingID: RingID{1, 5}, Payload: []byte("hi")}).Append(nil)},
		&MergeDetect{Header: SrpHeader{Type: SrpMergeDetect, NodeID: 3}, SystemFrom: 3, RingID: r},
		&MembJoin{Header: SrpHeader{Type: SrpMembJoin, NodeID: 3}, SystemFrom: 3, RingSeq: 77,
			ProcList: []uint32{1, 3}, FailedList: []uint32{2}},
		&CommitToken{Header: SrpHeader{Type: SrpCommitToken, NodeID: 1, TargetNodeID: 3}, TokenSeq: 1, RingID: r,
			MembIndex: 1, Addr: []uint32{1, 3}, MembList: []CommitMembEntry{{RingID{1, 5}, 4, 4, 1}, {}}},
		&TokenHoldCancel{Header: SrpHeader{Type: SrpTokenHoldCancel, NodeID: 2}, RingID: r},
	}
	sizes := []int{57 + 32, 45 + 45 + 2, 29, 33 + 12, 41 + 56, 25}
	for i, m := range msgs {
		b := m.Append(nil)
		if len(b) != sizes[i] {
			t.Fatalf("%T: %d bytes, want %d", m, len(b), sizes[i])
		}
		back, err := DecodeSrp(b)
		if err != nil {
			t.Fatalf("%T: %v", m, err)
		}
		if mc, ok := back.(*Mcast); ok {
			in, err := mc.Inner()
			if err != nil || in.Header.NodeID != 4 || in.Seq != 5 || string(in.Payload) != "hi" {
				t.Fatalf("inner mcast %+v %v", in, err)
			}
		}
		if again := back.Append(nil); !bytes.Equal(again, b) {
			t.Fatalf("%T: re-encode differs", m)
		}
		if back.SrpHdr().Type != m.SrpHdr().Type || back.SrpHdr().TargetNodeID != m.SrpHdr().TargetNodeID {
			t.Fatalf("%T header %+v", m, back.SrpHdr())
		}
		// Every truncation must be refused, never panic.
		for n := 0; n < len(b); n++ {
			if _, ok := m.(*Mcast); ok && n >= McastHeaderSize {
				break // an mcast payload has no length of its own
			}
			if _, err := DecodeSrp(b[:n]); err == nil {
				t.Fatalf("%T truncated to %d accepted", m, n)
			}
		}
	}
}

// swapFrame turns a little-endian frame into what a big-endian sender emits.
func swapFrame(b []byte, fields []int) []byte {
	c := bytes.Clone(b)
	c[0], c[1] = c[1], c[0]
	for _, off := range fields {
		switch {
		case off < 0: // u64 at -off
			o := -off
			for i := 0; i < 4; i++ {
				c[o+i], c[o+7-i] = c[o+7-i], c[o+i]
			}
		default:
			c[off], c[off+1], c[off+2], c[off+3] = c[off+3], c[off+2], c[off+1], c[off]
		}
	}
	return c
}

func TestSrpByteSwapped(t *testing.T) {
	j := &MembJoin{Header: SrpHeader{NodeID: 7}, SystemFrom: 7, RingSeq: 0x0102030405, ProcList: []uint32{7, 9}, FailedList: []uint32{}}
	b := j.Append(nil)
	sw := swapFrame(b, []int{5, 9, 13, 17, 21, -25, 33, 37})
	back, err := DecodeMembJoin(sw)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Header.Swapped || back.SystemFrom != 7 || back.RingSeq != 0x0102030405 || back.ProcList[1] != 9 {
		t.Fatalf("swapped join: %+v", back)
	}
	back.Header.Swapped = false
	if !bytes.Equal(back.Append(nil), b) {
		t.Fatal("swapped join re-encodes differently")
	}
}

func TestSrpHeaderRejects(t *testing.T) {
	good := (&TokenHoldCancel{RingID: RingID{1, 1}}).Append(nil)
	cases := []struct {
		mut  func([]byte)
		want error
	}{
		{func(b []byte) { b[0], b[1] = 0xfe, 0xfe }, ErrSrpBadMagic},
		{func(b []byte) { b[0] = 0x01 }, ErrSrpBadMagic},
		{func(b []byte) { b[2] = 2 }, ErrSrpBadVersion},
		{func(b []byte) { b[3] = 6 }, ErrSrpBadType},
	}
	for i, c := range cases {
		b := bytes.Clone(good)
		c.mut(b)
		if _, err := DecodeSrp(b); !errors.Is(err, c.want) {
			t.Errorf("case %d: %v, want %v", i, err, c.want)
		}
	}
	ct := (&CommitToken{MembIndex: 3, Addr: []uint32{1, 2}}).Append(nil)
	if _, err := DecodeSrp(ct); !errors.Is(err, ErrSrpBadCount) {
		t.Errorf("memb_index beyond addr_entries: %v", err)
	}
	tok := (&OrfToken{}).Append(nil)
	le.PutUint32(tok[53:], 0xffffffff)
	if _, err := DecodeSrp(tok); !errors.Is(err, ErrSrpBadCount) {
		t.Errorf("negative rtr count: %v", err)
	}
}

func TestSqCompare(t *testing.T) {
	cases := []struct {
		a, b    uint32
		lt, lte bool
	}{
		{1, 2, true, true}, {2, 2, false, true}, {3, 2, false, false},
		{0xfffffff0, 5, true, true}, // wrapped: 5 is "after" 0xfffffff0
		{5, 0xfffffff0, false, false},
		{0x80000001, 0x80000002, true, true},
	}
	for _, c := range cases {
		if SqLt(c.a, c.b) != c.lt || SqLte(c.a, c.b) != c.lte {
			t.Errorf("sq(%#x,%#x) = %v,%v want %v,%v", c.a, c.b, SqLt(c.a, c.b), SqLte(c.a, c.b), c.lt, c.lte)
		}
	}
}
