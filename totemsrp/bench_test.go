package totemsrp

import (
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// BenchmarkTokenPath measures one ORF token visit on a member of a formed
// 3-node ring: decode, flow control, sending the queued messages, aru
// bookkeeping, encoding and forwarding the token, delivery.
func BenchmarkTokenPath(b *testing.B) {
	for _, msgs := range []int{0, 5} {
		b.Run(map[int]string{0: "idle", 5: "5msgs"}[msgs], func(b *testing.B) {
			n := formedMember(b)
			payload := make([]byte, 200)
			tok := &wire.OrfToken{RingID: n.RingID(), Aru: n.aru, Seq: n.highSeqReceived, TokenSeq: n.myTokenSeq + 1}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for k := 0; k < msgs; k++ {
					_ = n.Mcast(payload, 0)
				}
				tok.TokenSeq = n.myTokenSeq + 1
				tok.Seq = n.highSeqReceived
				tok.Aru, tok.AruAddr = tok.Seq, 0
				tok.Fcc, tok.Backlog = 0, 0
				frame := tok.Append(nil)
				if err := n.Step(frame); err != nil {
					b.Fatal(err)
				}
				rd := n.Ready()
				if len(rd.Frames) < msgs+1 {
					b.Fatalf("%d frames", len(rd.Frames))
				}
			}
		})
	}
}

// BenchmarkMcastReceive measures a member receiving another member's
// MCASTs (one op is one 1.4 KB frame: decode, sort queue, delivery), with
// a token after every 17 frames so the sort queue is released as on a
// busy ring.
func BenchmarkMcastReceive(b *testing.B) {
	n := formedMember(b)
	_ = n.Ready()
	m := &wire.Mcast{
		Header:     wire.SrpHeader{Type: wire.SrpMcast, Encapsulated: wire.NotEncapsulatedMcast, NodeID: 1},
		SystemFrom: 1, RingID: n.RingID(), Payload: make([]byte, 1400),
	}
	tok := &wire.OrfToken{RingID: n.RingID()}
	b.ReportAllocs()
	b.SetBytes(int64(len(m.Payload)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Seq = n.highSeqReceived + 1
		if err := n.Step(m.Append(nil)); err != nil {
			b.Fatal(err)
		}
		if i%17 == 16 {
			tok.TokenSeq = n.myTokenSeq + 1
			tok.Seq = n.highSeqReceived
			tok.Aru, tok.AruAddr = tok.Seq, 0
			if err := n.Step(tok.Append(nil)); err != nil {
				b.Fatal(err)
			}
		}
		rd := n.Ready()
		if i%17 != 16 && len(rd.Deliveries) != 1 {
			b.Fatalf("%d deliveries", len(rd.Deliveries))
		}
	}
}

// formedMember is node 2 of a simulated 3-node ring that has formed.
func formedMember(b *testing.B) *Node {
	b.Helper()
	s := newSimNet(1, []uint32{1, 2, 3}, func(id uint32) Config { return Defaults(id, 3) })
	s.start(1)
	s.start(2)
	s.start(3)
	s.runUntil(time.Second)
	n := s.nodes[2].node
	if n.State() != StateOperational {
		b.Fatalf("ring not formed: %s", n.State())
	}
	return n
}
