package sync

import (
	"testing"

	"github.com/gorosync/gorosync/daemon/totempg"
	"github.com/gorosync/gorosync/wire"
)

// FuzzEngine delivers arbitrary sync messages from a few nodes between
// configuration changes: nothing may panic and Run must always settle.
func FuzzEngine(f *testing.F) {
	r := wire.RingID{Rep: 1, Seq: 4}
	f.Add([]byte{0, 1, 1, 2}, wire.SyncServiceBuild{RingID: r, Services: []int32{0, 7, 63}}.Append(nil), wire.SyncBarrier{RingID: r}.Append(nil))
	f.Add([]byte{3, 0, 1}, []byte{1, 0, 0, 0}, wire.SyncBarrier{}.Append(nil))
	f.Fuzz(func(t *testing.T, script, m1, m2 []byte) {
		e := New(Config{Mcast: func([]byte) error { return nil }})
		for _, s := range CompatServices(nil) {
			e.Register(s)
		}
		e.ConfChg(totempg.ConfChg{Type: totempg.ConfigurationRegular, Members: []uint32{1, 2}, RingID: r})
		for i, op := range script {
			switch op % 4 {
			case 3:
				e.ConfChg(totempg.ConfChg{Type: totempg.ConfigurationType(op >> 7), Members: []uint32{1, uint32(op>>2) % 4}, RingID: r})
			default:
				msg := m1
				if i%2 == 1 {
					msg = m2
				}
				e.Deliver(uint32(op%4), msg)
			}
			for n := 0; e.Run(); n++ {
				if n > 10 {
					t.Fatal("Run does not settle")
				}
			}
		}
	})
}
