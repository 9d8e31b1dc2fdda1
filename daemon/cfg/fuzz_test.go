package cfg

import (
	"errors"
	"testing"

	"github.com/gorosync/gorosync/confparse"
	"github.com/gorosync/gorosync/daemon/icmap"
	"github.com/gorosync/gorosync/wire"
)

type nullNode struct{ UDPNode }

func (*nullNode) Mcast([]byte) error { return nil }

// FuzzDeliver hands arbitrary exec messages from arbitrary nodes to the
// engine: nothing may panic, and only a KILLNODE naming us may end us.
func FuzzDeliver(f *testing.F) {
	kill, _ := (&wire.CfgKillnode{NodeID: 1}).Append(nil)
	sd, _ := (&wire.CfgShutdown{}).Append(nil)
	rl, _ := (&wire.CfgReloadConfig{Source: wire.MessageSource{NodeID: 1, Conn: 3}}).Append(nil)
	cr, _ := (&wire.CfgCryptoReconfig{Phase: 1}).Append(nil)
	re, _ := (&wire.CfgRingreenable{}).Append(nil)
	for _, b := range [][]byte{kill, sd, rl, cr, re} {
		f.Add(uint32(1), b)
		f.Add(uint32(2), b)
	}
	f.Fuzz(func(t *testing.T, from uint32, b []byte) {
		fatal := false
		e := New(Config{
			Map: icmap.New(),
			Node: &nullNode{UDPNode{NodeID: 1, Members: func() []uint32 { return nil },
				Nodes: func() []confparse.Node { return nil }}},
			ReadFile: func(string) ([]byte, error) { return nil, errors.New("no file") },
			Fatal:    func() { fatal = true },
		})
		e.Deliver(from, b)
		if fatal {
			m, err := wire.DecodeCfgKillnode(b)
			if err != nil || m.NodeID != 1 {
				t.Fatalf("fatal on %x", b)
			}
		}
	})
}
