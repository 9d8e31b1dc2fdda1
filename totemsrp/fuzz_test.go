package totemsrp

import (
	"testing"
	"time"

	"github.com/gorosync/gorosync/wire"
)

// FuzzNodeStep feeds arbitrary frames to a node of a formed two-node ring
// (and lets its timers run): whatever arrives, the state machine must not
// panic, and a valid frame for this ring must keep it usable.
func FuzzNodeStep(f *testing.F) {
	cap := map[string][]byte{}
	for _, no := range []string{"1", "2", "12", "13", "24", "25", "28", "29", "38"} {
		cap[no] = nil
	}
	for no, b := range loadUdpuCaptureTB(f) {
		if _, ok := cap[no]; ok {
			f.Add(b, uint8(0))
			f.Add(b, uint8(3))
		}
	}
	r := wire.RingID{Rep: 1, Seq: 9}
	f.Add((&wire.CommitToken{RingID: wire.RingID{Rep: 1, Seq: 100}, MembIndex: 0, Addr: []uint32{1, 2},
		MembList: make([]wire.CommitMembEntry, 2)}).Append(nil), uint8(1))
	f.Add((&wire.OrfToken{RingID: r, Seq: 0xfffffff0, TokenSeq: 1 << 31, Aru: 3,
		RtrList: []wire.RtrItem{{RingID: r, Seq: 7}}}).Append(nil), uint8(2))
	f.Add((&wire.MembJoin{SystemFrom: 9, ProcList: []uint32{9, 1}, FailedList: []uint32{2}}).Append(nil), uint8(0))
	f.Fuzz(func(t *testing.T, frame []byte, ticks uint8) {
		s := newSimNet(1, []uint32{1, 2}, func(id uint32) Config { return Defaults(id, 2) })
		s.budget = 200000
		s.start(1)
		s.start(2)
		s.runUntil(200 * time.Millisecond)
		n := s.nodes[1].node
		_ = n.Step(frame)
		s.drain(s.nodes[1])
		s.runUntil(s.now + time.Duration(ticks)*100*time.Millisecond)
	})
}
