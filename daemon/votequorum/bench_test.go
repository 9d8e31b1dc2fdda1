package votequorum

import (
	"testing"

	"github.com/gorosync/gorosync/wire"
)

// engine384 is node 1 of a 384-node cluster (PROCESSOR_COUNT_MAX) after a
// sync in which every node sent its NODEINFO.
func engine384(b *testing.B) *Engine {
	const n = processorCountMax
	e := New(Options{NodeID: 1, Map: nodelistMap(n, nil, 0), StateDir: b.TempDir()})
	if err := e.Start(); err != nil {
		b.Fatal(err)
	}
	members := make([]uint32, n)
	for i := range members {
		members[i] = uint32(i + 1)
	}
	e.Init(nil, members, wire.RingID{Rep: 1, Seq: 4})
	for _, id := range members {
		b, _ := (&wire.VotequorumNodeinfo{NodeID: id, Votes: 1, ExpectedVotes: n}).Append(nil)
		_ = e.Deliver(id, b)
	}
	e.Activate()
	if !e.Quorate() {
		b.Fatal("not quorate")
	}
	return e
}

func BenchmarkRecalculateQuorum384(b *testing.B) {
	e := engine384(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e.recalculateQuorum(false, false)
	}
}

func BenchmarkNodeinfo384(b *testing.B) {
	e := engine384(b)
	msgs := make([][]byte, processorCountMax)
	for i := range msgs {
		// alternate the flags so every message changes the node and recalculates
		msgs[i], _ = (&wire.VotequorumNodeinfo{NodeID: uint32(i + 1), Votes: 1, ExpectedVotes: processorCountMax, Flags: uint32(i%2) * wire.NodeFlagsQuorate}).Append(nil)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = e.Deliver(uint32(i%processorCountMax+1), msgs[(i+i/processorCountMax)%processorCountMax])
	}
}
